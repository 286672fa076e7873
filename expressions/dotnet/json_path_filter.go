package dotnet

import (
	"regexp"
	"strconv"
	"strings"
)

// JSONPath filter expressions, [?(...)], as Newtonsoft evaluates them: the
// filter keeps each child of the current token for which the expression
// holds. Operands are @ or $ paths, numbers, 'strings', true, false and
// null; operators ==, !=, <, <=, >, >=, =~ /regex/, && and || with
// parentheses; a bare path tests that it selects something.

type jsonFilter interface {
	match(root, t JToken) bool
}

type jsonFilterAnd struct{ a, b jsonFilter }
type jsonFilterOr struct{ a, b jsonFilter }
type jsonFilterExists struct{ path jsonFilterOperand }
type jsonFilterCmp struct {
	op   string
	l, r jsonFilterOperand
	re   *regexp.Regexp
}

// jsonFilterOperand is a path from @ (rel) or $ (root), or a literal value.
type jsonFilterOperand struct {
	steps []jsonPathStep
	root  bool
	lit   *JValue
}

func (f jsonFilterAnd) match(root, t JToken) bool { return f.a.match(root, t) && f.b.match(root, t) }
func (f jsonFilterOr) match(root, t JToken) bool  { return f.a.match(root, t) || f.b.match(root, t) }
func (f jsonFilterExists) match(root, t JToken) bool {
	return len(f.path.values(root, t)) > 0
}

func (o jsonFilterOperand) values(root, t JToken) []JToken {
	if o.lit != nil {
		return []JToken{o.lit}
	}
	cur := []JToken{t}
	if o.root {
		cur = []JToken{root}
	}
	for _, s := range o.steps {
		var next []JToken
		for _, c := range cur {
			next, _ = jsonApplyStep(next, root, c, s)
		}
		cur = next
	}
	return cur
}

func (f jsonFilterCmp) match(root, t JToken) bool {
	for _, l := range f.l.values(root, t) {
		lv, ok := l.(*JValue)
		if f.re != nil {
			if s, isStr := jsonValueText(lv); ok && isStr && f.re.MatchString(s) {
				return true
			}
			continue
		}
		for _, r := range f.r.values(root, t) {
			rv, rok := r.(*JValue)
			if !ok || !rok {
				if f.op == "!=" {
					return true
				}
				continue
			}
			if jsonFilterCompare(f.op, lv, rv) {
				return true
			}
		}
	}
	return false
}

func jsonValueText(v *JValue) (string, bool) {
	if v == nil || v.typ != JTokenString {
		return "", false
	}
	s, ok := v.v.(string)
	return s, ok
}

// jsonFilterCompare compares two values as Newtonsoft's query does: numbers
// by value whatever their token type, otherwise the same type and value.
func jsonFilterCompare(op string, a, b *JValue) bool {
	c, comparable := 0, false
	an, aok := jsonFloatOf(a.v)
	bn, bok := jsonFloatOf(b.v)
	switch {
	case (a.typ == JTokenInteger || a.typ == JTokenFloat) && (b.typ == JTokenInteger || b.typ == JTokenFloat) && aok && bok:
		comparable = true
		switch {
		case an < bn:
			c = -1
		case an > bn:
			c = 1
		}
	case a.typ == b.typ || (a.typ == JTokenString || b.typ == JTokenString):
		if a.typ == JTokenNull || b.typ == JTokenNull {
			comparable = a.typ == b.typ
			break
		}
		comparable = a.typ == b.typ || jsonInvariantString(a.v) == jsonInvariantString(b.v)
		c = strings.Compare(jsonInvariantString(a.v), jsonInvariantString(b.v))
	}
	switch op {
	case "==":
		return comparable && c == 0
	case "!=":
		return !comparable || c != 0
	case "<":
		return comparable && c < 0
	case "<=":
		return comparable && c <= 0
	case ">":
		return comparable && c > 0
	case ">=":
		return comparable && c >= 0
	}
	return false
}

// jsonParseFilter parses the expression of [?( ... )] starting after "?(";
// it returns the filter and the index after the closing ")]".
func jsonParseFilter(path string, i int) (jsonFilter, int, error) {
	p := &jsonFilterParser{s: path, i: i}
	f, err := p.or()
	if err != nil {
		return nil, 0, err
	}
	p.space()
	if !p.eat(")") {
		return nil, 0, jsonPathError("Unexpected character while parsing path query: %s", p.rest())
	}
	p.space()
	if !p.eat("]") {
		return nil, 0, jsonPathError("Unexpected end while parsing path.")
	}
	return f, p.i, nil
}

type jsonFilterParser struct {
	s string
	i int
}

func (p *jsonFilterParser) space() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *jsonFilterParser) eat(tok string) bool {
	if strings.HasPrefix(p.s[p.i:], tok) {
		p.i += len(tok)
		return true
	}
	return false
}

func (p *jsonFilterParser) rest() string {
	if p.i >= len(p.s) {
		return ""
	}
	return p.s[p.i : p.i+1]
}

