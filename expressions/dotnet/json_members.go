package dotnet

import "strings"

// Indexers follow the .NET accessor names: a getter is a Method named
// "get_Item" taking the index, a setter one named "set_Item" taking the
// index and then the value.

func init() {
	enumerableOf := func(t *Type) *Type { return Instantiate(IEnumerable, t) }
	JTokenT.Ifaces = []*Type{enumerableOf(JTokenT)}
	JObjectT.Ifaces = []*Type{enumerableOf(JSONKeyValueT)}

	jsonRegisterEnums()
	jsonRegisterToken(enumerableOf)
	jsonRegisterContainer(enumerableOf)
	jsonRegisterObject(enumerableOf)
	jsonRegisterArray()
	jsonRegisterProperty()
	jsonRegisterValue()
	jsonRegisterConvert()
	jsonRegisterConversions()

	JSONKeyValueT.ValueType = true
	JSONKeyValueT.AddProp(
		jsonGetter("Key", String, func(r any) (any, error) { return r.(*JSONKeyValue).Key, nil }),
		jsonGetter("Value", JTokenT, func(r any) (any, error) { return r.(*JSONKeyValue).Value, nil }),
	)
	JSONKeyValueT.AddMethod(jsonMethod("ToString", String, func(r any, _ []any) (any, error) { return r.(*JSONKeyValue).String(), nil }))
}

func jsonRegisterEnums() {
	for i, n := range jsonTokenTypeNames {
		v := JTokenType(i)
		JTokenTypeT.AddStaticProp(&Prop{Name: n, Type: JTokenTypeT, Get: func(any) (any, error) { return v, nil }})
	}
	for _, v := range []JSONFormatting{FormattingNone, FormattingIndented} {
		FormattingT.AddStaticProp(&Prop{Name: v.String(), Type: FormattingT, Get: func(any) (any, error) { return v, nil }})
	}
}

func jsonTok(r any) JToken { return r.(JToken) }

// jsonOrNil turns a nil token into an untyped nil (not a typed nil pointer).
func jsonOrNil(t JToken) any {
	if t == nil {
		return nil
	}
	return t
}

func jsonTokens(ts []JToken) []any {
	out := make([]any, len(ts))
	for i, t := range ts {
		out[i] = t
	}
	return out
}

// JSONIndex is the JToken indexer getter (this[object key]): a string key
// on an object, an int on an array; nil when absent.
func JSONIndex(t JToken, key any) (any, error) {
	switch x := t.(type) {
	case *JObject:
		s, ok := key.(string)
		if !ok {
			return nil, Throw("System.ArgumentException", "Accessed JObject values with invalid key value: %s. Object property name expected.", jsonKeyText(key))
		}
		return jsonOrNil(x.Get(s)), nil
	case *JArray:
		i, ok := jsonArgInt(key)
		if !ok {
			return nil, Throw("System.ArgumentException", "Accessed JArray values with invalid key value: %s. Int32 array index expected.", jsonKeyText(key))
		}
		if i < 0 || i >= len(x.items) {
			return nil, OutOfRange("index")
		}
		return x.items[i], nil
	case *JProperty:
		return nil, Throw("System.InvalidOperationException", "Cannot access child value on Newtonsoft.Json.Linq.JProperty.")
	}
	return nil, Throw("System.InvalidOperationException", "Cannot access child value on %s.", jsonGoTypeName(t))
}

func jsonKeyText(k any) string {
	if s, ok := k.(string); ok {
		return `"` + s + `"`
	}
	return ToString(k)
}

// JSONSetIndex is the JToken indexer setter.
func JSONSetIndex(t JToken, key, value any) error {
	v, err := JSONToToken(value)
	if err != nil {
		return err
	}
	switch x := t.(type) {
	case *JObject:
		s, ok := key.(string)
		if !ok {
			return Throw("System.ArgumentException", "Set JObject values with invalid key value: %s. Object property name expected.", jsonKeyText(key))
		}
		x.Set(s, v)
		return nil
	case *JArray:
		i, ok := jsonArgInt(key)
		if !ok {
			return Throw("System.ArgumentException", "Set JArray values with invalid key value: %s. Int32 array index expected.", jsonKeyText(key))
		}
		return x.SetAt(i, v)
	}
	return Throw("System.InvalidOperationException", "Cannot set child value on %s.", jsonGoTypeName(t))
}

func jsonFirst(t JToken) any {
	k := JSONChildren(t)
	if len(k) == 0 {
		return nil
	}
	return k[0]
}

