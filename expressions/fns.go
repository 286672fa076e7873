package expressions

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/expr-lang/expr/builtin"

	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/expressions/syntax"
)

// MaxStringLength bounds strings built by concatenation, so a loop cannot
// exhaust memory.
const MaxStringLength = dotnet.MaxStringLength

func fn(name string, f func(args ...any) (any, error)) *builtin.Function {
	return &builtin.Function{Name: name, Func: f}
}

func frameOf(a any) *Frame { return a.(*Frame) }

var (
	fnLoc    = fn("_loc", func(a ...any) (any, error) { return frameOf(a[0]).Locals[a[1].(int)], nil })
	fnSetLoc = fn("_setloc", func(a ...any) (any, error) {
		frameOf(a[0]).Locals[a[1].(int)] = a[2]
		return a[2], nil
	})
	fnRef = fn("_ref", func(a ...any) (any, error) { return &frameOf(a[0]).Locals[a[1].(int)], nil })
	fnCtx = fn("_ctx", func(a ...any) (any, error) {
		c := frameOf(a[0]).Ctx
		if c == nil {
			return nil, nil
		}
		return c, nil
	})
	fnInvoke = fn("_invoke", func(a ...any) (any, error) {
		f, ok := a[0].(dotnet.Func)
		if !ok {
			if a[0] == nil {
				return nil, dotnet.NullReference()
			}
			return nil, dotnet.Throw("Microsoft.CSharp.RuntimeBinder.RuntimeBinderException", "cannot invoke a non-delegate type")
		}
		return f.Call(a[1:]...)
	})
	fnLambda = fn("_lambda", func(a ...any) (any, error) {
		return &lambdaValue{def: a[1].(*lambdaDef), f: frameOf(a[0])}, nil
	})
	fnAs = fn("_as", func(a ...any) (any, error) {
		if dotnet.IsInstance(a[0], a[1].(*dotnet.Type)) {
			return a[0], nil
		}
		return nil, nil
	})
	fnIs     = fn("_is", func(a ...any) (any, error) { return dotnet.IsInstance(a[0], a[1].(*dotnet.Type)), nil })
	fnIsBind = fn("_isbind", func(a ...any) (any, error) {
		if !dotnet.IsInstance(a[2], a[3].(*dotnet.Type)) {
			return false, nil
		}
		frameOf(a[0]).Locals[a[1].(int)] = a[2]
		return true, nil
	})
	fnCast        = fn("_cast", func(a ...any) (any, error) { return castValue(a[0], a[1].(*dotnet.Type)) })
	fnConvert     = fn("_conv", func(a ...any) (any, error) { return convertValue(a[0], a[1].(*dotnet.Type)) })
	fnThrow       = fn("_throw", func(a ...any) (any, error) { return nil, toException(a[0]) })
	fnThrowSwitch = fn("_noarm", func(a ...any) (any, error) {
		return nil, dotnet.Throw("System.InvalidOperationException", "The switch expression does not handle all possible values of its input type.")
	})
	fnHasValue      = fn("_hasvalue", func(a ...any) (any, error) { return a[0] != nil, nil })
	fnNullableValue = fn("_nvalue", func(a ...any) (any, error) {
		if a[0] == nil {
			return nil, dotnet.Throw("System.InvalidOperationException", "Nullable object must have a value.")
		}
		return a[0], nil
	})
	fnTruth = fn("_truth", func(a ...any) (any, error) { return truth(a[0]) })
	fnNot   = fn("_not", func(a ...any) (any, error) {
		b, err := truth(a[0])
		return !b, err
	})
	fnNeg   = fn("_neg", func(a ...any) (any, error) { return negate(a[0]) })
	fnCompl = fn("_compl", func(a ...any) (any, error) { return complement(a[0]) })
	fnEq    = fn("_eq", func(a ...any) (any, error) { return equal(a[0], a[1]), nil })
	fnNe    = fn("_ne", func(a ...any) (any, error) { return !equal(a[0], a[1]), nil })
	fnFirst = fn("_first", func(a ...any) (any, error) { return a[0], nil })
	fnLast  = fn("_last", func(a ...any) (any, error) { return a[len(a)-1], nil })
	fnArray = fn("_arr", func(a ...any) (any, error) { return append([]any(nil), a...), nil })

	fnTypedArray = fn("_tarr", func(a ...any) (any, error) { return typedArray(a[0].(*dotnet.Type), a[1:]) })
	fnMakeArray  = fn("_marr", func(a ...any) (any, error) {
		f, a := frameOf(a[0]), a[1:]
		n, err := convertValue(a[1], dotnet.Int32)
		if err != nil {
			return nil, err
		}
		size := int(n.(int32))
		if size < 0 {
			return nil, dotnet.Throw("System.OverflowException", "Arithmetic operation resulted in an overflow.")
		}
		if err := f.budget.AllocElems(size); err != nil {
			return nil, err
		}
		et := a[0].(*dotnet.Type)
		items := make([]any, size)
		if z := zeroValue(et); z != nil {
			for i := range items {
				items[i] = z
			}
		}
		return typedArray(et, items)
	})
	fnConcat = fn("_concat", func(a ...any) (any, error) {
		var sb strings.Builder
		for _, x := range a {
			sb.WriteString(x.(string))
		}
		if sb.Len() > MaxStringLength {
			return nil, tooLong()
		}
		return sb.String(), nil
	})
	fnFormat = fn("_fmt", func(a ...any) (any, error) {
		var s string
		if f := a[1].(string); f != "" {
			var err error
			if s, err = dotnet.FormatValue(a[0], f); err != nil {
				return nil, err
			}
		} else {
			s = dotnet.ToString(a[0])
		}
		return pad(s, int(a[2].(int32))), nil
	})
	fnAnon = fn("_anon", func(a ...any) (any, error) {
		o := &AnonObject{}
		for i := 0; i+1 < len(a); i += 2 {
			o.Names = append(o.Names, a[i].(string))
			o.Values = append(o.Values, a[i+1])
		}
		return o, nil
	})
	fnDynProp     = fn("_dprop", func(a ...any) (any, error) { return dynProp(a[0], a[1].(string)) })
	fnDynSetProp  = fn("_dsetprop", func(a ...any) (any, error) { return dynSetProp(a[0], a[1].(string), a[2]) })
	fnDynCall     = fn("_dcall", func(a ...any) (any, error) { return dynCall(a[0], a[1].(string), a[2:]) })
	fnDynIndex    = fn("_dindex", func(a ...any) (any, error) { return dynIndex(a[0], a[1:], false) })
	fnDynSetIndex = fn("_dsetindex", func(a ...any) (any, error) { return dynIndex(a[0], a[1:], true) })

	arithFns = map[string]*builtin.Function{}
	cmpFns   = map[string]*builtin.Function{}
	bitFns   = map[string]*builtin.Function{}
)

