package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway"
	"github.com/policygate/policygate/gateway/demo"
)

// syncBuffer is a bytes.Buffer safe for a logger and a test reading it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testSettings(t testing.TB, kv ...string) *gateway.Settings {
	t.Helper()
	flags := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		flags[kv[i]] = kv[i+1]
	}
	s, err := gateway.LoadSettings("", nil, flags)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// running is a server serving on loopback listeners.
type running struct {
	srv        *gateway.Server
	url, admin string
	cancel     func()
	done       chan error
	log        *syncBuffer
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// start serves srv on fresh loopback ports until the test ends.
func start(t testing.TB, set *gateway.Settings, opts ...gateway.Option) *running {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := gateway.NewServer(set, log, opts...)
	ls := &gateway.Listeners{HTTP: listen(t), Admin: listen(t)}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{srv: srv, url: "http://" + ls.HTTP.Addr().String(), admin: "http://" + ls.Admin.Addr().String(), cancel: cancel, done: make(chan error, 1), log: logs}
	go func() { r.done <- srv.Serve(ctx, ls) }()
	t.Cleanup(func() {
		cancel()
		if err := <-r.done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return r
}

func get(t testing.TB, url string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
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

// startDemo starts the demo echo backend and activates the demo
// configuration on r.
func startDemo(t testing.TB, r *running) {
	t.Helper()
	be, err := demo.StartBackend()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	e, errs := engine.Compile(demo.Config(be.URL), engine.Options{})
	if e == nil || errs.HasErrors() {
		t.Fatal(errs)
	}
	r.srv.Activate(e)
}

func TestProbes(t *testing.T) {
	r := start(t, testSettings(t))
	for _, p := range []string{gateway.StatusPath, gateway.InternalStatusPath} {
		if resp, _ := get(t, r.url+p); resp.StatusCode != 503 {
			t.Errorf("%s before a configuration: %d, want 503", p, resp.StatusCode)
		}
	}
	if resp, _ := get(t, r.url+"/echo/hello"); resp.StatusCode != 503 {
		t.Errorf("request before a configuration: %d, want 503", resp.StatusCode)
	}
	startDemo(t, r)
	for _, base := range []string{r.url, r.admin} {
		for _, p := range []string{gateway.StatusPath, gateway.InternalStatusPath} {
			if resp, _ := get(t, base+p); resp.StatusCode != 200 {
				t.Errorf("%s%s after Activate: %d, want 200", base, p, resp.StatusCode)
			}
		}
	}
}

func TestDemoEcho(t *testing.T) {
	r := start(t, testSettings(t))
	startDemo(t, r)
	req, _ := http.NewRequest("POST", r.url+"/echo/hello?x=1&x=2", strings.NewReader(`{"a":1}`))
	req.Header.Set("User-Agent", "demo-test")
	req.Header.Set("X-Custom", "c")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var e demo.Echo
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	if e.Method != "POST" || e.Path != "/hello" || strings.Join(e.Query["x"], ",") != "1,2" || e.Body != `{"a":1}` {
		t.Errorf("echo = %+v", e)
	}
	if got := e.Headers["X-Greeting"]; len(got) != 1 || got[0] != demo.Greeting {
		t.Errorf("backend saw X-Greeting %q, want the named value %q", got, demo.Greeting)
	}
	if got := e.Headers["X-Custom"]; len(got) != 1 || got[0] != "c" {
		t.Errorf("backend saw X-Custom %q", got)
	}
	if got := resp.Header.Get("X-PolicyGate-Operation"); got != "Echo API / echo" {
		t.Errorf("X-PolicyGate-Operation = %q", got)
	}
	if got := resp.Header.Get("X-PolicyGate-Caller"); got != "demo-test" {
		t.Errorf("X-PolicyGate-Caller = %q", got)
	}
}

func TestAccessLogAndMetrics(t *testing.T) {
	r := start(t, testSettings(t))
	startDemo(t, r)
	for i := 0; i < 3; i++ {
		if resp, _ := get(t, r.url+"/echo/hello"); resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	if resp, _ := get(t, r.url+"/nowhere"); resp.StatusCode != 404 {
		t.Fatalf("status %d, want 404", resp.StatusCode)
	}
	r.srv.Metrics().Emit("orders placed", "shop", 2.5, map[string]string{"region": "eu"})
	r.srv.Metrics().Emit("orders placed", "shop", 1, map[string]string{"region": "eu"})
	_, body := get(t, r.admin+"/metrics")
	for _, want := range []string{
		`policygate_requests_total{api="echo",operation="echo",status_class="2xx"} 3`,
		`policygate_requests_total{api="",operation="",status_class="4xx"} 1`,
		`policygate_request_duration_seconds_count{api="echo",operation="echo",status_class="2xx"} 3`,
		`policygate_backend_duration_seconds_count{api="echo",operation="echo",status_class="2xx"} 3`,
		`policygate_client_duration_seconds_count{api="echo",operation="echo",status_class="2xx"} 3`,
		`policygate_gateway_duration_seconds_count{api="echo",operation="echo",status_class="2xx"} 3`,
		`policygate_gateway_duration_seconds_count{api="",operation="",status_class="4xx"} 1`,
		`policygate_config_reloads_total{result="failed"} 0`,
		`policygate_request_duration_seconds_bucket{api="echo",operation="echo",status_class="2xx",le="0.005"}`,
		`policygate_custom_orders_placed_sum{namespace="shop",region="eu"} 3.5`,
		`policygate_custom_orders_placed_count{namespace="shop",region="eu"} 2`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, `policygate_backend_duration_seconds_count{api="",operation="",status_class="4xx"}`) {
		t.Error("a 404 that called no backend recorded a backend duration")
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(r.log.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 4 {
		t.Fatalf("%d access lines, want 4:\n%s", len(lines), r.log.String())
	}
	l := lines[0]
	if l["api"] != "echo" || l["operation"] != "echo" || l["status"] != float64(200) || l["clientIp"] != "127.0.0.1" || l["requestId"] == "" {
		t.Errorf("access line %v", l)
	}
	if d, _ := l["durationMs"].(float64); d <= 0 {
		t.Errorf("durationMs %v", l["durationMs"])
	}
	if b, _ := l["backendDurationMs"].(float64); b <= 0 || b > l["durationMs"].(float64) {
		t.Errorf("backendDurationMs %v (total %v)", l["backendDurationMs"], l["durationMs"])
	}
	if _, ok := lines[3]["backendDurationMs"]; ok {
		t.Errorf("the 404's access line has a backend duration: %v", lines[3])
	}
}

func TestAuthFailureLogged(t *testing.T) {
	be := startEcho(t)
	r := start(t, testSettings(t))
	cfg := &engine.Config{
		APIs: []*engine.API{{ID: "orders", Path: "orders", ServiceURL: be, IsCurrent: true, SubscriptionRequired: true,
			Operations: []*engine.Operation{{ID: "list", Method: "GET", URLTemplate: "/items"}}}},
		Subscriptions: []*engine.Subscription{{ID: "s", PrimaryKey: "very-secret-key", Scope: "all", Active: true}},
	}
	e, errs := engine.Compile(cfg, engine.Options{})
	if e == nil {
		t.Fatal(errs)
	}
	r.srv.Activate(e)
	if resp, _ := get(t, r.url+"/orders/items"); resp.StatusCode != 401 {
		t.Fatalf("no key: %d", resp.StatusCode)
	}
	if resp, _ := get(t, r.url+"/orders/items", "Ocp-Apim-Subscription-Key", "wrong-key-value"); resp.StatusCode != 401 {
		t.Fatalf("wrong key: %d", resp.StatusCode)
	}
	if resp, _ := get(t, r.url+"/orders/items", "Ocp-Apim-Subscription-Key", "very-secret-key"); resp.StatusCode != 200 {
		t.Fatalf("good key: %d", resp.StatusCode)
	}
	logs := r.log.String()
	for _, want := range []string{`"msg":"auth failure"`, `"reason":"SubscriptionKeyNotFound"`, `"reason":"SubscriptionKeyInvalid"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
	if n := strings.Count(logs, `"msg":"auth failure"`); n != 2 {
		t.Errorf("%d auth failure lines, want 2", n)
	}
	for _, secret := range []string{"wrong-key-value", "very-secret-key"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain the key %q", secret)
		}
	}
}

// startEcho starts the demo echo handler on loopback and returns its URL.
func startEcho(t testing.TB) string {
	t.Helper()
	be, err := demo.StartBackend()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	return be.URL
}

func TestTraceWithDebugToken(t *testing.T) {
	r := start(t, testSettings(t, "debug.token", "let-me-see"))
	startDemo(t, r)
	resp, body := get(t, r.url+"/echo/hello", gateway.DebugAuthHeader, "let-me-see")
	id := resp.Header.Get(gateway.TraceIDHeader)
	if resp.StatusCode != 200 || id == "" {
		t.Fatalf("status %d, trace id %q", resp.StatusCode, id)
	}
	if strings.Contains(body, "let-me-see") || strings.Contains(body, gateway.DebugAuthHeader) {
		t.Errorf("the debug token reached the backend: %s", body)
	}
	tr, tbody := get(t, r.admin+"/trace/"+id)
	if tr.StatusCode != 200 {
		t.Fatalf("/trace/%s: %d %s", id, tr.StatusCode, tbody)
	}
	var rec gateway.TraceRecord
	if err := json.Unmarshal([]byte(tbody), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.ID != id || rec.API != "echo" || rec.Status != 200 || rec.RequestID == "" {
		t.Errorf("trace record %+v", rec)
	}
	policies := map[string]int{}
	for _, e := range rec.Entries {
		policies[e.Policy]++
	}
	if policies["set-header"] != 3 || policies["set-variable"] != 1 || policies["forward-request"] != 1 {
		t.Errorf("trace entries by policy %v, want 3 set-header, 1 set-variable, 1 forward-request", policies)
	}

	// a wrong token and no token: no tracing, nothing stored
	for _, hdr := range [][]string{{gateway.DebugAuthHeader, "guess"}, nil} {
		resp, body := get(t, r.url+"/echo/hello", hdr...)
		if resp.StatusCode != 200 || resp.Header.Get(gateway.TraceIDHeader) != "" {
			t.Errorf("header %v: status %d, trace id %q", hdr, resp.StatusCode, resp.Header.Get(gateway.TraceIDHeader))
		}
		if strings.Contains(body, "guess") {
			t.Errorf("a debug header reached the backend: %s", body)
		}
	}
	if !strings.Contains(r.log.String(), `"traceId":"`+id+`"`) {
		t.Errorf("access line lacks the trace id:\n%s", r.log.String())
	}
	if n := r.srv.Traces().Len(); n != 1 {
		t.Errorf("%d traces stored, want 1", n)
	}
	if resp, _ := get(t, r.admin+"/trace/unknown"); resp.StatusCode != 404 {
		t.Errorf("unknown trace: %d", resp.StatusCode)
	}
}

func TestTraceStoreBounded(t *testing.T) {
	s := gateway.NewTraceStore(2)
	for _, id := range []string{"a", "b", "c"} {
		s.Put(&gateway.TraceRecord{ID: id})
	}
	if _, ok := s.Get("a"); ok {
		t.Error("oldest trace kept past the bound")
	}
	for _, id := range []string{"b", "c"} {
		if _, ok := s.Get(id); !ok {
			t.Errorf("trace %s dropped", id)
		}
	}
	if s.Len() != 2 {
		t.Errorf("Len %d", s.Len())
	}
}

func TestGracefulDrain(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	slow := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "finished")
	})}
	bln := listen(t)
	go slow.Serve(bln)
	defer slow.Close()

	set := testSettings(t, "net.server.shutdown.timeout", "10s")
	logs := &syncBuffer{}
	srv := gateway.NewServer(set, slog.New(slog.NewTextHandler(logs, nil)))
	cfg := &engine.Config{APIs: []*engine.API{{ID: "slow", Path: "slow", ServiceURL: "http://" + bln.Addr().String(), IsCurrent: true,
		Operations: []*engine.Operation{{ID: "get", Method: "GET", URLTemplate: "/*"}}}}}
	e, errs := engine.Compile(cfg, engine.Options{})
	if e == nil {
		t.Fatal(errs)
	}
	srv.Activate(e)
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, &gateway.Listeners{HTTP: ln}) }()

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow/x")
		if err != nil {
			got <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- result{status: resp.StatusCode, body: string(b)}
	}()
	<-entered
	cancel() // SIGTERM
	// the listener closes at once while the slow request is still running
	deadline := time.Now().Add(2 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), 100*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("listener still accepting after shutdown started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case <-done:
		t.Fatal("Serve returned before the in-flight request finished")
	default:
	}
	close(release)
	res := <-got
	if res.err != nil || res.status != 200 || res.body != "finished" {
		t.Errorf("in-flight request: %+v", res)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func TestForwardedProto(t *testing.T) {
	be := startEcho(t)
	cfg := &engine.Config{APIs: []*engine.API{{ID: "s", Path: "s", ServiceURL: be, IsCurrent: true,
		Policy:     doc(`<policies><inbound><base/></inbound><backend><base/></backend><outbound><base/><set-header name="X-Scheme" exists-action="override"><value>@(context.Request.OriginalUrl.Scheme)</value></set-header></outbound></policies>`),
		Operations: []*engine.Operation{{ID: "get", Method: "GET", URLTemplate: "/*"}}}}}
	for _, on := range []string{"true", "false"} {
		r := start(t, testSettings(t, "net.server.http.forwarded.proto.enabled", on))
		e, errs := engine.Compile(cfg, engine.Options{})
		if e == nil {
			t.Fatal(errs)
		}
		r.srv.Activate(e)
		resp, _ := get(t, r.url+"/s/x", "X-Forwarded-Proto", "https")
		want := map[string]string{"true": "https", "false": "http"}[on]
		if got := resp.Header.Get("X-Scheme"); got != want {
			t.Errorf("forwarded.proto.enabled=%s: scheme %q, want %q", on, got, want)
		}
	}
}

func doc(s string) *engine.PolicyDoc { return &engine.PolicyDoc{File: "t.xml", Source: []byte(s)} }
