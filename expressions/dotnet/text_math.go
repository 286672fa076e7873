package dotnet

import (
	"math"
	"strconv"

	"github.com/shopspring/decimal"
)

// MidpointRounding is System.MidpointRounding.
type MidpointRounding int32

// MidpointRounding values.
const (
	MidpointToEven MidpointRounding = iota
	MidpointAwayFromZero
	MidpointToZero
	MidpointToNegativeInfinity
	MidpointToPositiveInfinity
)

var midpointNames = []string{"ToEven", "AwayFromZero", "ToZero", "ToNegativeInfinity", "ToPositiveInfinity"}

// String returns the member name.
func (m MidpointRounding) String() string { return txEnumName(midpointNames, int(m)) }

// MidpointRoundingT is the System.MidpointRounding enum type.
var MidpointRoundingT = txEnumType("MidpointRounding", "System.MidpointRounding", MidpointRounding(0), midpointNames,
	func(i int) any { return MidpointRounding(i) })

// MathT is System.Math (static members only).
var MathT = Register(NewType("Math", "System.Math", nil, nil))

// RoundDouble is Math.Round(value, digits, mode).
func RoundDouble(f float64, digits int, mode MidpointRounding) (float64, error) {
	if digits < 0 || digits > 15 {
		return 0, txArgOutOfRange("digits", "Rounding digits must be between 0 and 15, inclusive.")
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return f, nil
	}
	if math.Abs(f) >= 1e16 {
		return f, nil
	}
	p := math.Pow(10, float64(digits))
	v := f * p
	if math.IsInf(v, 0) {
		return f, nil
	}
	switch mode {
	case MidpointToEven:
		v = math.RoundToEven(v)
	case MidpointAwayFromZero:
		// .NET rounds the scaled value: a fraction of at least 0.5 goes up.
		t := math.Trunc(v)
		if math.Abs(v-t) >= 0.5 {
			t += math.Copysign(1, v)
		}
		v = t
	case MidpointToZero:
		v = math.Trunc(v)
	case MidpointToNegativeInfinity:
		v = math.Floor(v)
	case MidpointToPositiveInfinity:
		v = math.Ceil(v)
	default:
		return 0, txArgument("mode", "The value '"+strconv.Itoa(int(mode))+"' is not valid for this usage of the type MidpointRounding.")
	}
	return v / p, nil
}

// RoundDecimal is Math.Round(decimal, decimals, mode).
func RoundDecimal(d Decimal, digits int, mode MidpointRounding) (Decimal, error) {
	if digits < 0 || digits > 28 {
		return Decimal{}, txArgOutOfRange("decimals", "Decimal can only round to between 0 and 28 digits of precision.")
	}
	x := d.D
	if -x.Exponent() <= int32(digits) {
		return d, nil
	}
	p := int32(digits)
	var r decimal.Decimal
	switch mode {
	case MidpointToEven:
		r = x.RoundBank(p)
	case MidpointAwayFromZero:
		r = x.Round(p)
	case MidpointToZero:
		r = x.Truncate(p)
	case MidpointToNegativeInfinity:
		r = x.RoundFloor(p)
	case MidpointToPositiveInfinity:
		r = x.RoundCeil(p)
	default:
		return Decimal{}, txArgument("mode", "The value '"+strconv.Itoa(int(mode))+"' is not valid for this usage of the type MidpointRounding.")
	}
	// Keep the requested scale, as .NET does (Round(1.005m, 2) is 1.00).
	return Decimal{D: decimal.RequireFromString(r.StringFixed(p))}, nil
}

// txRoundMethods declares Round's overloads for double or decimal.
func txRoundMethods(t *Type) []*Method {
	fn := func(_ any, a []any) (any, error) {
		digits, mode := 0, MidpointToEven
		for _, x := range a[1:] {
			if m, ok := x.(MidpointRounding); ok {
				mode = m
			} else {
				digits = txInt(x)
			}
		}
		if t == DecimalT {
			d, err := ToDecimal(a[0])
			if err != nil {
				return nil, err
			}
			return RoundDecimal(d, digits, mode)
		}
		return RoundDouble(txF64(a[0]), digits, mode)
	}
	return []*Method{
		txMethod("Round", t, fn, t),
		txMethod("Round", t, fn, t, Int32),
		txMethod("Round", t, fn, t, MidpointRoundingT),
		txMethod("Round", t, fn, t, Int32, MidpointRoundingT),
	}
}

