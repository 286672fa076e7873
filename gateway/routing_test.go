package gateway

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/policygate/policygate/engine"
)

// routeProbe serves cfg with an observer and returns, per request, the
// status and the operation / API / matched parameters the gateway chose.
type routeProbe struct {
	t   *testing.T
	srv *httptest.Server
	obs *observed
}

func newProbe(t *testing.T, cfg *engine.Config) *routeProbe {
	obs := &observed{}
	return &routeProbe{t: t, srv: newGW(t, cfg, WithObserver(obs.fn)), obs: obs}
}

func (p *routeProbe) get(method, path string, hdr map[string]string) (int, string, string, map[string]string) {
	p.t.Helper()
	r := call(p.t, method, p.srv.URL+path, hdr, "")
	run, _ := p.obs.last(p.t)
	op, api := "", ""
	params := map[string]string{}
	if run.Ctx.Operation != nil {
		op = run.Ctx.Operation.ID
	}
	if run.Ctx.API != nil {
		api = run.Ctx.API.ID + "@" + run.Ctx.API.Revision
		if run.Ctx.API.Version != "" {
			api += "/" + run.Ctx.API.Version
		}
	}
	if m := run.Ctx.Request.MatchedParameters; m != nil {
		for _, n := range m.Names {
			params[n] = m.Values[n]
		}
	}
	return r.status, api, op, params
}

func TestRouting(t *testing.T) {
	be := newBackend(t)
	svc := be.URL + "/"
	api := func(id, path string, ops ...*engine.Operation) *engine.API {
		return &engine.API{ID: id, Path: path, ServiceURL: svc, IsCurrent: true, Revision: "1", Operations: ops}
	}
	cfg := &engine.Config{APIs: []*engine.API{
		api("root", "", op("root-any", "GET", "/*")),
		api("shop", "shop",
			op("wild", "GET", "/items/*"),
			op("param", "GET", "/items/{id}"),
			op("literal", "GET", "/items/special"),
			op("two", "GET", "/items/{id}/parts/{part}"),
			op("search", "GET", "/search"),
			op("search-q", "GET", "/search?q={term}"),
			op("post", "POST", "/items"),
			op("any-method", "*", "/any"),
			op("first", "GET", "/dup/{a}"),
			op("second", "GET", "/dup/{b}"),
			op("slash", "GET", "/x/"),
		),
		api("shopv", "shop/v", op("v-op", "GET", "/thing")),
		api("https-only", "secure", op("s", "GET", "/x")),
		api("empty", "empty"),
	}}
	cfg.APIs[3].Protocols = []string{"https"}
	p := newProbe(t, cfg)
	cases := []struct {
		method, path string
		status       int
		api, op      string
		params       map[string]string
	}{
		{"GET", "/shop/items/special", 200, "shop@1", "literal", nil},
		{"GET", "/SHOP/Items/Special", 200, "shop@1", "literal", nil},
		{"GET", "/shop/items/42", 200, "shop@1", "param", map[string]string{"id": "42"}},
		{"GET", "/shop/items/a%20b", 200, "shop@1", "param", map[string]string{"id": "a b"}},
		{"GET", "/shop/items/1/parts/2", 200, "shop@1", "two", map[string]string{"id": "1", "part": "2"}},
		{"GET", "/shop/items/1/other/2", 200, "shop@1", "wild", map[string]string{"*": "1/other/2"}},
		{"GET", "/shop/search", 200, "shop@1", "search", nil},
		{"GET", "/shop/search?q=hat%20s", 200, "shop@1", "search-q", map[string]string{"term": "hat s"}},
		{"POST", "/shop/items", 200, "shop@1", "post", nil},
		{"PUT", "/shop/items", 404, "shop@1", "", nil}, // method mismatch
		{"GET", "/shop/items", 200, "shop@1", "wild", map[string]string{"*": ""}},
		{"DELETE", "/shop/any", 200, "shop@1", "any-method", nil},
		{"GET", "/shop/dup/z", 200, "shop@1", "first", map[string]string{"a": "z"}},
		{"GET", "/shop/x/", 200, "shop@1", "slash", nil},
		{"GET", "/shop/x", 404, "shop@1", "", nil},
		{"GET", "/shop/v/thing", 200, "shopv@1", "v-op", nil}, // longest suffix
		{"GET", "/shopping/x", 200, "root@1", "root-any", map[string]string{"*": "shopping/x"}},
		{"GET", "/secure/x", 200, "root@1", "root-any", nil}, // https-only API skipped on http
		{"GET", "/empty/x", 404, "", "", nil},                // an API without operations exposes nothing
	}
	for _, c := range cases {
		status, api, opID, params := p.get(c.method, c.path, nil)
		if status != c.status || opID != c.op || (c.status == 200 && api != c.api) {
			t.Errorf("%s %s: got %d %s %s, want %d %s %s", c.method, c.path, status, api, opID, c.status, c.api, c.op)
		}
		for k, v := range c.params {
			if params[k] != v {
				t.Errorf("%s %s: param %s = %q, want %q (all %v)", c.method, c.path, k, params[k], v, params)
			}
		}
	}
}