func init() {
	names := map[string]string{"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod"}
	for op, n := range names {
		op := op
		arithFns[op] = fn("_"+n, func(a ...any) (any, error) {
			v, err := arith(op, a[0], a[1])
			if s, ok := v.(string); ok && len(s) > MaxStringLength {
				return nil, tooLong()
			}
			return v, err
		})
	}
	for op, n := range map[string]string{"<": "lt", "<=": "le", ">": "gt", ">=": "ge"} {
		op := op
		cmpFns[op] = fn("_"+n, func(a ...any) (any, error) { return compare(op, a[0], a[1]) })
	}
	for op, n := range map[string]string{"&": "band", "|": "bor", "^": "bxor", "<<": "shl", ">>": "shr"} {
		op := op
		bitFns[op] = fn("_"+n, func(a ...any) (any, error) { return bitwise(op, a[0], a[1]) })
	}
}

func tooLong() error {
	return dotnet.Throw("System.OutOfMemoryException", "string longer than %d characters", MaxStringLength)
}

func pad(s string, align int) string {
	n := len(dotnet.UTF16(s))
	switch {
	case align > n:
		return strings.Repeat(" ", align-n) + s
	case -align > n:
		return s + strings.Repeat(" ", -align-n)
	}
	return s
}

// ---- member functions (one expr function per .NET member, made once) ----

var (
	fnMu      sync.Mutex
	memberFns = map[any]*builtin.Function{}
	nextFn    int
)

func memberFn(key any, make func(name string) *builtin.Function) *builtin.Function {
	fnMu.Lock()
	defer fnMu.Unlock()
	if f, ok := memberFns[key]; ok {
		return f
	}
	nextFn++
	f := make(fmt.Sprintf("_m%d", nextFn))
	memberFns[key] = f
	return f
}

type methodKey struct {
	m        *dotnet.Method
	instance bool
}

