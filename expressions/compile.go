// Package expressions compiles APIM policy expressions — C# written as
// @(...) or @{...} — into programs that run on expr-lang/expr's VM.
//
// The pipeline: syntax.ParseExpression/ParseBlock reads the C#; the binder
// resolves every name against the typed context model and the .NET registry
// (package dotnet), checking members, overloads and result types at load
// time; each expression is lowered onto an expr AST whose calls are the
// resolved .NET members, then checked and compiled by expr's checker and
// compiler. Statement blocks run on a small interpreter (interp.go) whose
// expressions are compiled expr programs sharing one frame of locals.
package expressions

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"

	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/expressions/syntax"
)

// Error is a compile error at a byte offset of the expression source.
type Error struct {
	Offset int
	Code   string // "expression_error" (syntax) or "type_error"
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

// Errors is the list of compile errors of one expression.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Msg
	}
	return strings.Join(msgs, "; ")
}

// Program is a compiled policy expression, safe for concurrent use.
type Program struct {
	src   string
	typ   *dotnet.Type
	slots int
	expr  *vm.Program // @(...)
	body  *block      // @{...}
	reads BodyUse     // the message bodies the program may read
}

// BodyUse says which message bodies a program may read. It is found at
// compile time from member access: Body on an IRequest or an IResponse
// value, or a Body looked up at run time on a value whose type is not
// known statically (then both). Policy steps use it to decide whether
// the gateway must buffer a body or may stream it.
type BodyUse uint8

// The bodies a program may read.
const (
	ReadsRequestBody BodyUse = 1 << iota
	ReadsResponseBody
	ReadsBodies = ReadsRequestBody | ReadsResponseBody
)

// Reads reports which message bodies the program may read.
func (p *Program) Reads() BodyUse { return p.reads }

// Type is the static result type of the expression (object when unknown).
func (p *Program) Type() *dotnet.Type { return p.typ }

// Source is the expression text as compiled.
func (p *Program) Source() string { return p.src }

type options struct {
	expect *dotnet.Type
}

// Option configures Compile.
type Option func(*options)

// Expect requires the expression's result to convert to t (bool for
// conditions, int for codes and counts, string for most values).
func Expect(t *dotnet.Type) Option { return func(o *options) { o.expect = t } }

// IsExpression reports whether text, trimmed of ASCII whitespace, is a whole
// @(...) or @{...} expression. It only looks at the delimiters.
func IsExpression(text string) bool {
	s := strings.Trim(text, " \t\r\n")
	return len(s) >= 3 && s[0] == '@' && ((s[1] == '(' && s[len(s)-1] == ')') || (s[1] == '{' && s[len(s)-1] == '}'))
}

// Compile compiles the expression src ("@(...)" or "@{...}", surrounding
// whitespace allowed). Errors are Errors with offsets into src.
func Compile(src string, opts ...Option) (*Program, error) {
	var o options
	for _, fn := range opts {
		fn(&o)
	}
	lead := len(src) - len(strings.TrimLeft(src, " \t\r\n"))
	text := strings.TrimRight(src[lead:], " \t\r\n")
	b := &binder{src: text, base: lead}
	p := &Program{src: src}
	switch {
	case strings.HasPrefix(text, "@("):
		e, err := syntax.ParseExpression(text)
		if err != nil {
			return nil, b.syntaxErr(err)
		}
		b.push()
		v := b.rvalue(e)
		p.typ = v.t
		b.checkResult(e, v.t, o.expect)
		if len(b.errs) == 0 {
			p.expr = b.program(v.n)
		}
	case strings.HasPrefix(text, "@{"):
		blk, err := syntax.ParseBlock(text)
		if err != nil {
			return nil, b.syntaxErr(err)
		}
		b.push()
		p.body = b.block(blk)
		if !returns(blk) {
			b.errorf(blk.End()-1, "not all code paths return a value")
		}
		p.typ = b.retType
		if p.typ == nil {
			p.typ = dotnet.Object
		}
		if o.expect != nil && b.retType != nil {
			b.checkResult(blk, b.retType, o.expect)
		}
	default:
		return nil, Errors{{Offset: lead, Code: "expression_error", Msg: "expression must start with @( or @{"}}
	}
	if len(b.errs) > 0 {
		return nil, b.errs
	}
	p.slots = b.nslots
	p.reads = b.reads
	return p, nil
}

func (b *binder) syntaxErr(err error) error {
	var se *syntax.Error
	if errors.As(err, &se) {
		return Errors{{Offset: b.base + int(se.Pos), Code: "expression_error", Msg: se.Msg}}
	}
	return Errors{{Offset: b.base, Code: "expression_error", Msg: err.Error()}}
}

