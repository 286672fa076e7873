package apiops

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/parser"
)

// apiSummary is what a test compares of the loaded APIs.
func apiSummary(cfg *engine.Config) []string {
	var out []string
	for _, a := range cfg.APIs {
		s := fmt.Sprintf("%s rev=%s current=%v path=%s url=%s set=%s/%s/%s", a.ID, a.Revision, a.IsCurrent, a.Path, a.ServiceURL, a.VersionSet, a.VersionScheme, a.VersionName)
		if a.Policy != nil {
			s += " policy=" + a.Policy.File + ":" + string(a.Policy.Source)
		}
		for _, op := range a.Operations {
			s += fmt.Sprintf(" op=%s %s %s", op.ID, op.Method, op.URLTemplate)
			if op.Policy != nil {
				s += " opPolicy=" + op.Policy.File + ":" + string(op.Policy.Source)
			}
		}
		out = append(out, s)
	}
	return out
}

func loadCached(t *testing.T, dir string, c *Cache) (*engine.Config, parser.Errors) {
	t.Helper()
	return Load(dir, env(fixtureEnv), WithCache(c))
}

func mustLoad(t *testing.T, dir string, opts ...Option) *engine.Config {
	t.Helper()
	cfg, errs := Load(dir, append([]Option{env(fixtureEnv)}, opts...)...)
	if cfg == nil {
		t.Fatal(errs)
	}
	return cfg
}

func TestCacheReusesUnchangedAPIFolders(t *testing.T) {
	dir := copyFixture(t, false)
	c := NewCache()
	mustLoad(t, dir, WithCache(c))
	if c.Hits != 0 || c.Misses != 5 {
		t.Fatalf("cold: %d hits, %d misses, want 0 and 5", c.Hits, c.Misses)
	}
	check := func(what string, hits, misses int) *engine.Config {
		t.Helper()
		cfg, errs := loadCached(t, dir, c)
		if cfg == nil {
			t.Fatalf("%s: %v", what, errs)
		}
		if c.Hits != hits || c.Misses != misses {
			t.Errorf("%s: %d hits, %d misses, want %d and %d", what, c.Hits, c.Misses, hits, misses)
		}
		want := mustLoad(t, dir) // without the cache
		if d := cmp.Diff(apiSummary(want), apiSummary(cfg)); d != "" {
			t.Errorf("%s: cached load differs from a load without the cache (-want +got):\n%s", what, d)
		}
		return cfg
	}
	cfg1 := check("unchanged", 5, 0)
	cfg2 := check("unchanged again", 5, 0)
	// Each load has its own API values, sharing the operations.
	if cfg1.APIs[0] == cfg2.APIs[0] {
		t.Error("two loads share an engine.API")
	}
	if cfg1.APIs[0].Operations[0] != cfg2.APIs[0].Operations[0] {
		t.Error("an unchanged API's operations were built again")
	}
	cfg2.APIs[0].IsCurrent = !cfg2.APIs[0].IsCurrent
	check("after a caller changed its API", 5, 0)

	write(t, dir, "apis/orders/operations/get-order/policy.xml", `<policies><inbound><base /><return-response /></inbound></policies>`)
	cfg := check("an operation policy changed", 4, 1)
	if s := strings.Join(apiSummary(cfg), "\n"); !strings.Contains(s, "<return-response />") {
		t.Errorf("the new operation policy is not loaded:\n%s", s)
	}
	write(t, dir, "apis/ver-seg-v1/specification.yaml", "openapi: 3.0.1\ninfo: {title: s, version: v1}\npaths:\n  /other:\n    get: {operationId: other, responses: {'200': {description: ok}}}\n")
	cfg = check("a specification changed", 4, 1)
	if s := strings.Join(apiSummary(cfg), "\n"); !strings.Contains(s, "op=other GET /other") {
		t.Errorf("the new specification is not loaded:\n%s", s)
	}
	write(t, dir, "apis/orders/notes.txt", "any file below the folder is part of its key")
	check("a new file", 4, 1)
	// Version sets are part of every API's key.
	write(t, dir, "versionSets/vs-query/versionSetInformation.json", `{"properties": {"displayName": "vs-query", "versioningScheme": "Query", "versionQueryName": "v2"}}`)
	cfg = check("a version set changed", 0, 5)
	if s := strings.Join(apiSummary(cfg), "\n"); !strings.Contains(s, "Query/v2") {
		t.Errorf("the version set's new query name is not used:\n%s", s)
	}
	// The current revision moves: both revision folders change.
	info := filepath.Join(dir, "apis/orders/apiInformation.json")
	old, _ := os.ReadFile(info)
	write(t, dir, "apis/orders/apiInformation.json", strings.Replace(string(old), `"isCurrent": true`, `"isCurrent": false`, 1))
	write(t, dir, "apis/orders;rev=2/apiInformation.json", `{"properties": {"displayName": "Orders", "path": "/orders", "serviceUrl": "https://orders.example.com/v2/", "apiRevision": "2", "isCurrent": true}}`)
	check("the current revision moved", 3, 2)
}