// methodFn is the expr function for a method: args[0] is the receiver (or the
// type for constructors, nil for static methods), the rest its arguments.
func methodFn(m *dotnet.Method, instance bool) *builtin.Function {
	if m.FnB != nil {
		return budgetMethodFn(m, instance)
	}
	return memberFn(methodKey{m, instance}, func(name string) *builtin.Function {
		call := func(recv any, args []any) (any, error) {
			if instance && recv == nil {
				return nil, dotnet.NullReference()
			}
			if _, isType := recv.(*dotnet.Type); isType && !instance {
				recv = nil
			}
			return m.Fn(recv, args)
		}
		f := fn(name, func(a ...any) (any, error) { return call(a[0], a[1:]) })
		twins[f] = twin{f1: func(recv any) any { return must(call(recv, nil)) }}
		packed[f] = func(recv, args any) any { return must(call(recv, args.([]any))) }
		return f
	})
}

// envFns are the functions whose first argument is the frame ($env),
// which the binder's call adds.
var envFns = map[*builtin.Function]bool{}

func takesEnv(f *builtin.Function) bool {
	fnMu.Lock()
	defer fnMu.Unlock()
	return envFns[f]
}

// budgetMethodFn is methodFn for a method that takes the evaluation's budget
// (FnB): args[0] is the frame, args[1] the receiver.
func budgetMethodFn(m *dotnet.Method, instance bool) *builtin.Function {
	return memberFn(methodKey{m, instance}, func(name string) *builtin.Function {
		f := fn(name, func(a ...any) (any, error) {
			recv := a[1]
			if instance && recv == nil {
				return nil, dotnet.NullReference()
			}
			if _, isType := recv.(*dotnet.Type); isType && !instance {
				recv = nil
			}
			return m.FnB(&frameOf(a[0]).budget, recv, a[2:])
		})
		envFns[f] = true
		return f
	})
}

type propKey struct {
	p   *dotnet.Prop
	set bool
}

func propFn(p *dotnet.Prop) *builtin.Function {
	return memberFn(propKey{p, false}, func(name string) *builtin.Function {
		get := func(recv any) (any, error) {
			if !p.Static && recv == nil {
				return nil, dotnet.NullReference()
			}
			return p.Get(recv)
		}
		f := fn(name, func(a ...any) (any, error) { return get(a[0]) })
		twins[f] = twin{f1: func(recv any) any { return must(get(recv)) }}
		return f
	})
}

type chainKey struct {
	props   string
	fromEnv bool
}

// chainFn reads a run of properties in one call; from the frame's context
// when fromEnv, else from its argument.
func chainFn(props []*dotnet.Prop, fromEnv bool) *builtin.Function {
	key := chainKey{fromEnv: fromEnv}
	for _, p := range props {
		key.props += fmt.Sprintf("%p,", p)
	}
	props = append([]*dotnet.Prop(nil), props...)
	return memberFn(key, func(name string) *builtin.Function {
		read := func(v any) (any, error) {
			if fromEnv {
				c := frameOf(v).Ctx
				if c == nil {
					return nil, dotnet.NullReference()
				}
				v = c
			}
			for _, p := range props {
				if v == nil {
					return nil, dotnet.NullReference()
				}
				var err error
				if v, err = p.Get(v); err != nil {
					return nil, err
				}
			}
			return v, nil
		}
		f := fn(name, func(a ...any) (any, error) { return read(a[0]) })
		twins[f] = twin{f1: func(v any) any { return must(read(v)) }}
		return f
	})
}

func propSetFn(p *dotnet.Prop) *builtin.Function {
	return memberFn(propKey{p, true}, func(name string) *builtin.Function {
		return fn(name, func(a ...any) (any, error) {
			if !p.Static && a[0] == nil {
				return nil, dotnet.NullReference()
			}
			return a[1], p.Set(a[0], a[1])
		})
	})
}

// ---- dynamic dispatch (receiver of static type object) ----

func missing(v any, name string) error {
	return dotnet.Throw("Microsoft.CSharp.RuntimeBinder.RuntimeBinderException", "'%s' does not contain a definition for '%s'", dotnet.TypeOf(v).FullNameOrArray(), name)
}

func dynProp(recv any, name string) (any, error) {
	if recv == nil {
		return nil, dotnet.NullReference()
	}
	if o, ok := recv.(*AnonObject); ok {
		if v, ok := o.Get(name); ok {
			return v, nil
		}
	}
	if p := dotnet.TypeOf(recv).FindProp(name); p != nil {
		return p.Get(recv)
	}
	return nil, missing(recv, name)
}

func dynSetProp(recv any, name string, v any) (any, error) {
	if recv == nil {
		return nil, dotnet.NullReference()
	}
	if p := dotnet.TypeOf(recv).FindProp(name); p != nil && p.Set != nil {
		return v, p.Set(recv, v)
	}
	return nil, missing(recv, name)
}