// ---- binder ----

type local struct {
	name string
	slot int
	typ  *dotnet.Type
}

type scope struct {
	parent *scope
	vars   map[string]*local
}

type binder struct {
	src     string
	base    int // offset of src in the caller's text
	errs    Errors
	sc      *scope
	nslots  int
	retType *dotnet.Type
	fns     map[string]*builtin.Function // functions the current expr program uses
	ntemp   int
	checked int // depth of checked(...) / checked { }: integer overflow throws
	// lambdaResult is the static result type of the lambda bound last
	// (Select's and Zip's element type).
	lambdaResult *dotnet.Type
	// reads collects the bodies the program's member accesses may read.
	reads BodyUse
}

func (b *binder) errorf(pos syntax.Pos, format string, args ...any) {
	if len(b.errs) >= 20 {
		return
	}
	b.errs = append(b.errs, &Error{Offset: b.base + int(pos), Code: "type_error", Msg: fmt.Sprintf(format, args...)})
}

func (b *binder) push() { b.sc = &scope{parent: b.sc, vars: map[string]*local{}} }
func (b *binder) pop()  { b.sc = b.sc.parent }

func (b *binder) declare(pos syntax.Pos, name string, t *dotnet.Type) *local {
	for s := b.sc; s != nil; s = s.parent {
		if _, ok := s.vars[name]; ok {
			b.errorf(pos, "a local variable named '%s' is already defined in this scope", name)
			break
		}
	}
	if t == nil {
		t = dotnet.Object
	}
	l := &local{name: name, slot: b.nslots, typ: t}
	b.nslots++
	b.sc.vars[name] = l
	return l
}

func (b *binder) lookupLocal(name string) *local {
	for s := b.sc; s != nil; s = s.parent {
		if l, ok := s.vars[name]; ok {
			return l
		}
	}
	return nil
}

// program checks and compiles a lowered expr tree into a VM program.
func (b *binder) program(n ast.Node) *vm.Program {
	cfg := &conf.Config{
		Functions:    b.fns,
		Builtins:     conf.FunctionsTable{},
		Disabled:     map[string]bool{},
		ConstFns:     map[string]reflect.Value{},
		ShortCircuit: true,
		MaxNodes:     conf.DefaultMaxNodes,
	}
	b.fns = nil
	tree := &parser.Tree{Node: n, Source: file.NewSource(b.src)}
	if _, err := checker.Check(tree, cfg); err != nil {
		b.errs = append(b.errs, &Error{Offset: b.base, Code: "type_error", Msg: "internal: " + err.Error()})
		return nil
	}
	prog, err := compiler.Compile(tree, cfg)
	if err != nil {
		b.errs = append(b.errs, &Error{Offset: b.base, Code: "type_error", Msg: "internal: " + err.Error()})
		return nil
	}
	return prog
}

// use records that the current program calls fn and returns its callee node.
func (b *binder) use(fn *builtin.Function) ast.Node {
	if b.fns == nil {
		b.fns = conf.FunctionsTable{}
	}
	b.fns[fn.Name] = fn
	return &ast.IdentifierNode{Value: fn.Name}
}

// call builds a call of fn at the source span of at.
func (b *binder) call(at syntax.Node, fn *builtin.Function, args ...ast.Node) ast.Node {
	if takesEnv(fn) {
		args = append([]ast.Node{envNode()}, args...)
	}
	if n, ok := b.typedCall(at, fn, args); ok {
		return n
	}
	n := &ast.CallNode{Callee: b.use(fn), Arguments: args}
	if at != nil {
		b.locate(n, at)
	}
	return n
}

func (b *binder) locate(n ast.Node, at syntax.Node) {
	from := utf8.RuneCountInString(b.src[:min(int(at.Pos()), len(b.src))])
	to := from + utf8.RuneCountInString(b.src[min(int(at.Pos()), len(b.src)):min(int(at.End()), len(b.src))])
	n.SetLocation(file.Location{From: from, To: to})
}

func envNode() ast.Node           { return &ast.IdentifierNode{Value: "$env"} }
func constNode(v any) ast.Node    { return &ast.ConstantNode{Value: v} }
func intNode(i int) ast.Node      { return &ast.IntegerNode{Value: i} }
func strNode(s string) ast.Node   { return &ast.StringNode{Value: s} }
func nilNode() ast.Node           { return &ast.NilNode{} }
func identNode(n string) ast.Node { return &ast.IdentifierNode{Value: n} }

