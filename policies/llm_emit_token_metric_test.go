package policies

import (
	"bytes"
	"log/slog"
	"strconv"
	"strings"
	"testing"
)

func TestEmitTokenMetricBoundAndSkip(t *testing.T) {
	t.Parallel()
	const cap = 4
	reg := NewMetricsRegistry()
	var logs bytes.Buffer
	warn := slog.New(slog.NewTextHandler(&logs, nil))
	reg.Limit = NewSeriesLimiter(cap, func(metric string, max int) { warn.Warn("too many series", "metric", metric, "max", max) })
	env := &Env{Metrics: reg, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	stmts, _ := compileSnippet(t, Inbound, `<llm-emit-token-metric namespace="ns"><dimension name="Caller" value="@(context.Request.Headers.GetValueOrDefault(&quot;x-caller&quot;,&quot;&quot;))"/><dimension name="Client IP"/></llm-emit-token-metric>`)
	send := func(caller string, forwarded bool) {
		r := newTestRun(Inbound)
		r.Env = env
		r.Ctx.Request.IPAddress = "10.0.0.1"
		r.Ctx.Request.Headers.H.Set("x-caller", caller)
		if err := RunAll(r, stmts); err != nil {
			t.Fatal(err)
		}
		r.Forwarded = forwarded
		finish(r, 200, `{"usage":{"prompt_tokens":2,"completion_tokens":3,"total_tokens":5}}`)
	}
	for i := range cap + 5 {
		send("c"+strconv.Itoa(i), true)
	}
	send("c0", false) // the model was not called: nothing counted
	if s, ok := reg.Get("Total Tokens", map[string]string{"Caller": "c0", "Client IP": "10.0.0.1"}); !ok || s.Sum != 5 || s.Count != 1 {
		t.Errorf("c0 series %+v %v", s, ok)
	}
	if s, ok := reg.Get("Completion Tokens", map[string]string{"Caller": OverflowValue, "Client IP": OverflowValue}); !ok || s.Sum != 15 || s.Count != 5 {
		t.Errorf("overflow series %+v %v", s, ok)
	}
	if n := len(reg.Series("Prompt Tokens")); n != cap+1 {
		t.Errorf("%d series, want the cap + other", n)
	}
	if strings.Count(logs.String(), "level=WARN") != 3 {
		t.Errorf("one warning per metric, got:\n%s", logs.String())
	}
	errs := compileErrs(t, Inbound, `<azure-openai-emit-token-metric><dimension name="Colour"/></azure-openai-emit-token-metric>`)
	if !hasError(errs) {
		t.Error("a custom dimension without value is a load error")
	}
}
