package dotnet

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// JWTMember is one member of a decoded JWT header or payload: its name and
// its raw JSON value, in document order.
type JWTMember = jwtMember

type jwtMember struct {
	Key   string
	Value string // raw JSON text
}

// DecodeJWT is ParseJWT that also appends the header's members to hdr, so a
// validator can read the header without decoding it a second time (pass a
// small array's slice: nothing is allocated for the common header). The
// payload's members are read with (*Jwt).Members. It returns nils when
// ParseJWT would.
func DecodeJWT(s string, hdr []JWTMember) (*Jwt, []JWTMember) {
	return parseJWT(s, hdr)
}

// jwtScratch holds the base64-decoded header and payload while they are
// checked; only the text kept in the model is copied out.
var jwtScratch = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// jwtScratchMax bounds the buffers kept in the pool.
const jwtScratchMax = 64 << 10

// jwtDecodeSegments decodes the header and payload segments into one
// string, the header's JSON text followed by the payload's (split is where
// the payload starts); ok is false when a segment is empty or not base64
// (base64url, or some issuers' standard alphabet). valid reports whether
// each part is valid JSON text.
func jwtDecodeSegments(h, p string) (text string, split int, valid [2]bool, ok bool) {
	h, p = strings.TrimRight(h, "="), strings.TrimRight(p, "=")
	if h == "" || p == "" {
		return "", 0, valid, false
	}
	enc := len(h) + len(p)
	need := enc + base64.RawURLEncoding.DecodedLen(len(h)) + base64.RawURLEncoding.DecodedLen(len(p))
	bp := jwtScratch.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= jwtScratchMax {
			jwtScratch.Put(bp)
		}
	}()
	if cap(*bp) < need {
		*bp = make([]byte, need)
	}
	src, buf := (*bp)[:enc], (*bp)[enc:need]
	copy(src, h)
	copy(src[len(h):], p)
	n1, ok := jwtDecodeSegment(buf, src[:len(h)])
	if !ok {
		return "", 0, valid, false
	}
	n2, ok := jwtDecodeSegment(buf[n1:], src[len(h):])
	if !ok {
		return "", 0, valid, false
	}
	buf = buf[:n1+n2]
	valid = [2]bool{json.Valid(buf[:n1]), json.Valid(buf[n1:])}
	return string(buf), n1, valid, true
}

func jwtDecodeSegment(dst, src []byte) (int, bool) {
	n, err := base64.RawURLEncoding.Decode(dst, src)
	if err != nil {
		// Some issuers use the standard alphabet.
		if n, err = base64.RawStdEncoding.Decode(dst, src); err != nil {
			return 0, false
		}
	}
	return n, true
}

// jwtObject splits the JSON text of an object into its members in
// document order, appended to dst. valid says s is valid JSON: then the
// splitter reads it (plain is true) unless member names need unescaping;
// otherwise encoding/json's decoder does, which copies them.
func jwtObject(s string, valid bool, dst []jwtMember) (_ []jwtMember, plain, ok bool) {
	if valid {
		if out, ok := jwtScanObject(s, dst); ok {
			return out, true, true
		}
	}
	out, ok := jwtObjectDecode([]byte(s), dst)
	return out, false, ok
}

// jwtSplitObject splits a JSON object into its members without the
// allocations of a token decoder. It declines (ok false) input that is not
// valid JSON or whose member names need unescaping; jwtObject then uses the
// decoder, so both give the same result.
func jwtSplitObject(b []byte) ([]jwtMember, bool) {
	if !json.Valid(b) {
		return nil, false
	}
	return jwtScanObject(string(b), nil)
}

// jwtScanObject is jwtSplitObject on text known to be valid JSON; names
// and values are substrings of s.
func jwtScanObject(s string, out []jwtMember) ([]jwtMember, bool) {
	i := jwtSkipSpace(s, 0)
	if i >= len(s) || s[i] != '{' {
		return nil, false
	}
	i++
	start := len(out)
	for {
		i = jwtSkipSpace(s, i)
		if s[i] == '}' {
			return out, true
		}
		if s[i] == ',' {
			i = jwtSkipSpace(s, i+1)
		}
		end := jwtStringEnd(s, i)
		name := s[i+1 : end-1]
		if strings.IndexByte(name, '\\') >= 0 || !utf8.ValidString(name) {
			return out[:start], false
		}
		i = jwtSkipSpace(s, end) + 1 // the colon
		i = jwtSkipSpace(s, i)
		vend := jwtValueEnd(s, i)
		out = append(out, jwtMember{name, s[i:vend]})
		i = vend
	}
}

