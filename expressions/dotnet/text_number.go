package dotnet

import (
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"github.com/shopspring/decimal"
)

// DecimalT is System.Decimal; its values are Decimal.
var DecimalT = func() *Type {
	t := newType("Decimal", "System.Decimal", "decimal", Object, reflect.TypeOf(Decimal{}))
	t.ValueType = true
	return Register(t)
}()

// String renders the decimal as .NET does: invariant culture, keeping the
// scale ("1.50", "0.0", "-3").
func (d Decimal) String() string {
	e := d.D.Exponent()
	if e < 0 {
		return d.D.StringFixed(-e)
	}
	return d.D.StringFixed(0)
}

// NewDecimal makes a Decimal from a shopspring decimal.
func NewDecimal(d decimal.Decimal) Decimal { return Decimal{D: d} }

var (
	decMax = Decimal{D: decimal.RequireFromString("79228162514264337593543950335")}
	decMin = Decimal{D: decimal.RequireFromString("-79228162514264337593543950335")}
)

// ---- parsing ----

func txOverflow(typeName string) *Exception {
	what := map[string]string{"Byte": "an unsigned byte", "SByte": "a signed byte", "Decimal": "a Decimal"}[typeName]
	if what == "" {
		what = "an " + typeName
		if typeName[0] == 'U' || typeName[0] == 'D' || typeName[0] == 'S' {
			what = "a " + typeName
		}
	}
	return Throw("System.OverflowException", "Value was either too large or too small for %s.", what)
}

func txBadFormat() *Exception { return FormatError("Input string was not in a correct format.") }

func txIsParseSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

func txTrimParse(s string) string {
	i, j := 0, len(s)
	for i < j && txIsParseSpace(s[i]) {
		i++
	}
	for j > i && txIsParseSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}

// txIntInfo describes an integral .NET type for parsing and conversion.
type txIntInfo struct {
	name     string
	signed   bool
	min, max *big.Int
	make     func(b *big.Int) any
}

var txIntInfos = map[*Type]txIntInfo{}

func txIntRange(t *Type, name string, signed bool, lo, hi string, mk func(b *big.Int) any) {
	l, _ := new(big.Int).SetString(lo, 10)
	h, _ := new(big.Int).SetString(hi, 10)
	txIntInfos[t] = txIntInfo{name: name, signed: signed, min: l, max: h, make: mk}
}

func init() {
	txIntRange(SByte, "SByte", true, "-128", "127", func(b *big.Int) any { return int8(b.Int64()) })
	txIntRange(Byte, "Byte", false, "0", "255", func(b *big.Int) any { return uint8(b.Uint64()) })
	txIntRange(Int16, "Int16", true, "-32768", "32767", func(b *big.Int) any { return int16(b.Int64()) })
	txIntRange(UInt16, "UInt16", false, "0", "65535", func(b *big.Int) any { return uint16(b.Uint64()) })
	txIntRange(Int32, "Int32", true, "-2147483648", "2147483647", func(b *big.Int) any { return int32(b.Int64()) })
	txIntRange(UInt32, "UInt32", false, "0", "4294967295", func(b *big.Int) any { return uint32(b.Uint64()) })
	txIntRange(Int64, "Int64", true, "-9223372036854775808", "9223372036854775807", func(b *big.Int) any { return b.Int64() })
	txIntRange(UInt64, "UInt64", false, "0", "18446744073709551615", func(b *big.Int) any { return b.Uint64() })
}

// txFitInt converts an integer to type t, or an OverflowException.
func txFitInt(b *big.Int, t *Type) (any, error) {
	info := txIntInfos[t]
	if b.Cmp(info.min) < 0 || b.Cmp(info.max) > 0 {
		return nil, txOverflow(info.name)
	}
	return info.make(b), nil
}

// ParseInteger parses s as t.Parse does (NumberStyles.Integer: white space,
// an optional sign and decimal digits) for an integral type t.
func ParseInteger(s any, t *Type) (any, error) {
	if s == nil {
		return nil, ArgumentNull("s")
	}
	str := txTrimParse(txStr(s))
	neg := false
	if str != "" && (str[0] == '-' || str[0] == '+') {
		neg = str[0] == '-'
		str = str[1:]
	}
	if str == "" {
		return nil, txBadFormat()
	}
	for i := 0; i < len(str); i++ {
		if str[i] < '0' || str[i] > '9' {
			return nil, txBadFormat()
		}
	}
	b, _ := new(big.Int).SetString(str, 10)
	if neg {
		b.Neg(b)
	}
	return txFitInt(b, t)
}

