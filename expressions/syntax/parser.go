package syntax

import (
	"fmt"
	"strings"
)

// ParseExpression parses a single-expression policy value. src is the whole
// text including the leading "@(" and the final ")"; the result is the
// expression between them. Positions are byte offsets into src.
func ParseExpression(src string) (expr Expr, err error) {
	if !strings.HasPrefix(src, "@(") {
		return nil, errAt(0, "expected '@('")
	}
	p, lerr := newParser(src, 2, len(src))
	if lerr != nil {
		return nil, lerr
	}
	defer p.recover(&err, func() { expr = nil })
	expr = p.parseExpr()
	p.expectOp(")")
	if p.tok().kind != tEOF {
		p.failUnexpected()
	}
	return expr, nil
}

// ParseBlock parses a statement-block policy value. src is the whole text
// including the leading "@{" and the final "}". Positions are byte offsets
// into src.
func ParseBlock(src string) (block *Block, err error) {
	if !strings.HasPrefix(src, "@{") {
		return nil, errAt(0, "expected '@{'")
	}
	p, lerr := newParser(src, 1, len(src))
	if lerr != nil {
		return nil, lerr
	}
	defer p.recover(&err, func() { block = nil })
	block = p.parseBlock()
	block.From = 0
	if p.tok().kind != tEOF {
		p.failUnexpected()
	}
	return block, nil
}

type parser struct {
	src   string
	toks  []token
	p     int
	match []int // index of the matching closing bracket, computed lazily
	depth int   // nesting depth, bounded by maxDepth
}

// maxDepth bounds expression and statement nesting so that hostile input
// cannot exhaust the stack.
const maxDepth = 500

// enter records one level of nesting; callers defer p.leave().
func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.fail(p.tok().pos, "expression nested too deeply")
	}
}

func (p *parser) leave() { p.depth-- }

// closer returns the index of the bracket closing the one at index i, or -1.
func (p *parser) closer(i int) int {
	if p.match == nil {
		p.match = make([]int, len(p.toks))
		var stack []int
		for j := range p.toks {
			p.match[j] = -1
			t := &p.toks[j]
			if t.kind != tOp {
				continue
			}
			switch t.text {
			case "(", "[", "{", "?[":
				stack = append(stack, j)
			case ")", "]", "}":
				if len(stack) > 0 {
					p.match[stack[len(stack)-1]] = j
					stack = stack[:len(stack)-1]
				}
			}
		}
	}
	return p.match[i]
}

// bailout carries a syntax error up to the entry point.
type bailout struct{ err *Error }

func newParser(src string, from, to int) (*parser, *Error) {
	toks, err := lex(src, from, to)
	if err != nil {
		return nil, err
	}
	return &parser{src: src, toks: toks}, nil
}

// recover turns a bailout into the returned error and clears the partial
// result with reset.
func (p *parser) recover(err *error, reset func()) {
	if r := recover(); r != nil {
		b, ok := r.(bailout)
		if !ok {
			panic(r)
		}
		*err = b.err
		reset()
	}
}

func (p *parser) fail(pos int, format string, args ...any) {
	panic(bailout{errAt(pos, format, args...)})
}

func (p *parser) tok() *token { return &p.toks[p.p] }

func (p *parser) peek(n int) *token {
	if p.p+n < len(p.toks) {
		return &p.toks[p.p+n]
	}
	return &p.toks[len(p.toks)-1]
}

func (p *parser) advance() *token {
	t := &p.toks[p.p]
	if t.kind != tEOF {
		p.p++
	}
	return t
}

func (p *parser) prevEnd() int {
	if p.p == 0 {
		return p.toks[0].pos
	}
	return p.toks[p.p-1].end
}

func describe(t *token) string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tString, tInterp:
		return "string literal"
	case tChar:
		return "character literal"
	case tInt, tReal:
		return "number " + t.text
	case tIdent:
		return "'" + t.text + "'"
	}
	return "'" + t.text + "'"
}

func (p *parser) failUnexpected() {
	t := p.tok()
	p.fail(t.pos, "unexpected %s", describe(t))
}

func (t *token) isOp(op string) bool { return t.kind == tOp && t.text == op }

// isKw reports whether t is the keyword (or contextual keyword) kw.
func (t *token) isKw(kw string) bool { return t.kind == tIdent && !t.verbatim && t.text == kw }

// isName reports whether t is an identifier usable as a name.
func (t *token) isName() bool { return t.kind == tIdent && (t.verbatim || !keywords[t.text]) }

func (p *parser) gotOp(op string) bool {
	if p.tok().isOp(op) {
		p.advance()
		return true
	}
	return false
}

func (p *parser) gotKw(kw string) bool {
	if p.tok().isKw(kw) {
		p.advance()
		return true
	}
	return false
}

func (p *parser) expectOp(op string) *token {
	t := p.tok()
	if !t.isOp(op) {
		if t.kind == tEOF || t.isOp(")") || t.isOp("}") || t.isOp("]") || t.isOp(";") || t.kind == tIdent {
			p.fail(t.pos, "expected '%s'", op)
		}
		p.fail(t.pos, "unexpected %s, expected '%s'", describe(t), op)
	}
	return p.advance()
}

func (p *parser) expectName() *token {
	t := p.tok()
	if !t.isName() {
		if t.kind == tIdent {
			p.fail(t.pos, "unexpected keyword '%s', expected identifier", t.text)
		}
		p.fail(t.pos, "expected identifier")
	}
	return p.advance()
}

// ---- types ----

