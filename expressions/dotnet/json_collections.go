package dotnet

import "strings"

// jsonToCollection is the serializer's reading of a token into List<T>
// (and its interfaces) or Dictionary<TKey, TValue> (and its interfaces),
// for ToObject<T>() and JsonConvert.DeserializeObject<T>(). ok is false for
// other targets.
func jsonToCollection(t JToken, target *Type) (v any, ok bool, err error) {
	if target == nil || target.Generic == nil {
		return nil, false, nil
	}
	switch target.Generic {
	case ListT, IListT, ICollectionT, IReadOnlyCollectionT:
		if len(target.Args) != 1 {
			return nil, false, nil
		}
		if t == nil || t.Type() == JTokenNull {
			return nil, true, nil
		}
		a, isArr := t.(*JArray)
		if !isArr {
			return nil, true, jsonCannotDeserialize(t, target, "JSON array (e.g. [1,2,3])")
		}
		l := NewList(target.Args[0])
		for _, it := range a.items {
			x, err := jsonElement(it, target.Args[0])
			if err != nil {
				return nil, true, err
			}
			l.Items = append(l.Items, x)
		}
		return l, true, nil
	case DictionaryT, IDictionaryT, IReadOnlyDictionaryT:
		if len(target.Args) != 2 {
			return nil, false, nil
		}
		if t == nil || t.Type() == JTokenNull {
			return nil, true, nil
		}
		o, isObj := t.(*JObject)
		if !isObj {
			return nil, true, jsonCannotDeserialize(t, target, "JSON object (e.g. {\"name\":\"value\"})")
		}
		d := NewDictionary(target.Args[0], target.Args[1], nil)
		for _, p := range o.props {
			k, err := jsonElement(JString(p.Name()), target.Args[0])
			if err != nil {
				return nil, true, err
			}
			x, err := jsonElement(p.Value(), target.Args[1])
			if err != nil {
				return nil, true, err
			}
			if err := d.Set(k, x); err != nil {
				return nil, true, err
			}
		}
		return d, true, nil
	}
	return nil, false, nil
}

// jsonElement reads one element as the serializer does: a value that does
// not convert is a JsonReaderException, not the cast operator's exception.
func jsonElement(t JToken, target *Type) (any, error) {
	x, err := JTokenToObject(t, target)
	if ex, ok := err.(*Exception); ok && (ex.Type == "System.FormatException" || ex.Type == "System.ArgumentException" || ex.Type == "System.InvalidCastException") {
		return nil, &Exception{Type: "Newtonsoft.Json.JsonReaderException", Message: ex.Message}
	}
	return x, err
}

func jsonCannotDeserialize(t JToken, target *Type, needs string) *Exception {
	kind := "value"
	switch t.(type) {
	case *JObject:
		kind = "object"
	case *JArray:
		kind = "array"
	}
	return Throw("Newtonsoft.Json.JsonSerializationException",
		"Cannot deserialize the current JSON %s into type '%s' because the type requires a %s to deserialize correctly.",
		kind, strings.TrimSpace(collTypeFull(target)), needs)
}
