package dotnet

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// jwtObjectByDecoder is the reference: json.Decoder tokens, as jwtObject
// did before the splitter (and does for what the splitter leaves to it).
func jwtObjectByDecoder(b []byte) ([]jwtMember, bool) { return jwtObjectDecode(b, nil) }

func TestJWTSplitObjectCases(t *testing.T) {
	for _, s := range []string{
		`{}`, ` { } `, `{"a":1}`, `{"a" : "x\"y" , "b":[1,{"c":"]"}],"c":{"d":[]}}`, `{"a":true,"b":null,"c":-1.5e3}`,
		`{"a":1,"a":2}`, "{\"a\":\"\xff\"}", `{"a":1}x`, `{"a":1} {}`, `[1]`, `{"a":}`, `{"\u0061":1}`,
	} {
		got, ok := jwtSplitObject([]byte(s))
		want, wok := jwtObjectByDecoder([]byte(s))
		if ok && (!wok || !reflect.DeepEqual(got, want)) {
			t.Errorf("%q: splitter %v %v, decoder %v %v", s, got, ok, want, wok)
		}
		if wok && !ok && json.Valid([]byte(s)) && !bytes.Contains([]byte(s), []byte(`\`)) {
			t.Errorf("%q: the splitter declined a plain object", s)
		}
	}
}

// FuzzJWTSplitObject: whatever the splitter accepts, the decoder reads
// the same way (same members, same raw values, in order).
func FuzzJWTSplitObject(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":[1,"]"],"b":{"c":"}"}}`, `{"a":"\u00e9"}`, `{}`, `{"a":1}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := jwtSplitObject(b)
		if !ok {
			return
		}
		want, wok := jwtObjectByDecoder(b)
		if !wok || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: splitter %v, decoder %v %v", b, got, want, wok)
		}
	})
}
