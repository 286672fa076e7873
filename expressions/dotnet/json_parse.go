package dotnet

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// JSONParseTarget names what a parse must produce, for Newtonsoft's
// "Error reading JObject from JsonReader" messages.
type JSONParseTarget int

// Parse targets: JToken.Parse, JObject.Parse, JArray.Parse.
const (
	ParseJToken JSONParseTarget = iota
	ParseJObject
	ParseJArray
)

// ParseJSON parses JSON text the way JToken.Parse does with Newtonsoft's
// defaults: comments skipped, single-quoted strings and unquoted property
// names accepted, trailing commas tolerated, big integers kept exact,
// ISO-8601 strings read as Date values. Errors are JsonReaderExceptions.
func ParseJSON(s string, target JSONParseTarget) (JToken, error) {
	return ParseJSONWithin(nil, s, target)
}

// ParseJSONWithin is ParseJSON within an evaluation's budget: every
// jsonCheckBytes of text read it checks b's deadline and whether the
// request was abandoned, so one long parse stops there (with b's
// *BudgetError) instead of running to its end. A nil b checks nothing.
func ParseJSONWithin(b *Budget, s string, target JSONParseTarget) (JToken, error) {
	p := &jsonParser{s: s, line: 1, budget: b}
	if b != nil {
		if err := b.Check(); err != nil {
			return nil, err
		}
		p.nextCheck = jsonCheckBytes
	}
	name := [...]string{"JToken", "JObject", "JArray"}[target]
	p.skipSpace()
	if p.err != nil {
		return nil, p.err
	}
	if p.i >= len(p.s) {
		if p.i == 0 {
			return nil, jsonReaderError(fmt.Sprintf("Error reading %s from JsonReader.", name), "", 0, 0)
		}
		return nil, p.errf("Error reading %s from JsonReader.", name)
	}
	first := p.s[p.i]
	if target == ParseJObject && first != '{' || target == ParseJArray && first != '[' {
		kind, err := p.firstTokenKind()
		if err != nil {
			return nil, err
		}
		what := "an object"
		if target == ParseJArray {
			what = "an array"
		}
		return nil, p.errf("Error reading %s from JsonReader. Current JsonReader item is not %s: %s.", name, what, kind)
	}
	t := p.value()
	if p.err != nil {
		return nil, p.err
	}
	p.skipSpace()
	if p.err != nil {
		return nil, p.err
	}
	if p.i < len(p.s) {
		r, _ := utf8.DecodeRuneInString(p.s[p.i:])
		p.advance()
		return nil, p.errf("Additional text encountered after finished reading JSON content: %c.", r)
	}
	return t, nil
}

// jsonReaderError builds a Newtonsoft.Json.JsonReaderException.
func jsonReaderError(msg, path string, line, pos int) *Exception {
	return &Exception{Type: "Newtonsoft.Json.JsonReaderException",
		Message: fmt.Sprintf("%s Path '%s', line %d, position %d.", msg, path, line, pos)}
}

type jsonPathElem struct {
	name  string // property name, in an object
	index int    // item index, in an array (-1 before the first)
	array bool
	named bool
}

type jsonParser struct {
	s         string
	i         int
	line      int
	lineStart int // byte offset of the current line
	stack     []jsonPathElem
	err       error
	budget    *Budget // nil: no checks
	nextCheck int     // offset of the next budget check
}

// jsonCheckBytes is how much text a budgeted parse reads between checks of
// its budget: a few hundred microseconds of parsing, against one clock
// read.
const jsonCheckBytes = 64 << 10

// pos is the 1-based character position of the last consumed character, as
// Newtonsoft's LinePosition.
func (p *jsonParser) pos() int { return utf8.RuneCountInString(p.s[p.lineStart:p.i]) }

func (p *jsonParser) path() string {
	var b strings.Builder
	for _, e := range p.stack {
		switch {
		case e.array && e.index >= 0:
			b.WriteString("[" + strconv.Itoa(e.index) + "]")
		case !e.array && e.named:
			jsonWritePathName(&b, e.name)
		}
	}
	return b.String()
}

func (p *jsonParser) errf(format string, args ...any) error {
	if p.err == nil {
		p.err = jsonReaderError(fmt.Sprintf(format, args...), p.path(), p.line, p.pos())
	}
	return p.err
}

// advance consumes one character, tracking lines.
func (p *jsonParser) advance() {
	if p.i >= len(p.s) {
		return
	}
	c := p.s[p.i]
	_, n := utf8.DecodeRuneInString(p.s[p.i:])
	p.i += n
	if c == '\n' || c == '\r' && (p.i >= len(p.s) || p.s[p.i] != '\n') {
		p.line++
		p.lineStart = p.i
	}
}

