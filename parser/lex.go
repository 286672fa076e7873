package parser

import (
	"bytes"
	"fmt"
	"strings"
)

// The lexer walks the source once. It finds every tag, attribute, text run,
// CDATA section and comment with its byte span, skips policy expressions
// with the C# scanner (recording their spans so they can be masked for the
// XML parser), and builds a provisional element tree with positions. The
// XML parser (xmlquery) then checks the masked text and supplies the final
// tree shape; see parse.go.

// frame is an open element during lexing.
type frame struct {
	el         *Element
	segs       []segment // text and CDATA directly inside the element
	kids       int       // where the element's children start in lexer.kids
	hasChild   bool      // child elements seen (markup, for opaque elements)
	opaque     bool      // content is a payload: set-body, xsl-transform
	inOpaque   bool      // the element sits inside an opaque element's content
	liquid     bool      // set-body template="liquid"
	innerStart int       // offset just after the start tag
}

type lexer struct {
	d     *Document
	src   []byte
	errs  Errors
	stack []*frame
	top   frame // the document level: top-level elements and text

	tags     []*Element // every start tag in document order, opaque content included
	tagInOpq []bool     // whether tags[i] sits in opaque content
	blank    [][2]int   // spans of declarations and directives, blanked for the XML parser
	cdata    int        // CDATA sections seen
	// needXML is set by markup the XML check cannot be skipped for (see
	// xmlClean): prefixed or non-ASCII element names, non-ASCII attribute
	// names or ones with more than one colon, end tags without a name.
	needXML bool

	// Allocation: elements, attributes and values come from chunks; the
	// children and attributes of an element are collected in scratch slices
	// and copied out when complete.
	arena
	nels    int // first chunk sizes, estimated from the source
	nattrs  int
	els     []Element
	attrs   []Attr
	elPtrs  []*Element
	atPtrs  []*Attr
	kids    []*Element // children of the open elements, innermost last
	attrBuf []*Attr
	frames  []frame
	free    []*frame // frames for reuse
}

// newLexer returns a lexer over d.Source[:end] that starts at start. The
// first chunks are sized from counts of '<', "</" and '='.
func newLexer(d *Document, start, end int) *lexer {
	l := &lexer{d: d, src: d.Source[:end]}
	s := l.src[start:]
	l.nels = bytes.Count(s, []byte("<")) - bytes.Count(s, []byte("</"))
	l.nattrs = min(bytes.Count(s, []byte("=")), 4*l.nels)
	l.nvals = l.nattrs + l.nels/4 + 1
	l.tags = make([]*Element, 0, l.nels)
	l.tagInOpq = make([]bool, 0, l.nels)
	l.kids = make([]*Element, 0, l.nels)
	l.exprs = make([][2]int, 0, bytes.Count(s, []byte("@")))
	frames := make([]*frame, 0, 16)
	l.stack, l.free = frames[:0:8], frames[8:8]
	return l
}

func (l *lexer) newFrame() *frame {
	if k := len(l.free) - 1; k >= 0 {
		f := l.free[k]
		l.free = l.free[:k]
		*f = frame{segs: f.segs[:0]}
		return f
	}
	return take(&l.frames, 8)
}

func (l *lexer) errorf(off int, format string, args ...any) {
	l.errs = append(l.errs, &Error{Pos: l.d.PosAt(off), Code: CodeParse, Msg: fmt.Sprintf(format, args...)})
}

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || c >= 0x80
}

func isNameChar(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '-' || c == '.'
}

// opaqueElements keep their content as a payload.
var opaqueElements = map[string]bool{"set-body": true, "xsl-transform": true}

func (l *lexer) cur() *frame {
	if len(l.stack) == 0 {
		return &l.top
	}
	return l.stack[len(l.stack)-1]
}

