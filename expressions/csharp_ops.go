package expressions

import (
	"math"
	"math/big"
	"reflect"

	"github.com/policygate/policygate/expressions/dotnet"
)

// Reference equality: C# compiles == on two reference types that define no
// operator == (object, JToken, IPAddress, List<T>, ...) as an identity test,
// so two equal boxes or two equal JValues are not ==.
var (
	fnRefEq = fn("_refeq", func(a ...any) (any, error) { return referenceEqual(a[0], a[1]), nil })
	fnRefNe = fn("_refne", func(a ...any) (any, error) { return !referenceEqual(a[0], a[1]), nil })
)

// usesReferenceEquality reports whether == on static types x and y is C#'s
// reference comparison.
func usesReferenceEquality(x, y *dotnet.Type) bool {
	if x == nil || y == nil {
		return false
	}
	if x == dotnet.Object || y == dotnet.Object {
		return x == y
	}
	return isPlainReference(x) && isPlainReference(y)
}

// isPlainReference is a class type without operator ==.
func isPlainReference(t *dotnet.Type) bool {
	if t.ValueType || t.Nullable || t.Enum || t.Interface || t == dotnet.String || dotnet.IsDelegate(t) {
		return false
	}
	switch t.FullName {
	case "System.Uri", "System.Version":
		return false
	}
	return t.GoType != nil && (t.GoType.Kind() == reflect.Pointer || t.GoType.Kind() == reflect.Slice)
}

func referenceEqual(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	switch {
	case va.Kind() != vb.Kind() || va.Type() != vb.Type():
		return false
	case va.Kind() == reflect.Pointer || va.Kind() == reflect.Map || va.Kind() == reflect.Func:
		return va.Pointer() == vb.Pointer()
	case va.Kind() == reflect.Slice:
		return va.Pointer() == vb.Pointer() && va.Len() == vb.Len()
	case va.Kind() == reflect.String:
		// Strings through object: equal text stands for an interned string.
		return a == b
	}
	// A boxed value type: every boxing makes a new object.
	return false
}

// String concatenation: + with a string operand is string.Concat, which
// reads null as "" and never yields null.
var fnStrAdd = fn("_stradd", func(a ...any) (any, error) {
	s := dotnet.ToString(a[0]) + dotnet.ToString(a[1])
	if len(s) > MaxStringLength {
		return nil, tooLong()
	}
	return s, nil
})

// checked(...): integer arithmetic, negation and numeric casts raise
// OverflowException instead of wrapping.
var (
	fnCheckedArith = fn("_carith", func(a ...any) (any, error) {
		return checkedArith(a[0].(string), a[1], a[2], a[3].(*dotnet.Type))
	})
	fnCheckedConvert = fn("_cconv", func(a ...any) (any, error) { return checkedConvert(a[0], a[1].(*dotnet.Type)) })
)

func overflow() error {
	return dotnet.Throw("System.OverflowException", "Arithmetic operation resulted in an overflow.")
}

// intRange is the range of an integral type (ok false for other types).
func intRange(t *dotnet.Type) (lo, hi *big.Int, ok bool) {
	bounds := func(l, h int64) (*big.Int, *big.Int, bool) { return big.NewInt(l), big.NewInt(h), true }
	switch t {
	case dotnet.Int32:
		return bounds(math.MinInt32, math.MaxInt32)
	case dotnet.Int64:
		return bounds(math.MinInt64, math.MaxInt64)
	case dotnet.Int16:
		return bounds(math.MinInt16, math.MaxInt16)
	case dotnet.SByte:
		return bounds(math.MinInt8, math.MaxInt8)
	case dotnet.Byte:
		return bounds(0, math.MaxUint8)
	case dotnet.UInt16, dotnet.CharT:
		return bounds(0, math.MaxUint16)
	case dotnet.UInt32:
		return bounds(0, math.MaxUint32)
	case dotnet.UInt64:
		return big.NewInt(0), new(big.Int).SetUint64(math.MaxUint64), true
	}
	return nil, nil, false
}

func bigOf(v any) (*big.Int, bool) {
	if u, ok := v.(uint64); ok {
		return new(big.Int).SetUint64(u), true
	}
	if numRank(v) == rankNone || numRank(v) > rankUInt64 {
		return nil, false
	}
	return big.NewInt(toI64(v)), true
}

func checkedArith(op string, a, b any, t *dotnet.Type) (any, error) {
	lo, hi, ok := intRange(t)
	x, okx := bigOf(a)
	y, oky := bigOf(b)
	if !ok || !okx || !oky || op == "/" || op == "%" {
		if op == "-" && b == nil && okx && ok { // unary minus
			return checkedConvert(new(big.Int).Neg(x), t)
		}
		if b == nil {
			return negate(a)
		}
		return arith(op, a, b)
	}
	z := new(big.Int)
	switch op {
	case "+":
		z.Add(x, y)
	case "-":
		z.Sub(x, y)
	case "*":
		z.Mul(x, y)
	}
	if z.Cmp(lo) < 0 || z.Cmp(hi) > 0 {
		return nil, overflow()
	}
	return convertValue(z.Int64(), t)
}

func checkedConvert(v any, t *dotnet.Type) (any, error) {
	lo, hi, ok := intRange(t)
	if !ok {
		return convertValue(v, t)
	}
	var n *big.Int
	switch x := v.(type) {
	case *big.Int:
		n = x
	case float64, float32:
		f := toF64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, overflow()
		}
		n, _ = big.NewFloat(math.Trunc(f)).Int(nil)
	case dotnet.Decimal:
		n = x.D.BigInt()
	default:
		var okb bool
		if n, okb = bigOf(v); !okb {
			return convertValue(v, t)
		}
	}
	if n.Cmp(lo) < 0 || n.Cmp(hi) > 0 {
		return nil, overflow()
	}
	if n.IsUint64() && !n.IsInt64() {
		return convertValue(n.Uint64(), t)
	}
	return convertValue(n.Int64(), t)
}

// fnJTokenCast is an explicit conversion from a JToken-typed value
// ((int)token, (string)token, (int?)token): Newtonsoft's operators, which
// read a null reference as ArgumentNullException (or null for nullable and
// reference targets).
var fnJTokenCast = fn("_jcast", func(a ...any) (any, error) { return dotnet.JTokenConvert(a[0], a[1].(*dotnet.Type)) })
