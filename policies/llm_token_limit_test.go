package policies

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/policygate/policygate/expressions"
)

// chatRun is an inbound chat completion request with body.
func chatRun(env *Env, body string) *Run {
	r := limitRun(env)
	r.Ctx.Request.Method = "POST"
	r.Ctx.Request.Body = expressions.NewBody([]byte(body))
	return r
}

func usageBody(total int) string {
	return `{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":` + strconv.Itoa(total-1) + `,"total_tokens":` + strconv.Itoa(total) + `}}`
}

func TestTokenLimitRateFromUsage(t *testing.T) {
	t.Parallel()
	clk := newFakeClock("2026-01-15T10:00:00Z")
	env := limitEnv(clk)
	stmts := limitStep(t, Inbound, `<llm-token-limit counter-key="k" tokens-per-minute="100" estimate-prompt-tokens="false"
		tokens-consumed-header-name="x-used" tokens-consumed-variable-name="used"
		remaining-tokens-header-name="x-left" remaining-tokens-variable-name="left" />`)
	r := chatRun(env, `{"messages":[{"role":"user","content":"hi"}]}`)
	if err := RunAll(r, stmts); err != nil {
		t.Fatal(err)
	}
	if v, _ := r.Ctx.Variables.Get("used"); v != int32(0) {
		t.Errorf("consumed before the response = %v", v)
	}
	finish(r, 200, usageBody(80))
	if d := cmp.Diff(http.Header{"X-Used": {"80"}, "X-Left": {"20"}}, r.Ctx.Response.Headers.H); d != "" {
		t.Errorf("headers (-want +got):\n%s", d)
	}
	if v, _ := r.Ctx.Variables.Get("used"); v != int32(80) {
		t.Errorf("consumed after the response = %v", v)
	}
	clk.Advance(10 * time.Second)
	r = chatRun(env, `{}`)
	if err := RunAll(r, stmts); err != nil {
		t.Fatalf("80 of 100 used: %v", err)
	}
	finish(r, 200, usageBody(30))
	err := RunAll(chatRun(env, `{}`), stmts)
	f := wantFailure(t, err, "llm-token-limit", ReasonTokenLimitExceeded, "llm-token-limit[1]")
	// 110 used; the 80 made at t=0 leave the window at t=60, 50 s from now.
	if f.Err.Status != 429 || f.Err.Header.Get("Retry-After") != "50" || f.Err.Body != "Token limit is exceeded. Try again in 50 seconds." {
		t.Errorf("refusal %+v", f.Err)
	}
	clk.Advance(50 * time.Second)
	if err := RunAll(chatRun(env, `{}`), stmts); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

func TestTokenLimitEstimateRefusesEarly(t *testing.T) {
	t.Parallel()
	env := limitEnv(newFakeClock("2026-01-15T10:00:00Z"))
	stmts := limitStep(t, Inbound, `<azure-openai-token-limit counter-key="k" tokens-per-minute="50" estimate-prompt-tokens="true" tokens-consumed-variable-name="used" />`)
	small := chatRun(env, `{"messages":[{"role":"user","content":"tiktoken is great!"}]}`)
	if err := RunAll(small, stmts); err != nil {
		t.Fatal(err)
	}
	// "tiktoken is great!" is 6 tokens (OpenAI's example), + 3 per message + 3.
	if v, _ := small.Ctx.Variables.Get("used"); v != int32(12) {
		t.Errorf("estimate %v, want 12", v)
	}
	big := chatRun(env, `{"messages":[{"role":"user","content":"`+strings.Repeat("hello world ", 30)+`"}]}`)
	wantFailure(t, RunAll(big, stmts), "azure-openai-token-limit", ReasonTokenLimitExceeded, "azure-openai-token-limit[1]")
	// Without usage in the response the estimate stands.
	finish(small, 200, "not json")
	if v, _ := small.Ctx.Variables.Get("used"); v != int32(12) {
		t.Errorf("consumed without usage %v", v)
	}
}

func TestTokenLimitQuota(t *testing.T) {
	t.Parallel()
	env := limitEnv(newFakeClock("2026-01-15T10:20:00Z"))
	stmts := limitStep(t, Inbound, `<llm-token-limit counter-key="k" token-quota="100" token-quota-period="Hourly" estimate-prompt-tokens="false"
		remaining-quota-tokens-header-name="x-quota-left" retry-after-header-name="x-wait" />`)
	r := chatRun(env, `{}`)
	if err := RunAll(r, stmts); err != nil {
		t.Fatal(err)
	}
	finish(r, 200, usageBody(100))
	if got := r.Ctx.Response.Headers.H.Get("X-Quota-Left"); got != "0" {
		t.Errorf("remaining quota %q", got)
	}
	f := wantFailure(t, RunAll(chatRun(env, `{}`), stmts), "llm-token-limit", ReasonTokenQuotaExceeded, "llm-token-limit[1]")
	want := &Error{Source: "llm-token-limit", Reason: ReasonTokenQuotaExceeded, Status: 403,
		Message: "Out of token quota. Quota will be replenished in 00:40:00.",
		Header:  http.Header{"X-Wait": {"2400"}, "X-Quota-Left": {"0"}}}
	if d := cmp.Diff(want, f.Err); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestTokenLimitStreamUsage(t *testing.T) {
	t.Parallel()
	env := limitEnv(newFakeClock("2026-01-15T10:00:00Z"))
	stmts := limitStep(t, Inbound, `<llm-token-limit counter-key="k" tokens-per-minute="1000" estimate-prompt-tokens="false" tokens-consumed-header-name="x-used" />`)
	r := chatRun(env, `{"stream":true,"messages":[{"role":"user","content":"hello"}]}`)
	if err := RunAll(r, stmts); err != nil {
		t.Fatal(err)
	}
	finish(r, 200, "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}\n\ndata: [DONE]\n\n")
	if got := r.Ctx.Response.Headers.H.Get("X-Used"); got != "11" {
		t.Errorf("consumed %q, want 11", got)
	}
}

func TestQuotaPeriodWindow(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 15, 10, 20, 30, 0, time.UTC) // a Thursday
	d := func(y int, m time.Month, day, h int) time.Time { return time.Date(y, m, day, h, 0, 0, 0, time.UTC) }
	want := map[string]Window{
		"Hourly":  {d(2026, 1, 15, 10), d(2026, 1, 15, 11)},
		"Daily":   {d(2026, 1, 15, 0), d(2026, 1, 16, 0)},
		"Weekly":  {d(2026, 1, 12, 0), d(2026, 1, 19, 0)},
		"Monthly": {d(2026, 1, 1, 0), d(2026, 2, 1, 0)},
		"Yearly":  {d(2026, 1, 1, 0), d(2027, 1, 1, 0)},
	}
	for p, w := range want {
		got, err := quotaPeriodWindow(p, now)
		if err != nil || !got.Start.Equal(w.Start) || !got.End.Equal(w.End) {
			t.Errorf("%s: %v %v", p, got, err)
		}
	}
	if _, err := quotaPeriodWindow("Fortnightly", now); err == nil {
		t.Error("bad period accepted")
	}
}

func TestTokenLimitLoadErrors(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		`<llm-token-limit counter-key="k" estimate-prompt-tokens="false" />`,
		`<llm-token-limit counter-key="k" token-quota="10" estimate-prompt-tokens="false" />`,
		`<llm-token-limit counter-key="k" token-quota="10" token-quota-period="Sometimes" estimate-prompt-tokens="false" />`,
	} {
		if errs := compileErrs(t, Inbound, src); !hasError(errs) {
			t.Errorf("%s: no load-time error", src)
		}
	}
}
