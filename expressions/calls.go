package expressions

import (
	"strings"

	"github.com/expr-lang/expr/ast"

	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/expressions/syntax"
)

// argInfo is a bound call argument before overload resolution.
type argInfo struct {
	name   string
	v      val
	out    bool
	outVar *syntax.OutVar // out var x / out T x: declared after resolution
	src    syntax.Expr
}

func (b *binder) bindArgs(args []syntax.Arg) []argInfo {
	out := make([]argInfo, len(args))
	for i, a := range args {
		out[i] = argInfo{name: a.Name, out: a.Out || a.Ref, src: a.Value}
		if ov, ok := a.Value.(*syntax.OutVar); ok {
			out[i].outVar = ov
			continue
		}
		if out[i].out {
			// out x with an existing local: passed by reference below
			continue
		}
		out[i].v = b.expr(a.Value)
		if out[i].v.typ != nil || out[i].v.ns != "" {
			b.errorf(a.Value.Pos(), "a type or namespace is not valid as an argument")
			out[i].v = badVal
		}
	}
	return out
}

func (b *binder) callExpr(e *syntax.Call) val {
	switch f := e.Fun.(type) {
	case *syntax.Member:
		if f.Optional {
			return b.optional(e, f.X, func(recv val) val { return b.methodCall(e, f, recv) })
		}
		return b.methodCall(e, f, b.expr(f.X))
	case *syntax.Ident:
		if l := b.lookupLocal(f.Name); l != nil && (dotnet.IsDelegate(l.typ) || isDynamic(l.typ)) {
			nodes := []ast.Node{b.call(f, fnLoc, envNode(), intNode(l.slot))}
			for _, a := range b.bindArgs(e.Args) {
				nodes = append(nodes, b.argNode(a, nil, dotnet.Object))
			}
			rt := dotnet.Object
			if l.typ.Generic != nil && strings.HasPrefix(l.typ.Generic.Name, "Func") && len(l.typ.Args) > 0 {
				rt = l.typ.Args[len(l.typ.Args)-1]
			} else if l.typ.Generic != nil && strings.HasPrefix(l.typ.Generic.Name, "Predicate") {
				rt = dotnet.Boolean
			}
			return val{n: b.call(e, fnInvoke, nodes...), t: rt}
		}
		b.errorf(f.Pos(), "the name '%s' is not a method", f.Name)
	case *syntax.GenericName:
		b.errorf(f.Pos(), "the name '%s' is not a method", f.Name)
	default:
		b.errorf(e.Pos(), "this expression cannot be called")
	}
	return badVal
}

