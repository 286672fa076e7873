package syntax

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tInt
	tReal
	tChar
	tString
	tInterp
	tOp
)

// token is one lexical token. For identifiers text is the name (without a
// leading '@'); for operators it is the operator; for literals it is the
// decoded value (digits for numbers).
type token struct {
	kind     tokKind
	pos, end int
	text     string
	suffix   string
	verbatim bool // '@'-escaped identifier: never a keyword
	parts    []interpSeg
}

// interpSeg is a literal run or a hole of an interpolated string, as byte
// ranges into the source so the hole can be lexed and parsed in place.
type interpSeg struct {
	text                 string
	hole                 bool
	from, to             int // expression range
	alignFrom, alignTo   int // alignment range, alignFrom < 0 if absent
	format               string
	hasFormat            bool
	holeStart, holeClose int // offsets of '{' and '}'
}

// keywords are the reserved C# keywords; a non-verbatim identifier with one of
// these names is a keyword.
var keywords = map[string]bool{
	"abstract": true, "as": true, "base": true, "bool": true, "break": true, "byte": true,
	"case": true, "catch": true, "char": true, "checked": true, "class": true, "const": true,
	"continue": true, "decimal": true, "default": true, "delegate": true, "do": true,
	"double": true, "else": true, "enum": true, "event": true, "explicit": true, "extern": true,
	"false": true, "finally": true, "fixed": true, "float": true, "for": true, "foreach": true,
	"goto": true, "if": true, "implicit": true, "in": true, "int": true, "interface": true,
	"internal": true, "is": true, "lock": true, "long": true, "namespace": true, "new": true,
	"null": true, "object": true, "operator": true, "out": true, "override": true, "params": true,
	"private": true, "protected": true, "public": true, "readonly": true, "ref": true,
	"return": true, "sbyte": true, "sealed": true, "short": true, "sizeof": true,
	"stackalloc": true, "static": true, "string": true, "struct": true, "switch": true,
	"this": true, "throw": true, "true": true, "try": true, "typeof": true, "uint": true,
	"ulong": true, "unchecked": true, "unsafe": true, "ushort": true, "using": true,
	"virtual": true, "void": true, "volatile": true, "while": true,
}

// predefined are the keyword type names.
var predefined = map[string]bool{
	"bool": true, "byte": true, "sbyte": true, "char": true, "decimal": true, "double": true,
	"float": true, "int": true, "uint": true, "long": true, "ulong": true, "object": true,
	"short": true, "ushort": true, "string": true, "void": true,
}

// ops lists the operators and punctuators. '>' is always lexed alone so that
// nested generics close cleanly; the parser joins >> and >>=.
var ops = []string{
	"<<=", "??=",
	"=>", "==", "!=", "<=", ">=", "<<", "&&", "||", "??", "?.", "?[", "++", "--",
	"+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "::",
	"+", "-", "*", "/", "%", "&", "|", "^", "!", "~", "=", "<", ">", "?", ":", ";",
	",", ".", "(", ")", "[", "]", "{", "}",
}

// opSet maps each operator to itself so that token texts share storage.
var opSet = func() map[string]string {
	m := make(map[string]string, len(ops))
	for _, op := range ops {
		m[op] = op
	}
	return m
}()

type lexer struct {
	src  string
	pos  int
	end  int
	toks []token
}

// lex tokenizes src[from:to]. Offsets stay absolute.
func lex(src string, from, to int) ([]token, *Error) {
	lx := &lexer{src: src, pos: from, end: to, toks: make([]token, 0, (to-from)/4+2)}
	for {
		t, err := lx.next()
		if err != nil {
			return nil, err
		}
		lx.toks = append(lx.toks, t)
		if t.kind == tEOF {
			return lx.toks, nil
		}
	}
}

func errAt(pos int, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Pos: Pos(pos), Msg: msg}
}

func isIdentStart(r rune) bool {
	return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80 && unicode.IsLetter(r)
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || r >= '0' && r <= '9' ||
		r >= 0x80 && (unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || unicode.Is(unicode.Pc, r))
}

