package policies

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// JSONSchema is a JSON schema of the configuration (an APIOps
// schemas/<id> folder) for validate-content schema-id, parsed once at
// load. schema-ref picks a part of it by JSON pointer ("#/definitions/a");
// each part is built once, on first use.
type JSONSchema struct {
	doc   any
	root  *openapi3.Schema
	parts sync.Map // pointer → *openapi3.Schema (nil: not found)
}

// CompileJSONSchema reads a JSON schema document.
func CompileJSONSchema(data []byte) (*JSONSchema, error) {
	s := &JSONSchema{}
	if err := json.Unmarshal(data, &s.doc); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	root, err := schemaOf(s.doc)
	if err != nil {
		return nil, err
	}
	s.root = root
	return s, nil
}

func schemaOf(v any) (*openapi3.Schema, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var sch openapi3.Schema
	if err := json.Unmarshal(b, &sch); err != nil {
		return nil, fmt.Errorf("not a JSON schema: %w", err)
	}
	return &sch, nil
}

// At returns the schema at ref ("" for the whole document), or nil.
func (s *JSONSchema) At(ref string) *openapi3.Schema {
	ref = strings.TrimPrefix(strings.TrimSpace(ref), "#")
	if ref == "" || ref == "/" {
		return s.root
	}
	if v, ok := s.parts.Load(ref); ok {
		return v.(*openapi3.Schema)
	}
	cur := s.doc
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := cur.(type) {
		case map[string]any:
			cur = x[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				cur = nil
			} else {
				cur = x[i]
			}
		default:
			cur = nil
		}
	}
	var sch *openapi3.Schema
	if m, ok := cur.(map[string]any); ok {
		sch, _ = schemaOf(m)
	}
	v, _ := s.parts.LoadOrStore(ref, sch)
	return v.(*openapi3.Schema)
}

// SchemaLookup is Env.Schemas over the configuration's schemas.
func SchemaLookup(schemas map[string]*JSONSchema) func(id, ref string) *openapi3.Schema {
	return func(id, ref string) *openapi3.Schema {
		if s := schemas[id]; s != nil {
			return s.At(ref)
		}
		return nil
	}
}
