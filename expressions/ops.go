package expressions

import (
	"math"

	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/expressions/dotnet/systime"
)

// numeric ranks for C#'s binary numeric promotion.
const (
	rankNone = iota
	rankInt32
	rankUInt32
	rankInt64
	rankUInt64
	rankSingle
	rankDouble
	rankDecimal
)

func numRank(v any) int {
	switch v.(type) {
	case int32, int16, int8, uint8, uint16, dotnet.Char:
		return rankInt32
	case uint32:
		return rankUInt32
	case int64:
		return rankInt64
	case uint64:
		return rankUInt64
	case float32:
		return rankSingle
	case float64:
		return rankDouble
	case dotnet.Decimal:
		return rankDecimal
	}
	return rankNone
}

func typeRank(t *dotnet.Type) int {
	switch t {
	case dotnet.Int32, dotnet.Int16, dotnet.SByte, dotnet.Byte, dotnet.UInt16, dotnet.CharT:
		return rankInt32
	case dotnet.UInt32:
		return rankUInt32
	case dotnet.Int64:
		return rankInt64
	case dotnet.UInt64:
		return rankUInt64
	case dotnet.Single:
		return rankSingle
	case dotnet.Double:
		return rankDouble
	}
	if t != nil && t.Name == "Decimal" {
		return rankDecimal
	}
	return rankNone
}

func rankType(r int) *dotnet.Type {
	switch r {
	case rankInt32:
		return dotnet.Int32
	case rankUInt32:
		return dotnet.UInt32
	case rankInt64:
		return dotnet.Int64
	case rankUInt64:
		return dotnet.UInt64
	case rankSingle:
		return dotnet.Single
	case rankDouble:
		return dotnet.Double
	case rankDecimal:
		return dotnet.Lookup("System.Decimal")
	}
	return dotnet.Object
}

func toI64(v any) int64 {
	switch x := v.(type) {
	case int32:
		return int64(x)
	case int64:
		return x
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return int64(x)
	case dotnet.Char:
		return int64(x)
	case float32:
		return int64(x)
	case float64:
		return int64(x)
	case dotnet.Decimal:
		return x.D.IntPart()
	}
	return 0
}

func toF64(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case float32:
		return float64(x)
	case uint64:
		return float64(x)
	case dotnet.Decimal:
		f, _ := x.D.Float64()
		return f
	}
	return float64(toI64(v))
}

func toDec(v any) dotnet.Decimal {
	switch x := v.(type) {
	case dotnet.Decimal:
		return x
	case float64, float32:
		return dotnet.Decimal{D: decimalFromFloat(toF64(x))}
	}
	return dotnet.Decimal{D: decimalFromInt(toI64(v))}
}

// convertNumeric converts a numeric value to the numeric type of rank r
// (C#'s explicit numeric conversion: truncation toward zero, wrap-around).
func convertNumeric(v any, t *dotnet.Type) (any, bool) {
	if numRank(v) == rankNone {
		return nil, false
	}
	isFloat := false
	switch v.(type) {
	case float32, float64, dotnet.Decimal:
		isFloat = true
	}
	f := 0.0
	if isFloat {
		f = toF64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			f = 0
		}
	}
	i := toI64(v)
	if isFloat {
		i = int64(f)
	}
	switch t {
	case dotnet.Int32:
		return int32(i), true
	case dotnet.Int64:
		return i, true
	case dotnet.Double:
		return toF64(v), true
	case dotnet.Single:
		return float32(toF64(v)), true
	case dotnet.Int16:
		return int16(i), true
	case dotnet.UInt16:
		return uint16(i), true
	case dotnet.UInt32:
		return uint32(i), true
	case dotnet.UInt64:
		if x, ok := v.(uint64); ok {
			return x, true
		}
		return uint64(i), true
	case dotnet.Byte:
		return uint8(i), true
	case dotnet.SByte:
		return int8(i), true
	case dotnet.CharT:
		return dotnet.Char(i), true
	}
	if t != nil && t.Name == "Decimal" {
		return toDec(v), true
	}
	return nil, false
}

func fromRank(r int, i int64, f float64, d dotnet.Decimal) any {
	switch r {
	case rankInt32:
		return int32(i)
	case rankUInt32:
		return uint32(i)
	case rankInt64:
		return i
	case rankUInt64:
		return uint64(i)
	case rankSingle:
		return float32(f)
	case rankDouble:
		return f
	}
	return d
}

func promote(a, b any) int {
	ra, rb := numRank(a), numRank(b)
	if ra == rankNone || rb == rankNone {
		return rankNone
	}
	r := max(ra, rb)
	// uint mixed with a signed int widens to long, as in C#.
	if r == rankUInt32 && (ra == rankInt32 || rb == rankInt32) {
		r = rankInt64
	}
	return r
}