// runtimeArgs describes run-time argument values for overload resolution.
func runtimeArgs(args []any) []argInfo {
	out := make([]argInfo, len(args))
	for i, a := range args {
		switch a.(type) {
		case *any:
			out[i].out = true
		case dotnet.Func:
			out[i].v = val{lambda: &syntax.Lambda{}}
		case nil:
			out[i].v = val{null: true}
		default:
			out[i].v = val{t: dotnet.TypeOf(a)}
		}
	}
	return out
}

// applyArgs orders run-time arguments for m: defaults, params packing.
func applyArgs(m *dotnet.Method, params []*dotnet.Param, args []any) []any {
	ps := m.Params
	if m.Extension && len(ps) > 0 {
		ps = ps[1:]
	}
	out := make([]any, len(ps))
	set := make([]bool, len(ps))
	var packed []any
	for i, a := range args {
		j := paramIndex(ps, params[i])
		if ps[j].Params {
			if len(args) == i+1 && len(packed) == 0 && a != nil && dotnet.TypeOf(a).AssignableTo(ps[j].Type) {
				out[j], set[j] = a, true
				continue
			}
			packed = append(packed, a)
			continue
		}
		out[j], set[j] = a, true
	}
	for j := range ps {
		if set[j] {
			continue
		}
		if ps[j].Params {
			out[j] = packed
			if packed == nil {
				out[j] = []any{}
			}
			continue
		}
		out[j] = ps[j].Default
	}
	return out
}

func dynCall(recv any, name string, args []any) (any, error) {
	if recv == nil {
		return nil, dotnet.NullReference()
	}
	t := dotnet.TypeOf(recv)
	cands := t.FindMethods(name)
	if len(cands) == 0 {
		return nil, missing(recv, name)
	}
	m, params := resolve(cands, runtimeArgs(args), 0)
	if m == nil {
		return nil, dotnet.Throw("Microsoft.CSharp.RuntimeBinder.RuntimeBinderException", "no overload for method '%s' takes %d arguments", name, len(args))
	}
	full := applyArgs(m, params, args)
	if m.TypeParams > 0 {
		tas := make([]any, m.TypeParams, m.TypeParams+len(full))
		for i := range tas {
			tas[i] = dotnet.Object
		}
		full = append(tas, full...)
	}
	return m.Fn(recv, full)
}

func dynIndex(recv any, args []any, set bool) (any, error) {
	if recv == nil {
		return nil, dotnet.NullReference()
	}
	t := dotnet.TypeOf(recv)
	var cands []*dotnet.Method
	if set {
		cands = indexSetters(t)
	} else {
		cands = indexGetters(t)
	}
	if len(cands) == 0 {
		return nil, dotnet.Throw("Microsoft.CSharp.RuntimeBinder.RuntimeBinderException", "cannot apply indexing with [] to an expression of type '%s'", t.FullNameOrArray())
	}
	m, params := resolve(cands, runtimeArgs(args), 0)
	if m == nil {
		return nil, dotnet.Throw("Microsoft.CSharp.RuntimeBinder.RuntimeBinderException", "no indexer of '%s' takes these arguments", t.FullNameOrArray())
	}
	out, err := m.Fn(recv, applyArgs(m, params, args))
	if set {
		return args[len(args)-1], err
	}
	return out, err
}

// ---- conversions ----

// castValue is C#'s explicit cast (T)v: reference conversions, unboxing and
// user-defined conversion operators.
func castValue(v any, t *dotnet.Type) (any, error) {
	if t == nil || t == dotnet.Object {
		return v, nil
	}
	if v == nil {
		if t.ValueType && !t.Nullable {
			return nil, dotnet.NullReference()
		}
		return nil, nil
	}
	if t.Nullable && len(t.Args) == 1 {
		return castValue(v, t.Args[0])
	}
	if dotnet.IsInstance(v, t) {
		return v, nil
	}
	if conv := dotnet.FindConversion(dotnet.TypeOf(v), t); conv != nil {
		return conv(v)
	}
	if t.Enum {
		if n, ok := v.(int32); ok && t.GoType != nil {
			return enumFrom(reflect.Zero(t.GoType).Interface(), int64(n)), nil
		}
	}
	if n, ok := enumInt(v); ok && typeRank(t) != rankNone {
		out, _ := convertNumeric(int32(n), t)
		return out, nil
	}
	return nil, dotnet.InvalidCast(dotnet.TypeOf(v).FullNameOrArray(), t.FullNameOrArray())
}

