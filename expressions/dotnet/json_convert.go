package dotnet

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// JSONFromObject converts a runtime value to a token as JToken.FromObject
// does: tokens are deep-copied, primitives become JValues, enumerables
// become JArrays, dictionaries (JSONEntries) become JObjects, JSONMarshaler
// values convert themselves and other registered objects write their
// properties (in name order).
func JSONFromObject(v any) (JToken, error) {
	if t := TypeOf(v); t.Enum {
		return JInt(int64(txInt(v))), nil // enums serialise as their number
	}
	switch x := v.(type) {
	case nil:
		return JNull(), nil
	case JToken:
		return JSONClone(x), nil
	case JSONMarshaler:
		return x.ToJToken()
	case *JSONKeyValue:
		o := NewJObject()
		o.Set("Key", JString(x.Key))
		o.Set("Value", x.Value)
		return o, nil
	case JSONEntries:
		o := NewJObject()
		for k, e := range x.JSONEntries() {
			t, err := JSONFromObject(e)
			if err != nil {
				return nil, err
			}
			o.Set(k, t)
		}
		return o, nil
	}
	if t, gv, ok := jsonPrimitive(v); ok {
		return &JValue{typ: t, v: gv}, nil
	}
	if o, ok, err := jsonFromDictionary(v); ok || err != nil {
		return o, err
	}
	if seq, ok := Iterate(v); ok {
		a := &JArray{}
		for e := range seq {
			t, err := JSONFromObject(e)
			if err != nil {
				return nil, err
			}
			a.Append(t)
		}
		return a, nil
	}
	typ := TypeOf(v)
	if typ == Object || typ.Enum {
		if typ.Enum {
			if n, err := strconv.ParseInt(strings.TrimSpace(jsonEnumNumber(v)), 10, 64); err == nil {
				return JInt(n), nil
			}
		}
		return nil, Throw("Newtonsoft.Json.JsonSerializationException", "Unable to serialize instance of '%s'.", typ.FullName)
	}
	// A plain object: its public instance properties.
	var names []string
	seen := map[string]bool{}
	for x := typ; x != nil && x != Object; x = x.Base {
		for n := range x.Props {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	o := NewJObject()
	for _, n := range names {
		pv, err := typ.FindProp(n).Get(v)
		if err != nil {
			return nil, err
		}
		t, err := JSONFromObject(pv)
		if err != nil {
			return nil, err
		}
		o.Set(n, t)
	}
	return o, nil
}

// jsonFromDictionary writes a dictionary-typed enumerable (its elements
// have Key and Value properties) as a JSON object, as the serializer does.
func jsonFromDictionary(v any) (JToken, bool, error) {
	if !strings.Contains(TypeOf(v).Name, "Dictionary") {
		return nil, false, nil
	}
	seq, ok := Iterate(v)
	if !ok {
		return nil, false, nil
	}
	o := NewJObject()
	for e := range seq {
		et := TypeOf(e)
		kp, vp := et.FindProp("Key"), et.FindProp("Value")
		if kp == nil || vp == nil {
			return nil, false, nil
		}
		k, err := kp.Get(e)
		if err != nil {
			return nil, true, err
		}
		val, err := vp.Get(e)
		if err != nil {
			return nil, true, err
		}
		t, err := JSONFromObject(val)
		if err != nil {
			return nil, true, err
		}
		o.Set(ToString(k), t)
	}
	return o, true, nil
}

// jsonEnumNumber returns an enum value's underlying number as text.
func jsonEnumNumber(v any) string {
	switch x := v.(type) {
	case JTokenType:
		return strconv.Itoa(int(x))
	case JSONFormatting:
		return strconv.Itoa(int(x))
	}
	return "x"
}

// SerializeObject is JsonConvert.SerializeObject(value, formatting).
func SerializeObject(v any, f JSONFormatting) (string, error) {
	t, err := JSONFromObject(v)
	if err != nil {
		return "", err
	}
	return JSONStringErr(t, f)
}

// DeserializeObject is JsonConvert.DeserializeObject(string): objects and
// arrays become JObject/JArray, a primitive root its .NET value, empty text
// null.
func DeserializeObject(s string) (any, error) { return DeserializeObjectWithin(nil, s, nil) }

// DeserializeObjectAs is JsonConvert.DeserializeObject<T>(string).
func DeserializeObjectAs(s string, target *Type) (any, error) {
	return DeserializeObjectWithin(nil, s, target)
}

// DeserializeObjectWithin is DeserializeObject<target> (target nil or
// object: DeserializeObject) parsing within an evaluation's budget, as
// ParseJSONWithin does.
func DeserializeObjectWithin(b *Budget, s string, target *Type) (any, error) {
	switch {
	case strings.TrimSpace(s) == "":
		if target == nil || target == Object {
			return nil, nil
		}
		return jsonZero(target), nil // no content: default(T)
	case target == JObjectT:
		return ParseJSONWithin(b, s, ParseJObject)
	case target == JArrayT:
		return ParseJSONWithin(b, s, ParseJArray)
	}
	t, err := jsonParseDocument(b, s)
	if err != nil {
		return nil, err
	}
	switch {
	case target == nil || target == Object:
		if jv, ok := t.(*JValue); ok {
			return jv.v, nil
		}
		return t, nil
	case jsonIsTokenType(target):
		return JTokenToObject(t, target)
	}
	return jsonElement(t, target)
}

// jsonParseDocument parses like the serializer: additional content is a
// different error than JToken.Parse's.
func jsonParseDocument(b *Budget, s string) (JToken, error) {
	t, err := ParseJSONWithin(b, s, ParseJToken)
	if e, ok := err.(*Exception); ok && strings.HasPrefix(e.Message, "Additional text encountered") {
		_, rest, _ := strings.Cut(e.Message, " Path ")
		e.Message = "Additional text found in JSON string after finishing deserializing object. Path " + rest
	}
	return t, err
}

// JTokenToObject is JToken.ToObject<T>(): primitive targets use the
// explicit conversion operators, token targets get a copy, object gets a
// value's .NET value.
func JTokenToObject(t JToken, target *Type) (any, error) {
	if jsonIsTokenType(target) {
		if t == nil {
			return nil, nil
		}
		switch target {
		case JObjectT:
			if _, ok := t.(*JObject); !ok {
				return nil, jsonReaderError("Error reading JObject from JsonReader. Current JsonReader item is not an object: "+jsonStartName(t)+".", "", 1, 1)
			}
		case JArrayT:
			if _, ok := t.(*JArray); !ok {
				return nil, jsonReaderError("Error reading JArray from JsonReader. Current JsonReader item is not an array: "+jsonStartName(t)+".", "", 1, 1)
			}
		}
		if !IsInstance(t, target) {
			return nil, InvalidCast(jsonGoTypeName(t), target.FullName)
		}
		return JSONClone(t), nil
	}
	if target != nil && target.Generic == Array && len(target.Args) == 1 {
		return jsonToArray(t, target.Args[0])
	}
	if v, ok, err := jsonToCollection(t, target); ok {
		return v, err
	}
	if target == nil || target == Object {
		if jv, ok := t.(*JValue); ok {
			return jv.v, nil
		}
		if t == nil {
			return nil, nil
		}
		return JSONClone(t), nil
	}
	return JTokenConvert(t, target)
}

// jsonToArray is ToObject<T[]>() on a JArray: string[] and int[] use
// their Go slice types, other element types []any.
func jsonToArray(t JToken, elem *Type) (any, error) {
	a, ok := t.(*JArray)
	if !ok {
		if t == nil || t.Type() == JTokenNull {
			return nil, nil
		}
		return nil, Throw("Newtonsoft.Json.JsonSerializationException", "Cannot deserialize the current JSON %s into type '%s[]'.", strings.ToLower(t.Type().String()), elem.FullName)
	}
	out := make([]any, len(a.items))
	for i, it := range a.items {
		v, err := jsonElement(it, elem)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	switch elem {
	case String:
		ss := make([]string, len(out))
		for i, v := range out {
			ss[i], _ = v.(string)
		}
		return ss, nil
	case Int32:
		ns := make([]int32, len(out))
		for i, v := range out {
			ns[i], _ = v.(int32)
		}
		return ns, nil
	}
	return out, nil
}

func jsonStartName(t JToken) string {
	switch t.(type) {
	case *JObject:
		return "StartObject"
	case *JArray:
		return "StartArray"
	}
	return t.Type().String()
}

func jsonIsTokenType(t *Type) bool {
	for x := t; x != nil; x = x.Base {
		if x == JTokenT {
			return true
		}
	}
	return false
}

// jsonTargetName is the .NET simple name a conversion message uses.
func jsonTargetName(t *Type) string {
	if t.Nullable && len(t.Args) == 1 {
		return t.Args[0].Name
	}
	return t.Name
}

var (
	jsonNumberTypes   = []JTokenType{JTokenInteger, JTokenFloat, JTokenString, JTokenComment, JTokenBoolean}
	jsonStringTypes   = []JTokenType{JTokenDate, JTokenInteger, JTokenFloat, JTokenString, JTokenComment, JTokenRaw, JTokenBoolean, JTokenBytes, JTokenGuid, JTokenTimeSpan, JTokenUri}
	jsonDateTypes     = []JTokenType{JTokenDate, JTokenString, JTokenComment}
	jsonGuidTypes     = []JTokenType{JTokenString, JTokenComment, JTokenGuid, JTokenBytes}
	jsonTimeSpanTypes = []JTokenType{JTokenString, JTokenComment, JTokenTimeSpan}
	jsonUriTypes      = []JTokenType{JTokenString, JTokenComment, JTokenUri}
	jsonBytesTypes    = []JTokenType{JTokenString, JTokenComment, JTokenBytes, JTokenInteger}
)

// JTokenConvert applies Newtonsoft's explicit conversion operator from
// JToken to target ((string)token, (int)token, (DateTime?)token, ...). A
// JProperty converts its value; containers and wrong token types throw
// ArgumentException "Can not convert Object to Int32.".
func JTokenConvert(v any, target *Type) (any, error) {
	if jsonIsTokenType(target) || target == Object {
		if v == nil || IsInstance(v, target) {
			return v, nil
		}
		return nil, InvalidCast(jsonGoTypeName(v), target.FullName)
	}
	under := target
	nullable := !target.ValueType
	if target.Nullable && len(target.Args) == 1 {
		under, nullable = target.Args[0], true
	}
	name := jsonTargetName(target)
	if v == nil {
		if nullable {
			return nil, nil
		}
		return nil, ArgumentNull("value")
	}
	t, ok := v.(JToken)
	if !ok {
		return nil, InvalidCast(TypeOf(v).FullNameOrArray(), target.FullName)
	}
	if p, ok := t.(*JProperty); ok {
		t = p.value
	}
	jv := jsonValueOf(t)
	if jv == nil {
		return nil, Throw("System.ArgumentException", "Can not convert %s to %s.", t.Type(), name)
	}
	if jv.v == nil && (jv.typ == JTokenNull || jv.typ == JTokenUndefined) {
		if nullable {
			return nil, nil
		}
		return nil, Throw("System.ArgumentException", "Can not convert %s to %s.", jv.typ, name)
	}
	allowed := jsonNumberTypes
	switch jsonTypeKey(under) {
	case "System.String":
		allowed = jsonStringTypes
		if b, ok := jv.v.([]byte); ok {
			return base64.StdEncoding.EncodeToString(b), nil
		}
	case "System.DateTime", "System.DateTimeOffset":
		allowed = jsonDateTypes
	case "System.Guid":
		allowed = jsonGuidTypes
	case "System.TimeSpan":
		allowed = jsonTimeSpanTypes
	case "System.Uri":
		allowed = jsonUriTypes
	case "System.Byte[]":
		allowed = jsonBytesTypes
	}
	okType := false
	for _, a := range allowed {
		okType = okType || a == jv.typ
	}
	if !okType {
		return nil, Throw("System.ArgumentException", "Can not convert %s to %s.", jv.typ, name)
	}
	return jsonChangeType(jv.v, under)
}

func jsonValueOf(t JToken) *JValue {
	switch x := t.(type) {
	case *JValue:
		return x
	case *JRaw:
		return &x.JValue
	}
	return nil
}

// JTokenValue is the Value<T>() conversion (Extensions.Convert): a missing
// token gives default(T), a token of type T is returned as is, a JValue's
// value goes through Convert.ChangeType with the invariant culture.
func JTokenValue(t JToken, target *Type) (any, error) {
	if t == nil {
		return jsonZero(target), nil
	}
	if target == nil || target == Object || jsonIsTokenType(target) {
		if target == nil || IsInstance(t, target) {
			return t, nil
		}
	}
	jv := jsonValueOf(t)
	if jv == nil {
		return nil, Throw("System.InvalidCastException", "Cannot cast %s to %s.", jsonGoTypeName(t), "Newtonsoft.Json.Linq.JToken")
	}
	if target == nil || target == Object {
		return t, nil
	}
	if jsonIsTokenType(target) {
		return nil, InvalidCast(jsonGoTypeName(t), target.FullName)
	}
	under := target
	if target.Nullable && len(target.Args) == 1 {
		if jv.v == nil {
			return nil, nil
		}
		under = target.Args[0]
	}
	if jv.v == nil {
		if !under.ValueType {
			return nil, nil
		}
		return nil, Throw("System.InvalidCastException", "Null object cannot be converted to a value type.")
	}
	return jsonChangeType(jv.v, under)
}

// jsonZero is default(T).
func jsonZero(t *Type) any {
	if t == nil || t.Nullable {
		return nil
	}
	switch t.FullName {
	case "System.Int32":
		return int32(0)
	case "System.Int64":
		return int64(0)
	case "System.Int16":
		return int16(0)
	case "System.Byte":
		return uint8(0)
	case "System.SByte":
		return int8(0)
	case "System.UInt16":
		return uint16(0)
	case "System.UInt32":
		return uint32(0)
	case "System.UInt64":
		return uint64(0)
	case "System.Double":
		return float64(0)
	case "System.Single":
		return float32(0)
	case "System.Boolean":
		return false
	case "System.Char":
		return Char(0)
	case "System.Decimal":
		return Decimal{}
	case "System.DateTime":
		return DateTime{T: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)}
	case "System.Guid":
		return Guid{}
	case "System.TimeSpan":
		return TimeSpan(0)
	}
	return nil
}

func jsonOverflow(name string) *Exception {
	return Throw("System.OverflowException", "Value was either too large or too small for %s %s.", jsonArticle(name), name)
}

func jsonArticle(name string) string {
	if strings.ContainsRune("AEIOU", rune(name[0])) {
		return "an"
	}
	return "a"
}

func jsonBadCast(v any, name string) *Exception {
	from := TypeOf(v).Name
	switch v.(type) {
	case *big.Int:
		from = "BigInteger"
	case Decimal:
		from = "Decimal"
	case DateTime:
		from = "DateTime"
	case Guid:
		from = "Guid"
	}
	return Throw("System.InvalidCastException", "Invalid cast from '%s' to '%s'.", from, name)
}

// jsonChangeType is Convert.ChangeType(value, target, InvariantCulture)
// for JValue payloads.
func jsonChangeType(v any, target *Type) (any, error) {
	name := target.Name
	switch jsonTypeKey(target) {
	case "System.String":
		return jsonInvariantString(v), nil
	case "System.Object":
		return v, nil
	case "System.Int32", "System.Int64", "System.Int16", "System.SByte", "System.Byte", "System.UInt16", "System.UInt32", "System.UInt64":
		n, err := jsonToInteger(v, name)
		if err != nil {
			return nil, err
		}
		return jsonFitInteger(n, target.FullName, name)
	case "System.Double", "System.Single":
		var f float64
		switch x := v.(type) {
		case string:
			g, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil && !strings.Contains(err.Error(), "range") {
				return nil, FormatError("The input string '" + x + "' was not in a correct format.")
			}
			f = g
		case bool:
			if x {
				f = 1
			}
		default:
			g, ok := jsonFloatOf(v)
			if !ok {
				return nil, jsonBadCast(v, name)
			}
			f = g
		}
		if target.FullName == "System.Single" {
			return float32(f), nil
		}
		return f, nil
	case "System.Decimal":
		switch x := v.(type) {
		case Decimal:
			return x, nil
		case int64:
			return Decimal{D: decimal.NewFromInt(x)}, nil
		case *big.Int:
			return Decimal{D: decimal.NewFromBigInt(x, 0)}, nil
		case float64:
			return Decimal{D: decimal.NewFromFloat(x)}, nil
		case float32:
			return Decimal{D: decimal.NewFromFloat32(x)}, nil
		case bool:
			if x {
				return Decimal{D: decimal.NewFromInt(1)}, nil
			}
			return Decimal{}, nil
		case string:
			d, err := decimal.NewFromString(strings.TrimSpace(x))
			if err != nil {
				return nil, FormatError("The input string '" + x + "' was not in a correct format.")
			}
			return Decimal{D: d}, nil
		}
		return nil, jsonBadCast(v, name)
	case "System.Boolean":
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true":
				return true, nil
			case "false":
				return false, nil
			}
			return nil, FormatError("String '" + x + "' was not recognized as a valid Boolean.")
		}
		if f, ok := jsonFloatOf(v); ok {
			return f != 0, nil
		}
		return nil, jsonBadCast(v, name)
	case "System.Char":
		if s, ok := v.(string); ok {
			u := UTF16(s)
			if len(u) != 1 {
				return nil, FormatError("String must be exactly one character long.")
			}
			return Char(u[0]), nil
		}
		n, err := jsonToInteger(v, name)
		if err != nil {
			return nil, err
		}
		if !n.IsInt64() || n.Int64() < 0 || n.Int64() > 0xFFFF {
			return nil, Throw("System.OverflowException", "Value was either too large or too small for a character.")
		}
		return Char(n.Int64()), nil
	case "System.DateTime":
		switch x := v.(type) {
		case DateTime:
			return x, nil
		case DateTimeOffset:
			return DateTime{T: time.Date(x.T.Year(), x.T.Month(), x.T.Day(), x.T.Hour(), x.T.Minute(), x.T.Second(), x.T.Nanosecond(), time.UTC)}, nil
		case string:
			if d, ok := jsonParseDateTime(x); ok {
				return d, nil
			}
			return nil, FormatError("String '" + x + "' was not recognized as a valid DateTime.")
		}
		return nil, jsonBadCast(v, name)
	case "System.DateTimeOffset":
		switch x := v.(type) {
		case DateTimeOffset:
			return x, nil
		case DateTime:
			return DateTimeOffset{T: x.T}, nil
		case string:
			if d, ok := jsonParseDateTime(x); ok {
				return DateTimeOffset{T: d.T}, nil
			}
			return nil, FormatError("String '" + x + "' was not recognized as a valid DateTime.")
		}
		return nil, jsonBadCast(v, name)
	case "System.Guid":
		switch x := v.(type) {
		case Guid:
			return x, nil
		case string:
			if g, ok := jsonParseGuid(x); ok {
				return g, nil
			}
			return nil, FormatError("Unrecognized Guid format.")
		case []byte:
			if len(x) == 16 {
				// new Guid(byte[]) takes the first three groups little-endian.
				var g Guid
				g[0], g[1], g[2], g[3] = x[3], x[2], x[1], x[0]
				g[4], g[5], g[6], g[7] = x[5], x[4], x[7], x[6]
				copy(g[8:], x[8:])
				return g, nil
			}
		}
		return nil, jsonBadCast(v, name)
	case "System.TimeSpan":
		switch x := v.(type) {
		case TimeSpan:
			return x, nil
		case string:
			if ts, ok := jsonParseTimeSpan(x); ok {
				return ts, nil
			}
			return nil, FormatError("String '" + x + "' was not recognized as a valid TimeSpan.")
		}
		return nil, jsonBadCast(v, name)
	case "System.Byte[]":
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			b, err := base64.StdEncoding.DecodeString(x)
			if err != nil {
				return nil, FormatError("The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters.")
			}
			return b, nil
		}
	}
	if IsInstance(v, target) {
		return v, nil
	}
	return nil, jsonBadCast(v, target.Name)
}

