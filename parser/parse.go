package parser

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

var bom = []byte{0xEF, 0xBB, 0xBF}

// Parse reads policy text: a full document (<policies>), a fragment
// (<fragment>) or a snippet (one or more bare policy statements, which are
// gathered under a synthetic SnippetRoot element). file names the source in
// positions. A leading UTF-8 byte order mark is dropped; offsets count from
// the byte after it.
//
// The document keeps src (minus the BOM) as Source, so src must not be
// modified afterwards. Parse collects every diagnostic it can, sorted. It returns a document
// whenever some element could be read, even with errors, so callers can
// report more; the document is nil only when nothing usable was found.
func Parse(file string, src []byte) (*Document, Errors) {
	return parse(file, src, false)
}

// parse is Parse; alwaysXML runs the XML check even where xmlClean says it
// cannot fail, for the tests that hold the two paths equal.
func parse(file string, src []byte, alwaysXML bool) (*Document, Errors) {
	src = bytes.TrimPrefix(src, bom)
	d := &Document{File: file, Source: src, str: string(src)}
	d.indexLines()
	if len(bytes.TrimSpace(src)) == 0 {
		return nil, Errors{{Pos: d.PosAt(0), Code: CodeParse, Msg: "empty document"}}
	}
	l := newLexer(d, 0, len(src))
	l.top.el = &Element{Name: SnippetRoot, Pos: d.PosAt(0)}
	l.run(0)
	if len(l.errs) == 0 && (alwaysXML || !l.xmlClean()) {
		l.checkXML()
	}
	l.root()
	errs := l.errs.Sort()
	if len(errs) == 0 {
		errs = nil
	}
	if len(l.top.el.Children) == 0 {
		return nil, errs
	}
	return d, errs
}

// ParseFile reads and parses the file at path.
func ParseFile(path string) (*Document, Errors) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, Errors{{Pos: Pos{File: path, Line: 1, Col: 1}, Code: CodeParse, Msg: "cannot read file", Err: err}}
	}
	return Parse(path, src)
}

// root decides the document kind and sets Root.
func (l *lexer) root() {
	d := l.d
	top := l.top.el
	for _, sg := range l.top.segs {
		for k := sg.start; k < sg.end; k++ {
			if !isSpace(l.src[k]) {
				l.errorf(k, "text outside any element")
				break
			}
		}
	}
	if len(top.Children) == 0 {
		if len(l.errs) == 0 {
			l.errorf(0, "no element found")
		}
		return
	}
	first := top.Children[0]
	switch first.Name {
	case "policies", "fragment":
		d.Kind = KindDocument
		if first.Name == "fragment" {
			d.Kind = KindFragment
		}
		d.Root = first
		for _, e := range top.Children[1:] {
			l.errorf(e.Pos.Offset, "element <%s> after the root element <%s>", e.Name, first.Name)
		}
	default:
		d.Kind = KindSnippet
		d.Root = top
		for _, e := range top.Children {
			if e.Name == "policies" || e.Name == "fragment" {
				l.errorf(e.Pos.Offset, "<%s> must be the only root element", e.Name)
			}
		}
	}
}

var xmlErrLine = regexp.MustCompile(`^XML syntax error on line (\d+): `)
var xmlErrNamespace = regexp.MustCompile(`namespace (\S+) is missing`)

