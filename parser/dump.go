package parser

import (
	"fmt"
	"strings"
)

// Walk calls fn for e and its descendants in document order. When fn returns
// false the element's children are skipped.
func Walk(e *Element, fn func(e *Element) bool) {
	if e == nil || !fn(e) {
		return
	}
	for _, c := range e.Children {
		Walk(c, fn)
	}
}

// Dump renders the document as deterministic text for golden tests: the
// kind, then one line per element, attribute and text value, indented by
// depth, with positions as line:col. Each value lists its parts (lit, expr,
// named) and, when they differ from the parts, its named-value references.
func Dump(d *Document) string {
	if d == nil {
		return "<nil>\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", d.Kind)
	dumpElement(&b, d.Root, 0)
	return b.String()
}

func lc(p Pos) string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

func dumpElement(b *strings.Builder, e *Element, depth int) {
	ind := strings.Repeat("  ", depth)
	fmt.Fprintf(b, "%s<%s> %s", ind, e.Name, lc(e.Pos))
	if e.Opaque {
		b.WriteString(" opaque")
	}
	b.WriteByte('\n')
	for _, a := range e.Attrs {
		fmt.Fprintf(b, "%s  @%s %s = ", ind, a.Name, lc(a.Pos))
		dumpValue(b, a.Value, ind+"    ")
	}
	if e.Text != nil {
		fmt.Fprintf(b, "%s  text = ", ind)
		dumpValue(b, e.Text, ind+"    ")
	}
	for _, c := range e.Children {
		dumpElement(b, c, depth+1)
	}
}

func dumpValue(b *strings.Builder, v *Value, ind string) {
	fmt.Fprintf(b, "%q %s", v.Text, lc(v.Pos))
	if v.Raw != v.Text {
		fmt.Fprintf(b, " raw=%q", v.Raw)
	}
	if v.liquid {
		b.WriteString(" liquid")
	}
	b.WriteByte('\n')
	if len(v.Parts) == 1 && v.Parts[0].Kind == PartLiteral && v.Parts[0].Text == v.Text {
		// A plain literal: nothing more to show.
	} else {
		for _, p := range v.Parts {
			kind := "lit"
			switch p.Kind {
			case PartExpression:
				kind = "expr"
			case PartNamedValue:
				kind = "named"
			}
			fmt.Fprintf(b, "%s%s %q %s +%d\n", ind, kind, p.Text, lc(p.Pos), p.Offset)
		}
	}
	if _, ok := v.Expression(); ok {
		for _, r := range v.NamedRefs() {
			fmt.Fprintf(b, "%sref %q %s +%d\n", ind, r.Name, lc(r.Pos), r.Offset)
		}
	}
}
