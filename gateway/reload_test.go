package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway"
	"github.com/policygate/policygate/gateway/apiops"
	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/parser"
)

// writeFolder writes a minimal APIOps folder: one API "echo" at /echo with
// one operation and an API policy that sets X-Version to version.
func writeFolder(t testing.TB, dir, backend, version string) {
	t.Helper()
	files := map[string]string{
		"apis/echo/apiInformation.json": `{"properties":{"displayName":"Echo","path":"/echo","serviceUrl":"` + backend + `","protocols":["http"],"subscriptionRequired":false,"isCurrent":true}}`,
		"apis/echo/specification.yaml":  "openapi: 3.0.1\ninfo:\n  title: Echo\n  version: '1'\npaths:\n  /hello:\n    get:\n      operationId: hello\n      responses:\n        '200':\n          description: ok\n",
		"apis/echo/policy.xml":          versionPolicy(version),
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

func versionPolicy(v string) string {
	return `<policies>
  <inbound><base /></inbound>
  <backend><base /></backend>
  <outbound>
    <base />
    <set-header name="X-Version" exists-action="override"><value>` + v + `</value></set-header>
  </outbound>
</policies>
`
}

func loadDir(dir string) (*engine.Config, parser.Errors) { return apiops.Load(dir) }

// cachedLoadDir is loadDir reusing unchanged API folders, as
// policygate run loads a hot-reloaded folder.
func cachedLoadDir() gateway.LoadFunc {
	c := apiops.NewCache()
	return func(dir string) (*engine.Config, parser.Errors) { return apiops.Load(dir, apiops.WithCache(c)) }
}

// newReloading starts a server for dir with a reloader whose Run loop is
// running; events are only injected by the test unless watch is set.
func newReloading(t *testing.T, dir string, watch bool) (*running, *gateway.Reloader) {
	t.Helper()
	r := start(t, testSettings(t))
	log := slog.New(slog.NewJSONHandler(r.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rl := gateway.NewReloader(dir, cachedLoadDir(), r.srv.Activate, log)
	rl.OnResult = r.srv.Metrics().Reload
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := rl.Reload(ctx, true); err != nil {
		t.Fatalf("first load: %v\n%s", err, r.log.String())
	}
	if watch {
		if err := gateway.Watch(ctx, dir, rl.Events, log); err != nil {
			t.Fatal(err)
		}
	}
	go rl.Run(ctx)
	return r, rl
}

func version(t testing.TB, r *running) string {
	t.Helper()
	resp, body := get(t, r.url+"/echo/hello")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	return resp.Header.Get("X-Version")
}

// waitVersion polls until the served version is want or the deadline passes.
func waitVersion(t *testing.T, r *running, want string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if v := version(t, r); v == want {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("X-Version is still %q after %v, want %q\n%s", version(t, r), within, want, r.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestReloadWithFsnotify is the one test on real file events: an edit is
// active within a second, a new subfolder is watched, and an editor's
// write-then-rename save is seen.
func TestReloadWithFsnotify(t *testing.T) {
	dir := t.TempDir()
	writeFolder(t, dir, startEcho(t), "v1")
	r, _ := newReloading(t, dir, true)
	if v := version(t, r); v != "v1" {
		t.Fatalf("version %q", v)
	}
	policy := filepath.Join(dir, "apis", "echo", "policy.xml")
	if err := os.WriteFile(policy, []byte(versionPolicy("v2")), 0o644); err != nil {
		t.Fatal(err)
	}
	took := waitVersion(t, r, "v2", time.Second)
	t.Logf("edit active after %v", took)

	// rename-on-save, as editors do
	tmp := filepath.Join(dir, "apis", "echo", ".policy.xml.tmp")
	os.WriteFile(tmp, []byte(versionPolicy("v3")), 0o644)
	if err := os.Rename(tmp, policy); err != nil {
		t.Fatal(err)
	}
	waitVersion(t, r, "v3", time.Second)

	// a folder created after start is watched: a new operation policy in it
	opDir := filepath.Join(dir, "apis", "echo", "operations", "hello")
	if err := os.MkdirAll(opDir, 0o755); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // let the watcher add the new folders
	os.WriteFile(filepath.Join(opDir, "policy.xml"), []byte(strings.Replace(versionPolicy("v4"), "<outbound>\n    <base />", "<outbound>\n    <base />\n    <set-header name=\"X-Op\" exists-action=\"override\"><value>hello</value></set-header>", 1)), 0o644)
	waitVersion(t, r, "v4", time.Second)
	if resp, _ := get(t, r.url+"/echo/hello"); resp.Header.Get("X-Op") != "hello" {
		t.Errorf("operation policy in a new folder not active: X-Op %q", resp.Header.Get("X-Op"))
	}
}

func TestReloadBrokenKeepsLastGood(t *testing.T) {
	dir := t.TempDir()
	writeFolder(t, dir, startEcho(t), "v1")
	r, rl := newReloading(t, dir, false)
	policy := filepath.Join(dir, "apis", "echo", "policy.xml")
	broken := "<policies>\n  <inbound>\n    <set-header name=\"X\"><value>@(1 +)</value></set-header>\n  </inbound>\n  <outbound>\n</policies>\n"
	os.WriteFile(policy, []byte(broken), 0o644)
	rl.Events <- policy
	deadline := time.Now().Add(2 * time.Second)
	for !strings.Contains(r.log.String(), `"level":"ERROR"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no error logged:\n%s", r.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if v := version(t, r); v != "v1" {
		t.Errorf("after a broken edit the version is %q, want the last good v1", v)
	}
	logs := r.log.String()
	if !strings.Contains(logs, `"pos":"`+policy+`:`) {
		t.Errorf("error logged without its position in %s:\n%s", policy, logs)
	}
	// fixing the file activates it
	os.WriteFile(policy, []byte(versionPolicy("v2")), 0o644)
	rl.Events <- policy
	waitVersion(t, r, "v2", 2*time.Second)
	_, metrics := get(t, r.admin+"/metrics")
	for _, want := range []string{`policygate_config_reloads_total{result="failed"} 1`, `policygate_config_reloads_total{result="ok"} 2`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestReloadDebouncedAndUnchangedSkipped(t *testing.T) {
	dir := t.TempDir()
	writeFolder(t, dir, startEcho(t), "v1")
	var activations atomic.Int32
	r := start(t, testSettings(t))
	rl := gateway.NewReloader(dir, loadDir, func(e *engine.Engine) { activations.Add(1); r.srv.Activate(e) }, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := rl.Reload(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := rl.Reload(ctx, false); !errors.Is(err, gateway.ErrUnchanged) {
		t.Errorf("second reload of the same files: %v, want ErrUnchanged", err)
	}
	// editor droppings do not count as a change
	os.WriteFile(filepath.Join(dir, "apis", "echo", ".policy.xml.swp"), []byte("x"), 0o644)
	if err := rl.Reload(ctx, false); !errors.Is(err, gateway.ErrUnchanged) {
		t.Errorf("reload after a swap file appeared: %v, want ErrUnchanged", err)
	}
	go rl.Run(ctx)
	os.WriteFile(filepath.Join(dir, "apis", "echo", "policy.xml"), []byte(versionPolicy("v2")), 0o644)
	for i := 0; i < 20; i++ { // a burst of events is one rebuild
		rl.Events <- "burst"
	}
	waitVersion(t, r, "v2", 2*time.Second)
	time.Sleep(300 * time.Millisecond)
	if n := activations.Load(); n != 2 {
		t.Errorf("%d activations, want 2 (start + one for the burst)", n)
	}
}

// TestSwapUnderLoadLosesNothing sends requests from many goroutines over
// loopback while the configuration is swapped 100 times: every response
// must be 200 and come whole from one configuration or the other.
func TestSwapUnderLoadLosesNothing(t *testing.T) {
	be := startEcho(t)
	r := start(t, testSettings(t))
	engines := make([]*engine.Engine, 2)
	for i := range engines {
		dir := t.TempDir()
		writeFolder(t, dir, be, fmt.Sprintf("v%d", i))
		cfg, errs := apiops.Load(dir)
		if cfg == nil {
			t.Fatal(errs)
		}
		e, errs := engine.Compile(cfg, engine.Options{})
		if e == nil {
			t.Fatal(errs)
		}
		engines[i] = e
	}
	r.srv.Activate(engines[0])
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var total, bad atomic.Int64
	var firstErr atomic.Value
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Get(r.url + "/echo/hello?g=1")
				total.Add(1)
				if err != nil {
					bad.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				v := resp.Header.Get("X-Version")
				if resp.StatusCode != 200 || (v != "v0" && v != "v1") || !strings.Contains(string(body), `"path": "/hello"`) {
					bad.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("status %d version %q body %.80s", resp.StatusCode, v, body))
				}
			}
		}()
	}
	for i := 1; i <= 100; i++ {
		time.Sleep(2 * time.Millisecond)
		r.srv.Activate(engines[i%2])
	}
	close(stop)
	wg.Wait()
	if total.Load() < 100 {
		t.Errorf("only %d requests during the swaps", total.Load())
	}
	if n := bad.Load(); n != 0 {
		t.Errorf("%d of %d requests failed during 100 swaps; first: %v", n, total.Load(), firstErr.Load())
	}
	t.Logf("%d requests, 100 swaps, 0 lost", total.Load())
}

// fakeVault resolves every secret to its current value.
type fakeVault struct{ v atomic.Value }

func (f *fakeVault) Resolve(context.Context, namedvalues.KeyVaultRef) (string, error) {
	return f.v.Load().(string), nil
}

// TestKeyVaultRefreshRecompiles: a named value from Key Vault is fetched
// before the first activation, and a changed secret is picked up by the
// refresh timer and swapped in through the same compile path.
func TestKeyVaultRefreshRecompiles(t *testing.T) {
	be := startEcho(t)
	vault := &fakeVault{}
	vault.v.Store("first-secret")
	load := func(string) (*engine.Config, parser.Errors) {
		nv := namedvalues.NewStore(namedvalues.WithResolver(vault))
		if err := nv.Set(namedvalues.NamedValue{Name: "backend-key", Secret: true, KeyVault: &namedvalues.KeyVaultRef{SecretIdentifier: "https://v.vault.azure.net/secrets/backend-key"}}); err != nil {
			t.Fatal(err)
		}
		return &engine.Config{NamedValues: nv, APIs: []*engine.API{{ID: "echo", Path: "echo", ServiceURL: be, IsCurrent: true,
			Policy:     doc(`<policies><inbound><base/><set-header name="X-Key" exists-action="override"><value>{{backend-key}}</value></set-header></inbound><backend><base/></backend><outbound><base/></outbound></policies>`),
			Operations: []*engine.Operation{{ID: "hello", Method: "GET", URLTemplate: "/hello"}}}}}, nil
	}
	r := start(t, testSettings(t))
	rl := gateway.NewReloader(t.TempDir(), load, r.srv.Activate, slog.New(slog.NewJSONHandler(r.log, nil)))
	rl.Refresh = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := rl.Reload(ctx, true); err != nil {
		t.Fatal(err)
	}
	go rl.Run(ctx)
	key := func() string {
		_, body := get(t, r.url+"/echo/hello")
		var e struct{ Headers map[string][]string }
		json.Unmarshal([]byte(body), &e)
		return strings.Join(e.Headers["X-Key"], ",")
	}
	if k := key(); k != "first-secret" {
		t.Fatalf("backend saw X-Key %q, want the fetched secret", k)
	}
	vault.v.Store("rotated-secret")
	deadline := time.Now().Add(2 * time.Second)
	for key() != "rotated-secret" {
		if time.Now().After(deadline) {
			t.Fatalf("rotated secret not active:\n%s", r.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if logs := r.log.String(); strings.Contains(logs, "first-secret") || strings.Contains(logs, "rotated-secret") {
		t.Errorf("log shows a secret:\n%s", logs)
	}
	if !strings.Contains(r.log.String(), "a Key Vault named value changed") {
		t.Errorf("recompile not logged:\n%s", r.log.String())
	}
}