func (b *binder) temp() string {
	b.ntemp++
	return fmt.Sprintf("t%d", b.ntemp)
}

// propChain is a run of property reads from a base (the context, or a
// value); the binder lowers it to one call instead of one per property.
type propChain struct {
	fromEnv bool     // the base is `context`
	base    ast.Node // otherwise the base value
	props   []*dotnet.Prop
}

// val is the result of binding an expression.
type val struct {
	chain  *propChain
	n      ast.Node
	t      *dotnet.Type // static type; nil for the null literal
	typ    *dotnet.Type // set when the expression names a type
	ns     string       // set when the expression names a namespace
	lambda *syntax.Lambda
	null   bool
}

var badVal = val{n: nilNode(), t: dotnet.Object}

// checkResult verifies that a value of static type t converts to want.
func (b *binder) checkResult(at syntax.Node, t, want *dotnet.Type) {
	if want == nil || want == dotnet.Object || t == nil || t == dotnet.Object || len(b.errs) > 0 {
		return
	}
	if want == dotnet.String {
		return // every value renders as a string
	}
	if t == want || t.AssignableTo(want) || (t.Nullable && t.Arg(0) == want) {
		return
	}
	if typeRank(want) != rankNone && typeRank(t) != rankNone {
		return
	}
	if isJTokenType(t) {
		return // JToken converts explicitly to primitives
	}
	b.errorf(at.Pos(), "cannot implicitly convert type '%s' to '%s'", t, want)
}

func isJTokenType(t *dotnet.Type) bool {
	for x := t; x != nil; x = x.Base {
		if x.Name == "JToken" {
			return true
		}
	}
	return false
}

// namespaces that qualified type names may start with.
var namespaces = map[string]bool{
	"System": true, "System.Text": true, "System.Linq": true, "System.Net": true,
	"System.Collections": true, "System.Collections.Generic": true, "System.Text.RegularExpressions": true,
	"System.Xml": true, "System.Xml.Linq": true, "System.Security": true, "System.Security.Cryptography": true,
	"System.Security.Cryptography.X509Certificates": true, "System.IO": true, "System.Globalization": true,
	"Newtonsoft": true, "Newtonsoft.Json": true, "Newtonsoft.Json.Linq": true,
}

// forbidden names the binder rejects with a clear message.
var forbidden = map[string]bool{
	"File": true, "Directory": true, "Process": true, "Environment": true, "HttpClient": true, "WebClient": true,
	"Thread": true, "Task": true, "Assembly": true, "Activator": true, "AppDomain": true, "Console": true,
	"Type": true, "Marshal": true, "Socket": true, "Dns": true,
}

func (b *binder) lookupType(name string) *dotnet.Type {
	if t := dotnet.Lookup(name); t != nil {
		return t
	}
	return nil
}

// resolveType turns a written type into a registered type.
func (b *binder) resolveType(tr *syntax.TypeRef) *dotnet.Type {
	if tr == nil {
		return dotnet.Object
	}
	var t *dotnet.Type
	if len(tr.Args) > 0 {
		def := b.lookupType(fmt.Sprintf("%s`%d", tr.Name, len(tr.Args)))
		if def == nil {
			def = b.lookupGenericQualified(tr.Name, len(tr.Args))
		}
		if def == nil {
			b.errorf(tr.Pos(), "the type '%s' is not available in policy expressions", tr.Name)
			return dotnet.Object
		}
		args := make([]*dotnet.Type, len(tr.Args))
		for i, a := range tr.Args {
			args[i] = b.resolveType(a)
		}
		t = dotnet.Instantiate(def, args...)
	} else {
		t = b.lookupType(tr.Name)
		if t == nil {
			if tr.Name == "var" || tr.Name == "dynamic" {
				b.errorf(tr.Pos(), "'%s' is not allowed here", tr.Name)
			} else if forbidden[lastDotted(tr.Name)] {
				b.errorf(tr.Pos(), "the type '%s' is not allowed in policy expressions", tr.Name)
			} else {
				b.errorf(tr.Pos(), "the type or namespace name '%s' could not be found", tr.Name)
			}
			return dotnet.Object
		}
	}
	if tr.Nullable {
		t = dotnet.NullableOf(t)
	}
	for i := 0; i < tr.Rank; i++ {
		t = dotnet.ArrayOf(t)
	}
	return t
}

func (b *binder) lookupGenericQualified(name string, n int) *dotnet.Type {
	return b.lookupType(fmt.Sprintf("%s`%d", lastDotted(name), n))
}

