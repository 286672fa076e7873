package dotnet

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// JWTMember is one member of a decoded JWT header or payload: its name and
// its raw JSON value, in document order.
type JWTMember = jwtMember

// DecodeJWT is ParseJWT that also returns the header's and the payload's
// members, so a validator can read the header and check the JSON types of
// registered claims without decoding the token a second time. It returns
// nils when ParseJWT would.
func DecodeJWT(s string) (j *Jwt, header, payload []JWTMember) {
	return parseJWT(s)
}

// jwtSplitObject splits a JSON object into its members without the
// allocations of a token decoder. It declines (ok false) input that is not
// valid JSON or whose member names need unescaping; jwtObject then uses the
// decoder, so both give the same result.
func jwtSplitObject(b []byte) ([]jwtMember, bool) {
	if !json.Valid(b) {
		return nil, false
	}
	i := jwtSkipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	i++
	out := make([]jwtMember, 0, 8)
	for {
		i = jwtSkipSpace(b, i)
		if b[i] == '}' {
			return out, true
		}
		if b[i] == ',' {
			i = jwtSkipSpace(b, i+1)
		}
		end := jwtStringEnd(b, i)
		name := b[i+1 : end-1]
		if bytes.IndexByte(name, '\\') >= 0 || !utf8.Valid(name) {
			return nil, false
		}
		i = jwtSkipSpace(b, end) + 1 // the colon
		i = jwtSkipSpace(b, i)
		vend := jwtValueEnd(b, i)
		out = append(out, jwtMember{string(name), json.RawMessage(b[i:vend:vend])})
		i = vend
	}
}

func jwtSkipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// jwtStringEnd returns the index after the closing quote of the string
// starting at b[i] (valid JSON).
func jwtStringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// jwtValueEnd returns the index after the value starting at b[i] (valid JSON).
func jwtValueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return jwtStringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = jwtStringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for ; i < len(b); i++ {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return i
}

// jwtPlainString returns the text of a JSON string that needs no unescaping.
func jwtPlainString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	in := v[1 : len(v)-1]
	if bytes.IndexByte(in, '\\') >= 0 || bytes.IndexByte(in, '"') >= 0 || !utf8.Valid(in) {
		return "", false
	}
	return string(in), true
}

// jwtNumber parses a JSON number literal as encoding/json does for float64.
func jwtNumber(v []byte) (float64, bool) {
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) || !json.Valid(v) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(v), 64)
	return f, err == nil
}

// jwtPresize gives a new dictionary room for n entries, so filling it with
// a token's claims does not grow its slices step by step.
func jwtPresize(d *Dictionary, n int) {
	t := d.tab()
	t.keys = make([]any, 0, n)
	t.vals = make([]any, 0, n)
	t.used = make([]bool, 0, n)
	t.buckets = make(map[any][]int, n)
}
