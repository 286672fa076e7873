package configclient

import (
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/policygate/policygate/gateway/fleet"
)

// reuseFiles is a snapshot of two APIs: "a" answers with the named value
// greeting and the fragment's variable; "b" answers with its own text,
// and its operation list comes from its specification.
func reuseFiles() map[string][]byte {
	return map[string][]byte{
		"namedValues/greeting/namedValueInformation.json": []byte(`{"properties": {"displayName": "greeting", "value": "hello-1"}}`),
		"namedValues/other/namedValueInformation.json":    []byte(`{"properties": {"displayName": "other", "value": "x"}}`),
		"policy fragments/common/policy.xml":              []byte(`<fragment><set-variable name="frag" value="frag-1" /></fragment>`),
		"apis/a/apiInformation.json":                      []byte(`{"properties": {"path": "a", "serviceUrl": "http://127.0.0.1:9", "protocols": ["http"], "subscriptionRequired": false}}`),
		"apis/a/specification.yaml":                       []byte("openapi: 3.0.1\ninfo: {title: a, version: v1}\npaths:\n  /items:\n    get: {operationId: list, responses: {'200': {description: ok}}}\n"),
		"apis/a/policy.xml": []byte(`<policies><inbound><base /><include-fragment fragment-id="common" />` +
			`<return-response><set-status code="200" /><set-header name="x-nv" exists-action="override"><value>{{greeting}}</value></set-header>` +
			`<set-body>@((string)context.Variables["frag"])</set-body></return-response></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`),
		"apis/b/apiInformation.json": []byte(`{"properties": {"path": "b", "serviceUrl": "http://127.0.0.1:9", "protocols": ["http"], "subscriptionRequired": false}}`),
		"apis/b/specification.yaml":  []byte("openapi: 3.0.1\ninfo: {title: b, version: v1}\npaths:\n  /one:\n    get: {operationId: one, responses: {'200': {description: ok}}}\n"),
		"apis/b/policy.xml":          []byte(`<policies><inbound><base /><return-response><set-status code="200" /><set-body>b-1</set-body></return-response></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`),
	}
}

func snapshotOf(files map[string][]byte, seq uint64) *fleet.Snapshot {
	s := &fleet.Snapshot{Format: fleet.Format, Gateway: "bench", Sequence: seq, Assigned: true, Files: files}
	s.Hash = fleet.ContentHash(files, nil)
	return s
}

