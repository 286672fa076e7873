package policies

import (
	"strings"

	"github.com/policygate/policygate/parser"
)

// check-header rejects the request unless it carries a header, optionally
// with one of the listed values.
//
//	<check-header name="Authorization | @(expr)"
//	    failed-check-httpcode="401 | @(expr)"
//	    failed-check-error-message="Not authorized | @(expr)"
//	    ignore-case="true | false | @(expr)">
//	    <value>allowed | @(expr)</value>   <!-- 0..n -->
//	</check-header>
//
// Without <value>s only presence is checked. A header that arrived on
// several lines passes when its comma-joined value or any single line
// matches one of the values (spec policies.md §2.15, project decision);
// ignore-case applies to the value comparison only, header names are always
// case-insensitive. A failure ends the request with failed-check-httpcode and
// the body {"statusCode": code, "message": failed-check-error-message};
// context.LastError gets the reasons HeaderNotFound or HeaderValueNotAllowed.
type checkHeader struct {
	name       *Value
	status     *Value
	message    *Value
	ignoreCase *Value
	values     []*Value
}

var _ Step = (*checkHeader)(nil)

// Reasons of check-header failures (spec policies.md §2.15).
const (
	ReasonHeaderNotFound        = "HeaderNotFound"
	ReasonHeaderValueNotAllowed = "HeaderValueNotAllowed"
)

func init() { Register("check-header", compileCheckHeader) }

func compileCheckHeader(el *parser.Element, c *Compiler) (Step, error) {
	s := &checkHeader{
		name:       c.Attr(el, "name", KindString),
		status:     c.Attr(el, "failed-check-httpcode", KindInt),
		message:    c.Attr(el, "failed-check-error-message", KindString),
		ignoreCase: c.Attr(el, "ignore-case", KindBool),
	}
	for _, a := range []struct {
		name string
		v    *Value
	}{{"name", s.name}, {"failed-check-httpcode", s.status}, {"failed-check-error-message", s.message}, {"ignore-case", s.ignoreCase}} {
		if !a.v.Present {
			c.Errorf(el.Pos, parser.CodeBadAttribute, "<check-header> needs %s", a.name)
		}
	}
	if lit, ok := s.status.Literal(); ok && s.status.Present && !hasUnknownNamedValue(lit) {
		if checkHeaderStatus(lit) == 0 {
			c.Errorf(s.status.Pos(), parser.CodeBadAttribute, "failed-check-httpcode %q is not an HTTP status code", lit)
		}
	}
	if lit, ok := s.ignoreCase.Literal(); ok && s.ignoreCase.Present && !hasUnknownNamedValue(lit) && !isBoolText(lit) {
		c.Errorf(s.ignoreCase.Pos(), parser.CodeBadAttribute, "ignore-case must be true or false, not %q", lit)
	}
	for _, ch := range el.Children {
		if ch.Name == "value" {
			s.values = append(s.values, c.Text(ch, KindString, false))
		}
	}
	return s, nil
}

// checkHeaderStatus reads a status code between 100 and 999 (0 when s is not
// one).
func checkHeaderStatus(s string) int {
	n := 0
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 3 {
		return 0
	}
	for _, ch := range s {
		if ch < '0' || ch > '9' {
			return 0
		}
		n = n*10 + int(ch-'0')
	}
	if n < 100 {
		return 0
	}
	return n
}

// hasUnknownNamedValue reports whether a literal still holds a {{named value}}: one
// the compiler did not know (validation without a configuration warns about
// it), so the literal's form cannot be checked at load time.
func hasUnknownNamedValue(lit string) bool { return strings.Contains(lit, "{{") }

func isBoolText(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return s == "true" || s == "false"
}

// Exec checks the request header.
func (s *checkHeader) Exec(r *Run) error {
	name, err := s.name.String(r)
	if err != nil {
		return err
	}
	status, err := s.status.Int(r, 0)
	if err != nil {
		return err
	}
	msg, err := s.message.String(r)
	if err != nil {
		return err
	}
	fold, err := s.ignoreCase.Bool(r, false)
	if err != nil {
		return err
	}
	var got []string
	present := false
	if r.Ctx.Request != nil && r.Ctx.Request.Headers != nil {
		got, present = r.Ctx.Request.Headers.Values(name)
	}
	if !present {
		return &Error{
			Source: "check-header", Reason: ReasonHeaderNotFound,
			Message: "Header " + name + " was not found in the request. Access denied.",
			Status:  status, Body: msg,
		}
	}
	if len(s.values) == 0 {
		return nil
	}
	joined := strings.Join(got, ",")
	for _, v := range s.values {
		want, err := v.String(r)
		if err != nil {
			return err
		}
		if headerValueEqual(joined, want, fold) {
			return nil
		}
		if len(got) > 1 {
			for _, g := range got {
				if headerValueEqual(g, want, fold) {
					return nil
				}
			}
		}
	}
	return &Error{
		Source: "check-header", Reason: ReasonHeaderValueNotAllowed,
		Message: "Header " + name + " value of " + joined + " is not allowed. Access denied.",
		Status:  status, Body: msg,
	}
}

func headerValueEqual(got, want string, fold bool) bool {
	if fold {
		return strings.EqualFold(got, want)
	}
	return got == want
}