func divideByZero() error {
	return dotnet.Throw("System.DivideByZeroException", "Attempted to divide by zero.")
}

// arith applies a C# arithmetic operator (+ - * / %) with numeric promotion,
// string concatenation and DateTime/TimeSpan arithmetic.
func arith(op string, a, b any) (any, error) {
	if op == "+" {
		if sa, ok := a.(string); ok {
			return sa + dotnet.ToString(b), nil
		}
		if sb, ok := b.(string); ok {
			return dotnet.ToString(a) + sb, nil
		}
	}
	if a == nil || b == nil {
		return nil, nil // lifted operator on null yields null
	}
	r := promote(a, b)
	if r == rankNone {
		return timeArith(op, a, b)
	}
	switch r {
	case rankSingle, rankDouble:
		x, y := toF64(a), toF64(b)
		var z float64
		switch op {
		case "+":
			z = x + y
		case "-":
			z = x - y
		case "*":
			z = x * y
		case "/":
			z = x / y
		case "%":
			z = math.Mod(x, y)
		}
		return fromRank(r, 0, z, dotnet.Decimal{}), nil
	case rankDecimal:
		x, y := toDec(a).D, toDec(b).D
		switch op {
		case "+":
			return dotnet.Decimal{D: x.Add(y)}, nil
		case "-":
			return dotnet.Decimal{D: x.Sub(y)}, nil
		case "*":
			return dotnet.Decimal{D: x.Mul(y)}, nil
		case "/":
			if y.IsZero() {
				return nil, divideByZero()
			}
			return dotnet.DecimalDivide(dotnet.Decimal{D: x}, dotnet.Decimal{D: y})
		case "%":
			if y.IsZero() {
				return nil, divideByZero()
			}
			return dotnet.Decimal{D: x.Mod(y)}, nil
		}
	}
	if r == rankUInt64 {
		x, y := uint64(toI64(a)), uint64(toI64(b))
		if ua, ok := a.(uint64); ok {
			x = ua
		}
		if ub, ok := b.(uint64); ok {
			y = ub
		}
		return intArith(op, x, y)
	}
	z, err := intArith(op, toI64(a), toI64(b))
	if err != nil {
		return nil, err
	}
	return fromRank(r, z, 0, dotnet.Decimal{}), nil
}

// intArith applies + - * / % to integers with wrap-around, as unchecked C#.
func intArith[T int64 | uint64](op string, x, y T) (T, error) {
	switch op {
	case "+":
		return x + y, nil
	case "-":
		return x - y, nil
	case "*":
		return x * y, nil
	}
	if y == 0 {
		return 0, divideByZero()
	}
	if op == "/" {
		return x / y, nil
	}
	return x % y, nil
}

func timeArith(op string, a, b any) (any, error) {
	switch x := a.(type) {
	case dotnet.DateTime:
		switch y := b.(type) {
		case dotnet.TimeSpan:
			if op == "+" {
				return systime.DateTimeAddChecked(x, y)
			}
			if op == "-" {
				return systime.DateTimeAddChecked(x, -y)
			}
		case dotnet.DateTime:
			if op == "-" {
				return systime.DateTimeDiff(x, y), nil
			}
		}
	case dotnet.DateTimeOffset:
		switch y := b.(type) {
		case dotnet.TimeSpan:
			if op == "+" {
				return systime.DateTimeOffsetAdd(x, y)
			}
			if op == "-" {
				return systime.DateTimeOffsetAdd(x, -y)
			}
		case dotnet.DateTimeOffset:
			if op == "-" {
				return systime.DateTimeOffsetDiff(x, y), nil
			}
		}
	case dotnet.TimeSpan:
		if y, ok := b.(dotnet.TimeSpan); ok {
			switch op {
			case "+":
				return x + y, nil
			case "-":
				return x - y, nil
			}
		}
	}
	return nil, badOperands(op, a, b)
}

// bitwise applies & | ^ << >> to integers and & | ^ to booleans.
func bitwise(op string, a, b any) (any, error) {
	if x, ok := a.(bool); ok {
		y, ok := b.(bool)
		if !ok {
			return nil, badOperands(op, a, b)
		}
		switch op {
		case "&":
			return x && y, nil
		case "|":
			return x || y, nil
		case "^":
			return x != y, nil
		}
	}
	if a == nil || b == nil {
		return nil, nil
	}
	if op == "<<" || op == ">>" {
		n := uint(toI64(b))
		switch x := a.(type) {
		case int64:
			if op == "<<" {
				return x << (n & 63), nil
			}
			return x >> (n & 63), nil
		case uint64:
			if op == "<<" {
				return x << (n & 63), nil
			}
			return x >> (n & 63), nil
		}
		x := int32(toI64(a))
		if op == "<<" {
			return x << (n & 31), nil
		}
		return x >> (n & 31), nil
	}
	r := promote(a, b)
	if r == rankNone || r >= rankSingle {
		if e, ok := enumBits(op, a, b); ok {
			return e, nil
		}
		return nil, badOperands(op, a, b)
	}
	x, y := toI64(a), toI64(b)
	var z int64
	switch op {
	case "&":
		z = x & y
	case "|":
		z = x | y
	case "^":
		z = x ^ y
	}
	return fromRank(r, z, 0, dotnet.Decimal{}), nil
}

