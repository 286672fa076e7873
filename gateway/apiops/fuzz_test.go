package apiops

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParseSpec reads any text as an OpenAPI 2 or 3 document, YAML or
// JSON: operations or positioned errors, never a panic.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{
		"openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths:\n  /items/{id}:\n    get:\n      operationId: get\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n",
		`{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/a":{"post":{"operationId":"p"}}}}`,
		"a: &a [1,2]\nb: [*a,*a]\n", "{", "openapi: [", "",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, src string, asJSON bool) {
		name := "specification.yaml"
		if asJSON {
			name = "specification.json"
		}
		ops, errs := parseSpec(name, []byte(src), true)
		for _, e := range errs {
			if e.Pos.Line < 0 || e.Pos.Col < 0 {
				t.Fatalf("bad position %v", e)
			}
		}
		for _, o := range ops {
			if o == nil || o.Method == "" {
				t.Fatalf("operation without a method: %+v", o)
			}
		}
		// Where the OpenAPI library loads the document, the scan reads
		// the operations as the library does; except for keys spelt in
		// another case, which OpenAPI does not allow and the library
		// (through encoding/json) accepts.
		got, s := scannedOps(name, []byte(src), true)
		if want, ok := libraryOps(name, []byte(src), s, true); ok && !miscasedKey(src) {
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("scan differs from the library (-library +scan):\n%s", diff)
			}
		}
	})
}

// FuzzReadJSON reads any text as each APIOps JSON artifact: a value or an
// error at a position inside the file, never a panic.
func FuzzReadJSON(f *testing.F) {
	for _, s := range []string{
		`{"properties":{"displayName":"a","path":"x","serviceUrl":"http://b","protocols":["https"]}}`,
		`{"properties":{"apis":["a",{"name":"b"}]}}`, "\xef\xbb\xbf{}", `{"a":1} x`, `[`, `{"properties":7}`, "",
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, src string) {
		path := filepath.Join(dir, "info.json")
		if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, v := range []any{&apiInfo{}, &productInfo{}, &backendInfo{}, &subscriptionInfo{}, &fragmentInfo{}, &versionSetInfo{}, &authFile{}} {
			l := &loader{}
			l.readJSON(path, v)
			for _, e := range l.errs {
				if e.Pos.Line < 1 || e.Pos.Col < 1 {
					t.Fatalf("%T: error without a position: %v", v, e)
				}
			}
		}
	})
}

var keyLike = regexp.MustCompile(`(?i)(operationid|summary|parameters|required|name|in|\$ref|paths|get|put|post|delete|options|head|patch|trace)["']?\s*:`)

// miscasedKey reports a key the scan reads spelt in another case.
func miscasedKey(src string) bool {
	for _, m := range keyLike.FindAllStringSubmatch(src, -1) {
		if k := m[1]; k != "operationId" && k != strings.ToLower(k) {
			return true
		}
	}
	return false
}
