package policies

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/parser"
)

// convCompileOne parses a one-statement snippet and compiles it for sec,
// failing the test on any diagnostic of severity error.
func convCompileOne(t *testing.T, sec Section, src string) *Stmt {
	t.Helper()
	d, errs := parser.Parse("t.xml", []byte(src))
	if d == nil || len(errs) > 0 {
		t.Fatalf("parse %q: %v", src, errs)
	}
	c := &Compiler{}
	stmts := c.SectionStmts(sec, d.Root.Children)
	for _, e := range c.Errs {
		if e.Severity == parser.SeverityError {
			t.Fatalf("compile %q: %v", src, c.Errs)
		}
	}
	if len(stmts) != 1 {
		t.Fatalf("compile %q: %d statements, want 1 (%v)", src, len(stmts), c.Errs)
	}
	return stmts[0]
}

// convCompileErrs returns the diagnostics of compiling a snippet.
func convCompileErrs(t *testing.T, sec Section, src string) parser.Errors {
	t.Helper()
	d, errs := parser.Parse("t.xml", []byte(src))
	if d == nil || len(errs) > 0 {
		t.Fatalf("parse %q: %v", src, errs)
	}
	c := &Compiler{}
	c.SectionStmts(sec, d.Root.Children)
	return c.Errs
}

// convTestRun is a run with a request and a response, logging to buf.
func convTestRun(sec Section, buf *bytes.Buffer) *Run {
	return &Run{
		Context: context.Background(),
		Ctx: &expressions.Context{
			Request:   &expressions.Request{Method: "POST", Headers: expressions.NewHeaders(http.Header{})},
			Response:  &expressions.Response{StatusCode: 200, Headers: expressions.NewHeaders(http.Header{})},
			Variables: expressions.NewVariables(),
		},
		Section: sec,
		Env: &Env{
			Logger:  slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
			Metrics: NewMetricsRegistry(),
		},
	}
}

// convSetBody sets the body and Content-Type of the request (req) or response.
func convSetBody(r *Run, req bool, body, ct string) {
	if req {
		r.Ctx.Request.Body = expressions.NewBody([]byte(body))
		r.Ctx.Request.Headers.H.Set("Content-Type", ct)
		return
	}
	r.Ctx.Response.Body = expressions.NewBody([]byte(body))
	r.Ctx.Response.Headers.H.Set("Content-Type", ct)
}

// convCase is one body conversion: the policy runs in sec on body (Content-Type
// ct, the test's default when empty; Accept accept) and must leave want and wantCT.
type convCase struct {
	name, policy, body, ct, accept string
	sec                            Section
	want, wantCT                   string
}

// runConvCases runs each case on the request (inbound) or the response.
func runConvCases(t *testing.T, defaultCT string, tests []convCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			r := convTestRun(tt.sec, &buf)
			ct := tt.ct
			if ct == "" {
				ct = defaultCT
			}
			req := tt.sec == Inbound
			convSetBody(r, req, tt.body, ct)
			if tt.accept != "" {
				r.Ctx.Request.Headers.H.Set("Accept", tt.accept)
			}
			if err := convCompileOne(t, tt.sec, tt.policy).Exec(r); err != nil {
				t.Fatal(err)
			}
			body, h := r.Ctx.Response.Body, r.Ctx.Response.Headers
			if req {
				body, h = r.Ctx.Request.Body, r.Ctx.Request.Headers
			}
			if got := string(body.Bytes()); got != tt.want {
				t.Errorf("body\n got %s\nwant %s", got, tt.want)
			}
			if got := h.H.Get("Content-Type"); got != tt.wantCT {
				t.Errorf("Content-Type %q, want %q", got, tt.wantCT)
			}
		})
	}
}

