package dotnet

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// ConvertT is System.Convert (static members only).
var ConvertT = Register(NewType("Convert", "System.Convert", nil, nil))

// BitConverterT is System.BitConverter (static members only).
var BitConverterT = Register(NewType("BitConverter", "System.BitConverter", nil, nil))

// txBytes returns a byte[] argument ([]byte, or []any of bytes).
func txBytes(v any) ([]byte, bool) {
	switch x := v.(type) {
	case []byte:
		return x, true
	case nil:
		return nil, false
	}
	seq, ok := Iterate(v)
	if !ok {
		return nil, false
	}
	var out []byte
	for e := range seq {
		out = append(out, byte(txInt(e)))
	}
	if out == nil {
		out = []byte{}
	}
	return out, true
}

func txCastErr(v any, to *Type) *Exception {
	return InvalidCast(TypeOf(v).FullName, to.FullName)
}

// txToBig converts an integral value to a big.Int, rounding floats and
// decimals to even as Convert does; ok is false for non-numbers.
func txToBig(v any, to *Type) (*big.Int, error) {
	switch x := v.(type) {
	case int8, int16, int32, int64, int:
		return big.NewInt(reflect.ValueOf(x).Int()), nil
	case uint8, uint16, uint32, uint64:
		return new(big.Int).SetUint64(reflect.ValueOf(x).Uint()), nil
	case Char:
		return big.NewInt(int64(x)), nil
	case bool:
		if x {
			return big.NewInt(1), nil
		}
		return big.NewInt(0), nil
	case float32:
		return txFloatToBig(float64(x), to)
	case float64:
		return txFloatToBig(x, to)
	case Decimal:
		return x.D.RoundBank(0).BigInt(), nil
	}
	return nil, txCastErr(v, to)
}

func txFloatToBig(f float64, to *Type) (*big.Int, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, txOverflow(txIntInfos[to].name)
	}
	r := math.RoundToEven(f)
	b, _ := new(big.Float).SetFloat64(r).Int(nil)
	return b, nil
}

// ConvertTo converts v to an integral type t as Convert.ToInt32 and friends
// do: null is 0, strings are parsed, floats and decimals round to even, and
// out-of-range values throw OverflowException.
func ConvertTo(v any, t *Type) (any, error) {
	switch x := v.(type) {
	case nil:
		return reflect.Zero(t.GoType).Interface(), nil
	case string:
		return ParseInteger(x, t)
	case Char:
		if t == Boolean || t == Double || t == Single || t == DecimalT {
			return nil, txCastErr(v, t)
		}
	}
	b, err := txToBig(v, t)
	if err != nil {
		return nil, err
	}
	return txFitInt(b, t)
}

// ToInt32 is Convert.ToInt32(object).
func ToInt32(v any) (int32, error) {
	r, err := ConvertTo(v, Int32)
	if err != nil {
		return 0, err
	}
	return r.(int32), nil
}

// ToInt64 is Convert.ToInt64(object).
func ToInt64(v any) (int64, error) {
	r, err := ConvertTo(v, Int64)
	if err != nil {
		return 0, err
	}
	return r.(int64), nil
}

// ToDouble is Convert.ToDouble(object).
func ToDouble(v any) (float64, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case string:
		return ParseDouble(x)
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case Decimal:
		f, _ := x.D.Float64()
		return f, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case uint64:
		return float64(x), nil
	case int8, int16, int32, int64, int, uint8, uint16, uint32:
		return float64(txInt64Of(v)), nil
	}
	return 0, txCastErr(v, Double)
}

// ToBoolean is Convert.ToBoolean(object): strings parse "true"/"false",
// numbers are true when non-zero.
func ToBoolean(v any) (bool, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case string:
		return ParseBoolean(x)
	case float64:
		return x != 0, nil
	case float32:
		return x != 0, nil
	case Decimal:
		return !x.D.IsZero(), nil
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64:
		return txU64(v) != 0 || txInt64Of(v) != 0, nil
	}
	return false, txCastErr(v, Boolean)
}

