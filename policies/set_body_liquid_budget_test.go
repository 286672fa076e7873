package policies

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
)

// TestSetBodyLiquidObservesTheTimeBudget checks that one long render stops
// at the evaluation's deadline instead of running to its end: a loop that
// writes output and a loop that only reads body both fail with the budget
// error under a 1 ns budget, and render in full without a budget.
func TestSetBodyLiquidObservesTheTimeBudget(t *testing.T) {
	for _, tmpl := range []string{
		`{% for i in (1..20000) %}x{% endfor %}`,
		`{% for i in (1..20000) %}{% if body.a == 2 %}{% endif %}{% endfor %}done`,
	} {
		for _, budget := range []*dotnet.RequestBudget{nil, {Timeout: time.Nanosecond}} {
			r := newTestRun(Outbound)
			r.Ctx.Budget = budget
			r.Ctx.Response.Headers.H.Set("Content-Type", "application/json")
			r.Ctx.Response.Body = expressions.NewBody([]byte(`{"a": 1}`))
			err := execSnippet(t, r, `<set-body template="liquid">`+tmpl+`</set-body>`)
			if budget == nil {
				if got := string(r.Ctx.Response.Body.Bytes()); err != nil || got != strings.Repeat("x", 20000) && got != "done" {
					t.Errorf("%s without a budget: %v, %d bytes", tmpl, err, len(got))
				}
				continue
			}
			var be *dotnet.BudgetError
			if f := wantFailure(t, err, "set-body", ReasonExpression, "set-body[1]"); f == nil || !errors.As(err, &be) || !strings.Contains(be.Msg, "time budget") {
				t.Errorf("%s: got %v, want the time budget error", tmpl, err)
			}
		}
	}
}