// txNumberText validates and normalises a floating/decimal number text:
// sign, digits with ',' group separators, '.', and an exponent when allowExp.
func txNumberText(s string, allowExp bool) (string, bool) {
	s = txTrimParse(s)
	var b strings.Builder
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		b.WriteByte(s[i])
		i++
	}
	digits := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == ',' && digits > 0) {
		if s[i] != ',' {
			b.WriteByte(s[i])
			digits++
		}
		i++
	}
	if i < len(s) && s[i] == '.' {
		b.WriteByte('.')
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
			digits++
			i++
		}
	}
	if digits == 0 {
		return "", false
	}
	if allowExp && i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		b.WriteByte('e')
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			b.WriteByte(s[i])
			i++
		}
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
			i++
			n++
		}
		if n == 0 {
			return "", false
		}
	}
	return b.String(), i == len(s)
}

// ParseDouble parses s as double.Parse does with the invariant culture
// (NumberStyles.Float | AllowThousands; "NaN", "Infinity", "∞").
func ParseDouble(s any) (float64, error) {
	if s == nil {
		return 0, ArgumentNull("s")
	}
	str := txStr(s)
	t := strings.ToLower(txTrimParse(str))
	switch t {
	case "nan", "-nan", "+nan":
		return math.NaN(), nil
	case "infinity", "+infinity", "∞", "+∞":
		return math.Inf(1), nil
	case "-infinity", "-∞":
		return math.Inf(-1), nil
	}
	norm, ok := txNumberText(str, true)
	if !ok {
		return 0, txBadFormat()
	}
	f, err := strconv.ParseFloat(norm, 64)
	if err != nil && !math.IsInf(f, 0) {
		return 0, txBadFormat()
	}
	return f, nil
}

// ParseDecimal parses s as decimal.Parse does (NumberStyles.Number), keeping
// the scale of the text ("1.50" stays 1.50).
func ParseDecimal(s any) (Decimal, error) {
	if s == nil {
		return Decimal{}, ArgumentNull("s")
	}
	norm, ok := txNumberText(txStr(s), false)
	if !ok {
		return Decimal{}, txBadFormat()
	}
	d, err := decimal.NewFromString(norm)
	if err != nil {
		return Decimal{}, txBadFormat()
	}
	if d.Abs().GreaterThan(decMax.D) {
		return Decimal{}, txOverflow("Decimal")
	}
	return Decimal{D: d}, nil
}

// ParseBoolean parses s as bool.Parse does ("true"/"false", any case,
// surrounding white space allowed).
func ParseBoolean(s any) (bool, error) {
	if s == nil {
		return false, ArgumentNull("value")
	}
	str := txStr(s)
	switch strings.ToLower(strings.TrimFunc(str, func(r rune) bool { return unicode.IsSpace(r) || r == 0 })) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, FormatError("String '" + str + "' was not recognized as a valid Boolean.")
}

// ParseAs parses s as t.Parse does for a numeric type or bool.
func ParseAs(s any, t *Type) (any, error) {
	switch t {
	case Double:
		return ParseDouble(s)
	case Single:
		f, err := ParseDouble(s)
		return float32(f), err
	case DecimalT:
		return ParseDecimal(s)
	case Boolean:
		return ParseBoolean(s)
	}
	return ParseInteger(s, t)
}

// ---- numeric comparison ----

// txCompareNum compares two numbers of the same .NET type (NaN sorts first).
func txCompareNum(a, b any) int {
	switch x := a.(type) {
	case float64, float32:
		fa, fb := txF64(x), txF64(b)
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		case fa == fb:
			return 0
		case math.IsNaN(fa) && math.IsNaN(fb):
			return 0
		case math.IsNaN(fa):
			return -1
		}
		return 1
	case Decimal:
		y, _ := b.(Decimal)
		return x.D.Cmp(y.D)
	case uint64:
		y := txU64(b)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	ia, ib := int64(txInt64Of(a)), int64(txInt64Of(b))
	switch {
	case ia < ib:
		return -1
	case ia > ib:
		return 1
	}
	return 0
}

