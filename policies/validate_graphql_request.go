package policies

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/gqlerror"
	gqlp "github.com/vektah/gqlparser/v2/parser"
	gqlvalidator "github.com/vektah/gqlparser/v2/validator"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/parser"
)

// GraphQLSchema is a GraphQL API's schema (the APIOps API's
// specification.graphql), parsed and checked once at load.
type GraphQLSchema struct{ schema *ast.Schema }

// CompileGraphQLSchema reads schema definition language text; file names it
// in errors, which carry line and column.
func CompileGraphQLSchema(file, sdl string) (*GraphQLSchema, *parser.Error) {
	s, err := gqlparser.LoadSchema(&ast.Source{Name: file, Input: sdl})
	if err != nil {
		pe := &parser.Error{Pos: parser.Pos{File: file, Line: 1, Col: 1}, Code: parser.CodeParse, Msg: "GraphQL schema: " + err.Error()}
		if ge, ok := err.(*gqlerror.Error); ok {
			pe.Msg = "GraphQL schema: " + ge.Message
			if len(ge.Locations) > 0 {
				pe.Pos.Line, pe.Pos.Col = ge.Locations[0].Line, ge.Locations[0].Column
			}
		}
		return nil, pe
	}
	return &GraphQLSchema{schema: s}, nil
}

// validate-graphql-request validates a GraphQL request against the API's
// schema, bounds its size and depth, and authorizes its field paths.
//
//	<validate-graphql-request error-variable-name="name" max-size="bytes" max-depth="6">
//	    <authorize>
//	        <rule path="/Type/field | /__*" action="allow | remove | reject | ignore | @(expr)" />
//	    </authorize>
//	</validate-graphql-request>
//
// The query comes from a POST body {"query": …} or a GET ?query=. Parsing
// and validation are gqlparser's. A request error (invalid query, too
// large, too deep, a rejected path) ends the request with a GraphQL errors
// block and no data (HTTP 200, as GraphQL over HTTP answers
// application/json requests; project decision) and LastError Source
// validate-graphql-request. A rule path is /Type/field; one segment
// matches a type or a field name; a trailing * matches a prefix (/__* is
// the introspection system); "deny" is read as reject. remove drops the
// field from the query sent to the backend and records a field error. All
// errors go to the GraphQLErrors variable and error-variable-name.
type validateGraphQLRequest struct {
	varName  string
	maxSize  *Value
	maxDepth *Value
	rules    []graphqlRule
}

type graphqlRule struct {
	segs   []string
	action *Value
}

var _ Step = (*validateGraphQLRequest)(nil)

func init() { Register("validate-graphql-request", compileValidateGraphQLRequest) }

func compileValidateGraphQLRequest(el *parser.Element, c *Compiler) (Step, error) {
	s := &validateGraphQLRequest{varName: literalAttr(el, "error-variable-name"),
		maxSize: c.Attr(el, "max-size", KindInt), maxDepth: c.Attr(el, "max-depth", KindInt)}
	if !s.maxSize.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<validate-graphql-request> needs max-size")
	}
	for _, n := range []string{"max-total-depth", "max-complexity"} {
		if a := el.Attr(n); a != nil && a.Value != nil {
			c.Warnf(a.Value.Pos, parser.CodeNotImplemented, "%s is not supported by PolicyGate and is not enforced", n)
		}
	}
	for _, a := range el.Children {
		if a.Name != "authorize" {
			continue
		}
		for _, rule := range a.Children {
			if rule.Name != "rule" {
				continue
			}
			p := literalAttr(rule, "path")
			segs := strings.Split(strings.Trim(p, "/"), "/")
			if !strings.HasPrefix(p, "/") || len(segs) > 2 || segs[0] == "" {
				c.Errorf(rule.Pos, parser.CodeBadAttribute, "rule path %q must be /type/field", p)
				continue
			}
			s.rules = append(s.rules, graphqlRule{segs: segs, action: c.Attr(rule, "action", KindString)})
		}
	}
	return s, nil
}