// parseType tries to read a type at the current token without failing. With
// anyNullable, a trailing '?' is always taken as nullable; otherwise only when
// what follows cannot start an expression (so "x is T ? a : b" works).
func (p *parser) parseType(anyNullable bool) (*TypeRef, bool) {
	t := p.tok()
	start := p.p
	var tr *TypeRef
	switch {
	case t.kind == tIdent && !t.verbatim && predefined[t.text]:
		p.advance()
		tr = &TypeRef{Span: Span{Pos(t.pos), Pos(t.end)}, Name: t.text}
	case t.isName():
		p.advance()
		tr = &TypeRef{Span: Span{Pos(t.pos), Pos(t.end)}, Name: t.text}
		if p.tok().isOp("::") && p.peek(1).isName() {
			p.advance()
			tr.Name += "::" + p.advance().text
		}
		for {
			if p.tok().isOp("<") {
				args, ok := p.parseTypeArgs()
				if !ok {
					p.p = start
					return nil, false
				}
				tr.Args = append(tr.Args, args...)
			}
			if p.tok().isOp(".") && p.peek(1).isName() {
				p.advance()
				tr.Name += "." + p.advance().text
				continue
			}
			break
		}
		tr.To = Pos(p.prevEnd())
	default:
		return nil, false
	}
	p.typeSuffix(tr, anyNullable)
	return tr, true
}

func (p *parser) typeSuffix(tr *TypeRef, anyNullable bool) {
	if p.tok().isOp("?") && (anyNullable || !p.startsExpr(p.peek(1))) {
		p.advance()
		tr.Nullable = true
		tr.To = Pos(p.prevEnd())
	} else if p.tok().isOp("?[") && p.peek(1).isOp("]") {
		// int?[] is lexed as "int" "?[" "]".
		p.advance()
		p.advance()
		tr.Nullable = true
		tr.Rank++
		tr.To = Pos(p.prevEnd())
	}
	for p.tok().isOp("[") && p.peek(1).isOp("]") {
		p.advance()
		p.advance()
		tr.Rank++
		tr.To = Pos(p.prevEnd())
	}
}

// startsExpr reports whether t can begin an expression (used to tell a
// nullable '?' from the conditional operator).
func (p *parser) startsExpr(t *token) bool {
	switch t.kind {
	case tIdent:
		if t.verbatim || !keywords[t.text] {
			return true
		}
		switch t.text {
		case "new", "this", "base", "true", "false", "null", "typeof", "default", "checked", "unchecked", "sizeof", "throw":
			return true
		}
		return predefined[t.text]
	case tInt, tReal, tChar, tString, tInterp:
		return true
	case tOp:
		switch t.text {
		case "(", "!", "~", "-", "+", "++", "--":
			return true
		}
	}
	return false
}

// parseTypeArgs reads <T, U>; it does not fail, it reports success.
func (p *parser) parseTypeArgs() ([]*TypeRef, bool) {
	if !p.tok().isOp("<") {
		return nil, false
	}
	p.advance()
	var args []*TypeRef
	for {
		tr, ok := p.parseType(true)
		if !ok {
			return nil, false
		}
		args = append(args, tr)
		if p.gotOp(",") {
			continue
		}
		if p.gotOp(">") {
			return args, true
		}
		return nil, false
	}
}

// mustType reads a type or fails.
func (p *parser) mustType(anyNullable bool) *TypeRef {
	tr, ok := p.parseType(anyNullable)
	if !ok {
		t := p.tok()
		p.fail(t.pos, "expected type, found %s", describe(t))
	}
	return tr
}

// genericFollows lists the tokens after which a '<...>' is taken as a type
// argument list, as in the C# specification (§ grammar ambiguities).
func genericFollows(t *token) bool {
	if t.kind == tEOF {
		return true
	}
	if t.kind != tOp {
		return false
	}
	switch t.text {
	case "(", ")", "]", "}", ":", ";", ",", ".", "?", "==", "!=", "|", "^", "&&", "||", "&", "[", "?.", "?[", "??":
		return true
	}
	return false
}

// tryGenericArgs speculatively reads type arguments after a name.
func (p *parser) tryGenericArgs() ([]*TypeRef, bool) {
	save := p.p
	args, ok := p.parseTypeArgs()
	if ok && genericFollows(p.tok()) {
		return args, true
	}
	p.p = save
	return nil, false
}

// ---- expressions ----

func (p *parser) span(from int) Span { return Span{Pos(from), Pos(p.prevEnd())} }

// parseExpr parses an expression including assignments and lambdas.
func (p *parser) parseExpr() Expr {
	p.enter()
	defer p.leave()
	if lam := p.tryLambda(); lam != nil {
		return lam
	}
	start := p.tok().pos
	x := p.parseConditional()
	t := p.tok()
	if t.kind == tOp {
		switch t.text {
		case "=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", "??=":
			p.advance()
			y := p.parseExpr()
			return &Assign{Span: p.span(start), Op: t.text, X: x, Y: y}
		case ">":
			// >>= is lexed as '>' '>='.
			if n := p.peek(1); n.isOp(">=") && n.pos == t.end {
				p.advance()
				p.advance()
				y := p.parseExpr()
				return &Assign{Span: p.span(start), Op: ">>=", X: x, Y: y}
			}
		}
	}
	return x
}

