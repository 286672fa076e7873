package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/policies"
)

// echo is what the test backend saw.
type echo struct {
	Method string              `json:"method"`
	Path   string              `json:"path"`
	Query  string              `json:"query"`
	Host   string              `json:"host"`
	Header map[string][]string `json:"header"`
	Body   string              `json:"body"`
}

// newBackend starts a loopback backend: /slow waits, /status/N answers N,
// /stream sends chunks, anything else echoes the request as JSON.
func newBackend(t testing.TB) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/slow"):
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
			w.Write([]byte("late"))
			return
		case strings.Contains(r.URL.Path, "/status/"):
			code := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
			var n int
			for _, c := range code {
				n = n*10 + int(c-'0')
			}
			w.Header().Set("Proxy-Authenticate", "Basic")
			w.Header().Set("Upgrade", "h2c")
			w.Header().Set("X-Backend", "yes")
			w.WriteHeader(n)
			w.Write([]byte("backend says " + code))
			return
		case strings.HasSuffix(r.URL.Path, "/stream"):
			fl := w.(http.Flusher)
			w.Write([]byte("first;"))
			fl.Flush()
			select {
			case <-releaseStream:
			case <-r.Context().Done():
				return
			}
			w.Write([]byte("second"))
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(echo{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Host: r.Host, Header: r.Header, Body: string(body)})
	}))
	t.Cleanup(srv.Close)
	return srv
}

var releaseStream = make(chan struct{}, 16)

func doc(s string) *engine.PolicyDoc { return &engine.PolicyDoc{File: "t.xml", Source: []byte(s)} }

func op(id, method, tmpl string) *engine.Operation {
	return &engine.Operation{ID: id, Name: id, Method: method, URLTemplate: tmpl}
}

// baseConfig is an open API "echo" at suffix "echo" in front of backend.
func baseConfig(backend string) *engine.Config {
	return &engine.Config{
		APIs: []*engine.API{{
			ID: "echo", Name: "Echo", Path: "echo", ServiceURL: backend + "/base/", IsCurrent: true, Revision: "1",
			Operations: []*engine.Operation{op("any", "*", "/*")},
		}},
	}
}

func newGW(t testing.TB, cfg *engine.Config, opts ...Option) *httptest.Server {
	t.Helper()
	g, errs := New(cfg, opts...)
	if g == nil {
		t.Fatalf("New: %v", errs)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return srv
}

type result struct {
	status int
	header http.Header
	body   string
}

func call(t testing.TB, method, url string, hdr map[string]string, body string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{resp.StatusCode, resp.Header, string(data)}
}

func decodeEcho(t testing.TB, r result) echo {
	t.Helper()
	var e echo
	if err := json.Unmarshal([]byte(r.body), &e); err != nil {
		t.Fatalf("status %d, body %q: %v", r.status, r.body, err)
	}
	return e
}

// observed collects the runs the observer sees.
type observed struct {
	mu   sync.Mutex
	runs []*policies.Run
	outs []engine.Outcome
}

func (o *observed) fn(r *policies.Run, out engine.Outcome) {
	o.mu.Lock()
	o.runs = append(o.runs, r)
	o.outs = append(o.outs, out)
	o.mu.Unlock()
}

func (o *observed) last(t testing.TB) (*policies.Run, engine.Outcome) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.runs) == 0 {
		t.Fatal("observer not called")
	}
	return o.runs[len(o.runs)-1], o.outs[len(o.outs)-1]
}

func TestForwardBasics(t *testing.T) {
	be := newBackend(t)
	gw := newGW(t, baseConfig(be.URL))
	r := call(t, "POST", gw.URL+"/echo/a/b%20c/?x=1&y=two", map[string]string{"X-Custom": "v", "Connection": "X-Drop", "X-Drop": "d", "X-Forwarded-For": "10.0.0.9"}, "hello")
	if r.status != 200 {
		t.Fatalf("status %d body %s", r.status, r.body)
	}
	e := decodeEcho(t, r)
	if e.Method != "POST" || e.Path != "/base/a/b%20c/" || e.Query != "x=1&y=two" || e.Body != "hello" {
		t.Errorf("backend saw %+v", e)
	}
	if got := e.Header["X-Custom"]; len(got) != 1 || got[0] != "v" {
		t.Errorf("X-Custom = %v", got)
	}
	if _, ok := e.Header["X-Drop"]; ok {
		t.Errorf("header named in Connection was forwarded")
	}
	if got := strings.Join(e.Header["X-Forwarded-For"], ","); got != "10.0.0.9, 127.0.0.1" {
		t.Errorf("X-Forwarded-For = %q", got)
	}
	if e.Host != strings.TrimPrefix(be.URL, "http://") {
		t.Errorf("Host = %q, want the backend's", e.Host)
	}
	if r.header.Get("Content-Type") != "application/json" {
		t.Errorf("response Content-Type %q", r.header.Get("Content-Type"))
	}
}

func TestHopByHopResponse(t *testing.T) {
	be := newBackend(t)
	gw := newGW(t, baseConfig(be.URL))
	if d := call(t, "GET", be.URL+"/status/418", nil, ""); d.header.Get("Upgrade") != "h2c" || d.header.Get("Proxy-Authenticate") != "Basic" {
		t.Fatalf("the backend does not send the hop-by-hop headers this test needs: %v", d.header)
	}
	r := call(t, "GET", gw.URL+"/echo/status/418", nil, "")
	if r.status != 418 || r.body != "backend says 418" {
		t.Fatalf("got %d %q", r.status, r.body)
	}
	for _, h := range []string{"Proxy-Authenticate", "Upgrade"} {
		if r.header.Get(h) != "" {
			t.Errorf("hop-by-hop header %s leaked to the client", h)
		}
	}
	if r.header.Get("X-Backend") != "yes" {
		t.Errorf("X-Backend missing")
	}
}

func TestHostOverrideAndSubscriptionKeyForwarded(t *testing.T) {
	be := newBackend(t)
	cfg := baseConfig(be.URL)
	cfg.APIs[0].SubscriptionRequired = true
	cfg.Subscriptions = []*engine.Subscription{{ID: "s1", PrimaryKey: "k1", Scope: "all", Active: true}}
	gw := newGW(t, cfg)
	r := call(t, "GET", gw.URL+"/echo/x?subscription-key=k1", nil, "")
	e := decodeEcho(t, r)
	if e.Query != "subscription-key=k1" {
		t.Errorf("query key not forwarded: %q", e.Query)
	}
	r = call(t, "GET", gw.URL+"/echo/x", map[string]string{"Ocp-Apim-Subscription-Key": "k1"}, "")
	e = decodeEcho(t, r)
	if got := e.Header["Ocp-Apim-Subscription-Key"]; len(got) != 1 || got[0] != "k1" {
		t.Errorf("header key not forwarded: %v", got)
	}
}