func TestJSONToXML(t *testing.T) {
	tests := []convCase{
		{
			name:   "objects arrays and scalars",
			policy: `<json-to-xml apply="always" consider-accept-header="false" />`,
			body:   `{"a":1,"b":"x","c":[true,false],"d":null,"e":{"f":1.5},"g":[],"h":{}}`,
			sec:    Outbound,
			want:   `<Document><a>1</a><b>x</b><c>true</c><c>false</c><d /><e><f>1.5</f></e><h /></Document>`,
			wantCT: "application/xml",
		},
		{
			name:   "names made XML-safe and text escaped",
			policy: `<json-to-xml apply="always" consider-accept-header="false" />`,
			body:   `{"first name":"a<b&c","1st":"y"}`,
			sec:    Outbound,
			want:   `<Document><first_x0020_name>a&lt;b&amp;c</first_x0020_name><_x0031_st>y</_x0031_st></Document>`,
			wantCT: "application/xml",
		},
		{
			name:   "top-level array",
			policy: `<json-to-xml apply="always" consider-accept-header="false" />`,
			body:   `[1,{"a":2}]`,
			sec:    Outbound,
			want:   `<Document><Array>1</Array><Array><a>2</a></Array></Document>`,
			wantCT: "application/xml",
		},
		{
			name:   "attribute block, namespaces (documented example)",
			policy: `<json-to-xml apply="always" consider-accept-header="false" namespace-separator=":" namespace-prefix="xmlns" attribute-block-name="#attrs" />`,
			body:   `{"soapenv:Envelope":{"xmlns:soapenv":"http://schemas.xmlsoap.org/soap/envelope/","xmlns:v1":"http://x/v1","soapenv:Body":{"v1:QueryList":{"#attrs":{"queryName":"test"},"v1:Id":"7"}}}}`,
			sec:    Inbound,
			want:   `<Document><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:v1="http://x/v1"><soapenv:Body><v1:QueryList queryName="test"><v1:Id>7</v1:Id></v1:QueryList></soapenv:Body></soapenv:Envelope></Document>`,
			wantCT: "application/xml",
		},
		{
			name:   "default separator _ maps declared prefixes only, declarations apply to their own element",
			policy: `<json-to-xml apply="always" consider-accept-header="false" namespace-prefix="xmlns" />`,
			body:   `{"p_root":{"xmlns_p":"urn:p","p_item":"1","first_name":"2"}}`,
			sec:    Outbound,
			want:   `<Document><p:root xmlns:p="urn:p"><p:item>1</p:item><first_name>2</first_name></p:root></Document>`,
			wantCT: "application/xml",
		},
		{
			name:   "@ attributes and #text",
			policy: `<json-to-xml apply="always" consider-accept-header="false" />`,
			body:   `{"a":{"@id":"1","#text":"hi"}}`,
			sec:    Outbound,
			want:   `<Document><a id="1">hi</a></Document>`,
			wantCT: "application/xml",
		},
		{
			name:   "content-type-json skips other content types",
			policy: `<json-to-xml apply="content-type-json" consider-accept-header="false" />`,
			body:   `{"a":1}`, ct: "text/plain",
			sec:    Outbound,
			want:   `{"a":1}`,
			wantCT: "text/plain",
		},
		{
			name:   "content-type-json converts json",
			policy: `<json-to-xml apply="content-type-json" consider-accept-header="false" />`,
			body:   `{"a":1}`, ct: "application/json; charset=utf-8",
			sec:    Outbound,
			want:   `<Document><a>1</a></Document>`,
			wantCT: "application/xml",
		},
		{
			name:   "accept header not asking for xml",
			policy: `<json-to-xml apply="always" />`,
			body:   `{"a":1}`, accept: "application/json",
			sec:    Outbound,
			want:   `{"a":1}`,
			wantCT: "application/json",
		},
		{
			name:   "accept header asking for xml",
			policy: `<json-to-xml apply="always" consider-accept-header="true" />`,
			body:   `{"a":1}`, accept: "text/html, application/xml;q=0.9",
			sec:    Outbound,
			want:   `<Document><a>1</a></Document>`,
			wantCT: "application/xml",
		},
		{
			name:   "invalid JSON passes unchanged",
			policy: `<json-to-xml apply="always" consider-accept-header="false" />`,
			body:   `{"a":`,
			sec:    Outbound,
			want:   `{"a":`,
			wantCT: "application/json",
		},
		{
			name:   "expression attributes",
			policy: `<json-to-xml apply="@("always")" consider-accept-header="@(false)" />`,
			body:   `{"a":"2026-01-15T10:00:00Z"}`,
			sec:    Inbound,
			want:   `<Document><a>2026-01-15T10:00:00Z</a></Document>`,
			wantCT: "application/xml",
		},
		{
			name:   "parse-date true normalises dates",
			policy: `<json-to-xml apply="always" consider-accept-header="false" />`,
			body:   `{"d":"2026-01-15T12:00:00.500+02:00","s":"2026-01-15"}`,
			sec:    Outbound,
			want:   `<Document><d>2026-01-15T10:00:00.5+00:00</d><s>2026-01-15</s></Document>`,
			wantCT: "application/xml",
		},
		{
			name:   "parse-date false copies dates as written",
			policy: `<json-to-xml apply="always" consider-accept-header="false" parse-date="false" />`,
			body:   `{"d":"2026-01-15T12:00:00.500+02:00","a":["x","2026-01-15T10:00:00Z"],"n":1}`,
			sec:    Outbound,
			want:   `<Document><d>2026-01-15T12:00:00.500+02:00</d><a>x</a><a>2026-01-15T10:00:00Z</a><n>1</n></Document>`,
			wantCT: "application/xml",
		},
	}
	runConvCases(t, "application/json", tests)
}

