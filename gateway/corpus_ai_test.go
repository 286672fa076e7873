package gateway

import (
	"io"
	"log/slog"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway/fakeopenai"
	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
)

var (
	aiPolicy = regexp.MustCompile(`<(llm-[a-z-]+|azure-openai-[a-z-]+)`)
	// backendIDRef also finds embeddings-backend-id, spaces around = allowed.
	backendIDRef = regexp.MustCompile(`backend-id\s*=\s*"([^"@]+)"`)
)

// TestCorpusAIGateway loads every AI-gateway document of the corpus (one
// using an llm-* or azure-openai-* policy) as the policy of an API in
// front of the fake Azure OpenAI, sends a chat completion through it, and
// counts those that load without a not-implemented warning. No llm-* or
// azure-openai-* policy may be reported as not implemented, and no
// request may panic.
func TestCorpusAIGateway(t *testing.T) {
	dir := corpusRunSetup(t)
	fake := httptest.NewServer(fakeopenai.New("corpus"))
	defer fake.Close()
	client := loopbackClient(fake.Listener.Addr().String())
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var ai, loaded, clean, ran int
	warned := map[string]int{}
	for _, f := range corpusDocuments(t, dir) {
		src, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if !aiPolicy.Match(src) {
			continue
		}
		ai++
		store := namedvalues.NewStore()
		for _, n := range namedvalues.References(string(src)) {
			_ = store.Set(namedvalues.NamedValue{Name: n, Value: sampleNamedValue(n)})
		}
		cfg := &engine.Config{
			Backends: map[string]*engine.Backend{}, Fragments: map[string]*engine.PolicyDoc{}, NamedValues: store,
			APIs: []*engine.API{{ID: "api", Name: "api", Path: "openai", ServiceURL: "http://aoai.test/openai", IsCurrent: true,
				Operations: []*engine.Operation{{ID: "op", Method: "*", URLTemplate: "/*"}}, Policy: &engine.PolicyDoc{File: f, Source: src}}},
		}
		for _, m := range backendIDRef.FindAllStringSubmatch(string(src), -1) {
			id := m[1]
			if exp, _ := namedvalues.Expand(id, store.Lookup, namedvalues.Options{}); exp.Text != "" {
				id = exp.Text
			}
			cfg.Backends[id] = &engine.Backend{ID: id, URL: "http://aoai.test/openai"}
		}
		for _, m := range fragmentRef.FindAllStringSubmatch(string(src), -1) {
			cfg.Fragments[m[1]] = &engine.PolicyDoc{File: m[1] + ".xml", Source: []byte(`<fragment><set-variable name="fragment" value="` + m[1] + `" /></fragment>`)}
		}
		e, errs := engine.Compile(cfg, engine.Options{})
		if e == nil {
			continue
		}
		loaded++
		ok := true
		for _, er := range append(errs, e.Warnings...) {
			if er.Code == parser.CodeNotImplemented {
				ok = false
				warned[firstWords(er.Msg)]++
				if aiPolicy.MatchString("<" + er.Msg) {
					t.Errorf("%s: %v", f, er)
				}
			}
		}
		if ok {
			clean++
		}
		var out engine.Outcome
		g, _ := New(cfg, WithClient(client), WithLogger(quiet), WithObserver(func(_ *policies.Run, o engine.Outcome) { out = o }))
		if g == nil {
			continue
		}
		req := httptest.NewRequest("POST", "http://gw/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
			strings.NewReader(`{"messages":[{"role":"user","content":"Say hello."}]}`))
		req.Header.Set("Content-Type", "application/json")
		g.ServeHTTP(httptest.NewRecorder(), req)
		ran++
		if out.Failure != nil && strings.HasPrefix(out.Failure.Err.Message, "internal error") {
			t.Errorf("%s: a request panicked: %s", f, out.Failure.Error())
		}
	}
	t.Logf("%d AI-gateway corpus documents: %d load, %d without a not-implemented warning, %d requests run", ai, loaded, clean, ran)
	for _, k := range slices.Sorted(maps.Keys(warned)) {
		t.Logf("not implemented: %d × %s", warned[k], k)
	}
}