// tryLambda parses a lambda if one starts here.
func (p *parser) tryLambda() Expr {
	t := p.tok()
	start := t.pos
	if t.isKw("async") && (p.peek(1).kind == tIdent || p.peek(1).isOp("(")) {
		save := p.p
		p.advance()
		if p.tryLambda() != nil {
			p.fail(start, "async lambdas are not supported")
		}
		p.p = save
		return nil
	}
	if t.isName() && p.peek(1).isOp("=>") {
		p.advance()
		p.advance()
		lam := &Lambda{Params: []LambdaParam{{Name: t.text}}}
		p.lambdaBody(lam)
		lam.Span = p.span(start)
		return lam
	}
	if !t.isOp("(") {
		return nil
	}
	// The matching ')' must be followed by '=>'.
	i := p.closer(p.p)
	if i < 0 || i+1 >= len(p.toks) || !p.toks[i+1].isOp("=>") {
		return nil
	}
	p.advance()
	lam := &Lambda{}
	if !p.gotOp(")") {
		for {
			if p.tok().isKw("ref") || p.tok().isKw("out") || p.tok().isKw("in") || p.tok().isKw("params") {
				p.fail(p.tok().pos, "'%s' lambda parameters are not supported", p.tok().text)
			}
			var lp LambdaParam
			if p.tok().isName() && (p.peek(1).isOp(",") || p.peek(1).isOp(")")) {
				lp.Name = p.advance().text
			} else {
				lp.Type = p.mustType(true)
				lp.Name = p.expectName().text
			}
			lam.Params = append(lam.Params, lp)
			if p.gotOp(",") {
				continue
			}
			p.expectOp(")")
			break
		}
	}
	p.expectOp("=>")
	p.lambdaBody(lam)
	lam.Span = p.span(start)
	return lam
}

func (p *parser) lambdaBody(lam *Lambda) {
	if p.tok().isOp("{") {
		lam.Block = p.parseBlock()
		return
	}
	lam.Expr = p.parseExpr()
}

func (p *parser) parseConditional() Expr {
	start := p.tok().pos
	c := p.parseBinary(0)
	if !p.tok().isOp("?") {
		return c
	}
	p.advance()
	a := p.parseExpr()
	p.expectOp(":")
	b := p.parseExpr()
	return &Conditional{Span: p.span(start), Cond: c, Then: a, Else: b}
}

// binary precedence levels, lowest first.
var binLevels = [][]string{
	{"??"},
	{"||"},
	{"&&"},
	{"|"},
	{"^"},
	{"&"},
	{"==", "!="},
	{"<", ">", "<=", ">=", "is", "as"},
	{"<<", ">>"},
	{"+", "-"},
	{"*", "/", "%"},
}

// binOp returns the binary operator at the current token, if any, and the
// number of tokens it spans.
func (p *parser) binOp() (string, int) {
	t := p.tok()
	switch t.kind {
	case tOp:
		if t.text == ">" {
			n := p.peek(1)
			if n.pos == t.end && n.isOp(">") {
				if n2 := p.peek(2); n2.pos == n.end && (n2.isOp("=") || n2.isOp(">=") || n2.isOp("==")) {
					return "", 0 // >>= assignment (or malformed)
				}
				return ">>", 2
			}
			if n.pos == t.end && n.isOp(">=") {
				return "", 0 // >>=
			}
		}
		return t.text, 1
	case tIdent:
		if !t.verbatim && (t.text == "is" || t.text == "as") {
			return t.text, 1
		}
	}
	return "", 0
}

func inLevel(level int, op string) bool {
	for _, o := range binLevels[level] {
		if o == op {
			return true
		}
	}
	return false
}

func (p *parser) parseBinary(level int) Expr {
	if level == len(binLevels) {
		return p.parseSwitchLevel()
	}
	start := p.tok().pos
	if level == 0 {
		// ?? is right-associative.
		x := p.parseBinary(1)
		if p.tok().isOp("??") {
			p.advance()
			var y Expr
			if p.tok().isKw("throw") {
				y = p.parseThrowExpr()
			} else {
				y = p.parseBinary(0)
			}
			return &Binary{Span: p.span(start), Op: "??", X: x, Y: y}
		}
		return x
	}
	x := p.parseBinary(level + 1)
	for {
		op, n := p.binOp()
		if n == 0 || !inLevel(level, op) {
			return x
		}
		for i := 0; i < n; i++ {
			p.advance()
		}
		switch op {
		case "is":
			x = p.parseIs(start, x)
			continue
		case "as":
			tr := p.mustType(false)
			x = &As{Span: p.span(start), X: x, Type: tr}
			continue
		}
		y := p.parseBinary(level + 1)
		x = &Binary{Span: p.span(start), Op: op, X: x, Y: y}
	}
}

// parseIs parses the pattern after "is".
func (p *parser) parseIs(start int, x Expr) Expr {
	is := &Is{X: x}
	if p.tok().isKw("not") && !p.peek(1).isOp(")") {
		p.advance()
		is.Not = true
	}
	t := p.tok()
	switch {
	case t.isKw("null") || t.isKw("true") || t.isKw("false") || t.kind == tInt || t.kind == tReal ||
		t.kind == tChar || t.kind == tString || t.isOp("-"):
		is.Const = p.parseUnary()
	default:
		is.Type = p.mustType(false)
		if p.tok().isName() && !p.tok().isKw("when") && !p.tok().isKw("and") && !p.tok().isKw("or") {
			is.Name = p.advance().text
		}
	}
	is.Span = p.span(start)
	return is
}

// parseSwitchLevel handles "x switch { ... }" which binds tighter than
// the binary operators.
func (p *parser) parseSwitchLevel() Expr {
	start := p.tok().pos
	x := p.parseUnary()
	for p.tok().isKw("switch") && p.peek(1).isOp("{") {
		p.advance()
		p.advance()
		sw := &SwitchExpr{X: x}
		for !p.tok().isOp("}") {
			sw.Arms = append(sw.Arms, p.parseSwitchArm())
			if !p.gotOp(",") {
				break
			}
		}
		p.expectOp("}")
		sw.Span = p.span(start)
		x = sw
	}
	return x
}