// graphqlFail is a request error: the errors block, LastError, variables.
func (s *validateGraphQLRequest) fail(r *Run, errs []*gqlerror.Error) error {
	s.record(r, errs)
	body, _ := json.Marshal(map[string]any{"errors": errs})
	r.Ctx.Response = &expressions.Response{StatusCode: http.StatusOK, StatusReason: "OK",
		Headers: expressions.NewHeaders(http.Header{"Content-Type": {"application/json"}}), Body: expressions.NewBody(body)}
	return &Error{Source: "validate-graphql-request", Reason: "GraphQLRequestError", Message: errs[0].Message,
		Status: http.StatusOK, KeepResponse: true}
}

// record appends errors to GraphQLErrors and error-variable-name.
func (s *validateGraphQLRequest) record(r *Run, errs []*gqlerror.Error) {
	if r.Ctx.Variables == nil || len(errs) == 0 {
		return
	}
	for _, name := range []string{"GraphQLErrors", s.varName} {
		if name == "" {
			continue
		}
		v, _ := r.Ctx.Variables.Get(name)
		ja, ok := v.(*dotnet.JArray)
		if !ok {
			ja = dotnet.NewJArray()
		}
		for _, e := range errs {
			o := dotnet.NewJObject()
			m, _ := dotnet.NewJValue(e.Message)
			o.Set("message", m)
			if len(e.Path) > 0 {
				p, _ := dotnet.NewJValue(e.Path.String())
				o.Set("path", p)
			}
			ja.Append(o)
		}
		r.Ctx.Variables.Set(name, ja)
	}
}

func gqlErr(msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": "BAD_REQUEST"}}
}

// Exec validates the request.
func (s *validateGraphQLRequest) Exec(r *Run) error {
	if r.Spec == nil || r.Spec.GraphQL == nil {
		return s.fail(r, []*gqlerror.Error{gqlErr("The API has no GraphQL schema to validate against.")})
	}
	maxSize, err := s.maxSize.Int(r, 0)
	if err != nil {
		return err
	}
	maxDepth, err := s.maxDepth.Int(r, 6)
	if err != nil {
		return err
	}
	var body []byte
	if b := targetBody(r); b != nil {
		body = b.Bytes()
	}
	if maxSize > 0 && len(body) > maxSize {
		return s.fail(r, []*gqlerror.Error{gqlErr("The request's body is " + strconv.Itoa(len(body)) + " bytes long and it exceeds the maximum of " + strconv.Itoa(maxSize) + " bytes.")})
	}
	var req map[string]any
	query := ""
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return s.fail(r, []*gqlerror.Error{gqlErr("The request body is not a GraphQL request: " + err.Error())})
		}
		query, _ = req["query"].(string)
	} else if u := r.Ctx.Request.OriginalURL; u != nil && u.Query != nil && len(u.Query.Values["query"]) > 0 {
		query = u.Query.Values["query"][0]
	}
	if strings.TrimSpace(query) == "" {
		return s.fail(r, []*gqlerror.Error{gqlErr("The request does not contain a GraphQL query.")})
	}
	doc, perr := gqlp.ParseQuery(&ast.Source{Input: query})
	if perr != nil {
		if ge, ok := perr.(*gqlerror.Error); ok {
			return s.fail(r, []*gqlerror.Error{ge})
		}
		return s.fail(r, []*gqlerror.Error{gqlErr(perr.Error())})
	}
	if errs := gqlvalidator.ValidateWithRules(r.Spec.GraphQL.schema, doc, nil); len(errs) > 0 {
		return s.fail(r, errs)
	}
	for _, op := range doc.Operations {
		if d := selectionDepth(op.SelectionSet, doc, 0, map[string]bool{}); d > maxDepth {
			return s.fail(r, []*gqlerror.Error{gqlErr("The query depth " + strconv.Itoa(d) + " exceeds the maximum of " + strconv.Itoa(maxDepth) + ".")})
		}
	}
	if len(s.rules) == 0 {
		return nil
	}
	var fieldErrs []*gqlerror.Error
	removed := false
	var walkErr error
	var walk func(set ast.SelectionSet, path ast.Path) ast.SelectionSet
	walk = func(set ast.SelectionSet, path ast.Path) ast.SelectionSet {
		out := set[:0]
		for _, sel := range set {
			switch x := sel.(type) {
			case *ast.Field:
				typ := ""
				if x.ObjectDefinition != nil {
					typ = x.ObjectDefinition.Name
				}
				fp := append(append(ast.Path{}, path...), ast.PathName(x.Alias))
				act, err := s.decide(r, typ, x.Name)
				if err != nil && walkErr == nil {
					walkErr = err
				}
				switch act {
				case "reject":
					if walkErr == nil {
						walkErr = s.fail(r, []*gqlerror.Error{{Message: "Access to /" + typ + "/" + x.Name + " is not allowed.", Path: fp, Extensions: map[string]any{"code": "UNAUTHORIZED"}}})
					}
				case "remove":
					removed = true
					fieldErrs = append(fieldErrs, &gqlerror.Error{Message: "Field /" + typ + "/" + x.Name + " was removed from the request.", Path: fp})
					continue
				}
				x.SelectionSet = walk(x.SelectionSet, fp)
			case *ast.InlineFragment:
				x.SelectionSet = walk(x.SelectionSet, path)
			}
			out = append(out, sel)
		}
		return out
	}
	for _, op := range doc.Operations {
		op.SelectionSet = walk(op.SelectionSet, nil)
	}
	for _, f := range doc.Fragments {
		f.SelectionSet = walk(f.SelectionSet, nil)
	}
	if walkErr != nil {
		return walkErr
	}
	s.record(r, fieldErrs)
	if removed {
		var b bytes.Buffer
		formatter.NewFormatter(&b).FormatQueryDocument(doc)
		if req == nil {
			req = map[string]any{}
		}
		req["query"] = b.String()
		nb, _ := json.Marshal(req)
		setTargetBody(r, nb)
		if h := r.Ctx.Request.Headers; h != nil {
			h.H.Set("Content-Type", "application/json")
			h.H.Del("Content-Length")
		}
	}
	return nil
}

