package apiops

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies/backendpool"
)

// spaced maps the camelCase folder spellings to the spaced ones.
var spaced = map[string]string{
	"namedValues":     "named values",
	"policyFragments": "policy fragments",
	"versionSets":     "version sets",
}

// copyFixture copies testdata/good into a temporary folder, turning
// "__rev=" into ";rev=" and, with useSpaced, the folder spellings into the
// spaced ones. It returns the copy.
func copyFixture(t *testing.T, useSpaced bool) string {
	t.Helper()
	dst := t.TempDir()
	src := filepath.Join("testdata", "good")
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		parts := strings.Split(rel, string(filepath.Separator))
		for i, p := range parts {
			p = strings.Replace(p, "__rev=", ";rev=", 1)
			if n, ok := spaced[p]; ok && useSpaced && i == 0 {
				p = n
			}
			parts[i] = p
		}
		out := filepath.Join(append([]string{dst}, parts...)...)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// env is a fixed environment for Load.
func env(m map[string]string) Option {
	return WithEnv(func(k string) (string, bool) { v, ok := m[k]; return v, ok })
}

// fixtureEnv supplies the secret named value and two subscriptions' keys.
var fixtureEnv = map[string]string{
	"POLICYGATE_NV_SECRET_TOKEN":                      "s3cret",
	"POLICYGATE_SUBSCRIPTION_SUB_ENV_PRIMARY_KEY":     "env-primary",
	"POLICYGATE_SUBSCRIPTION_SUB_ENV_SECONDARY_KEY":   "env-secondary",
	"POLICYGATE_SUBSCRIPTION_SUB_ALL_SECONDARY_KEY":   "all-secondary",
	"POLICYGATE_SUBSCRIPTION_SUB_FILE_PRIMARY_KEY":    "ignored: the file has one",
	"POLICYGATE_SUBSCRIPTION_SUB_FILE_SECONDARY_KEY":  "file-secondary-from-env",
	"POLICYGATE_SUBSCRIPTION_SUB_NOKEY_PRIMARY_KEY_X": "not the right name",
}

func codes(errs parser.Errors) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Severity.String()+" "+e.Code)
	}
	return out
}

