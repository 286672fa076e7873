package gateway_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway"
	"github.com/policygate/policygate/policies/state/redisstate/redistest"
)

// fleetConfig has one API per shared-state behaviour; every call needs
// the subscription key "fleet-key".
func fleetConfig(backend string) *engine.Config {
	api := func(id, inbound, outbound string) *engine.API {
		return &engine.API{ID: id, Path: id, ServiceURL: backend, IsCurrent: true, SubscriptionRequired: true,
			Policy:     doc(`<policies><inbound><base/>` + inbound + `</inbound><backend><base/></backend><outbound><base/>` + outbound + `</outbound><on-error><base/></on-error></policies>`),
			Operations: []*engine.Operation{{ID: "get", Method: "GET", URLTemplate: "/*"}}}
	}
	return &engine.Config{
		APIs: []*engine.API{
			api("rl", `<rate-limit calls="100" renewal-period="60" />`, ""),
			api("cache", `<cache-lookup vary-by-developer="false" vary-by-developer-groups="false" caching-type="external" />`, `<cache-store duration="60" />`),
			api("quota", `<quota-by-key calls="3" renewal-period="3600" counter-key="fleet" />`, ""),
			api("load", `<rate-limit-by-key calls="1000000" renewal-period="60" counter-key="load" />`, ""),
			api("values", `<cache-lookup-value key="ext" variable-name="e" default-value="miss" caching-type="external" />`+
				`<cache-lookup-value key="int" variable-name="i" default-value="miss" caching-type="internal" />`+
				`<choose><when condition="@(context.Request.Headers.ContainsKey(&quot;x-store&quot;))">`+
				`<cache-store-value key="ext" value="stored" duration="60" caching-type="external" />`+
				`<cache-store-value key="int" value="stored" duration="60" caching-type="internal" /></when></choose>`,
				`<set-header name="x-e" exists-action="override"><value>@((string)context.Variables["e"])</value></set-header>`+
					`<set-header name="x-i" exists-action="override"><value>@((string)context.Variables["i"])</value></set-header>`),
			api("tight", `<rate-limit-by-key calls="5" renewal-period="60" counter-key="@(context.Request.Headers.GetValueOrDefault(&quot;x-key&quot;, &quot;&quot;))" />`, ""),
		},
		Subscriptions: []*engine.Subscription{{ID: "s", PrimaryKey: "fleet-key", Scope: "all", Active: true}},
	}
}

// countingBackend answers "call N" and counts the calls.
func countingBackend(t testing.TB) (string, *atomic.Int64) {
	var n atomic.Int64
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "call %d", n.Add(1))
	}))
	t.Cleanup(be.Close)
	return be.URL, &n
}

// startFleetMember starts a gateway server on Redis with cfg active.
func startFleetMember(t testing.TB, cfg *engine.Config, kv ...string) *running {
	t.Helper()
	r := start(t, testSettings(t, kv...))
	t.Cleanup(func() { r.srv.CloseState() })
	e, errs := engine.Compile(cfg, engine.Options{})
	if e == nil || errs.HasErrors() {
		t.Fatal(errs)
	}
	r.srv.Activate(e)
	return r
}

var fleetClient = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

