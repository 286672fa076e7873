package conformance

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func stubOpts() Options { return Options{Gateway: fakeGateway, Trace: true} }

// TestRunnerSelfTestsOnFakeGateway runs the runner's own case files on the
// fake gateway, so the runner is tested even where the real one is absent.
func TestRunnerSelfTestsOnFakeGateway(t *testing.T) {
	dir := "../testdata/conformance/runner/"
	rep, err := RunFiles([]string{dir + "basics.yaml", dir + "placeholders.yaml", dir + "steps.yaml"}, stubOpts())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 3 {
		t.Fatalf("ran %d files, want 3", len(rep.Files))
	}
	for _, f := range rep.Files {
		for _, c := range f.Cases {
			if !c.Passed {
				t.Errorf("%s\n%s", c.Line(), strings.Join(c.Details(), "\n"))
			}
		}
	}
	if rep.Failed() != 0 || rep.Passed() == 0 {
		t.Errorf("summary %q", rep.Summary())
	}
}

func TestFailingCaseReportsDiffs(t *testing.T) {
	var out bytes.Buffer
	opts := stubOpts()
	opts.Out = &out
	fr, err := RunFile("testdata/must_fail.yaml", opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(fr.Cases) != 2 {
		t.Fatalf("%d cases", len(fr.Cases))
	}
	bad, good := fr.Cases[0], fr.Cases[1]
	if bad.Passed || !good.Passed {
		t.Fatalf("passed = %v, %v; want false, true\n%s", bad.Passed, good.Passed, out.String())
	}
	var got []string
	for _, d := range bad.Diffs {
		got = append(got, d.String())
	}
	want := []string{
		`expect.status: expected 418, actual 200`,
		`expect.headers.x-one: expected "2", actual "1"`,
		`expect.headers.x-two: expected "2", actual (absent)`,
		`expect.headers.content-length: expected (absent), actual "13"`,
		`expect.bodyContains[0]: expected body containing "zzz", actual "{\"a\":{\"b\":1}}"`,
		`expect.json.a.b: expected 2, actual 1`,
		`expect.json.a.c: expected true, actual (absent)`,
		`expect.backendRequest.path: expected "/y", actual "/x"`,
		`expect.variables.flag: expected "False", actual "True"`,
		`expect.variables.missing: expected "x", actual (absent)`,
		`expect.lastError: expected an error, actual none (on-error did not run)`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("diffs (-want +got):\n%s", d)
	}
	if !strings.HasPrefix(out.String(), "FAIL must-fail/wrong status (") || !strings.Contains(out.String(), "\nPASS must-fail/passes (") {
		t.Errorf("output:\n%s", out.String())
	}
	if len(bad.Traces) != 1 || !strings.Contains(bad.Traces[0], "forward-request[1]") || !strings.Contains(bad.Traces[0], `count = "1"`) {
		t.Errorf("trace: %q", bad.Traces)
	}
}

func TestInvalidFiles(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"testdata/invalid.yaml", "testdata/invalid.yaml:4:1: did not find expected ',' or '}'"},
		{"testdata/noexpect.yaml", `testdata/noexpect.yaml:5:5: case "no expectation": a request needs an expect`},
		{"testdata/unknowntoken.yaml", "testdata/unknowntoken.yaml:5:49: placeholder ${tokens.nope}: no such token"},
		{"testdata/missing.yaml", "testdata/missing.yaml: open testdata/missing.yaml: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := LoadFile(tt.file)
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FileError", err)
			}
			if err.Error() != tt.want {
				t.Errorf("err = %q\nwant  %q", err, tt.want)
			}
		})
	}
	rep, err := RunFiles([]string{"testdata/invalid.yaml", "../testdata/conformance/runner/steps.yaml"}, stubOpts())
	if err == nil || len(rep.Errors) != 1 || rep.Passed() != 1 {
		t.Errorf("RunFiles: err=%v errors=%d passed=%d", err, len(rep.Errors), rep.Passed())
	}
}

