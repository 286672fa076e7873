package engine

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/policies"
)

// named makes a statement whose Step records its name in the run.
func named(name string) *policies.Stmt {
	return &policies.Stmt{Name: name, Step: recordStep(name)}
}

type recordStep string

func (s recordStep) Exec(r *policies.Run) error {
	r.Scratch["order"] = append(r.Scratch["order"].([]string), string(s))
	return nil
}

type failStep struct{ err *policies.Error }

func (s failStep) Exec(*policies.Run) error { return s.err }

func lv(scope policies.Scope, secs map[policies.Section]*section) *level {
	return &level{scope: scope, sections: secs}
}

func sec(base bool, before, after []string) *section {
	s := &section{present: true, base: base}
	for _, n := range before {
		s.before = append(s.before, named(n))
	}
	for _, n := range after {
		s.after = append(s.after, named(n))
	}
	return s
}

func names(stmts []*policies.Stmt) string {
	var out []string
	for _, s := range stmts {
		out = append(out, s.Name)
	}
	return strings.Join(out, ",")
}

func TestSplice(t *testing.T) {
	t.Parallel()
	global := lv(policies.ScopeGlobal, map[policies.Section]*section{policies.Inbound: sec(false, []string{"g"}, nil)})
	product := lv(policies.ScopeProduct, map[policies.Section]*section{policies.Inbound: sec(true, []string{"p1"}, []string{"p2"})})
	tests := []struct {
		name   string
		levels []*level
		want   string
	}{
		{"base first everywhere", []*level{
			lv(policies.ScopeOperation, map[policies.Section]*section{policies.Inbound: sec(true, nil, []string{"o"})}),
			lv(policies.ScopeAPI, map[policies.Section]*section{policies.Inbound: sec(true, nil, []string{"a"})}),
			product, global}, "p1,g,p2,a,o"},
		{"base last", []*level{
			lv(policies.ScopeOperation, map[policies.Section]*section{policies.Inbound: sec(true, []string{"o"}, nil)}),
			nil, nil, global}, "o,g"},
		{"no base cuts off broader scopes", []*level{
			lv(policies.ScopeOperation, map[policies.Section]*section{policies.Inbound: sec(false, []string{"o"}, nil)}),
			lv(policies.ScopeAPI, map[policies.Section]*section{policies.Inbound: sec(true, nil, []string{"a"})}),
			product, global}, "o"},
		{"missing documents are transparent", []*level{nil, nil, nil, global}, "g"},
		{"missing section is transparent", []*level{
			lv(policies.ScopeOperation, map[policies.Section]*section{policies.Outbound: sec(false, []string{"x"}, nil)}),
			nil, nil, global}, "g"},
		{"base in the middle", []*level{
			lv(policies.ScopeAPI, map[policies.Section]*section{policies.Inbound: sec(true, []string{"a1"}, []string{"a2"})}),
			global}, "a1,g,a2"},
	}
	for _, tc := range tests {
		p := splice(tc.levels...)
		if got := names(p.Sections[policies.Inbound]); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func newRun() *policies.Run {
	return &policies.Run{
		Context: context.Background(),
		Ctx: &expressions.Context{
			Request:   &expressions.Request{Method: "GET", Headers: expressions.NewHeaders(nil)},
			Response:  &expressions.Response{StatusCode: 200, Headers: expressions.NewHeaders(nil), Body: expressions.NewBody(nil)},
			Variables: expressions.NewVariables(),
		},
		Scratch: map[string]any{"order": []string{}},
	}
}

func TestRunOnError(t *testing.T) {
	t.Parallel()
	boom := &policies.Stmt{Name: "validate-jwt", ID: "jwt1", Path: `choose[1]\when[1]\validate-jwt[1]`, Scope: policies.ScopeAPI,
		Step: failStep{&policies.Error{Reason: "TokenExpired", Message: "expired", Status: 401}}}
	p := &Pipeline{Sections: map[policies.Section][]*policies.Stmt{
		policies.Inbound:  {named("in1"), boom, named("in2")},
		policies.Backend:  {named("be")},
		policies.Outbound: {named("out")},
		policies.OnError:  {named("err")},
	}}
	r := newRun()
	out := p.Run(r)
	if got := strings.Join(r.Scratch["order"].([]string), ","); got != "in1,err" {
		t.Errorf("ran %q, want in1,err (rest of inbound, backend and outbound skipped)", got)
	}
	if out.Failure == nil || out.Failure.Err.Reason != "TokenExpired" {
		t.Fatalf("outcome %+v", out)
	}
	le := r.Ctx.LastError
	if le == nil || le.Source != "validate-jwt" || le.Reason != "TokenExpired" || le.Scope != "api" || le.Section != "inbound" ||
		le.Path != `choose[1]\when[1]\validate-jwt[1]` || le.PolicyID != "jwt1" {
		t.Errorf("LastError %+v", le)
	}
	if r.Ctx.Response.StatusCode != 401 {
		t.Errorf("status %d, want 401", r.Ctx.Response.StatusCode)
	}
	var body map[string]any
	if err := json.Unmarshal(r.Ctx.Response.Body.Bytes(), &body); err != nil || body["message"] != "expired" || body["statusCode"] != float64(401) {
		t.Errorf("default answer body %s (%v)", r.Ctx.Response.Body.Bytes(), err)
	}
}

func TestReturnResponseSkipsRest(t *testing.T) {
	t.Parallel()
	stop := &policies.Stmt{Name: "return-response", Step: stopStep{}}
	p := &Pipeline{Sections: map[policies.Section][]*policies.Stmt{
		policies.Inbound:  {named("a"), stop, named("b")},
		policies.Backend:  {named("be")},
		policies.Outbound: {named("out")},
		policies.OnError:  {named("err")},
	}}
	r := newRun()
	if out := p.Run(r); out.Failure != nil {
		t.Fatalf("return-response is not a failure: %+v", out)
	}
	if got := strings.Join(r.Scratch["order"].([]string), ","); got != "a" {
		t.Errorf("ran %q, want a", got)
	}
}

type stopStep struct{}

func (stopStep) Exec(*policies.Run) error { return policies.ErrReturnResponse }

type panicStep struct{}

func (panicStep) Exec(*policies.Run) error { panic("bug") }

func TestPanicBecomes500(t *testing.T) {
	t.Parallel()
	p := &Pipeline{Sections: map[policies.Section][]*policies.Stmt{
		policies.Inbound: {{Name: "set-header", Step: panicStep{}}},
	}}
	r := newRun()
	out := p.Run(r)
	if out.Failure == nil || r.Ctx.Response.StatusCode != 500 {
		t.Fatalf("a panic must become a 500 failure: %+v", out)
	}
	if !strings.Contains(string(r.Ctx.Response.Body.Bytes()), `"message":"Internal server error"`) ||
		!strings.Contains(string(r.Ctx.Response.Body.Bytes()), `"activityId"`) {
		t.Errorf("body %s", r.Ctx.Response.Body.Bytes())
	}
}

func TestErrorInsideOnError(t *testing.T) {
	t.Parallel()
	p := &Pipeline{Sections: map[policies.Section][]*policies.Stmt{
		policies.Inbound: {{Name: "rate-limit", Step: failStep{&policies.Error{Reason: "RateLimitExceeded", Message: "Rate limit is exceeded", Status: 429}}}},
		policies.OnError: {named("e1"), {Name: "set-body", Step: failStep{&policies.Error{Reason: "ExpressionValueEvaluationFailure", Message: "x", Status: 500}}}, named("e2")},
	}}
	r := newRun()
	out := p.Run(r)
	if out.OnErrorFailure == nil {
		t.Fatal("the second error must be reported")
	}
	if got := strings.Join(r.Scratch["order"].([]string), ","); got != "e1" {
		t.Errorf("on-error ran %q, want e1 (stops at its own error)", got)
	}
	if r.Ctx.Response.StatusCode != 500 {
		t.Errorf("status %d, want the second error's 500", r.Ctx.Response.StatusCode)
	}
	if r.Ctx.LastError.Source != "rate-limit" {
		t.Errorf("LastError is the first error: %+v", r.Ctx.LastError)
	}
}

func TestCompileErrorsArePositioned(t *testing.T) {
	t.Parallel()
	cfg := &Config{
		Global: &PolicyDoc{File: "global.xml", Source: []byte("<policies>\n  <inbound>\n    <bogus-policy />\n  </inbound>\n</policies>")},
		APIs: []*API{{ID: "a", Operations: []*Operation{{ID: "op", Method: "GET", URLTemplate: "/*"}},
			Policy: &PolicyDoc{File: "api.xml", Source: []byte(`<policies><inbound><include-fragment fragment-id="nope" /></inbound></policies>`)}}},
	}
	e, errs := Compile(cfg, Options{})
	if e != nil {
		t.Fatal("a configuration with errors must not compile")
	}
	text := errs.Error()
	for _, want := range []string{"global.xml:3:5: unknown_policy", `api.xml:1:`, `"nope" not found`} {
		if !strings.Contains(text, want) {
			t.Errorf("errors %q lack %q", text, want)
		}
	}
}

func TestFragmentCycle(t *testing.T) {
	t.Parallel()
	cfg := &Config{
		Fragments: map[string]*PolicyDoc{
			"a": {File: "a.xml", Source: []byte(`<fragment><include-fragment fragment-id="b" /></fragment>`)},
			"b": {File: "b.xml", Source: []byte(`<fragment><include-fragment fragment-id="a" /></fragment>`)},
		},
		APIs: []*API{{ID: "x", Operations: []*Operation{{ID: "op", Method: "*", URLTemplate: "/*"}},
			Policy: &PolicyDoc{File: "api.xml", Source: []byte(`<policies><inbound><include-fragment fragment-id="a" /></inbound></policies>`)}}},
	}
	_, errs := Compile(cfg, Options{})
	if !strings.Contains(errs.Error(), "includes itself") {
		t.Errorf("want a cycle error, got %v", errs)
	}
}

func TestDefaultGlobalForwards(t *testing.T) {
	t.Parallel()
	e, errs := Compile(&Config{}, Options{})
	if e == nil {
		t.Fatal(errs)
	}
	if got := names(e.GlobalPipeline().Sections[policies.Backend]); got != "forward-request" && policies.FactoryFor("forward-request") != nil {
		t.Errorf("default global backend = %q", got)
	}
}

// TestTraceRecordsVariables: with tracing on, each statement's entry lists
// the variables it set, secrets masked.
func TestTraceRecordsVariables(t *testing.T) {
	t.Parallel()
	setVar := func(name string, v any) policies.Step {
		return stepFunc(func(r *policies.Run) error { r.Ctx.Variables.Set(name, v); return nil })
	}
	p := &Pipeline{Sections: map[policies.Section][]*policies.Stmt{
		policies.Inbound: {
			{Name: "set-variable", Path: "set-variable[1]", Step: setVar("user", "alice")},
			{Name: "set-variable", Path: "set-variable[2]", Step: setVar("key", "s3cret-value")},
			named("nothing"),
		},
	}}
	r := newRun()
	r.Trace = &policies.Trace{}
	r.Env = &policies.Env{Redact: func(s string) string { return strings.ReplaceAll(s, "s3cret-value", "***") }}
	p.Run(r)
	if len(r.Trace.Entries) != 3 {
		t.Fatalf("entries %+v", r.Trace.Entries)
	}
	if got := r.Trace.Entries[0].Variables; got["user"] != "alice" || len(got) != 1 {
		t.Errorf("first entry variables %v", got)
	}
	if got := r.Trace.Entries[1].Variables["key"]; got != "***" {
		t.Errorf("secret shown as %q", got)
	}
	if r.Trace.Entries[2].Variables != nil {
		t.Errorf("a statement that set nothing lists %v", r.Trace.Entries[2].Variables)
	}
}

type stepFunc func(*policies.Run) error

func (f stepFunc) Exec(r *policies.Run) error { return f(r) }
