package dotnet

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The eager token model as ParseJWT built it before the claims dictionary
// became lazy: every field and the dictionary at parse time, from
// json.RawMessage members. It is the reference the lazy model must match.

type eagerJwt struct {
	alg, typ, id, iss, sub, raw string
	aud                         []string
	exp, iat, nbf               *DateTime
	claims                      *Dictionary
}

type eagerMember struct {
	key string
	val json.RawMessage
}

func eagerParse(s string) *eagerJwt {
	s = strings.TrimSpace(s)
	if len(s) > 7 && strings.EqualFold(s[:7], "Bearer ") {
		s = strings.TrimSpace(s[7:])
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return nil
	}
	head, ok := eagerSegment(parts[0])
	if !ok {
		return nil
	}
	body, ok := eagerSegment(parts[1])
	if !ok {
		return nil
	}
	hdr, ok := eagerObject(head)
	if !ok {
		return nil
	}
	pl, ok := eagerObject(body)
	if !ok {
		return nil
	}
	j := &eagerJwt{raw: s, claims: NewDictionary(String, ArrayOf(String), nil)}
	for _, kv := range hdr {
		switch kv.key {
		case "alg":
			j.alg = eagerString(kv.val)
		case "typ":
			j.typ = eagerString(kv.val)
		}
	}
	first := func(v []string) string {
		if len(v) == 0 {
			return ""
		}
		return v[0]
	}
	for _, kv := range pl {
		vals := eagerClaimValues(kv.val)
		if old, ok := j.claims.Get(kv.key); ok {
			vals = append(old.([]string), vals...)
		}
		_ = j.claims.Set(kv.key, vals)
		switch kv.key {
		case "aud":
			j.aud = vals
		case "exp":
			j.exp = eagerUnix(kv.val)
		case "iat":
			j.iat = eagerUnix(kv.val)
		case "nbf":
			j.nbf = eagerUnix(kv.val)
		case "jti":
			j.id = first(vals)
		case "iss":
			j.iss = first(vals)
		case "sub":
			j.sub = first(vals)
		}
	}
	if j.aud == nil {
		j.aud = []string{}
	}
	return j
}

func eagerSegment(s string) ([]byte, bool) {
	s = strings.TrimRight(s, "=")
	if s == "" {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return nil, false
		}
	}
	return b, true
}

func eagerObject(b []byte) ([]eagerMember, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out []eagerMember
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
		out = append(out, eagerMember{key, v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, false
	}
	if len(bytes.TrimSpace(b[dec.InputOffset():])) != 0 {
		return nil, false
	}
	return out, true
}

func eagerString(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}

func eagerClaimValues(v json.RawMessage) []string {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '[' {
		var arr []json.RawMessage
		if json.Unmarshal(v, &arr) == nil {
			out := make([]string, 0, len(arr))
			for _, x := range arr {
				out = append(out, eagerScalar(x))
			}
			return out
		}
	}
	return []string{eagerScalar(v)}
}

func eagerScalar(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '"' {
		return eagerString(v)
	}
	if len(v) > 0 && v[0] != '{' && v[0] != '[' {
		return string(v)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, v) == nil {
		return buf.String()
	}
	return string(v)
}

func eagerUnix(v json.RawMessage) *DateTime {
	var f float64
	if json.Unmarshal(v, &f) != nil {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return nil
		}
		if json.Unmarshal([]byte(s), &f) != nil {
			return nil
		}
	}
	return &DateTime{T: time.Unix(int64(f), 0).UTC(), Kind: KindUtc}
}

func renderDate(d *DateTime) string {
	if d == nil {
		return "-"
	}
	return d.T.String() + "/" + strconv.Itoa(int(d.Kind))
}

func renderClaims(d *Dictionary) string {
	var b strings.Builder
	for _, k := range d.Keys() {
		v, _ := d.Get(k)
		fmt.Fprintf(&b, " %q=%q", k, v)
	}
	return b.String()
}

func (e *eagerJwt) String() string {
	return fmt.Sprintf("alg=%q typ=%q aud=%q exp=%s iat=%s nbf=%s jti=%q iss=%q sub=%q raw=%q claims:%s",
		e.alg, e.typ, e.aud, renderDate(e.exp), renderDate(e.iat), renderDate(e.nbf), e.id, e.iss, e.sub, e.raw, renderClaims(e.claims))
}

func renderLazy(j *Jwt) string {
	return fmt.Sprintf("alg=%q typ=%q aud=%q exp=%s iat=%s nbf=%s jti=%q iss=%q sub=%q raw=%q claims:%s",
		j.Algorithm, j.Type, j.Audiences, renderDate(j.ExpirationTime), renderDate(j.IssuedAt), renderDate(j.NotBefore), j.ID, j.Issuer, j.Subject, j.Raw, renderClaims(j.Claims()))
}

