package policies

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// return-response stops the pipeline and answers the caller with a new
// response; the rest of the current section, backend and outbound are
// skipped, and on-error does not run.
//
//	<return-response response-variable-name="existingVar">
//	    <set-status code="..." reason="..." />                     <!-- 0..1 -->
//	    <set-header name="..." exists-action="...">...</set-header> <!-- 0..n -->
//	    <set-body>...</set-body>                                    <!-- 0..1 -->
//	</return-response>
//
// The new response starts as a copy of the IResponse held in
// response-variable-name (from send-request), or as 200 OK with no headers
// and no body. The children act on it as they would in outbound, whatever
// the section. It then replaces context.Response.
type returnResponse struct {
	variable string
	stmts    []*Stmt
}

var _ Step = (*returnResponse)(nil)

func init() {
	Register("return-response", compileReturnResponse)
	Register("choose", compileChoose) // see the note in choose.go
}

func compileReturnResponse(el *parser.Element, c *Compiler) (Step, error) {
	s := &returnResponse{}
	if v := c.Attr(el, "response-variable-name", KindString); v.Present {
		lit, ok := v.Literal()
		if !ok {
			c.Errorf(v.Pos(), parser.CodeBadAttribute, "response-variable-name cannot be an expression")
		}
		s.variable = lit
	}
	s.stmts = c.Statements("", el.Children)
	return s, nil
}

// cloneResponse copies a response so changes do not reach the original.
func cloneResponse(src *expressions.Response) *expressions.Response {
	out := &expressions.Response{StatusCode: src.StatusCode, StatusReason: src.StatusReason, Headers: expressions.NewHeaders(nil)}
	if src.Headers != nil {
		out.Headers = expressions.NewHeaders(src.Headers.H.Clone())
	}
	if src.Body != nil {
		out.Body = expressions.NewBody(append([]byte(nil), src.Body.Bytes()...))
	}
	return out
}

func (s *returnResponse) Exec(r *Run) error {
	resp := &expressions.Response{StatusCode: http.StatusOK, StatusReason: "OK", Headers: expressions.NewHeaders(nil)}
	if s.variable != "" {
		var v any
		if r.Ctx.Variables != nil {
			v, _ = r.Ctx.Variables.Get(s.variable)
		}
		src, ok := v.(*expressions.Response)
		if !ok || src == nil {
			return &Error{
				Reason:  ReasonExpression,
				Message: fmt.Sprintf("Variable '%s' does not hold a response.", s.variable),
				Status:  http.StatusInternalServerError,
			}
		}
		resp = cloneResponse(src)
	}
	prevResp, prevSec := r.Ctx.Response, r.Section
	r.Ctx.Response, r.Section = resp, Outbound
	err := runNested(r, s.stmts)
	r.Section = prevSec
	if err != nil {
		r.Ctx.Response = prevResp
		var f *Failure
		if errors.As(err, &f) {
			f.Section = prevSec
		}
		return err
	}
	return ErrReturnResponse
}
