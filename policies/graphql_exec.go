package policies

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	gqlp "github.com/vektah/gqlparser/v2/parser"
	gqlvalidator "github.com/vektah/gqlparser/v2/validator"

	"github.com/policygate/policygate/expressions"
)

// GraphQLExecutor runs the queries of a synthetic GraphQL API: its schema
// and its managed resolvers by "Type/field" (APIOps
// apis/<api>/resolvers/<name>/, resolverInformation.json's path).
//
// forward-request executes the query instead of calling a backend when the
// API's operation carries a GraphQL schema and the API is synthetic: it has
// managed resolvers, set-graphql-resolver registered one in this request,
// or it has no service URL. A GraphQL API with a service URL and no
// resolver stays a pass-through API.
//
// The query comes from a POST body {"query", "variables", "operationName"}
// (or the query itself with Content-Type application/graphql) or GET
// ?query=&variables=&operationName=; it is parsed and validated by
// gqlparser against the schema, then executed field by field, serially in
// document order (mutations as the spec requires; queries too, so resolver
// calls are deterministic). A field with a resolver runs it (its parent
// value and arguments in context.GraphQL); any other field takes the
// parent's property of the same name. Values are completed against the
// field's type: lists, nested objects, __typename (an abstract type reads
// the value's "__typename"), scalars coerced, null for a non-null field
// propagated to the nearest nullable parent. The answer is 200
// application/json {"data": …, "errors": [{"message", "locations",
// "path"}]} as the GraphQL specification shapes it; a request that does
// not parse or validate gets {"errors": […]} and no data.
type GraphQLExecutor struct {
	Schema    *GraphQLSchema
	Resolvers map[string]*GraphQLResolver
}

// graphqlExecutorKey is the Run.Scratch key of the API's executor.
const graphqlExecutorKey = "graphql-executor"

// SetGraphQLExecutor gives a request the executor of its API (the engine
// calls it before the pipeline runs).
func SetGraphQLExecutor(r *Run, x *GraphQLExecutor) {
	if r.Scratch == nil {
		r.Scratch = map[string]any{}
	}
	r.Scratch[graphqlExecutorKey] = x
}

// serveGraphQL executes the request's GraphQL query when the API is a
// synthetic GraphQL API; handled is false otherwise (forward-request then
// calls the backend).
func serveGraphQL(r *Run) (handled bool, err error) {
	if r.Spec == nil || r.Spec.GraphQL == nil {
		return false, nil
	}
	x, _ := r.Scratch[graphqlExecutorKey].(*GraphQLExecutor)
	legacy, _ := r.Scratch[legacyResolversKey].(map[string]*GraphQLResolver)
	synthetic := len(legacy) > 0 || x != nil && len(x.Resolvers) > 0 || r.BackendURL == nil || r.BackendURL.Host == ""
	if !synthetic {
		return false, nil
	}
	e := &gqlExec{r: r, schema: r.Spec.GraphQL.schema, legacy: legacy}
	if x != nil {
		e.managed = x.Resolvers
	}
	e.run()
	r.Forwarded = true
	return true, nil
}

// gqlExec is one GraphQL request being executed.
type gqlExec struct {
	r       *Run
	schema  *ast.Schema
	managed map[string]*GraphQLResolver
	legacy  map[string]*GraphQLResolver
	doc     *ast.QueryDocument
	vars    map[string]any
	errs    gqlerror.List
	calls   int // resolver runs so far
}

// MaxResolverCalls bounds the resolver runs of one GraphQL request (a
// nested list multiplies them); past it a field is an error.
var MaxResolverCalls = 1000

// errNullPropagates marks a null in a non-null position: the parent
// becomes null (its error is already recorded).
var errNullPropagates = errors.New("null propagates")