func TestConfigFromCase(t *testing.T) {
	f, err := LoadFile("testdata/policyfile.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.Start(stubOpts())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sp, err := f.decodeCase(f.Cases[0], s)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.config(sp)
	if err != nil {
		t.Fatal(err)
	}
	if g := string(cfg.Global.Source); !strings.Contains(g, "<value>"+s.IdPURL()+"</value>") {
		t.Errorf("global policy file not filled: %s", g)
	}
	if a := string(cfg.APIs[0].Policy.Source); !strings.Contains(a, "<value>"+s.BackendURL()+"</value>") {
		t.Errorf("api policy not filled: %s", a)
	}
	if fr := string(cfg.Fragments["frag"].Source); !strings.Contains(fr, s.IdPURL()) {
		t.Errorf("fragment not filled: %s", fr)
	}
	api := cfg.APIs[0]
	if api.ID != "test-api" || api.Path != "" || api.ServiceURL != "http://backend.test" || api.SubscriptionRequired {
		t.Errorf("api defaults: %+v", api)
	}
	op := api.Operations[0]
	if op.Method != "*" || op.URLTemplate != "/*" {
		t.Errorf("operation defaults: %+v", op)
	}
	if p := cfg.Products["starter"]; p == nil || p.APIs[0] != "test-api" {
		t.Errorf("product: %+v", cfg.Products)
	}
	if sub := cfg.Subscriptions[0]; sub.PrimaryKey != "key-one" || sub.Scope != "product/starter" || !sub.Active {
		t.Errorf("subscription: %+v", sub)
	}
	// kept as written: the gateway expands named values when it loads the configuration
	if b := cfg.Backends["b1"]; b.URL != "http://backend.test/x" || b.Header["api-key"][0] != "{{secret-one}}" {
		t.Errorf("backend: %+v", b)
	}
	nv, ok, _ := cfg.NamedValues.Lookup("secret-one")
	if !ok || nv.Value != "s3cret" || !nv.Secret {
		t.Errorf("named value: %+v", nv)
	}
	if nv, _, _ := cfg.NamedValues.Lookup("plain"); nv.Value != "hello" || nv.Secret {
		t.Errorf("plain named value: %+v", nv)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"+1h", time.Hour, false},
		{"-5m", -5 * time.Minute, false},
		{"61s", 61 * time.Second, false},
		{"1d2h", 26 * time.Hour, false},
		{"-2d", -48 * time.Hour, false},
		{"soon", 0, true},
	}
	for _, tt := range tests {
		got, err := parseDuration(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("parseDuration(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestFillString(t *testing.T) {
	nr := &namesResolver{
		vals:   map[string]string{"idp.url": "http://127.0.0.1:1", "tokens.t": "TOK", "keys.h.secret": "SEC"},
		keys:   map[string]keySpec{"h": {Type: "HMAC"}, "r": {Type: "RSA"}},
		tokens: map[string]tokenSpec{"t": {Key: "h"}},
	}
	tests := []struct{ in, want, err string }{
		{"${idp.url}/keys", "http://127.0.0.1:1/keys", ""},
		{"Bearer ${tokens.t} ${keys.h.secret}", "Bearer TOK SEC", ""},
		{"$\"{x}\" ${other.thing} $(x)", "$\"{x}\" ${other.thing} $(x)", ""},
		{"${tokens.u}", "", "placeholder ${tokens.u}: no such token"},
		{"${keys.r.secret}", "", "placeholder ${keys.r.secret}: key r is not an HMAC key"},
		{"${keys.h}", "", "placeholder ${keys.h}: only ${keys.NAME.secret} is defined"},
	}
	for _, tt := range tests {
		got, err := fillString(tt.in, nr)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("fillString(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("fillString(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestCaseOverridesTopLevel(t *testing.T) {
	src := `
api: {name: a, path: p}
namedValues: {x: "1"}
backend: {body: top}
cases:
  - name: inherits
    request: {url: /p/1}
    expect: {status: 200}
  - name: overrides
    api: {name: b}
    namedValues: {x: "2"}
    backend: {body: own}
    request: {url: /1}
    expect: {status: 200}
`
	f, err := Parse("inline.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s0, err := f.decodeCase(f.Cases[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	s1, err := f.decodeCase(f.Cases[1], nil)
	if err != nil {
		t.Fatal(err)
	}
	if s0.API.Name != "a" || s0.NamedValues["x"].Value != "1" || *s0.Backend.Body != "top" {
		t.Errorf("case 0: %+v", s0)
	}
	if s1.API.Name != "b" || s1.API.Path != "" || s1.NamedValues["x"].Value != "2" || *s1.Backend.Body != "own" {
		t.Errorf("case 1: %+v %+v", s1.API, s1.NamedValues)
	}
	if f.Suite != "inline" {
		t.Errorf("suite %q, want the file name", f.Suite)
	}
}

func TestMatchJSON(t *testing.T) {
	tests := []struct {
		name, want, body string
		diffs            []string
	}{
		{"partial object", `{a: 1}`, `{"a":1,"b":2}`, nil},
		{"nested", `{a: {b: [1, {c: x}]}}`, `{"a":{"b":[1,{"c":"x","d":0}]}}`, nil},
		{"number forms", `{n: 1.0}`, `{"n":1}`, nil},
		{"null", `{n: null}`, `{"n":null}`, nil},
		{"array length", `{a: [1]}`, `{"a":[1,2]}`, []string{`j.a: expected [1], actual [1,2]`}},
		{"type", `{a: "1"}`, `{"a":1}`, []string{`j.a: expected "1", actual 1`}},
		{"not json", `{a: 1}`, `nope`, []string{`j: expected a JSON body, actual "nope"`}},
		{"top array", `[1, 2]`, `[1,2]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e expectSpec
			if err := yamlUnmarshal("json: "+tt.want, &e); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range checkJSON("j", e.JSON.n, []byte(tt.body)) {
				got = append(got, d.String())
			}
			if d := cmp.Diff(tt.diffs, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestHeaderValue(t *testing.T) {
	h := map[string][]string{"X-Multi": {"a", "b"}, "Content-Type": {"text/plain"}}
	if got := headerValue(h, "x-multi"); got.Null || got.Value != "a,b" {
		t.Errorf("x-multi = %+v", got)
	}
	if got := headerValue(h, "CONTENT-TYPE"); got.Value != "text/plain" {
		t.Errorf("content-type = %+v", got)
	}
	if got := headerValue(h, "x-none"); !got.Null {
		t.Errorf("x-none = %+v", got)
	}
}

func TestJUnit(t *testing.T) {
	rep, _ := RunFiles([]string{"testdata/must_fail.yaml", "testdata/invalid.yaml"}, stubOpts())
	var buf bytes.Buffer
	if err := rep.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, buf.String())
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Errors != 1 || len(doc.Suites) != 2 {
		t.Fatalf("totals: tests=%d failures=%d errors=%d suites=%d", doc.Tests, doc.Failures, doc.Errors, len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Name != "must-fail" || s.Cases[0].Name != "wrong status" || s.Cases[0].Failure == nil || s.Cases[1].Failure != nil {
		t.Errorf("suite: %+v", s)
	}
	if !strings.Contains(s.Cases[0].Failure.Text, "expect.status: expected 418, actual 200") {
		t.Errorf("failure text: %q", s.Cases[0].Failure.Text)
	}
	if e := doc.Suites[1].Cases[0].Error; e == nil || !strings.Contains(e.Message, "invalid.yaml:4:1") {
		t.Errorf("load error: %+v", doc.Suites[1])
	}
}

func TestClockAdvance(t *testing.T) {
	src := `
now: 2026-01-15T10:00:00Z
cases:
  - name: clock
    steps:
      - request: {url: /a}
        expect: {headers: {x-now: "2026-01-15T10:00:00Z"}, variables: {now: "2026-01-15T10:00:00Z"}}
      - advance: 61s
      - request: {url: /a}
        expect: {headers: {x-now: "2026-01-15T10:01:01Z"}}
      - advance: 1d
      - request: {url: /a}
        expect: {headers: {x-now: "2026-01-16T10:01:01Z"}}
`
	f, err := Parse("clock.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := f.Run(stubOpts())
	if err != nil {
		t.Fatal(err)
	}
	if c := fr.Cases[0]; !c.Passed {
		t.Errorf("%s\n%s", c.Line(), strings.Join(c.Details(), "\n"))
	}
}

func TestNoGateway(t *testing.T) {
	saved := DefaultGateway
	DefaultGateway = nil
	defer func() { DefaultGateway = saved }()
	_, err := RunFiles([]string{"../testdata/conformance/runner/steps.yaml"}, Options{})
	if !errors.Is(err, ErrNoGateway) {
		t.Errorf("err = %v, want ErrNoGateway", err)
	}
}

func TestUnknownField(t *testing.T) {
	src := "cases:\n  - name: typo\n    request: {url: /a}\n    expect: {stauts: 200}\n"
	_, err := Parse("typo.yaml", []byte(src))
	if err == nil || !strings.HasPrefix(err.Error(), `typo.yaml:4:14: unknown field "stauts" (known: backendCalled, backendCalls, backendRequest, body, bodyContains, headers, json, lastError, status, variables)`) {
		t.Errorf("err = %v", err)
	}
	src = "polices: {}\ncases:\n  - {request: {url: /a}, expect: {status: 200}}\n"
	if _, err := Parse("top.yaml", []byte(src)); err == nil || !strings.HasPrefix(err.Error(), `top.yaml:1:1: unknown field "polices"`) {
		t.Errorf("err = %v", err)
	}
}

// TestSpecExampleLoads loads the example of spec/conformance.md: every
// documented field is known to the runner.
func TestSpecExampleLoads(t *testing.T) {
	f, err := LoadFile("testdata/spec_example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) != 2 || f.Suite != "short name" {
		t.Fatalf("suite %q, %d cases", f.Suite, len(f.Cases))
	}
	s, err := f.Start(stubOpts())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sp, err := f.decodeCase(f.Cases[0], s)
	if err != nil {
		t.Fatal(err)
	}
	if got := sp.Request.Headers["Authorization"][0]; !strings.HasPrefix(got, "Bearer ey") || strings.Contains(got, "${") {
		t.Errorf("token not filled: %q", got)
	}
	if sp.NamedValues["api-key"] != (namedValue{Value: "s3cret", Secret: true}) || sp.NamedValues["plain-one"].Value != "hello" {
		t.Errorf("named values: %+v", sp.NamedValues)
	}
	if sp.now != time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC) {
		t.Errorf("now %v", sp.now)
	}
	cfg, err := f.config(sp)
	if err != nil {
		t.Fatal(err)
	}
	if api := cfg.APIs[0]; api.ID != "orders" || api.Path != "orders" || !api.SubscriptionRequired || api.ServiceURL != "http://backend.test/v1" {
		t.Errorf("api %+v", api)
	}
	if op := cfg.APIs[0].Operations[0]; op.Method != "GET" || op.URLTemplate != "/items/{id}" {
		t.Errorf("operation %+v", op)
	}
	st, err := f.decodeCase(f.Cases[1], s)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Steps) != 4 || st.Steps[0].Repeat != 2 || st.Steps[2].Advance != "61s" {
		t.Errorf("steps %+v", st.Steps)
	}
}
