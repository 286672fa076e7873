package dotnet

import "reflect"

// Builders and argument helpers for member tables, shared by the files and
// namespace packages that register .NET members.

// NewValueType makes an empty value type (a struct or primitive in .NET);
// callers fill it and pass it to Register.
func NewValueType(name, full string, zero any) *Type {
	t := NewType(name, full, nil, reflect.TypeOf(zero))
	t.ValueType = true
	return t
}

// NewEnumType makes an empty enum type; AddEnumValues fills it.
func NewEnumType(name, full string, zero any) *Type {
	t := NewValueType(name, full, zero)
	t.Enum = true
	return t
}

// IntArg converts any integral (or enum, or floating) argument to int64.
func IntArg(v any) int64 {
	switch x := v.(type) {
	case int32:
		return int64(x)
	case int64:
		return x
	case int:
		return int64(x)
	case float64:
		return int64(x)
	case nil:
		return 0
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return int64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return int64(rv.Float())
	}
	return 0
}

// StringArg returns a string argument, or the ToString of another value;
// false for null.
func StringArg(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case nil:
		return "", false
	}
	return ToString(v), true
}

// SetOut stores v through an out parameter's slot (a *any), if there is one.
func SetOut(p any, v any) {
	if o, ok := p.(*any); ok && o != nil {
		*o = v
	}
}

// NewMethod builds a method; ps alternates parameter names and types.
func NewMethod(name string, result *Type, fn func(recv any, args []any) (any, error), ps ...any) *Method {
	m := &Method{Name: name, Result: result, Fn: fn}
	for i := 0; i+1 < len(ps); i += 2 {
		p := Param{Name: ps[i].(string)}
		switch t := ps[i+1].(type) {
		case *Type:
			p.Type = t
		case Param:
			p = t
		}
		m.Params = append(m.Params, p)
	}
	return m
}

// OutParam is an out parameter of type t.
func OutParam(name string, t *Type) Param { return Param{Name: name, Type: t, Out: true} }

// NewProp builds a property of type t read by get.
func NewProp(name string, t *Type, get func(recv any) (any, error)) *Prop {
	return &Prop{Name: name, Type: t, Get: get}
}

// AddEnumValues fills an enum type's values.
func AddEnumValues(t *Type, vals map[string]any) {
	for n, v := range vals {
		t.AddStaticProp(NewProp(n, t, func(any) (any, error) { return v, nil }))
	}
	t.AddMethod(NewMethod("ToString", String, func(r any, _ []any) (any, error) { return ToString(r), nil }))
}

// BytesArg reads a byte[] argument.
func BytesArg(v any, param string) ([]byte, error) {
	switch x := v.(type) {
	case []byte:
		return x, nil
	case nil:
		return nil, ArgumentNull(param)
	case []any:
		out := make([]byte, len(x))
		for i, e := range x {
			out[i] = byte(IntArg(e))
		}
		return out, nil
	}
	return nil, InvalidCast(TypeOf(v).FullName, "System.Byte[]")
}

// MethodOf builds a method from its parameters.
func MethodOf(name string, result *Type, fn func(recv any, args []any) (any, error), params ...Param) *Method {
	return &Method{Name: name, Result: result, Params: params, Fn: fn}
}

// ParamOf is a parameter of type t.
func ParamOf(name string, t *Type) Param { return Param{Name: name, Type: t} }

// ParamsArray is a params parameter: any number of elem arguments, passed
// as one array.
func ParamsArray(name string, elem *Type) Param {
	return Param{Name: name, Type: ArrayOf(elem), Params: true}
}

// ToStringArg is a string argument as it is, and any other value through
// ToString.
func ToStringArg(v any) string { return jsonArgString(v) }

// InvariantChangeType is Convert.ChangeType(value, target,
// InvariantCulture), as JValue conversions use it.
func InvariantChangeType(v any, target *Type) (any, error) { return jsonChangeType(v, target) }

// ---- invariant text of values, as JSON and XML write them ----

// ISODate is a DateTime in the round-trip ISO 8601 form ("o").
func ISODate(d DateTime) string { return jsonISODate(d) }

// ISODateOffset is a DateTimeOffset in the round-trip ISO 8601 form.
func ISODateOffset(d DateTimeOffset) string { return jsonISOOffset(d) }

// TimeSpanText is TimeSpan.ToString() ("c").
func TimeSpanText(ts TimeSpan) string { return jsonTimeSpanText(ts) }

// GuidText is Guid.ToString("D").
func GuidText(g Guid) string { return jsonGuidText(g) }

// DecimalText is a Decimal with its scale, invariant.
func DecimalText(d Decimal) string { return jsonDecimalText(d) }

// Float64Arg converts a numeric argument to float64.
func Float64Arg(v any) float64 { return txF64(v) }