func TestLoadFixture(t *testing.T) {
	for _, useSpaced := range []bool{false, true} {
		name := "camelCase"
		if useSpaced {
			name = "spaced"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := copyFixture(t, useSpaced)
			var x Extras
			cfg, errs := Load(dir, env(fixtureEnv), WithExtras(&x))
			if cfg == nil {
				t.Fatalf("Load failed:\n%v", errs)
			}
			// Only warnings: the subscription without keys, and the
			// segment-versioned API whose path ends with its version is
			// not in this fixture.
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Error())
			}
			if diff := cmp.Diff([]string{"warning skipped"}, codes(errs)); diff != "" {
				t.Fatalf("diagnostics (-want +got):\n%s\n%s", diff, strings.Join(msgs, "\n"))
			}
			if !strings.Contains(errs[0].Msg, "POLICYGATE_SUBSCRIPTION_SUB_NOKEY_PRIMARY_KEY") || !strings.Contains(errs[0].Msg, "POLICYGATE_SUBSCRIPTION_SUB_NOKEY_SECONDARY_KEY") {
				t.Errorf("warning does not name the variables: %s", errs[0].Msg)
			}

			if cfg.Global == nil || !strings.Contains(string(cfg.Global.Source), `fragment-id="frag-a"`) || cfg.Global.File != filepath.Join(dir, "policy.xml") {
				t.Errorf("global policy = %+v", cfg.Global)
			}
			if f := cfg.Fragments["frag-a"]; f == nil || !strings.Contains(string(f.Source), "{{greeting}}") {
				t.Errorf("fragment frag-a = %+v", f)
			}
			if got := cfg.NamedValues.Names(); !cmp.Equal(got, []string{"greeting", "secret-token"}) {
				t.Errorf("named values = %v", got)
			}
			if nv, ok, _ := cfg.NamedValues.Lookup("secret-token"); !ok || nv.Value != "s3cret" || !nv.Secret {
				t.Errorf("secret-token = %+v (from the environment)", nv)
			}

			type apiSummary struct {
				ID, Name, Path, ServiceURL string
				Protocols                  []string
				SubReq                     bool
				KeyHeader, KeyQuery        string
				VersionSet, Version        string
				Scheme                     engine.VersionScheme
				VersionName, Revision      string
				IsCurrent, HasPolicy       bool
				Ops                        []string
			}
			var apis []apiSummary
			for _, a := range cfg.APIs {
				s := apiSummary{ID: a.ID, Name: a.Name, Path: a.Path, ServiceURL: a.ServiceURL, Protocols: a.Protocols,
					SubReq: a.SubscriptionRequired, KeyHeader: a.KeyHeader, KeyQuery: a.KeyQuery,
					VersionSet: a.VersionSet, Version: a.Version, Scheme: a.VersionScheme, VersionName: a.VersionName,
					Revision: a.Revision, IsCurrent: a.IsCurrent, HasPolicy: a.Policy != nil}
				for _, o := range a.Operations {
					s.Ops = append(s.Ops, o.ID+" "+o.Method+" "+o.URLTemplate)
				}
				apis = append(apis, s)
			}
			want := []apiSummary{
				{ID: "orders", Name: "Orders", Path: "orders", ServiceURL: "https://orders.example.com/v1/", Protocols: []string{"http", "https"},
					SubReq: true, KeyHeader: "X-Key", KeyQuery: "key", Revision: "1", IsCurrent: true, HasPolicy: true,
					Ops: []string{"get-order GET /orders/{id}", "search GET /search?q={q}&sort={sort}", "post-orders POST /orders", "list-orders GET /orders"}},
				{ID: "orders", Name: "Orders", Path: "orders", ServiceURL: "https://orders-next.example.com", Protocols: []string{"https"},
					SubReq: true, Revision: "2",
					Ops: []string{"get-order GET /orders/{id}"}},
				{ID: "ver-header-v1", Name: "ver-header", Path: "ver-header", ServiceURL: "https://header.example.com", Protocols: []string{"https"},
					VersionSet: "vs-header", Version: "v1", Scheme: engine.VersionHeader, VersionName: "X-Ver", Revision: "1", IsCurrent: true,
					Ops: []string{"ping GET /ping"}},
				{ID: "ver-query-v1", Name: "ver-query", Path: "ver-query", ServiceURL: "https://query.example.com", Protocols: []string{"https"},
					VersionSet: "vs-query", Version: "v1", Scheme: engine.VersionQuery, VersionName: "ver", Revision: "1", IsCurrent: true,
					Ops: []string{"ping GET /ping"}},
				{ID: "ver-seg-v1", Name: "ver-seg", Path: "ver-seg", ServiceURL: "https://seg.example.com", Protocols: []string{"https"},
					VersionSet: "vs-seg", Version: "v1", Scheme: engine.VersionPath, Revision: "1", IsCurrent: true,
					Ops: []string{"ping GET /ping"}},
			}
			if diff := cmp.Diff(want, apis); diff != "" {
				t.Errorf("APIs (-want +got):\n%s", diff)
			}

			getOrder := cfg.APIs[0].Operations[0]
			if getOrder.Name != "Get an order" || getOrder.Policy == nil || !strings.Contains(string(getOrder.Policy.Source), "mock-response") {
				t.Errorf("get-order = %+v", getOrder)
			}
			wantEx := map[int]map[string][]byte{
				200: {"application/json": []byte(`{"id":42,"state":"open"}`), "text/plain": []byte("order 42")},
				404: {"application/json": []byte(`{"error":"not found"}`)},
			}
			if diff := cmp.Diff(wantEx, getOrder.Examples); diff != "" {
				t.Errorf("get-order examples (-want +got):\n%s", diff)
			}
			wantEx2 := map[int]map[string][]byte{200: {"application/json": []byte(`{"id":42,"rev":2}`)}}
			if diff := cmp.Diff(wantEx2, cfg.APIs[1].Operations[0].Examples); diff != "" {
				t.Errorf("swagger 2 examples (-want +got):\n%s", diff)
			}

			type prodSummary struct {
				Name, State string
				SubReq      bool
				APIs        []string
				HasPolicy   bool
			}
			prods := map[string]prodSummary{}
			for id, p := range cfg.Products {
				prods[id] = prodSummary{p.Name, p.State, p.SubscriptionRequired, p.APIs, p.Policy != nil}
			}
			wantProds := map[string]prodSummary{
				"gold": {"Gold", "published", true, []string{"orders", "ver-header-v1", "ver-seg-v1"}, true},
				"open": {"Open", "notPublished", false, []string{"ver-query-v1"}, false},
			}
			if diff := cmp.Diff(wantProds, prods); diff != "" {
				t.Errorf("products (-want +got):\n%s", diff)
			}

			wantSubs := []*engine.Subscription{
				{ID: "sub-all", Name: "sub-all", SecondaryKey: "all-secondary", Scope: "all", Active: true},
				{ID: "sub-env", Name: "Env keys", PrimaryKey: "env-primary", SecondaryKey: "env-secondary", Scope: "product/gold", Active: true},
				{ID: "sub-file", Name: "sub-file", PrimaryKey: "file-primary", SecondaryKey: "file-secondary-from-env", Scope: "api/orders", Active: true, UserID: "alice"},
				{ID: "sub-suspended", Name: "sub-suspended", SecondaryKey: "s2", Scope: "product/open"},
			}
			if diff := cmp.Diff(wantSubs, cfg.Subscriptions); diff != "" {
				t.Errorf("subscriptions (-want +got):\n%s", diff)
			}

			wantBackends := map[string]*engine.Backend{
				"b1": {ID: "b1", URL: "https://b1.example.com/api",
					Header:     map[string][]string{"x-functions-key": {"{{secret-token}}"}},
					Query:      map[string][]string{"code": {"a", "b"}},
					AuthScheme: "Basic", AuthParameter: "{{greeting}}",
					CircuitBreaker: []backendpool.Rule{{Name: "trip-on-5xx", Count: 3, Interval: time.Minute,
						StatusCodeRanges: []backendpool.Range{{Min: 500, Max: 599}}, TripDuration: 30 * time.Second, AcceptRetryAfter: true}},
					SkipCertificateValidation: true},
				"pool1": {ID: "pool1", Pool: []backendpool.Member{{ID: "b1", Priority: 1, Weight: 3}}},
			}
			if diff := cmp.Diff(wantBackends, cfg.Backends); diff != "" {
				t.Errorf("backends (-want +got):\n%s", diff)
			}
			b1 := x.Backends["b1"]
			if b1 == nil || b1.Type != "Single" || b1.Protocol != "http" || b1.ValidateCertificateChain == nil || *b1.ValidateCertificateChain ||
				b1.CircuitBreaker == nil || len(b1.CircuitBreaker.Rules) != 1 || b1.CircuitBreaker.Rules[0].TripDuration != "PT30S" ||
				b1.CircuitBreaker.Rules[0].FailureCondition.StatusCodeRanges[0].Max != 599 {
				t.Errorf("b1 details = %+v", b1)
			}
			if diff := cmp.Diff([]PoolMember{{ID: "b1", Priority: 1, Weight: 3}}, x.Backends["pool1"].Pool); diff != "" {
				t.Errorf("pool1 members (-want +got):\n%s", diff)
			}
			if vs := x.VersionSets["vs-query"]; vs == nil || vs.QueryName != "ver" || vs.Scheme != engine.VersionQuery {
				t.Errorf("vs-query = %+v", vs)
			}
		})
	}
}

