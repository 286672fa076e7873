package apiops

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/policygate/policygate/parser"
)

// scannedOps are the operations scanSpec finds, as "id name METHOD template".
func scannedOps(file string, src []byte, queryTemplates bool) ([]string, scannedSpec) {
	_, s := scanSpec(file, src, queryTemplates)
	var out []string
	for _, op := range s.ops {
		out = append(out, op.ID+" "+op.Name+" "+op.Method+" "+op.URLTemplate)
	}
	return out, s
}

// libraryOps is what the OpenAPI library says of the same operations:
// id, summary and required query parameters read from the loaded document,
// as Load read them before it scanned the YAML tree. ok is false when the
// library cannot load the document.
func libraryOps(file string, src []byte, s scannedSpec, queryTemplates bool) (out []string, ok bool) {
	doc, _ := libraryDoc(file, src, nil, &s)
	if doc == nil {
		return nil, false
	}
	conv := func(ps openapi3.Parameters) []specParam {
		var out []specParam
		for _, pr := range ps {
			if pr != nil && pr.Value != nil {
				out = append(out, specParam{name: pr.Value.Name, in: pr.Value.In, required: pr.Value.Required})
			}
		}
		return out
	}
	for _, so := range s.order {
		item := doc.Paths.Value(so.path)
		if item == nil || item.GetOperation(strings.ToUpper(so.method)) == nil {
			out = append(out, "missing "+so.method+" "+so.path)
			continue
		}
		o := item.GetOperation(strings.ToUpper(so.method))
		id, name := o.OperationID, o.Summary
		if id == "" {
			id = generatedID(so.method, so.path)
		}
		if name == "" {
			name = id
		}
		tmpl := so.path
		if queryTemplates && !strings.Contains(so.path, "?") {
			tmpl += queryTemplate(conv(item.Parameters), conv(o.Parameters))
		}
		out = append(out, id+" "+name+" "+strings.ToUpper(so.method)+" "+tmpl)
	}
	return out, true
}

// specFiles are the specifications of the sample export and the tests.
func specFiles(t *testing.T) []string {
	var files []string
	for _, root := range []string{"testdata", filepath.Join("..", "..", "..", "shared", "apiops-sample")} {
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && IsSpecification(p) {
				files = append(files, p)
			}
			return nil
		})
	}
	if len(files) == 0 {
		t.Skip("no specification files")
	}
	return files
}

// The scan reads ids, names and query templates as the OpenAPI library
// does, for every specification at hand.
func TestScanAgreesWithLibrary(t *testing.T) {
	for _, f := range specFiles(t) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, qt := range []bool{true, false} {
			got, s := scannedOps(f, src, qt)
			want, ok := libraryOps(f, src, s, qt)
			if !ok {
				continue
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (query templates %v): scan differs from the library (-library +scan):\n%s", f, qt, diff)
			}
		}
	}
}

func TestScanAgreesWithLibraryCases(t *testing.T) {
	for name, src := range map[string]string{
		"swagger refs": `swagger: '2.0'
info: {title: t, version: '1'}
parameters:
  q: {name: q, in: query, required: true, type: string}
  r~/x: {name: r, in: query, required: true, type: string}
paths:
  /a:
    parameters: [{$ref: '#/parameters/q'}]
    get:
      operationId: a
      summary: Get A
      parameters: [{$ref: '#/parameters/r~0~1x'}, {name: o, in: query, required: false, type: string}]
      responses: {200: {description: ok}}
    post: {responses: {200: {description: ok}}}
`,
		"openapi components": `openapi: 3.0.1
info: {title: t, version: '1'}
components:
  parameters:
    q: {name: q, in: query, required: true, schema: {type: string}}
paths:
  /b/{id}:
    get:
      parameters:
        - $ref: '#/components/parameters/q'
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: h, in: header, required: true, schema: {type: string}}
      responses: {'200': {description: ok}}
    PUT: {operationId: put, responses: {'200': {description: ok}}}
`,
	} {
		for _, qt := range []bool{true, false} {
			got, s := scannedOps("s.yaml", []byte(src), qt)
			want, ok := libraryOps("s.yaml", []byte(src), s, qt)
			if !ok {
				t.Fatalf("%s: the library cannot load it", name)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (query templates %v) (-library +scan):\n%s", name, qt, diff)
			}
		}
	}
}

// An operation table gives the loader what scanning the document gives.
func TestOperationTableRoundTrip(t *testing.T) {
	for _, f := range specFiles(t) {
		src, _ := os.ReadFile(f)
		tab, ok := ScanOperations("elsewhere.yaml", src)
		if !ok {
			continue
		}
		for _, qt := range []bool{true, false} {
			_, want := scanSpec(f, src, qt)
			got := tab.scanned(f, qt)
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(scannedSpec{}, specOp{})); diff != "" {
				t.Errorf("%s (query templates %v): table differs from the scan:\n%s", f, qt, diff)
			}
		}
	}
}