func (p *jsonParser) skipSpace() {
	for p.i < len(p.s) && p.err == nil {
		c := p.s[p.i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			p.advance()
		case c == '/':
			p.comment()
		case c >= 0x80:
			r, _ := utf8.DecodeRuneInString(p.s[p.i:])
			if !unicode.IsSpace(r) {
				return
			}
			p.advance()
		default:
			return
		}
	}
}

func (p *jsonParser) comment() {
	p.advance()
	if p.i >= len(p.s) {
		p.errf("Unexpected end while parsing comment.")
		return
	}
	switch p.s[p.i] {
	case '/':
		for p.i < len(p.s) && p.s[p.i] != '\n' && p.s[p.i] != '\r' {
			p.advance()
		}
	case '*':
		p.advance()
		for {
			if p.i >= len(p.s) {
				p.errf("Unexpected end while parsing comment.")
				return
			}
			if strings.HasPrefix(p.s[p.i:], "*/") {
				p.advance()
				p.advance()
				return
			}
			p.advance()
		}
	default:
		p.advance()
		p.errf("Error parsing comment. Expected: *, got %c.", p.s[p.i-1])
	}
}

// firstTokenKind reads the first token to name it in a type-mismatch error.
func (p *jsonParser) firstTokenKind() (string, error) {
	c := p.s[p.i]
	switch {
	case c == '[':
		p.advance()
		return "StartArray", nil
	case c == '{':
		p.advance()
		return "StartObject", nil
	}
	t := p.value()
	if p.err != nil {
		return "", p.err
	}
	switch t.Type() {
	case JTokenInteger, JTokenFloat, JTokenString, JTokenBoolean, JTokenNull, JTokenUndefined, JTokenDate:
		return t.Type().String(), nil
	}
	return t.Type().String(), nil
}

func (p *jsonParser) value() JToken {
	if p.skipSpace(); p.err != nil {
		return nil
	}
	if p.budget != nil && p.i >= p.nextCheck {
		p.nextCheck = p.i + jsonCheckBytes
		if err := p.budget.Check(); err != nil {
			p.err = err
			return nil
		}
	}
	if p.i >= len(p.s) {
		p.errf("Unexpected end of content while loading JToken.")
		return nil
	}
	c := p.s[p.i]
	switch {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"' || c == '\'':
		s, ok := p.str()
		if !ok {
			return nil
		}
		if d, ok := jsonParseISODate(s); ok {
			return &JValue{typ: JTokenDate, v: d}
		}
		return JString(s)
	case c == '-' || c == '.' || c >= '0' && c <= '9':
		if strings.HasPrefix(p.s[p.i:], "-Infinity") {
			return p.literal("-Infinity", JFloat(math.Inf(-1)))
		}
		return p.number()
	case c == 't':
		return p.literal("true", JBool(true))
	case c == 'f':
		return p.literal("false", JBool(false))
	case c == 'n':
		if strings.HasPrefix(p.s[p.i:], "new") {
			return p.unexpectedValue()
		}
		return p.literal("null", JNull())
	case c == 'u':
		return p.literal("undefined", &JValue{typ: JTokenUndefined})
	case c == 'N':
		return p.literal("NaN", JFloat(math.NaN()))
	case c == 'I':
		return p.literal("Infinity", JFloat(math.Inf(1)))
	}
	return p.unexpectedValue()
}

// unexpectedValue reports the character at the cursor without consuming
// it, so the position is the count of characters before it; at the very
// start Newtonsoft reports line 0, position 0.
func (p *jsonParser) unexpectedValue() JToken {
	r, _ := utf8.DecodeRuneInString(p.s[p.i:])
	if p.i == 0 {
		p.err = jsonReaderError(fmt.Sprintf("Unexpected character encountered while parsing value: %c.", r), "", 0, 0)
		return nil
	}
	p.errf("Unexpected character encountered while parsing value: %c.", r)
	return nil
}

func (p *jsonParser) literal(word string, t JToken) JToken {
	for k := 0; k < len(word); k++ {
		if p.i >= len(p.s) {
			p.errf("Unexpected end when reading JSON.")
			return nil
		}
		if p.s[p.i] != word[k] {
			if k == 0 {
				return p.unexpectedValue()
			}
			p.advance()
			p.errf("Error parsing %s value.", strings.ToLower(word[:1])+word[1:])
			return nil
		}
		p.advance()
	}
	if p.i < len(p.s) && jsonIsIdentChar(p.s[p.i]) {
		p.advance()
		p.errf("Error parsing %s value.", word)
		return nil
	}
	return t
}

