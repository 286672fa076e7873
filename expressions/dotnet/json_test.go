package dotnet

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// jsonCall invokes a registered member the way the compiler would: the
// first overload of name on t (or its bases) with len(args) parameters.
func jsonCall(t *testing.T, typ *Type, recv any, name string, args ...any) any {
	t.Helper()
	var ms []*Method
	if recv == nil {
		ms = typ.Static[name]
	} else {
		ms = typ.FindMethods(name)
	}
	for _, m := range ms {
		if len(m.Params)+m.TypeParams == len(args) {
			v, err := m.Fn(recv, args)
			if err != nil {
				t.Fatalf("%s.%s: %v", typ.Name, name, err)
			}
			return v
		}
	}
	t.Fatalf("%s.%s/%d not found", typ.Name, name, len(args))
	return nil
}

func jsonNew(t *testing.T, typ *Type, args ...any) any {
	t.Helper()
	for _, m := range typ.Ctors {
		n := len(m.Params)
		if n != len(args) || n == 1 && m.Params[0].Type == typ {
			continue // wrong arity, or the copy constructor
		}
		if n > 0 {
			_, isSlice := args[n-1].([]any)
			if m.Params[n-1].Params != isSlice {
				continue
			}
		}
		v, err := m.Fn(nil, args)
		if err != nil {
			t.Fatalf("new %s: %v", typ.Name, err)
		}
		return v
	}
	t.Fatalf("no ctor for %s/%d", typ.Name, len(args))
	return nil
}

func mustParse(t *testing.T, s string) JToken {
	t.Helper()
	tok, err := ParseJSON(s, ParseJToken)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return tok
}

