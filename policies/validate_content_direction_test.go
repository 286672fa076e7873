package policies

import (
	"context"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/policygate/policygate/expressions"
)

// TestValidateContentReadOnlyInRequest checks that skipping the direction
// for schemas without readOnly/writeOnly keeps it where they appear: a
// readOnly property, even one reached through a $ref inside oneOf, is
// refused in a request; a schema without any accepts the same body.
func TestValidateContentReadOnlyInRequest(t *testing.T) {
	const spec = `{"openapi":"3.0.1","info":{"title":"t","version":"1"},"paths":{
"/ro":{"post":{"requestBody":{"content":{"application/json":{"schema":{"oneOf":[{"$ref":"#/components/schemas/RO"}]}}}},"responses":{"200":{"description":"ok"}}}},
"/plain":{"post":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Plain"}}}},"responses":{"200":{"description":"ok"}}}}},
"components":{"schemas":{
"RO":{"type":"object","properties":{"id":{"type":"string","readOnly":true},"name":{"type":"string"}}},
"Plain":{"type":"object","properties":{"id":{"type":"string"},"name":{"type":"string"}}}}}}`
	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	s := authCompile(t, `<validate-content unspecified-content-type-action="prevent" max-size="102400" size-exceeded-action="prevent">
		<content type="application/json" validate-as="json" action="prevent" /></validate-content>`)
	for _, tc := range []struct {
		path string
		ok   bool
	}{{"/ro", false}, {"/plain", true}} {
		item := doc.Paths.Value(tc.path)
		for i := 0; i < 2; i++ { // the second run uses the kept answer
			r := authRun("POST", http.Header{"Content-Type": {"application/json"}})
			r.Context = context.Background()
			r.Ctx.Request.Body = expressions.NewBody([]byte(`{"id":"x","name":"n"}`))
			r.Spec = NewOperationSpec(doc, item, item.Post)
			err := s.Exec(r)
			if (err == nil) != tc.ok {
				t.Errorf("%s run %d: err = %v, want ok=%v", tc.path, i, err, tc.ok)
			}
		}
	}
}