func init() {
	m := MathT
	m.AddStaticProp(txConst("PI", Double, math.Pi), txConst("E", Double, math.E), txConst("Tau", Double, 2*math.Pi))
	m.AddStatic(txRoundMethods(Double)...)
	m.AddStatic(txRoundMethods(DecimalT)...)

	f1 := func(name string, f func(float64) float64) *Method {
		return txMethod(name, Double, func(_ any, a []any) (any, error) { return f(txF64(a[0])), nil }, Double)
	}
	m.AddStatic(
		f1("Floor", math.Floor), f1("Ceiling", math.Ceil), f1("Truncate", math.Trunc), f1("Sqrt", math.Sqrt),
		f1("Cbrt", math.Cbrt), f1("Exp", math.Exp), f1("Log", math.Log), f1("Log10", math.Log10), f1("Log2", math.Log2),
		f1("Sin", math.Sin), f1("Cos", math.Cos), f1("Tan", math.Tan), f1("Asin", math.Asin), f1("Acos", math.Acos),
		f1("Atan", math.Atan), f1("Sinh", math.Sinh), f1("Cosh", math.Cosh), f1("Tanh", math.Tanh),
		txMethod("Pow", Double, func(_ any, a []any) (any, error) { return math.Pow(txF64(a[0]), txF64(a[1])), nil }, Double, Double),
		txMethod("Atan2", Double, func(_ any, a []any) (any, error) { return math.Atan2(txF64(a[0]), txF64(a[1])), nil }, Double, Double),
		txMethod("Log", Double, func(_ any, a []any) (any, error) {
			return math.Log(txF64(a[0])) / math.Log(txF64(a[1])), nil
		}, Double, Double),
		txMethod("IEEERemainder", Double, func(_ any, a []any) (any, error) { return math.Remainder(txF64(a[0]), txF64(a[1])), nil }, Double, Double),
		txMethod("Floor", DecimalT, func(_ any, a []any) (any, error) { d, _ := ToDecimal(a[0]); return Decimal{D: d.D.Floor()}, nil }, DecimalT),
		txMethod("Ceiling", DecimalT, func(_ any, a []any) (any, error) { d, _ := ToDecimal(a[0]); return Decimal{D: d.D.Ceil()}, nil }, DecimalT),
		txMethod("Truncate", DecimalT, func(_ any, a []any) (any, error) { d, _ := ToDecimal(a[0]); return Decimal{D: d.D.Truncate(0)}, nil }, DecimalT),
	)

	// Abs, Max, Min, Sign, Clamp per numeric type.
	for _, t := range []*Type{Int32, Int64, Double, DecimalT, Int16, SByte, Single, Byte, UInt16, UInt32, UInt64} {
		t := t
		m.AddStatic(
			txMethod("Max", t, func(_ any, a []any) (any, error) { return txMaxMin(a[0], a[1], true), nil }, t, t),
			txMethod("Min", t, func(_ any, a []any) (any, error) { return txMaxMin(a[0], a[1], false), nil }, t, t),
			txMethod("Clamp", t, func(_ any, a []any) (any, error) {
				if txCompareNum(a[1], a[2]) > 0 {
					return nil, txArgument("min", "'"+ToString(a[1])+"' cannot be greater than "+ToString(a[2])+".")
				}
				return txMaxMin(txMaxMin(a[0], a[1], true), a[2], false), nil
			}, t, t, t),
		)
		if t == Byte || t == UInt16 || t == UInt32 || t == UInt64 {
			continue
		}
		m.AddStatic(
			txMethod("Abs", t, func(_ any, a []any) (any, error) { return txAbs(a[0]) }, t),
			txMethod("Sign", Int32, func(_ any, a []any) (any, error) {
				if f, ok := a[0].(float64); ok && math.IsNaN(f) {
					return nil, Throw("System.ArithmeticException", "Function does not accept floating point Not-a-Number values.")
				}
				return int32(txCompareNum(a[0], txZeroLike(a[0]))), nil
			}, t),
		)
	}
	m.AddStatic(txMethod("BigMul", Int64, func(_ any, a []any) (any, error) {
		return int64(txInt(a[0])) * int64(txInt(a[1])), nil
	}, Int32, Int32))
}

func txZeroLike(v any) any {
	switch v.(type) {
	case float64:
		return 0.0
	case float32:
		return float32(0)
	case Decimal:
		return Decimal{D: decimal.Zero}
	case uint64:
		return uint64(0)
	}
	return int64(0)
}

func txMaxMin(a, b any, isMax bool) any {
	if fa, ok := a.(float64); ok && math.IsNaN(fa) {
		return a
	}
	if fb, ok := b.(float64); ok && math.IsNaN(fb) {
		return b
	}
	c := txCompareNum(a, b)
	if isMax == (c >= 0) {
		return a
	}
	return b
}

func txAbs(v any) (any, error) {
	ovf := Throw("System.OverflowException", "Negating the minimum value of a twos complement number is invalid.")
	switch x := v.(type) {
	case int32:
		if x == math.MinInt32 {
			return nil, ovf
		}
		if x < 0 {
			return -x, nil
		}
		return x, nil
	case int64:
		if x == math.MinInt64 {
			return nil, ovf
		}
		if x < 0 {
			return -x, nil
		}
		return x, nil
	case int16:
		if x == math.MinInt16 {
			return nil, ovf
		}
		if x < 0 {
			return -x, nil
		}
		return x, nil
	case int8:
		if x == math.MinInt8 {
			return nil, ovf
		}
		if x < 0 {
			return -x, nil
		}
		return x, nil
	case float64:
		return math.Abs(x), nil
	case float32:
		return float32(math.Abs(float64(x))), nil
	case Decimal:
		return Decimal{D: x.D.Abs()}, nil
	}
	return v, nil
}
