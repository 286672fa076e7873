package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway/apiops"
	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/parser"
)

// lockedBuffer is a log sink safe for the server and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines returns the JSON log lines whose msg is msg.
func (l *lockedBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if msg == "" || m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveLogged serves cfg through a Server whose JSON logs go to the
// returned buffer.
func serveLogged(t *testing.T, cfg *engine.Config, opts ...Option) (string, *lockedBuffer) {
	t.Helper()
	set, err := LoadSettings("", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	srv := NewServer(set, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), opts...)
	e, errs := engine.Compile(cfg, engine.Options{})
	if e == nil || errs.HasErrors() {
		t.Fatal(errs)
	}
	srv.Activate(e)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs.URL, logs
}

func secretStore(t *testing.T, kv ...string) *namedvalues.Store {
	t.Helper()
	st := namedvalues.NewStore()
	for i := 0; i+1 < len(kv); i += 2 {
		if err := st.Set(namedvalues.NamedValue{Name: kv[i], Value: kv[i+1], Secret: true}); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// wantFailureLine checks the single failure line of a request.
func wantFailureLine(t *testing.T, logs *lockedBuffer, msg, level string, want map[string]any, secrets ...string) map[string]any {
	t.Helper()
	lines := logs.lines(t, msg)
	if len(lines) != 1 {
		t.Fatalf("%d %q lines, want 1:\n%s", len(lines), msg, logs)
	}
	l := lines[0]
	if l["level"] != level {
		t.Errorf("level %v, want %s", l["level"], level)
	}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("%s = %v, want %v\n%v", k, l[k], v, l)
		}
	}
	if id, _ := l["requestId"].(string); len(id) != 36 {
		t.Errorf("requestId %q", l["requestId"])
	}
	for _, s := range secrets {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the logs contain the secret %q:\n%s", s, logs)
		}
	}
	return l
}

func TestFailureLogBackendDown(t *testing.T) {
	const secret = "sig-0f8e7d6c5b4a"
	cfg := &engine.Config{
		APIs: []*engine.API{{ID: "orders", Path: "orders", ServiceURL: "http://" + closedPort(t) + "/base", IsCurrent: true,
			Operations: []*engine.Operation{op("list", "GET", "/items")},
			Policy: doc(`<policies><inbound><set-backend-service base-url="http://` + closedPort(t) + `/v1/{{sig}}" /></inbound>` +
				`<backend><forward-request /></backend><outbound /><on-error /></policies>`)}},
		NamedValues: secretStore(t, "sig", secret),
	}
	url, logs := serveLogged(t, cfg)
	if r := call(t, "GET", url+"/orders/items", nil, ""); r.status != 500 {
		t.Fatalf("status %d %s", r.status, r.body)
	}
	l := wantFailureLine(t, logs, "request failed", "ERROR", map[string]any{
		"api": "orders", "operation": "list", "status": float64(500), "source": "forward-request",
		"reason": "BackendConnectionFailure", "section": "backend", "policyPath": "forward-request[1]", "scope": "api",
	}, secret)
	if c, _ := l["cause"].(string); !strings.Contains(c, "connection refused") || !strings.Contains(c, "/v1/***/items") {
		t.Errorf("cause %q: want the dial error with the signature masked", c)
	}
	if m, _ := l["message"].(string); !strings.HasPrefix(m, "Error occured while calling backend service") {
		t.Errorf("message %q", m)
	}
}