func (l *lexer) run(i int) {
	s := l.src
	n := len(s)
	for i < n {
		if s[i] != '<' {
			i = l.text(i, false)
			continue
		}
		switch {
		case bytes.HasPrefix(s[i:], []byte("<!--")):
			end := bytes.Index(s[i+4:], []byte("-->"))
			if end < 0 {
				l.errorf(i, "unterminated comment")
				i = n
				continue
			}
			if k := bytes.Index(s[i+4:i+4+end], []byte("--")); k >= 0 {
				l.errorf(i+4+k, "'--' inside comment")
			} else if end > 0 && s[i+4+end-1] == '-' {
				l.errorf(i+4+end-1, "'--' inside comment")
			}
			i += 4 + end + 3
		case bytes.HasPrefix(s[i:], []byte("<![CDATA[")):
			end := bytes.Index(s[i+9:], []byte("]]>"))
			if end < 0 {
				l.errorf(i, "unterminated CDATA section")
				f := l.cur()
				f.segs = append(f.segs, segment{start: i + 9, end: n, rawStart: i, rawEnd: n, cdata: true})
				i = n
				continue
			}
			f := l.cur()
			f.segs = append(f.segs, segment{start: i + 9, end: i + 9 + end, rawStart: i, rawEnd: i + 9 + end + 3, cdata: true})
			l.cdata++
			i += 9 + end + 3
		case bytes.HasPrefix(s[i:], []byte("<?")):
			end := bytes.Index(s[i+2:], []byte("?>"))
			if end < 0 {
				l.errorf(i, "unterminated processing instruction")
				i = n
				continue
			}
			if bytes.HasPrefix(s[i:], []byte("<?xml")) && (i+5 >= n || isSpace(s[i+5]) || s[i+5] == '?') &&
				len(bytes.TrimSpace(s[:i])) > 0 {
				l.errorf(i, "XML declaration not at the start of the document")
			}
			l.blank = append(l.blank, [2]int{i, i + 2 + end + 2})
			i += 2 + end + 2
		case bytes.HasPrefix(s[i:], []byte("<!")):
			end := bytes.IndexByte(s[i:], '>')
			if end < 0 {
				l.errorf(i, "unterminated declaration")
				i = n
				continue
			}
			if len(l.stack) > 0 || !bytes.HasPrefix(s[i:], []byte("<!DOCTYPE")) {
				l.errorf(i, "unexpected markup declaration")
			}
			l.blank = append(l.blank, [2]int{i, i + end + 1})
			i += end + 1
		case i+1 < n && s[i+1] == '/':
			i = l.endTag(i)
		case i+1 < n && isNameStart(s[i+1]):
			i = l.startTag(i)
		default:
			l.errorf(i, "unescaped '<' in text")
			i = l.text(i, true)
		}
	}
	for len(l.stack) > 0 {
		f := l.stack[len(l.stack)-1]
		l.errorf(f.el.Pos.Offset, "element <%s> is not closed", f.el.Name)
		l.pop(n)
	}
	l.top.el.Children = l.children(&l.top)
}

// children returns the collected children of f's element and drops them
// from the scratch.
func (l *lexer) children(f *frame) []*Element {
	kids := l.kids[f.kids:]
	l.kids = l.kids[:f.kids]
	if len(kids) == 0 {
		return nil
	}
	return carve(&l.elPtrs, kids, l.nels)
}

// text scans character data from i to the next markup and records it as a
// segment of the current element. Expressions are skipped whole, so their
// '<' and '&' do not end the text. stray tells that s[i] is a '<' already
// reported, to be kept as text.
func (l *lexer) text(i int, stray bool) int {
	s := l.src
	start := i
	leading := true // only whitespace seen so far in this run
	if stray {
		i++
		leading = false
	}
	for i < len(s) && s[i] != '<' {
		c := s[i]
		switch {
		case isExprStart(s, i):
			if end, ok := l.expr(i, leading, false); ok {
				i = end
				leading = false
				continue
			}
		case c == '&':
			if r, n, ok := entityAt(s, i); ok {
				i += n
				leading = leading && r < 0x80 && isSpace(byte(r))
				continue
			}
			l.errorf(i, "invalid entity reference")
		}
		if !isSpace(c) {
			leading = false
		}
		i++
	}
	if i > start {
		f := l.cur()
		f.segs = append(f.segs, segment{start: start, end: i, rawStart: start, rawEnd: i})
	}
	return i
}