func txF64(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case float32:
		return float64(x)
	case Decimal:
		f, _ := x.D.Float64()
		return f
	case uint64:
		return float64(x)
	}
	return float64(txInt64Of(v))
}

func txU64(v any) uint64 {
	if u, ok := v.(uint64); ok {
		return u
	}
	return uint64(txInt64Of(v))
}

func txInt64Of(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case uint64:
		return int64(x)
	case float64:
		return int64(x)
	case float32:
		return int64(x)
	case bool:
		if x {
			return 1
		}
		return 0
	}
	return int64(txInt(v))
}

// ---- member registration ----

func txNumberMembers(t *Type, maxV, minV any) {
	t.AddStaticProp(txConst("MaxValue", t, maxV), txConst("MinValue", t, minV))
	parse := func(_ any, a []any) (any, error) { return ParseAs(a[0], t) }
	tryParse := func(_ any, a []any) (any, error) {
		v, err := ParseAs(a[0], t)
		if err != nil {
			txSetOut(a[len(a)-1], reflect.Zero(t.GoType).Interface())
			return false, nil
		}
		txSetOut(a[len(a)-1], v)
		return true, nil
	}
	t.AddStatic(
		txMethod("Parse", t, parse, String),
		&Method{Name: "Parse", Params: append(txP(String), Param{Name: "provider"}), Result: t, Fn: parse},
		txOutMethod("TryParse", Boolean, t, tryParse, String),
	)
	toStr := func(recv any, a []any) (any, error) {
		f := ""
		if len(a) > 0 {
			if s, ok := a[0].(string); ok {
				f = s
			}
		}
		if t == Boolean {
			return ToString(recv), nil
		}
		return FormatNumber(recv, f)
	}
	t.AddMethod(
		txMethod("ToString", String, toStr),
		txMethod("ToString", String, toStr, String),
		&Method{Name: "ToString", Params: []Param{{Name: "provider"}}, Result: String, Fn: func(recv any, _ []any) (any, error) { return toStr(recv, nil) }},
		&Method{Name: "ToString", Params: append(txP(String), Param{Name: "provider"}), Result: String, Fn: toStr},
		txMethod("CompareTo", Int32, func(recv any, a []any) (any, error) {
			if a[0] == nil {
				return int32(1), nil
			}
			if TypeOf(a[0]) != t {
				return nil, txArgument("value", "Object must be of type "+t.Name+".")
			}
			return int32(txCompareNum(recv, a[0])), nil
		}, nil),
		txMethod("CompareTo", Int32, func(recv any, a []any) (any, error) { return int32(txCompareNum(recv, a[0])), nil }, t),
		txMethod("Equals", Boolean, func(recv any, a []any) (any, error) {
			return a[0] != nil && TypeOf(a[0]) == t && txCompareNum(recv, a[0]) == 0, nil
		}, nil),
		txMethod("Equals", Boolean, func(recv any, a []any) (any, error) { return txCompareNum(recv, a[0]) == 0, nil }, t),
		txMethod("GetHashCode", Int32, func(recv any, _ []any) (any, error) { return txStrHash(ToString(recv)), nil }),
	)
}

