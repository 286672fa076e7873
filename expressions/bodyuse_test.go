package expressions

import "testing"

// TestProgramReads: member access on IRequest/IResponse Body (typed, cast,
// through locals and lambdas, or looked up at run time) is found at
// compile time.
func TestProgramReads(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want BodyUse
	}{
		{`@(context.Request.Headers.GetValueOrDefault("a", ""))`, 0},
		{`@(context.Response.StatusCode)`, 0},
		{`@(context.Request.Body.As<string>(preserveContent: true))`, ReadsRequestBody},
		{`@(context.Request.Body != null)`, ReadsRequestBody},
		{`@(context.Response.Body.As<JObject>()["a"].ToString())`, ReadsResponseBody},
		{`@{ var r = context.Request; return r.Body.As<string>(); }`, ReadsRequestBody},
		{`@(context.Request?.Body?.As<string>())`, ReadsRequestBody},
		{`@(((IResponse)context.Variables["x"]).Body.As<string>())`, ReadsResponseBody},
		{`@(new[] { context.Response }.Select(x => x.Body.As<string>()).First())`, ReadsResponseBody},
		{`@(context.Variables["x"].Body)`, ReadsBodies},
		{`@(context.Request.Body.As<string>() + context.Response.Body.As<string>())`, ReadsBodies},
		{`@("context.Request.Body")`, 0},
	}
	for _, tc := range tests {
		p, err := Compile(tc.src)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if got := p.Reads(); got != tc.want {
			t.Errorf("%s: Reads() = %b, want %b", tc.src, got, tc.want)
		}
	}
}
