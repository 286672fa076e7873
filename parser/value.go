package parser

import (
	"strings"
	"unicode/utf8"
)

// entityAt decodes the entity or character reference starting at s[i]
// ('&'). It returns the character, the length of the reference in bytes and
// whether it is a well-formed reference to one of the five predefined
// entities or a valid character.
func entityAt(s []byte, i int) (rune, int, bool) {
	j := i + 1
	for j < len(s) && j-i <= 12 && s[j] != ';' {
		j++
	}
	if j >= len(s) || s[j] != ';' {
		return 0, 0, false
	}
	name := s[i+1 : j]
	n := j + 1 - i
	switch string(name) {
	case "lt":
		return '<', n, true
	case "gt":
		return '>', n, true
	case "amp":
		return '&', n, true
	case "quot":
		return '"', n, true
	case "apos":
		return '\'', n, true
	}
	if len(name) < 2 || name[0] != '#' {
		return 0, 0, false
	}
	digits, base := name[1:], rune(10)
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 {
		return 0, 0, false
	}
	var r rune
	for _, d := range digits {
		var v rune
		switch {
		case d >= '0' && d <= '9':
			v = rune(d - '0')
		case base == 16 && d >= 'a' && d <= 'f':
			v = rune(d-'a') + 10
		case base == 16 && d >= 'A' && d <= 'F':
			v = rune(d-'A') + 10
		default:
			return 0, 0, false
		}
		r = r*base + v
		if r > utf8.MaxRune {
			return 0, 0, false
		}
	}
	if !isXMLChar(r) {
		return 0, 0, false
	}
	return r, n, true
}

// isXMLChar reports whether r is allowed in an XML document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// segment is a span of source text contributing to a Value: plain text
// (entities decoded) or CDATA content (taken verbatim).
type segment struct {
	start, end int  // span of the source
	rawStart   int  // start of the span as written (the "<![CDATA[" for CDATA)
	rawEnd     int  // end of the span as written
	cdata      bool // the span is CDATA content
	verbatim   bool // copy as is: no entity decoding
}

// buildValue decodes the segments of src into a Value: entity and
// character references resolved outside CDATA and verbatim spans, and line
// ends normalised to LF everywhere, as an XML parser does. liquid marks a
// set-body Liquid template, whose {{ }} are not named values.
func buildValue(d *Document, segs []segment, liquid bool) *Value {
	src := d.Source
	var raw, text strings.Builder
	size := 0
	for _, sg := range segs {
		size += sg.end - sg.start
	}
	offsets := make([]int, 0, size+1)
	text.Grow(size)
	for _, sg := range segs {
		raw.Write(src[sg.rawStart:sg.rawEnd])
		for k := sg.start; k < sg.end; {
			c := src[k]
			switch {
			case c == '\r':
				// XML line-end normalisation: CRLF and a lone CR read as LF.
				if k+1 < sg.end && src[k+1] == '\n' {
					k++
				}
				text.WriteByte('\n')
				offsets = append(offsets, k)
				k++
				continue
			case c == '&' && !sg.cdata && !sg.verbatim:
				if r, n, ok := entityAt(src, k); ok {
					m, _ := text.WriteRune(r)
					for range m {
						offsets = append(offsets, k)
					}
					k += n
					continue
				}
			}
			text.WriteByte(c)
			offsets = append(offsets, k)
			k++
		}
	}
	end := 0
	if len(segs) > 0 {
		end = segs[len(segs)-1].end
	}
	offsets = append(offsets, end)
	v := &Value{Raw: raw.String(), Text: text.String(), offsets: offsets, doc: d}
	v.Pos = d.PosAt(offsets[0])
	v.split(liquid)
	return v
}

// NewValue builds a Value from plain text, as if it were written at pos on
// one line: byte i of text is at pos's line, pos.Col plus the number of
// runes before i. It serves tests and named values, whose text has no source
// file.
func NewValue(text string, pos Pos) *Value {
	v := &Value{Raw: text, Text: text, Pos: pos}
	v.split(false)
	return v
}

// PosOf returns the source position of byte i of v.Text; i may be
// len(v.Text), the position just after the value. Bytes that came from an
// entity or character reference map to its '&'.
func (v *Value) PosOf(i int) Pos {
	if i < 0 {
		i = 0
	}
	if i > len(v.Text) {
		i = len(v.Text)
	}
	if v.doc != nil && len(v.offsets) == len(v.Text)+1 {
		return v.doc.PosAt(v.offsets[i])
	}
	p := v.Pos
	p.Col += utf8.RuneCountInString(v.Text[:i])
	p.Offset += i
	return p
}

// Expression returns the value's expression part when the whole value,
// ASCII whitespace aside, is one policy expression.
func (v *Value) Expression() (Part, bool) {
	if len(v.Parts) == 1 && v.Parts[0].Kind == PartExpression {
		return v.Parts[0], true
	}
	return Part{}, false
}

// IsLiquid reports whether the value is the body of a Liquid template
// (set-body template="liquid"), whose {{ }} are Liquid, not named values.
func (v *Value) IsLiquid() bool { return v.liquid }

// NamedRefs lists every {{name}} reference in the value, inside expressions
// too, in text order. A Liquid template has none.
func (v *Value) NamedRefs() []NamedRef {
	if v.liquid {
		return nil
	}
	var refs []NamedRef
	t := v.Text
	for i := 0; i+4 < len(t); i++ {
		if n := namedRefAt(t, i); n > 0 {
			refs = append(refs, NamedRef{Name: t[i+2 : i+n-2], Pos: v.PosOf(i), Offset: i})
			i += n - 1
		}
	}
	return refs
}

// namedRefAt returns the length of the {{name}} reference at t[i:], or 0.
func namedRefAt(t string, i int) int {
	if !strings.HasPrefix(t[i:], "{{") {
		return 0
	}
	j := i + 2
	for j < len(t) && isNameRefChar(t[j]) {
		j++
	}
	if j == i+2 || !strings.HasPrefix(t[j:], "}}") {
		return 0
	}
	return j + 2 - i
}

func isNameRefChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// split fills v.Parts.
func (v *Value) split(liquid bool) {
	v.liquid = liquid
	v.Parts = nil
	t := v.Text
	if t == "" {
		return
	}
	if liquid {
		v.Parts = []Part{{Kind: PartLiteral, Text: t, Pos: v.Pos}}
		return
	}
	lo, hi := 0, len(t)
	for lo < hi && isSpace(t[lo]) {
		lo++
	}
	for hi > lo && isSpace(t[hi-1]) {
		hi--
	}
	if isExprStart([]byte(t[lo:hi]), 0) {
		sc := exprScanner{s: []byte(t[:hi])}
		if end, err := sc.scan(lo); err == nil && end == hi {
			v.Parts = []Part{{Kind: PartExpression, Text: t[lo:hi], Pos: v.PosOf(lo), Offset: lo}}
			return
		}
	}
	lit := 0
	for i := 0; i+4 < len(t); i++ {
		n := namedRefAt(t, i)
		if n == 0 {
			continue
		}
		if i > lit {
			v.Parts = append(v.Parts, Part{Kind: PartLiteral, Text: t[lit:i], Pos: v.PosOf(lit), Offset: lit})
		}
		v.Parts = append(v.Parts, Part{Kind: PartNamedValue, Text: t[i+2 : i+n-2], Pos: v.PosOf(i), Offset: i})
		i += n - 1
		lit = i + 1
	}
	if lit < len(t) {
		v.Parts = append(v.Parts, Part{Kind: PartLiteral, Text: t[lit:], Pos: v.PosOf(lit), Offset: lit})
	}
}