func TestJSONToStringFormatting(t *testing.T) {
	tests := []struct {
		name, in, indented, compact string
	}{
		{"empty object", `{}`, "{}", "{}"},
		{"empty array", `[ ]`, "[]", "[]"},
		{"one property", `{"a":1}`, "{\n  \"a\": 1\n}", `{"a":1}`},
		{"nested", `{"a":[1,2,{"b":null}],"c":{},"d":[]}`,
			"{\n  \"a\": [\n    1,\n    2,\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": {},\n  \"d\": []\n}",
			`{"a":[1,2,{"b":null}],"c":{},"d":[]}`},
		{"floats keep .0", `[1.0,1.5,-0.25,1e20,1E-7,0.1,100.0]`,
			"[\n  1.0,\n  1.5,\n  -0.25,\n  1E+20,\n  1E-07,\n  0.1,\n  100.0\n]", `[1.0,1.5,-0.25,1E+20,1E-07,0.1,100.0]`},
		{"big integer", `[123456789012345678901234567890,-9223372036854775808]`,
			"[\n  123456789012345678901234567890,\n  -9223372036854775808\n]", `[123456789012345678901234567890,-9223372036854775808]`},
		{"strings escaped the Newtonsoft way", `["a\"b\\c\/d\n\t\u0001<>&'é\u2028😀"]`,
			"[\n  \"a\\\"b\\\\c/d\\n\\t\\u0001<>&'é\\u2028😀\"\n]", `["a\"b\\c/d\n\t\u0001<>&'é\u2028😀"]`},
		{"dates round-trip", `{"d":"2020-01-01T00:00:00Z","e":"2020-01-01T10:20:30.1230000","f":"2020-01-01T02:00:00+02:00","g":"2020-01-01"}`,
			"{\n  \"d\": \"2020-01-01T00:00:00Z\",\n  \"e\": \"2020-01-01T10:20:30.123\",\n  \"f\": \"2020-01-01T00:00:00+00:00\",\n  \"g\": \"2020-01-01\"\n}",
			`{"d":"2020-01-01T00:00:00Z","e":"2020-01-01T10:20:30.123","f":"2020-01-01T00:00:00+00:00","g":"2020-01-01"}`},
		{"literals", `[true,false,null,undefined,NaN,Infinity,-Infinity]`,
			"[\n  true,\n  false,\n  null,\n  undefined,\n  \"NaN\",\n  \"Infinity\",\n  \"-Infinity\"\n]",
			`[true,false,null,undefined,"NaN","Infinity","-Infinity"]`},
		{"lenient input", "// c\n{ 'a' : 'x', b: /* c */ 2, \"c\": [1,2,], }",
			"{\n  \"a\": \"x\",\n  \"b\": 2,\n  \"c\": [\n    1,\n    2\n  ]\n}", `{"a":"x","b":2,"c":[1,2]}`},
		{"duplicate keys: last wins", `{"a":1,"b":2,"a":3}`, "{\n  \"a\": 3,\n  \"b\": 2\n}", `{"a":3,"b":2}`},
		{"scalar root", `"x"`, `"x"`, `"x"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := mustParse(t, tc.in)
			if got := JSONString(tok, FormattingIndented); got != tc.indented {
				t.Errorf("indented:\n got %q\nwant %q", got, tc.indented)
			}
			if got := JSONString(tok, FormattingNone); got != tc.compact {
				t.Errorf("compact:\n got %q\nwant %q", got, tc.compact)
			}
		})
	}
}

func TestJSONValueToString(t *testing.T) {
	tests := []struct {
		in   string
		want string
		typ  JTokenType
	}{
		{`"abc"`, "abc", JTokenString},
		{`1`, "1", JTokenInteger},
		{`1.0`, "1", JTokenFloat},
		{`1.5`, "1.5", JTokenFloat},
		{`true`, "True", JTokenBoolean},
		{`null`, "", JTokenNull},
		{`"2020-01-02T03:04:05Z"`, "01/02/2020 03:04:05", JTokenDate},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			tok := mustParse(t, tc.in)
			if tok.Type() != tc.typ {
				t.Errorf("type %v, want %v", tok.Type(), tc.typ)
			}
			if got := ToString(tok); got != tc.want {
				t.Errorf("ToString() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestJSONParseErrors(t *testing.T) {
	tests := []struct {
		in     string
		target JSONParseTarget
		want   string
	}{
		{``, ParseJObject, "Error reading JObject from JsonReader. Path '', line 0, position 0."},
		{`[1]`, ParseJObject, "Error reading JObject from JsonReader. Current JsonReader item is not an object: StartArray. Path '', line 1, position 1."},
		{`{"a":1}`, ParseJArray, "Error reading JArray from JsonReader. Current JsonReader item is not an array: StartObject. Path '', line 1, position 1."},
		{`x`, ParseJToken, "Unexpected character encountered while parsing value: x. Path '', line 0, position 0."},
		{`<html>`, ParseJObject, "Unexpected character encountered while parsing value: <. Path '', line 0, position 0."},
		{`{"a":x}`, ParseJObject, "Unexpected character encountered while parsing value: x. Path 'a', line 1, position 5."},
		{`{"a":1`, ParseJObject, "Unexpected end of content while loading JObject. Path 'a', line 1, position 6."},
		{`{"a" 1}`, ParseJObject, "Invalid character after parsing property name. Expected ':' but got: 1. Path 'a', line 1, position 6."},
		{`{"a":"b`, ParseJObject, "Unterminated string. Expected delimiter: \". Path 'a', line 1, position 7."},
		{`{"a":1 "b":2}`, ParseJObject, "After parsing a value an unexpected character was encountered: \". Path 'a', line 1, position 8."},
		{"{\"a\":[1,\n2 x]}", ParseJObject, "After parsing a value an unexpected character was encountered: x. Path 'a[1]', line 2, position 3."},
		{`{} x`, ParseJObject, "Additional text encountered after finished reading JSON content: x. Path '', line 1, position 4."},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParseJSON(tc.in, tc.target)
			var e *Exception
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an exception", err)
			}
			if e.Type != "Newtonsoft.Json.JsonReaderException" || e.Message != tc.want {
				t.Errorf("got %s: %q\nwant %q", e.Type, e.Message, tc.want)
			}
		})
	}
}

