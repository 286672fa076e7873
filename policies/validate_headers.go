package policies

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/policygate/policygate/parser"
)

// validate-headers validates the response headers against the headers the
// operation's response (its status, a range such as 2XX, or default)
// defines in the API's OpenAPI document.
//
//	<validate-headers specified-header-action="ignore | prevent | detect | @(expr)"
//	    unspecified-header-action="ignore | prevent | detect | @(expr)" errors-variable-name="name">
//	    <header name="name" action="ignore | prevent | detect" />
//	</validate-headers>
//
// Content-Type (described by the response's content, and ignored as a
// header definition by OpenAPI), Content-Length, Date and Transfer-Encoding
// are framing the HTTP layer writes and never count as unspecified
// (project decision).
type validateHeaders struct {
	specified, unspecified actionValue
	varName                string
	headers                map[string]actionValue // lower-cased name → action
}

var _ Step = (*validateHeaders)(nil)

func init() { Register("validate-headers", compileValidateHeaders) }

func compileValidateHeaders(el *parser.Element, c *Compiler) (Step, error) {
	s := &validateHeaders{
		specified:   c.action(el, "specified-header-action"),
		unspecified: c.action(el, "unspecified-header-action"),
		varName:     literalAttr(el, "errors-variable-name"),
		headers:     map[string]actionValue{},
	}
	for _, n := range []string{"specified-header-action", "unspecified-header-action"} {
		if el.Attr(n) == nil {
			c.Errorf(el.Pos, parser.CodeBadAttribute, "<validate-headers> needs %s", n)
		}
	}
	for _, h := range el.Children {
		if h.Name == "header" {
			s.headers[strings.ToLower(literalAttr(h, "name"))] = c.action(h, "action")
		}
	}
	return s, nil
}

var framingHeaders = map[string]bool{"Content-Type": true, "Content-Length": true, "Date": true, "Transfer-Encoding": true}

// Exec validates the response headers.
func (s *validateHeaders) Exec(r *Run) error {
	v := &validationRun{policy: "validate-headers", varName: s.varName}
	r.openAPI()
	err := s.run(r, v)
	v.flush(r)
	return err
}

func (s *validateHeaders) action(r *Run, name string, def actionValue) (string, error) {
	if a, ok := s.headers[strings.ToLower(name)]; ok && a.v.Present {
		return a.get(r, actIgnore)
	}
	return def.get(r, actIgnore)
}

func (s *validateHeaders) run(r *Run, v *validationRun) error {
	if r.Spec == nil || r.Ctx.Response == nil {
		return noSchemaAction(r, v, s.specified, s.unspecified)
	}
	h := http.Header{}
	if r.Ctx.Response.Headers != nil {
		h = r.Ctx.Response.Headers.H
	}
	resp := r.Spec.Response(int(r.Ctx.Response.StatusCode))
	var defined openapi3.Headers
	if resp != nil {
		defined = resp.Headers
	}
	in := &openapi3filter.RequestValidationInput{Request: &http.Request{Header: h}, Options: &openapi3filter.Options{SkipSettingDefaults: true}}
	values := func(name string) ([]string, bool) { vs, ok := h[http.CanonicalHeaderKey(name)]; return vs, ok }
	for _, name := range slices.Sorted(maps.Keys(defined)) {
		hr := defined[name]
		if hr == nil || hr.Value == nil || strings.EqualFold(name, "Content-Type") {
			continue
		}
		act, err := s.action(r, name, s.specified)
		if err != nil {
			return err
		}
		p := hr.Value.Parameter
		p.Name, p.In = name, openapi3.ParameterInHeader
		if err := checkParam(r, v, act, in, &p, values, true); err != nil {
			return err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(h)) {
		if framingHeaders[name] || headerDefined(defined, name) {
			continue
		}
		act, err := s.action(r, name, s.unspecified)
		if err != nil {
			return err
		}
		if err := v.add(r, act, validationError{Name: name, Type: "ResponseHeader", Rule: "Unspecified", Details: "Unspecified header " + name + " is not allowed."}); err != nil {
			return err
		}
	}
	return nil
}

func headerDefined(hs openapi3.Headers, name string) bool {
	for k := range hs {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}
