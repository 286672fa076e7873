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
	if _, ok := decodeJSONTree([]byte(`{"a":1,"b":{"a":2},"a":3}`)); ok {
		t.Error("a repeated member name was decided here, not by encoding/json")
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
		if !strings.Contains(string(b), "\xff") && jsonTreeUTF8(b) && !jsonTreeDuplicates(b) {
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

// jsonTreeDuplicates reports whether an object of the (valid) document b
// repeats a member name.
func jsonTreeDuplicates(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		object bool
		names  map[string]bool
		key    bool // the next string is a member name
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && top.object && top.key {
			if top.names[s] {
				return true
			}
			top.names[s] = true
			top.key = false
			continue
		}
		if top != nil && top.object {
			top.key = true // a value was read: a name comes next
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, names: map[string]bool{}, key: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].key = true
			}
		}
	}
}
