package policies

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/policygate/policygate/expressions/dotnet"
)

func TestSetVariable(t *testing.T) {
	t.Parallel()
	r := newTestRun(Inbound)
	src := `<set-variable name="lit" value="42" />
<set-variable name="num" value="@(40 + 2)" />
<set-variable name="flag" value="@(true)" />
<set-variable name="text" value="@("a" + "b")" />
<set-variable name="nothing" value="@((string)null)" />
<set-variable name="json" value="@(new JObject(new JProperty("a", 1)))" />
<set-variable name="child"><value>@("from child")</value></set-variable>
<set-variable name="lit" value="again" />`
	if err := execSnippet(t, r, src); err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, n := range r.Ctx.Variables.Names() {
		v, _ := r.Ctx.Variables.Get(n)
		if tok, ok := v.(dotnet.JToken); ok {
			v = "json:" + dotnet.JSONString(tok, dotnet.FormattingNone)
		}
		got[n] = v
	}
	want := map[string]any{
		"lit": "again", "num": int32(42), "flag": true, "text": "ab",
		"nothing": nil, "json": `json:{"a":1}`, "child": "from child",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("variables (-want +got):\n%s", d)
	}
	if names := r.Ctx.Variables.Names(); names[0] != "lit" || len(names) != 7 {
		t.Errorf("names %v", names)
	}
}

func TestSetVariableRejectsOtherTypes(t *testing.T) {
	t.Parallel()
	r := newTestRun(Outbound)
	err := execSnippet(t, r, `<set-variable name="req" value="@(context.Request)" />`)
	f := wantFailure(t, err, "set-variable", ReasonExpression, "set-variable[1]")
	if f.Section != Outbound {
		t.Errorf("section %s", f.Section)
	}
	if _, ok := r.Ctx.Variables.Get("req"); ok {
		t.Error("variable stored despite the error")
	}
}

func TestSetVariableLoadErrors(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		`<set-variable value="1" />`,
		`<set-variable name="x" />`,
		`<set-variable name="@("x")" value="1" />`,
	} {
		if errs := compileErrs(t, Inbound, src); len(errs) == 0 {
			t.Errorf("%s: no load-time error", src)
		}
	}
}
