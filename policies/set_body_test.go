package policies

import (
	"testing"

	"github.com/policygate/policygate/expressions"
)

func TestSetBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
		sec             Section
	}{
		{"literal keeps whitespace", "<set-body>  {\n  \"a\": 1 }\n</set-body>", "  {\n  \"a\": 1 }\n", Inbound},
		{"string expression", `<set-body>@("x" + context.Request.Method)</set-body>`, "xGET", Inbound},
		{"statement block", `<set-body>@{ var s = "a"; return s + "b"; }</set-body>`, "ab", Outbound},
		{"null is empty", `<set-body>@((string)null)</set-body>`, "", Outbound},
		{"byte array is raw", `<set-body>@(Encoding.UTF8.GetBytes("raw"))</set-body>`, "raw", Backend},
		{"JObject is indented JSON", `<set-body>@(new JObject(new JProperty("a", 1)).ToString())</set-body>`, "{\n  \"a\": 1\n}", OnError},
		{"JObject value", `<set-body>@(new JObject(new JProperty("a", 1)))</set-body>`, "{\n  \"a\": 1\n}", Outbound},
		{"reads the old body", `<set-body>@(context.Response.Body.As<string>() + "!")</set-body>`, "old!", Outbound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRun(tt.sec)
			r.Ctx.Request.Body = expressions.NewBody([]byte("old"))
			r.Ctx.Response.Body = expressions.NewBody([]byte("old"))
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
			if got := string(other.Bytes()); got != "old" {
				t.Errorf("the other body changed: %q", got)
			}
		})
	}
}

func TestSetBodyError(t *testing.T) {
	t.Parallel()
	r := newTestRun(Inbound) // a GET without a body
	err := execSnippet(t, r, `<set-body>@(context.Request.Body.As<string>())</set-body>`)
	wantFailure(t, err, "set-body", ReasonExpression, "set-body[1]")
}
