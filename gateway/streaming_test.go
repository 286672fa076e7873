package gateway

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/policygate/policygate/engine"
)

// Request and response bodies that no statement of the pipeline reads are
// streamed, not buffered; these tests run real servers on loopback.

// patternReader yields n bytes of a fixed pattern without holding them.
type patternReader struct{ left int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	n := int64(len(b))
	if n > p.left {
		n = p.left
	}
	for i := range b[:n] {
		b[i] = 'a' + byte((p.left-int64(i))%26)
	}
	p.left -= n
	return int(n), nil
}

// countingBackend answers with the number of body bytes it received and
// the framing they came with.
func countingBackend(t testing.TB) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Got", strconv.FormatInt(n, 10))
		w.Header().Set("X-Content-Length", strconv.FormatInt(r.ContentLength, 10))
		w.Header().Set("X-Chunked", strconv.FormatBool(len(r.TransferEncoding) > 0))
		if err != nil {
			w.Header().Set("X-Read-Error", err.Error())
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv
}

func apiConfig(backend, policy string) *engine.Config {
	cfg := baseConfig(backend)
	if policy != "" {
		cfg.APIs[0].Policy = doc(policy)
	}
	return cfg
}

const headerOnlyPolicy = `<policies><inbound><base/><set-header name="X-In" exists-action="override"><value>@(context.Request.Method)</value></set-header></inbound><backend><base/></backend><outbound><base/><set-header name="X-Out" exists-action="override"><value>@(context.Response.StatusCode.ToString())</value></set-header></outbound><on-error><base/></on-error></policies>`

// heapPeak samples the heap in use until stop is closed and returns the
// highest reading above the level at start.
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	go func() {
		var peak uint64
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > base && ms.HeapInuse-base > peak {
				peak = ms.HeapInuse - base
			}
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// TestStreamingManyLargeBodies sends 40 concurrent 15 MB POSTs through a
// policy that does not read the body: every one reaches the backend whole
// (none is refused by the buffered-bytes cap) and the heap grows by far
// less than the 600 MB they add up to. Buffered, the same run needs
// several hundred MB and answers 503 past the 256 MiB cap.
func TestStreamingManyLargeBodies(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 600 MB over loopback")
	}
	be := countingBackend(t)
	addr, _ := hardServer(t, apiConfig(be.URL, headerOnlyPolicy))
	const n = 40
	size := 15 << 20
	if raceEnabled {
		size = 4 << 20 // the same check, at a pace the race detector can keep
	}
	stop := make(chan struct{})
	peak := heapPeak(stop)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	defer client.CloseIdleConnections()
	var wg sync.WaitGroup
	var failed atomic.Int32
	errs := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", "http://"+addr+"/echo/big", &patternReader{left: int64(size)})
			req.ContentLength = int64(size)
			resp, err := client.Do(req)
			if err != nil {
				failed.Add(1)
				errs <- err.Error()
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("X-Got") != strconv.Itoa(size) || resp.Header.Get("X-Content-Length") != strconv.Itoa(size) {
				failed.Add(1)
				errs <- fmt.Sprintf("status %d, backend got %s bytes (Content-Length %s)", resp.StatusCode, resp.Header.Get("X-Got"), resp.Header.Get("X-Content-Length"))
			}
		}()
	}
	wg.Wait()
	close(stop)
	grew := <-peak
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	t.Logf("%d × %d MB: heap in use grew by at most %.1f MB", n, size>>20, float64(grew)/(1<<20))
	// the client, the gateway and the backend share this heap; buffering
	// one body per request would be 600 MB
	if limit := uint64(64 << 20); grew > limit {
		t.Errorf("heap grew by %.1f MB for %d streamed bodies (limit %d MB)", float64(grew)/(1<<20), n, limit>>20)
	}
}

