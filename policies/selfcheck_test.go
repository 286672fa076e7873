package policies

import (
	"strings"
	"testing"

	"github.com/policygate/policygate/parser"
)

// sample returns a literal that satisfies a value of kind k.
func sample(k ValueKind, enum []string) string {
	switch k {
	case KindBool:
		return "true"
	case KindInt:
		return "1"
	case KindNumber:
		return "1.5"
	case KindEnum:
		return enum[0]
	}
	return "x"
}

// minimal builds the smallest element e accepts: required attributes, one
// member of each group, required children and required text.
func minimal(b *builder, e *ElemDecl) *parser.Element {
	var args []any
	have := map[string]bool{}
	for _, a := range e.Attrs {
		if a.Required {
			args = append(args, A(a.Name, sample(a.Kind, a.Enum)))
			have[a.Name] = true
		}
	}
	for _, g := range e.Groups {
		if g.Rule == AtMostOne {
			continue
		}
		if g.Children {
			if c := e.Child(g.Names[0]); c != nil && c.Min == 0 {
				args = append(args, minimal(b, c))
			}
			continue
		}
		if !have[g.Names[0]] {
			a := e.Attr(g.Names[0])
			args = append(args, A(a.Name, sample(a.Kind, a.Enum)))
			have[a.Name] = true
		}
	}
	for _, c := range e.Children {
		for i := 0; i < c.Min; i++ {
			args = append(args, minimal(b, c))
		}
	}
	if e.Text && (e.TextRequired || e.TextOr != "") {
		args = append(args, txt(sample(e.TextKind, nil)))
	}
	return b.E(e.Name, args...)
}

// TestEveryDeclarationAcceptsItsMinimalForm checks each declaration is
// satisfiable: its minimal element validates cleanly in its first allowed
// section, and in a snippet.
func TestEveryDeclarationAcceptsItsMinimalForm(t *testing.T) {
	for _, d := range All() {
		if d.Name == "base" {
			continue
		}
		b := &builder{}
		el := minimal(b, &d.ElemDecl)
		var doc *parser.Document
		if d.ResolverOnly {
			doc = b.snippet(el)
		} else {
			doc = b.policiesDoc(b.section(string(d.Sections[0]), el))
		}
		if errs := Validate(doc, ValidateOptions{}); len(errs) > 0 {
			t.Errorf("%s: minimal form rejected: %v", d.Name, errs)
		}
		if errs := Validate(b.snippet(minimal(b, &d.ElemDecl)), ValidateOptions{}); len(errs) > 0 {
			t.Errorf("%s: minimal snippet rejected: %v", d.Name, errs)
		}
	}
}

// TestDefaultsMatchKinds checks every declared default is a valid literal
// of its attribute's kind.
func TestDefaultsMatchKinds(t *testing.T) {
	var walk func(path string, e *ElemDecl)
	walk = func(path string, e *ElemDecl) {
		for _, a := range e.Attrs {
			if a.Default == "" {
				continue
			}
			v := &validator{}
			v.value(&parser.Value{Text: a.Default}, parser.Pos{}, a.Kind, a.Enum, a.Expr, a.Name)
			if len(v.errs) > 0 {
				t.Errorf("%s/@%s: default %q: %v", path, a.Name, a.Default, v.errs)
			}
		}
		for _, c := range e.Children {
			walk(path+"/"+c.Name, c)
		}
	}
	for _, d := range All() {
		walk(d.Name, &d.ElemDecl)
	}
}

// TestSitesCoverEveryValue checks that Sites reports each attribute of a
// minimal element of every policy exactly once.
func TestSitesCoverEveryValue(t *testing.T) {
	for _, d := range All() {
		b := &builder{}
		el := minimal(b, &d.ElemDecl)
		want := 0
		var count func(*parser.Element)
		count = func(e *parser.Element) {
			want += len(e.Attrs)
			if e.Text != nil && strings.TrimSpace(e.Text.Text) != "" {
				want++
			}
			for _, c := range e.Children {
				count(c)
			}
		}
		count(el)
		if got := len(Sites(b.snippet(el))); got != want {
			t.Errorf("%s: %d sites, want %d", d.Name, got, want)
		}
	}
}
