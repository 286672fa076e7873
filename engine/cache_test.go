package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/policies"
)

func cacheConfig(n int, first, nv string) *Config {
	store := namedvalues.NewStore()
	store.Set(namedvalues.NamedValue{Name: "v", Value: nv})
	cfg := &Config{NamedValues: store}
	for i := range n {
		body := "same"
		if i == 0 {
			body = first
		}
		cfg.APIs = append(cfg.APIs, &API{ID: fmt.Sprint("a", i), Path: fmt.Sprint("a", i), IsCurrent: true,
			Policy:     &PolicyDoc{File: fmt.Sprintf("apis/a%d/policy.xml", i), Source: []byte(`<policies><inbound><base/><set-header name="x" exists-action="override"><value>` + body + `-{{v}}</value></set-header></inbound></policies>`)},
			Operations: []*Operation{{ID: "o", Method: "GET", URLTemplate: "/"}}})
	}
	return cfg
}

func TestCompileCacheReusesUnchangedDocuments(t *testing.T) {
	cc := NewCompileCache()
	compile := func(cfg *Config) *Engine {
		t.Helper()
		e, errs := Compile(cfg, Options{Cache: cc})
		if e == nil {
			t.Fatal(errs)
		}
		return e
	}
	compile(cacheConfig(5, "one", "nv1"))
	if cc.Hits != 0 || cc.Misses != 6 { // 5 APIs and the default global policy
		t.Errorf("cold: %d hits, %d misses", cc.Hits, cc.Misses)
	}
	cfg := cacheConfig(5, "two", "nv1")
	e := compile(cfg)
	if cc.Hits != 5 || cc.Misses != 1 {
		t.Errorf("one change: %d hits, %d misses, want 5 and 1", cc.Hits, cc.Misses)
	}
	if len(cc.docs) != 6 {
		t.Errorf("%d documents kept, want the 6 in use", len(cc.docs))
	}
	if p := e.Pipeline(cfg.APIs[0].Operations[0], ""); p == nil || len(p.Sections["inbound"]) != 1 {
		t.Fatalf("pipeline %+v", p)
	}
	e2 := compile(cfg)
	if e2.Pipeline(cfg.APIs[1].Operations[0], "") != e.Pipeline(cfg.APIs[1].Operations[0], "") {
		t.Error("an unchanged pipeline was spliced again")
	}
	compile(cacheConfig(5, "two", "nv2"))
	if cc.Hits != 1 || cc.Misses != 5 { // the global policy does not use it
		t.Errorf("a named value every API uses changed: %d hits, %d misses, want 1 and 5", cc.Hits, cc.Misses)
	}
	bad := cacheConfig(2, `<unclosed`, "nv2")
	if e, _ := Compile(bad, Options{Cache: cc}); e != nil {
		t.Fatal("a broken document compiled")
	}
	if _, errs := Compile(bad, Options{Cache: cc}); len(errs) == 0 {
		t.Error("a broken document's errors were not reported again")
	}
}

// depConfig has three APIs: a0 uses the named value a, a1 includes the
// fragment f, a2 names the backend b.
func depConfig(nvA, nvB, frag string, backend bool) *Config {
	store := namedvalues.NewStore()
	store.Set(namedvalues.NamedValue{Name: "a", Value: nvA})
	store.Set(namedvalues.NamedValue{Name: "b", Value: nvB})
	cfg := &Config{NamedValues: store, Backends: map[string]*Backend{},
		Fragments: map[string]*PolicyDoc{"f": {File: "policy fragments/f/policy.xml", Source: []byte(`<fragment><set-header name="f" exists-action="override"><value>` + frag + `</value></set-header></fragment>`)}}}
	if backend {
		cfg.Backends["b"] = &Backend{ID: "b", URL: "http://127.0.0.1:9"}
	}
	bodies := []string{
		`<set-header name="x" exists-action="override"><value>{{a}}</value></set-header>`,
		`<include-fragment fragment-id="f" />`,
		`<set-backend-service backend-id="b" />`,
	}
	for i, b := range bodies {
		cfg.APIs = append(cfg.APIs, &API{ID: fmt.Sprint("a", i), Path: fmt.Sprint("a", i), IsCurrent: true,
			Policy:     &PolicyDoc{File: fmt.Sprintf("apis/a%d/policy.xml", i), Source: []byte(`<policies><inbound><base/>` + b + `</inbound></policies>`)},
			Operations: []*Operation{{ID: "o", Method: "GET", URLTemplate: "/"}}})
	}
	return cfg
}

// headerValue is the value of the first set-header of an API's inbound
// pipeline, as compiled.
func inboundOf(t *testing.T, e *Engine, cfg *Config, api int) []*policies.Stmt {
	t.Helper()
	p := e.Pipeline(cfg.APIs[api].Operations[0], "")
	if p == nil {
		t.Fatalf("API %d has no pipeline", api)
	}
	return p.Sections[policies.Inbound]
}

func TestCompileCacheRecompilesWhatALookupChanged(t *testing.T) {
	cc := NewCompileCache()
	compile := func(cfg *Config) *Engine {
		t.Helper()
		e, errs := Compile(cfg, Options{Cache: cc})
		if e == nil {
			t.Fatal(errs)
		}
		return e
	}
	base := depConfig("a1", "b1", "f1", true)
	steps := func(e *Engine, cfg *Config) [3]*policies.Stmt {
		var out [3]*policies.Stmt
		for i := range 3 {
			in := inboundOf(t, e, cfg, i)
			if len(in) != 1 {
				t.Fatalf("API %d: %d inbound statements, want 1", i, len(in))
			}
			out[i] = in[0]
		}
		return out
	}
	cases := []struct {
		name    string
		cfg     *Config
		changed int // the API whose document must recompile; -1: none
	}{
		{"same", depConfig("a1", "b1", "f1", true), -1},
		{"unused named value", depConfig("a1", "b2", "f1", true), -1},
		{"named value a", depConfig("a2", "b1", "f1", true), 0},
		{"fragment", depConfig("a1", "b1", "f2", true), 1},
	}
	for _, c := range cases {
		// Start from the base each time.
		s0 := steps(compile(base), base)
		e := compile(c.cfg)
		s := steps(e, c.cfg)
		for i := range 3 {
			if reused := s[i] == s0[i]; reused == (i == c.changed) {
				t.Errorf("%s: API %d reused=%v", c.name, i, reused)
			}
		}
		wantMiss := 0
		if c.changed >= 0 {
			wantMiss = 1
		}
		if cc.Misses != wantMiss {
			t.Errorf("%s: %d misses, want %d", c.name, cc.Misses, wantMiss)
		}
	}
	// A removed backend: the document naming it recompiles and fails.
	compile(base)
	if e, errs := Compile(depConfig("a1", "b1", "f1", false), Options{Cache: cc}); e != nil || !strings.Contains(errs.Error(), "apis/a2/policy.xml") {
		t.Errorf("a removed backend: engine %v, errors %v", e != nil, errs)
	}
	// The named value the document used now has another value: the
	// compiled step carries the new one.
	cfg := depConfig("a3", "b1", "f1", true)
	e := compile(cfg)
	if got := fmt.Sprint(inboundOf(t, e, cfg, 0)[0].Step); !strings.Contains(got, "a3") {
		t.Errorf("recompiled step %s does not hold the new value a3", got)
	}
}