// convertValue converts numbers between numeric types (implicit widening and
// explicit narrowing alike); other values are cast.
func convertValue(v any, t *dotnet.Type) (any, error) {
	if t.Nullable && len(t.Args) == 1 {
		if v == nil {
			return nil, nil
		}
		t = t.Args[0]
	}
	if out, ok := convertNumeric(v, t); ok {
		return out, nil
	}
	return castValue(v, t)
}

// zeroValue is default(T).
func zeroValue(t *dotnet.Type) any {
	if t == nil || !t.ValueType || t.Nullable {
		return nil
	}
	if t.GoType != nil {
		return reflect.Zero(t.GoType).Interface()
	}
	return nil
}

func typedArray(et *dotnet.Type, items []any) (any, error) {
	switch et {
	case dotnet.String:
		if slices.Contains(items, nil) {
			return append([]any(nil), items...), nil // []string cannot hold null
		}
		out := make([]string, len(items))
		for i, x := range items {
			s, ok := x.(string)
			if !ok {
				return nil, dotnet.InvalidCast(dotnet.TypeOf(x).FullName, "System.String")
			}
			out[i] = s
		}
		return out, nil
	case dotnet.Byte, dotnet.Int32:
		conv := make([]any, len(items))
		for i, x := range items {
			c, err := convertValue(x, et)
			if err != nil {
				return nil, err
			}
			conv[i] = c
		}
		if et == dotnet.Byte {
			out := make([]byte, len(conv))
			for i, c := range conv {
				out[i] = c.(uint8)
			}
			return out, nil
		}
		out := make([]int32, len(conv))
		for i, c := range conv {
			out[i] = c.(int32)
		}
		return out, nil
	}
	return append([]any(nil), items...), nil
}

// ---- literals ----

func parseIntLiteral(digits, suffix string) (any, *dotnet.Type, error) {
	base := 10
	d := digits
	switch {
	case strings.HasPrefix(d, "0x") || strings.HasPrefix(d, "0X"):
		base, d = 16, d[2:]
	case strings.HasPrefix(d, "0b") || strings.HasPrefix(d, "0B"):
		base, d = 2, d[2:]
	}
	n, ok := new(big.Int).SetString(d, base)
	if !ok || n.Sign() < 0 || n.BitLen() > 64 {
		return nil, nil, fmt.Errorf("integral constant '%s' is too large", digits)
	}
	u := n.Uint64()
	switch suffix {
	case "":
		switch {
		case u <= math.MaxInt32:
			return int32(u), dotnet.Int32, nil
		case u <= math.MaxUint32:
			return uint32(u), dotnet.UInt32, nil
		case u <= math.MaxInt64:
			return int64(u), dotnet.Int64, nil
		}
		return u, dotnet.UInt64, nil
	case "l":
		if u <= math.MaxInt64 {
			return int64(u), dotnet.Int64, nil
		}
		return u, dotnet.UInt64, nil
	case "u":
		if u <= math.MaxUint32 {
			return uint32(u), dotnet.UInt32, nil
		}
		return u, dotnet.UInt64, nil
	case "ul", "lu":
		return u, dotnet.UInt64, nil
	case "f", "d", "m":
		return parseRealLiteral(digits, suffix)
	}
	return nil, nil, fmt.Errorf("invalid numeric suffix '%s'", suffix)
}

func parseRealLiteral(digits, suffix string) (any, *dotnet.Type, error) {
	switch suffix {
	case "m":
		d, err := decimalFromString(digits)
		if err != nil {
			return nil, nil, fmt.Errorf("invalid decimal literal '%s'", digits)
		}
		return d, dotnet.Lookup("System.Decimal"), nil
	case "f":
		f, err := strconv.ParseFloat(digits, 32)
		if err != nil {
			return nil, nil, fmt.Errorf("invalid float literal '%s'", digits)
		}
		return float32(f), dotnet.Single, nil
	}
	f, err := strconv.ParseFloat(digits, 64)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid real literal '%s'", digits)
	}
	return f, dotnet.Double, nil
}

// elemType is the element type foreach and lambdas see for a collection type.
func elemType(t *dotnet.Type) *dotnet.Type { return dotnet.ElemType(t) }

// exceptionIs reports whether a raised exception matches a catch type.
func exceptionIs(ex *dotnet.Exception, t *dotnet.Type) bool {
	if t == nil || t == dotnet.ExceptionT || t == dotnet.Object {
		return true
	}
	for name := ex.Type; name != ""; name = dotnet.ExceptionBase(name) {
		if name == t.FullName || name == t.Name {
			return true
		}
	}
	return false
}