func (p *parser) parseSwitchArm() SwitchArm {
	var arm SwitchArm
	t := p.tok()
	isArrowOrWhen := func(t *token) bool { return t.isOp("=>") || t.isKw("when") }
	switch {
	case t.isKw("_") && isArrowOrWhen(p.peek(1)):
		p.advance()
	default:
		save := p.p
		if tr, ok := p.parseType(true); ok && p.tok().isName() && isArrowOrWhen(p.peek(1)) {
			arm.Type = tr
			arm.Name = p.advance().text
			break
		}
		p.p = save
		arm.Pattern = p.parseBinary(1)
	}
	if p.gotKw("when") {
		arm.When = p.parseBinary(0)
	}
	p.expectOp("=>")
	if p.tok().isKw("throw") {
		arm.Value = p.parseThrowExpr()
	} else {
		arm.Value = p.parseExpr()
	}
	return arm
}

func (p *parser) parseThrowExpr() Expr {
	start := p.advance().pos
	x := p.parseBinary(0)
	return &ThrowExpr{Span: p.span(start), X: x}
}

func (p *parser) parseUnary() Expr {
	p.enter()
	defer p.leave()
	t := p.tok()
	start := t.pos
	if t.kind == tOp {
		switch t.text {
		case "-", "+", "!", "~", "++", "--":
			p.advance()
			x := p.parseUnary()
			return &Unary{Span: p.span(start), Op: t.text, X: x}
		case "(":
			if c := p.tryCast(); c != nil {
				return c
			}
		case "&", "*":
			p.fail(t.pos, "pointer operations are not supported")
		}
	}
	if t.isKw("await") && p.startsExpr(p.peek(1)) && !p.peek(1).isOp("(") {
		p.fail(t.pos, "'await' is not supported")
	}
	return p.parsePostfix(p.parsePrimary())
}

// tryCast parses "(Type)x" when C#'s disambiguation rules say it is a cast.
func (p *parser) tryCast() Expr {
	save := p.p
	start := p.advance().pos
	tr, ok := p.parseType(false)
	if !ok || !p.tok().isOp(")") {
		p.p = save
		return nil
	}
	p.advance()
	next := p.tok()
	cast := false
	if predefined[tr.Name] && len(tr.Args) == 0 {
		cast = p.startsExpr(next) || next.isOp("-") || next.isOp("+")
	} else {
		switch next.kind {
		case tIdent:
			cast = p.startsExpr(next) && !next.isKw("is") && !next.isKw("as")
		case tInt, tReal, tChar, tString, tInterp:
			cast = true
		case tOp:
			cast = next.text == "(" || next.text == "!" || next.text == "~"
		}
	}
	if !cast {
		p.p = save
		return nil
	}
	x := p.parseUnary()
	return &Cast{Span: p.span(start), Type: tr, X: x}
}

func (p *parser) parsePostfix(x Expr) Expr {
	start := int(x.Pos())
	for {
		t := p.tok()
		if t.kind != tOp {
			return x
		}
		switch t.text {
		case ".", "?.":
			p.advance()
			nt := p.tok()
			if nt.kind != tIdent {
				p.fail(nt.pos, "expected identifier")
			}
			p.advance()
			m := &Member{X: x, Name: nt.text, NamePos: Pos(nt.pos), Optional: t.text == "?."}
			if p.tok().isOp("<") {
				if args, ok := p.tryGenericArgs(); ok {
					m.TypeArgs = args
				}
			}
			m.Span = p.span(start)
			x = m
		case "(":
			p.advance()
			args := p.parseArgs(")")
			x = &Call{Span: p.span(start), Fun: x, Args: args}
		case "[", "?[":
			p.advance()
			var args []Expr
			for {
				args = append(args, p.parseExpr())
				if !p.gotOp(",") {
					break
				}
			}
			p.expectOp("]")
			x = &Index{Span: p.span(start), X: x, Args: args, Optional: t.text == "?["}
		case "++", "--":
			p.advance()
			x = &Postfix{Span: p.span(start), Op: t.text, X: x}
		case "!":
			// null-forgiving x! is not C# 7; leave it to the caller.
			return x
		default:
			return x
		}
	}
}

// parseArgs reads call arguments up to and including the closing token.
func (p *parser) parseArgs(closer string) []Arg {
	var args []Arg
	if p.gotOp(closer) {
		return args
	}
	for {
		var a Arg
		if p.tok().isName() && p.peek(1).isOp(":") && !p.peek(1).isOp("::") {
			a.Name = p.advance().text
			p.advance()
		}
		t := p.tok()
		switch {
		case t.isKw("out"):
			p.advance()
			a.Out = true
			a.Value = p.parseOutTarget()
		case t.isKw("ref"):
			p.advance()
			a.Ref = true
			a.Value = p.parseExpr()
		case t.isKw("in") && p.peek(1).isName():
			p.advance()
			a.Value = p.parseExpr()
		default:
			a.Value = p.parseExpr()
		}
		args = append(args, a)
		if p.gotOp(",") {
			continue
		}
		p.expectOp(closer)
		return args
	}
}

// parseOutTarget reads what follows "out": "var x", "T x" or an expression.
func (p *parser) parseOutTarget() Expr {
	t := p.tok()
	if t.isKw("var") && p.peek(1).isName() {
		p.advance()
		n := p.advance()
		return &OutVar{Span: Span{Pos(t.pos), Pos(n.end)}, Name: n.text}
	}
	if t.isKw("_") && (p.peek(1).isOp(",") || p.peek(1).isOp(")")) {
		p.advance()
		return &OutVar{Span: Span{Pos(t.pos), Pos(t.end)}, Name: "_"}
	}
	save := p.p
	if tr, ok := p.parseType(true); ok && p.tok().isName() {
		n := p.advance()
		return &OutVar{Span: Span{Pos(t.pos), Pos(n.end)}, Type: tr, Name: n.text}
	}
	p.p = save
	return p.parseUnary()
}

