package policies

import (
	"fmt"
	"strings"

	"github.com/policygate/policygate/parser"
)

// Site is one value of a document that the expression compiler must
// handle: an attribute value or an element's text, with what the catalogue
// says it must evaluate to.
type Site struct {
	Elem *parser.Element
	Attr *parser.Attr // nil for element text
	// Value is Attr.Value, or Elem.Text for a text site.
	Value *parser.Value
	// Decl is the attribute's declaration; nil for element text and for
	// attributes the catalogue does not know.
	Decl *AttrDecl
	// Kind is what the value must convert to: KindBool for
	// when/@condition, KindInt for set-status/@code, KindString when
	// nothing is declared.
	Kind ValueKind
	// Enum lists the allowed values when Kind is KindEnum.
	Enum []string
	// ExprAllowed tells whether the value may be a policy expression.
	// Undeclared values (unknown attributes, unchecked content) allow it;
	// Validate reports them separately.
	ExprAllowed bool
	// Section holding the value; "" in fragments and snippets.
	Section Section
	// Path of Elem, with 1-based positions among its element siblings,
	// e.g. "inbound/choose[1]/when[2]"; fragments and snippets start at
	// their top-level statement ("set-header[3]").
	Path string
}

// Sites lists every attribute value and non-blank element text of doc in
// document order, each with the kind its declaration requires, so that the
// expression compiler can type-check every expression's result. Values of
// the document skeleton (<policies>, sections, <fragment>) are included
// like any other.
func Sites(doc *parser.Document) []Site {
	if doc == nil || doc.Root == nil {
		return nil
	}
	w := &siteWalker{}
	root := doc.Root
	w.plain(root, "", "")
	for i, c := range root.Children {
		if doc.Kind != parser.KindFragment && sectionIndex(c.Name) >= 0 {
			sec := Section(c.Name)
			w.plain(c, sec, c.Name)
			for j, s := range c.Children {
				w.elem(s, nil, sec, fmt.Sprintf("%s/%s[%d]", c.Name, s.Name, j+1))
			}
			continue
		}
		w.elem(c, nil, "", fmt.Sprintf("%s[%d]", c.Name, i+1))
	}
	return w.sites
}

type siteWalker struct{ sites []Site }

// plain records the attributes of a structural element (no declaration).
func (w *siteWalker) plain(el *parser.Element, sec Section, path string) {
	for _, a := range el.Attrs {
		w.sites = append(w.sites, Site{Elem: el, Attr: a, Value: a.Value, Kind: KindString, ExprAllowed: true, Section: sec, Path: path})
	}
}

// elem records the values of el and its descendants. e is el's
// declaration as a child of its parent, or nil to look el up as a policy.
func (w *siteWalker) elem(el *parser.Element, e *ElemDecl, sec Section, path string) {
	if e == nil {
		if d := Lookup(el.Name); d != nil {
			e = &d.ElemDecl
		}
	}
	for _, a := range el.Attrs {
		s := Site{Elem: el, Attr: a, Value: a.Value, Kind: KindString, ExprAllowed: true, Section: sec, Path: path}
		if e != nil {
			if ad := e.Attr(a.Name); ad != nil {
				s.Decl, s.Kind, s.Enum, s.ExprAllowed = ad, ad.Kind, ad.Enum, ad.Expr
			}
		}
		w.sites = append(w.sites, s)
	}
	if el.Text != nil && strings.TrimSpace(el.Text.Text) != "" {
		s := Site{Elem: el, Value: el.Text, Kind: KindString, ExprAllowed: true, Section: sec, Path: path}
		if e != nil && !(e.Opaque && !e.Text) {
			s.Kind, s.ExprAllowed = e.TextKind, e.Text && e.TextExpr
		}
		w.sites = append(w.sites, s)
	}
	for i, c := range el.Children {
		var cd *ElemDecl
		if e != nil && !e.Opaque {
			cd = e.Child(c.Name)
		}
		w.elem(c, cd, sec, fmt.Sprintf("%s/%s[%d]", path, c.Name, i+1))
	}
}
