package gateway

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policygate/policygate/engine"
)

func withPolicy(cfg *engine.Config, policy string) *engine.Config {
	cfg.APIs[0].Policy = doc(policy)
	return cfg
}

const body500 = `{"statusCode":500,"message":"Internal server error","activityId":"`

func TestBackendTimeout(t *testing.T) {
	be := newBackend(t)
	obs := &observed{}
	gw := newGW(t, withPolicy(baseConfig(be.URL), `<policies><inbound><base/></inbound><backend><forward-request timeout-ms="100"/></backend><outbound/><on-error><base/></on-error></policies>`), WithObserver(obs.fn))
	start := time.Now()
	r := call(t, "GET", gw.URL+"/echo/slow", nil, "")
	if d := time.Since(start); d > time.Second {
		t.Errorf("timeout took %v", d)
	}
	if r.status != 500 || !strings.HasPrefix(r.body, body500) {
		t.Errorf("timeout answer %d %s", r.status, r.body)
	}
	run, _ := obs.last(t)
	le := run.Ctx.LastError
	if le == nil || le.Source != "forward-request" || le.Reason != "Timeout" || le.Message != "Request to the backend service timed out" || le.Section != "backend" {
		t.Errorf("LastError %+v", le)
	}
	if !strings.Contains(r.body, run.Ctx.RequestID.String()) {
		t.Errorf("activityId is not the request id: %s", r.body)
	}
}

func TestBackendConnectionFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // a closed port on loopback
	obs := &observed{}
	gw := newGW(t, baseConfig("http://"+addr), WithObserver(obs.fn))
	r := call(t, "GET", gw.URL+"/echo/x", nil, "")
	if r.status != 500 || !strings.HasPrefix(r.body, body500) {
		t.Errorf("answer %d %s", r.status, r.body)
	}
	run, _ := obs.last(t)
	if le := run.Ctx.LastError; le == nil || le.Source != "forward-request" || le.Reason != "BackendConnectionFailure" {
		t.Errorf("LastError %+v", le)
	}
}

func TestFailOnErrorStatusCode(t *testing.T) {
	be := newBackend(t)
	obs := &observed{}
	gw := newGW(t, withPolicy(baseConfig(be.URL), `<policies><backend><forward-request fail-on-error-status-code="true"/></backend></policies>`), WithObserver(obs.fn))
	r := call(t, "GET", gw.URL+"/echo/status/404", nil, "")
	if r.status != 404 || r.body != "backend says 404" {
		t.Errorf("the backend's answer is kept: %d %q", r.status, r.body)
	}
	run, out := obs.last(t)
	if le := run.Ctx.LastError; le == nil || le.Reason != "BackendStatusCodeError" || le.Message != "Backend returned 404" {
		t.Errorf("LastError %+v", le)
	}
	if out.Failure == nil {
		t.Error("no failure recorded")
	}
	// A 2xx is not an error; without the attribute a 5xx is not either.
	if r := call(t, "GET", gw.URL+"/echo/status/201", nil, ""); r.status != 201 || r.body != "backend says 201" {
		t.Errorf("201: %d %s", r.status, r.body)
	}
	gw2 := newGW(t, baseConfig(be.URL), WithObserver(obs.fn))
	if r := call(t, "GET", gw2.URL+"/echo/status/503", nil, ""); r.status != 503 || r.body != "backend says 503" {
		t.Errorf("503 passthrough: %d %s", r.status, r.body)
	}
	if run, _ := obs.last(t); run.Ctx.LastError != nil {
		t.Errorf("a backend 5xx set LastError: %+v", run.Ctx.LastError)
	}
}

func TestFollowRedirects(t *testing.T) {
	be := newBackend(t)
	redir := newRedirector(t, be.URL)
	gw := newGW(t, baseConfig(redir))
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(gw.URL + "/echo/r")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("default: status %d, want the 302", resp.StatusCode)
	}
	gw2 := newGW(t, withPolicy(baseConfig(redir), `<policies><backend><forward-request follow-redirects="true"/></backend></policies>`))
	resp, err = noFollow.Get(gw2.URL + "/echo/r")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(data, []byte(`"path":"/target"`)) {
		t.Errorf("follow: %d %s", resp.StatusCode, data)
	}
}

func newRedirector(t *testing.T, target string) string {
	srv := httpServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+"/target", http.StatusFound)
	}))
	return srv
}

func TestStreamingResponse(t *testing.T) {
	be := newBackend(t)
	gw := newGW(t, withPolicy(baseConfig(be.URL), `<policies><backend><forward-request buffer-response="false"/></backend></policies>`))
	resp, err := http.Get(gw.URL + "/echo/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// The first chunk must arrive while the backend still holds the second.
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 6)
		_, err := io.ReadFull(resp.Body, buf)
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(buf)
	}()
	select {
	case s := <-got:
		if s != "first;" {
			t.Errorf("first chunk %q", s)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("first chunk not streamed before the backend finished")
	}
	releaseStream <- struct{}{}
	rest, _ := io.ReadAll(resp.Body)
	if string(rest) != "second" {
		t.Errorf("rest %q", rest)
	}
}