func (b *binder) methodCall(e *syntax.Call, f *syntax.Member, recv val) val {
	var typeArgs []*dotnet.Type
	for _, ta := range f.TypeArgs {
		typeArgs = append(typeArgs, b.resolveType(ta))
	}
	switch {
	case recv.ns != "":
		b.errorf(f.NamePos, "the namespace '%s' has no method '%s'", recv.ns, f.Name)
		return badVal
	case recv.typ != nil:
		args := b.bindArgs(e.Args)
		cands := recv.typ.Static[f.Name]
		if len(cands) == 0 {
			b.errorf(f.NamePos, "'%s' does not contain a definition for '%s'%s", recv.typ, f.Name, didYouMean(recv.typ, f.Name, true))
			return badVal
		}
		return b.invoke(e, f.NamePos, f.Name, cands, recv.typ, nil, typeArgs, args, true)
	case recv.lambda != nil || recv.n == nil:
		b.errorf(e.Pos(), "invalid method call")
		return badVal
	}
	if recv.null {
		b.errorf(f.Pos(), "cannot call a method on null")
		return badVal
	}
	t := recv.t
	if t.Nullable && len(t.Args) == 1 {
		if f.Name == "GetValueOrDefault" && len(e.Args) <= 1 {
			args := b.bindArgs(e.Args)
			def := ast.Node(constNode(zeroValue(t.Args[0])))
			if len(args) == 1 {
				def = args[0].v.n
			}
			return val{n: b.coalesce(recv.n, def), t: t.Args[0]}
		}
		if (f.Name == "ToString" || f.Name == "GetHashCode") && len(e.Args) == 0 {
			// Nullable<T> answers these without a value: "" and 0.
			var none any = ""
			if f.Name == "GetHashCode" {
				none = int32(0)
			}
			name := b.temp()
			inner := b.invoke(e, f.NamePos, f.Name, t.Args[0].FindMethods(f.Name), t.Args[0], identNode(name), typeArgs, nil, false)
			if inner.n == nil {
				return inner
			}
			return val{n: &ast.VariableDeclaratorNode{Name: name, Value: recv.n, Expr: &ast.ConditionalNode{
				Cond: &ast.BinaryNode{Operator: "==", Left: identNode(name), Right: nilNode()},
				Exp1: constNode(none),
				Exp2: inner.n,
			}}, t: inner.t}
		}
		t = t.Args[0]
	}
	args := b.bindArgs(e.Args)
	if isDynamic(t) {
		// object means "not known statically": resolve on the run-time type
		return b.dynamicCall(e, f.Name, recv, args)
	}
	cands := t.FindMethods(f.Name)
	if len(cands) == 0 {
		if p := t.FindProp(f.Name); p != nil {
			idx := "..."
			if len(e.Args) == 1 {
				if a, z := int(e.Args[0].Value.Pos()), int(e.Args[0].Value.End()); a >= 0 && a < z && z <= len(b.src) {
					idx = b.src[a:z]
				}
			}
			b.errorf(f.NamePos, "'%s.%s' is a property, not a method: use %s[%s]", t, f.Name, f.Name, idx)
			return badVal
		}
		b.errorf(f.NamePos, "'%s' does not contain a definition for '%s'%s", t, f.Name, didYouMean(t, f.Name, false))
		return badVal
	}
	return b.invoke(e, f.NamePos, f.Name, cands, t, recv.n, typeArgs, args, false)
}

// dynamicCall calls a method resolved at run time on the value's type.
func (b *binder) dynamicCall(e *syntax.Call, name string, recv val, args []argInfo) val {
	nodes := []ast.Node{recv.n, strNode(name)}
	for _, a := range args {
		if a.name != "" {
			b.errorf(a.src.Pos(), "named arguments need a statically known receiver type; cast the receiver")
			return badVal
		}
		nodes = append(nodes, b.argNode(a, nil, dotnet.Object))
	}
	return val{n: b.call(e, fnDynCall, nodes...), t: dotnet.Object}
}

// argNode lowers one argument for a parameter (p may be nil for dynamic
// calls); elem is the element type lambdas see as their first parameter.
func (b *binder) argNode(a argInfo, p *dotnet.Param, elem *dotnet.Type) ast.Node {
	switch {
	case a.outVar != nil:
		t := dotnet.Object
		if a.outVar.Type != nil {
			t = b.resolveType(a.outVar.Type)
		} else if p != nil && p.Type != nil {
			t = p.Type
		}
		l := b.declare(a.outVar.Pos(), a.outVar.Name, t)
		return b.call(a.outVar, fnRef, envNode(), intNode(l.slot))
	case a.out:
		id, ok := a.src.(*syntax.Ident)
		if !ok {
			b.errorf(a.src.Pos(), "an out argument must be a local variable")
			return nilNode()
		}
		l := b.lookupLocal(id.Name)
		if l == nil {
			b.errorf(a.src.Pos(), "the name '%s' does not exist in the current context", id.Name)
			return nilNode()
		}
		return b.call(id, fnRef, envNode(), intNode(l.slot))
	case a.v.lambda != nil:
		return b.lambda(a.v.lambda, elem)
	}
	if p != nil && p.Type != nil && a.v.t != nil && a.v.t != p.Type && !p.Params {
		// implicit numeric widening (int argument to a long or double parameter)
		if typeRank(p.Type) != rankNone && typeRank(a.v.t) != rankNone && typeRank(p.Type) > typeRank(a.v.t) {
			return &ast.CallNode{Callee: b.use(fnConvert), Arguments: []ast.Node{a.v.n, constNode(p.Type)}}
		}
	}
	return a.v.n
}

