package gateway_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/policygate/policygate/engine"
)

// forwardProxy is a real HTTP forward proxy on loopback that demands Basic
// credentials and counts what it relayed.
type forwardProxy struct {
	*httptest.Server
	relayed, refused atomic.Int32
	lastTarget       atomic.Value
}

func startForwardProxy(t *testing.T, user, pass string) *forwardProxy {
	t.Helper()
	p := &forwardProxy{}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !r.URL.IsAbs() {
			http.Error(w, "not a proxy request", http.StatusBadRequest)
			return
		}
		if r.Header.Get("Proxy-Authorization") != want {
			p.refused.Add(1)
			w.Header().Set("Proxy-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusProxyAuthRequired)
			return
		}
		p.relayed.Add(1)
		p.lastTarget.Store(r.URL.String())
		out := r.Clone(r.Context())
		out.RequestURI = ""
		out.Header.Del("Proxy-Authorization")
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.Header().Set("X-Via-Test-Proxy", "1")
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	t.Cleanup(p.Close)
	return p
}

// TestProxyPolicy routes forward-request through a real proxy with
// credentials, and checks that wrong credentials are the proxy's 407.
func TestProxyPolicy(t *testing.T) {
	px := startForwardProxy(t, "gw", "s3cret")
	be := startEcho(t)
	api := func(id, proxy string) *engine.API {
		return &engine.API{ID: id, Path: id, ServiceURL: be, IsCurrent: true, Protocols: []string{"http"},
			Policy:     doc(`<policies><inbound><base/>` + proxy + `</inbound><backend><base/></backend><outbound><base/></outbound><on-error><base/></on-error></policies>`),
			Operations: []*engine.Operation{{ID: "get", Method: "GET", URLTemplate: "/*"}}}
	}
	r := start(t, testSettings(t))
	cfg := &engine.Config{APIs: []*engine.API{
		api("via", `<proxy url="`+px.URL+`" username="gw" password="s3cret" />`),
		api("badcreds", `<proxy url="`+px.URL+`" username="gw" password="wrong" />`),
		api("direct", ``),
	}}
	e, errs := engine.Compile(cfg, engine.Options{Strict: true})
	if e == nil {
		t.Fatal(errs)
	}
	r.srv.Activate(e)
	get := func(path string) *http.Response {
		t.Helper()
		resp, err := http.Get(r.url + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for i := 0; i < 2; i++ {
		resp := get("/via/hello")
		if resp.StatusCode != 200 || resp.Header.Get("X-Via-Test-Proxy") != "1" {
			t.Fatalf("via proxy: %d %v", resp.StatusCode, resp.Header)
		}
	}
	if n := px.relayed.Load(); n != 2 {
		t.Errorf("proxy relayed %d requests, want 2", n)
	}
	if got, _ := px.lastTarget.Load().(string); got != be+"/hello" {
		t.Errorf("proxy target %q, want %q", got, be+"/hello")
	}
	if resp := get("/badcreds/x"); resp.StatusCode != http.StatusProxyAuthRequired || px.refused.Load() != 1 {
		t.Errorf("wrong credentials: %d, refused %d", resp.StatusCode, px.refused.Load())
	}
	if resp := get("/direct/x"); resp.StatusCode != 200 || resp.Header.Get("X-Via-Test-Proxy") != "" {
		t.Errorf("without the policy the call went through the proxy: %d %v", resp.StatusCode, resp.Header)
	}
	if n := px.relayed.Load(); n != 2 {
		t.Errorf("proxy relayed %d requests after the direct one, want 2", n)
	}
}