func TestRoutingNoRootAndEmptyAPI(t *testing.T) {
	be := newBackend(t)
	cfg := &engine.Config{APIs: []*engine.API{{ID: "empty", Path: "empty", ServiceURL: be.URL, IsCurrent: true}}}
	p := newProbe(t, cfg)
	for _, path := range []string{"/empty/x", "/empty", "/other"} {
		if status, _, _, _ := p.get("GET", path, nil); status != 404 {
			t.Errorf("%s: %d, want 404", path, status)
		}
	}
}

func TestVersionsAndRevisions(t *testing.T) {
	be := newBackend(t)
	svc := be.URL
	mk := func(id, path, version string, scheme engine.VersionScheme, name, rev string, current bool) *engine.API {
		return &engine.API{ID: id, Path: path, ServiceURL: svc, VersionSet: map[bool]string{true: "", false: "vs-" + path}[version == "" && scheme == ""],
			Version: version, VersionScheme: scheme, VersionName: name, Revision: rev, IsCurrent: current,
			Operations: []*engine.Operation{op(id+"-op", "GET", "/op")}}
	}
	cfg := &engine.Config{APIs: []*engine.API{
		mk("seg-orig", "seg", "", "", "", "1", true),
		mk("seg-v1", "seg", "v1", engine.VersionPath, "", "1", true),
		mk("seg-v2", "seg", "v2", engine.VersionPath, "", "1", true),
		mk("q-v1", "q", "2024-01-01", engine.VersionQuery, "", "1", true),
		mk("q-v2", "q", "2025-01-01", engine.VersionQuery, "", "1", true),
		mk("qn-v1", "qn", "1", engine.VersionQuery, "ver", "1", true),
		mk("h-v1", "h", "1.0", engine.VersionHeader, "Api-Version", "1", true),
		mk("rev1", "rev", "", "", "", "1", false),
		mk("rev2", "rev", "", "", "", "2", true),
		mk("rev3", "rev", "", "", "", "3", false),
	}}
	p := newProbe(t, cfg)
	cases := []struct {
		path   string
		hdr    map[string]string
		status int
		op     string
	}{
		{"/seg/v1/op", nil, 200, "seg-v1-op"},
		{"/seg/V2/op", nil, 200, "seg-v2-op"},
		{"/seg/op", nil, 200, "seg-orig-op"},
		{"/seg/v3/op", nil, 404, ""},
		{"/q/op?api-version=2025-01-01", nil, 200, "q-v2-op"},
		{"/q/op?api-version=2024-01-01", nil, 200, "q-v1-op"},
		{"/q/op", nil, 404, ""}, // no Original
		{"/qn/op?ver=1", nil, 200, "qn-v1-op"},
		{"/qn/op?api-version=1", nil, 404, ""},
		{"/h/op", map[string]string{"Api-Version": "1.0"}, 200, "h-v1-op"},
		{"/h/op", nil, 404, ""},
		{"/rev/op", nil, 200, "rev2-op"},
		{"/rev;rev=3/op", nil, 200, "rev3-op"},
		{"/rev;rev=1/op", nil, 200, "rev1-op"},
		{"/rev;rev=9/op", nil, 404, ""},
	}
	for _, c := range cases {
		status, _, opID, _ := p.get("GET", c.path, c.hdr)
		if status != c.status || opID != c.op {
			t.Errorf("%s %v: got %d %q, want %d %q", c.path, c.hdr, status, opID, c.status, c.op)
		}
	}
	// The backend URL is the path after suffix and version segment.
	r := call(t, "GET", p.srv.URL+"/seg/v1/op?a=1", nil, "")
	if e := decodeEcho(t, r); e.Path != "/op" || e.Query != "a=1" {
		t.Errorf("versioned backend request %s?%s", e.Path, e.Query)
	}
	r = call(t, "GET", p.srv.URL+"/rev;rev=3/op", nil, "")
	if e := decodeEcho(t, r); e.Path != "/op" {
		t.Errorf("revision backend path %s", e.Path)
	}
	run, _ := p.obs.last(t)
	if run.Ctx.API.Revision != "3" || run.Ctx.API.IsCurrentRevision {
		t.Errorf("context.Api revision %q current %v", run.Ctx.API.Revision, run.Ctx.API.IsCurrentRevision)
	}
}

func TestNotFoundAnswer(t *testing.T) {
	obs := &observed{}
	gw := newGW(t, &engine.Config{}, WithObserver(obs.fn))
	r := call(t, "GET", gw.URL+"/nothing", nil, "")
	if r.status != 404 || r.body != `{"statusCode":404,"message":"Resource not found"}` || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("404 answer: %d %s %v", r.status, r.body, r.header)
	}
	run, out := obs.last(t)
	le := run.Ctx.LastError
	if le == nil || le.Source != "configuration" || le.Reason != "OperationNotFound" || le.Message != "Unable to match incoming request to an operation." {
		t.Errorf("LastError %+v", le)
	}
	if out.Failure == nil || !strings.Contains(out.Failure.Error(), "OperationNotFound") {
		t.Errorf("outcome %+v", out)
	}
}
