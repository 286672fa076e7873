package gateway_test

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway"
)

// loadbench sizes: bounded so one run takes a few seconds.
const (
	lbRounds      = 8    // interleaved rounds per server
	lbRequests    = 3000 // requests per round
	lbConcurrency = 32
)

// benchPolicy has four expressions: two request headers in inbound, two
// response headers in outbound.
const benchPolicy = `<policies>
  <inbound>
    <base />
    <set-header name="X-Method" exists-action="override"><value>@(context.Request.Method)</value></set-header>
    <set-header name="X-Path" exists-action="override"><value>@(context.Request.Url.Path)</value></set-header>
  </inbound>
  <backend><base /></backend>
  <outbound>
    <base />
    <set-header name="X-Status" exists-action="override"><value>@(context.Response.StatusCode.ToString())</value></set-header>
    <set-header name="X-Api" exists-action="override"><value>@(context.Api.Name.ToUpper())</value></set-header>
  </outbound>
</policies>`

func serveLoop(b *testing.B, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go s.Serve(ln)
	b.Cleanup(func() { s.Close() })
	return "http://" + ln.Addr().String()
}

type round struct {
	took      time.Duration
	latencies []time.Duration
	errors    int
}

// runRound sends n GETs from lbConcurrency goroutines.
func runRound(client *http.Client, url string, n int) round {
	return runRoundC(client, url, n, lbConcurrency)
}

// runRoundC sends n GETs from c goroutines.
func runRoundC(client *http.Client, url string, n, c int) round {
	var next atomic.Int64
	var mu sync.Mutex
	r := round{latencies: make([]time.Duration, 0, n)}
	var wg sync.WaitGroup
	start := time.Now()
	for g := 0; g < c; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, n/c+1)
			errs := 0
			for next.Add(1) <= int64(n) {
				t0 := time.Now()
				resp, err := client.Get(url)
				if err != nil {
					errs++
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs++
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			r.latencies = append(r.latencies, lat...)
			r.errors += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	r.took = time.Since(start)
	return r
}

type summary struct {
	rps      float64
	p50, p99 time.Duration
	errors   int
}

// summarize takes the median round's rate and the percentiles over all
// requests.
func summarize(rs []round) summary {
	var s summary
	var all []time.Duration
	rates := make([]float64, 0, len(rs))
	for _, r := range rs {
		rates = append(rates, float64(len(r.latencies))/r.took.Seconds())
		all = append(all, r.latencies...)
		s.errors += r.errors
	}
	sort.Float64s(rates)
	s.rps = rates[len(rates)/2]
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	if len(all) > 0 {
		s.p50 = all[len(all)/2]
		s.p99 = all[len(all)*99/100]
	}
	return s
}

// pairedRatio is the median over rounds of gateway rps / proxy rps, each
// gateway round paired with the proxy round run next to it, so load from
// outside the benchmark weighs on both sides of each ratio.
func pairedRatio(gw, px []round) float64 {
	rs := make([]float64, len(gw))
	for i := range gw {
		rs[i] = (float64(len(gw[i].latencies)) / gw[i].took.Seconds()) / (float64(len(px[i].latencies)) / px[i].took.Seconds())
	}
	sort.Float64s(rs)
	return rs[len(rs)/2]
}

// memNow returns the in-use heap after a GC and the process RSS.
func memNow() (heap, rss uint64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse, readRSS()
}

func sampleMem(stop <-chan struct{}, heap, rss *atomic.Uint64) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > heap.Load() {
				heap.Store(m.HeapInuse)
			}
			if r := readRSS(); r > rss.Load() {
				rss.Store(r)
			}
		}
	}
}

// readRSS reads VmRSS from /proc (0 where there is none).
func readRSS() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			var kb uint64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(l, "VmRSS:"), "kB")), &kb)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkServerLayer measures what the server adds around the gateway
// (context value, status writer, metrics, a JSON access line to
// io.Discard): the same request through Gateway.ServeHTTP and through
// Server.ServeHTTP, in process, with the 4-expression policy and a
// loopback backend.
func BenchmarkServerLayer(b *testing.B) {
	backend := serveLoop(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"ok":true}`))
	}))
	cfg := func() *engine.Config {
		return &engine.Config{APIs: []*engine.API{{ID: "bench", Name: "bench", Path: "bench", ServiceURL: backend, IsCurrent: true,
			Policy:     &engine.PolicyDoc{File: "bench.xml", Source: []byte(benchPolicy)},
			Operations: []*engine.Operation{{ID: "get", Method: "GET", URLTemplate: "/*"}}}}}
	}
	g, errs := gateway.New(cfg(), gateway.WithLogger(slog.New(slog.DiscardHandler)))
	if g == nil {
		b.Fatal(errs)
	}
	srv := gateway.NewServer(testSettings(b), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	srv.Activate(g.Engine())
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"gateway", g}, {"server", srv}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest("GET", "http://gw.test/bench/items/42", nil)
				w := httptest.NewRecorder()
				c.h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