func init() {
	txNumberMembers(SByte, int8(math.MaxInt8), int8(math.MinInt8))
	txNumberMembers(Byte, uint8(math.MaxUint8), uint8(0))
	txNumberMembers(Int16, int16(math.MaxInt16), int16(math.MinInt16))
	txNumberMembers(UInt16, uint16(math.MaxUint16), uint16(0))
	txNumberMembers(Int32, int32(math.MaxInt32), int32(math.MinInt32))
	txNumberMembers(UInt32, uint32(math.MaxUint32), uint32(0))
	txNumberMembers(Int64, int64(math.MaxInt64), int64(math.MinInt64))
	txNumberMembers(UInt64, uint64(math.MaxUint64), uint64(0))
	txNumberMembers(Double, math.MaxFloat64, -math.MaxFloat64)
	txNumberMembers(Single, float32(math.MaxFloat32), float32(-math.MaxFloat32))
	txNumberMembers(DecimalT, decMax, decMin)
	txNumberMembers(Boolean, true, false)
	delete(Boolean.StaticProps, "MaxValue")
	delete(Boolean.StaticProps, "MinValue")
	Boolean.AddStaticProp(txConst("TrueString", String, "True"), txConst("FalseString", String, "False"))

	for _, ft := range []*Type{Double, Single} {
		ft := ft
		conv := func(v float64) any {
			if ft == Single {
				return float32(v)
			}
			return v
		}
		ft.AddStaticProp(txConst("NaN", ft, conv(math.NaN())), txConst("PositiveInfinity", ft, conv(math.Inf(1))),
			txConst("NegativeInfinity", ft, conv(math.Inf(-1))))
		eps := 4.9406564584124654e-324
		if ft == Single {
			eps = 1.401298464324817e-45
		}
		ft.AddStaticProp(txConst("Epsilon", ft, conv(eps)))
		pred := func(name string, f func(float64) bool) *Method {
			return txMethod(name, Boolean, func(_ any, a []any) (any, error) { return f(txF64(a[0])), nil }, ft)
		}
		ft.AddStatic(
			pred("IsNaN", math.IsNaN),
			pred("IsInfinity", func(f float64) bool { return math.IsInf(f, 0) }),
			pred("IsPositiveInfinity", func(f float64) bool { return math.IsInf(f, 1) }),
			pred("IsNegativeInfinity", func(f float64) bool { return math.IsInf(f, -1) }),
			pred("IsFinite", func(f float64) bool { return !math.IsInf(f, 0) && !math.IsNaN(f) }),
			pred("IsNegative", math.Signbit),
			pred("IsInteger", func(f float64) bool { return !math.IsInf(f, 0) && f == math.Trunc(f) }),
		)
	}

	d := DecimalT
	d.AddStaticProp(txConst("Zero", d, Decimal{D: decimal.Zero}), txConst("One", d, Decimal{D: decimal.NewFromInt(1)}),
		txConst("MinusOne", d, Decimal{D: decimal.NewFromInt(-1)}))
	dec := func(v any) decimal.Decimal { x, _ := ToDecimal(v); return x.D }
	bin := func(name string, f func(a, b decimal.Decimal) (decimal.Decimal, error)) *Method {
		return txMethod(name, d, func(_ any, a []any) (any, error) {
			r, err := f(dec(a[0]), dec(a[1]))
			return Decimal{D: r}, err
		}, d, d)
	}
	d.AddStatic(
		bin("Add", func(a, b decimal.Decimal) (decimal.Decimal, error) { return a.Add(b), nil }),
		bin("Subtract", func(a, b decimal.Decimal) (decimal.Decimal, error) { return a.Sub(b), nil }),
		bin("Multiply", func(a, b decimal.Decimal) (decimal.Decimal, error) { return a.Mul(b), nil }),
		bin("Divide", func(a, b decimal.Decimal) (decimal.Decimal, error) {
			r, err := DecimalDivide(Decimal{D: a}, Decimal{D: b})
			return r.D, err
		}),
		bin("Remainder", func(a, b decimal.Decimal) (decimal.Decimal, error) {
			if b.IsZero() {
				return a, txDivZero()
			}
			return a.Mod(b), nil
		}),
		txMethod("Negate", d, func(_ any, a []any) (any, error) { return Decimal{D: dec(a[0]).Neg()}, nil }, d),
		txMethod("Compare", Int32, func(_ any, a []any) (any, error) { return int32(dec(a[0]).Cmp(dec(a[1]))), nil }, d, d),
		txMethod("ToDouble", Double, func(_ any, a []any) (any, error) { f, _ := dec(a[0]).Float64(); return f, nil }, d),
		txMethod("ToInt32", Int32, func(_ any, a []any) (any, error) { return txDecToInt(dec(a[0]).Truncate(0), Int32) }, d),
		txMethod("ToInt64", Int64, func(_ any, a []any) (any, error) { return txDecToInt(dec(a[0]).Truncate(0), Int64) }, d),
		txMethod("Floor", d, func(_ any, a []any) (any, error) { return Decimal{D: dec(a[0]).Floor()}, nil }, d),
		txMethod("Ceiling", d, func(_ any, a []any) (any, error) { return Decimal{D: dec(a[0]).Ceil()}, nil }, d),
		txMethod("Truncate", d, func(_ any, a []any) (any, error) { return Decimal{D: dec(a[0]).Truncate(0)}, nil }, d),
	)
	for _, m := range txRoundMethods(d) {
		d.AddStatic(m)
	}
	d.Ctors = append(d.Ctors,
		txMethod(".ctor", d, func(_ any, a []any) (any, error) { return ToDecimal(a[0]) }, Int32),
		txMethod(".ctor", d, func(_ any, a []any) (any, error) { return ToDecimal(a[0]) }, Int64),
		txMethod(".ctor", d, func(_ any, a []any) (any, error) { return ToDecimal(a[0]) }, Double),
	)
}