func (p *parser) parsePrimary() Expr {
	t := p.tok()
	start := t.pos
	switch t.kind {
	case tInt:
		p.advance()
		return &Literal{Span: span(t), Kind: LitInt, Value: t.text, Suffix: t.suffix}
	case tReal:
		p.advance()
		return &Literal{Span: span(t), Kind: LitReal, Value: t.text, Suffix: t.suffix}
	case tChar:
		p.advance()
		return &Literal{Span: span(t), Kind: LitChar, Value: t.text}
	case tString:
		p.advance()
		return &Literal{Span: span(t), Kind: LitString, Value: t.text}
	case tInterp:
		p.advance()
		return p.interpolated(t)
	case tOp:
		if t.text == "(" {
			p.advance()
			x := p.parseExpr()
			if p.tok().isOp(",") {
				p.fail(start, "tuple expressions are not supported")
			}
			p.expectOp(")")
			return &Paren{Span: p.span(start), X: x}
		}
		p.failUnexpected()
	case tEOF:
		p.fail(t.pos, "unexpected end of expression")
	}
	// identifiers and keywords
	if t.verbatim || !keywords[t.text] {
		switch {
		case t.text == "nameof" && !t.verbatim && p.peek(1).isOp("("):
			p.advance()
			p.advance()
			x := p.parseExpr()
			p.expectOp(")")
			return &NameOf{Span: p.span(start), X: x}
		case t.text == "await" && !t.verbatim && p.startsExpr(p.peek(1)):
			p.fail(t.pos, "'await' is not supported")
		}
		p.advance()
		if p.tok().isOp("::") && p.peek(1).isName() && p.peek(1).pos == p.tok().end {
			// Alias-qualified name (global::System): kept as one identifier.
			p.advance()
			n := p.advance()
			return &Ident{Span: Span{Pos(start), Pos(n.end)}, Name: t.text + "::" + n.text}
		}
		if p.tok().isOp("<") {
			if args, ok := p.tryGenericArgs(); ok {
				return &GenericName{Span: p.span(start), Name: t.text, TypeArgs: args}
			}
		}
		return &Ident{Span: span(t), Name: t.text}
	}
	if predefined[t.text] {
		p.advance()
		tr := &TypeRef{Span: span(t), Name: t.text}
		return &TypeExpr{Span: span(t), Type: tr}
	}
	switch t.text {
	case "true", "false":
		p.advance()
		return &Literal{Span: span(t), Kind: LitBool, Value: t.text == "true"}
	case "null":
		p.advance()
		return &Literal{Span: span(t), Kind: LitNull}
	case "this", "base":
		p.advance()
		return &Ident{Span: span(t), Name: t.text}
	case "typeof":
		p.advance()
		p.expectOp("(")
		tr := p.mustType(true)
		p.expectOp(")")
		return &TypeOf{Span: p.span(start), Type: tr}
	case "default":
		p.advance()
		if p.gotOp("(") {
			tr := p.mustType(true)
			p.expectOp(")")
			return &Default{Span: p.span(start), Type: tr}
		}
		return &Default{Span: span(t)}
	case "checked", "unchecked":
		p.advance()
		p.expectOp("(")
		x := p.parseExpr()
		p.expectOp(")")
		return &CheckedExpr{Span: p.span(start), Unchecked: t.text == "unchecked", X: x}
	case "new":
		return p.parseNew()
	case "throw":
		return p.parseThrowExpr()
	case "delegate", "stackalloc", "sizeof":
		p.fail(t.pos, "'%s' is not supported", t.text)
	}
	p.fail(t.pos, "unexpected keyword '%s'", t.text)
	return nil
}

func span(t *token) Span { return Span{Pos(t.pos), Pos(t.end)} }

// interpolated parses the holes of an interpolated string token.
func (p *parser) interpolated(t *token) Expr {
	ip := &Interpolated{Span: span(t)}
	for _, seg := range t.parts {
		if !seg.hole {
			ip.Parts = append(ip.Parts, InterpPart{Text: seg.text})
			continue
		}
		part := InterpPart{Format: seg.format}
		part.Expr = p.holeExpr(seg)
		if seg.alignFrom >= 0 {
			to := seg.alignTo
			if to == 0 {
				to = seg.holeClose
			}
			part.Alignment = p.subExpr(seg.alignFrom, to, seg.alignFrom-1)
		}
		ip.Parts = append(ip.Parts, part)
	}
	return ip
}

// holeExpr parses the expression of a hole. A ':' ends the expression as in
// C#, so an unparenthesised conditional fails; say so plainly.
func (p *parser) holeExpr(seg interpSeg) (x Expr) {
	if seg.hasFormat {
		defer func() {
			if r := recover(); r != nil {
				if b, ok := r.(bailout); ok && b.err.Msg == "expected ':'" && int(b.err.Pos) == seg.to {
					p.fail(seg.to, "conditional expression in an interpolation hole must be parenthesised")
				}
				panic(r)
			}
		}()
	}
	return p.subExpr(seg.from, seg.to, seg.holeStart)
}

// subExpr parses src[from:to] as a standalone expression.
func (p *parser) subExpr(from, to, errPos int) Expr {
	sub, err := newParser(p.src, from, to)
	if err != nil {
		panic(bailout{err})
	}
	sub.depth = p.depth
	if sub.tok().kind == tEOF {
		p.fail(errPos, "empty interpolation hole")
	}
	x := sub.parseExpr()
	if t := sub.tok(); t.kind != tEOF {
		if t.isOp("?") || t.isOp(":") {
			p.fail(t.pos, "unexpected '%s' in interpolation hole (parenthesise a conditional)", t.text)
		}
		sub.failUnexpected()
	}
	return x
}