// TestStreamingFraming: Content-Length reaches the backend as the client
// sent it, a chunked body stays chunked, and both arrive whole.
func TestStreamingFraming(t *testing.T) {
	be := countingBackend(t)
	addr, _ := hardServer(t, apiConfig(be.URL, headerOnlyPolicy))
	resp, body := rawExchange(t, addr, "POST /echo/a HTTP/1.1\r\nHost: gw\r\nConnection: close\r\nContent-Length: 11\r\n\r\nhello world")
	if resp.StatusCode != 200 || body != "ok" || resp.Header.Get("X-Got") != "11" || resp.Header.Get("X-Content-Length") != "11" || resp.Header.Get("X-Chunked") != "false" {
		t.Errorf("Content-Length body: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if resp.Header.Get("X-Out") != "200" || resp.ContentLength != 2 {
		t.Errorf("outbound did not set its header on the streamed answer, or its length is lost: %v (Content-Length %d)", resp.Header, resp.ContentLength)
	}
	resp, _ = rawExchange(t, addr, "POST /echo/a HTTP/1.1\r\nHost: gw\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
	if resp.StatusCode != 200 || resp.Header.Get("X-Got") != "11" || resp.Header.Get("X-Content-Length") != "-1" || resp.Header.Get("X-Chunked") != "true" {
		t.Errorf("chunked body: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestStreamingMaxBody: a streamed body still may not exceed max-body: a
// declared length over it is a 413 before the backend is called, a
// chunked body that passes it mid-stream is a 413 and the backend never
// gets it whole.
func TestStreamingMaxBody(t *testing.T) {
	var calls, whole atomic.Int32
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		n, err := io.Copy(io.Discard, r.Body)
		if err == nil && n == 5000 {
			whole.Add(1)
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(be.Close)
	addr, _ := hardServer(t, apiConfig(be.URL, headerOnlyPolicy), "net.server.max-body", "1000")
	resp, body := rawExchange(t, addr, "POST /echo/a HTTP/1.1\r\nHost: gw\r\nConnection: close\r\nContent-Length: 5000\r\n\r\n"+strings.Repeat("x", 5000))
	if resp.StatusCode != 413 || !strings.Contains(body, "Request entity too large") {
		t.Errorf("declared length over max-body: %d %s", resp.StatusCode, body)
	}
	if calls.Load() != 0 {
		t.Errorf("the backend was called for a declared length over max-body")
	}
	chunk := strings.Repeat("y", 500)
	raw := "POST /echo/a HTTP/1.1\r\nHost: gw\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n" + strings.Repeat("1f4\r\n"+chunk+"\r\n", 10) + "0\r\n\r\n"
	resp, body = rawExchange(t, addr, raw)
	if resp.StatusCode != 413 || !strings.Contains(body, "Request entity too large") {
		t.Errorf("chunked body over max-body: %d %s", resp.StatusCode, body)
	}
	if whole.Load() != 0 {
		t.Errorf("the backend received the whole over-long body")
	}
	resp, _ = rawExchange(t, addr, "POST /echo/a HTTP/1.1\r\nHost: gw\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n1f4\r\n"+chunk+"\r\n0\r\n\r\n")
	if resp.StatusCode != 200 {
		t.Errorf("a chunked body under max-body: %d", resp.StatusCode)
	}
}

// TestStreamingReadersStillSee: a policy that reads the request body sees
// it (and the backend still gets it), one that reads the response body
// sees that, and a retried forward-request resends the whole body.
func TestStreamingReadersStillSee(t *testing.T) {
	var mu sync.Mutex
	var got []string
	var attempt atomic.Int32
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
		if strings.HasSuffix(r.URL.Path, "/flaky") && attempt.Add(1) == 1 {
			w.WriteHeader(500)
			return
		}
		io.WriteString(w, "backend:"+string(b))
	}))
	t.Cleanup(be.Close)
	reader := `<policies><inbound><base/><set-header name="X-Len" exists-action="override"><value>@(context.Request.Body.As<string>(preserveContent: true).Length.ToString())</value></set-header></inbound><backend><base/></backend><outbound><base/><set-body>@(context.Response.Body.As<string>() + "!")</set-body></outbound><on-error><base/></on-error></policies>`
	retry := `<policies><inbound><base/></inbound><backend><retry condition="@(context.Response.StatusCode == 500)" count="2" interval="0"><forward-request/></retry></backend><outbound><base/></outbound><on-error><base/></on-error></policies>`
	cfg := apiConfig(be.URL, reader)
	cfg.APIs = append(cfg.APIs, &engine.API{ID: "retry", Name: "retry", Path: "retry", ServiceURL: be.URL + "/r/", IsCurrent: true, Revision: "1",
		Operations: []*engine.Operation{op("any", "*", "/*")}, Policy: doc(retry)})
	addr, _ := hardServer(t, cfg)
	payload := strings.Repeat("0123456789", 100)
	resp, body := rawExchange(t, addr, "POST /echo/a HTTP/1.1\r\nHost: gw\r\nConnection: close\r\nContent-Length: 1000\r\n\r\n"+payload)
	if resp.StatusCode != 200 || body != "backend:"+payload+"!" {
		t.Errorf("reading policies: %d %.60q", resp.StatusCode, body)
	}
	mu.Lock()
	if len(got) != 1 || got[0] != payload {
		t.Errorf("the backend got %d requests, first %d bytes", len(got), len(strings.Join(got, "")))
	}
	got = nil
	mu.Unlock()
	resp, body = rawExchange(t, addr, "POST /retry/flaky HTTP/1.1\r\nHost: gw\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n"+payload+"\r\n0\r\n\r\n")
	if resp.StatusCode != 200 || body != "backend:"+payload {
		t.Errorf("retry: %d %.60q", resp.StatusCode, body)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0] != payload || got[1] != payload {
		t.Errorf("retry: the backend got %d requests with %v bytes", len(got), lens(got))
	}
}

func lens(ss []string) []int {
	var out []int
	for _, s := range ss {
		out = append(out, len(s))
	}
	return out
}

// TestStreamingUnreadResponse: with no policy reading it the backend's answer
// reaches the client while the backend is still sending it (buffered,
// the client would see nothing until the backend finished), with the
// headers outbound set.
func TestStreamingUnreadResponse(t *testing.T) {
	release := make(chan struct{})
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "first;")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "second")
	}))
	t.Cleanup(be.Close)
	addr, _ := hardServer(t, apiConfig(be.URL, headerOnlyPolicy))
	var once sync.Once
	finish := func() { once.Do(func() { close(release) }) }
	defer finish()
	// the answer's head and first piece must come while the backend holds the rest
	got := make(chan *http.Response, 1)
	failed := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/echo/s")
		if err != nil {
			failed <- err
			return
		}
		got <- resp
	}()
	var resp *http.Response
	select {
	case resp = <-got:
	case err := <-failed:
		t.Fatal(err)
	case <-time.After(5 * time.Second):
		finish()
		t.Fatal("no answer before the backend finished: the answer was buffered")
	}
	defer resp.Body.Close()
	if resp.Header.Get("X-Out") != "200" {
		t.Errorf("outbound header missing: %v", resp.Header)
	}
	first := make([]byte, 6)
	done := make(chan error, 1)
	go func() { _, err := io.ReadFull(resp.Body, first); done <- err }()
	select {
	case err := <-done:
		if err != nil || string(first) != "first;" {
			t.Fatalf("first piece: %q %v", first, err)
		}
	case <-time.After(5 * time.Second):
		finish()
		t.Fatal("the first piece did not arrive before the backend finished: the answer was buffered")
	}
	finish()
	rest, _ := io.ReadAll(resp.Body)
	if string(rest) != "second" {
		t.Errorf("rest: %q", rest)
	}
}