func jsonLast(t JToken) any {
	k := JSONChildren(t)
	if len(k) == 0 {
		return nil
	}
	return k[len(k)-1]
}

// jsonValues is Values<T>(): the children (a property's value in place of
// the property) converted with Value<T> semantics.
func jsonValues(t JToken, target *Type) ([]any, error) {
	var out []any
	for _, k := range JSONChildren(t) {
		if p, ok := k.(*JProperty); ok {
			k = p.value
		}
		if target == nil || target == Object || target == JTokenT {
			out = append(out, k)
			continue
		}
		v, err := JTokenValue(k, target)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// jsonKeyedValues is Extensions.Values(source, key) over a token's
// children: each child's [key] where present, converted like Value<T>.
func jsonKeyedValues(t JToken, key any, target *Type) ([]any, error) {
	out := []any{}
	for _, k := range JSONChildren(t) {
		if p, ok := k.(*JProperty); ok {
			k = p.value
		}
		if _, ok := k.(*JValue); ok {
			continue
		}
		v, err := JSONIndex(k, key)
		if err != nil {
			return nil, err
		}
		tok, _ := v.(JToken)
		if tok == nil {
			continue
		}
		if target == nil {
			out = append(out, tok)
			continue
		}
		c, err := JTokenValue(tok, target)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func jsonDescendants(t JToken, self bool) []any {
	var out []any
	if self {
		out = append(out, t)
	}
	var walk func(JToken)
	walk = func(x JToken) {
		for _, k := range JSONChildren(x) {
			out = append(out, k)
			walk(k)
		}
	}
	walk(t)
	return out
}

func jsonRegisterToken(enumerableOf func(*Type) *Type) {
	T := JTokenT
	T.AddProp(
		jsonGetter("Type", JTokenTypeT, func(r any) (any, error) { return jsonTok(r).Type(), nil }),
		jsonGetter("Parent", JContainerT, func(r any) (any, error) { return jsonOrNil(jsonTok(r).Parent()), nil }),
		jsonGetter("Root", JTokenT, func(r any) (any, error) { return JSONRoot(jsonTok(r)), nil }),
		jsonGetter("Path", String, func(r any) (any, error) { return JSONPath(jsonTok(r)), nil }),
		jsonGetter("Next", JTokenT, func(r any) (any, error) { return jsonOrNil(JSONNext(jsonTok(r))), nil }),
		jsonGetter("Previous", JTokenT, func(r any) (any, error) { return jsonOrNil(JSONPrevious(jsonTok(r))), nil }),
		jsonGetter("First", JTokenT, func(r any) (any, error) { return jsonFirst(jsonTok(r)), nil }),
		jsonGetter("Last", JTokenT, func(r any) (any, error) { return jsonLast(jsonTok(r)), nil }),
		jsonGetter("HasValues", Boolean, func(r any) (any, error) { return len(JSONChildren(jsonTok(r))) > 0, nil }),
	)
	T.Indexers = append(T.Indexers,
		jsonMethod("get_Item", JTokenT, func(r any, a []any) (any, error) { return JSONIndex(jsonTok(r), a[0]) }, jsonParam("key", Object)),
		jsonMethod("set_Item", Void, func(r any, a []any) (any, error) { return nil, JSONSetIndex(jsonTok(r), a[0], a[1]) },
			jsonParam("key", Object), jsonParam("value", JTokenT)),
	)
	toString := func(r any, a []any) (any, error) {
		f := FormattingIndented
		if len(a) > 0 {
			f = jsonArgFormatting(a[0])
		}
		return JSONStringErr(jsonTok(r), f)
	}
	T.AddMethod(
		jsonMethod("ToString", String, func(r any, _ []any) (any, error) { return jsonTok(r).String(), nil }),
		jsonMethod("ToString", String, toString, jsonParam("formatting", FormattingT)),
		jsonMethod("ToString", String, toString, jsonParam("formatting", FormattingT), jsonParams("converters", Object)),
		jsonMethod("SelectToken", JTokenT, func(r any, a []any) (any, error) {
			t, err := SelectToken(jsonTok(r), jsonArgString(a[0]))
			return jsonOrNil(t), err
		}, jsonParam("path", String)),
		jsonMethod("SelectToken", JTokenT, func(r any, a []any) (any, error) {
			t, err := SelectToken(jsonTok(r), jsonArgString(a[0]))
			if err == nil && t == nil && a[1] == true {
				err = Throw("Newtonsoft.Json.JsonException", "Path '%s' does not exist.", jsonArgString(a[0]))
			}
			return jsonOrNil(t), err
		}, jsonParam("path", String), jsonParam("errorWhenNoMatch", Boolean)),
		jsonMethod("SelectTokens", enumerableOf(JTokenT), func(r any, a []any) (any, error) {
			ts, err := SelectTokens(jsonTok(r), jsonArgString(a[0]))
			return jsonTokens(ts), err
		}, jsonParam("path", String)),
		jsonGeneric("Value", 1, jsonFirstTypeArg, func(r any, a []any) (any, error) {
			v, err := JSONIndex(jsonTok(r), a[1])
			if err != nil {
				return nil, err
			}
			t, _ := v.(JToken)
			return JTokenValue(t, a[0].(*Type))
		}, jsonParam("key", Object)),
		jsonGeneric("Value", 1, jsonFirstTypeArg, func(r any, a []any) (any, error) {
			return JTokenValue(jsonTok(r), a[0].(*Type))
		}),
		jsonGeneric("Values", 1, jsonSeqOfTypeArg, func(r any, a []any) (any, error) {
			return jsonValues(jsonTok(r), a[0].(*Type))
		}),
		jsonMethod("Values", enumerableOf(JTokenT), func(r any, _ []any) (any, error) { return jsonValues(jsonTok(r), nil) }),
		// Extensions.Values(source, key): each child's [key], when present.
		jsonMethod("Values", enumerableOf(JTokenT), func(r any, a []any) (any, error) { return jsonKeyedValues(jsonTok(r), a[0], nil) },
			jsonParam("key", Object)),
		jsonGeneric("Values", 1, jsonSeqOfTypeArg, func(r any, a []any) (any, error) {
			return jsonKeyedValues(jsonTok(r), a[1], a[0].(*Type))
		}, jsonParam("key", Object)),
		jsonMethod("Children", enumerableOf(JTokenT), func(r any, _ []any) (any, error) { return jsonTokens(JSONChildren(jsonTok(r))), nil }),
		jsonGeneric("Children", 1, jsonSeqOfTypeArg, func(r any, a []any) (any, error) {
			out := []any{}
			for _, k := range JSONChildren(jsonTok(r)) {
				if IsInstance(k, a[0].(*Type)) {
					out = append(out, k)
				}
			}
			return out, nil
		}),
		jsonMethod("DeepClone", JTokenT, func(r any, _ []any) (any, error) { return JSONClone(jsonTok(r)), nil }),
		jsonMethod("Remove", Void, func(r any, _ []any) (any, error) { return nil, JSONRemove(jsonTok(r)) }),
		jsonMethod("Replace", Void, func(r any, a []any) (any, error) {
			w, err := JSONToToken(a[0])
			if err != nil {
				return nil, err
			}
			return nil, JSONReplace(jsonTok(r), w)
		}, jsonParam("value", JTokenT)),
		jsonMethod("AddAfterSelf", Void, func(r any, a []any) (any, error) { return nil, jsonAddBeside(jsonTok(r), 1, a[0]) }, jsonParam("content", Object)),
		jsonMethod("AddBeforeSelf", Void, func(r any, a []any) (any, error) { return nil, jsonAddBeside(jsonTok(r), 0, a[0]) }, jsonParam("content", Object)),
		jsonMethod("Ancestors", enumerableOf(JTokenT), func(r any, _ []any) (any, error) {
			var out []any
			for p := jsonTok(r).Parent(); p != nil; p = p.Parent() {
				out = append(out, p)
			}
			return out, nil
		}),
		jsonMethod("AfterSelf", enumerableOf(JTokenT), func(r any, _ []any) (any, error) {
			kids, i := jsonSiblings(jsonTok(r))
			if i < 0 {
				return []any{}, nil
			}
			return jsonTokens(kids[i+1:]), nil
		}),
		jsonMethod("BeforeSelf", enumerableOf(JTokenT), func(r any, _ []any) (any, error) {
			kids, i := jsonSiblings(jsonTok(r))
			if i < 0 {
				return []any{}, nil
			}
			return jsonTokens(kids[:i]), nil
		}),
		jsonGeneric("ToObject", 1, jsonFirstTypeArg, func(r any, a []any) (any, error) {
			return JTokenToObject(jsonTok(r), a[0].(*Type))
		}),
		jsonMethod("Equals", Boolean, func(r any, a []any) (any, error) {
			if v, ok := r.(*JValue); ok {
				return v.EqualsValue(a[0]), nil
			}
			return r == a[0], nil
		}, jsonParam("obj", Object)),
	)
	T.AddStatic(
		jsonMethod("Parse", JTokenT, func(_ any, a []any) (any, error) { return ParseJSON(jsonArgString(a[0]), ParseJToken) }, jsonParam("json", String)),
		jsonMethod("FromObject", JTokenT, func(_ any, a []any) (any, error) { return JSONFromObject(a[0]) }, jsonParam("o", Object)),
		jsonMethod("DeepEquals", Boolean, func(_ any, a []any) (any, error) { return JSONEquals(a[0], a[1]), nil }, jsonParam("t1", JTokenT), jsonParam("t2", JTokenT)),
	)
}

// jsonAddBeside inserts content after (delta 1) or before (delta 0) t.
func jsonAddBeside(t JToken, delta int, content any) error {
	p := t.Parent()
	if p == nil {
		return Throw("System.InvalidOperationException", "The parent is missing.")
	}
	kids, i := jsonSiblings(t)
	if i < 0 || kids == nil {
		return Throw("System.ArgumentException", "Can not add %s to Newtonsoft.Json.Linq.JProperty.", "content")
	}
	return jsonAddAt(p, i+delta, content)
}

func jsonRegisterContainer(enumerableOf func(*Type) *Type) {
	C := JContainerT
	C.AddProp(jsonGetter("Count", Int32, func(r any) (any, error) { return int32(len(JSONChildren(jsonTok(r)))), nil }))
	C.AddMethod(
		jsonMethod("Add", Void, func(r any, a []any) (any, error) { return nil, JSONAdd(jsonTok(r), a[0]) }, jsonParam("content", Object)),
		jsonMethod("AddFirst", Void, func(r any, a []any) (any, error) { return nil, jsonAddAt(jsonTok(r), 0, a[0]) }, jsonParam("content", Object)),
		jsonMethod("RemoveAll", Void, func(r any, _ []any) (any, error) { jsonRemoveAll(jsonTok(r)); return nil, nil }),
		jsonMethod("ReplaceAll", Void, func(r any, a []any) (any, error) {
			jsonRemoveAll(jsonTok(r))
			return nil, JSONAdd(jsonTok(r), a[0])
		}, jsonParam("content", Object)),
		jsonMethod("Merge", Void, func(r any, a []any) (any, error) { return nil, JSONMerge(jsonTok(r), a[0]) }, jsonParam("content", Object)),
		jsonMethod("Merge", Void, func(r any, a []any) (any, error) { return nil, JSONMerge(jsonTok(r), a[0]) }, jsonParam("content", Object), jsonParam("settings", Object)),
		jsonMethod("Descendants", enumerableOf(JTokenT), func(r any, _ []any) (any, error) { return jsonDescendants(jsonTok(r), false), nil }),
		jsonMethod("DescendantsAndSelf", enumerableOf(JTokenT), func(r any, _ []any) (any, error) { return jsonDescendants(jsonTok(r), true), nil }),
	)
}

func jsonRemoveAll(t JToken) {
	switch x := t.(type) {
	case *JObject:
		for _, p := range x.snapshot() {
			x.removeProp(p)
		}
	case *JArray:
		for len(x.items) > 0 {
			_ = x.RemoveAt(len(x.items) - 1)
		}
	}
}

func jsonObj(r any) *JObject { return r.(*JObject) }

// jsonNewObject is new JObject(params object[] content).
func jsonNewObject(content []any) (any, error) {
	o := NewJObject()
	if len(content) == 1 {
		if src, ok := content[0].(*JObject); ok { // the copy constructor
			return JSONClone(src), nil
		}
	}
	for _, c := range content {
		if err := JSONAdd(o, c); err != nil {
			return nil, err
		}
	}
	return o, nil
}

func jsonParamsArg(a []any) []any {
	if len(a) == 0 {
		return nil
	}
	if s, ok := a[0].([]any); ok {
		return s
	}
	if a[0] == nil {
		return nil
	}
	return []any{a[0]}
}

func jsonRegisterObject(enumerableOf func(*Type) *Type) {
	O := JObjectT
	O.Ctors = append(O.Ctors,
		jsonMethod(".ctor", JObjectT, func(_ any, _ []any) (any, error) { return NewJObject(), nil }),
		jsonMethod(".ctor", JObjectT, func(_ any, a []any) (any, error) { return JSONClone(a[0].(*JObject)), nil }, jsonParam("other", JObjectT)),
		jsonMethod(".ctor", JObjectT, func(_ any, a []any) (any, error) { return jsonNewObject(jsonParamsArg(a)) }, jsonParams("content", Object)),
	)
	O.Indexers = append(O.Indexers,
		jsonMethod("get_Item", JTokenT, func(r any, a []any) (any, error) { return JSONIndex(jsonObj(r), a[0]) }, jsonParam("propertyName", String)),
		jsonMethod("set_Item", Void, func(r any, a []any) (any, error) { return nil, JSONSetIndex(jsonObj(r), a[0], a[1]) },
			jsonParam("propertyName", String), jsonParam("value", JTokenT)),
		jsonMethod("get_Item", JTokenT, func(r any, a []any) (any, error) { return JSONIndex(jsonObj(r), a[0]) }, jsonParam("key", Object)),
		jsonMethod("set_Item", Void, func(r any, a []any) (any, error) { return nil, JSONSetIndex(jsonObj(r), a[0], a[1]) },
			jsonParam("key", Object), jsonParam("value", JTokenT)),
	)
	O.AddProp(jsonGetter("Count", Int32, func(r any) (any, error) { return int32(jsonObj(r).Count()), nil }))
	getValue := func(r any, a []any) (any, error) {
		o := jsonObj(r)
		name := jsonArgString(a[0])
		if v := o.Get(name); v != nil {
			return v, nil
		}
		if len(a) > 1 && jsonIgnoreCase(a[1]) {
			for _, p := range o.props {
				if strings.EqualFold(p.name, name) {
					return p.value, nil
				}
			}
		}
		return nil, nil
	}
	O.AddMethod(
		jsonMethod("Add", Void, func(r any, a []any) (any, error) {
			v, err := JSONToToken(a[1])
			if err != nil {
				return nil, err
			}
			return nil, jsonObj(r).Add(jsonArgString(a[0]), v)
		}, jsonParam("propertyName", String), jsonParam("value", JTokenT)),
		jsonMethod("Remove", Boolean, func(r any, a []any) (any, error) { return jsonObj(r).Remove(jsonArgString(a[0])), nil }, jsonParam("propertyName", String)),
		jsonMethod("ContainsKey", Boolean, func(r any, a []any) (any, error) { return jsonObj(r).Property(jsonArgString(a[0])) != nil, nil }, jsonParam("propertyName", String)),
		jsonMethod("TryGetValue", Boolean, func(r any, a []any) (any, error) {
			v := jsonObj(r).Get(jsonArgString(a[0]))
			if out, ok := a[1].(*any); ok {
				*out = jsonOrNil(v)
			}
			return v != nil, nil
		}, jsonParam("propertyName", String), Param{Name: "value", Type: JTokenT, Out: true}),
		jsonMethod("Property", JPropertyT, func(r any, a []any) (any, error) {
			if p := jsonObj(r).Property(jsonArgString(a[0])); p != nil {
				return p, nil
			}
			return nil, nil
		}, jsonParam("name", String)),
		jsonMethod("Property", JPropertyT, func(r any, a []any) (any, error) {
			o, name := jsonObj(r), jsonArgString(a[0])
			if p := o.Property(name); p != nil {
				return p, nil
			}
			if jsonIgnoreCase(a[1]) {
				for _, p := range o.props {
					if strings.EqualFold(p.name, name) {
						return p, nil
					}
				}
			}
			return nil, nil
		}, jsonParam("name", String), jsonParam("comparison", nil)),
		jsonMethod("Properties", enumerableOf(JPropertyT), func(r any, _ []any) (any, error) {
			ps := jsonObj(r).props
			out := make([]any, len(ps))
			for i, p := range ps {
				out[i] = p
			}
			return out, nil
		}),
		jsonMethod("PropertyValues", enumerableOf(JTokenT), func(r any, _ []any) (any, error) { return jsonValues(jsonObj(r), nil) }),
		jsonMethod("GetValue", JTokenT, getValue, jsonParam("propertyName", String)),
		jsonMethod("GetValue", JTokenT, getValue, jsonParam("propertyName", String), jsonParam("comparison", nil)),
	)
	O.AddStatic(
		jsonMethod("Parse", JObjectT, func(_ any, a []any) (any, error) { return ParseJSON(jsonArgString(a[0]), ParseJObject) }, jsonParam("json", String)),
		jsonMethod("Parse", JObjectT, func(_ any, a []any) (any, error) { return ParseJSON(jsonArgString(a[0]), ParseJObject) }, jsonParam("json", String), jsonParam("settings", Object)),
		jsonMethod("FromObject", JObjectT, func(_ any, a []any) (any, error) { return jsonFromObjectAs(a[0], JTokenObject) }, jsonParam("o", Object)),
	)
}

// jsonFromObjectAs is JObject.FromObject / JArray.FromObject.
func jsonFromObjectAs(v any, want JTokenType) (any, error) {
	t, err := JSONFromObject(v)
	if err != nil {
		return nil, err
	}
	if t.Type() != want {
		return nil, Throw("System.ArgumentException", "Object serialized to %s. %s instance expected.", t.Type(), map[JTokenType]string{JTokenObject: "JObject", JTokenArray: "JArray"}[want])
	}
	return t, nil
}

func jsonArr(r any) *JArray { return r.(*JArray) }

func jsonRegisterArray() {
	A := JArrayT
	newArray := func(content []any) (any, error) {
		a := &JArray{}
		for _, c := range content {
			if err := JSONAdd(a, c); err != nil {
				return nil, err
			}
		}
		return a, nil
	}
	A.Ctors = append(A.Ctors,
		jsonMethod(".ctor", JArrayT, func(_ any, _ []any) (any, error) { return &JArray{}, nil }),
		jsonMethod(".ctor", JArrayT, func(_ any, a []any) (any, error) { return JSONClone(a[0].(*JArray)), nil }, jsonParam("other", JArrayT)),
		jsonMethod(".ctor", JArrayT, func(_ any, a []any) (any, error) { return newArray(jsonParamsArg(a)) }, jsonParams("content", Object)),
	)
	A.Indexers = append(A.Indexers,
		jsonMethod("get_Item", JTokenT, func(r any, a []any) (any, error) { return JSONIndex(jsonArr(r), a[0]) }, jsonParam("index", Int32)),
		jsonMethod("set_Item", Void, func(r any, a []any) (any, error) { return nil, JSONSetIndex(jsonArr(r), a[0], a[1]) },
			jsonParam("index", Int32), jsonParam("value", JTokenT)),
		jsonMethod("get_Item", JTokenT, func(r any, a []any) (any, error) { return JSONIndex(jsonArr(r), a[0]) }, jsonParam("key", Object)),
		jsonMethod("set_Item", Void, func(r any, a []any) (any, error) { return nil, JSONSetIndex(jsonArr(r), a[0], a[1]) },
			jsonParam("key", Object), jsonParam("value", JTokenT)),
	)
	A.AddProp(jsonGetter("Count", Int32, func(r any) (any, error) { return int32(jsonArr(r).Count()), nil }))
	index := func(r any, a []any) int {
		t, _ := a[0].(JToken)
		return jsonArr(r).IndexOf(t)
	}
	A.AddMethod(
		jsonMethod("Add", Void, func(r any, a []any) (any, error) {
			v, err := JSONToToken(a[0])
			if err != nil {
				return nil, err
			}
			jsonArr(r).Append(v)
			return nil, nil
		}, jsonParam("item", JTokenT)),
		jsonMethod("Insert", Void, func(r any, a []any) (any, error) {
			i, _ := jsonArgInt(a[0])
			v, err := JSONToToken(a[1])
			if err != nil {
				return nil, err
			}
			return nil, jsonArr(r).Insert(i, v)
		}, jsonParam("index", Int32), jsonParam("item", JTokenT)),
		jsonMethod("RemoveAt", Void, func(r any, a []any) (any, error) {
			i, _ := jsonArgInt(a[0])
			return nil, jsonArr(r).RemoveAt(i)
		}, jsonParam("index", Int32)),
		jsonMethod("Remove", Boolean, func(r any, a []any) (any, error) {
			i := index(r, a)
			if i < 0 {
				return false, nil
			}
			return true, jsonArr(r).RemoveAt(i)
		}, jsonParam("item", JTokenT)),
		jsonMethod("IndexOf", Int32, func(r any, a []any) (any, error) { return int32(index(r, a)), nil }, jsonParam("item", JTokenT)),
		jsonMethod("Contains", Boolean, func(r any, a []any) (any, error) { return index(r, a) >= 0, nil }, jsonParam("item", JTokenT)),
		jsonMethod("Clear", Void, func(r any, _ []any) (any, error) { jsonRemoveAll(jsonArr(r)); return nil, nil }),
	)
	A.AddStatic(
		jsonMethod("Parse", JArrayT, func(_ any, a []any) (any, error) { return ParseJSON(jsonArgString(a[0]), ParseJArray) }, jsonParam("json", String)),
		jsonMethod("Parse", JArrayT, func(_ any, a []any) (any, error) { return ParseJSON(jsonArgString(a[0]), ParseJArray) }, jsonParam("json", String), jsonParam("settings", Object)),
		jsonMethod("FromObject", JArrayT, func(_ any, a []any) (any, error) { return jsonFromObjectAs(a[0], JTokenArray) }, jsonParam("o", Object)),
	)
}

// JSONNewProperty is new JProperty(name, content): enumerable content
// becomes a JArray, other values a JValue (tokens are used as they are).
func JSONNewProperty(name string, content any) (*JProperty, error) {
	var v JToken
	var err error
	if jsonIsMultiContent(content) {
		a := &JArray{}
		if err = JSONAdd(a, content); err != nil {
			return nil, err
		}
		v = a
	} else if content == nil {
		v = JNull()
	} else if v, err = jsonContentToken(content); err != nil {
		return nil, err
	}
	return NewJProperty(name, v), nil
}

func jsonRegisterProperty() {
	P := JPropertyT
	P.Ctors = append(P.Ctors,
		jsonMethod(".ctor", JPropertyT, func(_ any, a []any) (any, error) { return JSONNewProperty(jsonArgString(a[0]), a[1]) },
			jsonParam("name", String), jsonParam("content", Object)),
		jsonMethod(".ctor", JPropertyT, func(_ any, a []any) (any, error) {
			items := jsonParamsArg(a[1:])
			return JSONNewProperty(jsonArgString(a[0]), items)
		}, jsonParam("name", String), jsonParams("content", Object)),
	)
	P.AddProp(
		jsonGetter("Name", String, func(r any) (any, error) { return r.(*JProperty).name, nil }),
		&Prop{Name: "Value", Type: JTokenT,
			Get: func(r any) (any, error) { return r.(*JProperty).value, nil },
			Set: func(r any, v any) error {
				t, err := JSONToToken(v)
				if err != nil {
					return err
				}
				r.(*JProperty).SetValue(t)
				return nil
			}},
	)
}

func jsonRegisterValue() {
	V := JValueT
	V.Ctors = append(V.Ctors,
		jsonMethod(".ctor", JValueT, func(_ any, a []any) (any, error) {
			if t, ok := a[0].(*JValue); ok {
				return &JValue{typ: t.typ, v: t.v}, nil
			}
			return NewJValue(a[0])
		}, jsonParam("value", Object)),
	)
	V.AddProp(&Prop{Name: "Value", Type: Object,
		Get: func(r any) (any, error) { return jsonValueOf(r.(JToken)).v, nil },
		Set: func(r any, v any) error { return jsonValueOf(r.(JToken)).SetValue(v) }})
	formatted := func(r any, a []any) (any, error) {
		jv := jsonValueOf(r.(JToken))
		if jv.v == nil {
			return "", nil
		}
		for _, m := range TypeOf(jv.v).FindMethods("ToString") {
			if len(m.Params) == len(a) && m.TypeParams == 0 && (len(a) == 0 || m.Params[0].Type == String || len(a) == 2) {
				if m.Fn == nil {
					continue
				}
				return m.Fn(jv.v, a)
			}
		}
		return jv.String(), nil
	}
	V.AddMethod(
		jsonMethod("ToString", String, formatted, jsonParam("format", String)),
		jsonMethod("ToString", String, formatted, jsonParam("formatProvider", nil)),
		jsonMethod("ToString", String, formatted, jsonParam("format", String), jsonParam("formatProvider", nil)),
		jsonMethod("CompareTo", Int32, func(r any, a []any) (any, error) {
			return int32(jsonCompare(jsonValueOf(r.(JToken)), a[0])), nil
		}, jsonParam("obj", Object)),
	)
	V.AddStatic(
		jsonMethod("CreateNull", JValueT, func(any, []any) (any, error) { return JNull(), nil }),
		jsonMethod("CreateUndefined", JValueT, func(any, []any) (any, error) { return &JValue{typ: JTokenUndefined}, nil }),
		jsonMethod("CreateString", JValueT, func(_ any, a []any) (any, error) {
			if a[0] == nil {
				return &JValue{typ: JTokenString}, nil
			}
			return JString(jsonArgString(a[0])), nil
		}, jsonParam("value", String)),
		jsonMethod("CreateComment", JValueT, func(_ any, a []any) (any, error) {
			return &JValue{typ: JTokenComment, v: jsonArgString(a[0])}, nil
		}, jsonParam("value", String)),
	)
	JRawT.Ctors = append(JRawT.Ctors,
		jsonMethod(".ctor", JRawT, func(_ any, a []any) (any, error) {
			return &JRaw{JValue{typ: JTokenRaw, v: jsonArgString(a[0])}}, nil
		}, jsonParam("rawJson", Object)),
	)
}

// jsonCompare orders two values for JValue.CompareTo (numbers numerically,
// others by their invariant text).
func jsonCompare(a *JValue, other any) int {
	b, ok := jsonAsToken(other)
	bv := jsonValueOf(b)
	if !ok || bv == nil {
		return 1
	}
	af, aok := jsonFloatOf(a.v)
	bf, bok := jsonFloatOf(bv.v)
	if aok && bok {
		switch {
		case af < bf:
			return -1
		case af > bf:
			return 1
		}
		return 0
	}
	return strings.Compare(jsonInvariantString(a.v), jsonInvariantString(bv.v))
}

func jsonRegisterConvert() {
	J := JsonConvertT
	ser := func(_ any, a []any) (any, error) {
		f := FormattingNone
		if len(a) > 1 {
			if ff, ok := a[1].(JSONFormatting); ok {
				f = ff
			}
		}
		return SerializeObject(a[0], f)
	}
	J.AddStatic(
		jsonMethod("SerializeObject", String, ser, jsonParam("value", Object)),
		jsonMethod("SerializeObject", String, ser, jsonParam("value", Object), jsonParam("formatting", FormattingT)),
		jsonMethod("SerializeObject", String, ser, jsonParam("value", Object), jsonParam("formatting", FormattingT), jsonParam("settings", Object)),
		jsonMethod("SerializeObject", String, ser, jsonParam("value", Object), jsonParams("converters", Object)),
		jsonMethod("DeserializeObject", Object, func(_ any, a []any) (any, error) {
			if a[0] == nil {
				return nil, ArgumentNull("value")
			}
			return DeserializeObject(jsonArgString(a[0]))
		}, jsonParam("value", String)),
		jsonGeneric("DeserializeObject", 1, jsonFirstTypeArg, func(_ any, a []any) (any, error) {
			if a[1] == nil {
				return nil, ArgumentNull("value")
			}
			return DeserializeObjectAs(jsonArgString(a[1]), a[0].(*Type))
		}, jsonParam("value", String)),
		jsonGeneric("DeserializeObject", 1, jsonFirstTypeArg, func(_ any, a []any) (any, error) {
			if a[1] == nil {
				return nil, ArgumentNull("value")
			}
			return DeserializeObjectAs(jsonArgString(a[1]), a[0].(*Type))
		}, jsonParam("value", String), jsonParam("settings", Object)),
	)
}

// jsonConvTargets are the .NET types JToken converts to explicitly, by
// name; those registered by other files are looked up at init.
var jsonConvTargets = []string{"String", "Boolean", "Char", "SByte", "Byte", "Int16", "UInt16", "Int32", "UInt32",
	"Int64", "UInt64", "Single", "Double", "Decimal", "DateTime", "DateTimeOffset", "Guid", "TimeSpan", "Uri"}

func jsonRegisterConversions() {
	for _, n := range jsonConvTargets {
		t := Lookup(n)
		if t == nil {
			continue
		}
		to := t
		AddConversion(JTokenT, to, func(v any) (any, error) { return JTokenConvert(v, to) })
		if to.ValueType {
			nt := NullableOf(to)
			AddConversion(JTokenT, nt, func(v any) (any, error) { return JTokenConvert(v, nt) })
		}
		// the implicit operators JToken(string), JToken(int), ...
		AddConversion(to, JTokenT, func(v any) (any, error) { return JSONToToken(v) })
		AddConversion(to, JValueT, func(v any) (any, error) { return NewJValue(v) })
	}
	bytes := ArrayOf(Byte)
	AddConversion(JTokenT, bytes, func(v any) (any, error) { return JTokenConvert(v, bytes) })
}