func (e *gqlExec) answer(data any, withData bool) {
	out := orderedMap{}
	if len(e.errs) > 0 {
		out.add("errors", specErrors(e.errs))
	}
	if withData {
		out.add("data", data)
	}
	body, err := json.Marshal(out)
	if err != nil {
		body, _ = json.Marshal(map[string]any{"errors": gqlerror.List{{Message: "the result cannot be written as JSON: " + err.Error()}}})
	}
	e.r.Ctx.Response = &expressions.Response{StatusCode: http.StatusOK, StatusReason: "OK",
		Headers: expressions.NewHeaders(http.Header{"Content-Type": {"application/json; charset=utf-8"}}), Body: expressions.NewBody(body)}
}

func (e *gqlExec) requestErr(msg string) {
	e.errs = append(e.errs, &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": "BAD_REQUEST"}})
	e.answer(nil, false)
}

func (e *gqlExec) run() {
	query, opName, vars, msg := e.readRequest()
	if msg != "" {
		e.requestErr(msg)
		return
	}
	doc, perr := gqlp.ParseQuery(&ast.Source{Input: query})
	if perr != nil {
		var ge *gqlerror.Error
		if errors.As(perr, &ge) {
			e.errs = append(e.errs, ge)
			e.answer(nil, false)
		} else {
			e.requestErr(perr.Error())
		}
		return
	}
	if errs := gqlvalidator.ValidateWithRules(e.schema, doc, nil); len(errs) > 0 {
		e.errs = append(e.errs, errs...)
		e.answer(nil, false)
		return
	}
	e.doc = doc
	var op *ast.OperationDefinition
	switch {
	case opName != "":
		op = doc.Operations.ForName(opName)
		if op == nil {
			e.requestErr(fmt.Sprintf("Unknown operation named %q.", opName))
			return
		}
	case len(doc.Operations) == 1:
		op = doc.Operations[0]
	default:
		e.requestErr("The request holds several operations: operationName must name one.")
		return
	}
	coerced, verr := gqlvalidator.VariableValues(e.schema, op, vars)
	if verr != nil {
		var ge *gqlerror.Error
		if errors.As(verr, &ge) {
			e.errs = append(e.errs, ge)
			e.answer(nil, false)
		} else {
			e.requestErr(verr.Error())
		}
		return
	}
	e.vars = coerced
	var root *ast.Definition
	switch op.Operation {
	case ast.Query:
		root = e.schema.Query
	case ast.Mutation:
		root = e.schema.Mutation
	default:
		e.requestErr("Subscriptions are not supported by PolicyGate.")
		return
	}
	if root == nil {
		e.requestErr("The schema has no " + string(op.Operation) + " type.")
		return
	}
	data, err := e.object(root, op.SelectionSet, map[string]any{}, nil)
	if err != nil {
		e.answer(nil, true)
		return
	}
	e.answer(data, true)
}

// readRequest reads the GraphQL request from the client's request.
func (e *gqlExec) readRequest() (query, opName string, vars map[string]any, msg string) {
	in := e.r.Ctx.Request
	var body []byte
	if in.Body != nil {
		body = in.Body.Bytes()
	}
	if len(bytes.TrimSpace(body)) > 0 && !strings.EqualFold(in.Method, http.MethodGet) {
		if ct, _ := in.Headers.Values("Content-Type"); len(ct) > 0 && strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct[0])), "application/graphql") {
			return string(body), "", map[string]any{}, "" // the body is the query
		}
		var req struct {
			Query         *string        `json:"query"`
			OperationName *string        `json:"operationName"`
			Variables     map[string]any `json:"variables"`
		}
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		if err := d.Decode(&req); err != nil {
			return "", "", nil, "The request body is not a GraphQL request: " + err.Error()
		}
		if req.Query == nil || strings.TrimSpace(*req.Query) == "" {
			return "", "", nil, "The request does not contain a GraphQL query."
		}
		if req.OperationName != nil {
			opName = *req.OperationName
		}
		return *req.Query, opName, numbersToGo(req.Variables).(map[string]any), ""
	}
	u := in.OriginalURL
	if u == nil || u.Query == nil || len(u.Query.Values["query"]) == 0 || strings.TrimSpace(u.Query.Values["query"][0]) == "" {
		return "", "", nil, "The request does not contain a GraphQL query."
	}
	query = u.Query.Values["query"][0]
	if v := u.Query.Values["operationName"]; len(v) > 0 {
		opName = v[0]
	}
	vars = map[string]any{}
	if v := u.Query.Values["variables"]; len(v) > 0 && strings.TrimSpace(v[0]) != "" {
		d := json.NewDecoder(strings.NewReader(v[0]))
		d.UseNumber()
		if err := d.Decode(&vars); err != nil {
			return "", "", nil, "The variables parameter is not a JSON object: " + err.Error()
		}
		vars = numbersToGo(vars).(map[string]any)
	}
	return query, opName, vars, ""
}