// TestHardeningAmbiguousFramingClosesTLS: on the HTTPS listener too, a
// request with both Content-Length and Transfer-Encoding is answered and
// its connection closed; HTTP/2 still works there.
func TestHardeningAmbiguousFramingClosesTLS(t *testing.T) {
	be := newBackend(t)
	flags := map[string]string{}
	set, err := LoadSettings("", nil, flags)
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(set, slog.New(slog.DiscardHandler))
	e, errs := engine.Compile(baseConfig(be.URL), engine.Options{})
	if e == nil {
		t.Fatal(errs)
	}
	srv.Activate(e)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, &Listeners{HTTPS: ln}) }()
	defer func() { cancel(); <-served }()
	addr := ln.Addr().String()
	dial := func() *tls.Conn {
		c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}}) // the development certificate
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		return c
	}
	c := dial()
	defer c.Close()
	io.WriteString(c, "POST /echo/a HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /echo/smuggled HTTP/1.1\r\nHost: gw\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"body":"abc"`)) {
		t.Errorf("first request: %d %s", resp.StatusCode, body)
	}
	if !resp.Close {
		t.Error("the HTTPS answer to a request with Content-Length and Transfer-Encoding keeps the connection open")
	}
	if resp, err := http.ReadResponse(br, nil); err == nil {
		t.Errorf("the pipelined request was answered: %d", resp.StatusCode)
	}
	// keep-alive otherwise, and the scheme is https
	c2 := dial()
	defer c2.Close()
	io.WriteString(c2, "POST /echo/a HTTP/1.1\r\nHost: gw\r\nContent-Length: 3\r\n\r\nabcGET /echo/b HTTP/1.1\r\nHost: gw\r\n\r\n")
	br2 := bufio.NewReader(c2)
	for i := 0; i < 2; i++ {
		resp, err := http.ReadResponse(br2, nil)
		if err != nil || resp.Close {
			t.Fatalf("keep-alive request %d: %v close=%v", i, err, resp != nil && resp.Close)
		}
		io.Copy(io.Discard, resp.Body)
	}
	h2 := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}}
	defer h2.CloseIdleConnections()
	r2, err := h2.Get("https://" + addr + "/echo/h2")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, r2.Body)
	r2.Body.Close()
	if r2.StatusCode != 200 || r2.ProtoMajor != 2 {
		t.Errorf("HTTP/2 over the HTTPS listener: %d %s", r2.StatusCode, r2.Proto)
	}
}