// jsonTypeKey is a type's full name, "System.Byte[]" for byte[].
func jsonTypeKey(t *Type) string {
	if t.Generic == Array && len(t.Args) == 1 {
		return t.Args[0].FullName + "[]"
	}
	return t.FullName
}

// jsonToInteger converts a payload to an integer, rounding floats to even
// as Convert.ToInt32(double) does.
func jsonToInteger(v any, name string) (*big.Int, error) {
	switch x := v.(type) {
	case int64:
		return big.NewInt(x), nil
	case *big.Int:
		return x, nil
	case bool:
		if x {
			return big.NewInt(1), nil
		}
		return big.NewInt(0), nil
	case string:
		s := strings.TrimSpace(x)
		s = strings.TrimPrefix(s, "+")
		b, ok := new(big.Int).SetString(s, 10)
		if !ok || s == "" {
			return nil, FormatError("The input string '" + x + "' was not in a correct format.")
		}
		return b, nil
	case Decimal:
		return x.D.RoundBank(0).BigInt(), nil
	}
	f, ok := jsonFloatOf(v)
	if !ok {
		return nil, jsonBadCast(v, name)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, jsonOverflow(name)
	}
	r, _ := new(big.Float).SetFloat64(math.RoundToEven(f)).Int(nil)
	return r, nil
}

