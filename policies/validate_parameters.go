package policies

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/policygate/policygate/parser"
)

// validate-parameters validates the request's header, query and path
// parameters against the operation's parameters in the API's OpenAPI
// document (kin-openapi's openapi3filter.ValidateParameter decodes each
// value by its style and validates it against its schema).
//
//	<validate-parameters specified-parameter-action="ignore | prevent | detect | @(expr)"
//	    unspecified-parameter-action="ignore | prevent | detect | @(expr)" errors-variable-name="name">
//	    <headers specified-parameter-action="…" unspecified-parameter-action="…">
//	        <parameter name="name" action="ignore | prevent | detect" />
//	    </headers>
//	    <query specified-parameter-action="…" unspecified-parameter-action="…">…</query>
//	    <path specified-parameter-action="…">…</path>
//	</validate-parameters>
//
// A <parameter> overrides the location's action, which overrides the
// policy's. The API's subscription key header and query parameter are the
// gateway's own and never count as unspecified (project decision); every
// other request header does, as in APIM (whose example ignores User-Agent
// and Host explicitly).
type validateParameters struct {
	specified, unspecified actionValue
	varName                string
	locs                   map[string]*paramLocation // "header", "query", "path"
}

// paramLocation is a <headers>, <query> or <path> element.
type paramLocation struct {
	specified, unspecified actionValue
	params                 map[string]actionValue // lower-cased name → action
}

var _ Step = (*validateParameters)(nil)

func init() { Register("validate-parameters", compileValidateParameters) }

func compileValidateParameters(el *parser.Element, c *Compiler) (Step, error) {
	s := &validateParameters{
		specified:   c.action(el, "specified-parameter-action"),
		unspecified: c.action(el, "unspecified-parameter-action"),
		varName:     literalAttr(el, "errors-variable-name"),
		locs:        map[string]*paramLocation{},
	}
	for _, n := range []string{"specified-parameter-action", "unspecified-parameter-action"} {
		if el.Attr(n) == nil {
			c.Errorf(el.Pos, parser.CodeBadAttribute, "<validate-parameters> needs %s", n)
		}
	}
	for _, ch := range el.Children {
		in := map[string]string{"headers": openapi3.ParameterInHeader, "query": openapi3.ParameterInQuery, "path": openapi3.ParameterInPath}[ch.Name]
		if in == "" {
			continue
		}
		s.locs[in] = compileParamLocation(ch, c, "parameter")
	}
	return s, nil
}

func compileParamLocation(el *parser.Element, c *Compiler, child string) *paramLocation {
	l := &paramLocation{
		specified:   c.action(el, "specified-parameter-action"),
		unspecified: c.action(el, "unspecified-parameter-action"),
		params:      map[string]actionValue{},
	}
	for _, p := range el.Children {
		if p.Name == child {
			l.params[strings.ToLower(literalAttr(p, "name"))] = c.action(p, "action")
		}
	}
	return l
}

// paramWords names a location in messages and in the error Type.
var paramWords = map[string][2]string{
	openapi3.ParameterInHeader: {"header", "RequestHeader"},
	openapi3.ParameterInQuery:  {"query parameter", "QueryParameter"},
	openapi3.ParameterInPath:   {"path parameter", "PathParameter"},
}

// Exec validates the request's parameters.
func (s *validateParameters) Exec(r *Run) error {
	v := &validationRun{policy: "validate-parameters", varName: s.varName}
	r.openAPI()
	err := s.run(r, v)
	v.flush(r)
	return err
}