func txDivZero() *Exception {
	return Throw("System.DivideByZeroException", "Attempted to divide by zero.")
}

// DecimalDivide divides as decimal's / operator does: up to 28 fractional
// digits, trailing zeros dropped.
func DecimalDivide(a, b Decimal) (Decimal, error) {
	if b.D.IsZero() {
		return Decimal{}, txDivZero()
	}
	q := a.D.DivRound(b.D, 28)
	// The quotient keeps the digits a 96-bit coefficient holds.
	for q.Exponent() < 0 && q.Coefficient().CmpAbs(maxDecimalCoefficient) > 0 {
		q = q.RoundBank(-q.Exponent() - 1)
	}
	// Drop trailing zeros, as .NET's division yields the shortest scale.
	c, e := q.Coefficient(), q.Exponent()
	ten := big.NewInt(10)
	r := new(big.Int)
	for e < 0 {
		qq, rr := new(big.Int).QuoRem(c, ten, r)
		if rr.Sign() != 0 {
			break
		}
		c = qq
		e++
	}
	return Decimal{D: decimal.NewFromBigInt(c, e)}, nil
}

var maxDecimalCoefficient = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 96), big.NewInt(1))

func txDecToInt(d decimal.Decimal, t *Type) (any, error) {
	return txFitInt(d.BigInt(), t)
}

// DecimalOp applies a C# arithmetic operator ('+', '-', '*', '/', '%') to
// two decimals, with .NET's DivideByZeroException and OverflowException.
func DecimalOp(op byte, a, b Decimal) (Decimal, error) {
	var r decimal.Decimal
	switch op {
	case '+':
		r = a.D.Add(b.D)
	case '-':
		r = a.D.Sub(b.D)
	case '*':
		r = a.D.Mul(b.D)
		if -r.Exponent() > 28 {
			r = txDecNormalize(r.RoundBank(28))
		}
	case '/':
		return DecimalDivide(a, b)
	case '%':
		if b.D.IsZero() {
			return Decimal{}, txDivZero()
		}
		r = a.D.Mod(b.D)
	default:
		return Decimal{}, Throw("System.InvalidOperationException", "Operator '%c' is not defined for decimal.", op)
	}
	if r.Abs().GreaterThan(decMax.D) {
		return Decimal{}, txOverflow("Decimal")
	}
	return Decimal{D: r}, nil
}

// Explicit and implicit C# conversions between decimal and the other
// numeric types: (int)1.7m truncates (unlike Convert.ToInt32, which rounds),
// (decimal)0.1 keeps 15 significant digits.
func init() {
	for _, t := range []*Type{SByte, Byte, Int16, UInt16, Int32, UInt32, Int64, UInt64} {
		t := t
		AddConversion(DecimalT, t, func(v any) (any, error) {
			d, _ := v.(Decimal)
			return txDecToInt(d.D.Truncate(0), t)
		})
		AddConversion(t, DecimalT, func(v any) (any, error) { return ToDecimal(v) })
	}
	AddConversion(DecimalT, Double, func(v any) (any, error) { d, _ := v.(Decimal); f, _ := d.D.Float64(); return f, nil })
	AddConversion(DecimalT, Single, func(v any) (any, error) {
		d, _ := v.(Decimal)
		f, _ := d.D.Float64()
		return float32(f), nil
	})
	AddConversion(Double, DecimalT, func(v any) (any, error) { return ToDecimal(v) })
	AddConversion(Single, DecimalT, func(v any) (any, error) { return ToDecimal(v) })
	AddConversion(CharT, DecimalT, func(v any) (any, error) {
		c, _ := v.(Char)
		return Decimal{D: decimal.NewFromInt(int64(c))}, nil
	})
}
