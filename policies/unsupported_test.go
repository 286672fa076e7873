package policies

import (
	"errors"
	"strings"
	"testing"

	"github.com/policygate/policygate/parser"
)

// TestUnsupportedPolicies checks that a policy PolicyGate cannot run is
// never taken for one that ran: guards fail closed, side-effect policies are
// skipped and counted, and validation warns with the position.
func TestUnsupportedPolicies(t *testing.T) {
	tests := []struct {
		src  string
		skip bool
	}{
		{`<get-authorization-context provider-id="p" authorization-id="a" context-variable-name="c" />`, false},
		{`<validate-odata-request />`, false},
		{`<sql-data-source><connection-info><connection-string>x</connection-string></connection-info><request><sql-statement>select 1</sql-statement></request></sql-data-source>`, false},
	}
	for _, tc := range tests {
		doc, errs := parser.Parse("t.xml", []byte(tc.src))
		if errs.HasErrors() {
			t.Fatal(errs)
		}
		el := doc.Root.Children[0]
		diags := LintFile("t.xml", []byte(tc.src), LintOptions{Scope: ScopeAPI}).Problems
		if len(diags) != 1 || diags[0].Code != parser.CodeNotImplemented || diags[0].Severity != parser.SeverityWarning ||
			diags[0].Pos.Line != 1 || !strings.Contains(diags[0].Msg, "not supported by PolicyGate") {
			t.Errorf("%s: validation %v, want one not_implemented warning at 1:1", el.Name, diags)
		}
		if strict := Validate(doc, ValidateOptions{Scope: ScopeAPI, Strict: true}); !strict.HasErrors() {
			t.Errorf("%s: --strict accepts it", el.Name)
		}
		c := &Compiler{Scope: ScopeAPI}
		st := c.Statement(el.Name+"[1]", el)
		if st == nil {
			t.Fatalf("%s: no statement (%v)", el.Name, c.Errs)
		}
		metrics := NewMetricsRegistry()
		r := authRun("GET", nil)
		r.Env = &Env{Metrics: metrics}
		err := st.Exec(r)
		if tc.skip {
			if err != nil {
				t.Errorf("%s: %v, want skipped", el.Name, err)
			}
			if s, ok := metrics.Get(SkippedMetric, map[string]string{"policy": el.Name}); !ok || s.Count != 1 {
				t.Errorf("%s: skip not counted (%+v)", el.Name, s)
			}
			continue
		}
		var f *Failure
		if !errors.As(err, &f) || f.Err.Source != el.Name || f.Err.Reason != ReasonNotSupported || f.Err.Status != 500 {
			t.Errorf("%s: %v, want a 500 failure with Source %s", el.Name, err, el.Name)
		}
		if len(metrics.Series(SkippedMetric)) != 0 {
			t.Errorf("%s: a guard was counted as skipped", el.Name)
		}
	}
}

// TestUnsupportedSkipped checks the stand-in of a side-effect policy
// (publish-event, only valid in resolvers): skipped and counted.
func TestUnsupportedSkipped(t *testing.T) {
	metrics := NewMetricsRegistry()
	r := authRun("GET", nil)
	r.Env = &Env{Metrics: metrics}
	if err := (&unsupported{name: "publish-event"}).Exec(r); err != nil {
		t.Fatalf("%v, want skipped", err)
	}
	if s, ok := metrics.Get(SkippedMetric, map[string]string{"policy": "publish-event"}); !ok || s.Count != 1 {
		t.Errorf("skip not counted (%+v)", s)
	}
}

func TestCompileGraphQLSchema(t *testing.T) {
	if _, err := CompileGraphQLSchema("s.graphql", "type Query { a: Int }"); err != nil {
		t.Fatal(err)
	}
	_, err := CompileGraphQLSchema("s.graphql", "type Query {\n  a: Missing\n}")
	if err == nil || err.Pos.Line != 2 || !strings.Contains(err.Msg, "Missing") {
		t.Errorf("error %v, want one at line 2 naming the type", err)
	}
}
