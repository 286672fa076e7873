package gateway

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/policygate/policygate/engine"
)

// BenchmarkGatewayAPIsLoaded measures the same request with 1 and with
// 1,000 APIs loaded (each with its own policy and three operations), in
// the same run; routing is a map lookup, so the two should cost the same.
func BenchmarkGatewayAPIsLoaded(b *testing.B) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte(`{"ok":true}`))
	}))
	defer be.Close()
	policy := `<policies><inbound><base/><set-header name="X-Api" exists-action="override"><value>@(context.Api.Name)</value></set-header></inbound><backend><base/></backend><outbound><base/></outbound></policies>`
	for _, n := range []int{1, 1000} {
		cfg := &engine.Config{}
		for i := range n {
			cfg.APIs = append(cfg.APIs, &engine.API{
				ID: fmt.Sprintf("api%d", i), Name: fmt.Sprintf("api%d", i), Path: fmt.Sprintf("api%d", i), ServiceURL: be.URL, IsCurrent: true,
				Policy:     doc(policy),
				Operations: []*engine.Operation{op("list", "GET", "/items"), op("get", "GET", "/items/{id}"), op("post", "POST", "/items")},
			})
		}
		g, errs := New(cfg, WithLogger(nil))
		if g == nil {
			b.Fatal(errs)
		}
		b.Run(fmt.Sprintf("apis=%d", n), func(b *testing.B) {
			req := httptest.NewRequest("GET", "http://gw.test/api0/items/42", nil)
			b.ReportAllocs()
			gc0 := gcCPU()
			for b.Loop() {
				w := httptest.NewRecorder()
				g.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
			b.ReportMetric((gcCPU()-gc0)*1e6/float64(b.N), "gc-cpu-µs/op")
		})
	}
}

// gcCPU is the CPU time the garbage collector has used, in seconds.
func gcCPU() float64 {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	return s[0].Value.Float64()
}

// BenchmarkGatewayBytesPerAPI reports the heap a loaded API holds
// (bytes/api): a configuration of 1,000 APIs like those of
// BenchmarkGatewayAPIsLoaded, less one of a single API.
func BenchmarkGatewayBytesPerAPI(b *testing.B) {
	policy := `<policies><inbound><base/><set-header name="X-Api" exists-action="override"><value>@(context.Api.Name)</value></set-header></inbound><backend><base/></backend><outbound><base/></outbound></policies>`
	build := func(n int) *Gateway {
		cfg := &engine.Config{}
		for i := range n {
			cfg.APIs = append(cfg.APIs, &engine.API{
				ID: fmt.Sprintf("api%d", i), Name: fmt.Sprintf("api%d", i), Path: fmt.Sprintf("api%d", i), ServiceURL: "http://127.0.0.1:1", IsCurrent: true,
				Policy:     doc(policy),
				Operations: []*engine.Operation{op("list", "GET", "/items"), op("get", "GET", "/items/{id}"), op("post", "POST", "/items")},
			})
		}
		g, errs := New(cfg, WithLogger(nil))
		if g == nil {
			b.Fatal(errs)
		}
		return g
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var per float64
	for b.Loop() {
		h0 := heap()
		one := build(1)
		h1 := heap()
		many := build(1000)
		h2 := heap()
		per = (float64(h2-h1) - float64(h1-h0)) / 999
		runtime.KeepAlive(one)
		runtime.KeepAlive(many)
	}
	b.ReportMetric(per, "bytes/api")
}