// checkXML runs the XML parser over the masked source (expressions replaced
// by placeholders, everything wrapped in one root). On success the element
// tree is rebuilt from the parser's structure, the lexer's elements
// supplying positions and values; on failure its error is reported at the
// best position that can be recovered from its message.
//
// The parser is encoding/xml's strict token reader, walked once: no tree
// of its own is built. As before (the check used to build an xmlquery
// tree over the same tokens), an element whose namespace prefix was never
// declared is an error.
func (l *lexer) checkXML() {
	dec := xml.NewDecoder(bytes.NewReader(l.masked()))
	dec.Strict = true
	declared := map[string]bool{"http://www.w3.org/XML/1998/namespace": true}
	// parent[k] is the index in l.tags of tags[k]'s parent, -1 for the
	// wrapper's children; open is the stack of open elements (-2 for the
	// wrapper itself).
	parent := make([]int, 0, len(l.tags))
	open := make([]int, 0, 16)
	k := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			l.xmlError(err)
			return
		}
		switch t := tok.(type) {
		case xml.StartElement:
			for _, a := range t.Attr {
				if a.Name.Local == "xmlns" && a.Name.Space == "" || a.Name.Space == "xmlns" {
					declared[a.Value] = true
				}
			}
			if t.Name.Space != "" && !declared[t.Name.Space] {
				l.xmlError(fmt.Errorf("invalid XML document, namespace %s is missing", t.Name.Space))
				return
			}
			if len(open) == 0 {
				open = append(open, -2) // the wrapper
				continue
			}
			if k >= len(l.tags) || !sameName(l.tags[k].Name, t.Name.Local) || len(l.tags[k].Attrs) != len(t.Attr) {
				l.errorf(0, "internal error: the XML parser and the lexer disagree on the element tree")
				return
			}
			p := open[len(open)-1]
			if p == -2 {
				p = -1
			}
			parent = append(parent, p)
			open = append(open, k)
			k++
		case xml.EndElement:
			open = open[:len(open)-1]
		}
	}
	if len(open) != 0 || k != len(l.tags) {
		l.errorf(0, "internal error: the XML parser and the lexer disagree on the element tree")
		return
	}
	// The tree shape comes from the XML parser. Opaque elements keep the
	// lexer's children; elements inside opaque content are not placed.
	placed := make([]bool, len(l.tags))
	l.top.el.Children = l.top.el.Children[:0]
	for i, el := range l.tags {
		if l.tagInOpq[i] {
			continue
		}
		var into *Element
		switch p := parent[i]; {
		case p == -1:
			into = l.top.el
		case placed[p] && !l.tags[p].Opaque:
			into = l.tags[p]
		default:
			continue
		}
		into.Children = append(into.Children, el)
		placed[i] = true
		if !el.Opaque {
			el.Children = el.Children[:0]
		}
	}
}

// xmlClean reports whether checkXML is certain to succeed on a source the
// lexer accepted without a diagnostic, leaving the lexer's tree as it is:
// no markup that set needXML, every character a valid XML character in
// valid UTF-8, no character references (encoding/xml decodes them more
// leniently than entityAt), and "]]>" only where CDATA sections end.
// (Masking replaces bytes with valid ones, so checking the unmasked source
// is stricter.) Otherwise checkXML runs and reports as it always did.
func (l *lexer) xmlClean() bool {
	if l.needXML {
		return false
	}
	s := l.src
	for i := 0; i < len(s); i++ {
		c := s[i]
		if xmlPlain[c] {
			continue
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && n == 1 || !isXMLChar(r) {
				return false
			}
			i += n - 1
			continue
		}
		if c != '&' || i+1 < len(s) && s[i+1] == '#' {
			return false
		}
	}
	return bytes.Count(s, []byte("]]>")) == l.cdata
}

// xmlPlain marks the bytes xmlClean passes over: ASCII except '&' and the
// control characters XML forbids.
var xmlPlain = func() (t [256]bool) {
	for c := range utf8.RuneSelf {
		t[c] = c >= 0x20 || c == '\t' || c == '\n' || c == '\r'
	}
	t['&'] = false
	return t
}()

// sameName reports whether the lexer's qualified name has the parser's
// local name.
func sameName(qname, local string) bool {
	return qname == local || strings.HasSuffix(qname, local) && qname[len(qname)-len(local)-1] == ':'
}

// xmlError reports an XML parser error. The parser only knows lines; the
// column is that of the first non-blank character of the line.
func (l *lexer) xmlError(err error) {
	msg := err.Error()
	off := 0
	if m := xmlErrLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
		if line >= 1 && line <= len(l.d.lines) {
			off, _ = l.d.lineStart(line - 1)
			for off < len(l.src) && (l.src[off] == ' ' || l.src[off] == '\t') {
				off++
			}
			off = l.refine(off, msg)
		}
	} else if m := xmlErrNamespace.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("namespace prefix %s is not declared", m[1])
		for _, t := range l.tags {
			if strings.HasPrefix(t.Name, m[1]+":") {
				off = t.Pos.Offset
				break
			}
		}
	}
	msg = strings.TrimPrefix(msg, "xmlquery: ")
	l.errs = append(l.errs, &Error{Pos: l.d.PosAt(off), Code: CodeParse, Msg: msg, Err: err})
}

