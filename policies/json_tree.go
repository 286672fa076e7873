package policies

import (
	"encoding/json"
	"unicode/utf8"
)

// decodeJSONTree decodes one JSON value into the tree encoding/json
// builds with UseNumber (map[string]any, []any, json.Number, string, bool,
// nil) in a single pass over the bytes, the shape kin-openapi's validator
// reads. It is what validate-content spends most of its time in: the
// standard decoder scans the text twice (once to find the value's end, once
// to build it) through a state machine called per byte.
//
// It accepts only what encoding/json accepts and returns ok=false for
// anything else (bad syntax, trailing text, invalid UTF-8, a repeated
// member name, nesting deeper than encoding/json allows): the caller then
// decodes with kin-openapi's encoding/json decoder,
// which gives the same answer it always did and its error message. A string
// with escapes is unquoted by encoding/json itself.
func decodeJSONTree(b []byte) (v any, ok bool) {
	d := jsonTree{b: b}
	v, ok = d.value(0)
	if !ok {
		return nil, false
	}
	d.space()
	return v, d.i == len(d.b)
}

type jsonTree struct {
	b []byte
	i int
}

// jsonTreeMaxDepth is encoding/json's nesting limit.
const jsonTreeMaxDepth = 10000

func (d *jsonTree) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *jsonTree) value(depth int) (any, bool) {
	d.space()
	if d.i >= len(d.b) {
		return nil, false
	}
	switch c := d.b[d.i]; {
	case c == '{':
		if depth >= jsonTreeMaxDepth {
			return nil, false
		}
		return d.object(depth + 1)
	case c == '[':
		if depth >= jsonTreeMaxDepth {
			return nil, false
		}
		return d.array(depth + 1)
	case c == '"':
		s, ok := d.str()
		return s, ok
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case c == 't':
		return true, d.word("true")
	case c == 'f':
		return false, d.word("false")
	case c == 'n':
		return nil, d.word("null")
	}
	return nil, false
}

func (d *jsonTree) word(w string) bool {
	if len(d.b)-d.i < len(w) || string(d.b[d.i:d.i+len(w)]) != w {
		return false
	}
	d.i += len(w)
	return true
}

func (d *jsonTree) object(depth int) (any, bool) {
	d.i++ // {
	m := map[string]any{}
	d.space()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return m, true
	}
	for {
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return nil, false
		}
		k, ok := d.str()
		if !ok {
			return nil, false
		}
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return nil, false
		}
		d.i++
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		if _, dup := m[k]; dup {
			return nil, false // encoding/json keeps the last one, its jsonv2 build refuses: let it decide
		}
		m[k] = v
		if end, ok := d.listStep('}'); !ok {
			return nil, false
		} else if end {
			return m, true
		}
	}
}

func (d *jsonTree) array(depth int) (any, bool) {
	d.i++ // [
	a := []any{}
	d.space()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return a, true
	}
	for {
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		a = append(a, v)
		if end, ok := d.listStep(']'); !ok {
			return nil, false
		} else if end {
			return a, true
		}
	}
}

// listStep reads what follows a member or element: ',' (more to come)
// or the list's closing byte (end).
func (d *jsonTree) listStep(closing byte) (end, ok bool) {
	d.space()
	if d.i >= len(d.b) {
		return false, false
	}
	switch d.b[d.i] {
	case ',':
		d.i++
		return false, true
	case closing:
		d.i++
		return true, true
	}
	return false, false
}

// str reads a string token; d.b[d.i] is its opening quote.
func (d *jsonTree) str() (string, bool) {
	start := d.i
	d.i++
	ascii, escaped := true, false
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			raw := d.b[start+1 : d.i-1]
			if escaped {
				var s string
				if json.Unmarshal(d.b[start:d.i], &s) != nil {
					return "", false
				}
				return s, true
			}
			if !ascii && !utf8.Valid(raw) {
				return "", false // encoding/json would replace the bad bytes: let it
			}
			return string(raw), true
		case c == '\\':
			escaped = true
			d.i++ // the escaped byte cannot end the string
		case c < 0x20:
			return "", false
		case c >= 0x80:
			ascii = false
		}
		d.i++
	}
	return "", false
}

// number reads a number with JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *jsonTree) number() (any, bool) {
	start := d.i
	if d.b[d.i] == '-' {
		d.i++
	}
	if d.i >= len(d.b) {
		return nil, false
	}
	switch c := d.b[d.i]; {
	case c == '0':
		d.i++
	case c >= '1' && c <= '9':
		d.digits()
	default:
		return nil, false
	}
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		if d.digits() == 0 {
			return nil, false
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if d.digits() == 0 {
			return nil, false
		}
	}
	return json.Number(d.b[start:d.i]), true
}

func (d *jsonTree) digits() int {
	n := 0
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
		n++
	}
	return n
}