// numbersToGo turns json.Numbers into int64 or float64, as gqlparser's
// variable coercion expects.
func numbersToGo(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if x == nil {
			return map[string]any{}
		}
		for k, e := range x {
			x[k] = numbersToGo(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = numbersToGo(e)
		}
		return x
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

// fieldErr records a field error at path.
func (e *gqlExec) fieldErr(f *ast.Field, path ast.Path, msg string) {
	ge := &gqlerror.Error{Message: msg, Path: append(ast.Path(nil), path...)}
	if f != nil && f.Position != nil {
		ge.Locations = []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}
	}
	e.errs = append(e.errs, ge)
}

// object executes a selection set on an object value.
func (e *gqlExec) object(typ *ast.Definition, set ast.SelectionSet, parent map[string]any, path ast.Path) (orderedMap, error) {
	out := orderedMap{}
	for _, f := range e.collect(typ, set, nil, map[string]bool{}) {
		fp := append(append(ast.Path(nil), path...), ast.PathName(f.Alias))
		if f.Name == "__typename" {
			out.add(f.Alias, typ.Name)
			continue
		}
		if f.Name == "__schema" || f.Name == "__type" {
			e.fieldErr(f, fp, "Introspection is not supported by PolicyGate.")
			out.add(f.Alias, nil)
			continue
		}
		def := typ.Fields.ForName(f.Name)
		if def == nil {
			e.fieldErr(f, fp, fmt.Sprintf("Cannot query field %q on type %q.", f.Name, typ.Name))
			out.add(f.Alias, nil)
			continue
		}
		raw, err := e.resolveField(typ, f, parent, fp)
		var v any
		if err == nil {
			v, err = e.complete(def.Type, f, raw, fp)
		} else {
			e.fieldErr(f, fp, err.Error())
			err = errNullPropagates
		}
		if err != nil {
			if def.Type.NonNull {
				return orderedMap{}, errNullPropagates
			}
			v = nil
		}
		out.add(f.Alias, v)
	}
	return out, nil
}

// resolveField finds a field's raw value: its resolver's answer, or the
// parent's property (the default resolver).
func (e *gqlExec) resolveField(typ *ast.Definition, f *ast.Field, parent map[string]any, path ast.Path) (any, error) {
	key := typ.Name + "/" + f.Name
	res := e.managed[key]
	if res == nil {
		res = e.legacy[key]
	}
	if res == nil {
		return parent[f.Name], nil
	}
	if e.calls++; e.calls > MaxResolverCalls {
		return nil, &resolveError{msg: fmt.Sprintf("The query needs more than %d resolver calls.", MaxResolverCalls)}
	}
	args := f.ArgumentMap(e.vars)
	v, err := res.resolve(e.r, parent, args)
	if err != nil {
		var re *resolveError
		if !errors.As(err, &re) {
			re = &resolveError{msg: "The resolver failed.", detail: e.r.Redact(err.Error())}
		}
		if e.r.Env != nil && e.r.Env.Logger != nil {
			e.r.Env.Logger.Warn("graphql resolver failed", slog.String("field", key), slog.String("path", path.String()),
				slog.String("error", re.msg), slog.String("detail", re.detail))
		}
		return nil, re
	}
	return v, nil
}

// complete shapes a raw value by the field's type and selection set.
func (e *gqlExec) complete(t *ast.Type, f *ast.Field, v any, path ast.Path) (any, error) {
	if v == nil {
		if t.NonNull {
			e.fieldErr(f, path, fmt.Sprintf("Cannot return null for non-nullable field %s.", path.String()))
			return nil, errNullPropagates
		}
		return nil, nil
	}
	if t.Elem != nil {
		list, ok := v.([]any)
		if !ok {
			e.fieldErr(f, path, fmt.Sprintf("Expected a list for field %s, got %s.", path.String(), jsonKind(v)))
			return nil, errNullPropagates
		}
		out := make([]any, len(list))
		for i, item := range list {
			ip := append(append(ast.Path(nil), path...), ast.PathIndex(i))
			c, err := e.complete(t.Elem, f, item, ip)
			if err != nil {
				if t.Elem.NonNull {
					return nil, errNullPropagates
				}
				c = nil
			}
			out[i] = c
		}
		return out, nil
	}
	def := e.schema.Types[t.NamedType]
	if def == nil {
		return v, nil
	}
	switch def.Kind {
	case ast.Scalar:
		c, msg := coerceScalar(def.Name, v)
		if msg != "" {
			e.fieldErr(f, path, msg)
			return nil, errNullPropagates
		}
		return c, nil
	case ast.Enum:
		s, ok := v.(string)
		if !ok || def.EnumValues.ForName(s) == nil {
			e.fieldErr(f, path, fmt.Sprintf("Enum %q cannot represent the value %s.", def.Name, jsonText(v)))
			return nil, errNullPropagates
		}
		return s, nil
	case ast.Object, ast.Interface, ast.Union:
		obj, ok := v.(map[string]any)
		if !ok {
			e.fieldErr(f, path, fmt.Sprintf("Expected an object for field %s, got %s.", path.String(), jsonKind(v)))
			return nil, errNullPropagates
		}
		concrete := def
		if def.Kind != ast.Object {
			name, _ := obj["__typename"].(string)
			concrete = e.schema.Types[name]
			if name == "" {
				if ps := e.schema.GetPossibleTypes(def); len(ps) == 1 {
					concrete = ps[0]
				}
			}
			if concrete == nil || concrete.Kind != ast.Object || !possible(e.schema, def, concrete) {
				e.fieldErr(f, path, fmt.Sprintf("Abstract type %q must resolve to an object type: the value's \"__typename\" is %q.", def.Name, name))
				return nil, errNullPropagates
			}
		}
		m, err := e.object(concrete, f.SelectionSet, obj, path)
		if err != nil {
			return nil, err
		}
		return m, nil
	}
	return v, nil
}

func possible(s *ast.Schema, abstract, obj *ast.Definition) bool {
	for _, p := range s.GetPossibleTypes(abstract) {
		if p.Name == obj.Name {
			return true
		}
	}
	return false
}

// collect gathers the fields of a selection set for an object type,
// following fragments whose type condition applies and honouring @skip
// and @include (merging same-alias fields).
func (e *gqlExec) collect(typ *ast.Definition, set ast.SelectionSet, out []*ast.Field, visited map[string]bool) []*ast.Field {
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			if !e.included(x.Directives) {
				continue
			}
			merged := false
			for i, prev := range out {
				if prev.Alias == x.Alias {
					cp := *prev
					cp.SelectionSet = append(append(ast.SelectionSet(nil), prev.SelectionSet...), x.SelectionSet...)
					out[i] = &cp
					merged = true
					break
				}
			}
			if !merged {
				out = append(out, x)
			}
		case *ast.InlineFragment:
			if !e.included(x.Directives) || !e.applies(x.TypeCondition, typ) {
				continue
			}
			out = e.collect(typ, x.SelectionSet, out, visited)
		case *ast.FragmentSpread:
			if !e.included(x.Directives) || visited[x.Name] {
				continue
			}
			visited[x.Name] = true
			fd := e.doc.Fragments.ForName(x.Name)
			if fd == nil || !e.applies(fd.TypeCondition, typ) {
				continue
			}
			out = e.collect(typ, fd.SelectionSet, out, visited)
		}
	}
	return out
}