// TestApplyReusesOnlyWhatDidNotChange applies snapshots that change one
// input of API "a" at a time while its own folder stays the same: each
// change is served, and API "b", which does not use it, is reused.
func TestApplyReusesOnlyWhatDidNotChange(t *testing.T) {
	c := benchClient(t)
	ts := httptest.NewServer(c.o.Server)
	defer ts.Close()
	get := func(path string) (int, string, string) {
		t.Helper()
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("x-nv"), string(b)
	}
	files := reuseFiles()
	seq := uint64(0)
	apply := func(what string, mod func(map[string][]byte)) bool {
		t.Helper()
		files = maps.Clone(files)
		mod(files)
		seq++
		return c.apply(snapshotOf(files, seq), false)
	}
	if !apply("first", func(map[string][]byte) {}) {
		t.Fatal(c.LastError())
	}
	expect := func(what, path string, status int, nv, body string) {
		t.Helper()
		if s, h, b := get(path); s != status || h != nv || b != body {
			t.Errorf("%s: GET %s = %d x-nv=%q %q, want %d %q %q", what, path, s, h, b, status, nv, body)
		}
	}
	expect("first", "/a/items", 200, "hello-1", "frag-1")
	expect("first", "/b/one", 200, "", "b-1")

	// reused checks the API folders and documents recompiled by the
	// last apply.
	reused := func(what string, apiMisses, docMisses int) {
		t.Helper()
		if c.apis.Misses != apiMisses || c.cache.Misses != docMisses {
			t.Errorf("%s: %d API folders and %d documents read again, want %d and %d", what, c.apis.Misses, c.cache.Misses, apiMisses, docMisses)
		}
	}
	cases := []struct {
		name      string
		mod       func(map[string][]byte)
		path, nv  string
		body      string
		api, docs int
		status    int
	}{
		{"a named value used by a's policy", func(f map[string][]byte) {
			f["namedValues/greeting/namedValueInformation.json"] = []byte(`{"properties": {"displayName": "greeting", "value": "hello-2"}}`)
		}, "/a/items", "hello-2", "frag-1", 0, 1, 200},
		{"a named value no policy uses", func(f map[string][]byte) {
			f["namedValues/other/namedValueInformation.json"] = []byte(`{"properties": {"displayName": "other", "value": "y"}}`)
		}, "/a/items", "hello-2", "frag-1", 0, 0, 200},
		{"the fragment a includes", func(f map[string][]byte) {
			f["policy fragments/common/policy.xml"] = []byte(`<fragment><set-variable name="frag" value="frag-2" /></fragment>`)
		}, "/a/items", "hello-2", "frag-2", 0, 1, 200},
		{"b's specification", func(f map[string][]byte) {
			f["apis/b/specification.yaml"] = []byte("openapi: 3.0.1\ninfo: {title: b, version: v1}\npaths:\n  /two:\n    get: {operationId: two, responses: {'200': {description: ok}}}\n")
		}, "/b/two", "", "b-1", 1, 0, 200},
	}
	for _, k := range cases {
		if !apply(k.name, k.mod) {
			t.Fatalf("%s: %s", k.name, c.LastError())
		}
		expect(k.name, k.path, k.status, k.nv, k.body)
		reused(k.name, k.api, k.docs)
	}
	expect("b's old operation", "/b/one", 404, "", `{"statusCode":404,"message":"Resource not found"}`)

	// A broken file: the snapshot is rejected with file:line:col and the
	// last good one keeps serving; so does a broken specification.
	for _, broken := range []struct{ file, src, pos string }{
		{"apis/a/policy.xml", "<policies><inbound><base />\n  <set-header name=\"x\"></inbound></policies>", "apis/a/policy.xml:2:"},
		{"apis/b/specification.yaml", "openapi: 3.0.1\npaths: [\n", "apis/b/specification.yaml:"},
		{"namedValues/greeting/namedValueInformation.json", "{\n  \"properties\": {,}}", "namedValueInformation.json:2:"},
	} {
		before := c.Current().Version()
		if apply("broken "+broken.file, func(f map[string][]byte) { f[broken.file] = []byte(broken.src) }) {
			t.Fatalf("a broken %s was applied", broken.file)
		}
		if !strings.Contains(c.LastError(), broken.pos) {
			t.Errorf("broken %s: last error %q does not name %s", broken.file, c.LastError(), broken.pos)
		}
		if c.Current().Version() != before {
			t.Errorf("broken %s: serving %s, want the last good %s", broken.file, c.Current().Version(), before)
		}
		expect("after broken "+broken.file, "/a/items", 200, "hello-2", "frag-2")
		files = c.Current().Files
	}
	// Fixed again (back to the last good files, changing a): served.
	if !apply("fixed", func(f map[string][]byte) {
		f["apis/a/policy.xml"] = []byte(strings.Replace(string(f["apis/a/policy.xml"]), "{{greeting}}", "fixed-{{greeting}}", 1))
	}) {
		t.Fatal(c.LastError())
	}
	expect("fixed", "/a/items", 200, "fixed-hello-2", "frag-2")
	expect("fixed", "/b/two", 200, "", "b-1")
}

func TestChangedDirs(t *testing.T) {
	snap := func(files ...string) *fleet.Snapshot {
		s := &fleet.Snapshot{Files: map[string][]byte{}}
		for _, f := range files {
			p, content, _ := strings.Cut(f, "=")
			s.Files[p] = []byte(content)
		}
		return s
	}
	prev := snap("apis/a/policy.xml=1", "apis/a/operations/x/policy.xml=1", "apis/b/policy.xml=1", "apis/c/policy.xml=1", "policy.xml=1")
	next := snap("apis/a/policy.xml=1", "apis/a/operations/x/policy.xml=2", "apis/b/policy.xml=1", "apis/d/policy.xml=1", "policy.xml=1")
	got := slices.Sorted(maps.Keys(changedDirs(prev, next)))
	want := []string{".", "apis", "apis/a", "apis/a/operations", "apis/a/operations/x", "apis/c", "apis/d"}
	if !slices.Equal(got, want) {
		t.Errorf("changed %v, want %v", got, want)
	}
	if changedDirs(nil, next) != nil {
		t.Error("without a previous snapshot every folder must count as changed")
	}
}