// Lazily, Load finds the operations and leaves the library's part to the
// first use, which builds what an eager Load builds and reports the
// library's findings once; a document the library cannot load does not
// fail the lazy Load.
func TestLazyOpenAPI(t *testing.T) {
	spec := "openapi: 3.0.1\ninfo: {title: lazy-t}\npaths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        '200':\n          description: ok\n          content: {application/json: {example: {n: 1}, schema: {type: object}}}\n"
	dir := writeAPI(t, spec)
	eager, errs := Load(dir)
	if eager == nil {
		t.Fatal(errs)
	}
	var reports []parser.Errors
	lazy, lerrs := Load(dir, WithLazyOpenAPI(func(e parser.Errors) { reports = append(reports, e) }))
	if lazy == nil {
		t.Fatal(lerrs)
	}
	if warned(errs) != 1 || warned(lerrs) != 0 {
		t.Fatalf("validation warnings: eager %v, lazy %v; want one from the eager load only", errs, lerrs)
	}
	eop, lop := eager.APIs[0].Operations[0], lazy.APIs[0].Operations[0]
	if lop.Spec != nil || lop.Examples != nil || lop.OpenAPI == nil {
		t.Fatalf("lazy operation built at load: %+v", lop)
	}
	var wg sync.WaitGroup
	for range 8 { // first use from many requests at once
		wg.Go(func() { lop.OpenAPI() })
	}
	wg.Wait()
	for range 2 {
		ex, sp := lop.OpenAPI()
		if diff := cmp.Diff(eop.Examples, ex); diff != "" || sp == nil || sp.ID != "a" || sp.Response(200) == nil {
			t.Fatalf("lazy detail: examples %s, spec %+v", diff, sp)
		}
	}
	if len(reports) != 1 || warned(reports[0]) != 1 || reports[0][0].Pos.File != filepath.Join(dir, "apis", "one", "specification.yaml") {
		t.Fatalf("reports %v: want the validation warning once, naming the file", reports)
	}

	broken := writeAPI(t, "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get: {operationId: a, responses: {'200': {$ref: '#/components/responses/none'}}}\n")
	if cfg, errs := Load(broken); cfg != nil || !errs.HasErrors() {
		t.Fatalf("eager load of a document the library rejects: %v", errs)
	}
	reports = nil
	cfg, errs := Load(broken, WithLazyOpenAPI(func(e parser.Errors) { reports = append(reports, e) }))
	if cfg == nil {
		t.Fatal(errs)
	}
	op := cfg.APIs[0].Operations[0]
	if ex, sp := op.OpenAPI(); ex != nil || sp != nil || op.ID != "a" {
		t.Fatalf("operation of a document the library rejects: %+v %v %v", op, ex, sp)
	}
	if len(reports) != 1 || !reports[0].HasErrors() || !strings.Contains(reports[0][0].Msg, "invalid OpenAPI document") {
		t.Fatalf("reports %v: want the library's error", reports)
	}
}

// With a table for its specification, a lazy Load does not read the
// document at all: a table that says otherwise is what it serves.
func TestLoadUsesOperationTables(t *testing.T) {
	spec := "swagger: '2.0'\ninfo: {title: table-t, version: v1}\npaths:\n  /a:\n    get: {operationId: a, responses: {200: {description: ok}}}\n"
	dir := writeAPI(t, spec)
	tab := &OperationTable{Ops: []TableOp{{ID: "from-table", Name: "n", Method: "GET", Path: "/t", Query: "?q={q}", Line: 4, Col: 5}}}
	cfg, errs := Load(dir, WithLazyOpenAPI(nil), WithOperationTables(map[string]*OperationTable{SpecSum([]byte(spec)): tab}))
	if cfg == nil {
		t.Fatal(errs)
	}
	got := cfg.APIs[0].Operations
	if len(got) != 1 || got[0].ID != "from-table" || got[0].URLTemplate != "/t?q={q}" {
		t.Fatalf("operations %+v: want the table's", got[0])
	}
}

func warned(errs parser.Errors) int {
	n := 0
	for _, e := range errs {
		if e.Severity == parser.SeverityWarning && strings.Contains(e.Msg, "does not validate") {
			n++
		}
	}
	return n
}

// writeAPI writes a folder with one API, "one", of specification spec.
func writeAPI(t *testing.T, spec string) string {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, "apis/one/apiInformation.json", `{"properties": {"displayName": "one", "path": "one", "serviceUrl": "http://127.0.0.1:9", "protocols": ["https"]}}`)
	write(t, dir, "apis/one/specification.yaml", spec)
	return dir
}