var xmlErrChar = regexp.MustCompile(`illegal character code U\+([0-9A-Fa-f]+)`)

// refine moves an XML parser error from the start of its line to the
// offending character when the message names one.
func (l *lexer) refine(off int, msg string) int {
	var want rune = -1
	if m := xmlErrChar.FindStringSubmatch(msg); m != nil {
		v, err := strconv.ParseInt(m[1], 16, 32)
		if err != nil {
			return off
		}
		want = rune(v)
	} else if !strings.Contains(msg, "invalid UTF-8") {
		return off
	}
	for k := off; k < len(l.src); {
		r, n := utf8.DecodeRune(l.src[k:])
		if want < 0 && r == utf8.RuneError && n == 1 || want >= 0 && r == want {
			return k
		}
		k += n
	}
	return off
}

// indexLines records the offsets of line starts. A line start is stored
// negated (minus one) when the line holds a non-ASCII byte, so PosAt needs to
// count runes only on such lines.
func (d *Document) indexLines() {
	s := d.Source
	if d.lines == nil {
		d.lines = make([]int, 0, bytes.Count(s, []byte("\n"))+1)
	}
	d.lines = d.lines[:0]
	d.runes = d.runes[:0]
	nonASCII := false
	for start := 0; ; {
		end := len(s)
		if k := bytes.IndexByte(s[start:], '\n'); k >= 0 {
			end = start + k
		}
		if isASCII(s[start:end]) {
			d.lines = append(d.lines, start)
		} else {
			d.lines = append(d.lines, -start-1)
			nonASCII = true
		}
		if end == len(s) {
			break
		}
		start = end + 1
	}
	if nonASCII {
		// Prefix counts of rune starts per block keep PosAt fast on long
		// non-ASCII lines (minified policies).
		n := int32(0)
		for i, c := range d.Source {
			if i%runeBlock == 0 {
				d.runes = append(d.runes, n)
			}
			if !utf8.RuneStart(c) {
				continue
			}
			n++
		}
		if len(d.Source)%runeBlock == 0 {
			d.runes = append(d.runes, n)
		}
	}
}

// isASCII reports whether b has no byte >= 0x80.
func isASCII(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// runeBlock is the block size of Document.runes.
const runeBlock = 64

// runesBefore returns the number of rune starts in d.Source[:off].
func (d *Document) runesBefore(off int) int {
	b := off / runeBlock
	n := int(d.runes[b])
	for _, c := range d.Source[b*runeBlock : off] {
		if utf8.RuneStart(c) {
			n++
		}
	}
	return n
}

// lineStart returns the offset at which line index i starts and whether the
// line is all ASCII.
func (d *Document) lineStart(i int) (int, bool) {
	s := d.lines[i]
	if s < 0 {
		return -s - 1, false
	}
	return s, true
}

// PosAt returns the position of byte offset in d.Source. Columns count
// runes; offset may be len(d.Source). Parse prepares the index PosAt
// needs, so PosAt is then safe for concurrent use.
func (d *Document) PosAt(offset int) Pos {
	if d.lines == nil {
		d.indexLines()
	}
	offset = max(0, min(offset, len(d.Source)))
	line := sort.Search(len(d.lines), func(i int) bool {
		s, _ := d.lineStart(i)
		return s > offset
	}) - 1
	start, ascii := d.lineStart(line)
	col := offset - start + 1
	if !ascii {
		// Columns count rune starts: runes in valid UTF-8; a stray
		// continuation byte does not count.
		col = d.runesBefore(offset) - d.runesBefore(start) + 1
	}
	return Pos{File: d.File, Line: line + 1, Col: col, Offset: offset}
}