// parseNew parses object, array and anonymous creation.
func (p *parser) parseNew() Expr {
	start := p.advance().pos
	n := &New{}
	t := p.tok()
	switch {
	case t.isOp("[") && p.peek(1).isOp("]"):
		p.advance()
		p.advance()
		n.Array = true
		if !p.tok().isOp("{") {
			p.fail(p.tok().pos, "expected '{'")
		}
		n.Init = p.parseInitializer(false)
	case t.isOp("{"):
		n.Init = p.parseInitializer(true)
	default:
		tr, ok := p.parseType(true)
		if !ok {
			p.fail(t.pos, "expected type, found %s", describe(t))
		}
		n.Type = tr
		if tr.Rank > 0 {
			n.Array = true
			if !p.tok().isOp("{") {
				p.fail(p.tok().pos, "expected '{'")
			}
			n.Init = p.parseInitializer(false)
			break
		}
		if p.tok().isOp("[") {
			// new T[n]
			p.advance()
			n.Array = true
			n.Size = p.parseExpr()
			if p.tok().isOp(",") {
				p.fail(p.tok().pos, "multi-dimensional arrays are not supported")
			}
			p.expectOp("]")
			tr.Rank = 1
			for p.tok().isOp("[") && p.peek(1).isOp("]") {
				p.advance()
				p.advance()
				tr.Rank++
			}
			if p.tok().isOp("{") {
				n.Init = p.parseInitializer(false)
			}
			break
		}
		if p.gotOp("(") {
			n.Args = p.parseArgs(")")
			if n.Args == nil {
				n.Args = []Arg{}
			}
		} else if !p.tok().isOp("{") {
			p.fail(p.tok().pos, "expected '(' or '{'")
		}
		if p.tok().isOp("{") {
			n.Init = p.parseInitializer(false)
		}
	}
	n.Span = p.span(start)
	return n
}

// parseInitializer parses { ... } after a creation expression.
func (p *parser) parseInitializer(anonymous bool) *Initializer {
	start := p.expectOp("{").pos
	in := &Initializer{Kind: InitCollection}
	if anonymous {
		in.Kind = InitAnonymous
	}
	for !p.tok().isOp("}") {
		t := p.tok()
		switch {
		case t.isName() && p.peek(1).isOp("="):
			p.advance()
			p.advance()
			if !anonymous {
				in.Kind = InitObject
			}
			in.Members = append(in.Members, MemberInit{Name: t.text, Value: p.initValue()})
		case !anonymous && t.isOp("["):
			p.advance()
			var idx []Expr
			for {
				idx = append(idx, p.parseExpr())
				if !p.gotOp(",") {
					break
				}
			}
			p.expectOp("]")
			p.expectOp("=")
			in.Kind = InitObject
			in.Members = append(in.Members, MemberInit{Index: idx, Value: p.initValue()})
		case anonymous:
			x := p.parseExpr()
			in.Members = append(in.Members, MemberInit{Name: projectionName(x), Value: x})
		default:
			in.Elems = append(in.Elems, p.initValue())
		}
		if !p.gotOp(",") {
			break
		}
	}
	p.expectOp("}")
	if in.Kind == InitObject && len(in.Elems) > 0 {
		p.fail(start, "cannot mix object and collection initializers")
	}
	in.Span = p.span(start)
	return in
}

// initValue reads an element or member value: an expression or a nested
// brace list.
func (p *parser) initValue() Expr {
	if !p.tok().isOp("{") {
		return p.parseExpr()
	}
	start := p.advance().pos
	l := &InitList{}
	for !p.tok().isOp("}") {
		l.Elems = append(l.Elems, p.initValue())
		if !p.gotOp(",") {
			break
		}
	}
	p.expectOp("}")
	l.Span = p.span(start)
	return l
}

// projectionName is the member name C# infers for an anonymous type member.
func projectionName(x Expr) string {
	switch x := x.(type) {
	case *Ident:
		return x.Name
	case *Member:
		return x.Name
	}
	return ""
}

// ---- statements ----

func (p *parser) parseBlock() *Block {
	start := p.expectOp("{").pos
	b := &Block{}
	for !p.tok().isOp("}") {
		if p.tok().kind == tEOF {
			p.fail(p.tok().pos, "expected '}'")
		}
		b.Stmts = append(b.Stmts, p.parseStmt())
	}
	p.advance()
	b.Span = p.span(start)
	return b
}

// embedded parses the body of if/while/for; declarations are not allowed there.
func (p *parser) embedded() Stmt {
	s := p.parseStmt()
	switch s.(type) {
	case *VarDecl, *LocalFunc:
		p.fail(int(s.Pos()), "embedded statement cannot be a declaration")
	}
	return s
}