func fleetGet(t testing.TB, url string, hdr ...string) (int, string, error) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Ocp-Apim-Subscription-Key", "fleet-key")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := fleetClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// TestFleetSharesStateOnRedis: two gateways on one Redis enforce one rate
// limit, share one response cache and one quota, which outlives a
// gateway restart.
func TestFleetSharesStateOnRedis(t *testing.T) {
	srv := redistest.Start(t)
	be, backendCalls := countingBackend(t)
	cfg := fleetConfig(be)
	// a generous timeout: exact counts need every call to reach Redis, also
	// under the race detector (the fault test covers the 100 ms default)
	settings := []string{"cache.redis.url", srv.URL(), "cache.redis.prefix", "fleet:", "cache.redis.timeout", "5s"}
	g1 := startFleetMember(t, cfg, settings...)
	g2 := startFleetMember(t, cfg, settings...)

	t.Run("rate-limit calls=100 over two gateways", func(t *testing.T) {
		ok, limited := 0, 0
		for i := range 300 {
			g := []*running{g1, g2}[i%2]
			code, body, err := fleetGet(t, g.url+"/rl/x")
			switch {
			case err != nil:
				t.Fatal(err)
			case code == 200:
				ok++
			case code == 429 && strings.Contains(body, "Rate limit is exceeded"):
				limited++
			default:
				t.Fatalf("request %d: %d %s", i, code, body)
			}
		}
		if ok != 100 || limited != 200 {
			t.Fatalf("%d succeeded and %d were limited, want 100 and 200", ok, limited)
		}
	})

	t.Run("a response cached through one gateway is a hit on the other", func(t *testing.T) {
		before := backendCalls.Load()
		_, b1, err := fleetGet(t, g1.url+"/cache/page")
		if err != nil {
			t.Fatal(err)
		}
		_, b2, err := fleetGet(t, g2.url+"/cache/page")
		if err != nil {
			t.Fatal(err)
		}
		if b1 != b2 || backendCalls.Load() != before+1 {
			t.Fatalf("gateway 1 got %q, gateway 2 %q, backend called %d times; want one backend call and the same body", b1, b2, backendCalls.Load()-before)
		}
	})

	t.Run("caching-type external is shared, internal stays on its gateway", func(t *testing.T) {
		fleetGet(t, g1.url+"/values/x", "x-store", "1")
		h := func(g *running) string {
			req, _ := http.NewRequest("GET", g.url+"/values/x", nil)
			req.Header.Set("Ocp-Apim-Subscription-Key", "fleet-key")
			resp, err := fleetClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.Header.Get("x-e") + "/" + resp.Header.Get("x-i")
		}
		if got := h(g2); got != "stored/miss" {
			t.Errorf("gateway 2 sees external/internal %s, want stored/miss", got)
		}
		if got := h(g1); got != "stored/stored" {
			t.Errorf("gateway 1 sees external/internal %s, want stored/stored", got)
		}
	})

	t.Run("a spent quota stays spent after a gateway restart", func(t *testing.T) {
		for i := range 3 {
			if code, body, _ := fleetGet(t, g1.url+"/quota/x"); code != 200 {
				t.Fatalf("call %d: %d %s", i+1, code, body)
			}
		}
		if code, _, _ := fleetGet(t, g2.url+"/quota/x"); code != 403 {
			t.Fatalf("4th call on gateway 2: %d, want 403", code)
		}
		g1.cancel() // gateway 1 goes away; a new process takes its place
		g3 := startFleetMember(t, cfg, settings...)
		if code, body, _ := fleetGet(t, g3.url+"/quota/x"); code != 403 || !strings.Contains(body, "Out of call volume quota") {
			t.Fatalf("after the restart: %d %s, want 403 out of quota", code, body)
		}
	})
}