func TestFailureLogTokenFailure(t *testing.T) {
	const secret = "client-secret-7b1e"
	a := newEntra(t)
	a.reject.Store(true)
	a.leak.Store(true)
	up := newUpstream(t)
	cfg := authConfig(up.srv.URL, &engine.Backend{Auth: &engine.BackendAuth{
		Kind: engine.AuthClientSecret, TenantID: "t", ClientID: "c", ClientSecret: "{{sp}}", Scope: "api://llm/.default", AuthorityHost: a.srv.URL,
	}}, map[string]string{"sp": secret})
	url, logs := serveLogged(t, cfg, WithIdentity(a.options()))
	if r := call(t, "GET", url+"/ai/models", nil, ""); r.status != 500 {
		t.Fatalf("status %d %s", r.status, r.body)
	}
	l := wantFailureLine(t, logs, "request failed", "ERROR", map[string]any{
		"api": "ai", "operation": "any", "status": float64(500), "source": "forward-request",
		"reason": "BackendAuthenticationFailure", "message": "Unable to authenticate to backend 'llm'.", "section": "backend",
	}, secret)
	if c, _ := l["cause"].(string); !strings.Contains(c, "AADSTS7000215") || !strings.Contains(c, "Got ***") {
		t.Errorf("cause %q: want the authority's answer with the secret masked", c)
	}
}

func TestFailureLogPolicyError(t *testing.T) {
	const secret = "pin-93e1c2"
	cfg := &engine.Config{
		APIs: []*engine.API{{ID: "orders", Path: "orders", ServiceURL: "http://" + closedPort(t), IsCurrent: true,
			Operations: []*engine.Operation{op("list", "GET", "/items")},
			Policy: doc(`<policies><inbound><choose><when condition="@(true)">` +
				`<set-variable name="n" value="@(int.Parse(&quot;{{pin}}&quot;))" /></when></choose></inbound>` +
				`<backend><forward-request /></backend><outbound /><on-error><set-header name="X-Failed" exists-action="override"><value>yes</value></set-header></on-error></policies>`)}},
		NamedValues: secretStore(t, "pin", secret),
	}
	url, logs := serveLogged(t, cfg)
	r := call(t, "GET", url+"/orders/items", map[string]string{"Authorization": "Bearer caller-token-4455"}, "")
	if r.status != 500 || r.header.Get("X-Failed") != "yes" {
		t.Fatalf("status %d, X-Failed %q: on-error did not run", r.status, r.header.Get("X-Failed"))
	}
	l := wantFailureLine(t, logs, "request failed", "ERROR", map[string]any{
		"api": "orders", "operation": "list", "status": float64(500), "source": "set-variable",
		"section": "inbound", "policyPath": `choose[1]\when[1]\set-variable[1]`, "scope": "api",
	}, secret, "caller-token-4455")
	if p, _ := l["pos"].(string); !strings.HasPrefix(p, "t.xml:1:") {
		t.Errorf("pos %q: want the policy's file:line:col", p)
	}
	if m, _ := l["message"].(string); m == "" {
		t.Error("no message")
	}
}

func TestFailureLogClientErrorIsWarn(t *testing.T) {
	cfg := &engine.Config{APIs: []*engine.API{{ID: "orders", Path: "orders", ServiceURL: "http://" + closedPort(t), IsCurrent: true,
		Protocols: []string{"https"}, Operations: []*engine.Operation{op("list", "GET", "/items")}}}}
	url, logs := serveLogged(t, cfg)
	if r := call(t, "GET", url+"/orders/items", nil, ""); r.status != 404 {
		t.Fatalf("status %d", r.status)
	}
	l := wantFailureLine(t, logs, "request failed", "WARN", map[string]any{"status": float64(404), "reason": "OperationNotFound", "source": "configuration"})
	if h, _ := l["hint"].(string); !strings.Contains(h, "API orders operation list matches this path but allows only https") ||
		!strings.Contains(h, "net.server.tls.cert") {
		t.Errorf("hint %q", h)
	}
	// A path no scheme serves gets no hint.
	call(t, "GET", url+"/nothing/here", nil, "")
	if lines := logs.lines(t, "request failed"); len(lines) != 2 || lines[1]["hint"] != nil {
		t.Errorf("second 404: %v", lines)
	}
}