// score rates how well an argument of static type at fits a parameter type:
// -1 no, 3 exact, 2 assignable, 1 by conversion or unknown.
func score(at *dotnet.Type, null bool, pt *dotnet.Type) int {
	switch {
	case pt == nil || pt == dotnet.Object:
		if at == nil || at == dotnet.Object {
			return 2
		}
		return 1
	case null:
		if pt.ValueType && !pt.Nullable {
			return -1
		}
		return 2
	case at == nil || isDynamic(at):
		return 1
	case at == pt:
		return 3
	case at.AssignableTo(pt):
		return 2
	case pt.Nullable && pt.Arg(0) == at:
		return 2
	}
	ra, rp := typeRank(at), typeRank(pt)
	if ra != rankNone && rp != rankNone && rp >= ra && !(ra == rankDouble && rp == rankDecimal) {
		return 1
	}
	if isJTokenType(pt) && (at == dotnet.String || at.ValueType || at.Name == "Uri" || (at.Generic == dotnet.Array && at.Arg(0) == dotnet.Byte)) {
		return 1 // implicit conversion to JToken (primitives, DateTime, Guid, TimeSpan, Uri, byte[])
	}
	if pt.Interface && at.Generic != nil && pt.Generic != nil {
		return 1
	}
	if dotnet.FindConversion(at, pt) != nil {
		return 1 // a user-defined implicit conversion (string → XName …)
	}
	if pt.Interface || (pt.Generic != nil && pt.Generic.Interface) {
		if _, ok := iterableType(at); ok {
			return 1
		}
	}
	return -1
}

// iterableType reports whether values of t are enumerable.
func iterableType(t *dotnet.Type) (*dotnet.Type, bool) {
	if t == dotnet.String {
		return dotnet.CharT, true
	}
	if t.AssignableTo(dotnet.IEnumerable) || (t.Generic != nil && t.Generic == dotnet.Array) {
		return elemType(t), true
	}
	return nil, false
}

func isLambdaParam(pt *dotnet.Type) bool {
	if pt == nil || pt == dotnet.Object {
		return true
	}
	n := pt.Name
	return strings.HasPrefix(n, "Func") || strings.HasPrefix(n, "Predicate") || strings.HasPrefix(n, "Action") ||
		strings.HasPrefix(n, "Comparison") || strings.HasPrefix(n, "MatchEvaluator") || strings.HasPrefix(n, "Converter")
}

// match tries to bind args to m's parameters; it returns the parameter for
// each argument (nil where the argument goes into a params array) and a score.
func match(m *dotnet.Method, args []argInfo, nTypeArgs int) (params []*dotnet.Param, total int, ok bool) {
	if nTypeArgs > 0 && m.TypeParams != nTypeArgs {
		return nil, 0, false
	}
	ps := m.Params
	if m.Extension && len(ps) > 0 {
		ps = ps[1:]
	}
	params = make([]*dotnet.Param, len(args))
	filled := make([]bool, len(ps))
	pos := 0
	for i, a := range args {
		var p *dotnet.Param
		if a.name != "" {
			for j := range ps {
				if ps[j].Name == a.name {
					p = &ps[j]
					filled[j] = true
				}
			}
			if p == nil {
				return nil, 0, false
			}
		} else {
			if pos >= len(ps) {
				return nil, 0, false
			}
			p = &ps[pos]
			if !p.Params {
				filled[pos] = true
				pos++
			} else {
				filled[pos] = true
			}
		}
		params[i] = p
		if p.Out != a.out {
			return nil, 0, false
		}
		s := 0
		switch {
		case a.out:
			s = 2
		case a.v.lambda != nil:
			if !isLambdaParam(p.Type) {
				return nil, 0, false
			}
			s = 2
		case p.Params:
			et := p.Type
			if et != nil && et.Generic == dotnet.Array {
				// a single argument may already be the array
				if len(args) == i+1 && a.v.t != nil && a.v.t.AssignableTo(et) {
					s = 3
					break
				}
				et = et.Arg(0)
			}
			s = score(a.v.t, a.v.null, et)
		default:
			s = score(a.v.t, a.v.null, p.Type)
		}
		if s < 0 {
			return nil, 0, false
		}
		total += s
	}
	for j := range ps {
		if !filled[j] && !ps[j].Optional && !ps[j].Params {
			return nil, 0, false
		}
	}
	// Prefer signatures without unused optional parameters.
	for j := range ps {
		if !filled[j] {
			total--
		}
	}
	return params, total, true
}

