package gateway_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway"
)

// loadbench levels: connections, requests per round, rounds per side.
var lbLevels = []struct{ conns, requests, rounds int }{
	{1, 600, 6},
	{64, 3000, 6},
	{256, 4000, 6},
}

const lbRoleEnv = "POLICYGATE_LOADBENCH_ROLE"

// TestLoadbenchServerProcess is the server side of
// BenchmarkLoopbackVsReverseProxy, run in a child process (it skips
// otherwise): the PolicyGate server or the bare proxy in front of the
// backend named by POLICYGATE_LOADBENCH_BACKEND. It prints its address and
// serves until its standard input closes.
func TestLoadbenchServerProcess(t *testing.T) {
	role := os.Getenv(lbRoleEnv)
	if role == "" {
		t.Skip("run by BenchmarkLoopbackVsReverseProxy")
	}
	backend := os.Getenv("POLICYGATE_LOADBENCH_BACKEND")
	var h http.Handler
	switch role {
	case "gateway":
		srv := gateway.NewServer(testSettings(t), slog.New(slog.NewJSONHandler(io.Discard, nil)))
		cfg := &engine.Config{APIs: []*engine.API{{ID: "bench", Name: "bench", Path: "bench", ServiceURL: backend, IsCurrent: true,
			Policy:     &engine.PolicyDoc{File: "bench.xml", Source: []byte(benchPolicy)},
			Operations: []*engine.Operation{{ID: "get", Method: "GET", URLTemplate: "/*"}}}}}
		e, errs := engine.Compile(cfg, engine.Options{})
		if e == nil {
			t.Fatal(errs)
		}
		srv.Activate(e)
		h = srv
	case "proxy":
		target, _ := http.NewRequest("GET", backend, nil)
		h = &httputil.ReverseProxy{
			Transport: gateway.DefaultTransport(),
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target.URL)
				pr.SetXForwarded()
				pr.Out.URL.Path = strings.TrimPrefix(pr.In.URL.Path, "/bench")
				pr.Out.Header.Set("X-Method", pr.In.Method)
				pr.Out.Header.Set("X-Path", pr.Out.URL.Path)
			},
			ModifyResponse: func(r *http.Response) error {
				r.Header.Set("X-Status", strconv.Itoa(r.StatusCode))
				r.Header.Set("X-Api", strings.ToUpper("bench"))
				return nil
			},
		}
	default:
		t.Fatalf("unknown role %q", role)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go s.Serve(ln)
	fmt.Printf("listening http://%s\n", ln.Addr())
	io.Copy(io.Discard, os.Stdin)
	s.Close()
}

// lbChild is one server process of the load benchmark.
type lbChild struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	url   string
}

func startLBChild(b *testing.B, role, backend string) *lbChild {
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadbenchServerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), lbRoleEnv+"="+role, "POLICYGATE_LOADBENCH_BACKEND="+backend)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	c := &lbChild{cmd: cmd, stdin: stdin}
	b.Cleanup(func() { stdin.Close(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
			c.url = u + "/bench/items/42"
			break
		}
	}
	if c.url == "" {
		b.Fatalf("%s server did not start", role)
	}
	go io.Copy(io.Discard, out)
	return c
}

// cpu is the child's user+system CPU time so far.
func (c *lbChild) cpu() time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which is in parentheses): utime is
	// the 12th, stime the 13th, in clock ticks (100 per second on Linux).
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond
}

// rss is the child's resident set size.
func (c *lbChild) rss() uint64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// lbSide is what one server did at one level.
type lbSide struct {
	rounds  []round
	cpu     time.Duration
	peakRSS uint64
}

func (s *lbSide) requests() int {
	n := 0
	for _, r := range s.rounds {
		n += len(r.latencies)
	}
	return n
}

// pooledRPS is all requests over all rounds' time.
func (s *lbSide) pooledRPS() float64 {
	var t time.Duration
	for _, r := range s.rounds {
		t += r.took
	}
	return float64(s.requests()) / t.Seconds()
}

// round runs one round against c, charging its CPU time and sampling its RSS.
func (s *lbSide) round(client *http.Client, c *lbChild, n, conns int) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if r := c.rss(); r > s.peakRSS {
				s.peakRSS = r
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	before := c.cpu()
	s.rounds = append(s.rounds, runRoundC(client, c.url, n, conns))
	s.cpu += c.cpu() - before
	close(stop)
	wg.Wait()
}

