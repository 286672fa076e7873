package policies

import (
	"strconv"

	"github.com/policygate/policygate/parser"
)

// validate-status-code rejects response status codes the operation's
// responses in the API's OpenAPI document do not define (an exact code, a
// range such as 2XX, or default count as defined).
//
//	<validate-status-code unspecified-status-code-action="ignore | prevent | detect | @(expr)"
//	    errors-variable-name="name">
//	    <status-code code="500" action="ignore | prevent | detect" />
//	</validate-status-code>
//
// A <status-code> overrides the action for a code the document does not
// define; for a defined code it has no effect (as documented).
// error-variable-name, the policy toolkit's spelling, is accepted too.
type validateStatusCode struct {
	unspecified actionValue
	varName     string
	codes       map[int]actionValue
}

var _ Step = (*validateStatusCode)(nil)

func init() { Register("validate-status-code", compileValidateStatusCode) }

func compileValidateStatusCode(el *parser.Element, c *Compiler) (Step, error) {
	s := &validateStatusCode{unspecified: c.action(el, "unspecified-status-code-action"), codes: map[int]actionValue{}}
	if el.Attr("unspecified-status-code-action") == nil {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<validate-status-code> needs unspecified-status-code-action")
	}
	s.varName = literalAttr(el, "errors-variable-name")
	if s.varName == "" {
		s.varName = literalAttr(el, "error-variable-name")
	}
	for _, ch := range el.Children {
		if ch.Name != "status-code" {
			continue
		}
		code := literalAttr(ch, "code")
		n, err := strconv.Atoi(code)
		if err != nil || n < 100 || n > 999 {
			c.Errorf(ch.Pos, parser.CodeBadAttribute, "code %q is not an HTTP status code", code)
			continue
		}
		s.codes[n] = c.action(ch, "action")
	}
	return s, nil
}

// Exec checks the response status code.
func (s *validateStatusCode) Exec(r *Run) error {
	v := &validationRun{policy: "validate-status-code", varName: s.varName}
	r.openAPI()
	err := s.run(r, v)
	v.flush(r)
	return err
}

func (s *validateStatusCode) run(r *Run, v *validationRun) error {
	if r.Spec == nil || r.Ctx.Response == nil {
		return noSchemaAction(r, v, s.unspecified)
	}
	status := int(r.Ctx.Response.StatusCode)
	if r.Spec.Response(status) != nil {
		return nil
	}
	act, err := s.unspecified.get(r, actIgnore)
	if a, ok := s.codes[status]; ok {
		act, err = a.get(r, actIgnore)
	}
	if err != nil {
		return err
	}
	code := strconv.Itoa(status)
	return v.add(r, act, validationError{Name: code, Type: "StatusCode", Rule: "Unspecified", Details: "Response status code " + code + " is not allowed."})
}