// expr scans the expression starting at s[i] ('@'). An expression that does
// not close is an error when it starts a value (where APIM would evaluate
// it); elsewhere it is taken as literal text.
func (l *lexer) expr(i int, leading, inAttr bool) (int, bool) {
	sc := exprScanner{s: l.src, raw: true}
	end, err := sc.scan(i)
	if err == nil {
		err = l.swallowed(i, end, inAttr)
	}
	if err != nil {
		if leading {
			l.errorf(i, "unbalanced expression starting with %q: %s", l.src[i:i+2], err.msg)
		}
		return 0, false
	}
	l.exprs = append(l.exprs, [2]int{i, end})
	return end, true
}

// swallowed catches an unclosed text expression that the scanner balanced
// only by running on into the following markup: one that holds its own
// element's end tag. (Attribute expressions legitimately hold whole HTML
// pages in verbatim strings; an unclosed one is caught by resync.)
func (l *lexer) swallowed(start, end int, inAttr bool) *scanError {
	if inAttr || len(l.stack) == 0 {
		return nil
	}
	span := l.src[start:end]
	tag := "</" + l.cur().el.Name
	for k := 0; ; {
		j := bytes.Index(span[k:], []byte(tag))
		if j < 0 {
			return nil
		}
		k += j + len(tag)
		if m := l.skipSpace(start + k); m < len(l.src) && l.src[m] == '>' {
			return &scanError{fmt.Sprintf("not closed before %s>", tag), start + k - len(tag)}
		}
	}
}

// plainName reports whether name is ASCII with at most colons colons, none
// first or last, so that encoding/xml reads it as the lexer does.
func plainName(name []byte, colons int) bool {
	for k, c := range name {
		if c >= 0x80 || c == ':' && (colons == 0 || k == 0 || k == len(name)-1) {
			return false
		}
		if c == ':' {
			colons--
		}
	}
	return true
}

func (l *lexer) name(i int) int {
	for i < len(l.src) && isNameChar(l.src[i]) {
		i++
	}
	return i
}

func (l *lexer) skipSpace(i int) int {
	for i < len(l.src) && isSpace(l.src[i]) {
		i++
	}
	return i
}

// startTag lexes "<name attr="value" ...>" or "/>" at i and opens the element.
func (l *lexer) startTag(i int) int {
	s := l.src
	n := len(s)
	ne := l.name(i + 1)
	el := take(&l.els, l.nels)
	el.Name, el.Pos, el.doc = l.d.str[i+1:ne], l.d.PosAt(i), l.d
	el.Attrs = l.attrBuf[:0]
	if !plainName(s[i+1:ne], 0) {
		l.needXML = true
	}
	parent := l.cur()
	f := l.newFrame()
	f.el, f.inOpaque = el, parent.opaque || parent.inOpaque
	f.opaque = !f.inOpaque && opaqueElements[el.Name]
	l.tags = append(l.tags, el)
	l.tagInOpq = append(l.tagInOpq, f.inOpaque)
	parent.hasChild = true
	el.Opaque = f.opaque
	if !f.inOpaque {
		l.kids = append(l.kids, el)
	}
	j := ne
	junk := false // an unexpected character was reported in this tag
	for {
		sp := j
		j = l.skipSpace(j)
		if j >= n {
			l.errorf(i, "unterminated start tag <%s>", el.Name)
			l.finishAttrs(f)
			l.free = append(l.free, f)
			return n
		}
		switch c := s[j]; {
		case c == '/' && j+1 < n && s[j+1] == '>':
			l.finishAttrs(f)
			l.free = append(l.free, f)
			return j + 2
		case c == '>':
			l.finishAttrs(f)
			f.innerStart = j + 1
			f.kids = len(l.kids)
			l.stack = append(l.stack, f)
			return j + 1
		case isNameStart(c):
			if sp == j {
				l.errorf(j, "missing space before attribute")
			}
			j = l.attr(el, j)
		default:
			if !junk {
				l.errorf(j, "unexpected %q in start tag <%s>", c, el.Name)
				junk = true
			}
			j++
		}
	}
}

func (l *lexer) finishAttrs(f *frame) {
	el := f.el
	l.attrBuf = el.Attrs[:0]
	if len(el.Attrs) == 0 {
		el.Attrs = nil
	} else {
		el.Attrs = carve(&l.atPtrs, el.Attrs, l.nattrs)
	}
	if a := f.el.Attr("template"); f.opaque && f.el.Name == "set-body" && a != nil &&
		strings.EqualFold(strings.TrimSpace(a.Value.Text), "liquid") {
		f.liquid = true
	}
}