func lastDotted(s string) string {
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// rvalue binds an expression that must produce a value.
func (b *binder) rvalue(e syntax.Expr) val {
	v := b.expr(e)
	switch {
	case v.typ != nil:
		b.errorf(e.Pos(), "'%s' is a type, which is not valid in the given context", v.typ)
		return badVal
	case v.ns != "":
		b.errorf(e.Pos(), "'%s' is a namespace, which is not valid in the given context", v.ns)
		return badVal
	case v.lambda != nil:
		if m, ok := e.(*syntax.Member); ok && len(v.lambda.Params) == 1 && v.lambda.Params[0].Name == "__mg" {
			b.errorf(m.NamePos, "method '%s' must be called (a method group is only valid as a delegate argument)", m.Name)
			return badVal
		}
		b.errorf(e.Pos(), "a lambda expression is not valid here")
		return badVal
	}
	if v.t == nil && !v.null {
		v.t = dotnet.Object
	}
	return v
}

// expr binds and lowers one expression.
func (b *binder) expr(e syntax.Expr) val {
	switch e := e.(type) {
	case *syntax.Literal:
		return b.literal(e)
	case *syntax.Paren:
		return b.expr(e.X)
	case *syntax.CheckedExpr:
		if e.Unchecked {
			saved := b.checked
			b.checked = 0
			defer func() { b.checked = saved }()
			return b.expr(e.X)
		}
		b.checked++
		defer func() { b.checked-- }()
		return b.expr(e.X)
	case *syntax.Ident:
		return b.ident(e)
	case *syntax.TypeExpr:
		return val{typ: b.resolveType(e.Type)}
	case *syntax.Member:
		if e.Optional {
			return b.optional(e, e.X, func(recv val) val { return b.member(e, recv) })
		}
		return b.member(e, b.expr(e.X))
	case *syntax.Call:
		return b.callExpr(e)
	case *syntax.Index:
		if e.Optional {
			return b.optional(e, e.X, func(recv val) val { return b.index(e, recv) })
		}
		return b.index(e, b.rvalue(e.X))
	case *syntax.Unary:
		return b.unary(e)
	case *syntax.Postfix:
		return b.incdec(e, e.X, e.Op, true)
	case *syntax.Binary:
		return b.binary(e)
	case *syntax.Assign:
		return b.assign(e)
	case *syntax.Conditional:
		return b.conditional(e)
	case *syntax.Cast:
		return b.cast(e)
	case *syntax.Is:
		return b.is(e)
	case *syntax.As:
		x := b.rvalue(e.X)
		t := b.resolveType(e.Type)
		return val{n: b.call(e, fnAs, x.n, constNode(t)), t: t}
	case *syntax.TypeOf:
		b.errorf(e.Pos(), "typeof is not allowed in policy expressions")
		return badVal
	case *syntax.Default:
		if e.Type == nil {
			return val{n: nilNode(), null: true}
		}
		t := b.resolveType(e.Type)
		return val{n: constNode(zeroValue(t)), t: t}
	case *syntax.NameOf:
		name := ""
		switch x := e.X.(type) {
		case *syntax.Ident:
			name = x.Name
		case *syntax.Member:
			name = x.Name
		}
		return val{n: strNode(name), t: dotnet.String}
	case *syntax.Interpolated:
		return b.interpolated(e)
	case *syntax.New:
		return b.newExpr(e)
	case *syntax.Lambda:
		return val{lambda: e}
	case *syntax.SwitchExpr:
		return b.switchExpr(e)
	case *syntax.ThrowExpr:
		x := b.rvalue(e.X)
		return val{n: b.call(e, fnThrow, x.n), t: nil, null: true}
	case *syntax.GenericName:
		b.errorf(e.Pos(), "the generic method '%s' must be called", e.Name)
		return badVal
	case *syntax.OutVar:
		b.errorf(e.Pos(), "an out variable is only valid as an argument")
		return badVal
	case *syntax.InitList:
		b.errorf(e.Pos(), "a brace list is only valid in an initializer")
		return badVal
	}
	b.errorf(e.Pos(), "unsupported expression")
	return badVal
}

func (b *binder) literal(e *syntax.Literal) val {
	switch e.Kind {
	case syntax.LitNull:
		return val{n: nilNode(), null: true}
	case syntax.LitBool:
		return val{n: &ast.BoolNode{Value: e.Value.(bool)}, t: dotnet.Boolean}
	case syntax.LitString:
		return val{n: strNode(e.Value.(string)), t: dotnet.String}
	case syntax.LitChar:
		s := e.Value.(string)
		u := dotnet.UTF16(s)
		var c dotnet.Char
		if len(u) > 0 {
			c = dotnet.Char(u[0])
		}
		return val{n: constNode(c), t: dotnet.CharT}
	case syntax.LitInt:
		v, t, err := parseIntLiteral(e.Value.(string), e.Suffix)
		if err != nil {
			b.errorf(e.Pos(), "%v", err)
			return badVal
		}
		return val{n: constNode(v), t: t}
	case syntax.LitReal:
		v, t, err := parseRealLiteral(e.Value.(string), e.Suffix)
		if err != nil {
			b.errorf(e.Pos(), "%v", err)
			return badVal
		}
		return val{n: constNode(v), t: t}
	}
	return badVal
}

// UnresolvedNamedValue is an identifier that stands for a {{named value}}
// whose value is not known (validating without a configuration): it binds as
// a null object, so the rest of the expression can still be checked.
const UnresolvedNamedValue = "__policygate_unresolved_named_value__"

func (b *binder) ident(e *syntax.Ident) val {
	if e.Name == UnresolvedNamedValue {
		return val{n: nilNode(), t: dotnet.Object}
	}
	if l := b.lookupLocal(e.Name); l != nil {
		return val{n: b.call(e, fnLoc, envNode(), intNode(l.slot)), t: l.typ}
	}
	if e.Name == "context" {
		return val{n: b.call(e, fnCtx, envNode()), t: ContextType, chain: &propChain{fromEnv: true}}
	}
	if t := b.lookupType(e.Name); t != nil {
		return val{typ: t}
	}
	if namespaces[e.Name] {
		return val{ns: e.Name}
	}
	if forbidden[e.Name] {
		b.errorf(e.Pos(), "the type '%s' is not allowed in policy expressions", e.Name)
		return badVal
	}
	b.errorf(e.Pos(), "the name '%s' does not exist in the current context", e.Name)
	return badVal
}

// optional lowers x?.rest: when x is null the whole chain is null.
func (b *binder) optional(at syntax.Node, x syntax.Expr, rest func(recv val) val) val {
	recv := b.rvalue(x)
	name := b.temp()
	inner := rest(val{n: identNode(name), t: recv.t})
	t := inner.t
	if t != nil {
		t = dotnet.NullableOf(t)
	}
	return val{
		n: &ast.VariableDeclaratorNode{Name: name, Value: recv.n, Expr: &ast.ConditionalNode{
			Cond: &ast.BinaryNode{Operator: "==", Left: identNode(name), Right: nilNode()},
			Exp1: nilNode(),
			Exp2: inner.n,
		}},
		t: t,
	}
}

// member binds X.Name where X is a namespace, a type or a value.
func (b *binder) member(e *syntax.Member, x val) val {
	switch {
	case x.ns != "":
		full := x.ns + "." + e.Name
		if t := b.lookupType(full); t != nil {
			return val{typ: t}
		}
		if namespaces[full] {
			return val{ns: full}
		}
		if forbidden[e.Name] {
			b.errorf(e.NamePos, "the type '%s' is not allowed in policy expressions", full)
			return badVal
		}
		b.errorf(e.NamePos, "the type or namespace name '%s' does not exist in the namespace '%s'", e.Name, x.ns)
		return badVal
	case x.typ != nil:
		if p := x.typ.StaticProps[e.Name]; p != nil {
			return val{n: b.call(e, propFn(p), constNode(nil)), t: propType(p)}
		}
		if t := b.lookupType(x.typ.FullName + "." + e.Name); t != nil {
			return val{typ: t}
		}
		if len(x.typ.Static[e.Name]) > 0 {
			// A method group used as a delegate (Count(char.IsDigit),
			// Select(int.Parse)): the lambda x => Type.Method(x).
			arg := &syntax.Ident{Span: e.Span, Name: "__mg"}
			call := &syntax.Call{Span: e.Span, Fun: e, Args: []syntax.Arg{{Value: arg}}}
			return val{lambda: &syntax.Lambda{Span: e.Span, Params: []syntax.LambdaParam{{Name: "__mg"}}, Expr: call}}
		}
		b.errorf(e.NamePos, "'%s' does not contain a definition for '%s'%s", x.typ, e.Name, didYouMean(x.typ, e.Name, true))
		return badVal
	}
	if x.lambda != nil || x.n == nil {
		b.errorf(e.Pos(), "invalid member access")
		return badVal
	}
	if x.null {
		b.errorf(e.Pos(), "cannot access member '%s' of null", e.Name)
		return badVal
	}
	t := x.t
	if t.Nullable && len(t.Args) == 1 {
		switch e.Name {
		case "HasValue":
			return val{n: b.call(e, fnHasValue, x.n), t: dotnet.Boolean}
		case "Value":
			return val{n: b.call(e, fnNullableValue, x.n), t: t.Args[0]}
		}
		t = t.Args[0]
	}
	if p := t.FindProp(e.Name); p != nil && !p.Static {
		b.noteBody(t, e.Name)
		ch := &propChain{base: x.n, props: []*dotnet.Prop{p}}
		if x.chain != nil && x.t == t {
			ch = &propChain{fromEnv: x.chain.fromEnv, base: x.chain.base, props: append(append([]*dotnet.Prop(nil), x.chain.props...), p)}
		}
		base := ch.base
		if ch.fromEnv {
			base = envNode()
		}
		return val{n: b.call(e, chainFn(ch.props, ch.fromEnv), base), t: propType(p), chain: ch}
	}
	if isDynamic(t) {
		b.noteBody(t, e.Name)
		return val{n: b.call(e, fnDynProp, x.n, strNode(e.Name)), t: dotnet.Object}
	}
	if len(t.FindMethods(e.Name)) > 0 {
		b.errorf(e.NamePos, "method '%s' must be called", e.Name)
		return badVal
	}
	b.errorf(e.NamePos, "'%s' does not contain a definition for '%s'%s", t, e.Name, didYouMean(t, e.Name, false))
	return badVal
}

// noteBody records a Body member access: on IRequest or IResponse it
// reads that body; on a type resolved at run time it may read either.
// Any other type named Body (a user's JObject member, say) is not a
// message body.
func (b *binder) noteBody(t *dotnet.Type, name string) {
	if name != "Body" {
		return
	}
	switch {
	case t == RequestType:
		b.reads |= ReadsRequestBody
	case t == ResponseType:
		b.reads |= ReadsResponseBody
	case isDynamic(t), t.Interface:
		b.reads |= ReadsBodies
	default:
		for x := t; x != nil; x = x.Base {
			if x == RequestType || x == ResponseType {
				b.reads |= ReadsBodies
			}
		}
	}
}

// isDynamic reports whether members of t are resolved at run time: object,
// interfaces without members of their own, and unregistered types.
func isDynamic(t *dotnet.Type) bool {
	return t == nil || t == dotnet.Object
}

func propType(p *dotnet.Prop) *dotnet.Type {
	if p.Type == nil {
		return dotnet.Object
	}
	return p.Type
}

func (b *binder) conditional(e *syntax.Conditional) val {
	c := b.cond(e.Cond)
	x := b.rvalue(e.Then)
	y := b.rvalue(e.Else)
	t := unify(x, y)
	// Numeric arms convert to the common type: c ? 1 : 2.5 is a double.
	if typeRank(t) != rankNone && !x.null && !y.null {
		if x.t != t && typeRank(x.t) != rankNone {
			x.n = b.call(e.Then, fnConvert, x.n, constNode(t))
		}
		if y.t != t && typeRank(y.t) != rankNone {
			y.n = b.call(e.Else, fnConvert, y.n, constNode(t))
		}
	}
	return val{n: &ast.ConditionalNode{Cond: c, Exp1: x.n, Exp2: y.n}, t: t}
}

// cond binds a boolean condition, inserting a run-time check when its static
// type is not bool.
func (b *binder) cond(e syntax.Expr) ast.Node {
	v := b.rvalue(e)
	if v.t == dotnet.Boolean {
		return v.n
	}
	if v.t != nil && !isDynamic(v.t) && !(v.t.Nullable && v.t.Arg(0) == dotnet.Boolean) {
		b.errorf(e.Pos(), "cannot implicitly convert type '%s' to 'bool'", v.t)
	}
	return b.call(e, fnTruth, v.n)
}

// unify is the static type of a ?: or ?? result.
func unify(x, y val) *dotnet.Type {
	switch {
	case x.null && y.null:
		return dotnet.Object
	case x.null:
		return dotnet.NullableOf(y.t)
	case y.null:
		return dotnet.NullableOf(x.t)
	case x.t == y.t:
		return x.t
	}
	rx, ry := typeRank(x.t), typeRank(y.t)
	if rx != rankNone && ry != rankNone {
		return rankType(max(rx, ry))
	}
	if x.t != nil && y.t != nil {
		if y.t.AssignableTo(x.t) {
			return x.t
		}
		if x.t.AssignableTo(y.t) {
			return y.t
		}
	}
	return dotnet.Object
}

func (b *binder) unary(e *syntax.Unary) val {
	switch e.Op {
	case "!":
		return val{n: b.call(e, fnNot, b.cond(e.X)), t: dotnet.Boolean}
	case "-":
		x := b.rvalue(e.X)
		t := x.t
		if r := typeRank(t); r != rankNone && r < rankInt32+1 {
			t = dotnet.Int32
		}
		if b.checked > 0 && typeRank(t) != rankNone && typeRank(t) <= rankUInt64 {
			return val{n: b.call(e, fnCheckedArith, strNode("-"), x.n, nilNode(), constNode(t)), t: t}
		}
		return val{n: b.call(e, fnNeg, x.n), t: t}
	case "+":
		return b.rvalue(e.X)
	case "~":
		x := b.rvalue(e.X)
		return val{n: b.call(e, fnCompl, x.n), t: x.t}
	case "++", "--":
		return b.incdec(e, e.X, e.Op, false)
	}
	b.errorf(e.Pos(), "unsupported operator '%s'", e.Op)
	return badVal
}

func (b *binder) binary(e *syntax.Binary) val {
	switch e.Op {
	case "&&", "||":
		return val{n: &ast.BinaryNode{Operator: e.Op, Left: b.cond(e.X), Right: b.cond(e.Y)}, t: dotnet.Boolean}
	case "??":
		x := b.rvalue(e.X)
		y := b.rvalue(e.Y)
		t := y.t
		if !x.null && x.t != nil {
			t = x.t
			if t.Nullable && len(t.Args) == 1 {
				t = t.Args[0]
			}
			if y.t != nil && y.t != t && !y.t.AssignableTo(t) {
				t = unify(val{t: t}, y)
			}
		}
		return val{n: b.coalesce(x.n, y.n), t: t}
	}
	x := b.rvalue(e.X)
	y := b.rvalue(e.Y)
	return b.binop(e, e.Op, x, y)
}

// coalesce lowers x ?? y: y is evaluated only when x is null. expr's own
// ?? operator dereferences pointer operands (a *JObject would become a copy
// of the struct), so the value goes through a let-bound name that only the
// nil test touches.
func (b *binder) coalesce(x, y ast.Node) ast.Node {
	name := b.temp()
	return &ast.VariableDeclaratorNode{Name: name, Value: x, Expr: &ast.ConditionalNode{
		Cond: &ast.BinaryNode{Operator: "==", Left: identNode(name), Right: nilNode()},
		Exp1: y,
		Exp2: identNode(name),
	}}
}

func (b *binder) binop(at syntax.Node, op string, x, y val) val {
	switch op {
	case "==", "!=":
		fn := fnEq
		if op == "!=" {
			fn = fnNe
		}
		if usesReferenceEquality(x.t, y.t) {
			fn = fnRefEq
			if op == "!=" {
				fn = fnRefNe
			}
		}
		return val{n: b.call(at, fn, x.n, y.n), t: dotnet.Boolean}
	case "<", "<=", ">", ">=":
		return val{n: b.call(at, cmpFns[op], x.n, y.n), t: dotnet.Boolean}
	case "+", "-", "*", "/", "%":
		t := arithType(op, x.t, y.t)
		if t == dotnet.String {
			return val{n: b.call(at, fnStrAdd, x.n, y.n), t: t}
		}
		if b.checked > 0 && typeRank(t) != rankNone && typeRank(t) <= rankUInt64 {
			return val{n: b.call(at, fnCheckedArith, strNode(op), x.n, y.n, constNode(t)), t: t}
		}
		return val{n: b.call(at, arithFns[op], x.n, y.n), t: t}
	case "&", "|", "^", "<<", ">>":
		t := x.t
		if x.t != dotnet.Boolean {
			if r := max(typeRank(x.t), typeRank(y.t)); r != rankNone && op != "<<" && op != ">>" {
				t = rankType(r)
			}
		}
		return val{n: b.call(at, bitFns[op], x.n, y.n), t: t}
	}
	b.errorf(at.Pos(), "unsupported operator '%s'", op)
	return badVal
}

func arithType(op string, x, y *dotnet.Type) *dotnet.Type {
	if op == "+" && (x == dotnet.String || y == dotnet.String) {
		return dotnet.String
	}
	rx, ry := typeRank(x), typeRank(y)
	if rx != rankNone && ry != rankNone {
		r := max(rx, ry)
		if r == rankUInt32 && (rx == rankInt32 || ry == rankInt32) {
			r = rankInt64
		}
		return rankType(r)
	}
	if x != nil && y != nil {
		switch {
		case x.Name == "DateTime" && y.Name == "DateTime" && op == "-":
			return dotnet.Lookup("TimeSpan")
		case x.Name == "DateTime" && y.Name == "TimeSpan":
			return x
		case x.Name == "TimeSpan" && y.Name == "TimeSpan":
			return x
		case x.Name == "DateTimeOffset" && y.Name == "TimeSpan":
			return x
		}
	}
	return dotnet.Object
}

func (b *binder) cast(e *syntax.Cast) val {
	t := b.resolveType(e.Type)
	x := b.rvalue(e.X)
	if x.t != nil && !isDynamic(x.t) {
		st := x.t
		if (st == dotnet.String && typeRank(t) != rankNone) || (typeRank(st) != rankNone && t == dotnet.String) ||
			(st == dotnet.Boolean && typeRank(t) != rankNone) || (typeRank(st) != rankNone && t == dotnet.Boolean) {
			b.errorf(e.Pos(), "cannot convert type '%s' to '%s'", st, t)
			return badVal
		}
	}
	fn := fnCast
	if isJTokenType(x.t) && !isJTokenType(t) && t != dotnet.Object {
		fn = fnJTokenCast
	}
	if x.t != nil && typeRank(x.t) != rankNone {
		fn = fnConvert // a numeric conversion, not an unboxing
		if b.checked > 0 || typeRank(x.t) == rankDecimal {
			fn = fnCheckedConvert
		}
	}
	return val{n: b.call(e, fn, x.n, constNode(t)), t: t}
}

func (b *binder) is(e *syntax.Is) val {
	x := b.rvalue(e.X)
	var n ast.Node
	switch {
	case e.Type == nil && e.Const != nil:
		c := b.rvalue(e.Const)
		n = b.call(e, fnEq, x.n, c.n)
	case e.Type == nil:
		n = b.call(e, fnEq, x.n, nilNode())
	case e.Name != "":
		t := b.resolveType(e.Type)
		l := b.declare(e.Pos(), e.Name, t)
		n = b.call(e, fnIsBind, envNode(), intNode(l.slot), x.n, constNode(t))
	default:
		n = b.call(e, fnIs, x.n, constNode(b.resolveType(e.Type)))
	}
	if e.Not {
		n = b.call(e, fnNot, n)
	}
	return val{n: n, t: dotnet.Boolean}
}

func (b *binder) interpolated(e *syntax.Interpolated) val {
	var args []ast.Node
	for _, p := range e.Parts {
		if p.Expr == nil {
			args = append(args, strNode(p.Text))
			continue
		}
		x := b.rvalue(p.Expr)
		align := constNode(int32(0))
		if p.Alignment != nil {
			a := b.rvalue(p.Alignment)
			align = b.call(p.Alignment, fnConvert, a.n, constNode(dotnet.Int32))
		}
		args = append(args, b.call(p.Expr, fnFormat, x.n, strNode(p.Format), align))
	}
	if len(args) == 0 {
		return val{n: strNode(""), t: dotnet.String}
	}
	return val{n: b.call(e, fnConcat, args...), t: dotnet.String}
}

func (b *binder) switchExpr(e *syntax.SwitchExpr) val {
	x := b.rvalue(e.X)
	name := b.temp()
	var result ast.Node = b.call(e, fnThrowSwitch)
	var t *dotnet.Type
	for i := len(e.Arms) - 1; i >= 0; i-- {
		arm := e.Arms[i]
		v := b.rvalue(arm.Value)
		if t == nil {
			t = v.t
		} else if v.t != t {
			t = unify(val{t: t}, v)
		}
		var c ast.Node = &ast.BoolNode{Value: true}
		switch {
		case arm.Type != nil:
			c = b.call(arm.Value, fnIs, identNode(name), constNode(b.resolveType(arm.Type)))
		case arm.Pattern != nil:
			p := b.rvalue(arm.Pattern)
			c = b.call(arm.Value, fnEq, identNode(name), p.n)
		}
		if arm.When != nil {
			c = &ast.BinaryNode{Operator: "&&", Left: c, Right: b.cond(arm.When)}
		}
		result = &ast.ConditionalNode{Cond: c, Exp1: v.n, Exp2: result}
	}
	if t == nil {
		t = dotnet.Object
	}
	return val{n: &ast.VariableDeclaratorNode{Name: name, Value: x.n, Expr: result}, t: t}
}
