package policies

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/policygate/policygate/expressions"
)

func backendRun(h http.Header, body []byte) *Run {
	u, _ := url.Parse("http://backend.test:8080/base")
	r := &Run{Context: context.Background(), Ctx: &expressions.Context{Request: &expressions.Request{
		Method: "PUT", Headers: expressions.NewHeaders(h), IPAddress: "192.0.2.7",
		URL: &expressions.URL{Query: expressions.ParseQuery("a=1&b=x%20y")},
	}}, BackendURL: u, RelPath: "/items/1"}
	if body != nil {
		r.Ctx.Request.Body = expressions.NewBody(body)
	}
	r.SyncURL()
	return r
}

func TestBackendRequest(t *testing.T) {
	h := http.Header{"Host": {"override.example"}, "Connection": {"X-Hop"}, "X-Hop": {"1"}, "Te": {"trailers"},
		"Content-Length": {"999"}, "X-Forwarded-For": {"10.1.1.1"}, "X-Keep": {"k"}}
	r := backendRun(h, []byte("payload"))
	r.Backend = &BackendEntity{ID: "b", Header: http.Header{"X-Cred": {"c"}}, Query: url.Values{"code": {"s"}}, AuthScheme: "Bearer", AuthParameter: "tok"}
	req, err := BackendRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != "PUT" || req.URL.Host != "backend.test:8080" || req.URL.Path != "/base/items/1" {
		t.Errorf("request %s %s", req.Method, req.URL)
	}
	q := req.URL.Query()
	if q.Get("a") != "1" || q.Get("b") != "x y" || q.Get("code") != "s" {
		t.Errorf("query %v", q)
	}
	if req.Host != "override.example" || req.Header.Get("Host") != "" {
		t.Errorf("Host %q / header %q", req.Host, req.Header.Get("Host"))
	}
	for _, k := range []string{"X-Hop", "Te", "Connection", "Content-Length"} {
		if req.Header.Get(k) != "" {
			t.Errorf("%s forwarded", k)
		}
	}
	if got := req.Header.Get("X-Forwarded-For"); got != "10.1.1.1, 192.0.2.7" {
		t.Errorf("X-Forwarded-For %q", got)
	}
	if req.Header.Get("X-Keep") != "k" || req.Header.Get("X-Cred") != "c" || req.Header.Get("Authorization") != "Bearer tok" {
		t.Errorf("headers %v", req.Header)
	}
	data, _ := io.ReadAll(req.Body)
	if string(data) != "payload" || req.ContentLength != 7 {
		t.Errorf("body %q length %d", data, req.ContentLength)
	}
	// The context's headers are not changed by building the request.
	if r.Ctx.Request.Headers.H.Get("X-Hop") != "1" {
		t.Error("BackendRequest modified context.Request.Headers")
	}
}

func TestBackendRequestNoHostNoXFF(t *testing.T) {
	r := backendRun(http.Header{}, nil)
	req, err := BackendRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	if req.Host != "backend.test:8080" || req.URL.Host != "backend.test:8080" {
		t.Errorf("host %q url host %q", req.Host, req.URL.Host)
	}
	if req.Header.Get("X-Forwarded-For") != "192.0.2.7" || req.ContentLength != 0 || req.Body != nil {
		t.Errorf("xff %q length %d body %v", req.Header.Get("X-Forwarded-For"), req.ContentLength, req.Body)
	}
}

func TestStripHopHeaders(t *testing.T) {
	h := http.Header{"Connection": {"keep-alive, X-A"}, "X-A": {"1"}, "Keep-Alive": {"t"}, "Proxy-Authorization": {"p"},
		"Proxy-Foo": {"p"}, "Transfer-Encoding": {"chunked"}, "Upgrade": {"ws"}, "Trailer": {"x"}, "X-B": {"2"}}
	StripHopHeaders(h)
	if len(h) != 1 || h.Get("X-B") != "2" {
		t.Errorf("left %v", h)
	}
}