func jsonIsIdentChar(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *jsonParser) number() JToken {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' ||
			c == 'x' || c == 'X' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' {
			p.advance()
			continue
		}
		break
	}
	text := p.s[start:p.i]
	isFloat := strings.ContainsAny(text, ".eE") && !strings.HasPrefix(text, "0x") && !strings.HasPrefix(text, "-0x")
	if !isFloat {
		if n, err := strconv.ParseInt(text, 0, 64); err == nil && !jsonLeadingZero(text) {
			return JInt(n)
		}
		if b, ok := new(big.Int).SetString(text, 10); ok && !jsonLeadingZero(text) {
			return &JValue{typ: JTokenInteger, v: b}
		}
		p.errf("Input string '%s' is not a valid integer.", text)
		return nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !strings.Contains(err.Error(), "range") || text[len(text)-1] == '.' {
		p.errf("Input string '%s' is not a valid number.", text)
		return nil
	}
	return JFloat(f)
}

// jsonLeadingZero rejects "01" (Newtonsoft would read it as octal).
func jsonLeadingZero(t string) bool {
	t = strings.TrimPrefix(t, "-")
	return len(t) > 1 && t[0] == '0' && t[1] != 'x' && t[1] != 'X'
}

// str reads a quoted string starting at the quote.
func (p *jsonParser) str() (string, bool) {
	q := p.s[p.i]
	p.advance()
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			p.errf("Unterminated string. Expected delimiter: %c.", q)
			return "", false
		}
		c := p.s[p.i]
		switch {
		case c == q:
			p.advance()
			return b.String(), true
		case c == '\\':
			p.advance()
			if p.i >= len(p.s) {
				p.errf("Unterminated string. Expected delimiter: %c.", q)
				return "", false
			}
			e := p.s[p.i]
			p.advance()
			switch e {
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case '"', '\'', '\\', '/':
				b.WriteByte(e)
			case 'u':
				units := []uint16{}
				for {
					if p.i+4 > len(p.s) {
						p.i = len(p.s)
						p.errf("Unexpected end while parsing Unicode escape sequence.")
						return "", false
					}
					n, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 16)
					if err != nil {
						p.errf("Invalid Unicode escape sequence: \\u%s.", p.s[p.i:p.i+4])
						return "", false
					}
					for range 4 {
						p.advance()
					}
					units = append(units, uint16(n))
					// a high surrogate pairs with a following \u low surrogate
					if n >= 0xD800 && n < 0xDC00 && strings.HasPrefix(p.s[p.i:], `\u`) {
						p.advance()
						p.advance()
						continue
					}
					break
				}
				b.WriteString(FromUTF16(units))
			default:
				p.errf(`Bad JSON escape sequence: \%c.`, e)
				return "", false
			}
		default:
			start := p.i
			p.advance()
			b.WriteString(p.s[start:p.i])
		}
	}
}

// jsonMaxDepth is Newtonsoft 13's default JsonReader.MaxDepth.
const jsonMaxDepth = 64

func (p *jsonParser) tooDeep() bool {
	if len(p.stack) >= jsonMaxDepth {
		p.errf("The reader's MaxDepth of %d has been exceeded.", jsonMaxDepth)
		return true
	}
	return false
}

// listStep does the separator work objects and arrays share before each
// member: it skips space and reports whether another member follows. It
// consumes the closing delimiter (also after a trailing comma, which
// Newtonsoft tolerates) and records errors in p.err.
func (p *jsonParser) listStep(close byte, what string, first bool) bool {
	if p.skipSpace(); p.err != nil {
		return false
	}
	if p.i >= len(p.s) {
		p.errf("Unexpected end of content while loading %s.", what)
		return false
	}
	c := p.s[p.i]
	if c == close {
		p.advance()
		return false
	}
	if !first {
		if c != ',' {
			p.advance()
			p.errf("After parsing a value an unexpected character was encountered: %c.", rune(c))
			return false
		}
		p.advance()
		if p.skipSpace(); p.err != nil {
			return false
		}
		if p.i >= len(p.s) {
			p.errf("Unexpected end of content while loading %s.", what)
			return false
		}
		if p.s[p.i] == close {
			p.advance()
			return false
		}
	}
	return true
}

func (p *jsonParser) object() JToken {
	p.advance() // {
	if p.tooDeep() {
		return nil
	}
	o := NewJObject()
	p.stack = append(p.stack, jsonPathElem{})
	defer func() { p.stack = p.stack[:len(p.stack)-1] }()
	top := &p.stack[len(p.stack)-1]
	for first := true; ; first = false {
		if !p.listStep('}', "JObject", first) {
			if p.err != nil {
				return nil
			}
			return o
		}
		name, ok := p.propertyName()
		if !ok {
			return nil
		}
		top.name, top.named = name, true
		if p.skipSpace(); p.err != nil {
			return nil
		}
		if p.i >= len(p.s) {
			p.errf("Unexpected end of content while loading JObject.")
			return nil
		}
		if p.s[p.i] != ':' {
			r, _ := utf8.DecodeRuneInString(p.s[p.i:])
			p.advance()
			p.errf("Invalid character after parsing property name. Expected ':' but got: %c.", r)
			return nil
		}
		p.advance()
		if p.skipSpace(); p.err != nil {
			return nil
		}
		if p.i >= len(p.s) {
			p.errf("Unexpected end of content while loading JObject.")
			return nil
		}
		if c := p.s[p.i]; c == ',' || c == '}' {
			p.errf("Unexpected character encountered while parsing value: %c.", rune(c))
			return nil
		}
		v := p.value()
		if p.err != nil {
			return nil
		}
		// DuplicatePropertyNameHandling.Replace: the last value wins.
		o.Set(name, v)
	}
}