func (e *gqlExec) applies(cond string, typ *ast.Definition) bool {
	if cond == "" || cond == typ.Name {
		return true
	}
	d := e.schema.Types[cond]
	return d != nil && d.Kind != ast.Object && possible(e.schema, d, typ)
}

func (e *gqlExec) included(ds ast.DirectiveList) bool {
	for _, d := range ds {
		var want bool
		switch d.Name {
		case "skip":
			want = false
		case "include":
			want = true
		default:
			continue
		}
		if v, ok := d.ArgumentMap(e.vars)["if"].(bool); ok && v != want {
			return false
		}
	}
	return true
}

// coerceScalar coerces a data source's value to a built-in scalar (other
// scalars pass as they are); msg is the field error when it cannot.
func coerceScalar(name string, v any) (any, string) {
	bad := func() (any, string) {
		return nil, fmt.Sprintf("%s cannot represent the value %s.", name, jsonText(v))
	}
	switch name {
	case "String", "ID":
		switch x := v.(type) {
		case string:
			return x, ""
		case json.Number:
			return x.String(), ""
		case bool:
			return strconv.FormatBool(x), ""
		}
		return bad()
	case "Int":
		switch x := v.(type) {
		case json.Number:
			if n, err := x.Int64(); err == nil && n >= math.MinInt32 && n <= math.MaxInt32 {
				return n, ""
			}
			if f, err := x.Float64(); err == nil && f == math.Trunc(f) && f >= math.MinInt32 && f <= math.MaxInt32 {
				return int64(f), ""
			}
		case string:
			if n, err := strconv.ParseInt(x, 10, 32); err == nil {
				return n, ""
			}
		case bool:
			if x {
				return int64(1), ""
			}
			return int64(0), ""
		}
		return bad()
	case "Float":
		switch x := v.(type) {
		case json.Number:
			if _, err := x.Float64(); err == nil {
				return x, ""
			}
		case string:
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return f, ""
			}
		}
		return bad()
	case "Boolean":
		switch x := v.(type) {
		case bool:
			return x, ""
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, ""
			}
		}
		return bad()
	}
	return v, ""
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a Boolean"
	}
	return fmt.Sprintf("%T", v)
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 100 {
		return string(b[:100]) + "…"
	}
	return string(b)
}

