package policies

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/parser"
)

// A GraphQL resolver (http-data-source-policy.md, configure-graphql-resolver.md)
// resolves one field of a synthetic GraphQL API with an HTTP call:
//
//	<http-data-source>
//	    <http-request>
//	        <set-method>GET</set-method>             <!-- default GET -->
//	        <set-url>https://… | @(expr)</set-url>  <!-- required; relative: against set-backend-service or the API's service URL -->
//	        <set-header …/> <set-body …/> <set-backend-service …/> <include-fragment …/> <authentication-… />
//	    </http-request>
//	    <backend><forward-request …/></backend>     <!-- optional; default: forward-request -->
//	    <http-response>                              <!-- optional -->
//	        <set-body …/> <xml-to-json …/> <json-to-xml …/> <find-and-replace …/> <publish-event …/> <include-fragment …/>
//	    </http-response>
//	</http-data-source>
//
// Each part runs as a small pipeline on a context of its own: its
// context.Request starts empty (method GET, no headers) with the body
// {"arguments": {…}} (the preview set-graphql-resolver reads arguments from
// it; that initial body is sent only when a policy keeps it: set-body
// replaces it, otherwise the request goes without a body), and
// context.GraphQL holds Parent and Arguments (context.ParentResult.AsJObject()
// too). http-request runs as a request section, backend sends it,
// http-response runs as a response section over the data source's answer.
// The field's value is the final response body read as JSON, or the body
// text when it is not JSON. A call that fails, or an answer of 400 or
// more, is a field error (project decision: the reference names none).
// Variables are the request's, shared with the API's pipeline.
type GraphQLResolver struct {
	Kind     string // "http-data-source", or the unsupported data source
	Pos      parser.Pos
	url      *Value
	request  []*Stmt
	backend  []*Stmt // nil: forward-request with its defaults
	response []*Stmt
}

// CompileGraphQLResolver compiles a resolver's policy (a resolver's
// policy.xml root, or the child of set-graphql-resolver) with c.
func CompileGraphQLResolver(el *parser.Element, c *Compiler) *GraphQLResolver {
	res := &GraphQLResolver{Kind: el.Name, Pos: el.Pos}
	if el.Name != "http-data-source" {
		if Lookup(el.Name) != nil && (el.Name == "sql-data-source" || el.Name == "cosmosdb-data-source") {
			c.Warnf(el.Pos, parser.CodeNotImplemented, "%s", unsupportedWarning(el.Name))
			return res
		}
		c.Errorf(el.Pos, parser.CodeBadStructure, "a GraphQL resolver's policy must be <http-data-source>, not <%s>", el.Name)
		return nil
	}
	saved := c.section
	defer func() { c.section = saved }()
	for _, part := range el.Children {
		switch part.Name {
		case "http-request":
			var stmts []*parser.Element
			for _, ch := range part.Children {
				if ch.Name == "set-url" {
					res.url = c.Text(ch, KindString, false)
					continue
				}
				stmts = append(stmts, ch)
			}
			res.request = c.SectionStmts(Backend, stmts)
		case "backend":
			res.backend = c.SectionStmts(Backend, part.Children)
			if res.backend == nil {
				res.backend = []*Stmt{}
			}
		case "http-response":
			res.response = c.SectionStmts(Outbound, part.Children)
		default:
			c.Errorf(part.Pos, parser.CodeBadStructure, "unknown element <%s> in <http-data-source>; expected http-request, backend or http-response", part.Name)
		}
	}
	if res.url == nil {
		c.Errorf(el.Pos, parser.CodeBadStructure, "<http-data-source> needs <http-request> with a <set-url>")
	}
	return res
}

// http-data-source as a statement: its declaration keeps it out of every
// section; compiling it checks its content (validate on a bare resolver
// policy), and it refuses to run outside a resolver.
type dataSourceStmt struct{ name string }

func (s *dataSourceStmt) Exec(*Run) error {
	return &Error{Reason: "PolicyNotAllowed", Status: http.StatusInternalServerError,
		Message: "Policy " + s.name + " runs only as a GraphQL resolver."}
}

