package policies

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/vektah/gqlparser/v2/ast"
	gqlp "github.com/vektah/gqlparser/v2/parser"

	"github.com/policygate/policygate/expressions"
)

// FuzzValidateContentBody sends arbitrary request bodies (untrusted input)
// through validate-content and the JSON position finder: errors, never a
// panic, and a valid body never fails.
func FuzzValidateContentBody(f *testing.F) {
	for _, seed := range []string{`{"name":"rex","age":3}`, `{"age":-1}`, `[1,2`, `{"name":{"a":[1,{"b":null}]}}`, "\xff", `{"NAME":"x"}`} {
		f.Add([]byte(seed))
	}
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`{"openapi":"3.0.1","info":{"title":"f","version":"1"},"paths":{"/p":{"post":{
"requestBody":{"content":{"application/json":{"schema":{"type":"object","required":["name"],"additionalProperties":false,
"properties":{"name":{"type":"string","maxLength":8},"age":{"type":"integer","minimum":0},"tags":{"type":"array","items":{"type":"string"}}}}}}},
"responses":{"200":{"description":"ok"}}}}}}`))
	if err != nil {
		f.Fatal(err)
	}
	item := doc.Paths.Value("/p")
	spec := NewOperationSpec(doc, item, item.Post)
	s := authCompile(f, `<validate-content unspecified-content-type-action="prevent" max-size="102400" size-exceeded-action="prevent">
		<content type="application/json" validate-as="json" action="prevent" case-insensitive-property-names="true" allow-additional-properties="false" /></validate-content>`)
	f.Fuzz(func(t *testing.T, body []byte) {
		r := authRun("POST", http.Header{"Content-Type": {"application/json"}})
		r.Ctx.Request.Body = expressions.NewBody(body)
		r.Spec = spec
		err := s.Exec(r)
		var v map[string]any
		if err != nil && json.Unmarshal(body, &v) == nil && len(v) == 1 {
			if name, ok := v["name"].(string); ok && len(name) <= 8 && !bytes.Contains(body, []byte(`\u`)) {
				t.Errorf("valid body %q rejected: %v", body, err)
			}
		}
		jsonPosition(body, []string{"name", "0", "a"})
	})
}

// FuzzValidateGraphQLRequest sends arbitrary request bodies through
// validate-graphql-request with rules that remove and reject fields: an
// error or a pass, never a panic.
func FuzzValidateGraphQLRequest(f *testing.F) {
	for _, seed := range []string{`{"query":"{ a { b c } }"}`, `{"query":"{ __schema { types { name } } }"}`,
		`{"query":"query Q { ...F } fragment F on Query { a { ...G } } fragment G on A { b }"}`, `{"query":"{"}`, `[]`} {
		f.Add([]byte(seed))
	}
	g, perr := CompileGraphQLSchema("f.graphql", "type Query { a: A }\ntype A { b: Int c: A }")
	if perr != nil {
		f.Fatal(perr)
	}
	s := authCompile(f, `<validate-graphql-request max-size="4096" max-depth="5"><authorize>
		<rule path="/__*" action="reject" /><rule path="/A/c" action="remove" /></authorize></validate-graphql-request>`)
	f.Fuzz(func(t *testing.T, body []byte) {
		r := authRun("POST", http.Header{"Content-Type": {"application/json"}})
		r.Ctx.Request.Body = expressions.NewBody(body)
		r.Spec = &OperationSpec{GraphQL: g}
		if err := s.Exec(r); err == nil {
			// What passes (possibly rewritten by remove) is still a valid query.
			var req map[string]any
			if json.Unmarshal(r.Ctx.Request.Body.Bytes(), &req) == nil {
				if q, ok := req["query"].(string); ok {
					if _, perr := gqlp.ParseQuery(&ast.Source{Input: q}); perr != nil {
						t.Errorf("passed query does not parse: %q: %v", q, perr)
					}
				}
			}
		}
	})
}