func jsonFitInteger(n *big.Int, full, name string) (any, error) {
	var lo, hi int64
	switch full {
	case "System.UInt64":
		if n.Sign() < 0 || n.BitLen() > 64 {
			return nil, jsonOverflow(name)
		}
		return n.Uint64(), nil
	case "System.Int64":
		lo, hi = math.MinInt64, math.MaxInt64
	case "System.Int32":
		lo, hi = math.MinInt32, math.MaxInt32
	case "System.Int16":
		lo, hi = math.MinInt16, math.MaxInt16
	case "System.SByte":
		lo, hi = math.MinInt8, math.MaxInt8
	case "System.Byte":
		lo, hi = 0, math.MaxUint8
	case "System.UInt16":
		lo, hi = 0, math.MaxUint16
	case "System.UInt32":
		lo, hi = 0, math.MaxUint32
	}
	if !n.IsInt64() || n.Int64() < lo || n.Int64() > hi {
		return nil, jsonOverflow(name)
	}
	i := n.Int64()
	switch full {
	case "System.Int64":
		return i, nil
	case "System.Int32":
		return int32(i), nil
	case "System.Int16":
		return int16(i), nil
	case "System.SByte":
		return int8(i), nil
	case "System.Byte":
		return uint8(i), nil
	case "System.UInt16":
		return uint16(i), nil
	}
	return uint32(i), nil
}

