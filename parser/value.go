package parser

import (
	"bytes"
	"sort"
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
	unscanned  bool // the lexer did not look for expressions in it
}

// arena hands out the Values and Parts of one parse from shared chunks,
// which saves most of their allocations.
type arena struct {
	nvals   int // first chunk sizes, estimated from the source
	vals    []Value
	parts   []Part
	partBuf []Part   // scratch for split
	exprs   [][2]int // spans of the expressions the lexer scanned, in order
}

// scanned reports whether the lexer scanned an expression spanning exactly
// [start, end).
func (a *arena) scanned(start, end int) bool {
	k := sort.Search(len(a.exprs), func(k int) bool { return a.exprs[k][0] >= start })
	return k < len(a.exprs) && a.exprs[k] == [2]int{start, end}
}

// take returns a pointer to a fresh element of *s. When *s is full it
// starts a new chunk, of n the first time and twice the last one after
// (never reallocating one, so pointers stay valid).
func take[T any](s *[]T, n int) *T {
	if len(*s) == cap(*s) {
		*s = make([]T, 0, max(n, 2*cap(*s), 1))
	}
	*s = (*s)[:len(*s)+1]
	return &(*s)[len(*s)-1]
}

// carve copies items into *s, starting a chunk as take does when they do
// not fit, and returns the copy, capped so appends to it do not reach into
// the chunk.
func carve[T any](s *[]T, items []T, n int) []T {
	if cap(*s)-len(*s) < len(items) {
		*s = make([]T, 0, max(n, 2*cap(*s), len(items)))
	}
	k := len(*s)
	*s = append(*s, items...)
	return (*s)[k:len(*s):len(*s)]
}

// buildValue decodes the segments of src into a Value: entity and
// character references resolved outside CDATA and verbatim spans, and line
// ends normalised to LF everywhere, as an XML parser does. liquid marks a
// set-body Liquid template, whose {{ }} are not named values. A single
// segment with nothing to decode shares the document's source string.
func buildValue(d *Document, a *arena, segs []segment, liquid bool) *Value {
	src := d.Source
	v := take(&a.vals, a.nvals)
	v.doc = d
	if len(segs) == 1 && plainSegment(src, segs[0]) {
		sg := segs[0]
		v.Raw = d.str[sg.rawStart:sg.rawEnd]
		v.Text = d.str[sg.start:sg.end]
		v.span = [2]int{sg.start, sg.end}
		v.Pos = d.PosAt(sg.start)
		base := -1
		if !sg.cdata && !sg.verbatim && !sg.unscanned {
			base = sg.start
		}
		v.split(liquid, a, base)
		return v
	}
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
	v.Raw, v.Text, v.offsets = raw.String(), text.String(), offsets
	v.Pos = d.PosAt(offsets[0])
	v.split(liquid, a, -1)
	return v
}

// plainSegment reports whether sg decodes to its source bytes unchanged:
// no CR, and no '&' where references are decoded.
func plainSegment(src []byte, sg segment) bool {
	b := src[sg.start:sg.end]
	if bytes.IndexByte(b, '\r') >= 0 {
		return false
	}
	return sg.cdata || sg.verbatim || bytes.IndexByte(b, '&') < 0
}

// NewValue builds a Value from plain text, as if it were written at pos on
// one line: byte i of text is at pos's line, pos.Col plus the number of
// runes before i. It serves tests and named values, whose text has no source
// file.
func NewValue(text string, pos Pos) *Value {
	v := &Value{Raw: text, Text: text, Pos: pos}
	v.split(false, nil, -1)
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
	if v.doc != nil && v.offsets == nil && len(v.Text) == v.span[1]-v.span[0] {
		return v.doc.PosAt(v.span[0] + i)
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

// split fills v.Parts, from a's chunks when a is not nil. base >= 0 says
// that Text is the source from offset base on, a text or attribute value
// without references, which the lexer scanned for expressions: then whether
// the value is one expression is known from a.exprs. (A scan of the same
// bytes without references gives the same result, and stops where it would
// stop in the whole source.)
func (v *Value) split(liquid bool, a *arena, base int) {
	v.liquid = liquid
	v.Parts = nil
	t := v.Text
	if t == "" {
		return
	}
	var parts []Part
	if a != nil {
		parts = a.partBuf[:0]
	}
	defer func() {
		if a != nil {
			a.partBuf = parts[:0]
			if len(parts) > 0 {
				v.Parts = carve(&a.parts, parts, a.nvals)
			}
		} else {
			v.Parts = parts
		}
	}()
	if liquid {
		parts = append(parts, Part{Kind: PartLiteral, Text: t, Pos: v.Pos})
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
		var whole bool
		if a != nil && base >= 0 {
			whole = a.scanned(base+lo, base+hi)
		} else {
			sc := exprScanner{s: []byte(t[:hi])}
			end, err := sc.scan(lo)
			whole = err == nil && end == hi
		}
		if whole {
			parts = append(parts, Part{Kind: PartExpression, Text: t[lo:hi], Pos: v.PosOf(lo), Offset: lo})
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
			parts = append(parts, Part{Kind: PartLiteral, Text: t[lit:i], Pos: v.PosOf(lit), Offset: lit})
		}
		parts = append(parts, Part{Kind: PartNamedValue, Text: t[i+2 : i+n-2], Pos: v.PosOf(i), Offset: i})
		i += n - 1
		lit = i + 1
	}
	if lit < len(t) {
		parts = append(parts, Part{Kind: PartLiteral, Text: t[lit:], Pos: v.PosOf(lit), Offset: lit})
	}
}
