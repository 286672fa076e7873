package policies

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/parser"
)

// The converters stop when the request's context ends: a client that went
// away stops the work instead of leaving it to run to the end.
func TestConvertersStopWhenTheRequestEnds(t *testing.T) {
	var x, j strings.Builder
	x.WriteString("<r>")
	j.WriteString(`{"r":[`)
	for i := 0; i < 5000; i++ {
		x.WriteString("<c>v</c>")
		if i > 0 {
			j.WriteString(",")
		}
		j.WriteString(`{"c":"v"}`)
	}
	x.WriteString("</r>")
	j.WriteString("]}")
	for _, c := range []struct{ policy, body, ct string }{
		{`<xml-to-json kind="direct" apply="always" consider-accept-header="false"/>`, x.String(), "application/xml"},
		{`<json-to-xml apply="always" consider-accept-header="false"/>`, j.String(), "application/json"},
	} {
		s := convCompileOne(t, Inbound, c.policy)
		var buf bytes.Buffer
		r := convTestRun(Inbound, &buf)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r.Context = ctx
		convSetBody(r, true, c.body, c.ct)
		err := s.Exec(r)
		var pe *Error
		if !errors.As(err, &pe) || pe.Reason != "ClientConnectionFailure" || !errors.Is(err, context.Canceled) {
			t.Errorf("%s: got %v, want ClientConnectionFailure", c.policy, err)
		}
		// the same body converts when the request is alive
		r = convTestRun(Inbound, &buf)
		convSetBody(r, true, c.body, c.ct)
		if err := s.Exec(r); err != nil {
			t.Errorf("%s: %v", c.policy, err)
		}
	}
}

// xml-to-json is linear: a flat body of 50,000 children converts in well
// under a second (it took 20 s when the text of each child was searched in
// the text of its parent).
func TestXMLToJSONIsLinear(t *testing.T) {
	s := convCompileOne(t, Inbound, `<xml-to-json kind="direct" apply="always" consider-accept-header="false"/>`)
	conv := func(n int) time.Duration {
		var x strings.Builder
		x.WriteString("<r>")
		for i := 0; i < n; i++ {
			x.WriteString("<c a='1'>v</c><d>w</d>")
		}
		x.WriteString("</r>")
		var buf bytes.Buffer
		r := convTestRun(Inbound, &buf)
		convSetBody(r, true, x.String(), "application/xml")
		start := time.Now()
		if err := s.Exec(r); err != nil {
			t.Fatal(err)
		}
		if got := string(r.Ctx.Request.Body.Bytes()); !strings.HasPrefix(got, `{"r":{"c":[{"@a":"1","#text":"v"}`) {
			t.Fatalf("got %.80s", got)
		}
		return time.Since(start)
	}
	best := func(n int) time.Duration { // the least of three: the machine may be busy
		return min(conv(n), conv(n), conv(n))
	}
	small, large := best(2_500), best(25_000)
	if large > 5*time.Second || large > 30*small+200*time.Millisecond {
		t.Errorf("2,500 children: %v; 25,000 children: %v (want about 10×)", small, large)
	}
}

// FuzzXMLToJSON runs xml-to-json on arbitrary bodies, deep and flat ones
// among the seeds: it never panics, answers valid JSON for XML it accepts
// and leaves other bodies unchanged.
func FuzzXMLToJSON(f *testing.F) {
	for _, s := range []string{`<a><b x="1">t</b><b>u</b></a>`, `<p:a xmlns:p="u" p:x="1"><p:b/>text</p:a>`, `not xml`,
		strings.Repeat("<a>", 64) + strings.Repeat("</a>", 64),
		strings.Repeat("<a>", 100_000) + strings.Repeat("</a>", 100_000),
		"<r>" + strings.Repeat("<c>v</c>", 10_000) + "</r>",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	direct := convCompileOne(&testing.T{}, Inbound, `<xml-to-json kind="direct" apply="always" consider-accept-header="false"/>`)
	friendly := convCompileOne(&testing.T{}, Inbound, `<xml-to-json kind="javascript-friendly" apply="always" consider-accept-header="false" always-array-child-elements="true"/>`)
	f.Fuzz(func(t *testing.T, body string, isDirect bool) {
		if body == "" {
			return
		}
		s := friendly
		if isDirect {
			s = direct
		}
		var buf bytes.Buffer
		r := convTestRun(Inbound, &buf)
		convSetBody(r, true, body, "application/xml")
		if err := s.Exec(r); err != nil {
			t.Fatal(err)
		}
		out := r.Ctx.Request.Body.Bytes()
		if string(out) != body && !json.Valid(out) {
			t.Fatalf("xml-to-json of %q gave invalid JSON %q", body, out)
		}
	})
}

type fixedToken string

func (f fixedToken) Token(context.Context, string, string) (string, time.Time, error) {
	return string(f), time.Now().Add(time.Hour), nil
}

// Not parallel: sets the token source. An acquired access token is masked in
// the trace like a secret named value: in the variable it is stored in, and
// in whatever a trace message builds from it.
func TestAcquiredTokenIsMaskedInTheTrace(t *testing.T) {
	const tok = "eyJ0eXAi.access-token-1234.sig"
	SetTokenSource(fixedToken(tok))
	t.Cleanup(func() { SetTokenSource(nil) })
	mi := authCompile(t, `<authentication-managed-identity resource="https://vault.azure.net" output-token-variable-name="tok" />`)
	tr := authCompile(t, `<trace source="t"><message>@("got " + (string)context.Variables["tok"])</message></trace>`)
	r := authRun("GET", http.Header{})
	r.Trace = &Trace{}
	r.Begin()
	for _, s := range []*Stmt{mi, tr} {
		if err := s.Exec(r); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := json.Marshal(r.Trace.Entries)
	if strings.Contains(string(data), tok) || !strings.Contains(string(data), `"tok":"***"`) || !strings.Contains(string(data), "got ***") {
		t.Errorf("trace: %s", data)
	}
}

// Compiler messages over text that came from a secret named value name the
// value instead of quoting its content.
func TestCompilerMessagesDoNotQuoteSecrets(t *testing.T) {
	lookup := func(name string) (namedvalues.NamedValue, bool, bool) {
		if name == "pw" {
			return namedvalues.NamedValue{Name: "pw", Value: "hunter2 Swordfish", Secret: true}, true, false
		}
		return namedvalues.NamedValue{}, false, false
	}
	for _, src := range []string{`@({{pw}})`, `@(1 + {{pw}})`, `@({{pw}}.Length)`} {
		pv := &parser.Value{Text: src, Pos: parser.Pos{File: "p.xml", Line: 1, Col: 1}}
		_, errs := CompileValue(pv, KindString, lookup, false)
		if len(errs) == 0 {
			t.Fatalf("%s compiled", src)
		}
		for _, e := range errs {
			if strings.Contains(e.Msg, "hunter2") || strings.Contains(e.Msg, "Swordfish") {
				t.Errorf("%s: %s", src, e.Msg)
			}
			if !strings.Contains(e.Msg, "pw") {
				t.Errorf("%s: %q does not name the secret named value", src, e.Msg)
			}
		}
	}
}