// attr lexes one attribute at i and returns the offset after it.
func (l *lexer) attr(el *Element, i int) int {
	s := l.src
	n := len(s)
	ne := l.name(i)
	a := take(&l.attrs, l.nattrs)
	a.Name, a.Pos = l.d.str[i:ne], l.d.PosAt(i)
	if !plainName(s[i:ne], 1) {
		l.needXML = true
	}
	if el.Attr(a.Name) != nil {
		l.errorf(i, "duplicate attribute %s", a.Name)
	}
	j := l.skipSpace(ne)
	if j >= n || s[j] != '=' {
		l.errorf(i, "attribute %s has no value", a.Name)
		a.Value = buildValue(l.d, &l.arena, []segment{{start: ne, end: ne, rawStart: ne, rawEnd: ne, unscanned: true}}, false)
		el.Attrs = append(el.Attrs, a)
		return ne
	}
	j = l.skipSpace(j + 1)
	if j >= n || s[j] != '"' && s[j] != '\'' {
		l.errorf(j, "value of attribute %s is not quoted", a.Name)
		k := j
		for k < n && !isSpace(s[k]) && s[k] != '>' && !(s[k] == '/' && k+1 < n && s[k+1] == '>') {
			k++
		}
		a.Value = buildValue(l.d, &l.arena, []segment{{start: j, end: k, rawStart: j, rawEnd: k, unscanned: true}}, false)
		el.Attrs = append(el.Attrs, a)
		return k
	}
	q := s[j]
	start := j + 1
	k := start
	leading := true
	for {
		if k >= n {
			l.errorf(j, "unterminated value of attribute %s", a.Name)
			break
		}
		c := s[k]
		if c == q {
			break
		}
		switch {
		case isExprStart(s, k):
			if end, ok := l.expr(k, leading, true); ok {
				k = end
				leading = false
				continue
			} else if leading {
				k = l.resync(k, q)
				continue
			}
		case c == '<':
			l.errorf(k, "'<' in value of attribute %s", a.Name)
		case c == '&':
			if r, m, ok := entityAt(s, k); ok {
				k += m
				leading = leading && r < 0x80 && isSpace(byte(r))
				continue
			}
			l.errorf(k, "invalid entity reference")
		}
		if !isSpace(c) {
			leading = false
		}
		k++
	}
	end := min(k, n)
	a.Value = buildValue(l.d, &l.arena, []segment{{start: start, end: end, rawStart: start, rawEnd: end}}, false)
	l.checkValue(a.Value)
	el.Attrs = append(el.Attrs, a)
	return min(k+1, n)
}

// resync finds where an attribute value whose expression does not close most
// likely ends: the first quote q followed by the end of the tag or by another
// attribute; failing that, the next quote q. It returns the quote's offset.
func (l *lexer) resync(k int, q byte) int {
	s := l.src
	for j := k; j < len(s); j++ {
		if s[j] != q {
			continue
		}
		m := l.skipSpace(j + 1)
		if m >= len(s) || s[m] == '>' || bytes.HasPrefix(s[m:], []byte("/>")) {
			return j
		}
		if m > j+1 && isNameStart(s[m]) {
			if e := l.skipSpace(l.name(m)); e < len(s) && s[e] == '=' {
				return j
			}
		}
	}
	if j := bytes.IndexByte(s[k:], q); j >= 0 {
		return k + j
	}
	return len(s)
}

// endTag lexes "</name>" at i and closes the matching element.
func (l *lexer) endTag(i int) int {
	s := l.src
	ne := l.name(i + 2)
	name := l.d.str[i+2 : ne]
	j := l.skipSpace(ne)
	end := j
	if j < len(s) && s[j] == '>' {
		end = j + 1
	} else {
		l.errorf(j, "malformed end tag </%s>", name)
	}
	if name == "" {
		l.needXML = true
		return end
	}
	if len(l.stack) == 0 {
		l.errorf(i, "unexpected end tag </%s>", name)
		return end
	}
	top := l.stack[len(l.stack)-1]
	if top.el.Name == name {
		l.pop(i)
		return end
	}
	match := -1
	for k := len(l.stack) - 2; k >= 0; k-- {
		if l.stack[k].el.Name == name {
			match = k
			break
		}
	}
	p := top.el.Pos
	l.errorf(i, "end tag </%s> does not match <%s> opened at %d:%d", name, top.el.Name, p.Line, p.Col)
	if match < 0 {
		// Most likely a misspelt end tag: let it close the open element.
		l.pop(i)
		return end
	}
	for len(l.stack) > match {
		l.pop(i)
	}
	return end
}