// ToDecimal is Convert.ToDecimal(object). Doubles keep at most 15
// significant digits, as .NET's double-to-decimal conversion does.
func ToDecimal(v any) (Decimal, error) {
	switch x := v.(type) {
	case nil:
		return Decimal{D: decimal.Zero}, nil
	case Decimal:
		return x, nil
	case string:
		return ParseDecimal(x)
	case float64, float32:
		f := txF64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 7.9228162514264338e28 {
			return Decimal{}, txOverflow("Decimal")
		}
		d, err := decimal.NewFromString(strconv.FormatFloat(f, 'g', 15, 64))
		if err != nil {
			return Decimal{}, txOverflow("Decimal")
		}
		// Keep .NET's scale: no trailing zeros from the 15-digit form.
		return Decimal{D: txDecNormalize(d)}, nil
	case bool:
		if x {
			return Decimal{D: decimal.NewFromInt(1)}, nil
		}
		return Decimal{D: decimal.Zero}, nil
	case uint64:
		return Decimal{D: decimal.NewFromBigInt(new(big.Int).SetUint64(x), 0)}, nil
	case int8, int16, int32, int64, int, uint8, uint16, uint32:
		return Decimal{D: decimal.NewFromInt(txInt64Of(v))}, nil
	}
	return Decimal{}, txCastErr(v, DecimalT)
}

// txDecNormalize drops trailing fractional zeros, keeping an integer scale
// of zero.
func txDecNormalize(d decimal.Decimal) decimal.Decimal {
	c, e := d.Coefficient(), d.Exponent()
	if e > 0 {
		return decimal.NewFromBigInt(c.Mul(c, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(e)), nil)), 0)
	}
	ten := big.NewInt(10)
	for e < 0 {
		q, r := new(big.Int).QuoRem(c, ten, new(big.Int))
		if r.Sign() != 0 {
			break
		}
		c = q
		e++
	}
	return decimal.NewFromBigInt(c, e)
}

// ToChar is Convert.ToChar(object).
func ToChar(v any) (Char, error) {
	switch x := v.(type) {
	case Char:
		return x, nil
	case string:
		u := UTF16(x)
		if len(u) != 1 {
			return 0, FormatError("String must be exactly one character long.")
		}
		return Char(u[0]), nil
	case nil:
		return 0, nil
	case float64, float32, Decimal, bool:
		return 0, txCastErr(v, CharT)
	}
	r, err := ConvertTo(v, UInt16)
	if err != nil {
		if e, ok := err.(*Exception); ok && e.Type == "System.OverflowException" {
			return 0, Throw("System.OverflowException", "Value was either too large or too small for a character.")
		}
		return 0, err
	}
	return Char(r.(uint16)), nil
}

// txBase64Err is .NET's FromBase64String message.
func txBase64Err() *Exception {
	return FormatError("The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters.")
}

// FromBase64 decodes as Convert.FromBase64String does: white space is
// ignored, padding is required.
func FromBase64(s string) ([]byte, error) {
	clean := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
	if len(clean)%4 != 0 {
		return nil, txBase64Err()
	}
	b, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		return nil, txBase64Err()
	}
	return b, nil
}

func txRadix(v any) (int, error) {
	b := txInt(v)
	if b != 2 && b != 8 && b != 10 && b != 16 {
		return 0, txArgument("fromBase", "Invalid Base.")
	}
	return b, nil
}

// txParseRadix is Convert.ToInt32(string, fromBase): bases 2, 8 and 16 read
// the two's-complement bit pattern of the type.
func txParseRadix(s any, base any, t *Type) (any, error) {
	b, err := txRadix(base)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return reflect.Zero(t.GoType).Interface(), nil
	}
	if b == 10 {
		return ParseInteger(s, t)
	}
	str := txStr(s)
	if b == 16 && (strings.HasPrefix(str, "0x") || strings.HasPrefix(str, "0X")) {
		str = str[2:]
	}
	if str == "" {
		return nil, Throw("System.ArgumentOutOfRangeException", "Index was out of range. Must be non-negative and less than the size of the collection. (Parameter 'startIndex')")
	}
	info := txIntInfos[t]
	bits := info.max.BitLen()
	if info.signed {
		bits++
	}
	u, perr := strconv.ParseUint(str, b, 64)
	if perr != nil {
		if ne, ok := perr.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return nil, txOverflow(info.name)
		}
		return nil, FormatError("Could not find any recognizable digits.")
	}
	if bits < 64 && u>>uint(bits) != 0 {
		return nil, txOverflow(info.name)
	}
	bi := new(big.Int).SetUint64(u)
	if info.signed && bits <= 64 && u>>(uint(bits)-1)&1 == 1 {
		bi.Sub(bi, new(big.Int).Lsh(big.NewInt(1), uint(bits)))
	}
	return txFitInt(bi, t)
}