// orderedMap is a JSON object that keeps its members' order (a GraphQL
// result follows the selection set's order).
type orderedMap struct {
	keys []string
	vals []any
}

func (m *orderedMap) add(k string, v any) {
	m.keys = append(m.keys, k)
	m.vals = append(m.vals, v)
}

// MarshalJSON writes the members in order.
func (m orderedMap) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range m.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(m.vals[i])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// HasField reports whether the schema's object or interface type typ has
// the field (a resolver's path names an existing field: it is linked).
func (g *GraphQLSchema) HasField(typ, field string) bool {
	d := g.schema.Types[typ]
	return d != nil && (d.Kind == ast.Object || d.Kind == ast.Interface) && d.Fields.ForName(field) != nil
}

// specErrors writes errors with their members in the GraphQL
// specification's order: message, locations, path, extensions.
func specErrors(errs gqlerror.List) []orderedMap {
	out := make([]orderedMap, 0, len(errs))
	for _, ge := range errs {
		m := orderedMap{}
		m.add("message", ge.Message)
		if len(ge.Locations) > 0 {
			m.add("locations", ge.Locations)
		}
		if len(ge.Path) > 0 {
			m.add("path", ge.Path)
		}
		if len(ge.Extensions) > 0 {
			m.add("extensions", ge.Extensions)
		}
		out = append(out, m)
	}
	return out
}