// TestFleetSurvivesRedisFailure: Redis killed under load fails open with
// no failed request and a warning; a paused (silent) Redis costs at most
// the timeout; once Redis is back the limits hold again within 2 s.
func TestFleetSurvivesRedisFailure(t *testing.T) {
	srv := redistest.Start(t)
	be, _ := countingBackend(t)
	g := startFleetMember(t, fleetConfig(be), "cache.redis.url", srv.URL(), "cache.redis.prefix", "fault:")

	var failed, served atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				code, body, err := fleetGet(t, g.url+"/load/x")
				if err != nil || code != 200 {
					failed.Add(1)
					t.Errorf("request failed: %d %s %v", code, body, err)
					continue
				}
				served.Add(1)
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	srv.Kill()
	time.Sleep(400 * time.Millisecond)
	close(stop)
	wg.Wait()
	if failed.Load() != 0 || served.Load() == 0 {
		t.Fatalf("%d requests failed, %d served with Redis killed under load", failed.Load(), served.Load())
	}
	if n := strings.Count(g.log.String(), "fail open"); n != 1 {
		t.Fatalf("%d fail-open warnings, want one per interval:\n%s", n, g.log.String())
	}
	_, metrics := get(t, g.admin+"/metrics")
	for _, m := range []string{
		`policygate_state_backend_fail_open_total{policy="rate-limit-by-key"}`,
		`policygate_state_backend_errors_total{op="sliding"}`,
		`policygate_state_backend_duration_seconds_bucket{op="sliding",le="0.1"}`,
	} {
		if !strings.Contains(metrics, m) {
			t.Errorf("no %s in /metrics", m)
		}
	}

	srv.Restart()
	restarted := time.Now()
	for attempt := 0; ; attempt++ {
		key := fmt.Sprintf("k%d", attempt)
		codes := ""
		for range 6 {
			code, _, err := fleetGet(t, g.url+"/tight/x", "x-key", key)
			if err != nil {
				t.Fatal(err)
			}
			codes += fmt.Sprint(code, " ")
		}
		if codes == "200 200 200 200 200 429 " {
			break
		}
		if time.Since(restarted) > 2*time.Second {
			t.Fatalf("limits not enforced 2s after Redis restarted: %s", codes)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("limits enforced again %v after the Redis restart", time.Since(restarted).Round(time.Millisecond))

	srv.Pause()
	start := time.Now()
	code, _, err := fleetGet(t, g.url+"/load/x")
	slow := time.Since(start)
	srv.Resume()
	if err != nil || code != 200 {
		t.Fatalf("with Redis paused: %d %v, want served", code, err)
	}
	if slow > time.Second {
		t.Fatalf("a request with Redis paused took %v (timeout 100ms)", slow)
	}
}

func TestRedisSettingsKeepSecrets(t *testing.T) {
	_, err := gateway.LoadSettings("", nil, map[string]string{"cache.redis.url": "redis://app:hunter2@127.0.0.1:1/0?nonsense=1"})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("bad cache.redis.url: %v, want an error without the password", err)
	}
	s, err := gateway.LoadSettings("", nil, map[string]string{"cache.redis.url": "rediss://u:in-url-secret@127.0.0.1:6380/1", "cache.redis.password": "s3cr3t-pw"})
	if err != nil {
		t.Fatal(err)
	}
	if s.RedisTimeout != 100*time.Millisecond || s.RedisPrefix != "policygate:" || s.RedisFailClosed || s.RedisPassword != "s3cr3t-pw" {
		t.Fatalf("defaults: timeout %v prefix %q fail-closed %v", s.RedisTimeout, s.RedisPrefix, s.RedisFailClosed)
	}
	var logs syncBuffer
	srv := gateway.NewServer(s, slog.New(slog.NewTextHandler(&logs, nil)))
	defer srv.CloseState()
	if strings.Contains(logs.String(), "s3cr3t-pw") || strings.Contains(logs.String(), "in-url-secret") {
		t.Fatalf("password logged: %s", logs.String())
	}
	if !strings.Contains(logs.String(), "on Redis") {
		t.Fatalf("no start line: %s", logs.String())
	}
}

func TestFleetFailClosed(t *testing.T) {
	srv := redistest.Start(t)
	be, _ := countingBackend(t)
	g := startFleetMember(t, fleetConfig(be), "cache.redis.url", srv.URL(), "cache.redis.fail-closed", "true")
	if code, _, _ := fleetGet(t, g.url+"/tight/x", "x-key", "a"); code != 200 {
		t.Fatalf("with Redis up: %d", code)
	}
	srv.Kill()
	code, body, err := fleetGet(t, g.url+"/tight/x", "x-key", "a")
	if err != nil || code != 429 || !strings.Contains(body, "could not be checked") {
		t.Fatalf("with Redis down and fail-closed: %d %q %v, want 429", code, body, err)
	}
	// caches still only miss
	if code, _, _ := fleetGet(t, g.url+"/cache/x"); code != 200 {
		t.Fatalf("cache with Redis down: %d, want a miss served by the backend", code)
	}
}
