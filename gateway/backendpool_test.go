package gateway

import (
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway/fakeopenai"
	"github.com/policygate/policygate/policies/backendpool"
)

// frozenClock is a settable clock for breaker trips.
type frozenClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *frozenClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *frozenClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// aoai starts a fake Azure OpenAI deployment on loopback.
func aoai(t testing.TB, name string) (*fakeopenai.Service, string) {
	t.Helper()
	f := fakeopenai.New(name)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL + "/openai"
}

// poolConfig is an API "openai" whose inbound sets backend "pool" and whose
// backend section retries forward-request on 429 and 5xx (the documented
// AI-gateway pattern).
func poolConfig(backends map[string]*engine.Backend) *engine.Config {
	cfg := baseConfig("http://127.0.0.1:1")
	cfg.APIs[0].Path = "openai"
	cfg.Backends = backends
	cfg.APIs[0].Policy = doc(`<policies><inbound><base/><set-backend-service backend-id="pool"/></inbound>
<backend><retry condition="@(context.Response.StatusCode == 429 || context.Response.StatusCode >= 500)" count="3" interval="0" first-fast-retry="true"><forward-request buffer-request-body="true"/></retry></backend>
<outbound><base/></outbound><on-error><base/></on-error></policies>`)
	return cfg
}

const chatBody = `{"messages":[{"role":"user","content":"Say hello."}]}`

func chat(t testing.TB, gw string) result {
	t.Helper()
	return call(t, "POST", gw+"/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", map[string]string{"Content-Type": "application/json"}, chatBody)
}

var on429 = []backendpool.Rule{{Name: "throttled", Count: 1, Interval: time.Minute, StatusCodeRanges: []backendpool.Range{{Min: 429, Max: 429}}, TripDuration: time.Minute, AcceptRetryAfter: true}}

func TestPoolPriorityFailoverOn429(t *testing.T) {
	a, aURL := aoai(t, "primary")
	b, bURL := aoai(t, "secondary")
	clock := &frozenClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	gw := newGW(t, poolConfig(map[string]*engine.Backend{
		"primary":   {ID: "primary", URL: aURL, CircuitBreaker: on429},
		"secondary": {ID: "secondary", URL: bURL},
		"pool":      {ID: "pool", Pool: []backendpool.Member{{ID: "primary", Priority: 1}, {ID: "secondary", Priority: 2}}},
	}), WithClock(clock.now))
	if r := chat(t, gw.URL); r.status != 200 || r.header.Get("x-fake-backend") != "primary" {
		t.Fatalf("priority 1 first: %d %s %s", r.status, r.header.Get("x-fake-backend"), r.body)
	}
	a.Queue(fakeopenai.Answer{Status: 429, RetryAfter: 10})
	r := chat(t, gw.URL)
	if r.status != 200 || r.header.Get("x-fake-backend") != "secondary" {
		t.Fatalf("after a 429 the retry goes to priority 2: %d %s %s", r.status, r.header.Get("x-fake-backend"), r.body)
	}
	if a.Calls() != 2 || b.Calls() != 1 {
		t.Errorf("calls primary %d secondary %d", a.Calls(), b.Calls())
	}
	// Retry-After (10 s) wins over tripDuration (1 min) with acceptRetryAfter.
	clock.add(9 * time.Second)
	if r := chat(t, gw.URL); r.header.Get("x-fake-backend") != "secondary" {
		t.Errorf("still tripped at 9 s: %s", r.header.Get("x-fake-backend"))
	}
	clock.add(2 * time.Second)
	if r := chat(t, gw.URL); r.header.Get("x-fake-backend") != "primary" {
		t.Errorf("primary back after its Retry-After: %s", r.header.Get("x-fake-backend"))
	}
}

