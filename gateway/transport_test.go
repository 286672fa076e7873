package gateway

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/policygate/policygate/engine"
)

// TestTransportAddsNoAcceptEncoding checks that the backend sees exactly
// the Accept-Encoding the client sent (none, or gzip), and that a gzip
// answer reaches the client still compressed, with its Content-Encoding.
func TestTransportAddsNoAcceptEncoding(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Accept-Encoding"))
		mu.Unlock()
		if r.Header.Get("Accept-Encoding") == "gzip" {
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			zw.Write([]byte("compressed hello"))
			zw.Close()
			return
		}
		w.Write([]byte("plain hello"))
	}))
	t.Cleanup(be.Close)
	cfg := &engine.Config{APIs: []*engine.API{{ID: "a", Path: "a", ServiceURL: be.URL, IsCurrent: true,
		Operations: []*engine.Operation{op("any", "*", "/*")}}}}
	url, _ := serveLogged(t, cfg)
	// a client that sends no Accept-Encoding and does not decompress
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	get := func(enc string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", url+"/a/x", nil)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	if resp, body := get(""); resp.StatusCode != 200 || string(body) != "plain hello" || resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("without Accept-Encoding: %d %q %q", resp.StatusCode, body, resp.Header.Get("Content-Encoding"))
	}
	resp, body := get("gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q, want the backend's gzip", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("the body is not the backend's gzip stream: %v", err)
	}
	if plain, _ := io.ReadAll(zr); string(plain) != "compressed hello" {
		t.Errorf("decompressed %q", plain)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[0] != "" || seen[1] != "gzip" {
		t.Errorf("backend saw Accept-Encoding %q, want [\"\" \"gzip\"]", seen)
	}
}
