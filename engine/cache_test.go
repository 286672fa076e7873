package engine

import (
	"fmt"
	"testing"

	"github.com/policygate/policygate/namedvalues"
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
	if cc.Hits != 0 {
		t.Errorf("a changed named value reused %d documents", cc.Hits)
	}
	bad := cacheConfig(2, `<unclosed`, "nv2")
	if e, _ := Compile(bad, Options{Cache: cc}); e != nil {
		t.Fatal("a broken document compiled")
	}
	if _, errs := Compile(bad, Options{Cache: cc}); len(errs) == 0 {
		t.Error("a broken document's errors were not reported again")
	}
}
