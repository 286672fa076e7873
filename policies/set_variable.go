package policies

import (
	"fmt"
	"net/http"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/parser"
)

// set-variable stores a value in context.Variables for the rest of the
// request (every section, scope and fragment).
//
//	<set-variable name="var" value="literal | @(expr)" />
//	<set-variable name="var"><value>literal | @(expr)</value></set-variable>
//
// A literal is stored as a string. An expression result must be one of the
// types policies.md §2.3 lists (numbers, bool, string, char, Guid, DateTime,
// TimeSpan, byte[]/sbyte[], JSON tokens, or null); anything else is a
// runtime error (ExpressionValueEvaluationFailure).
type setVariable struct {
	name  string
	value *Value
}

var _ Step = (*setVariable)(nil)

func init() { Register("set-variable", compileSetVariable) }

func compileSetVariable(el *parser.Element, c *Compiler) (Step, error) {
	nv := c.Attr(el, "name", KindString)
	name, ok := nv.Literal()
	switch {
	case !nv.Present || ok && name == "":
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<set-variable> needs a name")
	case !ok:
		c.Errorf(nv.Pos(), parser.CodeBadAttribute, "<set-variable> name cannot be an expression")
	}
	v := c.Attr(el, "value", KindAny)
	if !v.Present {
		for _, ch := range el.Children {
			if ch.Name == "value" {
				v = c.Text(ch, KindAny, false)
				v.Present = true
				break
			}
		}
	}
	if !v.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<set-variable> needs a value")
	}
	return &setVariable{name: name, value: v}, nil
}

// variableValueAllowed reports whether set-variable may store v.
func variableValueAllowed(v any) bool {
	switch v.(type) {
	case nil, bool, int8, []int8, uint8, []byte, uint16, uint32, uint64, int16, int32, int64,
		dotnet.Decimal, float32, float64, dotnet.Guid, string, dotnet.Char,
		dotnet.DateTime, dotnet.TimeSpan, dotnet.JToken:
		return true
	}
	return false
}

func (s *setVariable) Exec(r *Run) error {
	v, err := s.value.Eval(r)
	if err != nil {
		return err
	}
	if !variableValueAllowed(v) {
		return &Error{
			Reason:  ReasonExpression,
			Message: fmt.Sprintf("Expression evaluation failed. The value of variable '%s' is of type '%s', which set-variable does not support.", s.name, dotnet.TypeOf(v).FullName),
			Status:  http.StatusInternalServerError,
		}
	}
	if r.Ctx.Variables == nil {
		r.Ctx.Variables = expressions.NewVariables()
	}
	r.Ctx.Variables.Set(s.name, v)
	return nil
}
