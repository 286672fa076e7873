package apiops

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSpec(t *testing.T) {
	tests := []struct {
		name, file, src string
		templates       bool
		ops             []string
		diags           []string
	}{
		{
			name: "operation parameter overrides the path item's",
			file: "s.yaml", templates: true,
			src: `openapi: 3.0.1
info: {title: t, version: '1'}
paths:
  /a:
    parameters:
      - {name: q, in: query, required: true, schema: {type: string}}
      - {name: r, in: query, required: true, schema: {type: string}}
    get:
      operationId: a
      parameters:
        - {name: q, in: query, required: false, schema: {type: string}}
      responses: {'200': {description: ok}}
`,
			ops: []string{"a GET /a?r={r}"},
		},
		{
			name: "required query parameters kept as query parameters",
			file: "s.yaml", templates: false,
			src: `swagger: '2.0'
info: {title: t, version: '1'}
paths:
  /a:
    get:
      operationId: a
      parameters:
        - {name: q, in: query, required: true, type: string}
      responses: {200: {description: ok}}
`,
			ops: []string{"a GET /a"},
		},
		{
			name: "generated ids, definition order, query in the path key",
			file: "s.json",
			src: `{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {
  "/z/{id}/items": {"delete": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"204": {"description": "gone"}}}},
  "/a?mode=fast": {"get": {"operationId": "fast", "responses": {"200": {"description": "ok"}}}}
}}`,
			ops: []string{"delete-z-id-items DELETE /z/{id}/items", "fast GET /a?mode=fast"},
		},
		{
			name: "x-ms-paths is reported",
			file: "s.yaml",
			src: `openapi: 3.0.1
info: {title: t, version: '1'}
paths: {}
x-ms-paths:
  /a?x=1:
    get: {responses: {'200': {description: ok}}}
`,
			diags: []string{"s.yaml:4:1: unsupported warning"},
		},
		{
			name:  "neither openapi nor swagger",
			file:  "s.yaml",
			src:   "info: {title: t}\n",
			diags: []string{"s.yaml:1:1: bad_config error"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ops, errs := parseSpec(tt.file, []byte(tt.src), tt.templates)
			var got []string
			for _, o := range ops {
				got = append(got, o.ID+" "+o.Method+" "+o.URLTemplate)
			}
			if diff := cmp.Diff(tt.ops, got); diff != "" {
				t.Errorf("operations (-want +got):\n%s", diff)
			}
			var diags []string
			for _, e := range errs {
				diags = append(diags, e.Pos.String()+": "+e.Code+" "+e.Severity.String())
			}
			if diff := cmp.Diff(tt.diags, diags); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\n%v", diff, errs)
			}
		})
	}
}