// resolve picks the best overload.
func resolve(cands []*dotnet.Method, args []argInfo, nTypeArgs int) (*dotnet.Method, []*dotnet.Param) {
	var best *dotnet.Method
	var bestParams []*dotnet.Param
	bestScore := -1 << 30
	for _, m := range cands {
		ps, s, ok := match(m, args, nTypeArgs)
		if ok && s > bestScore {
			best, bestParams, bestScore = m, ps, s
		}
	}
	if best == nil && nTypeArgs > 0 {
		return resolve(cands, args, 0)
	}
	return best, bestParams
}

// invoke lowers a call to one of cands (static when recvNode is nil).
func (b *binder) invoke(e syntax.Node, namePos syntax.Pos, name string, cands []*dotnet.Method, recvT *dotnet.Type,
	recvNode ast.Node, typeArgs []*dotnet.Type, args []argInfo, static bool) val {
	if !static && !isDynamic(recvT) {
		cands = applicable(cands, recvT)
	}
	m, params := resolve(cands, args, len(typeArgs))
	if m == nil {
		if len(typeArgs) > 0 {
			b.errorf(namePos, "no overload of '%s.%s' takes %d type arguments and these %d arguments", recvT, name, len(typeArgs), len(args))
		} else {
			b.errorf(namePos, "no overload of '%s.%s' takes these %d arguments%s", recvT, name, len(args), describeArgs(args))
		}
		return badVal
	}
	elem := dotnet.Object
	if m.Extension || recvNode != nil {
		if et, ok := iterableType(recvT); ok {
			elem = et
		}
	}
	// Generic type arguments: explicit, else inferred from a default argument
	// (Variables.GetValueOrDefault("x", "")) or object.
	if m.TypeParams > 0 && len(typeArgs) == 0 {
		for i := 0; i < m.TypeParams; i++ {
			t := dotnet.Object
			if i == 0 && len(args) >= 2 && args[len(args)-1].v.t != nil {
				t = args[len(args)-1].v.t
			}
			typeArgs = append(typeArgs, t)
		}
	}
	nodes := make([]ast.Node, 0, len(args)+len(typeArgs)+1)
	if recvNode != nil {
		nodes = append(nodes, recvNode)
	} else {
		nodes = append(nodes, constNode(nil))
	}
	for _, ta := range typeArgs {
		nodes = append(nodes, constNode(ta))
	}
	b.lambdaResult = nil
	nodes = append(nodes, b.orderArgs(m, params, args, elem)...)
	rt := m.Result
	if m.ResultOf != nil {
		hint := typeArgs
		if (name == "Select" || name == "Zip") && len(hint) == 0 && b.lambdaResult != nil && b.lambdaResult != dotnet.Void {
			hint = []*dotnet.Type{b.lambdaResult} // IEnumerable<TResult> of the selector
		}
		rt = m.ResultOf(recvT, hint)
	}
	if rt == nil {
		rt = dotnet.Object
	}
	if rt == dotnet.Void {
		rt = dotnet.Object
	}
	fn := methodFn(m, !static)
	if n, ok := b.methodConstArgs(e, m, !static, nodes); ok {
		return val{n: n, t: rt}
	}
	return val{n: b.call(e, fn, nodes...), t: rt}
}

// applicable drops extension methods declared for a concrete receiver type
// (byte[].Encrypt) that recvT is not.
func applicable(cands []*dotnet.Method, recvT *dotnet.Type) []*dotnet.Method {
	out := cands[:0:0]
	for _, m := range cands {
		if m.Extension && len(m.Params) > 0 {
			pt := m.Params[0].Type
			if pt != nil && !pt.Interface && pt.Generic != nil && pt.Generic == dotnet.Array && !recvT.AssignableTo(pt) && recvT != pt {
				continue
			}
		}
		out = append(out, m)
	}
	return out
}