// reloadFolder writes an APIOps folder whose API policy is policy and
// whose named value "mode" is the secret value.
func reloadFolder(t *testing.T, dir, policy, secret string) {
	t.Helper()
	files := map[string]string{
		"apis/echo/apiInformation.json":               `{"properties":{"displayName":"Echo","path":"/echo","serviceUrl":"http://127.0.0.1:9","protocols":["http"],"subscriptionRequired":false,"isCurrent":true}}`,
		"apis/echo/specification.yaml":                "openapi: 3.0.1\ninfo:\n  title: Echo\n  version: '1'\npaths:\n  /hello:\n    get:\n      operationId: hello\n      responses:\n        '200':\n          description: ok\n",
		"apis/echo/policy.xml":                        policy,
		"namedValues/mode/namedValueInformation.json": `{"properties":{"displayName":"mode","secret":true,"value":"` + secret + `"}}`,
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFailureLogReload(t *testing.T) {
	const secret = "mode-secret-c0ffee"
	dir := t.TempDir()
	warned := `<policies><inbound><base /><validate-odata-request /></inbound><backend><base /></backend><outbound><base /></outbound></policies>`
	reloadFolder(t, dir, warned, secret)
	logs := &lockedBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var gens []int
	rl := NewReloader(dir, func(d string) (*engine.Config, parser.Errors) { return apiops.Load(d) }, func(*engine.Engine) {}, log)
	ctx := context.Background()
	if err := rl.Reload(ctx, true); err != nil {
		t.Fatalf("first load: %v\n%s", err, logs)
	}
	gens = append(gens, rl.Generation())
	// the same files again, forced: applied again, warnings not repeated
	if err := rl.Reload(ctx, true); err != nil {
		t.Fatalf("second load: %v\n%s", err, logs)
	}
	gens = append(gens, rl.Generation())
	if got := logs.lines(t, "configuration 1 applied: 1 apis, 1 operations, 1 warnings"); len(got) != 1 {
		t.Errorf("no line for configuration 1:\n%s", logs)
	}
	if got := logs.lines(t, "configuration 2 applied: 1 apis, 1 operations, 1 warnings"); len(got) != 1 {
		t.Errorf("no line for configuration 2:\n%s", logs)
	}
	if n := strings.Count(logs.String(), "validate-odata-request"); n != 1 {
		t.Errorf("the warning was printed %d times over two identical loads, want 1:\n%s", n, logs)
	}
	// a broken policy whose error quotes a secret named value
	reloadFolder(t, dir, `<policies><inbound><base /><set-header name="X" exists-action="{{mode}}"><value>v</value></set-header></inbound><backend><base /></backend><outbound><base /></outbound></policies>`, secret)
	if err := rl.Reload(ctx, false); err == nil {
		t.Fatal("the broken folder was applied")
	}
	fails := logs.lines(t, "reload failed: 1 errors, still serving configuration 2")
	if len(fails) != 1 || fails[0]["level"] != "ERROR" {
		t.Errorf("no reload-failed line:\n%s", logs)
	}
	errLines := 0
	for _, l := range logs.lines(t, "") {
		if l["level"] == "ERROR" && l["pos"] != nil {
			errLines++
			if p, _ := l["pos"].(string); !strings.Contains(p, "policy.xml:1:") {
				t.Errorf("error position %q", p)
			}
		}
	}
	if errLines != 1 {
		t.Errorf("%d positioned error lines, want 1:\n%s", errLines, logs)
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("the logs contain the secret named value:\n%s", logs)
	}
	if gens[0] != 1 || gens[1] != 2 || rl.Generation() != 2 {
		t.Errorf("generations %v then %d", gens, rl.Generation())
	}
	for _, l := range logs.lines(t, "") {
		if took, ok := l["took"]; ok {
			if s, _ := took.(string); !strings.HasSuffix(s, "s") {
				t.Errorf("took %v: want a duration text such as 4.45ms", took)
			}
		}
	}
}
