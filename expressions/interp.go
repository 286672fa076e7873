package expressions

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"

	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/expressions/syntax"
)

// MaxSteps bounds the loop iterations and lambda calls of one evaluation.
const MaxSteps = 1_000_000

// DefaultTimeBudget and DefaultMemoryBudget are a request's expression
// budget unless configured: the wall-clock time of one evaluation and the
// bytes of the values its expressions build.
const (
	DefaultTimeBudget   = 5 * time.Second
	DefaultMemoryBudget = 256 << 20
)

// ErrBudget is returned when an evaluation exceeds MaxSteps; try/catch in a
// policy cannot catch it.
var ErrBudget = errors.New("expression evaluation exceeded its step budget")

// Frame is the environment of one evaluation: the context and the locals.
// Every expr program of a Program runs with the frame as its env.
type Frame struct {
	Ctx    *Context
	Locals []any
	steps  int
	ret    any
	vms    []*vm.VM // one per nesting depth: lambdas run while an outer VM is mid-run
	depth  int
	budget dotnet.Budget
}

var framePool = sync.Pool{New: func() any { return &Frame{} }}

func newFrame(c *Context, slots int) *Frame {
	f := framePool.Get().(*Frame)
	f.Ctx = c
	if cap(f.Locals) < slots {
		f.Locals = make([]any, slots)
	} else {
		f.Locals = f.Locals[:slots]
	}
	return f
}

func (f *Frame) release() {
	clear(f.Locals)
	f.Ctx, f.ret, f.steps, f.depth, f.budget = nil, nil, 0, 0, dotnet.Budget{}
	framePool.Put(f)
}

func (f *Frame) step() error {
	f.steps++
	if f.steps > MaxSteps {
		return ErrBudget
	}
	if f.steps&255 == 1 { // the first step starts the clock
		return f.budget.Check()
	}
	return nil
}

// run executes one expr program on this frame.
func (f *Frame) run(p *vm.Program) (any, error) {
	if f.depth == len(f.vms) {
		f.vms = append(f.vms, &vm.VM{})
	}
	m := f.vms[f.depth]
	f.depth++
	out, err := m.Run(p, f)
	f.depth--
	if err != nil {
		return nil, unwrapVMError(err)
	}
	return out, nil
}

// unwrapVMError recovers the .NET exception (or budget error) that a
// function raised inside the VM.
func unwrapVMError(err error) error {
	var ex *dotnet.Exception
	if errors.As(err, &ex) {
		return ex
	}
	if errors.Is(err, ErrBudget) {
		return ErrBudget
	}
	var be *dotnet.BudgetError
	if errors.As(err, &be) {
		return be
	}
	var rt *RuntimeError
	if errors.As(err, &rt) {
		return rt
	}
	// A panic inside expr itself (a bug or an unsupported value): report it as
	// a .NET exception so policies see a runtime error, never a crash.
	return &dotnet.Exception{Type: "System.InvalidOperationException", Message: err.Error()}
}

func panicError(r any) error {
	if e, ok := r.(error); ok {
		return unwrapVMError(e)
	}
	return &dotnet.Exception{Type: "System.InvalidOperationException", Message: fmt.Sprint(r)}
}

// RuntimeError is an error that is not a .NET exception (internal limits).
type RuntimeError struct{ Msg string }

func (e *RuntimeError) Error() string { return e.Msg }

// Eval runs the program against a request context and returns its value.
// A failure is a *dotnet.Exception (the policy's runtime error), ErrBudget
// or a *dotnet.BudgetError (the request's time or memory budget ran out).
func (p *Program) Eval(c *Context) (v any, err error) {
	f := newFrame(c, p.slots)
	defer f.release()
	if c != nil && c.Budget != nil {
		f.budget = c.Budget.Start()
	}
	defer func() {
		// A panic in runtime code (a deferred LINQ query enumerated outside the
		// VM, or a bug) is the policy's runtime error, never a crash.
		if r := recover(); r != nil {
			v, err = nil, panicError(r)
		}
	}()
	if p.expr != nil {
		out, err := f.run(p.expr)
		if err != nil {
			return nil, err
		}
		return materialize(&f.budget, out)
	}
	fl, err := p.body.exec(f)
	if err != nil {
		return nil, err
	}
	if fl != flowReturn {
		return nil, &RuntimeError{Msg: "block ended without return"}
	}
	return materialize(&f.budget, f.ret)
}

