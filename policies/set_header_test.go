package policies

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// newTestRun builds a request to http://backend.test/ with an empty 200
// response, as the engine hands it to the policies.
func newTestRun(sec Section) *Run {
	ctx := &expressions.Context{
		Request: &expressions.Request{
			Method:  "GET",
			URL:     &expressions.URL{Scheme: "http", Host: "backend.test", Port: 80, Path: "/", Query: expressions.ParseQuery("")},
			Headers: expressions.NewHeaders(nil),
		},
		Response:  &expressions.Response{StatusCode: 200, StatusReason: "OK", Headers: expressions.NewHeaders(nil)},
		Variables: expressions.NewVariables(),
	}
	return &Run{Context: context.Background(), Ctx: ctx, Section: sec, Env: &Env{}}
}

// compileSnippet compiles policy statements for sec, failing the test on
// any load-time error; it returns the statements and the warnings.
func compileSnippet(t *testing.T, sec Section, src string) ([]*Stmt, parser.Errors) {
	t.Helper()
	doc, errs := parser.Parse("t.xml", []byte(src))
	for _, e := range errs {
		if e.Severity == parser.SeverityError {
			t.Fatalf("parse: %v", e)
		}
	}
	c := &Compiler{Scope: ScopeAPI}
	stmts := c.SectionStmts(sec, doc.Root.Children)
	for _, e := range c.Errs {
		if e.Severity == parser.SeverityError {
			t.Fatalf("compile: %v", e)
		}
	}
	return stmts, c.Errs
}

// compileErrs compiles src and returns its load-time diagnostics.
func compileErrs(t *testing.T, sec Section, src string) parser.Errors {
	t.Helper()
	doc, errs := parser.Parse("t.xml", []byte(src))
	if len(errs) > 0 {
		t.Fatalf("parse: %v", errs)
	}
	c := &Compiler{Scope: ScopeAPI}
	c.SectionStmts(sec, doc.Root.Children)
	return c.Errs
}

// execSnippet compiles src for r.Section and runs it on r.
func execSnippet(t *testing.T, r *Run, src string) error {
	t.Helper()
	stmts, _ := compileSnippet(t, r.Section, src)
	return RunAll(r, stmts)
}

// wantFailure asserts err is a policy failure with source, reason and path.
func wantFailure(t *testing.T, err error, source, reason, path string) *Failure {
	t.Helper()
	var f *Failure
	if !errors.As(err, &f) {
		t.Fatalf("want a *Failure, got %v", err)
	}
	got := [3]string{f.Err.Source, f.Err.Reason, f.Stmt.Path}
	if d := cmp.Diff([3]string{source, reason, path}, got); d != "" {
		t.Errorf("failure (-want +got):\n%s", d)
	}
	return f
}

func TestSetHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		sec     Section
		initial http.Header
		src     string
		want    http.Header
	}{
		{"override adds", Inbound, nil,
			`<set-header name="x-a" exists-action="override"><value>1</value></set-header>`,
			http.Header{"X-A": {"1"}}},
		{"override is the default", Inbound, http.Header{"X-A": {"old"}},
			`<set-header name="X-A"><value>new</value></set-header>`,
			http.Header{"X-A": {"new"}}},
		{"several values join on one line", Inbound, nil,
			`<set-header name="x-a"><value>1</value><value>2</value></set-header>`,
			http.Header{"X-A": {"1,2"}}},
		{"set-cookie keeps one value per line", Outbound, nil,
			`<set-header name="Set-Cookie"><value>a=1</value><value>b=2</value></set-header>`,
			http.Header{"Set-Cookie": {"a=1", "b=2"}}},
		{"skip keeps an existing header", Inbound, http.Header{"X-A": {"old"}},
			`<set-header name="x-a" exists-action="skip"><value>new</value></set-header>`,
			http.Header{"X-A": {"old"}}},
		{"skip adds a missing header", Inbound, nil,
			`<set-header name="x-a" exists-action="skip"><value>new</value></set-header>`,
			http.Header{"X-A": {"new"}}},
		{"append", Inbound, http.Header{"X-A": {"old"}},
			`<set-header name="x-a" exists-action="append"><value>new</value></set-header>`,
			http.Header{"X-A": {"old,new"}}},
		{"delete is case-insensitive", Inbound, http.Header{"x-a": {"old"}, "X-B": {"b"}},
			`<set-header name="X-A" exists-action="delete" />`,
			http.Header{"X-B": {"b"}}},
		{"expression name, action and value", Inbound, http.Header{"X-In": {"v"}},
			`<set-header name="@("x-" + "out")" exists-action="@("app" + "end")"><value>@(context.Request.Headers.GetValueOrDefault("x-in", ""))</value></set-header>`,
			http.Header{"X-In": {"v"}, "X-Out": {"v"}}},
		{"null value is empty", Inbound, nil,
			`<set-header name="x-a"><value>@((string)null)</value></set-header>`,
			http.Header{"X-A": {""}}},
		{"content-length is left alone", Inbound, http.Header{"Content-Length": {"3"}},
			`<set-header name="content-length"><value>99</value></set-header><set-header name="Connection" exists-action="delete"/>`,
			http.Header{"Content-Length": {"3"}}},
		{"server cannot be deleted", Outbound, http.Header{"Server": {"x"}},
			`<set-header name="Server" exists-action="delete"/>`,
			http.Header{"Server": {"x"}}},
		{"server can be overridden", Outbound, http.Header{"Server": {"x"}},
			`<set-header name="Server"><value>pg</value></set-header>`,
			http.Header{"Server": {"pg"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRun(tt.sec)
			h := tt.initial
			if h == nil {
				h = http.Header{}
			}
			other := http.Header{}
			if r.IsRequestSection() {
				r.Ctx.Request.Headers, r.Ctx.Response.Headers = expressions.NewHeaders(h), expressions.NewHeaders(other)
			} else {
				r.Ctx.Response.Headers, r.Ctx.Request.Headers = expressions.NewHeaders(h), expressions.NewHeaders(other)
			}
			if err := execSnippet(t, r, tt.src); err != nil {
				t.Fatal(err)
			}
			got := r.Ctx.Request.Headers.H // NewHeaders may have made a canonical copy of h
			if !r.IsRequestSection() {
				got = r.Ctx.Response.Headers.H
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("headers (-want +got):\n%s", d)
			}
			if len(other) != 0 {
				t.Errorf("the other message changed: %v", other)
			}
		})
	}
}

func TestSetHeaderSectionTarget(t *testing.T) {
	t.Parallel()
	for _, sec := range AllSections {
		r := newTestRun(sec)
		if err := execSnippet(t, r, `<set-header name="x-s"><value>1</value></set-header>`); err != nil {
			t.Fatal(err)
		}
		_, onReq := r.Ctx.Request.Headers.Values("x-s")
		_, onResp := r.Ctx.Response.Headers.Values("x-s")
		wantReq := sec == Inbound || sec == Backend
		if onReq != wantReq || onResp == wantReq {
			t.Errorf("%s: on request %v, on response %v", sec, onReq, onResp)
		}
	}
}

func TestSetHeaderErrors(t *testing.T) {
	t.Parallel()
	r := newTestRun(Inbound)
	err := execSnippet(t, r, `<set-header name="x-a" id="h1"><value>@(((string)null).Length.ToString())</value></set-header>`)
	f := wantFailure(t, err, "set-header", ReasonExpression, "set-header[1]")
	if f.Stmt.ID != "h1" {
		t.Errorf("policy id %q", f.Stmt.ID)
	}
	err = execSnippet(t, newTestRun(Inbound), `<set-header name="x-a" exists-action="@("bogus")"><value>1</value></set-header>`)
	wantFailure(t, err, "set-header", ReasonExpression, "set-header[1]")

	errs := compileErrs(t, Inbound, `<set-header name="x" exists-action="sometimes"/>`)
	if len(errs) != 1 || errs[0].Code != parser.CodeBadAttribute {
		t.Errorf("bad exists-action literal: %v", errs)
	}
}
