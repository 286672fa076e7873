package expressions

import (
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"

	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/expressions/syntax"
)

// expr calls a constant Go func of type func(any) any or func(any, any) any
// through its typed-call opcode, which passes arguments on the VM stack;
// calls through the function table gather them into a slice that each run
// allocates. So hot functions get typed twins, and b.call uses a twin when
// the argument count fits. A twin reports an error by panicking with it; the
// VM recovers the panic into an error that wraps it (unwrapVMError).

type twin struct {
	f1 func(any) any
	f2 func(any, any) any
}

var twins = map[*builtin.Function]twin{}

// packed holds, for method functions, the typed form taking the receiver
// and one constant slice of the remaining arguments.
var packed = map[*builtin.Function]func(recv, args any) any{}

func must(v any, err error) any {
	if err != nil {
		panic(err)
	}
	return v
}

func twin2(f *builtin.Function, g func(a, b any) (any, error)) {
	twins[f] = twin{f2: func(a, b any) any { return must(g(a, b)) }}
}

func twin1(f *builtin.Function, g func(a any) (any, error)) {
	twins[f] = twin{f1: func(a any) any { return must(g(a)) }}
}

func init() {
	twin2(fnLoc, func(env, slot any) (any, error) { return frameOf(env).Locals[slot.(int)], nil })
	twin1(fnTruth, func(a any) (any, error) { return truth(a) })
	twin1(fnNot, func(a any) (any, error) {
		v, err := truth(a)
		return !v, err
	})
	twin1(fnNeg, negate)
	twin2(fnEq, func(a, b any) (any, error) { return equal(a, b), nil })
	twin2(fnNe, func(a, b any) (any, error) { return !equal(a, b), nil })
	twin2(fnCast, func(a, t any) (any, error) { return castValue(a, t.(*dotnet.Type)) })
	twin2(fnConvert, func(a, t any) (any, error) { return convertValue(a, t.(*dotnet.Type)) })
	twin2(fnIs, func(a, t any) (any, error) { return dotnet.IsInstance(a, t.(*dotnet.Type)), nil })
	for op, f := range cmpFns {
		twin2(f, func(a, b any) (any, error) { return compare(op, a, b) })
	}
	for op, f := range bitFns {
		twin2(f, func(a, b any) (any, error) { return bitwise(op, a, b) })
	}
	for _, f := range arithFns {
		g := f.Func
		twin2(f, func(a, b any) (any, error) { return g(a, b) })
	}
}

// typedCall emits fn(args) through its twin when it has one of that arity.
func (b *binder) typedCall(at syntax.Node, fn *builtin.Function, args []ast.Node) (ast.Node, bool) {
	fnMu.Lock()
	tw, ok := twins[fn]
	fnMu.Unlock()
	if !ok {
		return nil, false
	}
	var callee any
	switch {
	case len(args) == 1 && tw.f1 != nil:
		callee = tw.f1
	case len(args) == 2 && tw.f2 != nil:
		callee = tw.f2
	default:
		return nil, false
	}
	n := &ast.CallNode{Callee: constNode(callee), Arguments: args}
	if at != nil {
		b.locate(n, at)
	}
	return n, true
}

// constValue returns the Go value of a lowered constant node.
func constValue(n ast.Node) (any, bool) {
	switch n := n.(type) {
	case *ast.ConstantNode:
		return n.Value, true
	case *ast.StringNode:
		return n.Value, true
	case *ast.BoolNode:
		return n.Value, true
	case *ast.NilNode:
		return nil, true
	}
	return nil, false
}

// methodConstArgs lowers a method call whose arguments (after the receiver)
// are all constants: they are packed into one constant slice so the call
// takes the typed path. The callee must not modify its argument slice.
func (b *binder) methodConstArgs(at syntax.Node, m *dotnet.Method, instance bool, nodes []ast.Node) (ast.Node, bool) {
	if len(nodes) < 2 {
		return nil, false
	}
	args := make([]any, 0, len(nodes)-1)
	for _, n := range nodes[1:] {
		v, ok := constValue(n)
		if !ok {
			return nil, false
		}
		if _, isRef := v.(*any); isRef {
			return nil, false
		}
		args = append(args, v)
	}
	f := methodFn(m, instance)
	fnMu.Lock()
	g := packed[f]
	fnMu.Unlock()
	if g == nil {
		return nil, false
	}
	n := &ast.CallNode{Callee: constNode(g), Arguments: []ast.Node{nodes[0], constNode(args)}}
	b.locate(n, at)
	return n, true
}
