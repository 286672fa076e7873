package gateway_test

import (
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway"
	"github.com/policygate/policygate/policies/state/redisstate/redistest"
)

// BenchmarkRateLimitByKeyRedisVsMemory measures the server with a
// rate-limit-by-key whose counter lives on a loopback redis-server
// against the same server with the in-memory counter, in interleaved
// rounds (as BenchmarkLoopbackVsReverseProxy). Redis, both servers, the
// backend and the load generator share the machine, so the figures are
// relative. Reported: rps of each, the median paired ratio redis/memory,
// and p50/p99 of each with the p99 Redis adds.
func BenchmarkRateLimitByKeyRedisVsMemory(b *testing.B) {
	srv := redistest.Start(b)
	backend := serveLoop(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	cfg := &engine.Config{APIs: []*engine.API{{ID: "b", Path: "b", ServiceURL: backend, IsCurrent: true,
		Policy:     doc(`<policies><inbound><base/><rate-limit-by-key calls="100000000" renewal-period="60" counter-key="@(context.Request.IpAddress)" /></inbound><backend><base/></backend><outbound><base/></outbound></policies>`),
		Operations: []*engine.Operation{{ID: "get", Method: "GET", URLTemplate: "/*"}}}}}
	serve := func(kv ...string) string {
		s := gateway.NewServer(testSettings(b, kv...), slog.New(slog.DiscardHandler))
		b.Cleanup(func() { s.CloseState() })
		e, errs := engine.Compile(cfg, engine.Options{})
		if e == nil || errs.HasErrors() {
			b.Fatal(errs)
		}
		s.Activate(e)
		return serveLoop(b, s) + "/b/x"
	}
	memURL := serve()
	redisURL := serve("cache.redis.url", srv.URL(), "cache.redis.prefix", "bench:")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: lbConcurrency}}
	for _, u := range []string{memURL, redisURL} {
		if r := runRound(client, u, 10); r.errors > 0 {
			b.Fatalf("%s: %d errors", u, r.errors)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var rd, mem []round
		runRound(client, redisURL, lbRequests/4) // warm-up
		runRound(client, memURL, lbRequests/4)
		for r := 0; r < lbRounds; r++ {
			if r%2 == 0 {
				rd = append(rd, runRound(client, redisURL, lbRequests/2))
				mem = append(mem, runRound(client, memURL, lbRequests/2))
			} else {
				mem = append(mem, runRound(client, memURL, lbRequests/2))
				rd = append(rd, runRound(client, redisURL, lbRequests/2))
			}
		}
		r, m := summarize(rd), summarize(mem)
		if r.errors+m.errors > 0 {
			b.Fatalf("errors: redis %d, memory %d", r.errors, m.errors)
		}
		b.ReportMetric(r.rps, "redis-rps")
		b.ReportMetric(m.rps, "memory-rps")
		b.ReportMetric(pairedRatio(rd, mem), "ratio")
		b.ReportMetric(float64(r.p50.Microseconds()), "redis-p50-µs")
		b.ReportMetric(float64(r.p99.Microseconds()), "redis-p99-µs")
		b.ReportMetric(float64(m.p50.Microseconds()), "memory-p50-µs")
		b.ReportMetric(float64(m.p99.Microseconds()), "memory-p99-µs")
		b.ReportMetric(float64((r.p99 - m.p99).Microseconds()), "added-p99-µs")
	}
}
