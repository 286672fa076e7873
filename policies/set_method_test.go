package policies

import "testing"

func TestSetMethod(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]string{
		`<set-method>POST</set-method>`:                            "POST",
		`<set-method> PUT </set-method>`:                           "PUT",
		`<set-method>@(context.Request.Method + "X")</set-method>`: "GETX",
	} {
		r := newTestRun(Inbound)
		if err := execSnippet(t, r, src); err != nil {
			t.Fatal(err)
		}
		if r.Ctx.Request.Method != want {
			t.Errorf("%s: method %q, want %q", src, r.Ctx.Request.Method, want)
		}
	}
	err := execSnippet(t, newTestRun(OnError), `<set-method>@(((string)null).ToUpper())</set-method>`)
	wantFailure(t, err, "set-method", ReasonExpression, "set-method[1]")
	if errs := compileErrs(t, Inbound, `<set-method></set-method>`); len(errs) == 0 {
		t.Error("empty set-method: no load-time error")
	}
}
