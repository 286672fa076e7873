package policies

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/policygate/policygate/expressions"
)

// outcome summarizes one call: "ok" or "STATUS Retry-After".
func outcome(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return "ok"
	}
	pe := policyError(t, err)
	return http.StatusText(pe.Status) + " " + pe.Header.Get("Retry-After")
}

func TestRateLimitByKeySlidingWindow(t *testing.T) {
	t.Parallel()
	clk := newFakeClock("2026-01-15T10:00:00Z")
	env := limitEnv(clk)
	stmts := limitStep(t, Inbound, `<rate-limit-by-key calls="2" renewal-period="60" counter-key="@(context.Request.IpAddress)"
		remaining-calls-variable-name="left" retry-after-variable-name="wait" />`)
	var got []string
	for _, adv := range []time.Duration{0, 30 * time.Second, 10 * time.Second, 20 * time.Second, time.Second} {
		clk.Advance(adv)
		got = append(got, outcome(t, RunAll(limitRun(env), stmts)))
	}
	want := []string{"ok", "ok", "Too Many Requests 20", "ok", "Too Many Requests 29"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
}

func TestRateLimitByKeyAnswer(t *testing.T) {
	t.Parallel()
	env := limitEnv(newFakeClock("2026-01-15T10:00:00Z"))
	stmts := limitStep(t, Inbound, `<rate-limit-by-key calls="1" renewal-period="90" counter-key="k"
		retry-after-header-name="x-retry" retry-after-variable-name="wait"
		remaining-calls-header-name="x-left" remaining-calls-variable-name="left" total-calls-header-name="x-total" />`)
	r := limitRun(env)
	if err := RunAll(r, stmts); err != nil {
		t.Fatal(err)
	}
	if v, _ := r.Ctx.Variables.Get("left"); v != int32(0) {
		t.Errorf("remaining variable %v", v)
	}
	finish(r, 200, "")
	if d := cmp.Diff(http.Header{"X-Left": {"0"}, "X-Total": {"1"}}, r.Ctx.Response.Headers.H); d != "" {
		t.Errorf("final response headers (-want +got):\n%s", d)
	}

	r = limitRun(env)
	err := RunAll(r, stmts)
	f := wantFailure(t, err, "rate-limit-by-key", ReasonRateLimitExceeded, "rate-limit-by-key[1]")
	want := &Error{
		Source: "rate-limit-by-key", Reason: ReasonRateLimitExceeded, Message: "Rate limit is exceeded",
		Body: "Rate limit is exceeded. Try again in 90 seconds.", Status: 429,
		Header: http.Header{"X-Retry": {"90"}, "X-Left": {"0"}, "X-Total": {"1"}},
	}
	if d := cmp.Diff(want, f.Err); d != "" {
		t.Errorf("error (-want +got):\n%s", d)
	}
	if v, _ := r.Ctx.Variables.Get("wait"); v != int32(90) {
		t.Errorf("retry variable %v", v)
	}
}

func TestRateLimitByKeyIncrementCondition(t *testing.T) {
	t.Parallel()
	env := limitEnv(newFakeClock("2026-01-15T10:00:00Z"))
	onResponse := limitStep(t, Inbound, `<rate-limit-by-key calls="2" renewal-period="60" counter-key="resp"
		increment-condition="@(context.Response.StatusCode == 200)" />`)
	// Failed calls are not counted: the condition sees the final status.
	for i := range 5 {
		r := limitRun(env)
		if err := RunAll(r, onResponse); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		finish(r, 500, "")
	}
	for i := range 2 {
		r := limitRun(env)
		if err := RunAll(r, onResponse); err != nil {
			t.Fatalf("successful call %d: %v", i, err)
		}
		finish(r, 200, "")
	}
	if got := outcome(t, RunAll(limitRun(env), onResponse)); got != "Too Many Requests 60" {
		t.Errorf("third successful call: %s", got)
	}

	// A condition on the request is decided at once (no RunAfter needed).
	onRequest := limitStep(t, Inbound, `<rate-limit-by-key calls="1" renewal-period="60" counter-key="req"
		increment-condition="@(context.Request.Method == &quot;POST&quot;)" />`)
	for range 3 {
		if err := RunAll(limitRun(env), onRequest); err != nil {
			t.Fatalf("GET counted: %v", err)
		}
	}
	post := limitRun(env)
	post.Ctx.Request.Method = "POST"
	if err := RunAll(post, onRequest); err != nil {
		t.Fatal(err)
	}
	if got := outcome(t, RunAll(limitRun(env), onRequest)); got != "Too Many Requests 60" {
		t.Errorf("after a POST: %s", got)
	}
}

func TestRateLimitByKeyIncrementCountAndSharedKey(t *testing.T) {
	t.Parallel()
	env := limitEnv(newFakeClock("2026-01-15T10:00:00Z"))
	a := limitStep(t, Inbound, `<rate-limit-by-key calls="3" renewal-period="60" counter-key="@("shared")" increment-count="@(2)" />`)
	b := limitStep(t, Inbound, `<rate-limit-by-key calls="3" renewal-period="60" counter-key="shared" />`)
	var got []string
	for _, s := range [][]*Stmt{a, b, a} {
		got = append(got, outcome(t, RunAll(limitRun(env), s)))
	}
	// 0+2, then 2+1 (another policy, same key value), then full.
	if d := cmp.Diff([]string{"ok", "ok", "Too Many Requests 60"}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestRateLimitByKeyExpressionErrors(t *testing.T) {
	t.Parallel()
	env := limitEnv(newFakeClock("2026-01-15T10:00:00Z"))
	stmts := limitStep(t, Inbound, `<rate-limit-by-key calls="@((int)context.Variables[&quot;missing&quot;])" renewal-period="60" counter-key="k" />`)
	wantFailure(t, RunAll(limitRun(env), stmts), "rate-limit-by-key", ReasonExpression, "rate-limit-by-key[1]")
}

// subRun is a request with a subscription, in API orders / operation get.
func subRun(env *Env, sub string) *Run {
	r := limitRun(env)
	r.Ctx.Subscription = &expressions.Subscription{ID: sub, Name: sub}
	r.Ctx.API = &expressions.API{ID: "orders", Name: "Orders"}
	r.Ctx.Operation = &expressions.Operation{ID: "get", Name: "Get order"}
	return r
}

func TestRateLimitPerSubscription(t *testing.T) {
	t.Parallel()
	env := limitEnv(newFakeClock("2026-01-15T10:00:00Z"))
	stmts := limitStep(t, Inbound, `<rate-limit calls="3" renewal-period="60" remaining-calls-header-name="x-left" total-calls-header-name="x-total">
	<api name="Orders" calls="2" renewal-period="30">
		<operation id="get" calls="1" renewal-period="10" />
	</api>
	<api name="Other" calls="1" renewal-period="60" />
</rate-limit>`)
	// No subscription: not limited.
	for range 5 {
		if err := RunAll(limitRun(env), stmts); err != nil {
			t.Fatalf("without a subscription: %v", err)
		}
	}
	r := subRun(env, "s1")
	if err := RunAll(r, stmts); err != nil {
		t.Fatal(err)
	}
	finish(r, 200, "")
	// The tightest counter is reported: the operation's.
	if d := cmp.Diff(http.Header{"X-Left": {"0"}, "X-Total": {"1"}}, r.Ctx.Response.Headers.H); d != "" {
		t.Errorf("headers (-want +got):\n%s", d)
	}
	if got := outcome(t, RunAll(subRun(env, "s1"), stmts)); got != "Too Many Requests 10" {
		t.Errorf("operation limit: %s", got)
	}
	// Another operation of the API: the API counter (1 of 2) allows one more.
	other := subRun(env, "s1")
	other.Ctx.Operation = &expressions.Operation{ID: "list", Name: "List"}
	if err := RunAll(other, stmts); err != nil {
		t.Fatal(err)
	}
	other = subRun(env, "s1")
	other.Ctx.Operation = &expressions.Operation{ID: "list", Name: "List"}
	if got := outcome(t, RunAll(other, stmts)); got != "Too Many Requests 30" {
		t.Errorf("API limit: %s", got)
	}
	// Another subscription has its own counters.
	if err := RunAll(subRun(env, "s2"), stmts); err != nil {
		t.Errorf("other subscription: %v", err)
	}
}

func TestRateLimitLoadErrors(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		`<rate-limit renewal-period="60" />`,
		`<rate-limit calls="5" />`,
		`<rate-limit calls="@(5)" renewal-period="60" />`,
		`<rate-limit calls="x" renewal-period="60" />`,
		`<rate-limit calls="5" renewal-period="60"><api calls="1" renewal-period="1" /></rate-limit>`,
		`<rate-limit-by-key calls="x" renewal-period="60" counter-key="k" />`,
	} {
		if errs := compileErrs(t, Inbound, src); !hasError(errs) {
			t.Errorf("%s: no load-time error", src)
		}
	}
	if errs := compileErrs(t, Inbound, `<rate-limit calls="5" renewal-period="600" />`); hasError(errs) || len(errs) == 0 {
		t.Errorf("a period over 300s is a warning: %v", errs)
	}
}
