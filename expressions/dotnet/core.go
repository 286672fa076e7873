package dotnet

import (
	"iter"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// The core types every other file builds on. Members are added by the files
// that implement them (string.go adds String's methods, and so on).
var (
	Object  = Register(newType("Object", "System.Object", "object", nil, nil))
	Void    = Register(newType("Void", "System.Void", "void", nil, nil))
	Boolean = registerValue("Boolean", "System.Boolean", "bool", false)
	CharT   = registerValue("Char", "System.Char", "char", Char(0))
	SByte   = registerValue("SByte", "System.SByte", "sbyte", int8(0))
	Byte    = registerValue("Byte", "System.Byte", "byte", uint8(0))
	Int16   = registerValue("Int16", "System.Int16", "short", int16(0))
	UInt16  = registerValue("UInt16", "System.UInt16", "ushort", uint16(0))
	Int32   = registerValue("Int32", "System.Int32", "int", int32(0))
	UInt32  = registerValue("UInt32", "System.UInt32", "uint", uint32(0))
	Int64   = registerValue("Int64", "System.Int64", "long", int64(0))
	UInt64  = registerValue("UInt64", "System.UInt64", "ulong", uint64(0))
	Single  = registerValue("Single", "System.Single", "float", float32(0))
	Double  = registerValue("Double", "System.Double", "double", float64(0))
	String  = Register(newType("String", "System.String", "string", Object, reflect.TypeOf("")))

	// IEnumerable is IEnumerable<T>; LINQ's extension methods live on it.
	IEnumerable = Register(&Type{Name: "IEnumerable`1", FullName: "System.Collections.Generic.IEnumerable`1", Interface: true,
		Methods: map[string][]*Method{}, Props: map[string]*Prop{}})
	// Array is the generic definition behind T[] (see ArrayOf).
	Array = Register(&Type{Name: "Array", FullName: "System.Array", Base: Object, Ifaces: []*Type{IEnumerable},
		Methods: map[string][]*Method{}, Props: map[string]*Prop{}, Static: map[string][]*Method{}, StaticProps: map[string]*Prop{}})
	// NullableDef is the generic definition behind T?.
	NullableDef = Register(&Type{Name: "Nullable`1", FullName: "System.Nullable`1", ValueType: true, Nullable: true,
		Methods: map[string][]*Method{}, Props: map[string]*Prop{}})
	// ExceptionT is System.Exception, the base of every exception type.
	ExceptionT = Register(&Type{Name: "Exception", FullName: "System.Exception", Base: Object,
		GoType: reflect.TypeOf((*Exception)(nil)), Methods: map[string][]*Method{}, Props: map[string]*Prop{},
		Is: func(v any) bool { _, ok := v.(*Exception); return ok }})
)

func newType(name, full, kw string, base *Type, gt reflect.Type) *Type {
	return &Type{Name: name, FullName: full, Keyword: kw, Base: base, GoType: gt,
		Methods: map[string][]*Method{}, Props: map[string]*Prop{}, Static: map[string][]*Method{},
		StaticProps: map[string]*Prop{}}
}

func registerValue(name, full, kw string, zero any) *Type {
	t := newType(name, full, kw, Object, reflect.TypeOf(zero))
	t.ValueType = true
	return Register(t)
}

// NewType makes an empty class type with initialised member maps; callers
// fill it and pass it to Register.
func NewType(name, full string, base *Type, goType reflect.Type) *Type {
	if base == nil {
		base = Object
	}
	return newType(name, full, "", base, goType)
}

// AddMethod adds instance-method overloads to t.
func (t *Type) AddMethod(ms ...*Method) {
	for _, m := range ms {
		t.Methods[m.Name] = append(t.Methods[m.Name], m)
	}
}

// AddStatic adds static-method overloads to t.
func (t *Type) AddStatic(ms ...*Method) {
	if t.Static == nil {
		t.Static = map[string][]*Method{}
	}
	for _, m := range ms {
		t.Static[m.Name] = append(t.Static[m.Name], m)
	}
}

// AddProp adds instance properties to t.
func (t *Type) AddProp(ps ...*Prop) {
	for _, p := range ps {
		t.Props[p.Name] = p
	}
}

// AddStaticProp adds static properties, constants or enum values to t.
func (t *Type) AddStaticProp(ps ...*Prop) {
	if t.StaticProps == nil {
		t.StaticProps = map[string]*Prop{}
	}
	for _, p := range ps {
		p.Static = true
		t.StaticProps[p.Name] = p
	}
}

// TypeOf returns the .NET type of a runtime value (Object for nil and for Go
// values no type was registered for).
func TypeOf(v any) *Type {
	switch v.(type) {
	case nil:
		return Object
	case string:
		return String
	case bool:
		return Boolean
	case int32:
		return Int32
	case int64:
		return Int64
	case float64:
		return Double
	case Char:
		return CharT
	case []any:
		return ArrayOf(Object)
	case []string:
		return ArrayOf(String)
	case []byte:
		return ArrayOf(Byte)
	case []int32:
		return ArrayOf(Int32)
	case *Exception:
		return ExceptionT
	}
	if t := ByGoType(reflect.TypeOf(v)); t != nil {
		return t
	}
	return Object
}

// IsInstance reports whether v is an instance of t (the C# "is" test).
func IsInstance(v any, t *Type) bool {
	if v == nil {
		return false
	}
	if t == Object {
		return true
	}
	if t.Is != nil {
		return t.Is(v)
	}
	if t.Nullable && len(t.Args) == 1 {
		return IsInstance(v, t.Args[0])
	}
	return TypeOf(v).AssignableTo(t)
}

// Iterate returns the elements of an enumerable value.
func Iterate(v any) (iter.Seq[any], bool) {
	switch s := v.(type) {
	case []any:
		return func(yield func(any) bool) {
			for _, x := range s {
				if !yield(x) {
					return
				}
			}
		}, true
	case []string:
		return func(yield func(any) bool) {
			for _, x := range s {
				if !yield(x) {
					return
				}
			}
		}, true
	case []byte:
		return func(yield func(any) bool) {
			for _, x := range s {
				if !yield(x) {
					return
				}
			}
		}, true
	case []int32:
		return func(yield func(any) bool) {
			for _, x := range s {
				if !yield(x) {
					return
				}
			}
		}, true
	case string:
		return func(yield func(any) bool) {
			for _, c := range UTF16(s) {
				if !yield(Char(c)) {
					return
				}
			}
		}, true
	case Iterable:
		return s.Iter(), true
	}
	return nil, false
}

// ToSlice collects an enumerable value into a new []any.
func ToSlice(v any) ([]any, error) {
	if v == nil {
		return nil, ArgumentNull("source")
	}
	seq, ok := Iterate(v)
	if !ok {
		return nil, InvalidCast(TypeOf(v).FullName, "System.Collections.IEnumerable")
	}
	var out []any
	for x := range seq {
		if len(out) == MaxCollectionLength {
			return nil, CollectionTooLong()
		}
		out = append(out, x)
	}
	return out, nil
}

// ToString renders a value as .NET's ToString() does (invariant culture):
// null is "", booleans are "True"/"False", doubles are shortest round-trip.
// Types with their own rendering implement String().
func ToString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case int8:
		return strconv.FormatInt(int64(x), 10)
	case int16:
		return strconv.FormatInt(int64(x), 10)
	case uint8:
		return strconv.FormatUint(uint64(x), 10)
	case uint16:
		return strconv.FormatUint(uint64(x), 10)
	case uint32:
		return strconv.FormatUint(uint64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return FormatDouble(x, 64)
	case float32:
		return FormatDouble(float64(x), 32)
	case Char:
		return string(FromUTF16([]uint16{uint16(x)}))
	case interface{ String() string }:
		return x.String()
	case []any, []string, []byte, []int32:
		return TypeOf(v).FullNameOrArray()
	}
	return TypeOf(v).FullName
}