// BenchmarkLoopbackVsReverseProxy measures the real server (listener,
// access log, metrics, a 4-expression policy, forward-request) against a
// tuned bare httputil.ReverseProxy doing the same header work, each in its
// own child process, in front of the same backend and sent the same URL,
// at 1, 64 and 256 keep-alive connections, in interleaved rounds (the
// order alternates each round). The backend and the load generator run in
// this process; the machine's other load weighs on both sides.
//
// For each level it reports: ratio-median, the median over rounds of
// gateway rps / proxy rps with each gateway round paired with the proxy
// round beside it; ratio-pooled, all gateway requests over all gateway
// round time against the same for the proxy (the two agree when rounds are
// steady; when they disagree, the run was noisy); rps pooled for each; CPU
// µs per request of each server process from /proc (10 ms ticks summed over
// all rounds); and each process's peak RSS up to that level.
func BenchmarkLoopbackVsReverseProxy(b *testing.B) {
	backend := serveLoop(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true,"items":[1,2,3]}`))
	}))
	gw := startLBChild(b, "gateway", backend)
	px := startLBChild(b, "proxy", backend)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxIdleConns: 1024}}
	for _, c := range []*lbChild{gw, px} {
		resp, err := client.Get(c.url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("X-Api") != "BENCH" || resp.Header.Get("X-Status") != "200" {
			b.Fatalf("%s: %d %v", c.url, resp.StatusCode, resp.Header)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var lines []string
		for _, lv := range lbLevels {
			var g, p lbSide
			runRoundC(client, gw.url, lv.requests/4, lv.conns) // warm-up
			runRoundC(client, px.url, lv.requests/4, lv.conns)
			for r := 0; r < lv.rounds; r++ {
				if r%2 == 0 {
					g.round(client, gw, lv.requests, lv.conns)
					p.round(client, px, lv.requests, lv.conns)
				} else {
					p.round(client, px, lv.requests, lv.conns)
					g.round(client, gw, lv.requests, lv.conns)
				}
			}
			gs, ps := summarize(g.rounds), summarize(p.rounds)
			if gs.errors+ps.errors > 0 {
				b.Fatalf("c%d errors: gateway %d, proxy %d", lv.conns, gs.errors, ps.errors)
			}
			pre := fmt.Sprintf("c%d-", lv.conns)
			gCPU := float64(g.cpu.Microseconds()) / float64(g.requests())
			pCPU := float64(p.cpu.Microseconds()) / float64(p.requests())
			b.ReportMetric(pairedRatio(g.rounds, p.rounds), pre+"ratio-median")
			b.ReportMetric(g.pooledRPS()/p.pooledRPS(), pre+"ratio-pooled")
			b.ReportMetric(g.pooledRPS(), pre+"gw-rps")
			b.ReportMetric(p.pooledRPS(), pre+"proxy-rps")
			b.ReportMetric(gCPU, pre+"gw-cpu-µs/req")
			b.ReportMetric(pCPU, pre+"proxy-cpu-µs/req")
			b.ReportMetric(float64(g.peakRSS)/(1<<20), pre+"gw-rss-MiB")
			b.ReportMetric(float64(p.peakRSS)/(1<<20), pre+"proxy-rss-MiB")
			lines = append(lines, fmt.Sprintf("-c%-4d ratio median %.2f pooled %.2f | rps gw %7.0f proxy %7.0f | CPU µs/req gw %6.1f proxy %6.1f (%.2f×) | p50 µs gw %5d proxy %5d | RSS MiB gw %5.1f proxy %5.1f",
				lv.conns, pairedRatio(g.rounds, p.rounds), g.pooledRPS()/p.pooledRPS(), g.pooledRPS(), p.pooledRPS(),
				gCPU, pCPU, gCPU/pCPU, gs.p50.Microseconds(), ps.p50.Microseconds(), float64(g.peakRSS)/(1<<20), float64(p.peakRSS)/(1<<20)))
		}
		b.Log("gateway vs bare proxy (separate processes, interleaved rounds):\n" + strings.Join(lines, "\n"))
	}
}