func (p *jsonFilterParser) or() (jsonFilter, error) {
	a, err := p.and()
	if err != nil {
		return nil, err
	}
	for {
		p.space()
		if !p.eat("||") {
			return a, nil
		}
		b, err := p.and()
		if err != nil {
			return nil, err
		}
		a = jsonFilterOr{a, b}
	}
}

func (p *jsonFilterParser) and() (jsonFilter, error) {
	a, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		p.space()
		if !p.eat("&&") {
			return a, nil
		}
		b, err := p.primary()
		if err != nil {
			return nil, err
		}
		a = jsonFilterAnd{a, b}
	}
}

func (p *jsonFilterParser) primary() (jsonFilter, error) {
	p.space()
	if p.eat("(") {
		f, err := p.or()
		if err != nil {
			return nil, err
		}
		p.space()
		if !p.eat(")") {
			return nil, jsonPathError("Unexpected character while parsing path query: %s", p.rest())
		}
		return f, nil
	}
	l, err := p.operand()
	if err != nil {
		return nil, err
	}
	p.space()
	for _, op := range []string{"==", "!=", "<=", ">=", "=~", "<", ">"} {
		if !p.eat(op) {
			continue
		}
		p.space()
		if op == "=~" {
			re, err := p.regex()
			if err != nil {
				return nil, err
			}
			return jsonFilterCmp{op: op, l: l, re: re}, nil
		}
		r, err := p.operand()
		if err != nil {
			return nil, err
		}
		return jsonFilterCmp{op: op, l: l, r: r}, nil
	}
	if l.lit != nil {
		return nil, jsonPathError("Unexpected character while parsing path query: %s", p.rest())
	}
	return jsonFilterExists{l}, nil
}

func (p *jsonFilterParser) regex() (*regexp.Regexp, error) {
	if !p.eat("/") {
		return nil, jsonPathError("Unexpected character while parsing path query: %s", p.rest())
	}
	end := strings.LastIndexByte(p.s[p.i:], '/')
	if end < 0 {
		return nil, jsonPathError("Path ended with an open regex.")
	}
	body := p.s[p.i : p.i+end]
	p.i += end + 1
	flags := ""
	for p.i < len(p.s) && strings.IndexByte("imsx", p.s[p.i]) >= 0 {
		flags += string(p.s[p.i])
		p.i++
	}
	if flags != "" {
		body = "(?" + flags + ")" + body
	}
	re, err := regexp.Compile(body)
	if err != nil {
		return nil, Throw("System.ArgumentException", "Invalid pattern '%s'.", body)
	}
	return re, nil
}

func (p *jsonFilterParser) operand() (jsonFilterOperand, error) {
	p.space()
	if p.i >= len(p.s) {
		return jsonFilterOperand{}, jsonPathError("Path ended with open query.")
	}
	switch c := p.s[p.i]; {
	case c == '@' || c == '$':
		p.i++
		start := p.i
		depth := 0
		for p.i < len(p.s) {
			ch := p.s[p.i]
			if ch == '[' {
				depth++
			} else if ch == ']' {
				if depth == 0 {
					break
				}
				depth--
			} else if depth == 0 && strings.IndexByte(" =!<>&|)", ch) >= 0 {
				break
			} else if depth > 0 && (ch == '\'' || ch == '"') {
				if j := strings.IndexByte(p.s[p.i+1:], ch); j >= 0 {
					p.i += j + 1
				}
			}
			p.i++
		}
		steps, err := jsonParsePath(p.s[start:p.i])
		if err != nil {
			return jsonFilterOperand{}, err
		}
		return jsonFilterOperand{steps: steps, root: c == '$'}, nil
	case c == '\'' || c == '"':
		p.i++
		var b strings.Builder
		for p.i < len(p.s) && p.s[p.i] != c {
			if p.s[p.i] == '\\' && p.i+1 < len(p.s) {
				p.i++
			}
			b.WriteByte(p.s[p.i])
			p.i++
		}
		if p.i >= len(p.s) {
			return jsonFilterOperand{}, jsonPathError("Path ended with an open string.")
		}
		p.i++
		return jsonFilterOperand{lit: JString(b.String())}, nil
	case p.eat("true"):
		return jsonFilterOperand{lit: JBool(true)}, nil
	case p.eat("false"):
		return jsonFilterOperand{lit: JBool(false)}, nil
	case p.eat("null"):
		return jsonFilterOperand{lit: JNull()}, nil
	}
	start := p.i
	for p.i < len(p.s) && strings.IndexByte("+-0123456789.eE", p.s[p.i]) >= 0 {
		p.i++
	}
	num := p.s[start:p.i]
	if n, err := strconv.ParseInt(num, 10, 64); err == nil {
		return jsonFilterOperand{lit: JInt(n)}, nil
	}
	if f, err := strconv.ParseFloat(num, 64); err == nil && num != "" {
		return jsonFilterOperand{lit: JFloat(f)}, nil
	}
	return jsonFilterOperand{}, jsonPathError("Could not read query value.")
}
