package policies

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// jsonTreeStd is what validate-content decoded with before decodeJSONTree:
// encoding/json with UseNumber, exactly one value and nothing after it.
func jsonTreeStd(b []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	if len(bytes.TrimLeft(b[dec.InputOffset():], " \t\r\n")) > 0 {
		return nil, false // more text after the value
	}
	return v, true
}

var jsonTreeSeeds = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `-0.5e+10`, `1E3`, `true`, `false`, `null`, ` {"a" : [1, 2.5, "x", null, true, {"b": {}}]} `,
	`{"a":1,"a":2}`, `"\u00e9\n\"\\\/\ud83d\ude00"`, `"é日本"`, `{"k\u0041":"v"}`,
	// rejected by both
	`{`, `[1,]`, `{"a":1,}`, `01`, `1.`, `.5`, `1e`, `-`, `+1`, `"a`, "\"\x01\"", `nul`, `tru`, `{"a" 1}`, `{1:2}`, `[1 2]`, `{} {}`, `"\x"`,
	// encoding/json accepts with replacement characters: decodeJSONTree defers
	"\"\xff\"",
	string(benchBody()),
}

// TestDecodeJSONTreeMatchesEncodingJSON checks that the fast decoder
// builds the same tree as encoding/json, or defers to it.
func TestDecodeJSONTreeMatchesEncodingJSON(t *testing.T) {
	for _, s := range jsonTreeSeeds {
		checkJSONTree(t, []byte(s))
	}
	deep := strings.Repeat("[", 10001) + strings.Repeat("]", 10001)
	if _, ok := decodeJSONTree([]byte(deep)); ok {
		t.Error("nesting deeper than encoding/json allows was accepted")
	}
}

func checkJSONTree(t *testing.T, b []byte) {
	t.Helper()
	got, ok := decodeJSONTree(b)
	want, wantOK := jsonTreeStd(b)
	if ok && !wantOK {
		t.Fatalf("%q: accepted, encoding/json rejects it", b)
	}
	if ok && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: got %#v, encoding/json gives %#v", b, got, want)
	}
	if !ok && wantOK && !bytes.Contains(b, []byte{'\\'}) && !bytes.ContainsFunc(b, func(r rune) bool { return r == 0xFFFD }) {
		// a deferral is always correct, but valid UTF-8 JSON should not need one
		if !strings.Contains(string(b), "\xff") && jsonTreeUTF8(b) {
			t.Errorf("%q: deferred a document encoding/json reads", b)
		}
	}
}

func jsonTreeUTF8(b []byte) bool { return strings.ToValidUTF8(string(b), "") == string(b) }

func FuzzDecodeJSONTree(f *testing.F) {
	for _, s := range jsonTreeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkJSONTree(t, b) })
}
