package policies

import (
	"net/http"
	"strings"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// jsonp wraps the response in a call of the function the request names
// in its callback query parameter (JSON with padding).
//
//	<jsonp callback-parameter-name="cb | @(expr)" />
//
// Without the parameter (or with it empty) the response is left as it is.
// With ?cb=fn the body becomes fn(<body>); and the content type
// application/javascript. A callback that is not a JavaScript identifier
// (dotted names such as ns.fn are accepted) fails with 400 and Reason
// CallbackParameterInvalid (spec pipeline.md §5.4).
type jsonp struct{ param *Value }

var _ Step = (*jsonp)(nil)

// ReasonCallbackParameterInvalid is jsonp's failure reason.
const ReasonCallbackParameterInvalid = "CallbackParameterInvalid"

func init() { Register("jsonp", compileJSONP) }

func compileJSONP(el *parser.Element, c *Compiler) (Step, error) {
	s := &jsonp{param: c.Attr(el, "callback-parameter-name", KindString)}
	if !s.param.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<jsonp> needs callback-parameter-name")
	}
	return s, nil
}

// Exec wraps the response body.
func (s *jsonp) Exec(r *Run) error {
	name, err := s.param.String(r)
	if err != nil {
		return err
	}
	var q *expressions.Query
	if req := r.Ctx.Request; req != nil && req.OriginalURL != nil {
		q = req.OriginalURL.Query
	}
	if q == nil || len(q.Values[name]) == 0 || q.Values[name][0] == "" {
		return nil
	}
	cb := q.Values[name][0]
	if !isJSCallback(cb) {
		return &Error{Source: "jsonp", Reason: ReasonCallbackParameterInvalid, Status: http.StatusBadRequest,
			Message: "Value of callback parameter " + name + " is not a valid JavaScript identifier."}
	}
	var body []byte
	if b := targetBody(r); b != nil {
		body = b.Bytes()
	}
	out := make([]byte, 0, len(cb)+len(body)+3)
	out = append(append(append(append(out, cb...), '('), body...), ");"...)
	setTargetBody(r, out)
	if r.Ctx.Response.Headers == nil {
		r.Ctx.Response.Headers = expressions.NewHeaders(nil)
	}
	r.Ctx.Response.Headers.H.Set("Content-Type", "application/javascript")
	r.Ctx.Response.Headers.H.Del("Content-Length")
	return nil
}

// isJSCallback accepts identifiers joined by dots (ns.fn, $cb, _x1).
func isJSCallback(s string) bool {
	for _, part := range strings.Split(s, ".") {
		if part == "" {
			return false
		}
		for i, c := range part {
			letter := c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
			if !letter && (i == 0 || c < '0' || c > '9') {
				return false
			}
		}
	}
	return len(s) <= 256
}
