package policies

import "testing"

func TestSetStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src    string
		code   int32
		reason string
	}{
		{`<set-status code="401" reason="Unauthorized" />`, 401, "Unauthorized"},
		{`<set-status code="418" reason="Short and stout" />`, 418, "Short and stout"},
		{`<set-status code="404" />`, 404, "Not Found"},
		{`<set-status code="@(200 + 2)" reason="@("Acc" + "epted")" />`, 202, "Accepted"},
		{`<set-status code="@(int.Parse("503"))" />`, 503, "Service Unavailable"},
	}
	for _, sec := range AllSections {
		for _, tt := range tests {
			r := newTestRun(sec)
			if err := execSnippet(t, r, tt.src); err != nil {
				t.Fatal(err)
			}
			if r.Ctx.Response.StatusCode != tt.code || r.Ctx.Response.StatusReason != tt.reason {
				t.Errorf("%s %s: %d %q", sec, tt.src, r.Ctx.Response.StatusCode, r.Ctx.Response.StatusReason)
			}
		}
	}
}

func TestSetStatusErrors(t *testing.T) {
	t.Parallel()
	err := execSnippet(t, newTestRun(Outbound), `<set-status code="@(int.Parse("abc"))" reason="x" />`)
	wantFailure(t, err, "set-status", ReasonExpression, "set-status[1]")
	for _, src := range []string{`<set-status reason="x" />`, `<set-status code="@("abc")" />`} {
		if errs := compileErrs(t, Inbound, src); len(errs) == 0 {
			t.Errorf("%s: no load-time error", src)
		}
	}
}