// set-graphql-resolver (preview, backend section) names the field its
// http-data-source resolves:
//
//	<set-graphql-resolver parent-type="Type" field="field"><http-data-source>…</http-data-source></set-graphql-resolver>
//
// Running it registers the resolver for the request; the GraphQL request
// is executed by forward-request. A managed resolver of the same field
// (APIOps resolvers/) wins, as in APIM.
type setGraphQLResolver struct {
	path string
	res  *GraphQLResolver
}

// legacyResolversKey is the Run.Scratch key of the resolvers
// set-graphql-resolver registered (map "Type/field" → resolver).
const legacyResolversKey = "set-graphql-resolver"

func (s *setGraphQLResolver) Exec(r *Run) error {
	if r.Scratch == nil {
		r.Scratch = map[string]any{}
	}
	m, _ := r.Scratch[legacyResolversKey].(map[string]*GraphQLResolver)
	if m == nil {
		m = map[string]*GraphQLResolver{}
		r.Scratch[legacyResolversKey] = m
	}
	m[s.path] = s.res
	return nil
}

func init() {
	Register("http-data-source", func(el *parser.Element, c *Compiler) (Step, error) {
		if CompileGraphQLResolver(el, c) == nil {
			return nil, nil
		}
		return &dataSourceStmt{name: el.Name}, nil
	})
	Register("set-graphql-resolver", func(el *parser.Element, c *Compiler) (Step, error) {
		typ, field := strings.TrimSpace(literalAttr(el, "parent-type")), strings.TrimSpace(literalAttr(el, "field"))
		if typ == "" || field == "" {
			c.Errorf(el.Pos, parser.CodeBadAttribute, "<set-graphql-resolver> needs parent-type and field")
			return nil, nil
		}
		var res *GraphQLResolver
		for _, ch := range el.Children {
			if ch.Name == "http-data-source" {
				res = CompileGraphQLResolver(ch, c)
			}
		}
		if res == nil {
			c.Errorf(el.Pos, parser.CodeBadStructure, "<set-graphql-resolver> needs an <http-data-source>")
			return nil, nil
		}
		return &setGraphQLResolver{path: typ + "/" + field, res: res}, nil
	})
}

// resolveError is a field error of a resolver: msg goes into the
// response's errors block; detail (secrets masked), which may name the data
// source's address or URL, only to the gateway's log.
type resolveError struct{ msg, detail string }

func (e *resolveError) Error() string { return e.msg }