func (lx *lexer) peekByte(off int) byte {
	if lx.pos+off < lx.end {
		return lx.src[lx.pos+off]
	}
	return 0
}

func (lx *lexer) skipSpace() *Error {
	for lx.pos < lx.end {
		c := lx.src[lx.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			lx.pos++
		case c == '/' && lx.peekByte(1) == '/':
			for lx.pos < lx.end && lx.src[lx.pos] != '\n' {
				lx.pos++
			}
		case c == '/' && lx.peekByte(1) == '*':
			i := strings.Index(lx.src[lx.pos+2:lx.end], "*/")
			if i < 0 {
				return errAt(lx.pos, "unterminated comment")
			}
			lx.pos += 2 + i + 2
		case c >= 0x80:
			r, n := utf8.DecodeRuneInString(lx.src[lx.pos:lx.end])
			if r == '\u00a0' || r == '\ufeff' || unicode.IsSpace(r) {
				lx.pos += n
				continue
			}
			return nil
		default:
			return nil
		}
	}
	return nil
}

func (lx *lexer) next() (token, *Error) {
	if err := lx.skipSpace(); err != nil {
		return token{}, err
	}
	start := lx.pos
	if lx.pos >= lx.end {
		return token{kind: tEOF, pos: start, end: start}, nil
	}
	c := lx.src[lx.pos]
	switch {
	case c == '"':
		s, err := lx.regularString()
		return token{kind: tString, pos: start, end: lx.pos, text: s}, err
	case c == '\'':
		s, err := lx.charLit()
		return token{kind: tChar, pos: start, end: lx.pos, text: s}, err
	case c == '@' && lx.peekByte(1) == '"':
		lx.pos++
		s, err := lx.verbatimString(start)
		return token{kind: tString, pos: start, end: lx.pos, text: s}, err
	case c == '$' && lx.peekByte(1) == '"':
		lx.pos += 1
		parts, err := lx.interp(start, false)
		return token{kind: tInterp, pos: start, end: lx.pos, parts: parts}, err
	case (c == '$' && lx.peekByte(1) == '@' || c == '@' && lx.peekByte(1) == '$') && lx.peekByte(2) == '"':
		lx.pos += 2
		parts, err := lx.interp(start, true)
		return token{kind: tInterp, pos: start, end: lx.pos, parts: parts}, err
	case c >= '0' && c <= '9' || c == '.' && lx.peekByte(1) >= '0' && lx.peekByte(1) <= '9':
		return lx.number()
	case c == '@':
		lx.pos++
		r, _ := utf8.DecodeRuneInString(lx.src[lx.pos:lx.end])
		if lx.pos >= lx.end || !isIdentStart(r) {
			return token{}, errAt(start, "unexpected '@'")
		}
		name := lx.ident()
		return token{kind: tIdent, pos: start, end: lx.pos, text: name, verbatim: true}, nil
	}
	r, n := utf8.DecodeRuneInString(lx.src[lx.pos:lx.end])
	if isIdentStart(r) {
		name := lx.ident()
		return token{kind: tIdent, pos: start, end: lx.pos, text: name}, nil
	}
	// Longest match first. "?." followed by a digit is "?" then a real
	// literal (a ? .5 : 1).
	for n := 3; n >= 1; n-- {
		if lx.pos+n > lx.end {
			continue
		}
		op, ok := opSet[lx.src[lx.pos:lx.pos+n]]
		if !ok || op == "?." && isDigit(lx.peekByte(2), false) {
			continue
		}
		lx.pos += n
		return token{kind: tOp, pos: start, end: lx.pos, text: op}, nil
	}
	if r == utf8.RuneError && n <= 1 {
		return token{}, errAt(start, "invalid UTF-8 byte")
	}
	return token{}, errAt(start, "unexpected character %q", r)
}

func (lx *lexer) ident() string {
	start := lx.pos
	for lx.pos < lx.end {
		r, n := utf8.DecodeRuneInString(lx.src[lx.pos:lx.end])
		if !isIdentPart(r) {
			break
		}
		lx.pos += n
	}
	return lx.src[start:lx.pos]
}

