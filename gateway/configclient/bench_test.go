package configclient_test

import (
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/policygate/policygate/gateway"
)

// BenchmarkEditToServed3 measures the time from a file edit on the
// server to all three gateways serving it (watcher debounce 30 ms
// included); it reports the median as ms/edit.
func BenchmarkEditToServed3(b *testing.B) {
	f := newFleet(b)
	gws := make([]*gw, 3)
	for i := range 3 {
		f.assign(fmt.Sprint("gw", i), "api-x")
	}
	f.start()
	for i := range 3 {
		n := fmt.Sprint("gw", i)
		kf := f.keysFor(n, "")
		tok := f.token(n, kf.Primary, time.Now().Add(time.Hour))
		gws[i] = f.gateway(n, func(s *gateway.ServiceSettings) { s.Auth = tok })
		eventually(b, 5*time.Second, "serves", gws[i].serves(b, "/x/hello", "x-v1"))
	}
	var took []time.Duration
	v := 0
	for b.Loop() {
		v++
		body := fmt.Sprint("x-e", v)
		start := time.Now()
		f.setBody("api-x", body)
		for _, g := range gws {
			eventually(b, 5*time.Second, "edit served", g.serves(b, "/x/hello", body))
		}
		took = append(took, time.Since(start))
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms/edit-median")
}

// BenchmarkIdlePolls100 holds 100 gateways' long polls on the server
// (no change happens) and reports the process CPU time per second of
// wall time; the pollers run in the same process, so it is an upper
// bound of the server's share.
func BenchmarkIdlePolls100(b *testing.B) {
	f := newFleet(b)
	f.assign("idle", "api-x")
	tok := f.token("idle", f.keysFor("idle", "").Primary, time.Now().Add(time.Hour))
	f.start()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: f.pki.clientTLS(), MaxIdleConnsPerHost: 200}}
	get := func(etag string) string {
		req, _ := http.NewRequest("GET", "https://"+f.addr+"/gateways/idle/snapshot?wait=2", nil)
		req.Header.Set("Authorization", tok)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Error(err)
			return etag
		}
		resp.Body.Close()
		return resp.Header.Get("ETag")
	}
	etag := get("")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				get(etag)
			}
		}()
	}
	time.Sleep(500 * time.Millisecond) // connections established
	runtime.GC()                       // leave earlier benchmarks' garbage out
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	c0, w0 := cpu(), time.Now()
	for b.Loop() {
		time.Sleep(100 * time.Millisecond)
	}
	c1, w1 := cpu(), time.Now()
	close(stop)
	wg.Wait()
	b.ReportMetric(float64((c1-c0).Microseconds())/1000/w1.Sub(w0).Seconds(), "cpu-ms/s")
}
