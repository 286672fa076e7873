package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policygate/policygate/gateway/fakeopenai"
)

// BenchmarkStreamedChat streams a chat completion (SSE) through the
// gateway with buffer-response="false": "plain" forwards only;
// "token-metric" adds llm-emit-token-metric and "token-limit"
// llm-token-limit, whose meter reads the usage as the stream passes (the
// limit also counts the streamed request's prompt at admission).
// ttft-ns is the time to the first byte of the answer.
var benchMu sync.Mutex

func BenchmarkStreamedChat(b *testing.B) {
	f := fakeopenai.New("bench")
	f.ChunkDelay = 0
	srv := httptest.NewServer(f)
	b.Cleanup(srv.Close)
	body := `{"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Say hello."}]}`
	for _, mode := range []struct{ name, inbound string }{
		{"plain", ""},
		{"token-metric", `<llm-emit-token-metric><dimension name="API ID"/></llm-emit-token-metric>`},
		{"token-limit", `<llm-token-limit counter-key="@(context.RequestId.ToString())" tokens-per-minute="1000000" estimate-prompt-tokens="false"/>`},
	} {
		b.Run(mode.name, func(b *testing.B) {
			gw := newGW(b, llmConfig(srv.URL+"/openai", mode.inbound))
			url := gw.URL + "/openai/deployments/gpt-4o/chat/completions"
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
			var ttft time.Duration
			var n int
			b.SetParallelism(32) // 64 concurrent streams on 2 cores
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var local time.Duration
				var k int
				for pb.Next() {
					req, _ := http.NewRequest("POST", url, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("x-mode", "stream")
					start := time.Now()
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					var one [1]byte
					resp.Body.Read(one[:])
					local += time.Since(start)
					k++
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				benchMu.Lock()
				ttft += local
				n += k
				benchMu.Unlock()
			})
			if n > 0 {
				b.ReportMetric(float64(ttft.Nanoseconds())/float64(n), "ttft-ns")
			}
		})
	}
}
