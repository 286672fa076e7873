package policies

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policygate/policygate/parser"
)

// compileResolverSrc compiles a resolver policy as the engine does.
func compileResolverSrc(t *testing.T, src string) (*GraphQLResolver, parser.Errors) {
	t.Helper()
	doc, errs := parser.Parse("r.xml", []byte(src))
	if doc == nil || errs.HasErrors() {
		t.Fatalf("parse: %v", errs)
	}
	errs = append(errs, Validate(doc, ValidateOptions{})...)
	c := &Compiler{Scope: ScopeAPI}
	res := CompileGraphQLResolver(doc.Root.Children[0], c)
	return res, append(errs, c.Errs...)
}

func TestGraphQLResolverCompileErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"no set-url", `<http-data-source><http-request><set-method>GET</set-method></http-request></http-data-source>`,
			"r.xml:1:1: bad_structure: <http-data-source> needs <http-request> with a <set-url>"},
		{"unknown member of context.GraphQL", `<http-data-source><http-request><set-url>@(context.GraphQL.Parents["id"].ToString())</set-url></http-request></http-data-source>`,
			"'IGraphQLContext' does not contain a definition for 'Parents'"},
		{"unknown policy in http-response", `<http-data-source><http-request><set-url>http://127.0.0.1/x</set-url></http-request><http-response><set-bodyy/></http-response></http-data-source>`,
			"r.xml:1:100: unknown_policy: unknown policy <set-bodyy>"},
		{"not a data source", `<set-header name="a"><value>b</value></set-header>`,
			"a GraphQL resolver's policy must be <http-data-source>"},
	}
	for _, tc := range tests {
		_, errs := compileResolverSrc(t, tc.src)
		if !strings.Contains(errs.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, errs, tc.want)
		}
	}
	res, errs := compileResolverSrc(t, `<http-data-source><http-request><set-method>POST</set-method>
<set-url>@($"http://127.0.0.1/users/{context.GraphQL.Parent["id"]}?q={context.GraphQL.Arguments["q"]}")</set-url>
<set-body>@(context.ParentResult.AsJObject().ToString())</set-body></http-request>
<backend><forward-request timeout="5"/></backend><http-response><xml-to-json kind="direct" apply="always" consider-accept-header="false"/></http-response></http-data-source>`)
	if errs.HasErrors() || res == nil || len(res.request) != 2 || len(res.backend) != 1 || len(res.response) != 1 {
		t.Errorf("a valid resolver: %v (%+v)", errs, res)
	}
}

func TestSetGraphQLResolverNeedsItsAttributes(t *testing.T) {
	src := `<set-graphql-resolver field="users"><http-data-source><http-request><set-url>http://127.0.0.1/u</set-url></http-request></http-data-source></set-graphql-resolver>`
	doc, _ := parser.Parse("p.xml", []byte(`<policies><inbound/><backend>`+src+`<forward-request/></backend></policies>`))
	if errs := Validate(doc, ValidateOptions{Scope: ScopeAPI}); !strings.Contains(errs.Error(), `missing required attribute "parent-type"`) {
		t.Errorf("validate: %v", errs)
	}
	doc, _ = parser.Parse("p.xml", []byte(`<policies><inbound>`+strings.Replace(src, `field=`, `parent-type="Query" field=`, 1)+`</inbound></policies>`))
	if errs := Validate(doc, ValidateOptions{Scope: ScopeAPI}); !strings.Contains(errs.Error(), "not allowed in section inbound") {
		t.Errorf("set-graphql-resolver is a backend policy: %v", errs)
	}
}

// TestGraphQLCorpusResolversLoad checks the corpus documents using
// http-data-source: none is warned about as not supported any more, and the
// ones valid at source compile as resolvers.
func TestGraphQLCorpusResolversLoad(t *testing.T) {
	dir := filepath.Join(corpusRoot(), "MicrosoftDocs__azure-docs", "articles", "api-management")
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	if len(files) == 0 {
		t.Skip("corpus not found (set POLICYGATE_CORPUS)")
	}
	n, compiled := 0, 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(src, []byte("<http-data-source")) && !bytes.Contains(src, []byte("<set-graphql-resolver")) {
			continue
		}
		n++
		rep := LintFile(f, src, LintOptions{})
		for _, p := range rep.Problems {
			if p.Code == parser.CodeNotImplemented && (strings.Contains(p.Msg, "http-data-source") || strings.Contains(p.Msg, "set-graphql-resolver")) {
				t.Errorf("%v", p)
			}
		}
		doc, perrs := parser.Parse(f, src)
		if doc == nil || perrs.HasErrors() || rep.Problems.HasErrors() || bytes.Contains(src, []byte("[...]")) {
			continue // invalid at source (testdata/corpus-report.md lists why), or an excerpt
		}
		c := &Compiler{Scope: ScopeAPI}
		if res := CompileGraphQLResolver(doc.Root.Children[0], c); res == nil || c.Errs.HasErrors() {
			t.Errorf("%s: %v", f, c.Errs)
		}
		compiled++
	}
	if n != 7 || compiled != 4 {
		t.Errorf("%d corpus files use the resolver policies, %d compile; want 7 and 4", n, compiled)
	}
}

func corpusRoot() string {
	if dir := os.Getenv("POLICYGATE_CORPUS"); dir != "" {
		return dir
	}
	for _, dir := range []string{"../../shared/corpus", "../../../shared/corpus"} {
		if _, err := os.Stat(filepath.Join(dir, "FILES.tsv")); err == nil {
			return dir
		}
	}
	return "../../shared/corpus"
}
