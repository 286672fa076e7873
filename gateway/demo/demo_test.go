package demo

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/policygate/policygate/engine"
)

func TestHandlerEchoes(t *testing.T) {
	req := httptest.NewRequest("PUT", "/a/b?q=1", strings.NewReader("payload"))
	req.Header.Set("X-One", "1")
	w := httptest.NewRecorder()
	Handler().ServeHTTP(w, req)
	var e Echo
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	if w.Code != 200 || e.Method != "PUT" || e.Path != "/a/b" || e.Query["q"][0] != "1" || e.Headers["X-One"][0] != "1" || e.Body != "payload" {
		t.Errorf("%d %+v", w.Code, e)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestConfigCompilesAndBackendAnswers(t *testing.T) {
	be, err := StartBackend()
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	if !strings.HasPrefix(be.URL, "http://127.0.0.1:") {
		t.Errorf("backend URL %q is not loopback", be.URL)
	}
	resp, err := http.Get(be.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("backend status %d", resp.StatusCode)
	}
	cfg := Config(be.URL)
	e, errs := engine.Compile(cfg, engine.Options{Strict: true})
	if e == nil || len(errs) > 0 {
		t.Fatalf("demo configuration: %v", errs)
	}
	if nv, found, _ := cfg.NamedValues.Lookup("greeting"); !found || nv.Value != Greeting {
		t.Errorf("named value greeting = %+v", nv)
	}
}