// resolve runs the resolver for one field: parent is the parent value
// (decoded JSON), args the field's arguments. It returns the field's raw
// value (decoded JSON, or a string).
func (res *GraphQLResolver) resolve(r *Run, parent map[string]any, args map[string]any) (any, error) {
	if res.Kind != "http-data-source" {
		return nil, &resolveError{msg: "Policy " + res.Kind + " is not supported by PolicyGate."}
	}
	parentObj, err := toJObject(parent)
	if err != nil {
		return nil, err
	}
	argsObj, err := toJObject(args)
	if err != nil {
		return nil, err
	}
	initial, _ := json.Marshal(map[string]any{"arguments": orEmpty(args)})
	ctx := *r.Ctx
	ctx.GraphQL = &expressions.GraphQLContext{Parent: parentObj, Arguments: argsObj}
	in := &expressions.Request{Method: http.MethodGet, Headers: expressions.NewHeaders(http.Header{}), Body: expressions.NewBody(initial)}
	if orig := r.Ctx.Request; orig != nil {
		in.OriginalURL, in.IPAddress, in.Certificate, in.MatchedParameters = orig.OriginalURL, orig.IPAddress, orig.Certificate, orig.MatchedParameters
	}
	ctx.Request, ctx.Response, ctx.LastError = in, nil, nil
	rr := &Run{Context: r.Context, Ctx: &ctx, Env: r.Env, Section: Backend, Trace: r.Trace, taint: r.taint}
	initialBody := in.Body
	target, err := res.url.String(rr)
	if err != nil {
		return nil, resolverFailure(rr, err)
	}
	u, perr := url.Parse(strings.TrimSpace(target))
	if perr != nil || strings.TrimSpace(target) == "" {
		return nil, &resolveError{msg: "The resolver's URL is not valid.", detail: rr.Redact(fmt.Sprintf("set-url %q", strings.TrimSpace(target)))}
	}
	in.URL = &expressions.URL{Query: expressions.ParseQuery(u.RawQuery)}
	if u.IsAbs() {
		base := *u
		base.RawQuery, base.Fragment = "", ""
		rr.BackendURL, rr.RelPath = &base, ""
	} else {
		// relative to the request's backend: its entity's credentials go
		// with it (never to an absolute URL elsewhere)
		rr.BackendURL, rr.Backend, rr.RelPath = r.BackendURL, r.Backend, u.Path
	}
	rr.SyncURL()
	if err := RunAll(rr, res.request); err != nil && !errors.Is(err, ErrReturnResponse) {
		return nil, resolverFailure(rr, err)
	}
	if ctx.Request.Body == initialBody {
		ctx.Request.Body = nil
	}
	if ctx.Request.URL == nil || ctx.Request.URL.Host == "" {
		return nil, &resolveError{msg: "The resolver's URL is not absolute and no backend is set.", detail: rr.Redact(fmt.Sprintf("set-url %q", strings.TrimSpace(target)))}
	}
	rr.Section = Backend
	backend := res.backend
	if backend == nil {
		backend = defaultResolverBackend
	}
	if err := RunAll(rr, backend); err != nil && !errors.Is(err, ErrReturnResponse) {
		return nil, resolverFailure(rr, err)
	}
	if ctx.Response == nil {
		return nil, &resolveError{msg: "The resolver's data source was not called (its <backend> has no forward-request)."}
	}
	if ctx.Response.StatusCode >= 400 {
		return nil, &resolveError{msg: fmt.Sprintf("The resolver's data source answered %d %s.", ctx.Response.StatusCode, ctx.Response.StatusReason)}
	}
	rr.Section = Outbound
	if err := RunAll(rr, res.response); err != nil && !errors.Is(err, ErrReturnResponse) {
		return nil, resolverFailure(rr, err)
	}
	var body []byte
	if ctx.Response != nil && ctx.Response.Body != nil {
		body = ctx.Response.Body.Bytes()
	}
	return decodeResolverBody(body), nil
}

// defaultResolverBackend is the backend of a resolver without <backend>.
var defaultResolverBackend = []*Stmt{{Name: "forward-request", Path: `backend\forward-request[1]`,
	Step: &forwardRequest{timeout: &Value{}, timeoutMs: &Value{}, followRedirects: &Value{}, bufferResponse: true}}}

// resolverFailure turns a failed resolver step into its field error. The
// client learns which policy failed and why (its reason), as a 500's
// default answer tells no more; the message, which may name the data
// source's address, goes to the log.
func resolverFailure(r *Run, err error) error {
	var pe *Error
	if !errors.As(err, &pe) {
		return &resolveError{msg: "The resolver failed.", detail: r.Redact(err.Error())}
	}
	reason := pe.Reason
	if reason == "" {
		reason = "error"
	}
	detail := pe.Message
	if pe.Err != nil {
		detail += ": " + pe.Err.Error()
	}
	return &resolveError{msg: fmt.Sprintf("The resolver's %s failed (%s).", pe.Source, reason), detail: r.Redact(detail)}
}

// decodeResolverBody reads a data source's answer: JSON when it parses,
// otherwise the text; an empty body is null.
func decodeResolverBody(b []byte) any {
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(t))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err == nil && !d.More() {
		return v
	}
	return string(b)
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// toJObject converts decoded JSON (or argument values) to a JObject.
func toJObject(m map[string]any) (*dotnet.JObject, error) {
	data, err := json.Marshal(orEmpty(m))
	if err != nil {
		return nil, &resolveError{msg: "the value cannot be read as JSON: " + err.Error()}
	}
	t, err := dotnet.ParseJSON(string(data), dotnet.ParseJObject)
	if err != nil {
		return nil, &resolveError{msg: "the value cannot be read as JSON: " + err.Error()}
	}
	o, _ := t.(*dotnet.JObject)
	return o, nil
}