func isDigit(c byte, hex bool) bool {
	return c >= '0' && c <= '9' || hex && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')
}

func (lx *lexer) number() (token, *Error) {
	start := lx.pos
	var b strings.Builder
	digits := func(hex bool) int {
		n := 0
		for lx.pos < lx.end {
			c := lx.src[lx.pos]
			if c == '_' {
				lx.pos++
				continue
			}
			if !isDigit(c, hex) {
				break
			}
			b.WriteByte(c)
			lx.pos++
			n++
		}
		return n
	}
	kind := tInt
	c1 := lx.peekByte(1)
	if lx.src[lx.pos] == '0' && (c1 == 'x' || c1 == 'X' || c1 == 'b' || c1 == 'B') {
		hex := c1 == 'x' || c1 == 'X'
		b.WriteString(strings.ToLower(lx.src[lx.pos : lx.pos+2]))
		lx.pos += 2
		n := 0
		if hex {
			n = digits(true)
		} else {
			for lx.pos < lx.end && (lx.src[lx.pos] == '0' || lx.src[lx.pos] == '1' || lx.src[lx.pos] == '_') {
				if lx.src[lx.pos] != '_' {
					b.WriteByte(lx.src[lx.pos])
					n++
				}
				lx.pos++
			}
		}
		if n == 0 {
			return token{}, errAt(start, "invalid number literal")
		}
	} else {
		digits(false)
		if lx.peekByte(0) == '.' && isDigit(lx.peekByte(1), false) {
			kind = tReal
			b.WriteByte('.')
			lx.pos++
			digits(false)
		}
		if e := lx.peekByte(0); e == 'e' || e == 'E' {
			save, blen := lx.pos, b.Len()
			lx.pos++
			b.WriteByte('e')
			if s := lx.peekByte(0); s == '+' || s == '-' {
				b.WriteByte(s)
				lx.pos++
			}
			if digits(false) == 0 {
				lx.pos = save
				s := b.String()[:blen]
				b.Reset()
				b.WriteString(s)
				return token{}, errAt(start, "invalid number literal")
			}
			kind = tReal
		}
	}
	// suffix
	sfx := ""
	for lx.pos < lx.end {
		c := lx.src[lx.pos] | 0x20
		if c == 'u' || c == 'l' || c == 'f' || c == 'd' || c == 'm' {
			sfx += string(c)
			lx.pos++
			continue
		}
		break
	}
	switch sfx {
	case "":
	case "u", "l", "ul":
	case "lu":
		sfx = "ul"
	case "f", "d", "m":
		if strings.HasPrefix(b.String(), "0x") || strings.HasPrefix(b.String(), "0b") {
			if sfx != "f" && sfx != "d" {
				return token{}, errAt(start, "invalid number literal")
			}
		}
		kind = tReal
	default:
		return token{}, errAt(start, "invalid number suffix %q", lx.src[lx.pos-len(sfx):lx.pos])
	}
	if kind == tReal && (sfx == "u" || sfx == "l" || sfx == "ul") {
		return token{}, errAt(start, "invalid real literal suffix")
	}
	if lx.pos < lx.end {
		if r, _ := utf8.DecodeRuneInString(lx.src[lx.pos:lx.end]); isIdentPart(r) {
			return token{}, errAt(start, "invalid number literal")
		}
	}
	return token{kind: kind, pos: start, end: lx.pos, text: b.String(), suffix: sfx}, nil
}