// enumBits combines flags enum values (RegexOptions.IgnoreCase | RegexOptions.Multiline):
// enum values are Go named integer types, combined through reflection-free
// conversion to int64 and back via the enum's own type.
func enumBits(op string, a, b any) (any, bool) {
	ia, oka := enumInt(a)
	ib, okb := enumInt(b)
	if !oka || !okb {
		return nil, false
	}
	var z int64
	switch op {
	case "&":
		z = ia & ib
	case "|":
		z = ia | ib
	case "^":
		z = ia ^ ib
	default:
		return nil, false
	}
	return enumFrom(a, z), true
}

func badOperands(op string, a, b any) error {
	return dotnet.Throw("System.InvalidOperationException", "Operator '%s' cannot be applied to operands of type '%s' and '%s'",
		op, dotnet.TypeOf(a).String(), dotnet.TypeOf(b).String())
}

// equal is C#'s == on two values (value equality for strings, numbers,
// structs, booleans and null; reference equality for other objects, except
// types that define value equality).
func equal(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if r := promote(a, b); r != rankNone {
		switch {
		case r == rankDecimal:
			return toDec(a).D.Equal(toDec(b).D)
		case r >= rankSingle:
			return toF64(a) == toF64(b)
		case r == rankUInt64:
			return toI64(a) == toI64(b) && (toI64(a) >= 0 || a == b)
		}
		return toI64(a) == toI64(b)
	}
	if ia, ok := enumInt(a); ok {
		if ib, ok := enumInt(b); ok {
			return ia == ib
		}
	}
	return dotnet.Equals(a, b)
}

// compare implements < <= > >= (false when either side is null, as lifted
// operators do).
func compare(op string, a, b any) (bool, error) {
	if a == nil || b == nil {
		return false, nil
	}
	var c int
	if r := promote(a, b); r != rankNone {
		switch {
		case r == rankDecimal:
			c = toDec(a).D.Cmp(toDec(b).D)
		case r >= rankSingle:
			x, y := toF64(a), toF64(b)
			if math.IsNaN(x) || math.IsNaN(y) {
				return false, nil
			}
			c = cmp3(x, y)
		default:
			c = cmp3(toI64(a), toI64(b))
		}
	} else if ia, ok := enumInt(a); ok {
		ib, ok := enumInt(b)
		if !ok {
			return false, dotnet.Throw("System.ArgumentException", "Object must be of the same type.")
		}
		c = cmp3(ia, ib)
	} else {
		var err error
		c, err = dotnet.Compare(a, b)
		if err != nil {
			return false, err
		}
	}
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}

func cmp3[T int64 | float64](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// negate is unary minus.
func negate(a any) (any, error) {
	switch x := a.(type) {
	case nil:
		return nil, nil
	case int32:
		return -x, nil
	case int64:
		return -x, nil
	case float64:
		return -x, nil
	case float32:
		return -x, nil
	case dotnet.Decimal:
		return dotnet.Decimal{D: x.D.Neg()}, nil
	case dotnet.TimeSpan:
		return -x, nil
	case int16, int8, uint8, uint16, dotnet.Char:
		return -int32(toI64(x)), nil
	case uint32:
		return -int64(x), nil
	}
	return nil, dotnet.Throw("System.InvalidOperationException", "Operator '-' cannot be applied to operand of type '%s'", dotnet.TypeOf(a).String())
}

func complement(a any) (any, error) {
	switch x := a.(type) {
	case int32:
		return ^x, nil
	case int64:
		return ^x, nil
	case uint32:
		return ^x, nil
	case uint64:
		return ^x, nil
	}
	return nil, dotnet.Throw("System.InvalidOperationException", "Operator '~' cannot be applied to operand of type '%s'", dotnet.TypeOf(a).String())
}

// truth converts a condition value to bool; a non-bool is an error.
func truth(v any) (bool, error) {
	if b, ok := v.(bool); ok {
		return b, nil
	}
	if v == nil {
		return false, dotnet.Throw("System.InvalidOperationException", "Nullable object must have a value.")
	}
	return false, dotnet.InvalidCast(dotnet.TypeOf(v).FullName, "System.Boolean")
}
