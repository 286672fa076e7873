package policies

import (
	"strings"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/parser"
)

// set-body replaces the body of the request (inbound, backend) or of the
// response (outbound, on-error).
//
//	<set-body>literal text, whitespace kept</set-body>
//	<set-body>@(expr) | @{ statements }</set-body>
//	<set-body template="liquid" xsi-nil="blank | null" parse-date="true | false">{{ liquid }}</set-body>
//
// An expression's string is the body; byte[] is written raw; a JSON token is
// serialised as JToken.ToString() does (indented); null is an empty body.
// The gateway derives Content-Length from the new body.
//
// A Liquid template is parsed at load time and rendered per request (see
// set_body_liquid.go).
type setBody struct {
	value  *Value
	liquid *liquidTemplate
}

var _ Step = (*setBody)(nil)

func init() { Register("set-body", compileSetBody) }

func compileSetBody(el *parser.Element, c *Compiler) (Step, error) {
	tmpl := c.Attr(el, "template", KindEnum)
	if lit, ok := tmpl.Literal(); ok && tmpl.Present && strings.EqualFold(strings.TrimSpace(lit), "liquid") {
		return &setBody{liquid: compileLiquid(el, c)}, nil
	}
	return &setBody{value: c.Text(el, KindString, true)}, nil
}

// bodyBytes renders a set-body value as body bytes.
func bodyBytes(v any) []byte {
	switch x := v.(type) {
	case nil:
		return nil
	case []byte:
		return append([]byte(nil), x...)
	case string:
		return []byte(x)
	}
	return []byte(dotnet.ToString(v))
}

func (s *setBody) Exec(r *Run) error {
	if s.liquid != nil {
		b, err := s.liquid.render(r)
		if err != nil {
			return err
		}
		setTargetBody(r, b)
		return nil
	}
	v, err := s.value.Eval(r)
	if err != nil {
		return err
	}
	setTargetBody(r, bodyBytes(v))
	return nil
}

// targetBody returns the body the section's body policies act on (nil when
// there is none).
func targetBody(r *Run) *expressions.Body {
	if r.IsRequestSection() {
		if r.Ctx.Request == nil {
			return nil
		}
		return r.Ctx.Request.Body
	}
	if r.Ctx.Response == nil {
		return nil
	}
	return r.Ctx.Response.Body
}

// setTargetBody replaces the section's request or response body.
func setTargetBody(r *Run, b []byte) {
	body := expressions.NewBody(b)
	if r.IsRequestSection() {
		if r.Ctx.Request == nil {
			r.Ctx.Request = &expressions.Request{}
		}
		r.Ctx.Request.Body = body
		return
	}
	if r.Ctx.Response == nil {
		r.Ctx.Response = &expressions.Response{StatusCode: 200, StatusReason: "OK", Headers: expressions.NewHeaders(nil)}
	}
	r.Ctx.Response.Body = body
}
