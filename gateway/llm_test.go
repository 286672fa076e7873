package gateway

import (
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway/fakeopenai"
	"github.com/policygate/policygate/policies/llmtokens"
)

// llmConfig is an API "openai" in front of one fake deployment, with
// policy inbound and forward-request streaming (buffer-response="false")
// when the request says x-mode: stream.
func llmConfig(url, inbound string) *engine.Config {
	cfg := baseConfig("http://127.0.0.1:1")
	cfg.APIs[0].Path = "openai"
	cfg.Backends = map[string]*engine.Backend{"aoai": {ID: "aoai", URL: url}}
	cfg.APIs[0].Policy = doc(`<policies><inbound><base/><set-backend-service backend-id="aoai"/>` + inbound + `</inbound>
<backend><choose><when condition="@(context.Request.Headers.GetValueOrDefault(&quot;x-mode&quot;,&quot;&quot;) == &quot;stream&quot;)"><forward-request buffer-response="false"/></when>
<otherwise><forward-request/></otherwise></choose></backend><outbound><base/></outbound><on-error><base/></on-error></policies>`)
	return cfg
}

func chatWith(t testing.TB, gw, body string, stream bool) result {
	t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	if stream {
		h["x-mode"] = "stream"
	}
	return call(t, "POST", gw+"/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", h, body)
}

func TestTokenLimitBufferedUnbufferedStreamed(t *testing.T) {
	f, url := aoai(t, "aoai")
	gw := newGW(t, llmConfig(url, `<llm-token-limit counter-key="k" tokens-per-minute="1000" estimate-prompt-tokens="false" remaining-tokens-header-name="x-left" tokens-consumed-header-name="x-used"/>`))
	perCall := int64(fakeopenai.PromptTokens([]string{"Say hello."}) + fakeopenai.Words(f.Reply()))
	left := func(r result) int64 {
		t.Helper()
		n, err := strconv.ParseInt(r.header.Get("x-left"), 10, 64)
		if err != nil {
			t.Fatalf("x-left %q (status %d %s)", r.header.Get("x-left"), r.status, r.body)
		}
		return n
	}
	// Buffered JSON: usage read from the body, reported in the headers.
	r := chatWith(t, gw.URL, chatBody, false)
	if r.header.Get("x-used") != strconv.FormatInt(perCall, 10) || left(r) != 1000-perCall {
		t.Fatalf("buffered: used %q left %q, want %d", r.header.Get("x-used"), r.header.Get("x-left"), perCall)
	}
	// Unbuffered JSON: streamed to the client, usage read as it passes.
	r = chatWith(t, gw.URL, chatBody, true)
	if r.status != 200 || !strings.Contains(r.body, `"total_tokens":`+strconv.FormatInt(perCall, 10)) || left(r) != 1000-perCall || r.header.Get("x-used") != "" {
		t.Fatalf("unbuffered: %d left %q used %q %s", r.status, r.header.Get("x-left"), r.header.Get("x-used"), r.body)
	}
	if got := left(chatWith(t, gw.URL, chatBody, false)); got != 1000-3*perCall {
		t.Fatalf("after unbuffered: left %d, want %d", got, 1000-3*perCall)
	}
	// SSE with the usage chunk (stream_options.include_usage).
	streamBody := `{"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Say hello."}]}`
	r = chatWith(t, gw.URL, streamBody, true)
	if !strings.HasPrefix(r.header.Get("Content-Type"), "text/event-stream") || !strings.HasSuffix(r.body, "data: [DONE]\n\n") || !strings.Contains(r.body, `"usage"`) {
		t.Fatalf("stream not passed through: %q %s", r.header.Get("Content-Type"), r.body)
	}
	if got := left(chatWith(t, gw.URL, chatBody, false)); got != 1000-5*perCall {
		t.Fatalf("after a stream with usage: left %d, want %d", got, 1000-5*perCall)
	}
	// SSE without usage: prompt estimated from the request, completion
	// counted from the streamed text.
	noUsage := `{"stream":true,"messages":[{"role":"user","content":"Say hello."}]}`
	r = chatWith(t, gw.URL, noUsage, true)
	if strings.Contains(r.body, `"usage"`) {
		t.Fatal("the fake sent usage without include_usage")
	}
	est := llmtokens.EstimatePrompt([]byte(noUsage), "/openai/deployments/gpt-4o/chat/completions").Tokens + int64(llmtokens.Count("gpt-4o", f.Reply()))
	if got := left(chatWith(t, gw.URL, chatBody, false)); got != 1000-6*perCall-est {
		t.Fatalf("after a stream without usage: left %d, want %d (estimate %d)", got, 1000-6*perCall-est, est)
	}
}

// newLLMServer serves cfg through a Server (metrics included).
func newLLMServer(t *testing.T, cfg *engine.Config, opts ...Option) (*Server, string) {
	t.Helper()
	set, err := LoadSettings("", func(string) (string, bool) { return "", false }, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(set, slog.New(slog.DiscardHandler), opts...)
	e, errs := engine.Compile(cfg, engine.Options{Strict: true})
	if e == nil {
		t.Fatal(errs)
	}
	s.Activate(e)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func scrape(t *testing.T, s *Server) string {
	t.Helper()
	rec := httptest.NewRecorder()
	s.Metrics().Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

func TestEmitTokenMetricSeries(t *testing.T) {
	f, url := aoai(t, "aoai")
	s, gw := newLLMServer(t, llmConfig(url, `<azure-openai-emit-token-metric namespace="openai">
<dimension name="API ID"/><dimension name="Backend ID"/><dimension name="Caller" value="@(context.Request.Headers.GetValueOrDefault(&quot;x-caller&quot;,&quot;anon&quot;))"/>
</azure-openai-emit-token-metric>`))
	perCall := fakeopenai.PromptTokens([]string{"Say hello."}) + fakeopenai.Words(f.Reply())
	prompt := fakeopenai.PromptTokens([]string{"Say hello."})
	chatWith(t, gw, chatBody, false)
	r := chatWith(t, gw, `{"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Say hello."}]}`, true)
	if !strings.HasSuffix(r.body, "data: [DONE]\n\n") {
		t.Fatalf("stream: %s", r.body)
	}
	text := scrape(t, s)
	labels := `{API_ID="echo",Backend_ID="aoai",Caller="anon",namespace="openai"}`
	for _, want := range []string{
		"policygate_custom_Total_Tokens_sum" + labels + " " + strconv.Itoa(2*perCall),
		"policygate_custom_Total_Tokens_count" + labels + " 2",
		"policygate_custom_Prompt_Tokens_sum" + labels + " " + strconv.Itoa(2*prompt),
		"policygate_custom_Completion_Tokens_sum" + labels + " " + strconv.Itoa(2*(perCall-prompt)),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s\n%s", want, grepLines(text, "Tokens"))
		}
	}
}