func TestJSONToXMLLeavesOtherMessageAlone(t *testing.T) {
	var buf bytes.Buffer
	r := convTestRun(Outbound, &buf)
	convSetBody(r, true, `{"req":1}`, "application/json")
	convSetBody(r, false, `{"resp":1}`, "application/json")
	if err := convCompileOne(t, Outbound, `<json-to-xml apply="always" consider-accept-header="false" />`).Exec(r); err != nil {
		t.Fatal(err)
	}
	if got := string(r.Ctx.Request.Body.Bytes()); got != `{"req":1}` {
		t.Errorf("request body changed in outbound: %s", got)
	}
	if got := string(r.Ctx.Response.Body.Bytes()); got != `<Document><resp>1</resp></Document>` {
		t.Errorf("response body %s", got)
	}
}

func TestJSONToXMLInvalidBodyLogsWarning(t *testing.T) {
	var buf bytes.Buffer
	r := convTestRun(Outbound, &buf)
	convSetBody(r, false, `not json`, "application/json")
	if err := convCompileOne(t, Outbound, `<json-to-xml apply="always" consider-accept-header="false" />`).Exec(r); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"level":"WARN"`)) || !bytes.Contains(buf.Bytes(), []byte(`"policy":"json-to-xml"`)) {
		t.Errorf("no warning logged: %s", buf.String())
	}
}

func TestJSONToXMLExpressionError(t *testing.T) {
	var buf bytes.Buffer
	r := convTestRun(Outbound, &buf)
	convSetBody(r, false, `{"a":1}`, "application/json")
	err := convCompileOne(t, Outbound, `<json-to-xml apply="@(((string)null).Trim())" consider-accept-header="false" />`).Exec(r)
	var f *Failure
	if !convErrorsAs(err, &f) || f.Err.Reason != ReasonExpression || f.Err.Source != "json-to-xml" {
		t.Fatalf("got %v, want an expression failure of json-to-xml", err)
	}
}

func convErrorsAs(err error, target any) bool { return errors.As(err, target) }

func TestOriginalDatesFallsBack(t *testing.T) {
	tests := []struct {
		name, in string
		want     int // dates recovered; -1: nil map
	}{
		{"plain", `{"a":"2026-01-15T10:00:00Z","b":["2026-01-16T10:00:00Z"]}`, 2},
		{"duplicate names", `{"a":"x","a":"2026-01-15T10:00:00Z"}`, -1},
		{"lenient syntax", `{a:'2026-01-15T10:00:00Z'}`, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := dotnet.ParseJSON(tt.in, dotnet.ParseJToken)
			if err != nil {
				t.Fatal(err)
			}
			got := originalDates([]byte(tt.in), tok)
			if tt.want < 0 && got != nil || tt.want >= 0 && len(got) != tt.want {
				t.Errorf("got %v, want %d dates", got, tt.want)
			}
		})
	}
}
