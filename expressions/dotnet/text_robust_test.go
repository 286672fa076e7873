package dotnet

import (
	"fmt"
	"reflect"
	"testing"
)

// TestTextMembersNeverPanic calls every member this file set registers with
// awkward arguments (empty, negative, null, out of range): each must return
// a value or a .NET exception, never panic.
func TestTextMembersNeverPanic(t *testing.T) {
	t.Parallel()
	u, _ := ParseUri("http://h/p?q", UriAbsolute)
	rel, _ := ParseUri("rel", UriRelative)
	recvs := map[*Type][]any{
		String: {"", "a😀b"}, CharT: {Char('a')}, StringBuilderT: {&StringBuilder{}},
		UriT: {u, rel}, EncodingT: {EncodingUTF8, EncodingUnicode, EncodingASCII, EncodingUTF32},
		DecimalT: {dec("-1.5")}, Double: {-1.5}, Int32: {int32(-7)}, Boolean: {true},
		StringComparerT: {OrdinalIgnoreCaseComparer, nil}, RandomT: {NewSeededRandom(1), NewRandom(), nil},
	}
	samples := func(p Param) []any {
		if p.Out {
			return []any{new(any)}
		}
		if p.Params {
			return []any{[]any{}, []any{Char(','), nil}}
		}
		switch p.Type {
		case nil:
			return []any{nil, "x", int32(3)}
		case String:
			return []any{nil, "", "a😀,b"}
		case Int32, Int64, Int16, Byte, SByte, UInt16, UInt32, UInt64:
			z := reflect.New(p.Type.GoType).Elem()
			vals := []any{z.Interface()}
			for _, n := range []int64{-1, 2, 1 << 10} {
				v := reflect.New(p.Type.GoType).Elem()
				if v.CanInt() {
					v.SetInt(n)
				} else if n >= 0 {
					v.SetUint(uint64(n))
				}
				vals = append(vals, v.Interface())
			}
			return vals
		case Double, Single:
			return []any{-1.5, 1e300}
		case CharT:
			return []any{Char(0), Char(0xD800)}
		case Boolean:
			return []any{true}
		case DecimalT:
			return []any{dec("0"), dec("-2.5")}
		}
		if p.Type.Enum {
			return []any{reflect.Zero(p.Type.GoType).Interface(), reflect.ValueOf(int32(9)).Convert(p.Type.GoType).Interface()}
		}
		if p.Type.Generic == Array {
			return []any{nil, []any{}, []byte{1, 2, 3}, []any{Char('a')}}
		}
		if p.Type == UriT {
			return []any{nil, u, rel}
		}
		return []any{nil}
	}
	types := []*Type{String, CharT, StringBuilderT, UriT, EncodingT, DecimalT, Double, Int32, Boolean,
		ConvertT, MathT, WebUtilityT, BitConverterT, StringComparerT, RandomT}
	for _, typ := range types {
		run := func(kind string, m *Method, recv any) {
			var combos [][]any
			combos = append(combos, nil)
			for _, p := range m.Params {
				var next [][]any
				for _, c := range combos {
					for _, s := range samples(p) {
						next = append(next, append(append([]any{}, c...), s))
					}
				}
				combos = next
				if len(combos) > 150 {
					combos = combos[:150]
				}
			}
			for _, args := range combos {
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Errorf("%s %s.%s(%s) panicked: %v", kind, typ.Name, m.Name, fmt.Sprint(args...), r)
						}
					}()
					_, _ = m.Fn(recv, args)
				}()
			}
		}
		for _, ms := range typ.Static {
			for _, m := range ms {
				run("static", m, nil)
			}
		}
		for _, m := range typ.Ctors {
			run("ctor", m, nil)
		}
		for _, recv := range recvs[typ] {
			for _, ms := range typ.Methods {
				for _, m := range ms {
					run("instance", m, recv)
				}
			}
			for _, m := range typ.Indexers {
				run("indexer", m, recv)
			}
			for _, p := range typ.Props {
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Errorf("%s.%s panicked: %v", typ.Name, p.Name, r)
						}
					}()
					_, _ = p.Get(recv)
				}()
			}
		}
	}
}