func TestPanicIsA500(t *testing.T) {
	be := newBackend(t)
	var logs bytes.Buffer
	client := &http.Client{Transport: panicTransport{}}
	gw := newGW(t, baseConfig(be.URL), WithClient(client), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	r := call(t, "GET", gw.URL+"/echo/x", nil, "")
	if r.status != 500 || !strings.HasPrefix(r.body, body500) || !strings.HasSuffix(r.body, `"}`) {
		t.Errorf("panic answer %d %s", r.status, r.body)
	}
	if !strings.Contains(logs.String(), "panic") {
		t.Errorf("no log line: %q", logs.String())
	}
	// The gateway keeps serving.
	r = call(t, "GET", gw.URL+"/nothing", nil, "")
	if r.status != 404 {
		t.Errorf("after panic: %d", r.status)
	}
}

type panicTransport struct{}

func (panicTransport) RoundTrip(*http.Request) (*http.Response, error) { panic("transport exploded") }

func TestBodyCap(t *testing.T) {
	be := newBackend(t)
	gw := newGW(t, baseConfig(be.URL), WithMaxBody(10))
	r := call(t, "POST", gw.URL+"/echo/x", nil, strings.Repeat("a", 11))
	if r.status != 413 || r.body != `{"statusCode":413,"message":"Request entity too large"}` {
		t.Errorf("413: %d %s", r.status, r.body)
	}
	r = call(t, "POST", gw.URL+"/echo/x", nil, strings.Repeat("a", 10))
	if e := decodeEcho(t, r); e.Body != strings.Repeat("a", 10) {
		t.Errorf("body at the cap: %q", e.Body)
	}
}

func TestRequestContext(t *testing.T) {
	be := newBackend(t)
	obs := &observed{}
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cfg := baseConfig(be.URL)
	cfg.Service = engine.Service{Name: "svc", Region: "West Europe"}
	gw := newGW(t, cfg, WithObserver(obs.fn), WithClock(func() time.Time { return clock }), WithTracing(true))
	call(t, "GET", gw.URL+"/echo/a%3Bb?q=1", map[string]string{"X-A": "1"}, "")
	run, _ := obs.last(t)
	c := run.Ctx
	if c.Timestamp.T != clock || c.Deployment.GatewayID != "self-hosted" || c.Deployment.ServiceName != "svc" || c.Deployment.Region != "West Europe" {
		t.Errorf("timestamp/deployment %v %+v", c.Timestamp.T, c.Deployment)
	}
	if c.Request.Body != nil {
		t.Errorf("GET without body has Body %v", c.Request.Body)
	}
	if c.Request.IPAddress != "127.0.0.1" || c.Request.Method != "GET" {
		t.Errorf("ip %q method %q", c.Request.IPAddress, c.Request.Method)
	}
	ou := c.Request.OriginalURL
	if ou.Scheme != "http" || ou.Host != "127.0.0.1" || ou.Path != "/echo/a%3Bb" || ou.QueryString() != "?q=1" || ou.Port == 0 {
		t.Errorf("OriginalUrl %+v → %s", ou, ou.String())
	}
	if got, want := c.Request.URL.String(), be.URL+"/base/a%3Bb?q=1"; got != want {
		t.Errorf("Request.Url %s, want %s", got, want)
	}
	if c.API.ServiceURL.String() != be.URL+"/base/" || c.API.SubscriptionKeyHeader != "Ocp-Apim-Subscription-Key" || c.API.KeyQueryParam != "subscription-key" {
		t.Errorf("Api %+v", c.API)
	}
	if c.Subscription != nil || c.Product != nil || c.User != nil {
		t.Errorf("subscription/product/user should be null")
	}
	if !c.Tracing || run.Trace == nil || len(run.Trace.Entries) == 0 {
		t.Errorf("tracing on but trace %+v", run.Trace)
	}
	if !run.Forwarded || c.Response.StatusCode != 200 {
		t.Errorf("forwarded %v response %d", run.Forwarded, c.Response.StatusCode)
	}
	var zero [16]byte
	if c.RequestID == zero {
		t.Error("no request id")
	}
}

func TestSetBackendService(t *testing.T) {
	be := newBackend(t)
	other := newBackend(t)
	cfg := baseConfig(be.URL)
	cfg.Backends = map[string]*engine.Backend{"b": {ID: "b", URL: other.URL + "/entity", Header: map[string][]string{"x-cred": {"secret"}}, Query: map[string][]string{"code": {"c1"}}, AuthScheme: "Basic", AuthParameter: "dTpw"}}
	cfg.APIs[0].Policy = doc(`<policies><inbound><set-backend-service backend-id="b"/></inbound></policies>`)
	gw := newGW(t, cfg)
	e := decodeEcho(t, call(t, "GET", gw.URL+"/echo/p?z=1", nil, ""))
	if e.Path != "/entity/p" || !strings.Contains(e.Query, "code=c1") || !strings.Contains(e.Query, "z=1") {
		t.Errorf("backend-id: %s?%s", e.Path, e.Query)
	}
	if e.Header["X-Cred"][0] != "secret" || e.Header["Authorization"][0] != "Basic dTpw" {
		t.Errorf("credentials %v", e.Header)
	}
	if e.Host != strings.TrimPrefix(other.URL, "http://") {
		t.Errorf("host %s", e.Host)
	}
	cfg2 := withPolicy(baseConfig(be.URL), `<policies><inbound><set-backend-service base-url="@(&quot;`+other.URL+`/x/&quot;)"/></inbound></policies>`)
	gw2 := newGW(t, cfg2)
	if e := decodeEcho(t, call(t, "GET", gw2.URL+"/echo/partners/15?v=1", nil, "")); e.Path != "/x/partners/15" || e.Query != "v=1" {
		t.Errorf("base-url: %s?%s", e.Path, e.Query)
	}
	// An unknown backend id is a load error.
	bad := withPolicy(baseConfig(be.URL), `<policies><inbound><set-backend-service backend-id="missing"/></inbound></policies>`)
	if g, errs := New(bad); g != nil || len(errs) == 0 || !strings.Contains(errs.Error(), "missing") {
		t.Errorf("unknown backend: %v %v", g, errs)
	}
	// Dapr attributes load with a warning.
	dapr := withPolicy(baseConfig(be.URL), `<policies><inbound><set-backend-service backend-id="b" dapr-app-id="app"/></inbound></policies>`)
	dapr.Backends = cfg.Backends
	g, errs := New(dapr)
	if g == nil {
		t.Fatalf("dapr: %v", errs)
	}
	if !strings.Contains(g.Engine().Warnings.Error(), "dapr-app-id") {
		t.Errorf("no warning: %v", g.Engine().Warnings)
	}
}

func TestClientHostNotForwarded(t *testing.T) {
	be := newBackend(t)
	gw := newGW(t, baseConfig(be.URL))
	e := decodeEcho(t, call(t, "GET", gw.URL+"/echo/h", map[string]string{"Host": "client.example"}, ""))
	if e.Host != strings.TrimPrefix(be.URL, "http://") {
		t.Errorf("client Host forwarded: %s", e.Host)
	}
}

func TestSwap(t *testing.T) {
	be := newBackend(t)
	g, errs := New(baseConfig(be.URL))
	if g == nil {
		t.Fatal(errs)
	}
	srv := httpServer(t, g)
	if r := call(t, "GET", srv+"/echo/x", nil, ""); r.status != 200 {
		t.Fatalf("before swap %d", r.status)
	}
	cfg := baseConfig(be.URL)
	cfg.APIs[0].Path = "moved"
	e, errs := engine.Compile(cfg, engine.Options{})
	if e == nil {
		t.Fatal(errs)
	}
	g.Swap(e)
	if g.Engine() != e {
		t.Error("Engine() is not the swapped engine")
	}
	if r := call(t, "GET", srv+"/echo/x", nil, ""); r.status != 404 {
		t.Errorf("old path after swap %d", r.status)
	}
	if r := call(t, "GET", srv+"/moved/x", nil, ""); r.status != 200 {
		t.Errorf("new path after swap %d", r.status)
	}
}

// httpServer serves h on loopback and returns its URL.
func httpServer(t *testing.T, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// TestConcurrentRequestsAndSwap runs requests in parallel while the engine
// is swapped; run it with -race.
func TestConcurrentRequestsAndSwap(t *testing.T) {
	be := newBackend(t)
	g, errs := New(baseConfig(be.URL))
	if g == nil {
		t.Fatal(errs)
	}
	srv := httpServer(t, g)
	e, errs := engine.Compile(baseConfig(be.URL), engine.Options{})
	if e == nil {
		t.Fatal(errs)
	}
	done := make(chan error, 8)
	for w := 0; w < 8; w++ {
		go func() {
			for i := 0; i < 25; i++ {
				resp, err := http.Get(srv + "/echo/c?i=1")
				if err != nil {
					done <- err
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					done <- fmt.Errorf("status %d", resp.StatusCode)
					return
				}
			}
			done <- nil
		}()
	}
	for i := 0; i < 20; i++ {
		g.Swap(e)
	}
	for w := 0; w < 8; w++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
