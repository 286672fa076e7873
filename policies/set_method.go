package policies

import (
	"strings"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// set-method changes the HTTP method of the request sent to the backend.
//
//	<set-method>POST | @(expr)</set-method>
type setMethod struct{ method *Value }

var _ Step = (*setMethod)(nil)

func init() { Register("set-method", compileSetMethod) }

func compileSetMethod(el *parser.Element, c *Compiler) (Step, error) {
	v := c.Text(el, KindString, false)
	if lit, ok := v.Literal(); ok && lit == "" {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<set-method> needs a method")
	}
	return &setMethod{method: v}, nil
}

func (s *setMethod) Exec(r *Run) error {
	m, err := s.method.String(r)
	if err != nil {
		return err
	}
	if r.Ctx.Request == nil {
		r.Ctx.Request = &expressions.Request{}
	}
	r.Ctx.Request.Method = strings.TrimSpace(m)
	return nil
}
