package policies

import (
	"strings"

	"github.com/policygate/policygate/parser"
)

// Hand-built parser trees for tests. Every element and attribute gets its
// own line so a diagnostic's position identifies what it points at.

type builder struct{ line int }

func (b *builder) pos() parser.Pos {
	b.line++
	return parser.Pos{File: "t.xml", Line: b.line, Col: 1}
}

// txt marks a string argument of E as element text.
type txt string

// val builds a Value the way the parser would: a whole-value @(...) or
// @{...} is one expression part; {{name}} references are named-value parts.
func (b *builder) val(s string, p parser.Pos) *parser.Value {
	v := &parser.Value{Raw: s, Text: s, Pos: p}
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "@(") || strings.HasPrefix(t, "@{") {
		v.Parts = []parser.Part{{Kind: parser.PartExpression, Text: t, Pos: p}}
		return v
	}
	rest, off := s, 0
	for rest != "" {
		i := strings.Index(rest, "{{")
		j := strings.Index(rest, "}}")
		if i < 0 || j < i {
			v.Parts = append(v.Parts, parser.Part{Kind: parser.PartLiteral, Text: rest, Pos: p, Offset: off})
			break
		}
		if i > 0 {
			v.Parts = append(v.Parts, parser.Part{Kind: parser.PartLiteral, Text: rest[:i], Pos: p, Offset: off})
		}
		v.Parts = append(v.Parts, parser.Part{Kind: parser.PartNamedValue, Text: rest[i+2 : j], Pos: p, Offset: off + i})
		off += j + 2
		rest = rest[j+2:]
	}
	return v
}

// E builds an element. Arguments: [2]string attributes {name, value},
// txt text, *parser.Element children.
func (b *builder) E(name string, args ...any) *parser.Element {
	el := &parser.Element{Name: name, Pos: b.pos()}
	for _, a := range args {
		switch a := a.(type) {
		case [2]string:
			p := b.pos()
			el.Attrs = append(el.Attrs, &parser.Attr{Name: a[0], Pos: p, Value: b.val(a[1], parser.Pos{File: p.File, Line: p.Line, Col: p.Col + len(a[0]) + 2})})
		case txt:
			el.Text = b.val(string(a), b.pos())
		case *parser.Element:
			el.Children = append(el.Children, a)
		default:
			panic("bad argument")
		}
	}
	if name == "set-body" || name == "xsl-transform" {
		el.Opaque = true
	}
	return el
}

// A is shorthand for an attribute argument.
func A(name, value string) [2]string { return [2]string{name, value} }

func doc(kind parser.Kind, root *parser.Element) *parser.Document {
	return &parser.Document{File: "t.xml", Kind: kind, Root: root}
}

// policiesDoc wraps sections into a <policies> document.
func (b *builder) policiesDoc(sections ...*parser.Element) *parser.Document {
	root := &parser.Element{Name: "policies", Pos: b.pos(), Children: sections}
	return doc(parser.KindDocument, root)
}

// snippet wraps statements into a snippet document.
func (b *builder) snippet(stmts ...*parser.Element) *parser.Document {
	return doc(parser.KindSnippet, &parser.Element{Name: parser.SnippetRoot, Pos: b.pos(), Children: stmts})
}

// fragment wraps statements into a <fragment> document.
func (b *builder) fragment(stmts ...*parser.Element) *parser.Document {
	return doc(parser.KindFragment, &parser.Element{Name: "fragment", Pos: b.pos(), Children: stmts})
}

// section builds a section element holding stmts.
func (b *builder) section(name string, stmts ...*parser.Element) *parser.Element {
	args := make([]any, len(stmts))
	for i, s := range stmts {
		args[i] = s
	}
	return b.E(name, args...)
}