func (p *jsonParser) propertyName() (string, bool) {
	c := p.s[p.i]
	if c == '"' || c == '\'' {
		return p.str()
	}
	start := p.i
	for p.i < len(p.s) && (jsonIsIdentChar(p.s[p.i]) || p.s[p.i] >= 0x80) {
		r, _ := utf8.DecodeRuneInString(p.s[p.i:])
		if r >= 0x80 && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			break
		}
		p.advance()
	}
	if p.i == start {
		r, _ := utf8.DecodeRuneInString(p.s[p.i:])
		p.advance()
		p.errf("Invalid property identifier character: %c.", r)
		return "", false
	}
	return p.s[start:p.i], true
}

func (p *jsonParser) array() JToken {
	p.advance() // [
	if p.tooDeep() {
		return nil
	}
	a := &JArray{}
	p.stack = append(p.stack, jsonPathElem{array: true, index: -1})
	defer func() { p.stack = p.stack[:len(p.stack)-1] }()
	top := &p.stack[len(p.stack)-1]
	for first := true; ; first = false {
		if !p.listStep(']', "JArray", first) {
			if p.err != nil {
				return nil
			}
			return a
		}
		top.index++
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.errf("Unexpected character encountered while parsing value: ,.")
			return nil
		}
		v := p.value()
		if p.err != nil {
			return nil
		}
		a.Append(v)
	}
}

// jsonParseISODate recognises the ISO-8601 strings Newtonsoft turns into
// dates under DateParseHandling.DateTime: "yyyy-MM-ddTHH:mm:ss", an optional
// fraction, and an optional "Z" or offset. An offset converts the instant to
// local time (the gateway's zone is UTC) with Kind Local.
func jsonParseISODate(s string) (DateTime, bool) {
	if len(s) < 19 || len(s) > 40 || s[0] < '0' || s[0] > '9' || s[10] != 'T' {
		return DateTime{}, false
	}
	num := func(from, n int) (int, bool) {
		if from+n > len(s) {
			return 0, false
		}
		v := 0
		for k := from; k < from+n; k++ {
			if s[k] < '0' || s[k] > '9' {
				return 0, false
			}
			v = v*10 + int(s[k]-'0')
		}
		return v, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 2)
	d, ok3 := num(8, 2)
	h, ok4 := num(11, 2)
	mi, ok5 := num(14, 2)
	se, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' {
		return DateTime{}, false
	}
	if mo < 1 || mo > 12 || d < 1 || d > jsonDaysIn(y, mo) || h > 23 || mi > 59 || se > 59 || y < 1 {
		return DateTime{}, false
	}
	i := 19
	ticks := 0
	if i < len(s) && s[i] == '.' {
		i++
		digits := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if digits < 7 {
				ticks = ticks*10 + int(s[i]-'0')
			}
			digits++
			i++
		}
		if digits == 0 {
			return DateTime{}, false
		}
		for k := digits; k < 7; k++ {
			ticks *= 10
		}
	}
	t := time.Date(y, time.Month(mo), d, h, mi, se, ticks*100, time.UTC)
	if i == len(s) {
		return DateTime{T: t, Kind: KindUnspecified}, true
	}
	switch s[i] {
	case 'Z':
		if i+1 != len(s) {
			return DateTime{}, false
		}
		return DateTime{T: t, Kind: KindUtc}, true
	case '+', '-':
		sign := 1
		if s[i] == '-' {
			sign = -1
		}
		i++
		oh, ok := num(i, 2)
		if !ok {
			return DateTime{}, false
		}
		i += 2
		om := 0
		if i < len(s) {
			if s[i] == ':' {
				i++
			}
			if om, ok = num(i, 2); !ok {
				return DateTime{}, false
			}
			i += 2
		}
		if i != len(s) || oh > 23 || om > 59 {
			return DateTime{}, false
		}
		off := time.Duration(sign) * (time.Duration(oh)*time.Hour + time.Duration(om)*time.Minute)
		return DateTime{T: t.Add(-off), Kind: KindLocal}, true
	}
	return DateTime{}, false
}

func jsonDaysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