func TestJObjectMembers(t *testing.T) {
	o := jsonNew(t, JObjectT, []any{
		jsonNew(t, JPropertyT, "a", int32(1)),
		jsonNew(t, JPropertyT, "b", "x"),
	}).(*JObject)
	if got, want := o.String(), "{\n  \"a\": 1,\n  \"b\": \"x\"\n}"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	set := o.Type().String()
	_ = set
	idx := JObjectT.FindIndexers()
	var get, put *Method
	for _, m := range idx {
		if m.Name == "get_Item" && get == nil {
			get = m
		}
		if m.Name == "set_Item" && put == nil {
			put = m
		}
	}
	if _, err := put.Fn(o, []any{"c", true}); err != nil {
		t.Fatal(err)
	}
	if _, err := put.Fn(o, []any{"a", "replaced"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := get.Fn(o, []any{"missing"}); v != nil {
		t.Errorf("missing key: got %v", v)
	}
	jsonCall(t, JObjectT, o, "Add", "d", JNull())
	if got, want := JSONString(o, FormattingNone), `{"a":"replaced","b":"x","c":true,"d":null}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if _, err := o.Type(), jsonObj(o).Add("a", JInt(1)); err == nil || !strings.Contains(err.Error(), "Property with the same name already exists") {
		t.Errorf("duplicate Add: %v", err)
	}
	if jsonCall(t, JObjectT, o, "ContainsKey", "b") != true || jsonCall(t, JObjectT, o, "Remove", "b") != true || jsonCall(t, JObjectT, o, "ContainsKey", "b") != false {
		t.Error("ContainsKey/Remove")
	}
	var out any
	if jsonCall(t, JObjectT, o, "TryGetValue", "c", &out) != true || out.(*JValue).Value() != true {
		t.Errorf("TryGetValue: %v", out)
	}
	if n := JObjectT.FindProp("Count"); n == nil {
		t.Fatal("no Count")
	} else if v, _ := n.Get(o); v != int32(3) {
		t.Errorf("Count = %v", v)
	}
	var keys []string
	for kv := range o.Iter() {
		keys = append(keys, kv.(*JSONKeyValue).Key)
	}
	if strings.Join(keys, ",") != "a,c,d" {
		t.Errorf("keys %v", keys)
	}
	if p := jsonCall(t, JObjectT, o, "Property", "c").(*JProperty); p.Name() != "c" || JSONPath(p.Value()) != "c" {
		t.Errorf("Property: %v", p)
	}
	if jsonCall(t, JObjectT, o, "GetValue", "C", "OrdinalIgnoreCase") == nil {
		t.Error("GetValue ignore case")
	}
}

func TestJSONTreeOperations(t *testing.T) {
	o := mustParse(t, `{"a":{"b":[1,2,3]},"x y":{"z":1}}`).(*JObject)
	arr := o.Get("a").(*JObject).Get("b").(*JArray)
	if got := JSONPath(arr.At(1)); got != "a.b[1]" {
		t.Errorf("path %q", got)
	}
	if got := JSONPath(o.Get("x y").(*JObject).Get("z")); got != "['x y'].z" {
		t.Errorf("path %q", got)
	}
	// Adding a token that has a parent copies it.
	o2 := NewJObject()
	o2.Set("copy", arr)
	if o2.Get("copy") == arr || arr.Parent() == nil || o2.Get("copy").Parent().(*JProperty).Name() != "copy" {
		t.Error("adopting a parented token must clone it")
	}
	if err := JSONRemove(arr.At(0)); err != nil {
		t.Fatal(err)
	}
	if err := JSONReplace(arr.At(0), JString("two")); err != nil {
		t.Fatal(err)
	}
	if got := JSONString(o, FormattingNone); got != `{"a":{"b":["two",3]},"x y":{"z":1}}` {
		t.Errorf("got %s", got)
	}
	if JSONNext(arr.At(0)).(*JValue).Value() != int64(3) || JSONPrevious(arr.At(0)) != nil {
		t.Error("Next/Previous")
	}
	c := JSONClone(o)
	if !JSONEquals(c, o) || c == JToken(o) {
		t.Error("DeepClone/DeepEquals")
	}
	c.(*JObject).Set("n", JInt(1))
	if JSONEquals(c, o) {
		t.Error("DeepEquals after change")
	}
	if JSONEquals(JInt(1), JFloat(1)) || JSONEquals(JInt(1), JString("1")) || !JInt(5).EqualsValue(JInt(5)) || !JSONEquals(JFloat(1), JFloat(1)) {
		t.Error("value equality")
	}
	merge := mustParse(t, `{"a":{"b":[4],"c":1},"x y":null}`)
	if err := JSONMerge(o, merge); err != nil {
		t.Fatal(err)
	}
	if got := JSONString(o, FormattingNone); got != `{"a":{"b":["two",3,4],"c":1},"x y":{"z":1}}` {
		t.Errorf("merge got %s", got)
	}
	if err := jsonAddAt(o, 0, NewJProperty("first", JBool(true))); err != nil {
		t.Fatal(err)
	}
	if o.Properties()[0].Name() != "first" {
		t.Error("AddFirst")
	}
}

func TestJSONSelectToken(t *testing.T) {
	doc := mustParse(t, `{"usage":{"total_tokens":42},"results":{"documents":[{"id":"1","entities":[1]},{"id":"2"}]},"a b":{"c":true},"$x":1}`)
	tests := []struct {
		path string
		want string // compact JSON of the matches, joined by |
	}{
		{"usage.total_tokens", "42"},
		{"$.results.documents[0].entities", "[1]"},
		{"results.documents[1].id", `"2"`},
		{"['a b'].c", "true"},
		{"$['a b']['c']", "true"},
		{"results.documents[*].id", `"1"|"2"`},
		{"..id", `"1"|"2"`},
		{"results.documents[-1:].id", `"2"`},
		{"missing.x", ""},
		{"usage[0]", ""},
		{"$", JSONString(doc, FormattingNone)},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			ts, err := SelectTokens(doc, tc.path)
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, x := range ts {
				parts = append(parts, JSONString(x, FormattingNone))
			}
			if got := strings.Join(parts, "|"); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	if _, err := SelectToken(doc, "..id"); err == nil || !strings.Contains(err.Error(), "Path returned multiple tokens.") {
		t.Errorf("multiple: %v", err)
	}
	// The corpus idiom: SelectToken(...)?.ToObject<int>() ?? 0.
	tok := jsonCall(t, JObjectT, doc, "SelectToken", "usage.total_tokens")
	if v := jsonCall(t, JTokenT, tok, "ToObject", Int32); v != int32(42) {
		t.Errorf("ToObject<int> = %#v", v)
	}
}

func TestJSONConversions(t *testing.T) {
	doc := mustParse(t, `{"i":12,"f":2.5,"s":"34","b":true,"n":null,"d":"2020-01-02T03:04:05Z","t":"True","g":"c9a646d3-9c61-4cb7-bfcd-ee2522c8f633","o":{}}`).(*JObject)
	tests := []struct {
		key    string
		to     *Type
		want   any
		errSub string
	}{
		{"i", Int32, int32(12), ""},
		{"i", Int64, int64(12), ""},
		{"i", String, "12", ""},
		{"i", Double, float64(12), ""},
		{"f", Int32, int32(2), ""}, // banker's rounding
		{"f", String, "2.5", ""},
		{"s", Int32, int32(34), ""},
		{"b", String, "True", ""},
		{"t", Boolean, true, ""},
		{"n", String, nil, ""},
		{"n", NullableOf(Int32), nil, ""},
		{"n", Int32, nil, "Can not convert Null to Int32."},
		{"o", String, nil, "Can not convert Object to String."},
		{"d", String, "01/02/2020 03:04:05", ""},
		{"missing", String, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.key+"->"+tc.to.String(), func(t *testing.T) {
			var tok any
			if v := doc.Get(tc.key); v != nil {
				tok = v
			}
			fn := FindConversion(JObjectT, tc.to) // the operator is found through the base chain
			if fn == nil {
				t.Fatalf("no conversion JToken->%s", tc.to)
			}
			got, err := fn(tok)
			if tc.errSub != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errSub) {
					t.Fatalf("err %v, want %q", err, tc.errSub)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}

	valueTests := []struct {
		key  string
		to   *Type
		want any
	}{
		{"i", Int32, int32(12)},
		{"missing", Int32, int32(0)},
		{"missing", Boolean, false},
		{"missing", String, nil},
		{"s", Int32, int32(34)},
		{"b", Boolean, true},
		{"i", String, "12"},
		{"f", Double, 2.5},
	}
	for _, tc := range valueTests {
		t.Run("Value<"+tc.to.String()+">("+tc.key+")", func(t *testing.T) {
			got := jsonCall(t, JTokenT, doc, "Value", tc.to, tc.key)
			if got != tc.want {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
	d, err := JTokenValue(doc.Get("d"), &Type{Name: "DateTime", FullName: "System.DateTime", ValueType: true})
	if err != nil || !d.(DateTime).T.Equal(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)) || d.(DateTime).Kind != KindUtc {
		t.Errorf("Value<DateTime> = %v, %v", d, err)
	}
	g, err := JTokenConvert(doc.Get("g"), &Type{Name: "Guid", FullName: "System.Guid", ValueType: true})
	if err != nil || jsonGuidText(g.(Guid)) != "c9a646d3-9c61-4cb7-bfcd-ee2522c8f633" {
		t.Errorf("(Guid) = %v, %v", g, err)
	}
}

func TestJSONConvertSerialize(t *testing.T) {
	tests := []struct {
		name string
		in   any
		f    JSONFormatting
		want string
	}{
		{"string", "a\"<b>\u00e9\u0007", FormattingNone, `"a\"<b>é\u0007"`},
		{"int", int32(5), FormattingNone, "5"},
		{"double integral", 1.0, FormattingNone, "1.0"},
		{"bool", true, FormattingNone, "true"},
		{"null", nil, FormattingNone, "null"},
		{"date utc", DateTime{T: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Kind: KindUtc}, FormattingNone, `"2020-01-01T00:00:00Z"`},
		{"date unspecified fraction", DateTime{T: time.Date(2020, 1, 1, 0, 0, 0, 500_000_000, time.UTC)}, FormattingNone, `"2020-01-01T00:00:00.5"`},
		{"array", []any{int32(1), "a", nil}, FormattingNone, `[1,"a",null]`},
		{"string array indented", []string{"a", "b"}, FormattingIndented, "[\n  \"a\",\n  \"b\"\n]"},
		{"token", mustParse(t, `{"a":[]}`), FormattingIndented, "{\n  \"a\": []\n}"},
		{"guid", Guid{0xc9, 0xa6, 0x46, 0xd3, 0x9c, 0x61, 0x4c, 0xb7, 0xbf, 0xcd, 0xee, 0x25, 0x22, 0xc8, 0xf6, 0x33}, FormattingNone, `"c9a646d3-9c61-4cb7-bfcd-ee2522c8f633"`},
		{"timespan", TimeSpan(90 * TicksPerMinute), FormattingNone, `"01:30:00"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := jsonCall(t, JsonConvertT, nil, "SerializeObject", tc.in, tc.f)
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if v := jsonCall(t, JsonConvertT, nil, "DeserializeObject", `{"a":1}`); JSONString(v.(JToken), FormattingNone) != `{"a":1}` {
		t.Errorf("DeserializeObject: %v", v)
	}
	if v := jsonCall(t, JsonConvertT, nil, "DeserializeObject", `42`); v != int64(42) {
		t.Errorf("DeserializeObject primitive: %#v", v)
	}
	if v := jsonCall(t, JsonConvertT, nil, "DeserializeObject", JArrayT, `[1]`); v.(*JArray).Count() != 1 {
		t.Errorf("DeserializeObject<JArray>: %v", v)
	}
	if v := jsonCall(t, JsonConvertT, nil, "DeserializeObject", Int32, `7`); v != int32(7) {
		t.Errorf("DeserializeObject<int>: %#v", v)
	}
	if _, err := DeserializeObject(`{} x`); err == nil || !strings.Contains(err.Error(), "Additional text found in JSON string after finishing deserializing object.") {
		t.Errorf("additional text: %v", err)
	}
}

func TestJSONConstructors(t *testing.T) {
	tests := []struct {
		name string
		make func(t *testing.T) any
		want string
	}{
		{"JProperty with enumerable", func(t *testing.T) any {
			return jsonNew(t, JObjectT, []any{jsonNew(t, JPropertyT, "a", []string{"x", "y"})})
		}, `{"a":["x","y"]}`},
		{"JArray flattens enumerables", func(t *testing.T) any {
			return jsonNew(t, JArrayT, []any{[]any{int32(1), int32(2)}, "s", mustParse(t, `{"o":1}`)})
		}, `[1,2,"s",{"o":1}]`},
		{"JObject copy", func(t *testing.T) any {
			return jsonNew(t, JObjectT, []any{mustParse(t, `{"k":[1]}`)})
		}, `{"k":[1]}`},
		{"JValue", func(t *testing.T) any { return jsonNew(t, JValueT, 2.5) }, `2.5`},
		{"FromObject", func(t *testing.T) any {
			return jsonCall(t, JTokenT, nil, "FromObject", []any{true, int64(3)})
		}, `[true,3]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := JSONString(tc.make(t).(JToken), FormattingNone); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	if _, err := jsonNewObject([]any{"not a property"}); err == nil || err.Error() != "System.ArgumentException: Can not add Newtonsoft.Json.Linq.JValue to Newtonsoft.Json.Linq.JObject." {
		t.Errorf("bad content: %v", err)
	}
}

func TestJSONRegistry(t *testing.T) {
	for _, n := range []string{"JToken", "JObject", "JArray", "JProperty", "JValue", "JRaw", "JTokenType", "Formatting", "JsonConvert",
		"Newtonsoft.Json.Linq.JObject", "Newtonsoft.Json.Formatting"} {
		if Lookup(n) == nil {
			t.Errorf("%s not registered", n)
		}
	}
	if TypeOf(NewJObject()) != JObjectT || TypeOf(JNull()) != JValueT || !IsInstance(NewJObject(), JTokenT) || !IsInstance(&JRaw{}, JValueT) {
		t.Error("TypeOf/IsInstance")
	}
	if v, _ := JTokenTypeT.StaticProps["Null"].Get(nil); v != JTokenNull || ToString(v) != "Null" {
		t.Errorf("JTokenType.Null = %v", v)
	}
	if v, _ := FormattingT.StaticProps["Indented"].Get(nil); v != FormattingIndented {
		t.Errorf("Formatting.Indented = %v", v)
	}
	if r := JTokenT.FindMethods("Value")[0].ResultOf(JObjectT, []*Type{String}); r != String {
		t.Errorf("Value<string> result %v", r)
	}
	if !JObjectT.AssignableTo(JTokenT) || !JRawT.AssignableTo(JValueT) || !JObjectT.AssignableTo(JContainerT) {
		t.Error("base classes")
	}
}

func TestJSONExtras(t *testing.T) {
	deep := strings.Repeat("[", 65) + strings.Repeat("]", 65)
	if _, err := ParseJSON(deep, ParseJToken); err == nil || !strings.Contains(err.Error(), "The reader's MaxDepth of 64 has been exceeded.") {
		t.Errorf("MaxDepth: %v", err)
	}
	if _, err := ParseJSON(strings.Repeat("[", 64)+strings.Repeat("]", 64), ParseJToken); err != nil {
		t.Errorf("depth 64 must parse: %v", err)
	}
	doc := mustParse(t, `{"$x":1,"arr":["a","b"],"objs":[{"k":1},2,{"k":3}]}`)
	if v, err := SelectToken(doc, "$x"); err != nil || v == nil || v.(*JValue).Value() != int64(1) {
		t.Errorf("$x: %v %v", v, err)
	}
	arr := doc.(*JObject).Get("arr")
	if v := jsonCall(t, JTokenT, arr, "ToObject", ArrayOf(String)); strings.Join(v.([]string), ",") != "a,b" {
		t.Errorf("ToObject<string[]> = %#v", v)
	}
	objs := doc.(*JObject).Get("objs")
	if v := jsonCall(t, JTokenT, objs, "Children", JObjectT).([]any); len(v) != 2 {
		t.Errorf("Children<JObject> = %v", v)
	}
	if v := jsonCall(t, JTokenT, objs, "Values", Int32, "k").([]any); len(v) != 2 || v[1] != int32(3) {
		t.Errorf("Values<int>(\"k\") = %v", v)
	}
	if v := jsonCall(t, JTokenT, doc, "Values", JTokenT).([]any); len(v) != 3 {
		t.Errorf("Values<JToken> = %v", v)
	}
}

func FuzzJSONParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"x",null,true]}`, `[`, `{"a":`, `'x'`, `/* */ 1`, `"2020-01-01T00:00:00Z"`, `[1,]`, `{a:1}`, `"\ud83d\ude00"`, `-`, `1e`, `0x1F`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := ParseJSON(s, ParseJToken)
		if err != nil {
			return
		}
		out := JSONString(tok, FormattingNone)
		if _, err := ParseJSON(out, ParseJToken); err != nil {
			t.Fatalf("re-parse of %q (from %q): %v", out, s, err)
		}
	})
}
