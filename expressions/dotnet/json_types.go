package dotnet

import (
	"reflect"
	"strings"
)

// The Newtonsoft.Json types. Members are added in init (json_members.go).
var (
	// JTokenT is Newtonsoft.Json.Linq.JToken, the abstract base of all tokens.
	JTokenT = Register(NewType("JToken", "Newtonsoft.Json.Linq.JToken", Object, nil))
	// JContainerT is Newtonsoft.Json.Linq.JContainer (JObject, JArray, JProperty).
	JContainerT = Register(NewType("JContainer", "Newtonsoft.Json.Linq.JContainer", JTokenT, nil))
	// JObjectT is Newtonsoft.Json.Linq.JObject (Go *JObject).
	JObjectT = Register(NewType("JObject", "Newtonsoft.Json.Linq.JObject", JContainerT, reflect.TypeOf((*JObject)(nil))))
	// JArrayT is Newtonsoft.Json.Linq.JArray (Go *JArray).
	JArrayT = Register(NewType("JArray", "Newtonsoft.Json.Linq.JArray", JContainerT, reflect.TypeOf((*JArray)(nil))))
	// JPropertyT is Newtonsoft.Json.Linq.JProperty (Go *JProperty).
	JPropertyT = Register(NewType("JProperty", "Newtonsoft.Json.Linq.JProperty", JContainerT, reflect.TypeOf((*JProperty)(nil))))
	// JValueT is Newtonsoft.Json.Linq.JValue (Go *JValue).
	JValueT = Register(NewType("JValue", "Newtonsoft.Json.Linq.JValue", JTokenT, reflect.TypeOf((*JValue)(nil))))
	// JRawT is Newtonsoft.Json.Linq.JRaw (Go *JRaw).
	JRawT = Register(NewType("JRaw", "Newtonsoft.Json.Linq.JRaw", JValueT, reflect.TypeOf((*JRaw)(nil))))
	// JTokenTypeT is the Newtonsoft.Json.Linq.JTokenType enum (Go JTokenType).
	JTokenTypeT = Register(jsonEnumType("JTokenType", "Newtonsoft.Json.Linq.JTokenType", reflect.TypeOf(JTokenNone)))
	// FormattingT is the Newtonsoft.Json.Formatting enum (Go JSONFormatting).
	FormattingT = Register(jsonEnumType("Formatting", "Newtonsoft.Json.Formatting", reflect.TypeOf(FormattingNone)))
	// JsonConvertT is the static class Newtonsoft.Json.JsonConvert.
	JsonConvertT = Register(NewType("JsonConvert", "Newtonsoft.Json.JsonConvert", Object, nil))
	// JSONKeyValueT is KeyValuePair<string, JToken>, what enumerating a
	// JObject yields (Go *JSONKeyValue). It is registered under its own name
	// so it does not clash with the collections' KeyValuePair`2.
	JSONKeyValueT = Register(NewType("KeyValuePair<string,JToken>",
		"System.Collections.Generic.KeyValuePair`2[System.String,Newtonsoft.Json.Linq.JToken]", Object,
		reflect.TypeOf((*JSONKeyValue)(nil))))
)

func jsonEnumType(name, full string, gt reflect.Type) *Type {
	t := NewType(name, full, nil, gt)
	t.Enum, t.ValueType = true, true
	return t
}

// ---- registration helpers ----

func jsonMethod(name string, result *Type, fn func(recv any, args []any) (any, error), params ...Param) *Method {
	return &Method{Name: name, Result: result, Params: params, Fn: fn}
}

func jsonGeneric(name string, n int, resultOf func(recv *Type, targs []*Type) *Type, fn func(recv any, args []any) (any, error), params ...Param) *Method {
	return &Method{Name: name, TypeParams: n, ResultOf: resultOf, Params: params, Fn: fn}
}

func jsonParam(name string, t *Type) Param { return Param{Name: name, Type: t} }

func jsonParams(name string, elem *Type) Param {
	return Param{Name: name, Type: ArrayOf(elem), Params: true}
}

func jsonGetter(name string, t *Type, get func(recv any) (any, error)) *Prop {
	return &Prop{Name: name, Type: t, Get: get}
}

func jsonFirstTypeArg(_ *Type, targs []*Type) *Type {
	if len(targs) > 0 {
		return targs[0]
	}
	return Object
}

func jsonSeqOfTypeArg(_ *Type, targs []*Type) *Type {
	return Instantiate(IEnumerable, jsonFirstTypeArg(nil, targs))
}

// jsonArgString reads a string argument (a string or any value's text).
func jsonArgString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ToString(v)
}

