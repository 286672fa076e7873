package policies

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// set-header adds, replaces, appends to or removes a header of the request
// (inbound, backend) or of the response (outbound, on-error).
//
//	<set-header name="name | @(expr)" exists-action="override | skip | append | delete | @(expr)">
//	    <value>literal | @(expr)</value>   <!-- 0..n -->
//	</set-header>
//
// exists-action defaults to override. Several <value>s give several values;
// they are stored comma-joined on one line except for the headers whose
// values may hold commas or dates (Set-Cookie, Date …), which keep one value
// per line. A null expression value is an empty string. Content-Length,
// Connection, Keep-Alive and Transfer-Encoding are silently left alone;
// Server cannot be deleted.
type setHeader struct {
	name   *Value
	action *Value
	values []*Value
	// literal holds the values when none is an expression, computed once;
	// its capacity equals its length, so appending to it copies.
	literal []string
}

var _ Step = (*setHeader)(nil)

func init() { Register("set-header", compileSetHeader) }

func compileSetHeader(el *parser.Element, c *Compiler) (Step, error) {
	name, action, values := compileNameActionValues(el, c)
	s := &setHeader{name: name, action: action, values: values}
	lits := make([]string, 0, len(values))
	for _, v := range values {
		lit, ok := v.Literal()
		if !ok {
			return s, nil
		}
		lits = append(lits, lit)
	}
	s.literal = lits[:len(lits):len(lits)]
	return s, nil
}

// compileNameActionValues compiles what set-header and set-query-parameter
// share: name, exists-action and the <value> children.
func compileNameActionValues(el *parser.Element, c *Compiler) (name, action *Value, values []*Value) {
	name = c.Attr(el, "name", KindString)
	if !name.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<%s> needs a name", el.Name)
	}
	action = c.Attr(el, "exists-action", KindEnum)
	if lit, ok := action.Literal(); ok && action.Present {
		if _, err := parseExistsAction(lit); err != nil {
			c.Errorf(action.Pos(), parser.CodeBadAttribute, "%v", err)
		}
	}
	for _, ch := range el.Children {
		if ch.Name == "value" {
			values = append(values, c.Text(ch, KindString, false))
		}
	}
	return name, action, values
}

type existsAct int

const (
	actOverride existsAct = iota
	actSkip
	actAppend
	actDelete
)

func parseExistsAction(s string) (existsAct, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "override", "":
		return actOverride, nil
	case "skip":
		return actSkip, nil
	case "append":
		return actAppend, nil
	case "delete":
		return actDelete, nil
	}
	return 0, fmt.Errorf("exists-action %q is not one of override, skip, append, delete", s)
}

// evalNameAction evaluates name and exists-action at run time.
func evalNameAction(r *Run, name, action *Value) (string, existsAct, error) {
	n, err := name.String(r)
	if err != nil {
		return "", 0, err
	}
	a, err := action.StringOr(r, "override")
	if err != nil {
		return "", 0, err
	}
	act, err := parseExistsAction(a)
	if err != nil {
		return "", 0, &Error{Reason: ReasonExpression, Message: "Expression evaluation failed. " + err.Error(), Status: http.StatusInternalServerError, Err: err}
	}
	return n, act, nil
}

// evalValues evaluates <value> children in order (null is "").
func evalValues(r *Run, vs []*Value) ([]string, error) {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		s, err := v.String(r)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// targetHeaders is the header set header policies act on in r.Section.
func targetHeaders(r *Run) *expressions.Headers {
	if r.IsRequestSection() {
		if r.Ctx.Request == nil {
			r.Ctx.Request = &expressions.Request{}
		}
		if r.Ctx.Request.Headers == nil {
			r.Ctx.Request.Headers = expressions.NewHeaders(nil)
		}
		return r.Ctx.Request.Headers
	}
	if r.Ctx.Response == nil {
		r.Ctx.Response = &expressions.Response{StatusCode: 200, StatusReason: "OK"}
	}
	if r.Ctx.Response.Headers == nil {
		r.Ctx.Response.Headers = expressions.NewHeaders(nil)
	}
	return r.Ctx.Response.Headers
}

// fixedHeaders cannot be changed or deleted by set-header (silently
// ignored, policies.md §2.1 project decision).
var fixedHeaders = map[string]bool{
	"Content-Length":    true,
	"Connection":        true,
	"Keep-Alive":        true,
	"Transfer-Encoding": true,
}

// multiLineHeaders keep one value per header line because their values may
// hold commas or dates; other headers are sent as one comma-joined line.
var multiLineHeaders = map[string]bool{
	"User-Agent": true, "Www-Authenticate": true, "Proxy-Authenticate": true,
	"Cookie": true, "Set-Cookie": true, "Warning": true, "Date": true,
	"Expires": true, "If-Modified-Since": true, "If-Unmodified-Since": true,
	"Last-Modified": true, "Retry-After": true,
}

// headerKey returns the key under which h holds name, or "" when absent.
// Header maps hold canonical keys (expressions.NewHeaders).
func headerKey(h http.Header, name string) string {
	c := http.CanonicalHeaderKey(name)
	if _, ok := h[c]; ok {
		return c
	}
	return ""
}

func (s *setHeader) Exec(r *Run) error {
	name, act, err := evalNameAction(r, s.name, s.action)
	if err != nil {
		return err
	}
	canon := http.CanonicalHeaderKey(strings.TrimSpace(name))
	if canon == "" || fixedHeaders[canon] || act == actDelete && canon == "Server" {
		return nil
	}
	h := targetHeaders(r).H
	key := headerKey(h, canon)
	switch act {
	case actDelete:
		for key != "" {
			delete(h, key)
			key = headerKey(h, canon)
		}
		return nil
	case actSkip:
		if key != "" {
			return nil
		}
	}
	vals := s.literal
	if vals == nil {
		var err error
		if vals, err = evalValues(r, s.values); err != nil {
			return err
		}
	}
	var cur []string
	if act == actAppend && key != "" {
		cur = h[key]
	}
	if key != "" {
		delete(h, key)
	}
	all := vals
	if len(cur) > 0 {
		all = append(append(make([]string, 0, len(cur)+len(vals)), cur...), vals...)
	}
	if len(all) > 1 && !multiLineHeaders[canon] {
		all = []string{strings.Join(all, ",")}
	}
	if len(all) == 0 {
		all = []string{""}
	}
	h[canon] = all
	return nil
}
