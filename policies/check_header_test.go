package policies

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// authCompile parses one policy element and compiles it, failing the test
// on any diagnostic.
func authCompile(t testing.TB, src string) *Stmt {
	t.Helper()
	s, errs := authCompileErrs(src)
	if len(errs) > 0 {
		t.Fatalf("compile %s: %v", src, errs)
	}
	if s == nil {
		t.Fatalf("compile %s: no statement", src)
	}
	return s
}

// authCompileErrs compiles one policy element and returns its error
// diagnostics.
func authCompileErrs(src string) (*Stmt, parser.Errors) {
	doc, errs := parser.Parse("t.xml", []byte(src))
	if errs.HasErrors() {
		return nil, errs
	}
	c := &Compiler{Strict: true, Scope: ScopeAPI}
	s := c.Statement(doc.Root.Children[0].Name+"[1]", doc.Root.Children[0])
	var out parser.Errors
	for _, e := range c.Errs {
		if e.Severity == parser.SeverityError {
			out = append(out, e)
		}
	}
	return s, out
}

// authRun builds an inbound run of a request with headers h.
func authRun(method string, h http.Header) *Run {
	if h == nil {
		h = http.Header{}
	}
	return &Run{
		Context: context.Background(),
		Section: Inbound,
		Ctx: &expressions.Context{
			Request:   &expressions.Request{Method: method, Headers: expressions.NewHeaders(h), IPAddress: "127.0.0.1"},
			Variables: expressions.NewVariables(),
		},
		Scratch: map[string]any{},
	}
}

// authPolicyError unwraps a statement failure into its policy error (nil when
// err is nil; fails the test when err is something else).
func authPolicyError(t testing.TB, err error) *Error {
	t.Helper()
	if err == nil {
		return nil
	}
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a policy error", err, err)
	}
	return pe
}

// authFailure is what tests compare of a policy error.
type authFailure struct {
	Source, Reason, Message, Body string
	Status                        int
}

func authFailureOf(pe *Error) *authFailure {
	if pe == nil {
		return nil
	}
	return &authFailure{Source: pe.Source, Reason: pe.Reason, Message: pe.Message, Body: pe.Body, Status: pe.Status}
}

func TestCheckHeader(t *testing.T) {
	const plain = `<check-header name="Authorization" failed-check-httpcode="401" failed-check-error-message="Not authorized" ignore-case="false">
	<value>Bearer abc</value><value>Basic xyz</value></check-header>`
	const folded = `<check-header name="x-env" failed-check-httpcode="403" failed-check-error-message="Bad env" ignore-case="true">
	<value>prod</value></check-header>`
	const presence = `<check-header name="X-Api-Client" failed-check-httpcode="400" failed-check-error-message="Missing client" ignore-case="false" />`
	const exprs = `<check-header name="@(&quot;x-&quot; + &quot;team&quot;)" failed-check-httpcode="@(418)" failed-check-error-message="@(&quot;no &quot; + &quot;team&quot;)" ignore-case="@(true)">
	<value>@(&quot;Blue&quot;)</value></check-header>`
	tests := []struct {
		name   string
		src    string
		header http.Header
		want   *authFailure
	}{
		{"value matches", plain, http.Header{"Authorization": {"Bearer abc"}}, nil},
		{"second value matches", plain, http.Header{"Authorization": {"Basic xyz"}}, nil},
		{"header missing", plain, nil, &authFailure{"check-header", "HeaderNotFound", "Header Authorization was not found in the request. Access denied.", "Not authorized", 401}},
		{"value not allowed", plain, http.Header{"Authorization": {"Bearer nope"}}, &authFailure{"check-header", "HeaderValueNotAllowed", "Header Authorization value of Bearer nope is not allowed. Access denied.", "Not authorized", 401}},
		{"case matters without ignore-case", plain, http.Header{"Authorization": {"bearer ABC"}}, &authFailure{"check-header", "HeaderValueNotAllowed", "Header Authorization value of bearer ABC is not allowed. Access denied.", "Not authorized", 401}},
		{"ignore-case", folded, http.Header{"X-Env": {"PROD"}}, nil},
		{"ignore-case still checks value", folded, http.Header{"X-Env": {"dev"}}, &authFailure{"check-header", "HeaderValueNotAllowed", "Header x-env value of dev is not allowed. Access denied.", "Bad env", 403}},
		{"header name case-insensitive", folded, http.Header{"x-env": {"prod"}}, nil},
		{"multi-line header, one line matches", folded, http.Header{"X-Env": {"dev", "prod"}}, nil},
		{"multi-line header, joined value in message", folded, http.Header{"X-Env": {"dev", "test"}}, &authFailure{"check-header", "HeaderValueNotAllowed", "Header x-env value of dev,test is not allowed. Access denied.", "Bad env", 403}},
		{"presence only, present", presence, http.Header{"X-Api-Client": {"anything"}}, nil},
		{"presence only, empty value counts", presence, http.Header{"X-Api-Client": {""}}, nil},
		{"presence only, missing", presence, nil, &authFailure{"check-header", "HeaderNotFound", "Header X-Api-Client was not found in the request. Access denied.", "Missing client", 400}},
		{"expressions everywhere, match", exprs, http.Header{"X-Team": {"blue"}}, nil},
		{"expressions everywhere, mismatch", exprs, http.Header{"X-Team": {"red"}}, &authFailure{"check-header", "HeaderValueNotAllowed", "Header x-team value of red is not allowed. Access denied.", "no team", 418}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := authCompile(t, tt.src)
			r := authRun("GET", tt.header)
			err := s.Exec(r)
			got := authFailureOf(authPolicyError(t, err))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestCheckHeaderCompileErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"missing name", `<check-header failed-check-httpcode="401" failed-check-error-message="x" ignore-case="false" />`, "needs name"},
		{"missing code", `<check-header name="a" failed-check-error-message="x" ignore-case="false" />`, "needs failed-check-httpcode"},
		{"bad code", `<check-header name="a" failed-check-httpcode="abc" failed-check-error-message="x" ignore-case="false" />`, "not an HTTP status code"},
		{"bad bool", `<check-header name="a" failed-check-httpcode="401" failed-check-error-message="x" ignore-case="maybe" />`, "ignore-case must be true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := authCompileErrs(tt.src)
			if len(errs) == 0 || !strings.Contains(errs.Error(), tt.want) {
				t.Fatalf("errors %v, want one containing %q", errs, tt.want)
			}
			if errs[0].Code != parser.CodeBadAttribute {
				t.Errorf("code %q, want %q", errs[0].Code, parser.CodeBadAttribute)
			}
		})
	}
}

// Without a configuration, unknown named values are warnings; the load-time
// checks of literal forms must not turn them into errors.
func TestAuthPoliciesUnresolvedNamedValues(t *testing.T) {
	for _, src := range []string{
		`<check-header name="x" failed-check-httpcode="{{code}}" failed-check-error-message="m" ignore-case="{{ic}}" />`,
		`<ip-filter action="{{act}}"><address>{{ip}}</address><address-range from="{{a}}" to="{{b}}" /></ip-filter>`,
		`<cors allow-credentials="{{cred}}"><allowed-origins><origin>{{origin}}</origin></allowed-origins></cors>`,
		`<authentication-managed-identity resource="{{res}}" ignore-error="{{ie}}" />`,
		`<authentication-basic username="{{u}}" password="{{p}}" />`,
		`<authentication-certificate thumbprint="{{tp}}" />`,
	} {
		if s, errs := authCompileErrs(src); len(errs) > 0 || s == nil {
			t.Errorf("%s: %v", src, errs)
		}
	}
}