// jwtObjectDecode splits an object with encoding/json's decoder.
func jwtObjectDecode(b []byte, out []jwtMember) ([]jwtMember, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, ok := k.(string)
		if !ok {
			return nil, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		out = append(out, jwtMember{key, string(v)})
	}
	if _, err := dec.Token(); err != nil {
		return nil, false
	}
	if len(bytes.TrimSpace(b[dec.InputOffset():])) != 0 {
		return nil, false // trailing data
	}
	return out, true
}

func jwtSkipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// jwtStringEnd returns the index after the closing quote of the string
// starting at s[i] (valid JSON).
func jwtStringEnd(s string, i int) int {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(s)
}

// jwtValueEnd returns the index after the value starting at s[i] (valid JSON).
func jwtValueEnd(s string, i int) int {
	switch s[i] {
	case '"':
		return jwtStringEnd(s, i)
	case '{', '[':
		depth := 0
		for ; i < len(s); i++ {
			switch s[i] {
			case '"':
				i = jwtStringEnd(s, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(s)
	}
	for ; i < len(s); i++ {
		switch s[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return i
}

// jwtPlainString returns the text of a JSON string that needs no unescaping.
func jwtPlainString(v string) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	in := v[1 : len(v)-1]
	if strings.IndexByte(in, '\\') >= 0 || strings.IndexByte(in, '"') >= 0 || !utf8.ValidString(in) {
		return "", false
	}
	return in, true
}

// jwtNumber parses a JSON number literal as encoding/json does for float64
// (v is a valid JSON value).
func jwtNumber(v string) (float64, bool) {
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil
}

func jwtString(v string) string {
	if s, ok := jwtPlainString(v); ok {
		return s
	}
	var s string
	if json.Unmarshal([]byte(v), &s) == nil {
		return s
	}
	return v
}

// jwtClaimValues renders a claim as the string values JwtSecurityToken gives
// it: a string as itself, an array as one value per element, other JSON as
// its text (numbers as written, true/false, objects as compact JSON).
func jwtClaimValues(v string) []string {
	v = strings.TrimSpace(v)
	if len(v) > 0 && v[0] == '[' {
		var arr []json.RawMessage
		if json.Unmarshal([]byte(v), &arr) == nil {
			out := make([]string, 0, len(arr))
			for _, x := range arr {
				out = append(out, jwtScalar(string(x)))
			}
			return out
		}
	}
	return []string{jwtScalar(v)}
}

// jwtFirstValue is the first of jwtClaimValues(v), without building the
// list for a scalar; ok is false for an empty array.
func jwtFirstValue(v string) (string, bool) {
	if t := strings.TrimSpace(v); len(t) > 0 && t[0] == '[' {
		vals := jwtClaimValues(t)
		if len(vals) == 0 {
			return "", false
		}
		return vals[0], true
	}
	return jwtScalar(v), true
}

func jwtScalar(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 0 && v[0] == '"' {
		return jwtString(v)
	}
	if len(v) > 0 && v[0] != '{' && v[0] != '[' {
		return v // a number, true, false or null: already compact
	}
	var buf bytes.Buffer
	if json.Compact(&buf, []byte(v)) == nil {
		return buf.String()
	}
	return v
}

// jwtUnix reads a time claim: a number of seconds, or a string holding one.
func jwtUnix(v string) (DateTime, bool) {
	f, ok := jwtNumber(v)
	if !ok {
		if f, ok = jwtUnixSlow(v); !ok {
			return DateTime{}, false
		}
	}
	sec := int64(f)
	return DateTime{T: time.Unix(sec, 0).UTC(), Kind: KindUtc}, true
}

// jwtUnixSlow is jwtUnix for what is not a plain number literal.
func jwtUnixSlow(v string) (float64, bool) {
	var f float64
	if json.Unmarshal([]byte(v), &f) == nil {
		return f, true
	}
	var s string
	if json.Unmarshal([]byte(v), &s) != nil {
		return 0, false
	}
	if json.Unmarshal([]byte(s), &f) != nil {
		return 0, false
	}
	return f, true
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