func txFormatRadix(v any, base any) (any, error) {
	b, err := txRadix(base)
	if err != nil {
		return nil, err
	}
	bits := 64
	switch v.(type) {
	case uint8:
		bits = 8
	case int16:
		bits = 16
	case int32:
		bits = 32
	}
	i := txInt64Of(v)
	if b == 10 {
		return ToString(v), nil
	}
	u := uint64(i)
	if bits < 64 {
		u &= 1<<uint(bits) - 1
	}
	return strconv.FormatUint(u, b), nil
}

func init() {
	c := ConvertT
	intTargets := map[string]*Type{"ToInt32": Int32, "ToInt64": Int64, "ToInt16": Int16, "ToByte": Byte,
		"ToSByte": SByte, "ToUInt16": UInt16, "ToUInt32": UInt32, "ToUInt64": UInt64}
	for name, t := range intTargets {
		t := t
		conv := func(_ any, a []any) (any, error) { return ConvertTo(a[0], t) }
		c.AddStatic(txMethod(name, t, conv, nil), txMethod(name, t, conv, String))
		for _, src := range []*Type{Double, DecimalT, Boolean, Int32, Int64} {
			c.AddStatic(txMethod(name, t, conv, src))
		}
		c.AddStatic(
			&Method{Name: name, Params: append(txP(String), Param{Name: "provider"}), Result: t, Fn: conv},
			txMethod(name, t, func(_ any, a []any) (any, error) { return txParseRadix(a[0], a[1], t) }, String, Int32),
		)
	}
	c.AddStatic(
		txMethod("ToDouble", Double, func(_ any, a []any) (any, error) { return ToDouble(a[0]) }, nil),
		txMethod("ToDouble", Double, func(_ any, a []any) (any, error) { return ToDouble(a[0]) }, String),
		&Method{Name: "ToDouble", Params: append(txP(String), Param{Name: "provider"}), Result: Double, Fn: func(_ any, a []any) (any, error) { return ToDouble(a[0]) }},
		txMethod("ToSingle", Single, func(_ any, a []any) (any, error) { f, err := ToDouble(a[0]); return float32(f), err }, nil),
		txMethod("ToDecimal", DecimalT, func(_ any, a []any) (any, error) { return ToDecimal(a[0]) }, nil),
		txMethod("ToDecimal", DecimalT, func(_ any, a []any) (any, error) { return ToDecimal(a[0]) }, String),
		&Method{Name: "ToDecimal", Params: append(txP(String), Param{Name: "provider"}), Result: DecimalT, Fn: func(_ any, a []any) (any, error) { return ToDecimal(a[0]) }},
		txMethod("ToBoolean", Boolean, func(_ any, a []any) (any, error) { return ToBoolean(a[0]) }, nil),
		txMethod("ToBoolean", Boolean, func(_ any, a []any) (any, error) { return ToBoolean(a[0]) }, String),
		txMethod("ToChar", CharT, func(_ any, a []any) (any, error) { return ToChar(a[0]) }, nil),
		txMethod("ToString", String, func(_ any, a []any) (any, error) { return txText(a[0]), nil }, nil),
		&Method{Name: "ToString", Params: []Param{{Name: "value"}, {Name: "provider"}}, Result: String, Fn: func(_ any, a []any) (any, error) { return txText(a[0]), nil }},
		txMethod("ToString", String, func(_ any, a []any) (any, error) { return txFormatRadix(a[0], a[1]) }, Int32, Int32),
		txMethod("ToString", String, func(_ any, a []any) (any, error) { return txFormatRadix(a[0], a[1]) }, Int64, Int32),
		txMethod("ToString", String, func(_ any, a []any) (any, error) { return txFormatRadix(a[0], a[1]) }, Byte, Int32),
		txMethod("IsDBNull", Boolean, func(_ any, a []any) (any, error) { return false, nil }, nil),
		txMethod("ChangeType", Object, func(_ any, a []any) (any, error) {
			t, _ := a[1].(*Type)
			return ChangeType(a[0], t)
		}, nil, nil),
	)

	// inArray is the byte[] argument, cut to (offset, length) when given.
	inArray := func(a []any) ([]byte, error) {
		bs, ok := txBytes(a[0])
		if !ok {
			return nil, ArgumentNull("inArray")
		}
		if len(a) >= 3 {
			off, n := txInt(a[1]), txInt(a[2])
			if off < 0 || n < 0 || off+n > len(bs) {
				return nil, txArgOutOfRange("offset", "Index was out of range. Must be non-negative and less than the size of the collection.")
			}
			bs = bs[off : off+n]
		}
		return bs, nil
	}
	b64 := func(_ any, a []any) (any, error) {
		bs, err := inArray(a)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString(bs), nil
	}
	hexFn := func(_ any, a []any) (any, error) {
		bs, err := inArray(a)
		if err != nil {
			return nil, err
		}
		return strings.ToUpper(hex.EncodeToString(bs)), nil
	}
	c.AddStatic(
		txMethod("ToBase64String", String, b64, byteArrayT),
		txMethod("ToBase64String", String, b64, byteArrayT, Int32, Int32),
		txMethod("FromBase64String", byteArrayT, func(_ any, a []any) (any, error) {
			if a[0] == nil {
				return nil, ArgumentNull("s")
			}
			return FromBase64(txStr(a[0]))
		}, String),
		txMethod("ToHexString", String, hexFn, byteArrayT),
		txMethod("ToHexString", String, hexFn, byteArrayT, Int32, Int32),
		txMethod("ToHexStringLower", String, func(r any, a []any) (any, error) {
			s, err := hexFn(r, a)
			if err != nil {
				return nil, err
			}
			return strings.ToLower(s.(string)), nil
		}, byteArrayT),
		txMethod("FromHexString", byteArrayT, func(_ any, a []any) (any, error) {
			if a[0] == nil {
				return nil, ArgumentNull("s")
			}
			s := txStr(a[0])
			if len(s)%2 != 0 {
				return nil, FormatError("The input is not a valid hex string as its length is not a multiple of 2.")
			}
			bs, err := hex.DecodeString(s)
			if err != nil {
				return nil, FormatError("The input is not a valid hex string as it contains a non-hex character.")
			}
			return bs, nil
		}, String),
	)

	// BitConverter.
	bc := BitConverterT
	bc.AddStaticProp(txConst("IsLittleEndian", Boolean, true))
	toStr := func(_ any, a []any) (any, error) {
		bs, ok := txBytes(a[0])
		if !ok {
			return nil, ArgumentNull("value")
		}
		start, n := 0, len(bs)
		if len(a) > 1 {
			start = txInt(a[1])
			n = len(bs) - start
		}
		if len(a) > 2 {
			n = txInt(a[2])
		}
		if start < 0 || start > len(bs) || (start == len(bs) && len(bs) > 0 && len(a) > 1) {
			return nil, txArgOutOfRange("startIndex", "Index was out of range. Must be non-negative and less than the size of the collection.")
		}
		if n < 0 || start+n > len(bs) {
			return nil, txArgument("length", "Destination array is not long enough to copy all the items in the collection. Check array index and length.")
		}
		parts := make([]string, n)
		for i := range parts {
			parts[i] = strings.ToUpper(hex.EncodeToString(bs[start+i : start+i+1]))
		}
		return strings.Join(parts, "-"), nil
	}
	bc.AddStatic(txMethod("ToString", String, toStr, byteArrayT), txMethod("ToString", String, toStr, byteArrayT, Int32),
		txMethod("ToString", String, toStr, byteArrayT, Int32, Int32))
	getBytes := func(_ any, a []any) (any, error) {
		var buf []byte
		switch x := a[0].(type) {
		case bool:
			if x {
				return []byte{1}, nil
			}
			return []byte{0}, nil
		case Char:
			buf = binary.LittleEndian.AppendUint16(nil, uint16(x))
		case int16:
			buf = binary.LittleEndian.AppendUint16(nil, uint16(x))
		case uint16:
			buf = binary.LittleEndian.AppendUint16(nil, x)
		case int32:
			buf = binary.LittleEndian.AppendUint32(nil, uint32(x))
		case uint32:
			buf = binary.LittleEndian.AppendUint32(nil, x)
		case int64:
			buf = binary.LittleEndian.AppendUint64(nil, uint64(x))
		case uint64:
			buf = binary.LittleEndian.AppendUint64(nil, x)
		case float32:
			buf = binary.LittleEndian.AppendUint32(nil, math.Float32bits(x))
		case float64:
			buf = binary.LittleEndian.AppendUint64(nil, math.Float64bits(x))
		default:
			return nil, txCastErr(a[0], Int32)
		}
		return buf, nil
	}
	for _, t := range []*Type{Boolean, CharT, Int16, UInt16, Int32, UInt32, Int64, UInt64, Single, Double} {
		bc.AddStatic(txMethod("GetBytes", byteArrayT, getBytes, t))
	}
	reader := func(name string, res *Type, size int, dec func([]byte) any) *Method {
		return txMethod(name, res, func(_ any, a []any) (any, error) {
			bs, ok := txBytes(a[0])
			if !ok {
				return nil, ArgumentNull("value")
			}
			i := txInt(a[1])
			if i < 0 || i >= len(bs) {
				return nil, txArgOutOfRange("startIndex", "Index was out of range. Must be non-negative and less than the size of the collection.")
			}
			if i+size > len(bs) {
				return nil, txArgument("value", "Destination array is not long enough to copy all the items in the collection. Check array index and length.")
			}
			return dec(bs[i : i+size]), nil
		}, byteArrayT, Int32)
	}
	le := binary.LittleEndian
	bc.AddStatic(
		reader("ToBoolean", Boolean, 1, func(b []byte) any { return b[0] != 0 }),
		reader("ToChar", CharT, 2, func(b []byte) any { return Char(le.Uint16(b)) }),
		reader("ToInt16", Int16, 2, func(b []byte) any { return int16(le.Uint16(b)) }),
		reader("ToUInt16", UInt16, 2, func(b []byte) any { return le.Uint16(b) }),
		reader("ToInt32", Int32, 4, func(b []byte) any { return int32(le.Uint32(b)) }),
		reader("ToUInt32", UInt32, 4, func(b []byte) any { return le.Uint32(b) }),
		reader("ToInt64", Int64, 8, func(b []byte) any { return int64(le.Uint64(b)) }),
		reader("ToUInt64", UInt64, 8, func(b []byte) any { return le.Uint64(b) }),
		reader("ToSingle", Single, 4, func(b []byte) any { return math.Float32frombits(le.Uint32(b)) }),
		reader("ToDouble", Double, 8, func(b []byte) any { return math.Float64frombits(le.Uint64(b)) }),
	)
}

// ChangeType is Convert.ChangeType(value, type) for the primitive types.
func ChangeType(v any, t *Type) (any, error) {
	switch t {
	case nil, Object:
		return v, nil
	case String:
		return txText(v), nil
	case Boolean:
		return ToBoolean(v)
	case Double:
		return ToDouble(v)
	case Single:
		f, err := ToDouble(v)
		return float32(f), err
	case DecimalT:
		return ToDecimal(v)
	case CharT:
		return ToChar(v)
	}
	if _, ok := txIntInfos[t]; ok {
		if v == nil {
			return nil, InvalidCast("null", t.FullName)
		}
		return ConvertTo(v, t)
	}
	if IsInstance(v, t) {
		return v, nil
	}
	return nil, txCastErr(v, t)
}