// materialize runs a deferred LINQ query before the evaluation ends: its
// lambdas use this evaluation's frame, which goes back to a pool, so a query
// stored by a policy (cache-store-value, a variable) must not run later.
func materialize(b *dotnet.Budget, v any) (any, error) {
	var elem *dotnet.Type
	switch q := v.(type) {
	case *dotnet.Sequence:
		elem = q.Elem
	case *dotnet.Ordered:
		elem = q.Elem
	default:
		return v, nil
	}
	var items []any
	err := dotnet.Enumerate(v, func(x any) (bool, error) {
		if len(items) == dotnet.MaxCollectionLength {
			return false, dotnet.CollectionTooLong()
		}
		if len(items)&1023 == 0 {
			if err := b.Alloc(1024 * dotnet.ElemBytes); err != nil {
				return false, err
			}
		}
		items = append(items, x)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return dotnet.NewSequence(elem, items), nil
}

type flow uint8

const (
	flowNext flow = iota
	flowBreak
	flowContinue
	flowReturn
)

type stmtNode interface {
	exec(f *Frame) (flow, error)
}

type block struct{ stmts []stmtNode }

func (b *block) exec(f *Frame) (flow, error) {
	for _, s := range b.stmts {
		fl, err := s.exec(f)
		if err != nil || fl != flowNext {
			return fl, err
		}
	}
	return flowNext, nil
}

type evalStmt struct{ p *vm.Program }

func (s *evalStmt) exec(f *Frame) (flow, error) {
	_, err := f.run(s.p)
	return flowNext, err
}

type ifStmt struct {
	cond      *vm.Program
	then, els stmtNode
}

func (s *ifStmt) exec(f *Frame) (flow, error) {
	c, err := f.run(s.cond)
	if err != nil {
		return flowNext, err
	}
	if c.(bool) {
		return s.then.exec(f)
	}
	if s.els != nil {
		return s.els.exec(f)
	}
	return flowNext, nil
}

type foreachStmt struct {
	coll *vm.Program
	slot int
	elem *dotnet.Type // declared loop variable type (casts each element)
	body stmtNode
}

func (s *foreachStmt) exec(f *Frame) (flow, error) {
	c, err := f.run(s.coll)
	if err != nil {
		return flowNext, err
	}
	if c == nil {
		return flowNext, dotnet.NullReference()
	}
	// Collect first: the body may modify the collection (JObject edits are
	// common). Enumerate reports a failing deferred LINQ lambda as an error.
	var items []any
	err = dotnet.Enumerate(c, func(x any) (bool, error) {
		items = append(items, x)
		return true, f.step()
	})
	if err != nil {
		return flowNext, err
	}
	for _, x := range items {
		if err := f.step(); err != nil {
			return flowNext, err
		}
		if s.elem != nil && s.elem != dotnet.Object {
			x, err = castValue(x, s.elem)
			if err != nil {
				return flowNext, err
			}
		}
		f.Locals[s.slot] = x
		fl, err := s.body.exec(f)
		if err != nil {
			return flowNext, err
		}
		switch fl {
		case flowBreak:
			return flowNext, nil
		case flowReturn:
			return fl, nil
		}
	}
	return flowNext, nil
}

type loopStmt struct {
	init  []stmtNode
	cond  *vm.Program // nil: forever
	post  []*vm.Program
	body  stmtNode
	doFor bool // do { } while: test after the body
}

func (s *loopStmt) exec(f *Frame) (flow, error) {
	for _, in := range s.init {
		if _, err := in.exec(f); err != nil {
			return flowNext, err
		}
	}
	first := true
	for {
		if err := f.step(); err != nil {
			return flowNext, err
		}
		if s.cond != nil && !(s.doFor && first) {
			c, err := f.run(s.cond)
			if err != nil {
				return flowNext, err
			}
			if !c.(bool) {
				return flowNext, nil
			}
		}
		first = false
		fl, err := s.body.exec(f)
		if err != nil {
			return flowNext, err
		}
		switch fl {
		case flowBreak:
			return flowNext, nil
		case flowReturn:
			return fl, nil
		}
		for _, p := range s.post {
			if _, err := f.run(p); err != nil {
				return flowNext, err
			}
		}
	}
}

type switchCase struct {
	labels []*vm.Program // nil entry: default
	body   *block
}

type switchStmt struct {
	x     *vm.Program
	cases []switchCase
}

func (s *switchStmt) exec(f *Frame) (flow, error) {
	x, err := f.run(s.x)
	if err != nil {
		return flowNext, err
	}
	def := -1
	for i, c := range s.cases {
		for _, l := range c.labels {
			if l == nil {
				def = i
				continue
			}
			v, err := f.run(l)
			if err != nil {
				return flowNext, err
			}
			if equal(x, v) {
				return s.runCase(f, i)
			}
		}
	}
	if def >= 0 {
		return s.runCase(f, def)
	}
	return flowNext, nil
}

func (s *switchStmt) runCase(f *Frame, i int) (flow, error) {
	fl, err := s.cases[i].body.exec(f)
	if fl == flowBreak {
		fl = flowNext
	}
	return fl, err
}

type returnStmt struct{ p *vm.Program }

func (s *returnStmt) exec(f *Frame) (flow, error) {
	if s.p == nil {
		f.ret = nil
		return flowReturn, nil
	}
	v, err := f.run(s.p)
	if err != nil {
		return flowNext, err
	}
	f.ret = v
	return flowReturn, nil
}

type jumpStmt struct{ fl flow }

func (s *jumpStmt) exec(*Frame) (flow, error) { return s.fl, nil }

type throwStmt struct {
	p    *vm.Program // nil: rethrow the caught exception in slot
	slot int
}

func (s *throwStmt) exec(f *Frame) (flow, error) {
	var v any
	if s.p == nil {
		v = f.Locals[s.slot]
	} else {
		var err error
		if v, err = f.run(s.p); err != nil {
			return flowNext, err
		}
	}
	return flowNext, toException(v)
}

func toException(v any) error {
	if ex, ok := v.(*dotnet.Exception); ok {
		return ex
	}
	if v == nil {
		return dotnet.NullReference()
	}
	return dotnet.Throw("System.InvalidCastException", "the thrown value is not an exception")
}

type catchClause struct {
	typ    *dotnet.Type
	slot   int // -1: no variable
	filter *vm.Program
	body   *block
}

type tryStmt struct {
	body    *block
	catches []catchClause
	fin     *block
}

func (s *tryStmt) exec(f *Frame) (fl flow, err error) {
	fl, err = s.body.exec(f)
	var ex *dotnet.Exception
	if err != nil && errors.As(err, &ex) {
		for _, c := range s.catches {
			if !exceptionIs(ex, c.typ) {
				continue
			}
			if c.slot >= 0 {
				f.Locals[c.slot] = ex
			}
			if c.filter != nil {
				ok, ferr := f.run(c.filter)
				if ferr != nil || !ok.(bool) {
					continue
				}
			}
			fl, err = c.body.exec(f)
			break
		}
	}
	if s.fin != nil {
		ffl, ferr := s.fin.exec(f)
		if ferr != nil {
			return ffl, ferr
		}
	}
	return fl, err
}

// ---- binding statements ----

// prog lowers one expression into its own program.
func (b *binder) prog(n ast.Node) *vm.Program {
	p := b.program(n)
	if p == nil && len(b.errs) == 0 {
		b.errorf(0, "internal: empty program")
	}
	return p
}

// exprProg binds e and compiles it with the functions it uses.
func (b *binder) exprProg(e syntax.Expr) (*vm.Program, *dotnet.Type) {
	saved := b.fns
	b.fns = nil
	v := b.rvalue(e)
	p := b.prog(v.n)
	b.fns = saved
	return p, v.t
}

func (b *binder) condProg(e syntax.Expr) *vm.Program {
	saved := b.fns
	b.fns = nil
	n := b.cond(e)
	p := b.prog(n)
	b.fns = saved
	return p
}

func (b *binder) block(blk *syntax.Block) *block {
	b.push()
	defer b.pop()
	out := &block{}
	// Local functions are visible in the whole block (C# hoists them): declare
	// them first, and make their delegates before any statement runs.
	var hoisted []stmtNode
	funcs := map[*syntax.LocalFunc]*local{}
	for _, s := range blk.Stmts {
		if lf, ok := s.(*syntax.LocalFunc); ok {
			funcs[lf] = b.declare(lf.Pos(), lf.Name, b.localFuncType(lf))
		}
	}
	for _, s := range blk.Stmts {
		if lf, ok := s.(*syntax.LocalFunc); ok {
			hoisted = append(hoisted, b.localFunc(lf, funcs[lf]))
			continue
		}
		if n := b.stmt(s); n != nil {
			out.stmts = append(out.stmts, n)
		}
	}
	out.stmts = append(hoisted, out.stmts...)
	return out
}

// localFuncType is the delegate type of a local function: Func<params..., result>
// or Action<params...>.
func (b *binder) localFuncType(lf *syntax.LocalFunc) *dotnet.Type {
	var args []*dotnet.Type
	for _, p := range lf.Params {
		args = append(args, b.resolveType(p.Type))
	}
	name := "Action"
	if lf.Result != nil && lf.Result.Name != "void" {
		name = "Func"
		args = append(args, b.resolveType(lf.Result))
	}
	if len(args) == 0 {
		return dotnet.Lookup("System.Action")
	}
	def := dotnet.Lookup(fmt.Sprintf("%s`%d", name, len(args)))
	if def == nil {
		return dotnet.Object
	}
	return dotnet.Instantiate(def, args...)
}

func (b *binder) localFunc(lf *syntax.LocalFunc, l *local) stmtNode {
	saved := b.fns
	b.fns = nil
	lam := &syntax.Lambda{Span: lf.Span, Params: lf.Params, Expr: lf.Expr, Block: lf.Block}
	n := b.call(lf, fnSetLoc, envNode(), intNode(l.slot), b.lambda(lam, nil))
	p := b.prog(n)
	b.fns = saved
	return &evalStmt{p: p}
}

func (b *binder) stmtAsBlock(s syntax.Stmt) stmtNode {
	if blk, ok := s.(*syntax.Block); ok {
		return b.block(blk)
	}
	b.push()
	defer b.pop()
	n := b.stmt(s)
	if n == nil {
		return &block{}
	}
	return n
}

func (b *binder) stmt(s syntax.Stmt) stmtNode {
	switch s := s.(type) {
	case *syntax.Block:
		return b.block(s)
	case *syntax.Empty:
		return nil
	case *syntax.VarDecl:
		return b.varDecl(s)
	case *syntax.ExprStmt:
		p, _ := b.exprProg(s.X)
		return &evalStmt{p: p}
	case *syntax.If:
		c := b.condProg(s.Cond)
		n := &ifStmt{cond: c, then: b.stmtAsBlock(s.Then)}
		if s.Else != nil {
			n.els = b.stmtAsBlock(s.Else)
		}
		return n
	case *syntax.ForEach:
		coll, ct := b.exprProg(s.X)
		b.push()
		defer b.pop()
		var et *dotnet.Type
		if s.Type != nil {
			et = b.resolveType(s.Type)
		} else if it, ok := iterableType(ct); ok {
			et = it
		}
		l := b.declare(s.Pos(), s.Name, et)
		n := &foreachStmt{coll: coll, slot: l.slot, body: b.stmtAsBlock(s.Body)}
		if s.Type != nil {
			n.elem = et
		}
		return n
	case *syntax.For:
		b.push()
		defer b.pop()
		n := &loopStmt{}
		for _, in := range s.Init {
			if x := b.stmt(in); x != nil {
				n.init = append(n.init, x)
			}
		}
		if s.Cond != nil {
			n.cond = b.condProg(s.Cond)
		}
		for _, p := range s.Post {
			pp, _ := b.exprProg(p)
			n.post = append(n.post, pp)
		}
		n.body = b.stmtAsBlock(s.Body)
		return n
	case *syntax.While:
		return &loopStmt{cond: b.condProg(s.Cond), body: b.stmtAsBlock(s.Body)}
	case *syntax.DoWhile:
		return &loopStmt{cond: b.condProg(s.Cond), body: b.stmtAsBlock(s.Body), doFor: true}
	case *syntax.SwitchStmt:
		x, _ := b.exprProg(s.X)
		n := &switchStmt{x: x}
		for _, c := range s.Cases {
			sc := switchCase{}
			for _, l := range c.Labels {
				if l == nil {
					sc.labels = append(sc.labels, nil)
					continue
				}
				p, _ := b.exprProg(l)
				sc.labels = append(sc.labels, p)
			}
			sc.body = b.block(&syntax.Block{Stmts: c.Body})
			n.cases = append(n.cases, sc)
		}
		return n
	case *syntax.Return:
		if s.X == nil {
			return &returnStmt{}
		}
		p, t := b.exprProg(s.X)
		switch {
		case b.retType == nil:
			b.retType = t
		case t != b.retType:
			b.retType = unify(val{t: b.retType}, val{t: t})
		}
		return &returnStmt{p: p}
	case *syntax.Break:
		return &jumpStmt{fl: flowBreak}
	case *syntax.Continue:
		return &jumpStmt{fl: flowContinue}
	case *syntax.Throw:
		if s.X == nil {
			if l := b.lookupLocal(" caught"); l != nil {
				return &throwStmt{slot: l.slot}
			}
			b.errorf(s.Pos(), "a throw statement with no arguments is not allowed outside of a catch clause")
			return nil
		}
		p, _ := b.exprProg(s.X)
		return &throwStmt{p: p}
	case *syntax.Try:
		n := &tryStmt{body: b.block(s.Body)}
		for _, c := range s.Catches {
			b.push()
			cc := catchClause{typ: dotnet.ExceptionT, slot: -1}
			if c.Type != nil {
				cc.typ = b.resolveType(c.Type)
			}
			// every catch has a hidden slot so that "throw;" can rethrow
			hidden := b.declare(s.Pos(), " caught", cc.typ)
			cc.slot = hidden.slot
			if c.Name != "" {
				l := b.declare(s.Pos(), c.Name, cc.typ)
				cc.slot = l.slot
				b.sc.vars[" caught"] = l
			}
			if c.Filter != nil {
				cc.filter = b.condProg(c.Filter)
			}
			cc.body = b.block(c.Body)
			b.pop()
			n.catches = append(n.catches, cc)
		}
		if s.Finally != nil {
			n.fin = b.block(s.Finally)
		}
		return n
	case *syntax.CheckedStmt:
		saved := b.checked
		if s.Unchecked {
			b.checked = 0
		} else {
			b.checked++
		}
		defer func() { b.checked = saved }()
		return b.block(s.Body)
	case *syntax.Using:
		// using (resource) body: no resource here needs disposing, so it is a
		// scope holding the declaration followed by the body.
		b.push()
		defer b.pop()
		out := &block{}
		if s.Decl != nil {
			if n := b.varDecl(s.Decl); n != nil {
				out.stmts = append(out.stmts, n)
			}
		} else if s.X != nil {
			p, _ := b.exprProg(s.X)
			out.stmts = append(out.stmts, &evalStmt{p: p})
		}
		out.stmts = append(out.stmts, b.stmtAsBlock(s.Body))
		return out
	}
	b.errorf(s.Pos(), "unsupported statement")
	return nil
}

func (b *binder) varDecl(s *syntax.VarDecl) stmtNode {
	var declared *dotnet.Type
	if s.Type != nil {
		declared = b.resolveType(s.Type)
	}
	out := &block{}
	for _, d := range s.Names {
		if d.Init == nil {
			if declared == nil {
				b.errorf(d.NamePos, "implicitly-typed variables must be initialized")
				continue
			}
			l := b.declare(d.NamePos, d.Name, declared)
			z := zeroValue(declared)
			out.stmts = append(out.stmts, &setConst{slot: l.slot, v: z})
			continue
		}
		saved := b.fns
		b.fns = nil
		var v val
		if lam, ok := d.Init.(*syntax.Lambda); ok {
			elem := dotnet.Object
			if declared != nil && dotnet.IsDelegate(declared) && len(declared.Args) > 0 {
				elem = declared.Args[0]
			}
			v = val{n: b.lambda(lam, elem), t: dotnet.Object}
		} else {
			v = b.rvalue(d.Init)
		}
		t := declared
		if t == nil {
			t = v.t
			if v.null {
				b.errorf(d.NamePos, "cannot assign null to an implicitly-typed variable")
			}
		} else if v.t != nil && !v.null {
			b.checkAssign(d.Init, v.t, t)
		}
		// declared after its initializer is bound: "var x = x;" is an error in C#
		l := b.declare(d.NamePos, d.Name, t)
		n := b.call(d.Init, fnSetLoc, envNode(), intNode(l.slot), b.convertTo(v, t))
		p := b.prog(n)
		b.fns = saved
		out.stmts = append(out.stmts, &evalStmt{p: p})
	}
	if len(out.stmts) == 1 {
		return out.stmts[0]
	}
	return out
}

// checkAssign reports an initializer whose static type cannot be assigned
// to the declared type.
func (b *binder) checkAssign(at syntax.Node, from, to *dotnet.Type) {
	if to == dotnet.Object || isDynamic(from) || from.AssignableTo(to) {
		return
	}
	if from.Generic != nil && to.Generic == from.Generic && from.Arg(0) == dotnet.Object {
		return // object[] / List<object> from an untyped query: checked at run time
	}
	if typeRank(to) != rankNone && typeRank(from) != rankNone && typeRank(to) >= typeRank(from) {
		return
	}
	if to.Nullable && (to.Arg(0) == from || (typeRank(to.Arg(0)) != rankNone && typeRank(from) != rankNone)) {
		return
	}
	if isJTokenType(to) && (from == dotnet.String || typeRank(from) != rankNone || from == dotnet.Boolean || isJTokenType(from)) {
		return
	}
	if from.Interface || (from.Generic != nil && from.Generic.Interface) || to.Interface || (to.Generic != nil && to.Generic.Interface) {
		return
	}
	if isJTokenType(from) && isJTokenType(to) {
		b.errorf(at.Pos(), "cannot implicitly convert type '%s' to '%s'; an explicit conversion exists (are you missing a cast?)", from, to)
		return
	}
	b.errorf(at.Pos(), "cannot implicitly convert type '%s' to '%s'", from, to)
}

type setConst struct {
	slot int
	v    any
}

func (s *setConst) exec(f *Frame) (flow, error) {
	f.Locals[s.slot] = s.v
	return flowNext, nil
}

// returns reports whether every path through s ends in return or throw.
func returns(s syntax.Stmt) bool {
	switch s := s.(type) {
	case *syntax.Using:
		return returns(s.Body)
	case *syntax.CheckedStmt:
		return returns(s.Body)
	case *syntax.Return, *syntax.Throw:
		return true
	case *syntax.Block:
		for _, x := range s.Stmts {
			if returns(x) {
				return true
			}
		}
	case *syntax.If:
		return s.Else != nil && returns(s.Then) && returns(s.Else)
	case *syntax.Try:
		if s.Finally != nil && returns(s.Finally) {
			return true
		}
		if !returns(s.Body) {
			return false
		}
		for _, c := range s.Catches {
			if !returns(c.Body) {
				return false
			}
		}
		return true
	case *syntax.SwitchStmt:
		hasDefault := false
		for _, c := range s.Cases {
			for _, l := range c.Labels {
				if l == nil {
					hasDefault = true
				}
			}
			if !returns(&syntax.Block{Stmts: c.Body}) {
				return false
			}
		}
		return hasDefault
	case *syntax.While:
		if l, ok := s.Cond.(*syntax.Literal); ok && l.Kind == syntax.LitBool && l.Value == true {
			return !hasBreak(s.Body)
		}
	case *syntax.For:
		return s.Cond == nil && !hasBreak(s.Body)
	case *syntax.DoWhile:
		return returns(s.Body)
	}
	return false
}

func hasBreak(s syntax.Stmt) bool {
	switch s := s.(type) {
	case *syntax.Break:
		return true
	case *syntax.Block:
		for _, x := range s.Stmts {
			if hasBreak(x) {
				return true
			}
		}
	case *syntax.If:
		return hasBreak(s.Then) || (s.Else != nil && hasBreak(s.Else))
	case *syntax.Try:
		return hasBreak(s.Body)
	}
	return false
}

// ---- lambdas ----

type lambdaDef struct {
	slots []int
	prog  *vm.Program
	body  *block
	arity int
}

type lambdaValue struct {
	def *lambdaDef
	f   *Frame
}

func (l *lambdaValue) Arity() int { return l.def.arity }

func (l *lambdaValue) Call(args ...any) (any, error) {
	if err := l.f.step(); err != nil {
		return nil, err
	}
	for i, s := range l.def.slots {
		if i < len(args) {
			l.f.Locals[s] = args[i]
		}
	}
	if l.def.prog != nil {
		return l.f.run(l.def.prog)
	}
	saved := l.f.ret
	fl, err := l.def.body.exec(l.f)
	if err != nil {
		return nil, err
	}
	out := l.f.ret
	l.f.ret = saved
	if fl != flowReturn {
		return nil, nil // an Action lambda
	}
	return out, nil
}

var _ dotnet.Func = (*lambdaValue)(nil)

// lambda lowers a lambda argument into a call that makes the delegate.
func (b *binder) lambda(l *syntax.Lambda, elem *dotnet.Type) ast.Node {
	b.push()
	def := &lambdaDef{arity: len(l.Params)}
	for i, p := range l.Params {
		t := dotnet.Object
		switch {
		case p.Type != nil:
			t = b.resolveType(p.Type)
		case i == 0 && elem != nil:
			t = elem
		case i == 1 && elem != nil && elem != dotnet.Object:
			t = dotnet.Int32 // (x, i) index overloads
		}
		loc := b.declare(l.Pos(), p.Name, t)
		def.slots = append(def.slots, loc.slot)
	}
	savedFns, savedRet := b.fns, b.retType
	b.fns = nil
	b.lambdaResult = nil
	if l.Expr != nil {
		v := b.expr(l.Expr)
		if v.n == nil {
			v = badVal
		}
		def.prog = b.prog(v.n)
		b.lambdaResult = v.t
	} else {
		b.retType = nil
		def.body = b.block(l.Block)
		b.lambdaResult = b.retType
	}
	b.fns, b.retType = savedFns, savedRet
	b.pop()
	return &ast.CallNode{Callee: b.use(fnLambda), Arguments: []ast.Node{envNode(), constNode(def)}}
}

// parsedTreeFactor estimates the memory of a parsed JSON or XML tree per
// byte of its text (measured: 4× for long strings to 32× for small numbers).
const parsedTreeFactor = 16

// parsedBodyBytes is what reading the body as t is charged against the
// memory budget.
func parsedBodyBytes(t *dotnet.Type, b *Body) int64 {
	n := int64(len(b.Bytes()))
	if t == dotnet.String || t.Generic == dotnet.Array {
		return n
	}
	return n * parsedTreeFactor
}