// escape decodes one escape sequence starting at the backslash.
func (lx *lexer) escape(b *strings.Builder) *Error {
	start := lx.pos
	lx.pos++ // '\'
	if lx.pos >= lx.end {
		return errAt(start, "unrecognized escape sequence")
	}
	c := lx.src[lx.pos]
	lx.pos++
	switch c {
	case '\'', '"', '\\':
		b.WriteByte(c)
	case '0':
		b.WriteByte(0)
	case 'a':
		b.WriteByte(7)
	case 'b':
		b.WriteByte(8)
	case 'f':
		b.WriteByte(12)
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'v':
		b.WriteByte(11)
	case 'u', 'U', 'x':
		n := 4
		if c == 'U' {
			n = 8
		}
		v := 0
		i := 0
		for ; i < n && lx.pos < lx.end && isDigit(lx.src[lx.pos], true); i++ {
			d, _ := strconv.ParseUint(lx.src[lx.pos:lx.pos+1], 16, 8)
			v = v<<4 | int(d)
			lx.pos++
		}
		if i == 0 || c != 'x' && i < n {
			return errAt(start, "unrecognized escape sequence")
		}
		if v > unicode.MaxRune {
			return errAt(start, "unrecognized escape sequence")
		}
		// C# strings are UTF-16: join an escaped surrogate pair.
		if v >= 0xD800 && v < 0xDC00 && c == 'u' && lx.pos+6 <= lx.end && lx.src[lx.pos] == '\\' && lx.src[lx.pos+1] == 'u' {
			if lo, err := strconv.ParseUint(lx.src[lx.pos+2:lx.pos+6], 16, 32); err == nil && lo >= 0xDC00 && lo < 0xE000 {
				v = 0x10000 + (v-0xD800)<<10 + int(lo-0xDC00)
				lx.pos += 6
			}
		}
		b.WriteRune(rune(v))
	default:
		return errAt(start, "unrecognized escape sequence")
	}
	return nil
}

func (lx *lexer) regularString() (string, *Error) {
	start := lx.pos
	lx.pos++
	var b strings.Builder
	for {
		if lx.pos >= lx.end || lx.src[lx.pos] == '\n' || lx.src[lx.pos] == '\r' {
			return "", errAt(start, "unterminated string literal")
		}
		c := lx.src[lx.pos]
		switch c {
		case '"':
			lx.pos++
			return b.String(), nil
		case '\\':
			if err := lx.escape(&b); err != nil {
				return "", err
			}
		default:
			b.WriteByte(c)
			lx.pos++
		}
	}
}

// verbatimString reads "..." with "" escapes; lx.pos is at the quote.
func (lx *lexer) verbatimString(start int) (string, *Error) {
	lx.pos++
	var b strings.Builder
	for {
		if lx.pos >= lx.end {
			return "", errAt(start, "unterminated string literal")
		}
		c := lx.src[lx.pos]
		if c == '"' {
			if lx.peekByte(1) == '"' {
				b.WriteByte('"')
				lx.pos += 2
				continue
			}
			lx.pos++
			return b.String(), nil
		}
		b.WriteByte(c)
		lx.pos++
	}
}

func (lx *lexer) charLit() (string, *Error) {
	start := lx.pos
	lx.pos++
	var b strings.Builder
	for {
		if lx.pos >= lx.end || lx.src[lx.pos] == '\n' || lx.src[lx.pos] == '\r' {
			return "", errAt(start, "unterminated character literal")
		}
		c := lx.src[lx.pos]
		if c == '\'' {
			lx.pos++
			break
		}
		if c == '\\' {
			if err := lx.escape(&b); err != nil {
				return "", err
			}
			continue
		}
		_, n := utf8.DecodeRuneInString(lx.src[lx.pos:lx.end])
		b.WriteString(lx.src[lx.pos : lx.pos+n])
		lx.pos += n
	}
	s := b.String()
	switch utf8.RuneCountInString(s) {
	case 0:
		return "", errAt(start, "empty character literal")
	case 1:
		return s, nil
	}
	return "", errAt(start, "too many characters in character literal")
}

