package policies

import (
	"testing"

	"github.com/policygate/policygate/expressions"
)

func TestFindAndReplace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
		sec             Section
	}{
		{"every occurrence in the request", `<find-and-replace from="notebook" to="laptop" />`, "a laptop and a laptop, Notebook", Inbound},
		{"response in outbound", `<find-and-replace from="notebook" to="laptop" />`, "a laptop and a laptop, Notebook", Outbound},
		{"empty to deletes", `<find-and-replace from="notebook" to="" />`, "a  and a , Notebook", Backend},
		{"whitespace is kept", `<find-and-replace from=" and " to="+" />`, "a notebook+a notebook, Notebook", OnError},
		{"expressions", `<find-and-replace from="@("Note" + "book")" to="@(context.Request.Method)" />`, "a notebook and a notebook, GET", Outbound},
		{"not found", `<find-and-replace from="tablet" to="x" />`, "a notebook and a notebook, Notebook", Inbound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const orig = "a notebook and a notebook, Notebook"
			r := newTestRun(tt.sec)
			r.Ctx.Request.Body = expressions.NewBody([]byte(orig))
			r.Ctx.Response.Body = expressions.NewBody([]byte(orig))
			if err := execSnippet(t, r, tt.src); err != nil {
				t.Fatal(err)
			}
			target, other := r.Ctx.Request.Body, r.Ctx.Response.Body
			if !r.IsRequestSection() {
				target, other = other, target
			}
			if got := string(target.Bytes()); got != tt.want {
				t.Errorf("body %q, want %q", got, tt.want)
			}
			if got := string(other.Bytes()); got != orig {
				t.Errorf("the other body changed: %q", got)
			}
		})
	}
}

func TestFindAndReplaceNoBodyAndErrors(t *testing.T) {
	t.Parallel()
	r := newTestRun(Inbound)
	if err := execSnippet(t, r, `<find-and-replace from="a" to="b" />`); err != nil || r.Ctx.Request.Body != nil {
		t.Errorf("no body: err %v, body %v", err, r.Ctx.Request.Body)
	}
	err := execSnippet(t, newTestRun(Inbound), `<find-and-replace from="a" to="@(((string)null).Trim())" />`)
	wantFailure(t, err, "find-and-replace", ReasonExpression, "find-and-replace[1]")
	if errs := compileErrs(t, Inbound, `<find-and-replace from="a" />`); len(errs) == 0 {
		t.Error("missing to: no load-time error")
	}
}