// jsonParseDateTime is a small DateTime.Parse(s, InvariantCulture): ISO
// forms, "yyyy-MM-dd", and "MM/dd/yyyy[ HH:mm:ss]".
func jsonParseDateTime(s string) (DateTime, bool) {
	s = strings.TrimSpace(s)
	if d, ok := jsonParseISODate(s); ok {
		return d, true
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04", "2006-01-02 15:04:05", "01/02/2006 15:04:05", "01/02/2006", "1/2/2006 3:04:05 PM", "1/2/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return DateTime{T: t}, true
		}
	}
	if t, err := time.Parse(time.RFC1123, s); err == nil {
		return DateTime{T: t.UTC(), Kind: KindLocal}, true
	}
	return DateTime{}, false
}

// jsonParseGuid accepts the D, N, B and P formats.
func jsonParseGuid(s string) (Guid, bool) {
	s = strings.TrimSpace(s)
	if len(s) == 38 && (s[0] == '{' && s[37] == '}' || s[0] == '(' && s[37] == ')') {
		s = s[1:37]
	}
	if len(s) == 36 {
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return Guid{}, false
		}
		s = s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	}
	if len(s) != 32 {
		return Guid{}, false
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return Guid{}, false
	}
	var g Guid
	copy(g[:], b)
	return g, true
}

// jsonParseTimeSpan parses the "c" format: [-][d.]hh:mm[:ss[.fffffff]].
func jsonParseTimeSpan(s string) (TimeSpan, bool) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var days int64
	if i := strings.IndexByte(s, '.'); i >= 0 && i < strings.IndexByte(s+":", ':') {
		d, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil {
			return 0, false
		}
		days, s = d, s[i+1:]
	}
	frac := ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s, frac = s[:i], s[i+1:]
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	var hms [3]int64
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n < 0 {
			return 0, false
		}
		hms[i] = n
	}
	if hms[0] > 23 || hms[1] > 59 || hms[2] > 59 || len(frac) > 7 {
		return 0, false
	}
	var f int64
	if frac != "" {
		n, err := strconv.ParseInt((frac + "0000000")[:7], 10, 64)
		if err != nil {
			return 0, false
		}
		f = n
	}
	t := TimeSpan(days)*TicksPerDay + TimeSpan(hms[0])*TicksPerHour + TimeSpan(hms[1])*TicksPerMinute + TimeSpan(hms[2])*TicksPerSecond + TimeSpan(f)
	if neg {
		t = -t
	}
	return t, true
}
