package policies

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
)

func TestQuotaByKeyFixedWindow(t *testing.T) {
	t.Parallel()
	clk := newFakeClock("2026-01-15T10:30:00Z")
	env := limitEnv(clk)
	stmts := limitStep(t, Inbound, `<quota-by-key calls="2" renewal-period="3600" counter-key="k" first-period-start="2026-01-01T00:00:00Z" />`)
	for i := range 2 {
		if err := RunAll(limitRun(env), stmts); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	err := RunAll(limitRun(env), stmts)
	f := wantFailure(t, err, "quota-by-key", ReasonQuotaExceeded, "quota-by-key[1]")
	want := &Error{
		Source: "quota-by-key", Reason: ReasonQuotaExceeded, Status: http.StatusForbidden,
		Message: "Out of call volume quota. Quota will be replenished in 00:30:00.",
		Header:  http.Header{"Retry-After": {"1800"}},
	}
	if d := cmp.Diff(want, f.Err); d != "" {
		t.Errorf("error (-want +got):\n%s", d)
	}
	// Fixed, not sliding: the whole count resets when the window ends.
	clk.Advance(30 * time.Minute)
	for i := range 2 {
		if err := RunAll(limitRun(env), stmts); err != nil {
			t.Fatalf("next window, call %d: %v", i, err)
		}
	}
	if got := outcome(t, RunAll(limitRun(env), stmts)); got != "Forbidden 3600" {
		t.Errorf("next window full: %s", got)
	}
}

func TestQuotaByKeyBandwidth(t *testing.T) {
	t.Parallel()
	env := limitEnv(newFakeClock("2026-01-15T10:00:00Z"))
	stmts := limitStep(t, Inbound, `<quota-by-key bandwidth="1" renewal-period="86400" counter-key="bw" />`)
	r := limitRun(env)
	r.Ctx.Request.Body = expressions.NewBody([]byte(strings.Repeat("q", 600)))
	if err := RunAll(r, stmts); err != nil {
		t.Fatal(err)
	}
	if err := RunAll(limitRun(env), stmts); err != nil { // 600 bytes so far
		t.Fatal(err)
	}
	finish(r, 200, strings.Repeat("r", 600)) // 1200 bytes ≥ 1 KB
	err := RunAll(limitRun(env), stmts)
	if pe := policyError(t, err); pe.Message != "Out of bandwidth quota. Quota will be replenished in 14:00:00." {
		t.Errorf("message %q", pe.Message)
	}
}

func TestQuotaByKeyCountsAKeyOncePerRequest(t *testing.T) {
	t.Parallel()
	env := limitEnv(newFakeClock("2026-01-15T10:00:00Z"))
	stmts := limitStep(t, Inbound, `<quota-by-key calls="2" renewal-period="300" counter-key="k" />
<quota-by-key calls="2" renewal-period="300" counter-key="k" />`)
	for i := range 2 {
		if err := RunAll(limitRun(env), stmts); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if got := outcome(t, RunAll(limitRun(env), stmts)); got != "Forbidden 300" {
		t.Errorf("third call: %s", got)
	}
}

func TestQuotaByKeyIncrementConditionOnResponse(t *testing.T) {
	t.Parallel()
	env := limitEnv(newFakeClock("2026-01-15T10:00:00Z"))
	stmts := limitStep(t, Inbound, `<quota-by-key calls="1" renewal-period="0" counter-key="k"
		increment-condition="@(context.Response.StatusCode &lt; 400)" />`)
	r := limitRun(env)
	if err := RunAll(r, stmts); err != nil {
		t.Fatal(err)
	}
	finish(r, 404, "")
	r = limitRun(env)
	if err := RunAll(r, stmts); err != nil {
		t.Fatalf("a 404 was counted: %v", err)
	}
	finish(r, 200, "")
	pe := policyError(t, RunAll(limitRun(env), stmts))
	if pe.Message != "Out of call volume quota. Quota will not be replenished." || pe.Header.Get("Retry-After") != "" {
		t.Errorf("never-renewed quota: %q %v", pe.Message, pe.Header)
	}
}

func TestQuotaPerSubscription(t *testing.T) {
	t.Parallel()
	clk := newFakeClock("2026-01-15T10:00:00Z")
	env := limitEnv(clk)
	stmts := limitStep(t, Inbound, `<quota calls="100" renewal-period="604800">
	<api id="orders" calls="1" renewal-period="86400" />
</quota>`)
	start := dotnet.DateTime{T: time.Date(2026, 1, 14, 12, 0, 0, 0, time.UTC), Kind: dotnet.KindUtc}
	run := func() error {
		r := subRun(env, "s1")
		r.Ctx.Subscription.StartDate = &start
		return RunAll(r, stmts)
	}
	if err := run(); err != nil {
		t.Fatal(err)
	}
	// The API's daily window starts at the subscription's start time (12:00).
	pe := policyError(t, run())
	if pe.Message != "Out of call volume quota. Quota will be replenished in 02:00:00." {
		t.Errorf("message %q", pe.Message)
	}
	for range 3 {
		if err := RunAll(limitRun(env), stmts); err != nil {
			t.Fatalf("without a subscription: %v", err)
		}
	}
}

func TestTimeSpanC(t *testing.T) {
	t.Parallel()
	for secs, want := range map[int64]string{0: "00:00:00", 59: "00:00:59", 3661: "01:01:01", 86400: "1.00:00:00", 2*86400 + 3*3600 + 4: "2.03:00:04"} {
		if got := timeSpanC(secs); got != want {
			t.Errorf("timeSpanC(%d) = %q, want %q", secs, got, want)
		}
	}
}

func TestQuotaLoadErrors(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		`<quota renewal-period="60" />`,
		`<quota calls="5" />`,
		`<quota-by-key calls="5" renewal-period="60" counter-key="k" first-period-start="yesterday" />`,
		`<quota-by-key renewal-period="60" counter-key="k" />`,
	} {
		if errs := compileErrs(t, Inbound, src); !hasError(errs) {
			t.Errorf("%s: no load-time error", src)
		}
	}
}
