package gateway_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A reload whose backend credentials name an unknown named value is
// refused, with an error naming the backend; the last good configuration
// keeps serving.
func TestReloadRefusesUnknownNamedValueInBackend(t *testing.T) {
	dir := t.TempDir()
	writeFolder(t, dir, startEcho(t), "v1")
	r, rl := newReloading(t, dir, false)
	info := filepath.Join(dir, "backends", "ai", "backendInformation.json")
	os.MkdirAll(filepath.Dir(info), 0o755)
	os.WriteFile(info, []byte(`{"properties": {"url": "https://ai.example/openai"}}`), 0o644)
	auth := filepath.Join(dir, "backends", "ai", "policygateAuth.json")
	os.WriteFile(auth, []byte(`{"kind": "api-key", "key": "{{openai-key}}"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "apis", "echo", "policy.xml"), []byte(versionPolicy("v2")), 0o644)
	rl.Events <- auth
	deadline := time.Now().Add(2 * time.Second)
	for !strings.Contains(r.log.String(), `"level":"ERROR"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no error logged:\n%s", r.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if logs := r.log.String(); !strings.Contains(logs, `backend \"ai\"`) || !strings.Contains(logs, "openai-key") {
		t.Errorf("the error does not name the backend and the named value:\n%s", logs)
	}
	if v := version(t, r); v != "v1" {
		t.Errorf("version %q, want the last good v1", v)
	}
	// defining the named value activates the configuration
	nv := filepath.Join(dir, "namedValues", "openai-key", "namedValueInformation.json")
	os.MkdirAll(filepath.Dir(nv), 0o755)
	os.WriteFile(nv, []byte(`{"properties": {"displayName": "openai-key", "value": "k-1", "secret": true}}`), 0o644)
	rl.Events <- nv
	waitVersion(t, r, "v2", 2*time.Second)
	if strings.Contains(r.log.String(), "k-1") {
		t.Error("the key was logged")
	}
}
