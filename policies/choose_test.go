package policies

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/policygate/policygate/parser"
)

const chooseSrc = `<choose>
    <when condition="@(context.Request.Method == &quot;POST&quot;)">
        <set-header name="x-branch"><value>post</value></set-header>
    </when>
    <when condition="@(context.Request.Headers.ContainsKey(&quot;x-a&quot;))">
        <set-header name="x-branch"><value>a</value></set-header>
    </when>
    <when condition="@(context.Request.Headers.ContainsKey(&quot;x-b&quot;))">
        <set-header name="x-branch"><value>b</value></set-header>
    </when>
    <otherwise>
        <set-header name="x-branch"><value>otherwise</value></set-header>
    </otherwise>
</choose>`

func TestChoose(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method string
		headers      http.Header
		want         string
	}{
		{"first when", "POST", http.Header{"X-A": {"1"}}, "post"},
		{"first true wins", "GET", http.Header{"X-A": {"1"}, "X-B": {"1"}}, "a"},
		{"later when", "GET", http.Header{"X-B": {"1"}}, "b"},
		{"otherwise", "GET", http.Header{}, "otherwise"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRun(Inbound)
			r.Ctx.Request.Method = tt.method
			r.Ctx.Request.Headers.H = tt.headers
			if err := execSnippet(t, r, chooseSrc); err != nil {
				t.Fatal(err)
			}
			if got := r.Ctx.Request.Headers.H.Get("x-branch"); got != tt.want {
				t.Errorf("branch %q, want %q", got, tt.want)
			}
		})
	}
}

func TestChooseLiteralConditionsAndNoOtherwise(t *testing.T) {
	t.Parallel()
	r := newTestRun(Outbound)
	src := `<choose><when condition="false"><set-status code="500"/></when></choose>
<choose><when condition="True"><set-status code="202"/></when><when condition="true"><set-status code="203"/></when></choose>`
	if err := execSnippet(t, r, src); err != nil {
		t.Fatal(err)
	}
	if r.Ctx.Response.StatusCode != 202 {
		t.Errorf("status %d", r.Ctx.Response.StatusCode)
	}
}

func TestChooseNestedFailurePath(t *testing.T) {
	t.Parallel()
	src := `<set-header name="a"><value>1</value></set-header>
<choose><when condition="false"/></choose>
<choose>
    <when condition="false"/>
    <when condition="true">
        <choose>
            <when condition="true">
                <set-header name="ok"><value>1</value></set-header>
                <set-header name="bad" id="boom"><value>@(((string)null).Trim())</value></set-header>
            </when>
        </choose>
    </when>
</choose>`
	stmts, _ := compileSnippet(t, Inbound, src)
	r := newTestRun(Inbound)
	r.Trace = &Trace{}
	// Run the statements' steps the way Stmt.Exec does, but keep the
	// nested failure the choose step returns (see nestedFailure).
	var err error
	for _, s := range stmts {
		r.Stmt = s
		if err = s.Step.Exec(r); err != nil {
			break
		}
	}
	f := wantFailure(t, err, "set-header", ReasonExpression, `choose[2]\when[2]\choose[1]\when[1]\set-header[2]`)
	if f.Stmt.ID != "boom" || f.Section != Inbound {
		t.Errorf("id %q, section %s", f.Stmt.ID, f.Section)
	}
	if r.Ctx.Request.Headers.H.Get("ok") != "1" {
		t.Error("statements before the failure did not run")
	}
	var paths []string
	for _, e := range r.Trace.Entries {
		paths = append(paths, e.Path)
	}
	want := []string{ // in execution order: the parent first
		`choose[2]\when[2]\choose[1]`,
		`choose[2]\when[2]\choose[1]\when[1]\set-header[1]`,
		`choose[2]\when[2]\choose[1]\when[1]\set-header[2]`,
	}
	if d := cmp.Diff(want, paths); d != "" {
		t.Errorf("trace paths (-want +got):\n%s", d)
	}

	// Through RunAll the failure keeps the nested statement's full path, as
	// LastError.Path reports it.
	err = RunAll(newTestRun(Inbound), stmts)
	wantFailure(t, err, "set-header", ReasonExpression, `choose[2]\when[2]\choose[1]\when[1]\set-header[2]`)
}

func TestChooseNonBoolCondition(t *testing.T) {
	t.Parallel()
	src := `<choose><when condition="@(bool.Parse(context.Request.Method))"><set-status code="500"/></when></choose>`
	err := execSnippet(t, newTestRun(Inbound), src)
	wantFailure(t, err, "choose", ReasonExpression, "choose[1]")

	for _, bad := range []string{
		`<choose><otherwise/></choose>`,
		`<choose><when condition="@(&quot;text&quot;)"/></choose>`,
		`<choose><when condition="true"><set-status/></when></choose>`,
	} {
		errs := compileErrs(t, Inbound, bad)
		if len(errs) == 0 || errs[0].Severity != parser.SeverityError {
			t.Errorf("%s: want a load-time error, got %v", bad, errs)
		}
	}
}
