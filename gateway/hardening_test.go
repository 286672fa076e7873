package gateway

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway/doclimit/doclimittest"
)

// The hardening suite sends hostile requests over real sockets to a
// gateway Server on loopback (raw bytes where a Go client would clean the
// request first).

// hardServer serves cfg through a Server with the settings kv (dotted
// name, value pairs) and returns its address and log.
func hardServer(t *testing.T, cfg *engine.Config, kv ...string) (string, *lockedBuf) {
	t.Helper()
	addr, logs, _ := hardServerWith(t, cfg, kv...)
	return addr, logs
}

func hardServerWith(t *testing.T, cfg *engine.Config, kv ...string) (string, *lockedBuf, *Server) {
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
	return ln.Addr().String(), logs, srv
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

func (l *lockedBuf) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Reset()
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

// Item 7: request heads, URLs, ambiguous framing, slow bodies, Host ports,
// buffered bodies, connections and log values are all bounded.
func TestHardeningHeadAndURLLimits(t *testing.T) {
	be := newBackend(t)
	addr, logs := hardServer(t, baseConfig(be.URL))
	big := strings.Repeat("a", 100<<10)
	if resp, _ := rawExchange(t, addr, "GET /echo/x HTTP/1.1\r\nHost: gw\r\nX-Big: "+big+"\r\nConnection: close\r\n\r\n"); resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("100 KB header: %d", resp.StatusCode)
	}
	if resp, _ := rawGet(t, addr, "/echo/"+strings.Repeat("u", 1<<20)); resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("1 MB URL: %d", resp.StatusCode)
	}
	long := "/echo/" + strings.Repeat("u", 20<<10)
	resp, body := rawGet(t, addr, long)
	if resp.StatusCode != http.StatusRequestURITooLong || !strings.Contains(body, `"statusCode":414`) {
		t.Errorf("20 KB URL: %d %s", resp.StatusCode, body)
	}
	path := "/echo/" + strings.Repeat("p", 10<<10)
	if resp, _ := rawGet(t, addr, path); resp.StatusCode != 200 {
		t.Fatalf("10 KB path: %d", resp.StatusCode)
	}
	l := logs.String()
	for deadline := time.Now().Add(2 * time.Second); !strings.Contains(l, "bytes)") && time.Now().Before(deadline); l = logs.String() {
		time.Sleep(10 * time.Millisecond) // the access line follows the answer
	}
	if strings.Contains(l, path) || !strings.Contains(l, "bytes)") {
		t.Errorf("the access log holds the whole 10 KB path (%d bytes of log)", len(l))
	}
	if resp, body := rawExchange(t, addr, "GET /echo/x HTTP/1.1\r\nHost: x:99999999999\r\nConnection: close\r\n\r\n"); resp.StatusCode != 400 || !strings.Contains(body, `"statusCode":400`) {
		t.Errorf("Host port overflow: %d %s", resp.StatusCode, body)
	}
}

func TestHardeningAmbiguousFramingCloses(t *testing.T) {
	be := newBackend(t)
	addr, _ := hardServer(t, baseConfig(be.URL))
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "POST /echo/a HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /echo/smuggled HTTP/1.1\r\nHost: gw\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	if !resp.Close {
		t.Error("the answer to a request with Content-Length and Transfer-Encoding keeps the connection open")
	}
	if resp, err := http.ReadResponse(br, nil); err == nil {
		t.Errorf("the pipelined request was answered: %d", resp.StatusCode)
	}
	// an ordinary keep-alive connection stays open
	c2, _ := net.Dial("tcp", addr)
	defer c2.Close()
	c2.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c2, "POST /echo/a HTTP/1.1\r\nHost: gw\r\nContent-Length: 3\r\n\r\nabcGET /echo/b HTTP/1.1\r\nHost: gw\r\n\r\n")
	br2 := bufio.NewReader(c2)
	for i := 0; i < 2; i++ {
		resp, err := http.ReadResponse(br2, nil)
		if err != nil || resp.Close {
			t.Fatalf("keep-alive request %d: %v close=%v", i, err, resp != nil && resp.Close)
		}
		io.Copy(io.Discard, resp.Body)
	}
}

func TestHardeningSlowBodyIs408(t *testing.T) {
	be := newBackend(t)
	addr, _ := hardServer(t, baseConfig(be.URL), "net.server.timeout.read", "300ms")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "POST /echo/a HTTP/1.1\r\nHost: gw\r\nContent-Length: 100\r\n\r\nabc")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || strings.Contains(string(body), "127.0.0.1") || strings.Contains(string(body), "tcp") {
		t.Errorf("slow body: %d %s", resp.StatusCode, body)
	}
}

// bodyReadingConfig is baseConfig with an API policy that reads the
// request body, so the gateway buffers it.
func bodyReadingConfig(backend string) *engine.Config {
	cfg := baseConfig(backend)
	cfg.APIs[0].Policy = doc(`<policies><inbound><base/><set-variable name="n" value="@(context.Request.Body.As<string>(preserveContent: true).Length)"/></inbound><backend><base/></backend><outbound><base/></outbound><on-error><base/></on-error></policies>`)
	return cfg
}

