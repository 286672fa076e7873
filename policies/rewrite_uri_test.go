package policies

import (
	"net/url"
	"testing"

	"github.com/policygate/policygate/expressions"
)

func TestRewriteURI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, opTemplate, query, src, wantURL, wantRel string
		params                                         map[string]string
	}{
		{"unmatched params are copied", "/get?a={b}", "a=b&c=d", `<rewrite-uri template="/put" />`,
			"http://backend.test/api/put?c=d", "/put", map[string]string{"b": "b"}},
		{"copy-unmatched-params false", "/get?a={b}", "a=b&c=d", `<rewrite-uri template="/put" copy-unmatched-params="false" />`,
			"http://backend.test/api/put", "/put", map[string]string{"b": "b"}},
		{"path and query placeholders", "/items/{id}", "x=1", `<rewrite-uri template="/v2/items/{id}?expand={id}" />`,
			"http://backend.test/api/v2/items/4%202?expand=4+2&x=1", "/v2/items/4%202", map[string]string{"id": "4 2"}},
		{"template parameter wins over a copied one", "/*", "x=1&y=2", `<rewrite-uri template="/t?x=9" />`,
			"http://backend.test/api/t?x=9&y=2", "/t", nil},
		{"expression template", "/*", "", `<rewrite-uri template="@("/from/" + context.Request.Method.ToLower())" />`,
			"http://backend.test/api/from/get", "/from/get", nil},
		{"relative template", "/*", "", `<rewrite-uri template="rel" />`,
			"http://backend.test/api/rel", "rel", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRun(Inbound)
			r.BackendURL, _ = url.Parse("http://backend.test/api")
			r.RelPath = "/get"
			r.Ctx.Operation = &expressions.Operation{URLTemplate: tt.opTemplate}
			r.Ctx.Request.URL.Query = expressions.ParseQuery(tt.query)
			var names []string
			for k := range tt.params {
				names = append(names, k)
			}
			r.Ctx.Request.MatchedParameters = expressions.NewStringMap(names, tt.params)
			r.SyncURL()
			if err := execSnippet(t, r, tt.src); err != nil {
				t.Fatal(err)
			}
			if got := r.Ctx.Request.URL.String(); got != tt.wantURL {
				t.Errorf("url %q, want %q", got, tt.wantURL)
			}
			if r.RelPath != tt.wantRel {
				t.Errorf("rel path %q, want %q", r.RelPath, tt.wantRel)
			}
		})
	}
}

func TestRewriteURIErrors(t *testing.T) {
	t.Parallel()
	err := execSnippet(t, newTestRun(Inbound), `<rewrite-uri template="@(((string)null).Trim())" />`)
	wantFailure(t, err, "rewrite-uri", ReasonExpression, "rewrite-uri[1]")
	for _, src := range []string{`<rewrite-uri />`, `<rewrite-uri template="/a" copy-unmatched-params="maybe" />`} {
		if errs := compileErrs(t, Inbound, src); len(errs) == 0 {
			t.Errorf("%s: no load-time error", src)
		}
	}
}
