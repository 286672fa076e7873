package gateway

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/policies"
)

func TestSemanticCacheHitMissVaryBy(t *testing.T) {
	f, url := aoai(t, "aoai")
	clock := &frozenClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	cfg := llmConfig(url, `<llm-semantic-cache-lookup score-threshold="0.05" embeddings-backend-id="embed" embeddings-backend-auth="system-assigned" ignore-system-messages="true" max-message-count="2">
<vary-by>@(context.Request.Headers.GetValueOrDefault("x-tenant", ""))</vary-by>
</llm-semantic-cache-lookup>`)
	cfg.APIs[0].Policy = doc(string(cfg.APIs[0].Policy.Source[:len(cfg.APIs[0].Policy.Source)-len(`<outbound><base/></outbound><on-error><base/></on-error></policies>`)]) +
		`<outbound><base/><llm-semantic-cache-store duration="60"/></outbound><on-error><base/></on-error></policies>`)
	// The embeddings deployment wants the gateway's managed identity token
	// (embeddings-backend-auth="system-assigned").
	policies.SetTokenSource(staticToken{})
	t.Cleanup(func() { policies.SetTokenSource(nil) })
	embedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer eyJhbGciOiJub25lIn0.e30." {
			http.Error(w, "no token", 401)
			return
		}
		f.ServeHTTP(w, r)
	}))
	t.Cleanup(embedSrv.Close)
	cfg.Backends["embed"] = &engine.Backend{ID: "embed", URL: embedSrv.URL + "/openai/deployments/text-embedding-3-small"}
	gw := newGW(t, cfg, WithClock(clock.now))
	ask := func(tenant, system, question string) result {
		t.Helper()
		body := `{"messages":[{"role":"system","content":"` + system + `"},{"role":"user","content":"` + question + `"}]}`
		return call(t, "POST", gw.URL+"/openai/deployments/gpt-4o/chat/completions", map[string]string{"Content-Type": "application/json", "x-tenant": tenant}, body)
	}
	steps := []struct {
		name                   string
		tenant, system, prompt string
		calls                  int64
	}{
		{"first ask: miss", "a", "Be brief.", "What is the capital of France?", 1},
		{"same question, other system message and case: hit", "a", "Be very polite.", "what is the capital of france", 1},
		{"another question: miss", "a", "Be brief.", "Tell me a joke about cats.", 2},
		{"another tenant (vary-by): miss", "b", "Be brief.", "What is the capital of France?", 3},
		{"tenant b now cached: hit", "b", "Be brief.", "What is the capital of France?", 3},
	}
	for _, s := range steps {
		r := ask(s.tenant, s.system, s.prompt)
		if r.status != 200 || f.Calls() != s.calls {
			t.Fatalf("%s: %d, model calls %d, want %d (%s)", s.name, r.status, f.Calls(), s.calls, r.body)
		}
	}
	if f.EmbeddingCalls() != int64(len(steps)) {
		t.Errorf("one embeddings call per lookup: %d", f.EmbeddingCalls())
	}
	// Three messages without the system one are more than max-message-count.
	long := `{"messages":[{"role":"user","content":"What is the capital of France?"},{"role":"assistant","content":"Paris."},{"role":"user","content":"What is the capital of France?"}]}`
	call(t, "POST", gw.URL+"/openai/deployments/gpt-4o/chat/completions", map[string]string{"Content-Type": "application/json", "x-tenant": "a"}, long)
	if f.Calls() != 4 {
		t.Errorf("max-message-count: the cache is skipped, model calls %d", f.Calls())
	}
	clock.add(61 * time.Second)
	if r := ask("a", "Be brief.", "What is the capital of France?"); r.status != 200 || f.Calls() != 5 {
		t.Errorf("expired after duration: model calls %d", f.Calls())
	}
}