// pop closes the innermost open element; innerEnd is where its content ends.
func (l *lexer) pop(innerEnd int) {
	f := l.stack[len(l.stack)-1]
	l.stack = l.stack[:len(l.stack)-1]
	f.el.Children = l.children(f)
	f.el.content = [2]int{f.innerStart, innerEnd}
	segs := f.segs
	if f.opaque && f.hasChild {
		segs = []segment{{start: f.innerStart, end: innerEnd, rawStart: f.innerStart, rawEnd: innerEnd, verbatim: true}}
	} else if f.hasChild && allSpace(l.src, segs) {
		segs = nil
	}
	if len(segs) > 0 {
		f.el.Text = buildValue(l.d, &l.arena, segs, f.liquid)
		l.checkValue(f.el.Text)
	}
	l.free = append(l.free, f)
}

func allSpace(src []byte, segs []segment) bool {
	for _, sg := range segs {
		for _, c := range src[sg.start:sg.end] {
			if !isSpace(c) {
				return false
			}
		}
	}
	return true
}

// masked returns the source with every expression replaced by a run of '_'
// of the same length (line breaks kept, so line numbers still agree) and
// declarations blanked, for the XML parser.
func (l *lexer) masked() []byte {
	m := make([]byte, 0, len(l.src)+7)
	m = append(m, "<r>"...)
	m = append(m, l.src...)
	m = append(m, "</r>"...)
	body := m[3 : 3+len(l.src)]
	fill := func(spans [][2]int, c byte) {
		for _, sp := range spans {
			for k := sp[0]; k < sp[1]; k++ {
				if body[k] != '\n' && body[k] != '\r' {
					body[k] = c
				}
			}
		}
	}
	fill(l.exprs, '_')
	fill(l.blank, ' ')
	return m
}

// checkValue warns about values that look like expressions but are literal
// text for APIM: an expression followed by more text, or one padded with
// non-ASCII white space (the project trims ASCII white space only).
func (l *lexer) checkValue(v *Value) {
	if v.liquid {
		return
	}
	if _, ok := v.Expression(); ok {
		return
	}
	t := strings.TrimLeft(v.Text, " \t\r\n")
	lo := len(v.Text) - len(t)
	if isExprStart([]byte(t), 0) {
		sc := exprScanner{s: []byte(t)}
		if end, err := sc.scan(0); err == nil {
			rest := strings.TrimSpace(t[end:])
			if rest != "" {
				l.warnf(v.PosOf(lo), "text after the expression makes the whole value literal text")
			} else {
				l.warnf(v.PosOf(lo), "expression padded with non-ASCII white space is literal text")
			}
		}
		return
	}
	u := strings.TrimSpace(t)
	if u != t && isExprStart([]byte(u), 0) {
		l.warnf(v.PosOf(lo), "expression padded with non-ASCII white space is literal text")
	}
}

func (l *lexer) warnf(p Pos, format string, args ...any) {
	l.errs = append(l.errs, &Error{Pos: p, Code: CodeParse, Msg: fmt.Sprintf(format, args...), Severity: SeverityWarning})
}

// Content parses the content of an opaque element as markup, with positions
// in the document: for xsl-transform, its <parameter> children and the
// stylesheet. Text between the elements is dropped; nested set-body and
// xsl-transform elements are opaque again. It returns nil for an element
// that has no content or was not made by Parse.
func (e *Element) Content() ([]*Element, Errors) {
	if e.doc == nil || e.content[1] <= e.content[0] {
		return nil, nil
	}
	l := newLexer(e.doc, e.content[0], e.content[1])
	l.top.el = &Element{Name: SnippetRoot, Pos: e.doc.PosAt(e.content[0])}
	l.run(e.content[0])
	errs := l.errs.Sort()
	if len(errs) == 0 {
		errs = nil
	}
	return l.top.el.Children, errs
}
