package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var listenRE = regexp.MustCompile(`msg=listening addr=(\S+) tls=false admin=false`)

// startRun runs policygate run with args until the test ends and returns
// the HTTP base URL and the log.
func startRun(t *testing.T, env map[string]string, args ...string) (string, *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &lockedBuffer{}
	code := make(chan int, 1)
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	go func() { code <- runServer(args, io.Discard, stderr, lookup, ctx) }()
	t.Cleanup(func() {
		cancel()
		if c := <-code; c != 0 {
			t.Errorf("exit code %d\n%s", c, stderr.String())
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		if m := listenRE.FindStringSubmatch(stderr.String()); m != nil {
			return "http://" + m[1], stderr
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRunDemo(t *testing.T) {
	base, logs := startRun(t, nil, "--listen", "127.0.0.1:0", "--admin", "none")
	resp, err := http.Get(base + "/echo/hello")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var echo struct {
		Path    string              `json:"path"`
		Headers map[string][]string `json:"headers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&echo); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || echo.Path != "/hello" || len(echo.Headers["X-Greeting"]) != 1 || resp.Header.Get("X-PolicyGate-Operation") == "" {
		t.Errorf("status %d echo %+v headers %v", resp.StatusCode, echo, resp.Header)
	}
	if !strings.Contains(logs.String(), "msg=request") {
		t.Errorf("no access line:\n%s", logs.String())
	}
}

func TestRunConfigFolderAndJSONLogs(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"apis/hello/apiInformation.json": `{"properties":{"displayName":"Hello","path":"/hello","serviceUrl":"http://127.0.0.1:1","protocols":["http"],"subscriptionRequired":false,"isCurrent":true}}`,
		"apis/hello/specification.yaml":  "openapi: 3.0.1\ninfo:\n  title: Hello\n  version: '1'\npaths:\n  /hi:\n    get:\n      operationId: hi\n      responses:\n        '200':\n          description: ok\n",
		"apis/hello/policy.xml":          `<policies><inbound><return-response><set-status code="200" reason="OK"/><set-body>hi there</set-body></return-response></inbound><backend/><outbound/><on-error/></policies>`,
	} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(text), 0o644)
	}
	// telemetry.logs.std=json from the environment, as an env-file sets it
	env := map[string]string{"telemetry.logs.std": "json"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &lockedBuffer{}
	code := make(chan int, 1)
	go func() {
		code <- runServer([]string{"--config", dir, "--listen", "127.0.0.1:0", "--admin", "none"}, io.Discard, stderr, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, ctx)
	}()
	re := regexp.MustCompile(`"msg":"listening","addr":"([^"]+)","tls":false,"admin":false`)
	deadline := time.Now().Add(5 * time.Second)
	var base string
	for base == "" {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			base = "http://" + m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	resp, err := http.Get(base + "/hello/hi")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "hi there" {
		t.Errorf("status %d body %q\n%s", resp.StatusCode, b, stderr.String())
	}
	cancel()
	if c := <-code; c != 0 {
		t.Errorf("exit code %d", c)
	}
}

func TestRunBadSettings(t *testing.T) {
	var stderr bytes.Buffer
	if c := runServer([]string{"--set", "telemetry.logs.std=xml"}, io.Discard, &stderr, nil, context.Background()); c != 2 {
		t.Errorf("exit %d, want 2", c)
	}
	if !strings.Contains(stderr.String(), "telemetry.logs.std") {
		t.Errorf("stderr %q", stderr.String())
	}
	stderr.Reset()
	if c := runServer([]string{"-h"}, io.Discard, &stderr, nil, context.Background()); c != 0 || !strings.Contains(stderr.String(), "net.server.http.forwarded.proto.enabled") {
		t.Errorf("-h: exit %d, usage %q", c, stderr.String())
	}
}
