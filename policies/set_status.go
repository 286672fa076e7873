package policies

import (
	"net/http"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// set-status sets the status code and reason phrase of the response.
//
//	<set-status code="401 | @(expr)" reason="Unauthorized | @(expr)" />
//
// reason may be left out (real APIM accepts it): the standard phrase of the
// code is used then.
type setStatus struct{ code, reason *Value }

var _ Step = (*setStatus)(nil)

func init() { Register("set-status", compileSetStatus) }

func compileSetStatus(el *parser.Element, c *Compiler) (Step, error) {
	code := c.Attr(el, "code", KindInt)
	if !code.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<set-status> needs a code")
	}
	return &setStatus{code: code, reason: c.Attr(el, "reason", KindString)}, nil
}

func (s *setStatus) Exec(r *Run) error {
	code, err := s.code.Int(r, 200)
	if err != nil {
		return err
	}
	reason, err := s.reason.StringOr(r, http.StatusText(code))
	if err != nil {
		return err
	}
	if r.Ctx.Response == nil {
		r.Ctx.Response = &expressions.Response{Headers: expressions.NewHeaders(nil)}
	}
	r.Ctx.Response.StatusCode = int32(code)
	r.Ctx.Response.StatusReason = reason
	return nil
}
