package apiops

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/parser"
)

// sampleDir finds shared/apiops-sample/SampleArtifacts by walking up from
// the package folder; "" when it is not there.
func sampleDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		for _, cand := range []string{
			filepath.Join(dir, "shared", "apiops-sample", "SampleArtifacts"),
			filepath.Join(dir, "..", "shared", "apiops-sample", "SampleArtifacts"),
		} {
			if st, err := os.Stat(cand); err == nil && st.IsDir() {
				return cand
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// TestLoadSample loads the real extractor output of Azure/apiops.
func TestLoadSample(t *testing.T) {
	dir := sampleDir(t)
	if dir == "" {
		t.Skip("shared/apiops-sample/SampleArtifacts not found")
	}
	keys := map[string]string{
		"POLICYGATE_SUBSCRIPTION_SUBSCRIPTION1_PRIMARY_KEY": "k1",
		"POLICYGATE_SUBSCRIPTION_SUBSCRIPTION2_PRIMARY_KEY": "k2",
	}
	var x Extras
	cfg, errs := Load(dir, env(keys), WithExtras(&x))
	if cfg == nil {
		t.Fatalf("Load failed:\n%v", errs)
	}
	// Warnings only: the WADL and SOAP APIs have no operations (the GraphQL
	// API has one, "graphql");
	// the versioned APIs' paths already end with their version.
	var got []string
	for _, e := range errs {
		if e.Severity != parser.SeverityWarning {
			t.Errorf("unexpected error: %v", e)
		}
		rel, _ := filepath.Rel(dir, e.Pos.File)
		got = append(got, filepath.ToSlash(rel)+" "+e.Code)
	}
	wantWarn := []string{
		"apis/soap-api/apiInformation.json unsupported",
		"apis/versioned-api-v1/apiInformation.json unsupported",
		"apis/versioned-api-v2/apiInformation.json unsupported",
		"apis/wadl-api/specification.wadl unsupported",
	}
	if diff := cmp.Diff(wantWarn, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}

	if cfg.Global == nil || !strings.Contains(string(cfg.Global.Source), `<include-fragment fragment-id="policyFragment1" />`) {
		t.Errorf("global policy = %v", cfg.Global)
	}

	type summary struct {
		ID, Path, ServiceURL string
		SubReq               bool
		Revision             string
		IsCurrent            bool
		VersionSet, Version  string
		Scheme               engine.VersionScheme
		Ops                  []string
		Policies             []string // scopes with a policy: "api" or operation ids
	}
	var apis []summary
	for _, a := range cfg.APIs {
		s := summary{ID: a.ID, Path: a.Path, ServiceURL: a.ServiceURL, SubReq: a.SubscriptionRequired, Revision: a.Revision,
			IsCurrent: a.IsCurrent, VersionSet: a.VersionSet, Version: a.Version, Scheme: a.VersionScheme}
		if a.Policy != nil {
			s.Policies = append(s.Policies, "api")
		}
		for _, o := range a.Operations {
			s.Ops = append(s.Ops, o.ID+" "+o.Method+" "+o.URLTemplate)
			if o.Policy != nil {
				s.Policies = append(s.Policies, o.ID)
			}
		}
		apis = append(apis, s)
	}
	want := []summary{
		{ID: "basic-api", Path: "basic-api", ServiceURL: "https://httpbin.org", SubReq: true, Revision: "1", IsCurrent: true,
			Ops: []string{"get-items GET /items", "create-item POST /items"}, Policies: []string{"api", "get-items", "create-item"}},
		{ID: "graphql-api", Path: "graphql-api", ServiceURL: "https://httpbin.org", Revision: "1", IsCurrent: true, Ops: []string{"graphql * /*"}},
		{ID: "revisioned-api", Path: "revisioned-api", ServiceURL: "https://httpbin.org", SubReq: true, Revision: "1", IsCurrent: true,
			Ops: []string{"get-revision GET /revision"}, Policies: []string{"get-revision"}},
		{ID: "revisioned-api", Path: "revisioned-api", ServiceURL: "https://httpbin.org", SubReq: true, Revision: "2",
			Ops: []string{"get-revision-v2 GET /revision", "get-revision-details GET /revision/details"}, Policies: []string{"api", "get-revision-v2"}},
		{ID: "soap-api", Path: "soap-api", ServiceURL: "https://example.com/soap", Revision: "1", IsCurrent: true},
		{ID: "versioned-api-v1", Path: "versioned-api/v1", ServiceURL: "https://httpbin.org", SubReq: true, Revision: "1", IsCurrent: true,
			VersionSet: "versionSet1", Version: "v1", Scheme: engine.VersionPath, Ops: []string{"get-version-v1 GET /version"}},
		{ID: "versioned-api-v2", Path: "versioned-api/v2", ServiceURL: "https://httpbin.org", SubReq: true, Revision: "1", IsCurrent: true,
			VersionSet: "versionSet1", Version: "v2", Scheme: engine.VersionPath, Ops: []string{"get-version-v2 GET /version"}},
		{ID: "wadl-api", Path: "wadl-api", ServiceURL: "https://example.com/wadl", Revision: "1", IsCurrent: true},
	}
	if diff := cmp.Diff(want, apis); diff != "" {
		t.Errorf("APIs (-want +got):\n%s", diff)
	}

	members := map[string][]string{}
	for id, p := range cfg.Products {
		members[id] = p.APIs
		if p.Policy == nil || p.State != "published" {
			t.Errorf("product %s: policy %v, state %q", id, p.Policy, p.State)
		}
	}
	wantMembers := map[string][]string{
		"product1": {"basic-api", "revisioned-api", "versioned-api-v1"},
		"product2": {"graphql-api", "soap-api", "versioned-api-v2", "wadl-api"},
	}
	if diff := cmp.Diff(wantMembers, members); diff != "" {
		t.Errorf("product membership (-want +got):\n%s", diff)
	}
	if !cfg.Products["product1"].SubscriptionRequired || cfg.Products["product2"].SubscriptionRequired {
		t.Errorf("subscriptionRequired: product1 %v, product2 %v", cfg.Products["product1"].SubscriptionRequired, cfg.Products["product2"].SubscriptionRequired)
	}

	if diff := cmp.Diff([]string{"allowed-ip-address", "environment-name", "intranet-proxy-url", "rewrite-search-term"}, cfg.NamedValues.Names()); diff != "" {
		t.Errorf("named values (-want +got):\n%s", diff)
	}
	if nv, _, _ := cfg.NamedValues.Lookup("environment-name"); nv.Value != "scenario" {
		t.Errorf("environment-name = %q", nv.Value)
	}

	for _, id := range []string{"policyFragment1", "policyFragment2"} {
		if f := cfg.Fragments[id]; f == nil || !strings.HasPrefix(string(f.Source), "<fragment>") {
			t.Errorf("fragment %s = %v", id, f)
		}
	}
	if len(cfg.Fragments) != 2 {
		t.Errorf("%d fragments, want 2", len(cfg.Fragments))
	}

	urls := map[string]string{}
	for id, b := range cfg.Backends {
		urls[id] = b.URL
	}
	if diff := cmp.Diff(map[string]string{"backend1": "https://httpbin.org", "backend2": "https://postman-echo.com"}, urls); diff != "" {
		t.Errorf("backends (-want +got):\n%s", diff)
	}
	if x.Backends["backend1"].Protocol != "http" || x.VersionSets["versionSet1"].Scheme != engine.VersionPath {
		t.Errorf("extras = %+v %+v", x.Backends["backend1"], x.VersionSets["versionSet1"])
	}

	wantSubs := []*engine.Subscription{
		{ID: "subscription1", Name: "subscription1", PrimaryKey: "k1", Scope: "product/product1", Active: true},
		{ID: "subscription2", Name: "subscription2", PrimaryKey: "k2", Scope: "api/basic-api", Active: true},
	}
	if diff := cmp.Diff(wantSubs, cfg.Subscriptions); diff != "" {
		t.Errorf("subscriptions (-want +got):\n%s", diff)
	}
}

// TestLoadSampleWithoutKeys: subscriptions without keys are skipped, the
// rest loads.
func TestLoadSampleWithoutKeys(t *testing.T) {
	dir := sampleDir(t)
	if dir == "" {
		t.Skip("shared/apiops-sample/SampleArtifacts not found")
	}
	cfg, errs := Load(dir, env(nil))
	if cfg == nil {
		t.Fatalf("Load failed:\n%v", errs)
	}
	if len(cfg.Subscriptions) != 0 {
		t.Errorf("subscriptions = %v, want none", cfg.Subscriptions)
	}
	n := 0
	for _, e := range errs {
		if e.Code == CodeSkipped && strings.Contains(e.Msg, "POLICYGATE_SUBSCRIPTION_SUBSCRIPTION1_PRIMARY_KEY") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("want one warning naming POLICYGATE_SUBSCRIPTION_SUBSCRIPTION1_PRIMARY_KEY, got:\n%v", errs)
	}
}