// decide applies the rules in order to a field of type typ.
func (s *validateGraphQLRequest) decide(r *Run, typ, field string) (string, error) {
	for _, rule := range s.rules {
		if !rule.matches(typ, field) {
			continue
		}
		act := "allow"
		if rule.action.Present {
			a, err := rule.action.String(r)
			if err != nil {
				return "allow", err
			}
			act = strings.ToLower(strings.TrimSpace(a))
		}
		switch act {
		case "ignore":
			continue
		case "deny":
			return "reject", nil
		case "reject", "remove", "allow":
			return act, nil
		}
		return "reject", nil // an action PolicyGate does not know fails closed
	}
	return "allow", nil
}

func (g graphqlRule) matches(typ, field string) bool {
	if len(g.segs) == 1 {
		return globMatch(g.segs[0], typ) || globMatch(g.segs[0], field)
	}
	return globMatch(g.segs[0], typ) && globMatch(g.segs[1], field)
}

func globMatch(pat, s string) bool {
	if p, ok := strings.CutSuffix(pat, "*"); ok {
		return strings.HasPrefix(s, p)
	}
	return pat == s
}

// selectionDepth is the deepest field nesting of a selection set, fragment
// spreads followed (each fragment once per path).
func selectionDepth(set ast.SelectionSet, doc *ast.QueryDocument, depth int, seen map[string]bool) int {
	max := depth
	for _, sel := range set {
		d := depth
		switch x := sel.(type) {
		case *ast.Field:
			d = selectionDepth(x.SelectionSet, doc, depth+1, seen)
		case *ast.InlineFragment:
			d = selectionDepth(x.SelectionSet, doc, depth, seen)
		case *ast.FragmentSpread:
			if f := doc.Fragments.ForName(x.Name); f != nil && !seen[x.Name] {
				seen[x.Name] = true
				d = selectionDepth(f.SelectionSet, doc, depth, seen)
				delete(seen, x.Name)
			}
		}
		if d > max {
			max = d
		}
	}
	return max
}
