package configserver

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policygate/policygate/gateway/fleet"
)

func newTestServer(t *testing.T) (*Server, *httptest.Server, fleet.GatewayKeys, *bytes.Buffer) {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "gateways", "g"), 0o755)
	os.WriteFile(filepath.Join(dir, "gateways", "g", "apis.json"), []byte(`[]`), 0o644)
	keys := filepath.Join(t.TempDir(), "keys.json")
	kf := &fleet.KeysFile{Gateways: map[string]fleet.GatewayKeys{}}
	kf.Regenerate("g", "", time.Now())
	kf.Regenerate("h", "", time.Now())
	kf.Write(keys)
	logs := &bytes.Buffer{}
	s := New(Options{Dir: dir, KeysFile: keys, Log: slog.New(slog.NewTextHandler(logs, nil))})
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts, kf.Gateways["g"], logs
}

func get(t *testing.T, url, auth, etag string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestRefusalReasons(t *testing.T) {
	s, ts, k, logs := newTestServer(t)
	now := time.Now()
	tests := []struct {
		name, gateway, auth, reason string
	}{
		{"no credentials", "g", "", fleet.ReasonMissing},
		{"basic", "g", "Basic Zzo=", fleet.ReasonMissing},
		{"malformed", "g", "GatewayKey g&soon&x", fleet.ReasonMalformed},
		{"unknown gateway", "nobody", fleet.MintToken("nobody", k.Primary, now.Add(time.Hour)), fleet.ReasonUnknownGateway},
		{"token of another gateway", "h", fleet.MintToken("g", k.Primary, now.Add(time.Hour)), fleet.ReasonWrongGateway},
		{"bad signature", "g", fleet.MintToken("g", "guess", now.Add(time.Hour)), fleet.ReasonBadSignature},
		{"expired", "g", fleet.MintToken("g", k.Primary, now.Add(-time.Minute)), fleet.ReasonExpired},
		{"too long", "g", fleet.MintToken("g", k.Primary, now.Add(40*24*time.Hour)), fleet.ReasonTooLong},
		{"bearer without Entra ID", "g", "Bearer a.b.c", fleet.ReasonJWTInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := get(t, ts.URL+"/gateways/"+tt.gateway+"/snapshot", tt.auth, "")
			var body struct{ Reason string }
			json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if resp.StatusCode != 401 || resp.Header.Get(fleet.ReasonHeader) != tt.reason || body.Reason != tt.reason {
				t.Errorf("status %d, reason %q / %q, want 401 %q", resp.StatusCode, resp.Header.Get(fleet.ReasonHeader), body.Reason, tt.reason)
			}
			if tt.auth != "" && strings.Contains(logs.String(), tt.auth) {
				t.Error("the credential was logged")
			}
		})
	}
	rec := httptest.NewRecorder()
	s.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `policygate_config_server_auth_failures_total{reason="missing_credentials"} 2`) {
		t.Errorf("auth failure metrics:\n%s", rec.Body.String())
	}
}

func TestLongPoll(t *testing.T) {
	s, ts, k, _ := newTestServer(t)
	tok := fleet.MintToken("g", k.Secondary, time.Now().Add(time.Hour))
	resp := get(t, ts.URL+"/gateways/g/snapshot", tok, "")
	sn, err := fleet.Decode(resp.Body)
	resp.Body.Close()
	if err != nil || resp.Header.Get("ETag") != sn.ETag() || !sn.Assigned || sn.Gateway != "g" {
		t.Fatalf("snapshot %+v, %v", sn, err)
	}
	start := time.Now()
	resp = get(t, ts.URL+"/gateways/g/snapshot?wait=0.2", tok, sn.ETag())
	resp.Body.Close()
	if resp.StatusCode != 304 || time.Since(start) < 150*time.Millisecond {
		t.Errorf("unchanged: %d after %v, want 304 after the wait", resp.StatusCode, time.Since(start))
	}
	done := make(chan *fleet.Snapshot)
	go func() {
		resp := get(t, ts.URL+"/gateways/g/snapshot?wait=10", tok, sn.ETag())
		defer resp.Body.Close()
		n, _ := fleet.Decode(resp.Body)
		done <- n
	}()
	time.Sleep(100 * time.Millisecond)
	os.WriteFile(filepath.Join(s.o.Dir, "policy.xml"), []byte("<policies><inbound /><backend><forward-request /></backend><outbound /><on-error /></policies>"), 0o644)
	start = time.Now()
	s.Reload()
	select {
	case n := <-done:
		if n == nil || n.Hash == sn.Hash || n.Sequence != 2 {
			t.Errorf("after the change: %+v", n)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("the held poll answered after %v", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the held poll was not answered")
	}
	req, _ := http.NewRequest("POST", ts.URL+"/gateways/g/heartbeat", strings.NewReader(`{"instanceId": "i1", "hostname": "h", "configHash": "`+sn.Hash+`"}`))
	req.Header.Set("Authorization", tok)
	hr, _ := http.DefaultClient.Do(req)
	io.Copy(io.Discard, hr.Body)
	hr.Body.Close()
	st := s.Status()
	if hr.StatusCode != 204 || len(st) != 1 || len(st[0].Instances) != 1 || st[0].Instances[0].InSync {
		t.Errorf("heartbeat %d, status %+v (the instance serves the old hash: not in sync)", hr.StatusCode, st)
	}
}