func (p *parser) parseStmt() Stmt {
	p.enter()
	defer p.leave()
	t := p.tok()
	start := t.pos
	if t.isOp("{") {
		return p.parseBlock()
	}
	if t.isOp(";") {
		p.advance()
		return &Empty{Span: span(t)}
	}
	if t.kind == tIdent && !t.verbatim {
		switch t.text {
		case "if":
			p.advance()
			p.expectOp("(")
			c := p.parseExpr()
			p.expectOp(")")
			s := &If{Cond: c, Then: p.embedded()}
			if p.gotKw("else") {
				s.Else = p.embedded()
			}
			s.Span = p.span(start)
			return s
		case "foreach":
			p.advance()
			p.expectOp("(")
			s := &ForEach{}
			if !(p.tok().isKw("var") && p.peek(1).isName()) {
				s.Type = p.mustType(true)
			} else {
				p.advance()
			}
			s.Name = p.expectName().text
			if !p.gotKw("in") {
				p.fail(p.tok().pos, "expected 'in'")
			}
			s.X = p.parseExpr()
			p.expectOp(")")
			s.Body = p.embedded()
			s.Span = p.span(start)
			return s
		case "for":
			p.advance()
			p.expectOp("(")
			s := &For{}
			if !p.tok().isOp(";") {
				if d := p.tryDecl(); d != nil {
					s.Init = []Stmt{d}
				} else {
					for {
						xs := p.tok().pos
						x := p.parseExpr()
						p.checkStmtExpr(x)
						s.Init = append(s.Init, &ExprStmt{Span: p.span(xs), X: x})
						if !p.gotOp(",") {
							break
						}
					}
				}
			}
			p.expectOp(";")
			if !p.tok().isOp(";") {
				s.Cond = p.parseExpr()
			}
			p.expectOp(";")
			if !p.tok().isOp(")") {
				for {
					x := p.parseExpr()
					p.checkStmtExpr(x)
					s.Post = append(s.Post, x)
					if !p.gotOp(",") {
						break
					}
				}
			}
			p.expectOp(")")
			s.Body = p.embedded()
			s.Span = p.span(start)
			return s
		case "while":
			p.advance()
			p.expectOp("(")
			c := p.parseExpr()
			p.expectOp(")")
			body := p.embedded()
			return &While{Span: p.span(start), Cond: c, Body: body}
		case "do":
			p.advance()
			body := p.embedded()
			if !p.gotKw("while") {
				p.fail(p.tok().pos, "expected 'while'")
			}
			p.expectOp("(")
			c := p.parseExpr()
			p.expectOp(")")
			p.expectOp(";")
			return &DoWhile{Span: p.span(start), Body: body, Cond: c}
		case "switch":
			return p.parseSwitchStmt()
		case "return":
			p.advance()
			s := &Return{}
			if !p.tok().isOp(";") {
				s.X = p.parseExpr()
			}
			p.expectOp(";")
			s.Span = p.span(start)
			return s
		case "break":
			p.advance()
			p.expectOp(";")
			return &Break{Span: p.span(start)}
		case "continue":
			p.advance()
			p.expectOp(";")
			return &Continue{Span: p.span(start)}
		case "throw":
			p.advance()
			s := &Throw{}
			if !p.tok().isOp(";") {
				s.X = p.parseExpr()
			}
			p.expectOp(";")
			s.Span = p.span(start)
			return s
		case "try":
			return p.parseTry()
		case "checked", "unchecked":
			if p.peek(1).isOp("{") {
				p.advance()
				body := p.parseBlock()
				return &CheckedStmt{Span: p.span(start), Unchecked: t.text == "unchecked", Body: body}
			}
		case "using":
			if !p.peek(1).isOp("(") {
				p.fail(t.pos, "'using' directives and declarations are not supported in policy expressions")
			}
			p.advance()
			p.advance()
			u := &Using{}
			if d := p.tryDecl(); d != nil {
				u.Decl = d
			} else {
				u.X = p.parseExpr()
			}
			p.expectOp(")")
			u.Body = p.embedded()
			u.Span = p.span(start)
			return u
		case "unsafe", "goto", "lock", "fixed", "class", "struct", "interface", "enum",
			"namespace", "delegate", "public", "private", "protected", "internal",
			"abstract", "sealed", "virtual", "override", "extern", "volatile", "event", "operator":
			p.fail(t.pos, "'%s' is not supported in policy expressions", t.text)
		case "yield":
			if n := p.peek(1); n.isKw("return") || n.isKw("break") {
				p.fail(t.pos, "'yield' is not supported in policy expressions")
			}
		case "await":
			if p.startsExpr(p.peek(1)) && !p.peek(1).isOp("(") || p.peek(1).isOp("(") && false {
				p.fail(t.pos, "'await' is not supported in policy expressions")
			}
		case "case", "default":
			if t.text == "case" || p.peek(1).isOp(":") {
				p.fail(t.pos, "'%s' label outside of a switch statement", t.text)
			}
		case "else", "catch", "finally":
			p.fail(t.pos, "unexpected '%s'", t.text)
		}
	}
	if d := p.tryDecl(); d != nil {
		p.expectOp(";")
		d.To = Pos(p.prevEnd())
		return d
	}
	if lf := p.tryLocalFunc(); lf != nil {
		return lf
	}
	x := p.parseExpr()
	if !p.tok().isOp(";") {
		t := p.tok()
		if t.kind == tEOF || t.isOp("}") || t.isOp(")") {
			p.fail(t.pos, "expected ';'")
		}
		p.fail(t.pos, "unexpected %s, expected ';'", describe(t))
	}
	p.advance()
	p.checkStmtExpr(x)
	return &ExprStmt{Span: p.span(start), X: x}
}

// checkStmtExpr enforces C#'s rule on which expressions may stand alone as
// statements (CS0201): "a + b;" is an error, "f();" and "x++;" are not.
func (p *parser) checkStmtExpr(x Expr) {
	switch x := x.(type) {
	case *Assign, *Call, *Postfix, *New:
		return
	case *Unary:
		if x.Op == "++" || x.Op == "--" {
			return
		}
	}
	p.fail(int(x.Pos()), "only assignment, call, increment, decrement and new object expressions can be used as a statement")
}