// interp reads an interpolated string; lx.pos is at the opening quote.
func (lx *lexer) interp(start int, verbatim bool) ([]interpSeg, *Error) {
	lx.pos++
	var parts []interpSeg
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			parts = append(parts, interpSeg{text: b.String()})
			b.Reset()
		}
	}
	for {
		if lx.pos >= lx.end || !verbatim && (lx.src[lx.pos] == '\n' || lx.src[lx.pos] == '\r') {
			return nil, errAt(start, "unterminated string literal")
		}
		c := lx.src[lx.pos]
		switch {
		case c == '"' && verbatim && lx.peekByte(1) == '"':
			b.WriteByte('"')
			lx.pos += 2
		case c == '"':
			lx.pos++
			flush()
			return parts, nil
		case c == '\\' && !verbatim:
			if err := lx.escape(&b); err != nil {
				return nil, err
			}
		case c == '{' && lx.peekByte(1) == '{':
			b.WriteByte('{')
			lx.pos += 2
		case c == '}' && lx.peekByte(1) == '}':
			b.WriteByte('}')
			lx.pos += 2
		case c == '}':
			return nil, errAt(lx.pos, "unescaped '}' in interpolated string")
		case c == '{':
			flush()
			seg, err := lx.hole(verbatim)
			if err != nil {
				return nil, err
			}
			parts = append(parts, seg)
		default:
			b.WriteByte(c)
			lx.pos++
		}
	}
}

// hole scans {expr[,align][:format]} honouring nested literals and brackets.
func (lx *lexer) hole(verbatim bool) (interpSeg, *Error) {
	open := lx.pos
	lx.pos++
	seg := interpSeg{hole: true, from: lx.pos, alignFrom: -1, holeStart: open}
	depth := 0
	exprEnd := -1
	for {
		if lx.pos >= lx.end {
			return seg, errAt(open, "unterminated interpolation hole")
		}
		c := lx.src[lx.pos]
		switch {
		case c == '"' || c == '\'' || c == '@' && (lx.peekByte(1) == '"' || lx.peekByte(1) == '$') || c == '$' && (lx.peekByte(1) == '"' || lx.peekByte(1) == '@'):
			if c == '@' && lx.peekByte(1) == '$' && lx.peekByte(2) != '"' || c == '$' && lx.peekByte(1) == '@' && lx.peekByte(2) != '"' {
				lx.pos++
				continue
			}
			// Reuse the token scanner for nested literals.
			if _, err := lx.next(); err != nil {
				return seg, err
			}
		case c == '/' && (lx.peekByte(1) == '/' || lx.peekByte(1) == '*'):
			if err := lx.skipSpace(); err != nil {
				return seg, err
			}
		case c == '(' || c == '[' || c == '{':
			depth++
			lx.pos++
		case (c == ')' || c == ']') && depth > 0:
			depth--
			lx.pos++
		case c == '}' && depth > 0:
			depth--
			lx.pos++
		case c == '}':
			if exprEnd < 0 {
				exprEnd = lx.pos
			} else if seg.alignFrom >= 0 && seg.alignTo == 0 {
				seg.alignTo = lx.pos
			}
			seg.to = exprEnd
			seg.holeClose = lx.pos
			lx.pos++
			return seg, nil
		case c == ',' && depth == 0 && exprEnd < 0:
			exprEnd = lx.pos
			lx.pos++
			seg.alignFrom = lx.pos
		case c == ':' && lx.peekByte(1) == ':':
			lx.pos += 2 // alias qualifier, not a format
		case c == ':' && depth == 0:
			if exprEnd < 0 {
				exprEnd = lx.pos
			} else if seg.alignFrom >= 0 {
				seg.alignTo = lx.pos
			}
			lx.pos++
			// The format runs to the closing brace.
			fs := lx.pos
			for lx.pos < lx.end && lx.src[lx.pos] != '}' {
				if !verbatim && lx.src[lx.pos] == '"' || lx.src[lx.pos] == '\n' && !verbatim {
					return seg, errAt(open, "unterminated interpolation hole")
				}
				lx.pos++
			}
			if lx.pos >= lx.end {
				return seg, errAt(open, "unterminated interpolation hole")
			}
			seg.format = lx.src[fs:lx.pos]
			seg.hasFormat = true
			seg.to = exprEnd
			seg.holeClose = lx.pos
			lx.pos++
			return seg, nil
		default:
			lx.pos++
		}
	}
}