func TestCacheBrokenFolderIsReadAgain(t *testing.T) {
	dir := copyFixture(t, false)
	c := NewCache()
	mustLoad(t, dir, WithCache(c))
	info := filepath.Join(dir, "apis/ver-seg-v1/apiInformation.json")
	good, _ := os.ReadFile(info)
	write(t, dir, "apis/ver-seg-v1/apiInformation.json", "{\n  \"properties\": {\"path\": \"seg\",, }\n}")
	for range 2 { // the error is reported again, not remembered as a good folder
		cfg, errs := loadCached(t, dir, c)
		if cfg != nil {
			t.Fatal("a broken apiInformation.json loaded")
		}
		if s := errs.Error(); !strings.Contains(s, "apiInformation.json:2:") || !strings.Contains(s, "ver-seg-v1") {
			t.Errorf("error without file:line:col of the broken file: %s", s)
		}
	}
	write(t, dir, "apis/ver-seg-v1/apiInformation.json", string(good))
	if cfg, errs := loadCached(t, dir, c); cfg == nil {
		t.Fatal(errs)
	}
	if c.Misses != 1 || c.Hits != 4 {
		t.Errorf("after the fix: %d hits, %d misses, want 4 and 1", c.Hits, c.Misses)
	}
	// An operation policy for an operation the specification lacks is an
	// error found after the specification is parsed: not kept either.
	write(t, dir, "apis/ver-seg-v1/operations/nope/policy.xml", `<policies />`)
	for range 2 {
		if cfg, errs := loadCached(t, dir, c); cfg != nil || !strings.Contains(errs.Error(), `no operation "nope"`) {
			t.Errorf("operation policy without operation: config %v, errors %v", cfg != nil, errs)
		}
	}
}

// Warnings of a reused folder are reported on every load.
func TestCacheKeepsWarnings(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "apis/a/apiInformation.json", `{"properties": {"path": "a", "serviceUrl": "http://127.0.0.1:9"}}`)
	c := NewCache()
	for i := range 2 {
		cfg, errs := loadCached(t, dir, c)
		if cfg == nil {
			t.Fatal(errs)
		}
		if !strings.Contains(errs.Error(), "has no specification") {
			t.Errorf("load %d: warnings %v", i, errs)
		}
	}
	if c.Hits != 1 {
		t.Errorf("%d hits, want 1", c.Hits)
	}
}

// A folder with many files (indexed while it is read) loads as without
// the cache.
func TestCacheFolderWithManyFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "apis/a/apiInformation.json", `{"properties": {"path": "a", "serviceUrl": "http://127.0.0.1:9"}}`)
	spec := "openapi: 3.0.1\ninfo: {title: a, version: v1}\npaths:\n"
	for i := range 20 {
		spec += fmt.Sprintf("  /p%d:\n    get: {operationId: op%d, responses: {'200': {description: ok}}}\n", i, i)
		write(t, dir, fmt.Sprintf("apis/a/operations/op%d/policy.xml", i), fmt.Sprintf(`<policies><inbound><base /><set-variable name="n" value="%d" /></inbound></policies>`, i))
	}
	write(t, dir, "apis/a/specification.yaml", spec)
	c := NewCache()
	want := apiSummary(mustLoad(t, dir))
	for i := range 2 {
		if d := cmp.Diff(want, apiSummary(mustLoad(t, dir, WithCache(c)))); d != "" {
			t.Errorf("load %d through the cache differs (-want +got):\n%s", i, d)
		}
	}
	if c.Hits != 1 {
		t.Errorf("%d hits, want 1", c.Hits)
	}
	if s := strings.Join(want, ""); !strings.Contains(s, `value="19"`) {
		t.Errorf("operation policies not loaded: %s", s)
	}
}

// WithUnchanged is trusted: a folder it calls unchanged is reused without
// being read (even when, as here, it did change); a changed one is read;
// a version set change still reads every folder.
func TestCacheWithUnchanged(t *testing.T) {
	dir := copyFixture(t, false)
	c := NewCache()
	mustLoad(t, dir, WithCache(c))
	orders := filepath.Join(dir, "apis", "orders")
	write(t, dir, "apis/orders/operations/get-order/policy.xml", `<policies><inbound><base /><return-response /></inbound></policies>`)
	var asked []string
	claim := func(changed bool) Option {
		asked = nil
		return WithUnchanged(func(d string) bool { asked = append(asked, d); return d != orders || !changed })
	}
	cfg := mustLoad(t, dir, WithCache(c), claim(false))
	if c.Hits != 5 || c.Misses != 0 || strings.Contains(strings.Join(apiSummary(cfg), "\n"), "<return-response />") {
		t.Errorf("told unchanged: %d hits, %d misses; want every folder reused as read before", c.Hits, c.Misses)
	}
	if !slices.Contains(asked, orders) {
		t.Errorf("asked about %v, not %s", asked, orders)
	}
	cfg = mustLoad(t, dir, WithCache(c), claim(true))
	if c.Hits != 4 || c.Misses != 1 || !strings.Contains(strings.Join(apiSummary(cfg), "\n"), "<return-response />") {
		t.Errorf("told orders changed: %d hits, %d misses, want 4 and 1 with the new policy", c.Hits, c.Misses)
	}
	write(t, dir, "versionSets/vs-query/versionSetInformation.json", `{"properties": {"displayName": "vs-query", "versioningScheme": "Query", "versionQueryName": "v2"}}`)
	mustLoad(t, dir, WithCache(c), claim(false))
	if c.Hits != 0 || c.Misses != 5 {
		t.Errorf("version set changed: %d hits, %d misses, want 0 and 5", c.Hits, c.Misses)
	}
}
