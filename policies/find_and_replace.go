package policies

import (
	"bytes"

	"github.com/policygate/policygate/parser"
)

// find-and-replace replaces every occurrence of a string (plain text,
// case-sensitive) in the request body (inbound, backend) or the response
// body (outbound, on-error).
//
//	<find-and-replace from="text | @(expr)" to="text | @(expr)" />
//
// An empty to deletes the occurrences; an empty from or a missing body does
// nothing.
type findAndReplace struct{ from, to *Value }

var _ Step = (*findAndReplace)(nil)

func init() { Register("find-and-replace", compileFindAndReplace) }

func compileFindAndReplace(el *parser.Element, c *Compiler) (Step, error) {
	from, to := rawAttr(el, c, "from"), rawAttr(el, c, "to")
	if !from.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<find-and-replace> needs from")
	}
	if !to.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<find-and-replace> needs to")
	}
	return &findAndReplace{from: from, to: to}, nil
}

func (s *findAndReplace) Exec(r *Run) error {
	from, err := s.from.String(r)
	if err != nil {
		return err
	}
	to, err := s.to.String(r)
	if err != nil {
		return err
	}
	body := targetBody(r)
	if from == "" || body == nil {
		return nil
	}
	old := body.Bytes()
	if !bytes.Contains(old, []byte(from)) {
		return nil
	}
	setTargetBody(r, bytes.ReplaceAll(old, []byte(from), []byte(to)))
	return nil
}

// rawAttr compiles an attribute as text keeping its surrounding whitespace
// (what to find and what to put are exact strings).
func rawAttr(el *parser.Element, c *Compiler, name string) *Value {
	a := el.Attr(name)
	if a == nil || a.Value == nil {
		return &Value{}
	}
	return c.Value(a.Value, KindString, true)
}