func TestHardeningBufferedBodyBudget(t *testing.T) {
	be := newBackend(t)
	addr, logs := hardServer(t, bodyReadingConfig(be.URL), "net.server.max-buffered-body-bytes", "100")
	post := func(path string, n int) int {
		resp, _ := rawExchange(t, addr, "POST "+path+" HTTP/1.1\r\nHost: gw\r\nConnection: close\r\nContent-Length: "+strconv.Itoa(n)+"\r\n\r\n"+strings.Repeat("b", n))
		return resp.StatusCode
	}
	if s := post("/echo/a", 150); s != http.StatusServiceUnavailable {
		t.Errorf("a body over the budget: %d", s)
	}
	if l := logs.String(); !strings.Contains(l, `"level":"ERROR","msg":"request failed"`) || !strings.Contains(l, `"status":503`) {
		t.Errorf("a refused body logs no failure line:\n%s", l)
	}
	done := make(chan int)
	go func() { done <- post("/echo/slow", 80) }() // holds 80 bytes for 2 s
	time.Sleep(300 * time.Millisecond)
	if s := post("/echo/a", 80); s != http.StatusServiceUnavailable {
		t.Errorf("a second body while the first is held: %d", s)
	}
	if s := <-done; s != 200 {
		t.Errorf("the held request: %d", s)
	}
	if s := post("/echo/a", 80); s != 200 {
		t.Errorf("after the first finished: %d", s)
	}
	chunked := func(n int) int {
		resp, _ := rawExchange(t, addr, "POST /echo/a HTTP/1.1\r\nHost: gw\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"+strconv.FormatInt(int64(n), 16)+"\r\n"+strings.Repeat("c", n)+"\r\n0\r\n\r\n")
		return resp.StatusCode
	}
	if s := chunked(50); s != 200 {
		t.Errorf("a chunked body under the budget: %d", s)
	}
	if s := chunked(150); s != http.StatusServiceUnavailable {
		t.Errorf("a chunked body over the budget: %d", s)
	}
}

func TestHardeningConnectionCap(t *testing.T) {
	be := newBackend(t)
	addr, _ := hardServer(t, baseConfig(be.URL), "net.server.max-connections", "2")
	var open []net.Conn
	for i := 0; i < 2; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET /echo/a HTTP/1.1\r\nHost: gw\r\n\r\n")
		c.SetDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		open = append(open, c)
	}
	third, err := net.Dial("tcp", addr) // the kernel accepts; the server does not serve it yet
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	io.WriteString(third, "GET /echo/a HTTP/1.1\r\nHost: gw\r\n\r\n")
	third.SetDeadline(time.Now().Add(300 * time.Millisecond))
	br := bufio.NewReader(third)
	if _, err := http.ReadResponse(br, nil); err == nil {
		t.Fatal("a third connection was served over a cap of 2")
	}
	open[0].Close()
	third.SetDeadline(time.Now().Add(5 * time.Second))
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != 200 {
		t.Errorf("after a connection closed: %v", err)
	}
}

// Item 8: emit-metric dimensions taken from a request header fold into
// one overflow series past the cap, with one warning.
func TestHardeningMetricCardinality(t *testing.T) {
	be := newBackend(t)
	cfg := baseConfig(be.URL)
	cfg.APIs[0].Policy = doc(`<policies><inbound><emit-metric name="hits" namespace="t"><dimension name="Client" value="@(context.Request.Headers.GetValueOrDefault(&quot;X-Client&quot;, &quot;&quot;))" /></emit-metric></inbound><backend><forward-request /></backend><outbound /><on-error /></policies>`)
	addr, logs, srv := hardServerWith(t, cfg, "telemetry.metrics.max-series", "10")
	for i := range 40 {
		if resp, _ := rawExchange(t, addr, "GET /echo/a HTTP/1.1\r\nHost: gw\r\nX-Client: c"+strconv.Itoa(i)+"\r\nConnection: close\r\n\r\n"); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	rec := httptest.NewRecorder()
	srv.Metrics().Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	var series int
	overflow := ""
	for _, l := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasPrefix(l, "policygate_custom_hits_count{") {
			series++
			if strings.Contains(l, `Client="__overflow__"`) {
				overflow = l
			}
		}
	}
	if series != 11 || !strings.HasSuffix(overflow, " 30") {
		t.Errorf("%d series (want 10 and the overflow), overflow line %q", series, overflow)
	}
	if n := strings.Count(logs.String(), "series cap reached"); n != 1 {
		t.Errorf("%d cap warnings, want 1", n)
	}
}

// Item 10: a settings file with an alias bomb is refused at the alias.
func TestHardeningSettingsAliasBomb(t *testing.T) {
	src := "net:\n  server:\n    max-body: 10\n" + doclimittest.YAMLBomb("x-", 8)
	file := t.TempDir() + "/settings.yaml"
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadSettings(file, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "settings.yaml:9:") || !strings.Contains(err.Error(), "excessive aliasing") {
		t.Fatalf("got %v", err)
	}
}

// The admin listener warns when it is not on loopback.
func TestHardeningAdminListenerWarning(t *testing.T) {
	var logs lockedBuf
	log := slog.New(slog.NewTextHandler(&logs, nil))
	warnPublicAdmin(log, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8082})
	if logs.String() != "" {
		t.Errorf("warned for loopback: %s", logs.String())
	}
	warnPublicAdmin(log, &net.TCPAddr{IP: net.IPv4zero, Port: 8082})
	if !strings.Contains(logs.String(), "not on loopback") {
		t.Errorf("no warning for 0.0.0.0: %q", logs.String())
	}
}