func describeArgs(args []argInfo) string {
	if len(args) == 0 {
		return ""
	}
	var parts []string
	for _, a := range args {
		switch {
		case a.out:
			parts = append(parts, "out")
		case a.v.lambda != nil:
			parts = append(parts, "lambda")
		case a.v.null:
			parts = append(parts, "null")
		default:
			parts = append(parts, a.v.t.String())
		}
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// orderArgs arranges arguments in parameter order, filling defaults and
// packing params arrays.
func (b *binder) orderArgs(m *dotnet.Method, params []*dotnet.Param, args []argInfo, elem *dotnet.Type) []ast.Node {
	ps := m.Params
	if m.Extension && len(ps) > 0 {
		ps = ps[1:]
	}
	slots := make([]ast.Node, len(ps))
	var packed []ast.Node
	packedIdx := -1
	for i, a := range args {
		p := params[i]
		j := paramIndex(ps, p)
		if p.Params {
			packedIdx = j
			et := p.Type
			if et != nil && et.Generic == dotnet.Array && len(args) == i+1 && len(packed) == 0 && a.v.t != nil && a.v.t.AssignableTo(et) {
				slots[j] = a.v.n // the array itself
				packedIdx = -1
				continue
			}
			packed = append(packed, b.argNode(a, p, elem))
			continue
		}
		lambdaElem := elem
		if a.v.lambda != nil && len(a.v.lambda.Params) == 2 && strings.HasPrefix(m.Name, "Aggregate") {
			lambdaElem = dotnet.Object
		}
		slots[j] = b.argNode(a, p, lambdaElem)
	}
	if packedIdx >= 0 || (len(ps) > 0 && ps[len(ps)-1].Params && slots[len(ps)-1] == nil) {
		idx := len(ps) - 1
		slots[idx] = &ast.CallNode{Callee: b.use(fnArray), Arguments: packed}
	}
	for j := range slots {
		if slots[j] == nil {
			slots[j] = constNode(ps[j].Default)
			if ps[j].Default == nil {
				slots[j] = nilNode()
			}
		}
	}
	return slots
}

func paramIndex(ps []dotnet.Param, p *dotnet.Param) int {
	for j := range ps {
		if &ps[j] == p {
			return j
		}
	}
	return 0
}

// index binds X[args].
func (b *binder) index(e *syntax.Index, x val) val {
	if x.null || x.n == nil {
		b.errorf(e.Pos(), "cannot index this value")
		return badVal
	}
	args := make([]argInfo, len(e.Args))
	for i, a := range e.Args {
		args[i] = argInfo{v: b.rvalue(a), src: a}
	}
	t := x.t
	if t.Nullable {
		t = t.Arg(0)
	}
	getters := indexGetters(t)
	if len(getters) == 0 {
		if isDynamic(t) {
			nodes := []ast.Node{x.n}
			for _, a := range args {
				nodes = append(nodes, a.v.n)
			}
			return val{n: b.call(e, fnDynIndex, nodes...), t: dotnet.Object}
		}
		b.errorf(e.Pos(), "cannot apply indexing with [] to an expression of type '%s'", t)
		return badVal
	}
	m, params := resolve(getters, args, 0)
	if m == nil {
		b.errorf(e.Pos(), "no indexer of '%s' takes these arguments%s", t, describeArgs(args))
		return badVal
	}
	nodes := append([]ast.Node{x.n}, b.orderArgs(m, params, args, dotnet.Object)...)
	rt := m.Result
	if m.ResultOf != nil {
		rt = m.ResultOf(t, nil)
	}
	if rt == nil {
		rt = dotnet.Object
	}
	return val{n: b.call(e, methodFn(m, true), nodes...), t: rt}
}

func indexGetters(t *dotnet.Type) []*dotnet.Method {
	var out []*dotnet.Method
	for _, m := range t.FindIndexers() {
		if !isSetter(m) {
			out = append(out, m)
		}
	}
	return out
}

func indexSetters(t *dotnet.Type) []*dotnet.Method {
	var out []*dotnet.Method
	for _, m := range t.FindIndexers() {
		if isSetter(m) {
			out = append(out, m)
		}
	}
	return out
}

// isSetter tells indexer setters ("set_Item", or "Set" in the collections
// files) from getters.
func isSetter(m *dotnet.Method) bool { return m.Name == "set_Item" || m.Name == "Set" }

// ---- object creation ----

func (b *binder) newExpr(e *syntax.New) val {
	if e.Array {
		return b.newArray(e)
	}
	if e.Type == nil {
		return b.newAnonymous(e)
	}
	t := b.resolveType(e.Type)
	if t == dotnet.Object && e.Type.Name != "object" {
		return badVal
	}
	args := b.bindArgs(e.Args)
	ctors := t.Ctors
	if len(ctors) == 0 && t.Generic != nil {
		ctors = t.Generic.Ctors
	}
	if len(ctors) == 0 {
		b.errorf(e.Type.Pos(), "cannot create an instance of '%s'", t)
		return badVal
	}
	m, params := resolve(ctors, args, 0)
	if m == nil {
		b.errorf(e.Type.Pos(), "'%s' does not contain a constructor that takes these %d arguments%s", t, len(args), describeArgs(args))
		return badVal
	}
	nodes := []ast.Node{constNode(t)}
	for _, ta := range t.Args { // generic constructors take their type arguments first
		nodes = append(nodes, constNode(ta))
	}
	nodes = append(nodes, b.orderArgs(m, params, args, dotnet.Object)...)
	obj := val{n: b.call(e, methodFn(m, false), nodes...), t: t}
	if e.Init == nil {
		return obj
	}
	return b.initialize(e.Init, obj)
}

// initialize lowers an object or collection initializer onto the new object.
func (b *binder) initialize(in *syntax.Initializer, obj val) val {
	name := b.temp()
	self := val{n: identNode(name), t: obj.t}
	var steps []ast.Node
	switch in.Kind {
	case syntax.InitCollection:
		adds := obj.t.FindMethods("Add")
		for _, el := range in.Elems {
			var args []argInfo
			if l, ok := el.(*syntax.InitList); ok {
				for _, x := range l.Elems {
					args = append(args, argInfo{v: b.rvalue(x), src: x})
				}
			} else {
				args = []argInfo{{v: b.rvalue(el), src: el}}
			}
			if len(adds) == 0 {
				b.errorf(el.Pos(), "'%s' has no Add method for a collection initializer", obj.t)
				continue
			}
			steps = append(steps, b.invoke(el, el.Pos(), "Add", adds, obj.t, self.n, nil, args, false).n)
		}
	case syntax.InitObject:
		for _, mi := range in.Members {
			v := b.rvalue(mi.Value)
			if mi.Index != nil {
				steps = append(steps, b.setIndex(mi.Value, self, mi.Index, v))
				continue
			}
			steps = append(steps, b.setMember(mi.Value, self, mi.Name, v))
		}
	}
	steps = append(steps, identNode(name))
	return val{n: &ast.VariableDeclaratorNode{Name: name, Value: obj.n, Expr: &ast.CallNode{Callee: b.use(fnLast), Arguments: steps}}, t: obj.t}
}

func (b *binder) newArray(e *syntax.New) val {
	var et *dotnet.Type
	if e.Type != nil {
		et = b.resolveType(e.Type)
		// new T[] {...}: the TypeRef may carry the rank; its element is what we want
		if et.Generic == dotnet.Array {
			et = et.Arg(0)
		}
	}
	var elems []val
	if e.Init != nil {
		for _, x := range e.Init.Elems {
			elems = append(elems, b.rvalue(x))
		}
	}
	if et == nil {
		et = dotnet.Object
		for i, v := range elems {
			if i == 0 {
				et = v.t
			} else if v.t != et {
				et = unify(val{t: et}, v)
			}
		}
		if et == nil {
			et = dotnet.Object
		}
	}
	at := dotnet.ArrayOf(et)
	if e.Size != nil {
		n := b.rvalue(e.Size)
		return val{n: b.call(e, fnMakeArray, envNode(), constNode(et), n.n), t: at}
	}
	nodes := []ast.Node{constNode(et)}
	for _, v := range elems {
		nodes = append(nodes, v.n)
	}
	return val{n: b.call(e, fnTypedArray, nodes...), t: at}
}

func (b *binder) newAnonymous(e *syntax.New) val {
	var (
		nodes []ast.Node
		names []string
		types []*dotnet.Type
	)
	if e.Init != nil {
		for _, mi := range e.Init.Members {
			name := mi.Name
			if name == "" {
				switch x := mi.Value.(type) {
				case *syntax.Ident:
					name = x.Name
				case *syntax.Member:
					name = x.Name
				}
			}
			v := b.rvalue(mi.Value)
			nodes = append(nodes, strNode(name), v.n)
			names = append(names, name)
			vt := v.t
			if vt == nil {
				vt = dotnet.Object
			}
			types = append(types, vt)
		}
	}
	return val{n: b.call(e, fnAnon, nodes...), t: anonTypeOf(names, types)}
}

// ---- assignment ----

func (b *binder) assign(e *syntax.Assign) val {
	op := strings.TrimSuffix(e.Op, "=")
	var rhs func(cur val) val
	if op == "" {
		y := b.rvalue(e.Y)
		rhs = func(val) val { return y }
	} else if op == "??" {
		y := b.rvalue(e.Y)
		rhs = func(cur val) val {
			return val{n: b.coalesce(cur.n, y.n), t: cur.t}
		}
	} else {
		y := b.rvalue(e.Y)
		rhs = func(cur val) val { return b.binop(e, op, cur, y) }
	}
	return b.store(e, e.X, rhs, false)
}

func (b *binder) incdec(at syntax.Node, x syntax.Expr, op string, postfix bool) val {
	one := val{n: constNode(int32(1)), t: dotnet.Int32}
	bop := "+"
	if op == "--" {
		bop = "-"
	}
	return b.store(at, x, func(cur val) val {
		r := b.binop(at, bop, cur, one)
		if typeRank(cur.t) != rankNone {
			r.n = &ast.CallNode{Callee: b.use(fnConvert), Arguments: []ast.Node{r.n, constNode(cur.t)}}
			r.t = cur.t
		}
		return r
	}, postfix)
}

// store lowers target = rhs(current). With postfix, the value is the old one.
func (b *binder) store(at syntax.Node, target syntax.Expr, rhs func(cur val) val, postfix bool) val {
	switch t := target.(type) {
	case *syntax.Paren:
		return b.store(at, t.X, rhs, postfix)
	case *syntax.Ident:
		l := b.lookupLocal(t.Name)
		if l == nil {
			if t.Name == "context" {
				b.errorf(t.Pos(), "context is read-only")
			} else {
				b.errorf(t.Pos(), "the name '%s' does not exist in the current context", t.Name)
			}
			return badVal
		}
		cur := val{n: b.call(t, fnLoc, envNode(), intNode(l.slot)), t: l.typ}
		nv := rhs(cur)
		n := b.convertTo(nv, l.typ)
		set := b.call(at, fnSetLoc, envNode(), intNode(l.slot), n)
		if postfix {
			return b.postfix(cur, set, l.typ)
		}
		return val{n: set, t: l.typ}
	case *syntax.Member:
		recv := b.rvalue(t.X)
		name := b.temp()
		self := val{n: identNode(name), t: recv.t}
		cur := b.member(t, self)
		set := b.setMember(at, self, t.Name, rhs(cur))
		if postfix {
			set = b.postfixNode(cur, set)
		}
		return val{n: &ast.VariableDeclaratorNode{Name: name, Value: recv.n, Expr: set}, t: cur.t}
	case *syntax.Index:
		recv := b.rvalue(t.X)
		name := b.temp()
		self := val{n: identNode(name), t: recv.t}
		// index arguments are evaluated once, into let-bound names
		var keyNames []string
		var keyVals []val
		for _, a := range t.Args {
			kn := b.temp()
			keyNames = append(keyNames, kn)
			keyVals = append(keyVals, b.rvalue(a))
		}
		curN, curT := b.indexGet(t, self, keyNames, keyVals)
		nv := rhs(val{n: curN, t: curT})
		set := b.setIndexNamed(at, self, keyNames, keyVals, nv)
		if postfix {
			set = b.postfixNode(val{n: curN, t: curT}, set)
		}
		var out ast.Node = set
		for i := len(keyNames) - 1; i >= 0; i-- {
			out = &ast.VariableDeclaratorNode{Name: keyNames[i], Value: keyVals[i].n, Expr: out}
		}
		return val{n: &ast.VariableDeclaratorNode{Name: name, Value: recv.n, Expr: out}, t: curT}
	}
	b.errorf(target.Pos(), "the left-hand side of an assignment must be a variable, property or indexer")
	return badVal
}

func (b *binder) postfix(cur val, set ast.Node, t *dotnet.Type) val {
	return val{n: b.postfixNode(cur, set), t: t}
}

// postfixNode evaluates to cur's old value after running set.
func (b *binder) postfixNode(cur val, set ast.Node) ast.Node {
	old := b.temp()
	return &ast.VariableDeclaratorNode{Name: old, Value: cur.n, Expr: &ast.CallNode{Callee: b.use(fnFirst), Arguments: []ast.Node{identNode(old), set}}}
}

// convertTo inserts an implicit numeric conversion into a typed local.
func (b *binder) convertTo(v val, t *dotnet.Type) ast.Node {
	if v.t != nil && t != nil && v.t != t && typeRank(t) != rankNone && typeRank(v.t) != rankNone {
		return &ast.CallNode{Callee: b.use(fnConvert), Arguments: []ast.Node{v.n, constNode(t)}}
	}
	return v.n
}

func (b *binder) setMember(at syntax.Node, self val, name string, v val) ast.Node {
	t := self.t
	if p := t.FindProp(name); p != nil {
		if p.Set == nil {
			b.errorf(at.Pos(), "property '%s.%s' is read-only", t, name)
			return nilNode()
		}
		return b.call(at, propSetFn(p), self.n, v.n)
	}
	if isDynamic(t) {
		return b.call(at, fnDynSetProp, self.n, strNode(name), v.n)
	}
	b.errorf(at.Pos(), "'%s' does not contain a definition for '%s'", t, name)
	return nilNode()
}

func (b *binder) setIndex(at syntax.Node, self val, keys []syntax.Expr, v val) ast.Node {
	var kv []val
	var names []string
	for _, k := range keys {
		kv = append(kv, b.rvalue(k))
		names = append(names, "")
	}
	return b.setIndexNamed(at, self, names, kv, v)
}

// setIndexNamed lowers self[keys] = v; keys are let-bound names when set,
// else their values' nodes are used directly.
func (b *binder) setIndexNamed(at syntax.Node, self val, names []string, keys []val, v val) ast.Node {
	nodes := []ast.Node{self.n}
	args := make([]argInfo, 0, len(keys)+1)
	for i, k := range keys {
		n := k.n
		if names[i] != "" {
			n = identNode(names[i])
		}
		args = append(args, argInfo{v: val{n: n, t: k.t, null: k.null}})
	}
	t := self.t
	setters := indexSetters(t)
	if len(setters) == 0 {
		if isDynamic(t) {
			for _, a := range args {
				nodes = append(nodes, a.v.n)
			}
			nodes = append(nodes, v.n)
			return b.call(at, fnDynSetIndex, nodes...)
		}
		b.errorf(at.Pos(), "the indexer of '%s' is read-only", t)
		return nilNode()
	}
	args = append(args, argInfo{v: v})
	m, params := resolve(setters, args, 0)
	if m == nil {
		b.errorf(at.Pos(), "no indexer of '%s' can be set with these arguments%s", t, describeArgs(args))
		return nilNode()
	}
	nodes = append(nodes, b.orderArgs(m, params, args, dotnet.Object)...)
	return b.call(at, methodFn(m, true), nodes...)
}

func (b *binder) indexGet(at syntax.Node, self val, names []string, keys []val) (ast.Node, *dotnet.Type) {
	args := make([]argInfo, len(keys))
	for i, k := range keys {
		args[i] = argInfo{v: val{n: identNode(names[i]), t: k.t, null: k.null}}
	}
	t := self.t
	getters := indexGetters(t)
	if len(getters) == 0 {
		nodes := []ast.Node{self.n}
		for _, a := range args {
			nodes = append(nodes, a.v.n)
		}
		return b.call(at, fnDynIndex, nodes...), dotnet.Object
	}
	m, params := resolve(getters, args, 0)
	if m == nil {
		return b.call(at, fnDynIndex, append([]ast.Node{self.n}, identNodes(names)...)...), dotnet.Object
	}
	rt := m.Result
	if m.ResultOf != nil {
		rt = m.ResultOf(t, nil)
	}
	if rt == nil {
		rt = dotnet.Object
	}
	return b.call(at, methodFn(m, true), append([]ast.Node{self.n}, b.orderArgs(m, params, args, dotnet.Object)...)...), rt
}

func identNodes(names []string) []ast.Node {
	out := make([]ast.Node, len(names))
	for i, n := range names {
		out[i] = identNode(n)
	}
	return out
}