func TestPoolWeightedSpread(t *testing.T) {
	a, aURL := aoai(t, "a")
	b, bURL := aoai(t, "b")
	c, cURL := aoai(t, "c")
	gw := newGW(t, poolConfig(map[string]*engine.Backend{
		"a":    {ID: "a", URL: aURL},
		"b":    {ID: "b", URL: bURL},
		"c":    {ID: "c", URL: cURL},
		"pool": {ID: "pool", Pool: []backendpool.Member{{ID: "a", Weight: 3}, {ID: "b", Weight: 1}, {ID: "c", Weight: 1}}},
	}))
	for range 1000 {
		if r := chat(t, gw.URL); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
	for _, x := range []struct {
		f    *fakeopenai.Service
		want float64
	}{{a, 600}, {b, 200}, {c, 200}} {
		if got := float64(x.f.Calls()); got < x.want*0.9 || got > x.want*1.1 {
			t.Errorf("%s got %v calls, want %v ±10%%", x.f.Name, got, x.want)
		}
	}
}

func TestBreakerTripRecoveryAnd503(t *testing.T) {
	a, aURL := aoai(t, "single")
	clock := &frozenClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	rules := []backendpool.Rule{{Name: "errors", Count: 2, Interval: time.Minute, StatusCodeRanges: []backendpool.Range{{Min: 500, Max: 599}}, TripDuration: 30 * time.Second}}
	cfg := poolConfig(map[string]*engine.Backend{"pool": {ID: "pool", URL: aURL, CircuitBreaker: rules}})
	cfg.APIs[0].Policy = doc(`<policies><inbound><base/><set-backend-service backend-id="pool"/></inbound><backend><forward-request/></backend><outbound><base/></outbound><on-error><base/></on-error></policies>`)
	obs := &observed{}
	gw := newGW(t, cfg, WithClock(clock.now), WithObserver(obs.fn))
	a.Queue(fakeopenai.Answer{Status: 500}, fakeopenai.Answer{Status: 503})
	for i := range 2 {
		if r := chat(t, gw.URL); r.status < 500 || r.header.Get("x-fake-backend") != "single" {
			t.Fatalf("call %d: the backend's own error passes through: %d %s", i, r.status, r.body)
		}
	}
	r := chat(t, gw.URL)
	if r.status != 503 || r.header.Get("Retry-After") != "30" || a.Calls() != 2 {
		t.Fatalf("tripped: %d Retry-After %q, backend calls %d, %s", r.status, r.header.Get("Retry-After"), a.Calls(), r.body)
	}
	run, _ := obs.last(t)
	if le := run.Ctx.LastError; le == nil || le.Source != "forward-request" || le.Reason != "BackendCircuitBreakerOpen" {
		t.Errorf("LastError %+v", le)
	}
	clock.add(29 * time.Second)
	if r := chat(t, gw.URL); r.status != 503 || r.header.Get("Retry-After") != "1" {
		t.Errorf("at 29 s: %d %q", r.status, r.header.Get("Retry-After"))
	}
	clock.add(time.Second)
	if r := chat(t, gw.URL); r.status != 200 || a.Calls() != 3 {
		t.Errorf("after tripDuration: %d, calls %d", r.status, a.Calls())
	}
}

func TestPoolAllTripped503AndMetrics(t *testing.T) {
	a, aURL := aoai(t, "a")
	b, bURL := aoai(t, "b")
	clock := &frozenClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	set, err := LoadSettings("", func(string) (string, bool) { return "", false }, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(set, slog.New(slog.DiscardHandler), WithClock(clock.now))
	e, errs := engine.Compile(poolConfig(map[string]*engine.Backend{
		"a":    {ID: "a", URL: aURL, CircuitBreaker: on429},
		"b":    {ID: "b", URL: bURL, CircuitBreaker: on429},
		"pool": {ID: "pool", Pool: []backendpool.Member{{ID: "a"}, {ID: "b"}}},
	}), engine.Options{})
	if e == nil {
		t.Fatal(errs)
	}
	s.Activate(e)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	a.Queue(fakeopenai.Answer{Status: 429})
	b.Queue(fakeopenai.Answer{Status: 429})
	r := chat(t, srv.URL)
	if r.status != 503 || r.header.Get("Retry-After") != "60" {
		t.Fatalf("every member tripped: %d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	if a.Calls() != 1 || b.Calls() != 1 {
		t.Errorf("each member called once: %d %d", a.Calls(), b.Calls())
	}
	mr := httptest.NewRecorder()
	s.Metrics().Handler().ServeHTTP(mr, httptest.NewRequest("GET", "/metrics", nil))
	text, _ := io.ReadAll(mr.Body)
	for _, want := range []string{`policygate_backend_circuit_open{backend="a"} 1`, `policygate_backend_circuit_open{backend="b"} 1`, `policygate_backend_circuit_trips_total{backend="a"} 1`} {
		if !strings.Contains(string(text), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	clock.add(time.Minute)
	if r := chat(t, srv.URL); r.status != 200 {
		t.Errorf("after the trip: %d", r.status)
	}
	mr = httptest.NewRecorder()
	s.Metrics().Handler().ServeHTTP(mr, httptest.NewRequest("GET", "/metrics", nil))
	text, _ = io.ReadAll(mr.Body)
	if !strings.Contains(string(text), `policygate_backend_circuit_open{backend="a"} 0`) {
		t.Errorf("breaker a closed again:\n%s", grepLines(string(text), "circuit"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

var _ http.Handler = (*fakeopenai.Service)(nil)

func TestPoolMemberTLSAndCredentials(t *testing.T) {
	tlsFake := fakeopenai.New("tls")
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("api-key") != "key-tls" {
			http.Error(w, "wrong key", 401)
			return
		}
		tlsFake.ServeHTTP(w, r)
	}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake below
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	plain, plainURL := aoai(t, "plain")
	cfg := poolConfig(map[string]*engine.Backend{
		"tls":   {ID: "tls", URL: tlsSrv.URL + "/openai", SkipCertificateValidation: true, Header: map[string][]string{"api-key": {"key-tls"}}},
		"plain": {ID: "plain", URL: plainURL},
		"pool":  {ID: "pool", Pool: []backendpool.Member{{ID: "tls"}, {ID: "plain"}}},
	})
	gw := newGW(t, cfg)
	for range 4 {
		if r := chat(t, gw.URL); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
	if tlsFake.Calls() != 2 || plain.Calls() != 2 {
		t.Errorf("round-robin with each member's URL, key and TLS settings: tls %d plain %d", tlsFake.Calls(), plain.Calls())
	}
	// Without skipping validation the self-signed certificate is refused.
	cfg.Backends["tls"].SkipCertificateValidation = false
	gw = newGW(t, cfg)
	if r := chat(t, gw.URL); r.status != 500 || tlsFake.Calls() != 2 { // tls is first
		t.Errorf("certificate checked: %d, tls calls %d", r.status, tlsFake.Calls())
	}
}
