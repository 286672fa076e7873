package gateway

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policygate/policygate/engine"
)

// The hardening suite sends hostile requests over real sockets to a
// gateway Server on loopback (raw bytes where a Go client would clean the
// request first).

// hardServer serves cfg through a Server with the settings kv (dotted
// name, value pairs) and returns its address and log.
func hardServer(t *testing.T, cfg *engine.Config, kv ...string) (string, *lockedBuf) {
	t.Helper()
	flags := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		flags[kv[i]] = kv[i+1]
	}
	set, err := LoadSettings("", nil, flags)
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuf{}
	srv := NewServer(set, slog.New(slog.NewJSONHandler(logs, nil)))
	e, errs := engine.Compile(cfg, engine.Options{})
	if e == nil || errs.HasErrors() {
		t.Fatal(errs)
	}
	srv.Activate(e)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, &Listeners{HTTP: ln}) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return ln.Addr().String(), logs
}

type lockedBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// rawExchange writes raw on a fresh connection and reads one response.
func rawExchange(t *testing.T, addr, raw string) (*http.Response, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

func rawGet(t *testing.T, addr, target string) (*http.Response, string) {
	return rawExchange(t, addr, "GET "+target+" HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
}

// Item 1: dot segments are removed before routing and encoded separators,
// encoded dot segments, NUL and bad escapes are refused, so no request
// reaches a backend path outside the API's service URL.
func TestHardeningPathTraversal(t *testing.T) {
	be := newBackend(t)
	cfg := baseConfig(be.URL)
	cfg.APIs = append(cfg.APIs, &engine.API{
		ID: "admin", Name: "Admin", Path: "admin", ServiceURL: be.URL + "/admin/", IsCurrent: true, Revision: "1",
		Operations: []*engine.Operation{op("any", "*", "/*")},
		Policy:     doc(`<policies><inbound><return-response><set-status code="403" reason="Forbidden" /></return-response></inbound><backend /><outbound /><on-error /></policies>`),
	})
	addr, _ := hardServer(t, cfg)
	for _, c := range []struct {
		target string
		status int
		path   string // the backend's path when status is 200
	}{
		{"/echo/../admin", 403, ""},
		{"/echo/a/../../admin/x", 403, ""},
		{"/echo/%2e%2e/admin", 400, ""},
		{"/echo/.%2E/admin", 400, ""},
		{"/echo/..%2fadmin", 400, ""},
		{"/echo/%2fadmin", 400, ""},
		{"/echo/%2Fadmin", 400, ""},
		{"/echo/a%5cb", 400, ""},
		{`/echo/a\..\..\admin`, 400, ""},
		{"/echo/a%00b", 400, ""},
		{"/echo/%zz", 400, ""},
		{"/echo/a/./b/../c", 200, "/base/a/c"},
		{"/echo/../../../etc/passwd", 404, ""},
		{"/echo/x/..", 200, "/base/"},
		{"/echo/a%2eb", 200, "/base/a%2eb"},
	} {
		resp, body := rawGet(t, addr, c.target)
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.target, resp.StatusCode, c.status, body)
			continue
		}
		if c.status == 400 && resp.Header.Get("Content-Type") == "application/json" && !strings.Contains(body, `"statusCode":400`) {
			t.Errorf("%s: body %s", c.target, body)
		}
		if c.status == 200 {
			if e := decodeEcho(t, result{resp.StatusCode, resp.Header, body}); e.Path != c.path {
				t.Errorf("%s: backend path %q, want %q", c.target, e.Path, c.path)
			}
		}
	}
}

// Item 1: a rewrite-uri whose result climbs with ".." stays under the
// service URL's base path.
func TestHardeningRewriteStaysUnderBase(t *testing.T) {
	be := newBackend(t)
	cfg := baseConfig(be.URL)
	cfg.APIs[0].Policy = doc(`<policies><inbound><rewrite-uri template="@(&quot;/../../admin/&quot; + context.Request.Headers.GetValueOrDefault(&quot;X-Tail&quot;, &quot;&quot;))" /></inbound><backend><forward-request /></backend><outbound /><on-error /></policies>`)
	addr, _ := hardServer(t, cfg)
	for tail, want := range map[string]string{"x": "/base/admin/x", "%2e%2e/y": "/base/y", "..": "/base/"} {
		resp, body := rawExchange(t, addr, "GET /echo/q HTTP/1.1\r\nHost: gw\r\nX-Tail: "+tail+"\r\nConnection: close\r\n\r\n")
		if e := decodeEcho(t, result{resp.StatusCode, resp.Header, body}); e.Path != want {
			t.Errorf("tail %q: backend path %q, want %q", tail, e.Path, want)
		}
	}
}
