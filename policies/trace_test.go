package policies

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/policygate/policygate/parser"
)

// convLogLines decodes the JSON log lines written to buf.
func convLogLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		m := map[string]any{}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestTrace(t *testing.T) {
	tests := []struct {
		name, policy, level, msg string
		meta                     map[string]string
		traced                   string
	}{
		{
			name:   "default severity is verbose",
			policy: `<trace source="api"><message>hello</message></trace>`,
			level:  "DEBUG", msg: "hello", traced: "hello",
		},
		{
			name:   "information with expression and metadata",
			policy: `<trace source="Pet API" severity="information"><message>@("m-" + context.Request.Method)</message><metadata name="k" value="@(context.Variables.GetValueOrDefault<string>("v"))" /><metadata name="z" value="lit" /></trace>`,
			level:  "INFO", msg: "m-POST", meta: map[string]string{"k": "vv", "z": "lit"}, traced: "m-POST k=vv z=lit",
		},
		{
			name:   "error",
			policy: `<trace source="s" severity="error"><message>bad</message></trace>`,
			level:  "ERROR", msg: "bad", traced: "bad",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			r := convTestRun(Inbound, &buf)
			r.Ctx.Variables.Set("v", "vv")
			r.Trace = &Trace{}
			st := convCompileOne(t, Inbound, tt.policy)
			if err := st.Exec(r); err != nil {
				t.Fatal(err)
			}
			lines := convLogLines(t, &buf)
			if len(lines) != 1 {
				t.Fatalf("%d log lines, want 1: %s", len(lines), buf.String())
			}
			l := lines[0]
			if l["level"] != tt.level || l["msg"] != "trace" || l["message"] != tt.msg {
				t.Errorf("log line %v: want level %s message %q", l, tt.level, tt.msg)
			}
			for k, v := range tt.meta {
				if l[k] != v {
					t.Errorf("metadata %s = %v, want %q", k, l[k], v)
				}
			}
			var msgs []TraceEntry
			for _, e := range r.Trace.Entries {
				if e.Outcome == "trace" {
					msgs = append(msgs, e)
				}
			}
			src, _ := st.Step.(*traceStep)
			if len(msgs) != 1 || msgs[0].Message != tt.traced || msgs[0].Policy != src.source {
				t.Errorf("trace messages %+v, want one %q from %q", msgs, tt.traced, src.source)
			}
		})
	}
}

func TestTraceWithoutTracingOnlyLogs(t *testing.T) {
	var buf bytes.Buffer
	r := convTestRun(Outbound, &buf)
	if err := convCompileOne(t, Outbound, `<trace source="s"><message>x</message></trace>`).Exec(r); err != nil {
		t.Fatal(err)
	}
	if r.Trace != nil {
		t.Fatal("trace created")
	}
	if n := len(convLogLines(t, &buf)); n != 1 {
		t.Errorf("%d log lines, want 1", n)
	}
}

func TestTraceExpressionFailure(t *testing.T) {
	var buf bytes.Buffer
	r := convTestRun(Inbound, &buf)
	err := convCompileOne(t, Inbound, `<trace source="s"><message>@(((string)null).Length.ToString())</message></trace>`).Exec(r)
	var f *Failure
	if !convErrorsAs(err, &f) || f.Err.Reason != ReasonExpression || f.Err.Source != "trace" {
		t.Fatalf("got %v, want an expression failure of trace", err)
	}
	if buf.Len() != 0 {
		t.Errorf("logged on failure: %s", buf.String())
	}
}

func TestTraceBadSeverity(t *testing.T) {
	errs := convCompileErrs(t, Inbound, `<trace source="s" severity="loud"><message>x</message></trace>`)
	found := false
	for _, e := range errs {
		if e.Severity == parser.SeverityError {
			found = true
		}
	}
	if !found {
		t.Errorf("no error for severity loud: %v", errs)
	}
}