// jwtLazyCases are payloads and headers that exercise every field rule:
// repeated names, escapes, odd JSON types, the standard alphabet, padding.
var jwtLazyCases = []struct{ header, payload string }{
	{`{"alg":"RS256","typ":"JWT"}`, `{"iss":"https://idp/","sub":"u1","aud":["a","b"],"exp":1700000000,"iat":1699990000,"nbf":1699990000,"jti":"j","roles":["r1","r2"],"n":1.50,"o":{"x": [1, 2]},"t":true,"z":null}`},
	{`{"alg":"RS256"}`, `{"aud":"x","aud":["y","z"],"aud":"w"}`},
	{`{"alg":"RS256"}`, `{"iss":[],"iss":["second","third"],"sub":"s1","sub":"s2","jti":[],"exp":1,"exp":"2","exp":{}}`},
	{`{"alg":"RS256"}`, `{"iss":"","iss":"later"}`},
	{`{"alg":"R\u0053256","typ":1}`, `{"i\u0073s":"escaped name","sub":"caf\u00e9","aud":"\"q\""}`},
	{`{"alg":"HS256"}`, `{"exp":"1700000000","nbf":"x","iat":1e400,"exp2":-1.5}`},
	{`{"alg":"HS256"}`, `{"exp":-1.5,"nbf":1700000000.999,"aud":[1,true,null,{"a":1},["n"]]}`},
	{`{"alg":"HS256"}`, " {\n \"aud\" : [ \"a\" , \"b\" ] ,\t\"sub\" : \"x\" } "},
	{`{"alg":"HS256"}`, `{}`},
	{`{"alg":"HS256"}`, `{"a":1} {`},
	{`{"alg":"HS256"}`, `[1]`},
	{`{"alg":"HS256"}`, `{"a":"` + "\xff" + `"}`},
	{`not json`, `{"a":1}`},
	{`{"alg":"HS256"}`, `{"aud":[]}`},
	{`{"alg":"HS256","alg":"RS256","typ":"a","typ":"b"}`, `{"sub":["x","y"]}`},
}

// TestJwtLazyMatchesEager: every field, and the claims dictionary built
// on first use, equal what the eager model computed; ClaimValues equals a
// dictionary lookup for every name (and for a missing one).
func TestJwtLazyMatchesEager(t *testing.T) {
	t.Parallel()
	encs := []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.RawStdEncoding}
	compared := 0
	for i, c := range jwtLazyCases {
		for _, enc := range encs {
			tok := enc.EncodeToString([]byte(c.header)) + "." + enc.EncodeToString([]byte(c.payload)) + ".c2ln"
			for _, in := range []string{tok, "  bearer " + tok + " ", tok + ".x", "a..b"} {
				want, got := eagerParse(in), ParseJWT(in)
				if (want == nil) != (got == nil) {
					t.Errorf("case %d %q: eager %v, lazy %v", i, in, want, got)
					continue
				}
				if want == nil {
					continue
				}
				// Fields before and after the dictionary is built.
				members, _ := got.Members(nil)
				for _, m := range append(members, JWTMember{Key: "absent"}) {
					vals, ok := got.ClaimValues(m.Key)
					wv, wok := want.claims.Get(m.Key)
					if ok != wok || fmt.Sprintf("%q", vals) != fmt.Sprintf("%q", wv) && wok {
						t.Errorf("case %d: ClaimValues(%q) = %q %v, want %q %v", i, m.Key, vals, ok, wv, wok)
					}
				}
				if w, g := want.String(), renderLazy(got); w != g {
					t.Errorf("case %d %q:\n eager %s\n lazy  %s", i, in, w, g)
				}
				compared++
			}
		}
	}
	if compared < 2*3*(len(jwtLazyCases)-4) {
		t.Errorf("only %d tokens parsed", compared)
	}
}

// TestJwtClaimsConcurrent: a shared token builds its dictionary once,
// whichever request reads it first.
func TestJwtClaimsConcurrent(t *testing.T) {
	t.Parallel()
	j := ParseJWT(ctToken(`{"alg":"RS256"}`, `{"roles":["a","b"],"sub":"x"}`))
	done := make(chan *Dictionary)
	for range 4 {
		go func() { done <- j.Claims() }()
	}
	first := <-done
	for range 3 {
		if d := <-done; d != first {
			t.Fatal("Claims built twice")
		}
	}
	if v, _ := first.Get("roles"); fmt.Sprint(v) != "[a b]" {
		t.Fatalf("roles = %v", v)
	}
}

// BenchmarkParseJWTLazy measures AsJwt on a typical access token, with
// and without reading the claims dictionary.
func BenchmarkParseJWTLazy(b *testing.B) {
	tok := ctToken(`{"alg":"RS256","kid":"k1","typ":"JWT"}`, `{"iss":"https://login/","sub":"u1","aud":"api://orders","exp":1700000000,"iat":1699990000,"nbf":1699990000,"jti":"id-1","roles":["admin","reader"],"scp":"read write","azp":"client"}`)
	b.Run("fields", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ParseJWT(tok).Subject != "u1" {
				b.Fatal("subject")
			}
		}
	})
	b.Run("claims", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ParseJWT(tok).Claims().Len() != 10 {
				b.Fatal("claims")
			}
		}
	})
}

// FuzzJwtLazyMatchesEager: for any header and payload text, the lazy
// model and the eager reference agree (both nil, or the same fields and
// claims).
func FuzzJwtLazyMatchesEager(f *testing.F) {
	for _, c := range jwtLazyCases {
		f.Add(c.header, c.payload)
	}
	f.Fuzz(func(t *testing.T, header, payload string) {
		tok := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".c2ln"
		want, got := eagerParse(tok), ParseJWT(tok)
		if (want == nil) != (got == nil) {
			t.Fatalf("eager %v, lazy %v", want, got)
		}
		if want == nil {
			return
		}
		members, _ := got.Members(nil)
		for _, m := range members {
			vals, ok := got.ClaimValues(m.Key)
			wv, _ := want.claims.Get(m.Key)
			if !ok || fmt.Sprintf("%q", vals) != fmt.Sprintf("%q", wv) {
				t.Fatalf("ClaimValues(%q) = %q %v, want %q", m.Key, vals, ok, wv)
			}
		}
		if w, g := want.String(), renderLazy(got); w != g {
			t.Fatalf("\n eager %s\n lazy  %s", w, g)
		}
	})
}
