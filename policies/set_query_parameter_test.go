package policies

import (
	"testing"

	"github.com/policygate/policygate/expressions"
)

func TestSetQueryParameter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, initial, src, want string
	}{
		{"override adds", "a=1", `<set-query-parameter name="b" exists-action="override"><value>2</value></set-query-parameter>`, "a=1&b=2"},
		{"override replaces in place", "a=1&b=2&a=3", `<set-query-parameter name="a"><value>x</value></set-query-parameter>`, "a=x&b=2"},
		{"skip keeps", "a=1", `<set-query-parameter name="a" exists-action="skip"><value>x</value></set-query-parameter>`, "a=1"},
		{"skip adds", "", `<set-query-parameter name="a" exists-action="skip"><value>x</value></set-query-parameter>`, "a=x"},
		{"append repeats the name", "a=1", `<set-query-parameter name="a" exists-action="append"><value>2</value><value>3</value></set-query-parameter>`, "a=1&a=2&a=3"},
		{"delete", "a=1&b=2&a=3", `<set-query-parameter name="a" exists-action="delete"/>`, "b=2"},
		{"delete of a missing one", "b=2", `<set-query-parameter name="a" exists-action="delete"/>`, "b=2"},
		{"values are encoded", "", `<set-query-parameter name="q"><value>a b&amp;c=d</value></set-query-parameter>`, "q=a+b%26c%3Dd"},
		{"expressions", "id=7", `<set-query-parameter name="@("c" + "opy")" exists-action="@("override")"><value>@(context.Request.Url.Query.GetValueOrDefault("id", "") + "!")</value></set-query-parameter>`, "id=7&copy=7%21"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRun(Inbound)
			r.Ctx.Request.URL.Query = expressions.ParseQuery(tt.initial)
			if err := execSnippet(t, r, tt.src); err != nil {
				t.Fatal(err)
			}
			if got := r.Ctx.Request.URL.Query.Encode(); got != tt.want {
				t.Errorf("query %q, want %q", got, tt.want)
			}
			if got, want := r.Ctx.Request.URL.String(), "http://backend.test/"+r.Ctx.Request.URL.QueryString(); got != want {
				t.Errorf("url %q, want %q", got, want)
			}
		})
	}
}

func TestSetQueryParameterError(t *testing.T) {
	t.Parallel()
	err := execSnippet(t, newTestRun(Backend), `<set-query-parameter name="@(((string)null).Trim())"><value>1</value></set-query-parameter>`)
	wantFailure(t, err, "set-query-parameter", ReasonExpression, "set-query-parameter[1]")
}