// write replaces (or creates) the file rel under dir.
func write(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadBroken(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(t *testing.T, dir string)
		wants []string // "rel/file:line:col: code" prefixes, in order
	}{
		{
			name: "bad JSON is positioned",
			edit: func(t *testing.T, dir string) {
				write(t, dir, "products/gold/productInformation.json", "{\n  \"properties\": {\n    \"state\": \"published\",,\n  }\n}\n")
			},
			// The product is gone, so its API list and a subscription's
			// scope do not resolve either; the first error is the cause.
			wants: []string{
				"apis/ver-header-v1/products.json:1:2: bad_config",
				"products/gold/productInformation.json:3:26: parse_error",
				"subscriptions/sub-env/subscriptionInformation.json:1:53: bad_config",
			},
		},
		{
			name: "truncated JSON points at the end",
			edit: func(t *testing.T, dir string) {
				write(t, dir, "backends/b1/backendInformation.json", "{\n  \"properties\": {\n")
			},
			wants: []string{
				"backends/b1/backendInformation.json:3:1: parse_error",
			},
		},
		{
			name: "wrong JSON type points at the property",
			edit: func(t *testing.T, dir string) {
				write(t, dir, "versionSets/vs-seg/versionSetInformation.json", "{\"properties\": {\"versioningScheme\": 3}}")
			},
			wants: []string{
				"apis/ver-seg-v1/apiInformation.json:7:24: bad_config",
				"products/gold/apis.json:1:22: bad_config",
				"versionSets/vs-seg/versionSetInformation.json:1:37: parse_error",
			},
		},
		{
			name: "missing serviceUrl",
			edit: func(t *testing.T, dir string) {
				write(t, dir, "apis/ver-seg-v1/apiInformation.json", "{\n  \"properties\": {\n    \"path\": \"ver-seg\"\n  }\n}\n")
			},
			wants: []string{
				"apis/ver-seg-v1/apiInformation.json:2:17: bad_config",
				"products/gold/apis.json:1:22: bad_config",
			},
		},
		{
			name: "bad specification YAML",
			edit: func(t *testing.T, dir string) {
				write(t, dir, "apis/ver-query-v1/specification.yaml", "swagger: '2.0'\npaths:\n  /a:\n    get: [\n")
			},
			wants: []string{"apis/ver-query-v1/specification.yaml:4:1: parse_error"},
		},
		{
			name: "bad specification JSON",
			edit: func(t *testing.T, dir string) {
				write(t, dir, "apis/orders;rev=2/specification.json", "{\n  \"swagger\": \"2.0\"\n  \"paths\": {}\n}\n")
			},
			wants: []string{"apis/orders;rev=2/specification.json:3:3: parse_error"},
		},
		{
			name: "operation policy without operation",
			edit: func(t *testing.T, dir string) {
				write(t, dir, "apis/orders/operations/nope/policy.xml", "<policies/>")
			},
			wants: []string{"apis/orders/operations/nope/policy.xml:1:1: bad_config"},
		},
		{
			name: "duplicate operationId",
			edit: func(t *testing.T, dir string) {
				write(t, dir, "apis/ver-seg-v1/specification.yaml", "swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: x\n      responses: {200: {description: ok}}\n  /b:\n    get:\n      operationId: x\n      responses: {200: {description: ok}}\n")
			},
			wants: []string{"apis/ver-seg-v1/specification.yaml:9:5: bad_config"},
		},
		{
			name: "both spellings of a folder",
			edit: func(t *testing.T, dir string) {
				write(t, dir, "policy fragments/other/policy.xml", "<fragment/>")
			},
			wants: []string{"policyFragments:1:1: bad_config"},
		},
		{
			name: "header version set without header name",
			edit: func(t *testing.T, dir string) {
				write(t, dir, "versionSets/vs-header/versionSetInformation.json", `{"properties": {"versioningScheme": "Header"}}`)
			},
			wants: []string{
				"apis/ver-header-v1/apiInformation.json:7:24: bad_config",
				"apis/ver-header-v1/products.json:1:2: bad_config",
				"versionSets/vs-header/versionSetInformation.json:1:37: bad_config",
			},
		},
		{
			name: "circuit breaker with a bad duration",
			edit: func(t *testing.T, dir string) {
				write(t, dir, "backends/b2/backendInformation.json", `{"properties": {"url": "https://b2.example.com", "circuitBreaker": {"rules": [{"name": "r", "failureCondition": {"count": 1, "interval": "1 minute"}, "tripDuration": "PT1M"}]}}}`)
			},
			wants: []string{"backends/b2/backendInformation.json:1:138: bad_config"},
		},
		{
			name: "circuit breaker without count or percentage",
			edit: func(t *testing.T, dir string) {
				write(t, dir, "backends/b2/backendInformation.json", `{"properties": {"url": "https://b2.example.com", "circuitBreaker": {"rules": [{"name": "r", "failureCondition": {"interval": "PT1M"}, "tripDuration": "PT1M"}]}}}`)
			},
			wants: []string{"backends/b2/backendInformation.json:1:113: bad_config"},
		},
		{
			name: "pool member not found",
			edit: func(t *testing.T, dir string) {
				write(t, dir, "backends/pool2/backendInformation.json", `{"properties": {"type": "Pool", "pool": {"services": [{"id": "/backends/nowhere"}]}}}`)
			},
			wants: []string{"backends/pool2/backendInformation.json:1:62: bad_config"},
		},
		{
			name: "nested pool",
			edit: func(t *testing.T, dir string) {
				write(t, dir, "backends/pool2/backendInformation.json", `{"properties": {"type": "Pool", "pool": {"services": [{"id": "b1"}, {"id": "/backends/pool1"}]}}}`)
			},
			wants: []string{"backends/pool2/backendInformation.json:1:76: bad_config"},
		},
		{
			name: "two current revisions",
			edit: func(t *testing.T, dir string) {
				write(t, dir, "apis/orders;rev=2/apiInformation.json", `{"properties": {"path": "orders", "serviceUrl": "https://x.example.com", "isCurrent": true}}`)
			},
			wants: []string{"apis/orders;rev=2/apiInformation.json:1:87: bad_config"},
		},
		{
			name: "unknown subscription scope",
			edit: func(t *testing.T, dir string) {
				write(t, dir, "subscriptions/sub-all/subscriptionInformation.json", `{"properties": {"scope": "/products/nope", "state": "active"}}`)
			},
			wants: []string{"subscriptions/sub-all/subscriptionInformation.json:1:26: bad_config"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := copyFixture(t, false)
			tt.edit(t, dir)
			cfg, errs := Load(dir, env(fixtureEnv))
			if cfg != nil {
				t.Errorf("Load returned a configuration despite errors")
			}
			var got []string
			for _, e := range errs {
				if e.Severity != parser.SeverityError {
					continue
				}
				rel, err := filepath.Rel(dir, e.Pos.File)
				if err != nil {
					rel = e.Pos.File
				}
				got = append(got, filepath.ToSlash(rel)+":"+itoa(e.Pos.Line)+":"+itoa(e.Pos.Col)+": "+e.Code)
			}
			if diff := cmp.Diff(tt.wants, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s\nall:\n%v", diff, errs)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestLoadMissingFolder(t *testing.T) {
	cfg, errs := Load(filepath.Join(t.TempDir(), "nope"))
	if cfg != nil || len(errs) != 1 || errs[0].Code != CodeBadConfig {
		t.Fatalf("Load(missing) = %v, %v", cfg, errs)
	}
}

func TestLoadEmptyFolder(t *testing.T) {
	cfg, errs := Load(t.TempDir())
	if cfg == nil || len(errs) != 0 || len(cfg.APIs) != 0 || cfg.Global != nil || cfg.NamedValues == nil {
		t.Fatalf("Load(empty) = %+v, %v", cfg, errs)
	}
}

func TestLoadWrongTopLevelType(t *testing.T) {
	dir := copyFixture(t, false)
	write(t, dir, "products/gold/apis.json", "\n  {\"value\": []}")
	_, errs := Load(dir, env(fixtureEnv))
	var got string
	for _, e := range errs {
		if filepath.Base(e.Pos.File) == "apis.json" {
			got = strconv.Itoa(e.Pos.Line) + ":" + strconv.Itoa(e.Pos.Col) + " " + e.Code
		}
	}
	if got != "2:3 parse_error" {
		t.Errorf("apis.json error at %q, want 2:3 parse_error; all:\n%v", got, errs)
	}
}

func TestLoadFragmentInformation(t *testing.T) {
	dir := copyFixture(t, false)
	write(t, dir, "policyFragments/frag-a/policyFragmentInformation.json", `{"name": "other", "properties": {"format": "rawxml"}}`)
	write(t, dir, "policyFragments/inline/policyFragmentInformation.json", `{"properties": {"value": "<fragment><set-variable name=\"a\" value=\"b\" /></fragment>"}}`)
	cfg, errs := Load(dir, env(fixtureEnv))
	if cfg == nil {
		t.Fatalf("Load failed:\n%v", errs)
	}
	if cfg.Fragments["frag-a"] == nil || cfg.Fragments["other"] != nil {
		t.Errorf("fragment ids = %v, want the folder names", cfg.Fragments)
	}
	if f := cfg.Fragments["inline"]; f == nil || !strings.HasPrefix(string(f.Source), "<fragment><set-variable") {
		t.Errorf("inline fragment = %+v", f)
	}
	if diff := cmp.Diff([]string{"warning unsupported", "warning skipped"}, codes(errs)); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s\n%v", diff, errs)
	}

	write(t, dir, "policyFragments/frag-a/policyFragmentInformation.json", `{"properties": {"format": "json"}}`)
	if cfg, errs := Load(dir, env(fixtureEnv)); cfg != nil || !strings.Contains(errs.Error(), "unknown format") {
		t.Errorf("unknown format: cfg %v, errs %v", cfg != nil, errs)
	}
}

func TestSubscriptionKeyEnv(t *testing.T) {
	p, s := SubscriptionKeyEnv("my-sub.1")
	if p != "POLICYGATE_SUBSCRIPTION_MY_SUB_1_PRIMARY_KEY" || s != "POLICYGATE_SUBSCRIPTION_MY_SUB_1_SECONDARY_KEY" {
		t.Errorf("SubscriptionKeyEnv = %q, %q", p, s)
	}
}

func TestLoadPoolBreakerIgnored(t *testing.T) {
	dir := copyFixture(t, false)
	write(t, dir, "backends/pool2/backendInformation.json", `{"properties": {"type": "Pool", "pool": {"services": [{"id": "b1"}]}, "circuitBreaker": {"rules": [{"name": "r", "failureCondition": {"count": 1}, "tripDuration": "PT1M"}]}}}`)
	cfg, errs := Load(dir, env(fixtureEnv))
	if cfg == nil {
		t.Fatalf("Load: %v", errs)
	}
	if b := cfg.Backends["pool2"]; b == nil || len(b.Pool) != 1 || b.CircuitBreaker != nil {
		t.Errorf("pool2 = %+v", b)
	}
	found := false
	for _, e := range errs {
		if e.Code == parser.CodeNotImplemented && e.Severity == parser.SeverityWarning && strings.Contains(e.Msg, `"pool2"`) {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning about the pool's own breaker: %v", errs)
	}
}