// FullNameOrArray is what object.ToString() prints for the type: its full
// name, "System.String[]" for arrays.
func (t *Type) FullNameOrArray() string {
	if t.Generic == Array && len(t.Args) == 1 {
		return t.Args[0].FullName + "[]"
	}
	return t.FullName
}

// FormatDouble renders a double as .NET Core 3.0+ does for ToString(): the
// shortest round-trip digits, scientific notation ("1E+15", "1E-05") when
// the exponent is at least 15 or below -4.
func FormatDouble(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0"
		}
		return "0"
	}
	s := strconv.FormatFloat(f, 'e', -1, bits)
	mant, expS, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expS)
	if exp >= 15 || exp < -4 {
		sign := "+"
		if exp < 0 {
			sign = "-"
			exp = -exp
		}
		es := strconv.Itoa(exp)
		if len(es) < 2 {
			es = "0" + es
		}
		return mant + "E" + sign + es
	}
	return strconv.FormatFloat(f, 'f', -1, bits)
}

// UTF16 returns the UTF-16 code units of s.
func UTF16(s string) []uint16 {
	out := make([]uint16, 0, len(s))
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			out = append(out, uint16(0xD800+(r>>10)), uint16(0xDC00+(r&0x3FF)))
		} else {
			out = append(out, uint16(r))
		}
	}
	return out
}

// FromUTF16 decodes UTF-16 code units (lone surrogates become U+FFFD).
func FromUTF16(u []uint16) string {
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := rune(u[i])
		if c >= 0xD800 && c < 0xDC00 && i+1 < len(u) && u[i+1] >= 0xDC00 && u[i+1] < 0xE000 {
			c = 0x10000 + (c-0xD800)<<10 + rune(u[i+1]-0xDC00)
			i++
		} else if c >= 0xD800 && c < 0xE000 {
			c = 0xFFFD
		}
		b.WriteRune(c)
	}
	return b.String()
}

// IsASCII reports whether s has only ASCII bytes (so byte and UTF-16
// indexes agree).
func IsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