// jsonArgInt reads an int argument of any integer Go type.
func jsonArgInt(v any) (int, bool) {
	switch x := v.(type) {
	case int32:
		return int(x), true
	case int64:
		return int(x), true
	case int:
		return x, true
	case int16:
		return int(x), true
	case uint8:
		return int(x), true
	case uint16:
		return int(x), true
	case uint32:
		return int(x), true
	case int8:
		return int(x), true
	case Char:
		return int(x), true
	}
	return 0, false
}

// jsonArgFormatting reads a Formatting argument (the enum or its number).
func jsonArgFormatting(v any) JSONFormatting {
	if f, ok := v.(JSONFormatting); ok {
		return f
	}
	if n, ok := jsonArgInt(v); ok {
		return JSONFormatting(n)
	}
	return FormattingNone
}

// JSONToToken converts an assigned value to a token: tokens as they are,
// null as a JSON null, primitives as JValues, anything else through
// FromObject.
func JSONToToken(v any) (JToken, error) {
	switch x := v.(type) {
	case nil:
		return JNull(), nil
	case JToken:
		return x, nil
	}
	if t, gv, ok := jsonPrimitive(v); ok {
		return &JValue{typ: t, v: gv}, nil
	}
	return JSONFromObject(v)
}

// jsonIsMultiContent is Newtonsoft's IsMultiContent: enumerable but not a
// string, a token or a byte[].
func jsonIsMultiContent(v any) bool {
	switch v.(type) {
	case nil, string, []byte, JToken:
		return false
	}
	_, ok := Iterate(v)
	return ok
}

// jsonContentToken is CreateFromContent: a token, or a new JValue.
func jsonContentToken(v any) (JToken, error) {
	switch x := v.(type) {
	case JToken:
		return x, nil
	case JSONMarshaler:
		return x.ToJToken()
	}
	return NewJValue(v)
}

// JSONAdd is JContainer.Add(object content) on an object, array or
// property: enumerable content adds each item.
func JSONAdd(c JToken, content any) error {
	return jsonAddAt(c, -1, content)
}

// jsonAddAt adds content at index i (-1: at the end).
func jsonAddAt(c JToken, i int, content any) error {
	if jsonIsMultiContent(content) {
		items, _ := ToSlice(content)
		for k, it := range items {
			at := i
			if i >= 0 {
				at = i + k
			}
			if err := jsonAddAt(c, at, it); err != nil {
				return err
			}
		}
		return nil
	}
	t, err := jsonContentToken(content)
	if err != nil {
		return err
	}
	switch x := c.(type) {
	case *JObject:
		p, ok := t.(*JProperty)
		if !ok {
			return Throw("System.ArgumentException", "Can not add %s to Newtonsoft.Json.Linq.JObject.", jsonGoTypeName(t))
		}
		if q := x.Property(p.name); q != nil {
			return jsonDuplicateProp(p.name)
		}
		if i < 0 {
			i = len(x.props)
		}
		x.insertProp(i, p)
		return nil
	case *JArray:
		if _, ok := t.(*JProperty); ok {
			return Throw("System.ArgumentException", "Can not add Newtonsoft.Json.Linq.JProperty to Newtonsoft.Json.Linq.JArray.")
		}
		if i < 0 {
			i = len(x.items)
		}
		return x.Insert(i, t)
	case *JProperty:
		return Throw("System.ArgumentException", "Can not add %s to Newtonsoft.Json.Linq.JProperty.", jsonGoTypeName(t))
	}
	return Throw("System.InvalidOperationException", "Cannot add child tokens to %s.", jsonGoTypeName(c))
}

// JSONMerge is JContainer.Merge(content) with Newtonsoft's default
// settings: objects merge recursively, arrays concatenate, null values are
// ignored.
func JSONMerge(c JToken, content any) error {
	src, ok := content.(JToken)
	if !ok || content == nil {
		return nil
	}
	switch x := c.(type) {
	case *JObject:
		so, ok := src.(*JObject)
		if !ok {
			return nil
		}
		for _, p := range so.snapshot() {
			ex := x.Property(p.name)
			if ex == nil {
				x.Set(p.name, p.value)
				continue
			}
			if ex.value.Type() == p.value.Type() && (p.value.Type() == JTokenObject || p.value.Type() == JTokenArray) {
				if err := JSONMerge(ex.value, p.value); err != nil {
					return err
				}
				continue
			}
			if p.value.Type() != JTokenNull {
				ex.SetValue(p.value)
			}
		}
	case *JArray:
		if sa, ok := src.(*JArray); ok {
			for _, it := range append([]JToken(nil), sa.items...) {
				x.Append(it)
			}
		}
	}
	return nil
}

// jsonIgnoreCase reports whether a StringComparison argument ignores case
// (by name, or by number: the IgnoreCase members are the odd ones).
func jsonIgnoreCase(v any) bool {
	if n, ok := jsonArgInt(v); ok {
		return n%2 == 1
	}
	return strings.Contains(ToString(v), "IgnoreCase")
}
