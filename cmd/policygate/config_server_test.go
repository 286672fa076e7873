package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policygate/policygate/gateway/fleet"
)

func TestConfigServerRefusesPlainHTTPWithoutTheFlag(t *testing.T) {
	var stderr bytes.Buffer
	code := run([]string{"config-server", "--config", t.TempDir(), "--keys", filepath.Join(t.TempDir(), "k.json")}, io.Discard, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "--insecure-http") {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}

func TestConfigServerKeysAndToken(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "keys.json")
	var out, errb bytes.Buffer
	if code := run([]string{"config-server", "keys", "--keys", keys, "--gateway", "edge"}, &out, &errb); code != 0 {
		t.Fatalf("keys: exit %d: %s", code, errb.String())
	}
	kf, err := fleet.ReadKeys(keys)
	if err != nil || kf.Gateways["edge"].Primary == "" {
		t.Fatalf("keys file: %+v, %v", kf, err)
	}
	if strings.Contains(out.String(), kf.Gateways["edge"].Primary) {
		t.Error("the keys command printed a key")
	}
	token := func(args ...string) (int, string, string) {
		var o, e bytes.Buffer
		c := run(append([]string{"config-server", "token", "--keys", keys, "--gateway", "edge"}, args...), &o, &e)
		return c, strings.TrimSpace(o.String()), e.String()
	}
	code, tok, _ := token("--expiry", "30d")
	tk, err := fleet.ParseToken(tok)
	if code != 0 || err != nil || tk.Verify(kf.Gateways["edge"], time.Now()) != nil || time.Until(tk.Expiry) < 29*24*time.Hour {
		t.Fatalf("token %q: exit %d, %v", tok, code, err)
	}
	if code, _, msg := token("--expiry", "31d"); code != 2 || !strings.Contains(msg, "at most 30d") {
		t.Errorf("31 days: exit %d %s", code, msg)
	}
	_, sec, _ := token("--key", "secondary", "--expiry", "2h")
	if code := run([]string{"config-server", "keys", "--keys", keys, "--gateway", "edge", "--regenerate", "primary"}, &out, &errb); code != 0 {
		t.Fatal(errb.String())
	}
	kf, _ = fleet.ReadKeys(keys)
	ts, _ := fleet.ParseToken(sec)
	if fleet.Reason(tk.Verify(kf.Gateways["edge"], time.Now())) != fleet.ReasonBadSignature || ts.Verify(kf.Gateways["edge"], time.Now()) != nil {
		t.Error("after regenerating the primary key its token must fail and the secondary's work")
	}
	if code, _, msg := token("--gateway", "nope"); code != 1 || !strings.Contains(msg, `gateway "nope" has no keys`) {
		t.Errorf("unknown gateway: exit %d %s", code, msg)
	}
}

// policygate config-server (plain HTTP) and policygate run pulling from
// it with config.service.*; config-server status prints the table.
func TestConfigServerAndRunEndToEnd(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, s string) {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(s), 0o644)
	}
	write("apis/echo/apiInformation.json", `{"properties": {"displayName": "echo", "path": "echo", "serviceUrl": "http://127.0.0.1:9", "protocols": ["http"], "subscriptionRequired": false}}`)
	write("apis/echo/specification.yaml", "swagger: '2.0'\ninfo: {title: t, version: v1}\npaths:\n  /hi:\n    get:\n      operationId: hi\n      responses: {200: {description: ok}}\n")
	write("apis/echo/policy.xml", `<policies><inbound><base /><return-response><set-status code="200" /><set-body>from the fleet</set-body></return-response></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`)
	write("gateways/edge/apis.json", `["echo"]`)
	keys := filepath.Join(t.TempDir(), "keys.json")
	run([]string{"config-server", "keys", "--keys", keys, "--gateway", "edge"}, io.Discard, io.Discard)
	var tok bytes.Buffer
	run([]string{"config-server", "token", "--keys", keys, "--gateway", "edge", "--expiry", "1d"}, &tok, io.Discard)

	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan [2]string, 1)
	srvLog := &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- configServe([]string{"--config", dir, "--keys", keys, "--insecure-http", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--heartbeat", "1s"},
			srvLog, ctx, func(a, b string) { addrs <- [2]string{a, b} })
	}()
	t.Cleanup(func() { cancel(); <-done })
	a := <-addrs
	url, log := startRun(t, nil, "--listen", "127.0.0.1:0", "--admin", "none",
		"--set", "config.service.endpoint=http://"+a[0], "--set", "config.service.auth="+strings.TrimSpace(tok.String()),
		"--set", "config.service.heartbeat.interval=200ms")
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(url + "/echo/hi")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) == "from the fleet" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gateway did not serve the fleet's configuration:\n%s\n%s", log.String(), srvLog.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	var out bytes.Buffer
	for time.Now().Before(deadline) {
		out.Reset()
		run([]string{"config-server", "status", "--admin", "http://" + a[1]}, &out, io.Discard)
		if strings.Contains(out.String(), "1/1") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "GATEWAY") || !strings.HasPrefix(lines[1], "edge") || !strings.Contains(lines[1], "1/1") {
		t.Errorf("status table:\n%s", out.String())
	}
	secret := strings.TrimSpace(tok.String())
	if strings.Contains(log.String(), secret[strings.LastIndexByte(secret, '&')+1:]) || strings.Contains(srvLog.String(), secret[strings.LastIndexByte(secret, '&')+1:]) {
		t.Error("the token appears in a log")
	}
}
