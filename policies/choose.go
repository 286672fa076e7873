package policies

import (
	"fmt"

	"github.com/policygate/policygate/parser"
)

// choose runs the policies of the first <when> whose condition is true, or
// those of <otherwise> when none is.
//
//	<choose>
//	    <when condition="@(bool expr) | true | false"> policies </when>   <!-- 1..n -->
//	    <otherwise> policies </otherwise>                               <!-- 0..1 -->
//	</choose>
//
// Conditions are evaluated in document order and only until one is true; a
// condition that is not a Boolean is a runtime error. Nested statements are
// compiled with their full LastError path ("choose[1]\when[2]\set-header[1]").
type choose struct {
	whens     []chooseWhen
	otherwise []*Stmt
}

type chooseWhen struct {
	cond  *Value
	stmts []*Stmt
}

var _ Step = (*choose)(nil)

func init() { Register("choose", compileChoose) }

func compileChoose(el *parser.Element, c *Compiler) (Step, error) {
	s := &choose{}
	nWhen := 0
	for _, ch := range el.Children {
		switch ch.Name {
		case "when":
			nWhen++
			cond := c.Attr(ch, "condition", KindBool)
			if !cond.Present {
				c.Errorf(ch.Pos, parser.CodeBadAttribute, "<when> needs a condition")
			}
			s.whens = append(s.whens, chooseWhen{cond: cond, stmts: c.Statements(fmt.Sprintf(`%s\when[%d]`, c.Path(), nWhen), ch.Children)})
		case "otherwise":
			s.otherwise = c.Statements(c.Path()+`\otherwise[1]`, ch.Children)
		}
	}
	if nWhen == 0 {
		c.Errorf(el.Pos, parser.CodeBadStructure, "<choose> needs at least one <when>")
	}
	return s, nil
}

func (s *choose) Exec(r *Run) error {
	for _, w := range s.whens {
		ok, err := w.cond.Bool(r, false)
		if err != nil {
			return err
		}
		if ok {
			return RunAll(r, w.stmts)
		}
	}
	return RunAll(r, s.otherwise)
}
