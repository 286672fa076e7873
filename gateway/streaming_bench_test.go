package gateway

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/policygate/policygate/engine"
)

// discardWriter is a client that reads the whole answer and keeps none of it.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(code int)        { d.status = code }
func (d *discardWriter) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }

// BenchmarkUnreadResponseBody sends backend answers of 1 KB and 1 MB
// through a policy that does not read the body (they are streamed: the
// bytes allocated per request must not grow with the body), and, for
// comparison, 1 MB through a policy that reads it (buffered).
func BenchmarkUnreadResponseBody(b *testing.B) {
	bodies := map[string][]byte{"1KB": bytes.Repeat([]byte("k"), 1<<10), "1MB": bytes.Repeat([]byte("m"), 1<<20)}
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := bodies[r.URL.Query().Get("size")]
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}))
	defer be.Close()
	unread := `<policies><inbound><base/></inbound><backend><base/></backend><outbound><base/><set-header name="X-Status" exists-action="override"><value>@(context.Response.StatusCode.ToString())</value></set-header></outbound><on-error><base/></on-error></policies>`
	read := `<policies><inbound><base/></inbound><backend><base/></backend><outbound><base/><set-header name="X-Length" exists-action="override"><value>@(context.Response.Body.As<string>(preserveContent: true).Length.ToString())</value></set-header></outbound><on-error><base/></on-error></policies>`
	cfg := &engine.Config{APIs: []*engine.API{
		{ID: "unread", Path: "unread", ServiceURL: be.URL, IsCurrent: true, Policy: doc(unread), Operations: []*engine.Operation{op("get", "GET", "/*")}},
		{ID: "read", Path: "read", ServiceURL: be.URL, IsCurrent: true, Policy: doc(read), Operations: []*engine.Operation{op("get", "GET", "/*")}},
	}}
	g, errs := New(cfg, WithLogger(nil))
	if g == nil {
		b.Fatal(errs)
	}
	for _, c := range []struct{ name, api, size string }{{"unread-1KB", "unread", "1KB"}, {"unread-1MB", "unread", "1MB"}, {"read-1MB", "read", "1MB"}} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "http://gw.test/"+c.api+"/x?size="+c.size, nil)
			req.RemoteAddr = "192.0.2.1:5000"
			b.ReportAllocs()
			b.SetBytes(int64(len(bodies[c.size])))
			for b.Loop() {
				w := &discardWriter{h: http.Header{}}
				g.ServeHTTP(w, req)
				if w.status != 200 || w.n != len(bodies[c.size]) {
					b.Fatalf("status %d, %d bytes", w.status, w.n)
				}
			}
		})
	}
}