func (s *validateParameters) run(r *Run, v *validationRun) error {
	if r.Spec == nil {
		return noSchemaAction(r, v, s.specified, s.unspecified)
	}
	req := r.Ctx.Request
	hreq := &http.Request{Method: req.Method, URL: &url.URL{}, Header: http.Header{}}
	if req.Headers != nil {
		hreq.Header = req.Headers.H.Clone()
	}
	query := url.Values{}
	var queryNames []string
	if req.URL != nil && req.URL.Query != nil {
		queryNames = req.URL.Query.Names
		for k, vs := range req.URL.Query.Values {
			query[k] = vs
		}
		hreq.URL.RawQuery = query.Encode()
	}
	pathParams := map[string]string{}
	if req.MatchedParameters != nil {
		pathParams = req.MatchedParameters.Values
	}
	in := &openapi3filter.RequestValidationInput{Request: hreq, PathParams: pathParams,
		Options: &openapi3filter.Options{SkipSettingDefaults: true}}
	keyHeader, keyQuery := "", ""
	if r.Ctx.API != nil {
		keyHeader, keyQuery = r.Ctx.API.SubscriptionKeyHeader, r.Ctx.API.KeyQueryParam
	}
	for _, loc := range []string{openapi3.ParameterInPath, openapi3.ParameterInQuery, openapi3.ParameterInHeader} {
		l := s.locs[loc]
		var present []string
		values := func(name string) ([]string, bool) { return nil, false }
		switch loc {
		case openapi3.ParameterInQuery:
			present = queryNames
			values = func(name string) ([]string, bool) { vs, ok := query[name]; return vs, ok }
		case openapi3.ParameterInHeader:
			present = slices.Sorted(maps.Keys(hreq.Header)) // errors in a stable order
			values = func(name string) ([]string, bool) {
				vs, ok := hreq.Header[http.CanonicalHeaderKey(name)]
				return vs, ok
			}
		}
		for _, p := range r.Spec.Params[loc] {
			act, err := l.action(r, p.Name, s.specified, true)
			if err != nil {
				return err
			}
			if err := checkParam(r, v, act, in, p, values, false); err != nil {
				return err
			}
		}
		if loc == openapi3.ParameterInPath {
			continue // a path holds only its template's parameters
		}
		for _, name := range present {
			if r.Spec.Param(loc, name) != nil ||
				loc == openapi3.ParameterInHeader && keyHeader != "" && strings.EqualFold(name, keyHeader) ||
				loc == openapi3.ParameterInQuery && keyQuery != "" && name == keyQuery {
				continue
			}
			act, err := l.action(r, name, s.unspecified, false)
			if err != nil {
				return err
			}
			w := paramWords[loc]
			e := validationError{Name: name, Type: w[1], Rule: "Unspecified", Details: "Unspecified " + w[0] + " " + name + " is not allowed."}
			e.Public = e.Details
			if err := v.add(r, act, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// action resolves the action for a parameter: its own, the location's,
// then the policy's.
func (l *paramLocation) action(r *Run, name string, top actionValue, specified bool) (string, error) {
	if l != nil {
		if a, ok := l.params[strings.ToLower(name)]; ok && a.v.Present {
			return a.get(r, actIgnore)
		}
		loc := l.unspecified
		if specified {
			loc = l.specified
		}
		if loc.v.Present {
			return loc.get(r, actIgnore)
		}
	}
	return top.get(r, actIgnore)
}

// noSchemaAction reports a validation against an operation without a
// definition with the strongest configured action.
func noSchemaAction(r *Run, v *validationRun, acts ...actionValue) error {
	var got []string
	for _, a := range acts {
		act, err := a.get(r, actIgnore)
		if err != nil {
			return err
		}
		got = append(got, act)
	}
	return v.add(r, strongest(got...), noSchema())
}

// checkParam validates one specified request parameter or response header
// with kin-openapi. response switches the messages to the response ones.
func checkParam(r *Run, v *validationRun, act string, in *openapi3filter.RequestValidationInput, p *openapi3.Parameter,
	values func(string) ([]string, bool), response bool) error {
	if act == actIgnore {
		return nil
	}
	w := paramWords[p.In]
	who := "Request"
	if response {
		w, who = [2]string{"header", "ResponseHeader"}, "Response"
	}
	public := func(e validationError, text string) validationError {
		if !response {
			e.Public = text
		}
		return e
	}
	if vs, _ := values(p.Name); len(vs) > 1 && !isArrayParam(p) {
		d := who + " cannot contain multiple values for the " + w[0] + " " + p.Name + "."
		return v.add(r, act, public(validationError{Name: p.Name, Type: w[1], Rule: "IncorrectMessage", Details: d}, d))
	}
	err := openapi3filter.ValidateParameter(context.Background(), in, p)
	if err == nil {
		return nil
	}
	var pe *openapi3filter.ParseError
	var se *openapi3.SchemaError
	msg, _ := schemaMessage(err)
	switch {
	case errors.As(err, &pe) && response:
		d := "Value of the header " + p.Name + " couldn't be parsed according to the definition."
		return v.add(r, act, validationError{Name: p.Name, Type: w[1], Rule: "IncorrectMessage", Details: d})
	case errors.As(err, &pe):
		d := "Value of the " + w[0] + " " + p.Name + " cannot be parsed according to the definition. " + pe.Error()
		return v.add(r, act, public(validationError{Name: p.Name, Type: w[1], Rule: "IncorrectMessage", Details: d},
			"Value of the "+w[0]+" "+p.Name+" couldn't be parsed according to the definition. "+pe.Error()))
	case errors.As(err, &se), errors.Is(err, openapi3filter.ErrInvalidRequired), errors.Is(err, openapi3filter.ErrInvalidEmptyValue):
		if errors.Is(err, openapi3filter.ErrInvalidRequired) {
			msg = "The " + w[0] + " is required but missing."
		}
		d := "Value of the " + w[0] + " " + p.Name + " does not conform to the definition. " + msg
		return v.add(r, act, public(validationError{Name: p.Name, Type: w[1], Rule: "IncorrectMessage", Details: d},
			"The value of the "+w[0]+" "+p.Name+" does not conform to the definition. "+msg))
	}
	d := upperFirst(w[0]) + " " + p.Name + " cannot be validated. " + msg
	return v.add(r, act, validationError{Name: p.Name, Type: w[1], Rule: "ValidationError", Details: d})
}

func isArrayParam(p *openapi3.Parameter) bool {
	return p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Type != nil && p.Schema.Value.Type.Is("array")
}
