package gateway_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func demoChat(t *testing.T, url, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestDemoOpenAI walks the demo's AI gateway as the README shows it:
// round-robin over the pool, a throttled member skipped, a streamed
// answer, the token limit's 429 with Retry-After, token metrics.
func TestDemoOpenAI(t *testing.T) {
	r := start(t, testSettings(t))
	startDemo(t, r)
	const body = `{"messages":[{"role":"user","content":"Say hello."}]}`
	seen := map[string]int{}
	for range 4 {
		resp, b := demoChat(t, r.url, body)
		if resp.StatusCode != 200 || !strings.Contains(b, `"usage"`) {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		seen[resp.Header.Get("x-served-by")]++
	}
	if seen["aoai-east"] != 2 || seen["aoai-west"] != 2 {
		t.Errorf("round-robin: %v", seen)
	}
	// A member that answers 429 trips its breaker; the retry takes the other.
	for range 2 { // whichever member is next, east throttles once
		resp, _ := demoChat(t, r.url, body, "x-fake-status", "aoai-east:429")
		if resp.StatusCode != 200 || resp.Header.Get("x-served-by") != "aoai-west" {
			t.Fatalf("east throttled: %d from %s", resp.StatusCode, resp.Header.Get("x-served-by"))
		}
	}
	for range 3 {
		if resp, _ := demoChat(t, r.url, body); resp.StatusCode != 200 || resp.Header.Get("x-served-by") != "aoai-west" {
			t.Errorf("east tripped: every call goes west, got %d from %s", resp.StatusCode, resp.Header.Get("x-served-by"))
		}
	}
	resp, b := demoChat(t, r.url, `{"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Say hello."}]}`)
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") || !strings.HasSuffix(b, "data: [DONE]\n\n") {
		t.Errorf("stream: %q %s", resp.Header.Get("Content-Type"), b)
	}
	// 300 tokens a minute: keep calling until refused.
	var refused *http.Response
	for range 30 {
		resp, _ := demoChat(t, r.url, body)
		if resp.StatusCode == 429 && resp.Header.Get("x-fake-backend") == "" {
			refused = resp
			break
		}
	}
	if refused == nil || refused.Header.Get("Retry-After") == "" {
		t.Fatalf("the token limit never answered 429 with Retry-After: %+v", refused)
	}
	_, metrics := get(t, r.admin+"/metrics")
	for _, want := range []string{`policygate_custom_Total_Tokens_sum{API_ID="openai",Backend_ID="aoai-west"`, `policygate_backend_circuit_trips_total{backend="aoai-east"} 1`, `policygate_backend_circuit_open{backend="aoai-east"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
