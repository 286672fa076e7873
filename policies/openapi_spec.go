package policies

import (
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// OperationSpec is an operation's definition in its API's OpenAPI document,
// prepared once at load for the validation policies: parameters merged
// from the path item, and every body schema with its
// allow-additional-properties variants already built.
type OperationSpec struct {
	ID string
	// JSONSchema2020 is set for OpenAPI 3.1 documents.
	JSONSchema2020 bool
	// Params are the path-item and operation parameters (the operation's
	// win), by location ("path", "query", "header").
	Params      map[string][]*openapi3.Parameter
	RequestBody *openapi3.RequestBody
	Responses   *openapi3.Responses
	// GraphQL is the schema of a GraphQL API (validate-graphql-request).
	GraphQL *GraphQLSchema
	// variants maps a body schema to its copies with additionalProperties
	// forced true ([0]) and false ([1]).
	variants map[*openapi3.Schema]*[2]*openapi3.Schema
}

// NewOperationSpec prepares an operation of doc for validation; path is its
// path template, item its path item.
func NewOperationSpec(doc *openapi3.T, item *openapi3.PathItem, op *openapi3.Operation) *OperationSpec {
	s := &OperationSpec{ID: op.OperationID, Params: map[string][]*openapi3.Parameter{}, Responses: op.Responses,
		variants: map[*openapi3.Schema]*[2]*openapi3.Schema{}}
	if doc != nil {
		s.JSONSchema2020 = doc.IsOpenAPI31OrLater()
	}
	seen := map[string]bool{}
	for _, ps := range []openapi3.Parameters{op.Parameters, item.Parameters} {
		for _, pr := range ps {
			if pr == nil || pr.Value == nil {
				continue
			}
			p := pr.Value
			k := p.In + "\x00" + strings.ToLower(p.Name)
			if seen[k] {
				continue
			}
			seen[k] = true
			s.Params[p.In] = append(s.Params[p.In], p)
		}
	}
	if op.RequestBody != nil {
		s.RequestBody = op.RequestBody.Value
	}
	if s.RequestBody != nil {
		s.prepare(s.RequestBody.Content)
	}
	if op.Responses != nil {
		for _, rr := range op.Responses.Map() {
			if rr != nil && rr.Value != nil {
				s.prepare(rr.Value.Content)
			}
		}
	}
	return s
}

func (s *OperationSpec) prepare(c openapi3.Content) {
	for _, mt := range c {
		if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
			continue
		}
		v := mt.Schema.Value
		if s.variants[v] == nil {
			s.variants[v] = &[2]*openapi3.Schema{withAdditional(v, true), withAdditional(v, false)}
		}
	}
}

// Schema returns the body schema as allow-additional-properties asks: nil
// keeps the document's, otherwise its prepared variant.
func (s *OperationSpec) Schema(v *openapi3.Schema, allow *bool) *openapi3.Schema {
	if allow == nil || s == nil {
		return v
	}
	vs := s.variants[v]
	if vs == nil {
		return v
	}
	if *allow {
		return vs[0]
	}
	return vs[1]
}

// Param returns the parameter in location in named name
// (case-insensitively for headers), or nil.
func (s *OperationSpec) Param(in, name string) *openapi3.Parameter {
	for _, p := range s.Params[in] {
		if p.Name == name || in == openapi3.ParameterInHeader && strings.EqualFold(p.Name, name) {
			return p
		}
	}
	return nil
}

// Response returns the response defined for status: the exact code, then a
// range ("2XX"), then "default"; nil when none is.
func (s *OperationSpec) Response(status int) *openapi3.Response {
	if s == nil || s.Responses == nil {
		return nil
	}
	code := itoa3(status)
	for _, k := range []string{code, code[:1] + "XX", "default"} {
		if rr := s.Responses.Value(k); rr != nil && rr.Value != nil {
			return rr.Value
		}
	}
	if rr := s.Responses.Value(code[:1] + "xx"); rr != nil && rr.Value != nil {
		return rr.Value
	}
	return nil
}

func itoa3(n int) string {
	if n < 100 || n > 999 {
		return "000"
	}
	return string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)})
}

// withAdditional copies a schema tree with additionalProperties forced to
// allow on every object schema (allow-additional-properties overrides the
// document at every level, as APIM does).
func withAdditional(s *openapi3.Schema, allow bool) *openapi3.Schema {
	return copySchema(s, allow, map[*openapi3.Schema]*openapi3.Schema{})
}

func copySchema(s *openapi3.Schema, allow bool, memo map[*openapi3.Schema]*openapi3.Schema) *openapi3.Schema {
	if s == nil {
		return nil
	}
	if c, ok := memo[s]; ok {
		return c
	}
	c := *s
	memo[s] = &c
	ref := func(r *openapi3.SchemaRef) *openapi3.SchemaRef {
		if r == nil {
			return nil
		}
		return &openapi3.SchemaRef{Ref: r.Ref, Value: copySchema(r.Value, allow, memo)}
	}
	refs := func(rs openapi3.SchemaRefs) openapi3.SchemaRefs {
		if rs == nil {
			return nil
		}
		out := make(openapi3.SchemaRefs, len(rs))
		for i, r := range rs {
			out[i] = ref(r)
		}
		return out
	}
	c.Items = ref(s.Items)
	c.Not = ref(s.Not)
	c.AllOf, c.AnyOf, c.OneOf = refs(s.AllOf), refs(s.AnyOf), refs(s.OneOf)
	if s.Properties != nil {
		c.Properties = make(openapi3.Schemas, len(s.Properties))
		for k, r := range s.Properties {
			c.Properties[k] = ref(r)
		}
	}
	isObject := s.Type != nil && s.Type.Is("object") || len(s.Properties) > 0
	switch {
	case isObject && allow:
		t := true
		c.AdditionalProperties = openapi3.AdditionalProperties{Has: &t}
	case isObject:
		f := false
		c.AdditionalProperties = openapi3.AdditionalProperties{Has: &f}
	case s.AdditionalProperties.Schema != nil:
		c.AdditionalProperties = openapi3.AdditionalProperties{Schema: ref(s.AdditionalProperties.Schema)}
	}
	return &c
}