// tryDecl parses a local variable declaration (without the ';') when one
// starts here; otherwise it leaves the position unchanged and returns nil.
func (p *parser) tryDecl() *VarDecl {
	save := p.p
	start := p.tok().pos
	d := &VarDecl{Const: p.gotKw("const")}
	if p.tok().isKw("var") && p.peek(1).isName() && !p.peek(2).isOp("(") {
		p.advance()
	} else {
		tr, ok := p.parseType(true)
		if !ok || tr.Name == "void" {
			p.p = save
			return nil
		}
		d.Type = tr
	}
	n := p.tok()
	if !n.isName() {
		p.p = save
		return nil
	}
	if a := p.peek(1); !(a.isOp("=") || a.isOp(";") || a.isOp(",") || a.isKw("in")) {
		p.p = save
		return nil
	}
	for {
		nt := p.expectName()
		vn := VarName{Name: nt.text, NamePos: Pos(nt.pos)}
		if p.gotOp("=") {
			if p.tok().isOp("{") && d.Type != nil && d.Type.Rank > 0 {
				vn.Init = p.arrayInitExpr(d.Type)
			} else {
				vn.Init = p.parseExpr()
			}
		}
		d.Names = append(d.Names, vn)
		if !p.gotOp(",") {
			break
		}
	}
	d.Span = p.span(start)
	return d
}

// arrayInitExpr handles "string[] a = { "x", "y" };" as new string[] {...}.
func (p *parser) arrayInitExpr(tr *TypeRef) Expr {
	// The synthesized creation spans from the declared type so that its
	// Type lies inside it.
	in := p.parseInitializer(false)
	return &New{Span: p.span(int(tr.From)), Type: tr, Array: true, Init: in}
}

// tryLocalFunc recognises "T Name(params) { ... }" or "T Name(params) => expr;".
// Once "T Name(" is seen the declaration is committed and errors are real.
func (p *parser) tryLocalFunc() *LocalFunc {
	save := p.p
	start := p.tok().pos
	for p.tok().isKw("static") || p.tok().isKw("async") || p.tok().isKw("unsafe") {
		p.advance()
	}
	tr, ok := p.parseType(true)
	if !ok || !p.tok().isName() || !p.peek(1).isOp("(") && !p.peek(1).isOp("<") {
		p.p = save
		return nil
	}
	name := p.advance()
	if p.tok().isOp("<") {
		p.fail(p.tok().pos, "generic local functions are not supported")
	}
	lf := &LocalFunc{Name: name.text, Result: tr}
	p.advance() // (
	if !p.gotOp(")") {
		for {
			t := p.tok()
			if t.isKw("ref") || t.isKw("out") || t.isKw("in") || t.isKw("params") || t.isKw("this") {
				p.fail(t.pos, "'%s' parameters are not supported", t.text)
			}
			pt := p.mustType(true)
			pn := p.expectName()
			if p.tok().isOp("=") {
				p.fail(p.tok().pos, "optional parameters are not supported")
			}
			lf.Params = append(lf.Params, LambdaParam{Name: pn.text, Type: pt})
			if p.gotOp(",") {
				continue
			}
			p.expectOp(")")
			break
		}
	}
	switch {
	case p.tok().isOp("{"):
		lf.Block = p.parseBlock()
	case p.gotOp("=>"):
		lf.Expr = p.parseExpr()
		p.expectOp(";")
	default:
		p.fail(p.tok().pos, "expected '{' or '=>'")
	}
	lf.Span = p.span(start)
	return lf
}

func (p *parser) parseSwitchStmt() Stmt {
	start := p.advance().pos
	p.expectOp("(")
	s := &SwitchStmt{X: p.parseExpr()}
	p.expectOp(")")
	p.expectOp("{")
	for !p.tok().isOp("}") {
		var c SwitchCase
		for {
			t := p.tok()
			if t.isKw("case") {
				p.advance()
				c.Labels = append(c.Labels, p.parseConditional())
				if p.tok().isKw("when") {
					p.fail(p.tok().pos, "'when' clauses in switch statements are not supported")
				}
				p.expectOp(":")
				continue
			}
			if t.isKw("default") && p.peek(1).isOp(":") {
				p.advance()
				p.advance()
				c.Labels = append(c.Labels, nil)
				continue
			}
			break
		}
		if len(c.Labels) == 0 {
			t := p.tok()
			if t.kind == tEOF {
				p.fail(t.pos, "expected '}'")
			}
			p.fail(t.pos, "expected 'case' or 'default'")
		}
		for {
			t := p.tok()
			if t.isKw("case") || t.isKw("default") && p.peek(1).isOp(":") || t.isOp("}") || t.kind == tEOF {
				break
			}
			c.Body = append(c.Body, p.parseStmt())
		}
		s.Cases = append(s.Cases, c)
	}
	p.advance()
	s.Span = p.span(start)
	return s
}

func (p *parser) parseTry() Stmt {
	start := p.advance().pos
	s := &Try{Body: p.parseBlock()}
	for p.tok().isKw("catch") {
		p.advance()
		var c Catch
		if p.gotOp("(") {
			c.Type = p.mustType(true)
			if p.tok().isName() {
				c.Name = p.advance().text
			}
			p.expectOp(")")
		}
		if p.gotKw("when") {
			p.expectOp("(")
			c.Filter = p.parseExpr()
			p.expectOp(")")
		}
		c.Body = p.parseBlock()
		s.Catches = append(s.Catches, c)
	}
	if p.gotKw("finally") {
		s.Finally = p.parseBlock()
	}
	if len(s.Catches) == 0 && s.Finally == nil {
		p.fail(p.tok().pos, "expected 'catch' or 'finally'")
	}
	s.Span = p.span(start)
	return s
}

var _ = fmt.Sprint
