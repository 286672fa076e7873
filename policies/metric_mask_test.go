package policies

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/parser"
)

// TestMetricLabelsMaskSecrets checks that a secret named value never
// becomes a metric label in clear: neither its own text (Env.Redact) nor a
// value an expression derived from it (the run's taint), in the dimension
// values and names of emit-metric and llm-emit-token-metric and in
// emit-metric's log line.
func TestMetricLabelsMaskSecrets(t *testing.T) {
	const secret = "hunter2-Swordfish"
	lookup := func(name string) (namedvalues.NamedValue, bool, bool) {
		if name == "pw" {
			return namedvalues.NamedValue{Name: "pw", Value: secret, Secret: true}, true, false
		}
		return namedvalues.NamedValue{}, false, false
	}
	compile := func(src string) []*Stmt {
		doc, errs := parser.Parse("t.xml", []byte(src))
		if errs.HasErrors() {
			t.Fatal(errs)
		}
		c := &Compiler{Scope: ScopeAPI, NamedValues: lookup}
		stmts := c.SectionStmts(Inbound, doc.Root.Children)
		if c.Errs.HasErrors() || len(stmts) != 1 {
			t.Fatalf("compile: %v", c.Errs)
		}
		return stmts
	}
	dims := `<dimension name="whole" value="{{pw}}" />
		<dimension name="derived" value="@(&quot;{{pw}}&quot;.Substring(0, 7).ToUpper())" />
		<dimension name="@(&quot;{{pw}}&quot;.Substring(8))" value="named by a secret" />`
	var logs bytes.Buffer
	reg := NewMetricsRegistry()
	env := &Env{Metrics: reg, Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Redact: func(s string) string { return strings.ReplaceAll(s, secret, namedvalues.Mask) }}
	for _, src := range []string{
		`<emit-metric name="Calls">` + dims + `</emit-metric>`,
		`<llm-emit-token-metric namespace="ns">` + dims + `</llm-emit-token-metric>`,
	} {
		r := newTestRun(Inbound)
		r.Env = env
		if err := RunAll(r, compile(src)); err != nil {
			t.Fatal(err)
		}
		r.Forwarded = true
		finish(r, 200, `{"usage":{"prompt_tokens":2,"completion_tokens":3,"total_tokens":5}}`)
	}
	want := map[string]string{"whole": namedvalues.Mask, "derived": namedvalues.Mask, namedvalues.Mask: "named by a secret"}
	for _, m := range []string{"Calls", "Total Tokens", "Prompt Tokens", "Completion Tokens"} {
		series := reg.Series(m)
		if len(series) != 1 {
			t.Fatalf("%s: %d series, want 1", m, len(series))
		}
		if _, ok := reg.Get(m, want); !ok {
			t.Errorf("%s: series %+v, want labels %v", m, series, want)
		}
	}
	var out strings.Builder
	for _, m := range []string{"Calls", "Total Tokens"} {
		for _, s := range reg.Series(m) {
			for k, v := range s.Dimensions {
				out.WriteString(k + "=" + v + " ")
			}
		}
	}
	out.WriteString(logs.String())
	for _, leak := range []string{secret, "HUNTER2", "Swordfish"} {
		if strings.Contains(out.String(), leak) {
			t.Errorf("%q in clear:\n%s", leak, out.String())
		}
	}
}
