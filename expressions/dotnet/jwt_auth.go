package dotnet

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"
)

// APIM's string extensions for credentials (spec expressions.md §4):
// AsJwt/TryParseJwt and AsBasic/TryParseBasic, and the Jwt and
// BasicAuthCredentials types they return.
var (
	// JwtT is APIM's Jwt: a parsed, unvalidated JSON Web Token (*Jwt).
	JwtT = Register(collClass("Jwt", "Microsoft.Azure.ApiManagement.Policies.Jwt", reflect.TypeOf((*Jwt)(nil))))
	// BasicAuthCredentialsT is APIM's BasicAuthCredentials (*BasicAuthCredentials).
	BasicAuthCredentialsT = Register(collClass("BasicAuthCredentials", "Microsoft.Azure.ApiManagement.Policies.BasicAuthCredentials", reflect.TypeOf((*BasicAuthCredentials)(nil))))
)

// ClaimsType is the static type of Jwt.Claims:
// IReadOnlyDictionary<string, string[]>.
func ClaimsType() *Type { return Instantiate(IReadOnlyDictionaryT, String, ArrayOf(String)) }

// Jwt is a decoded JWT. Nothing is validated: not the signature, not the
// lifetime.
type Jwt struct {
	Algorithm      string   // header "alg"
	Type           string   // header "typ"
	Audiences      []string // "aud", a string or an array
	Claims         *Dictionary
	ExpirationTime *DateTime // "exp"; nil when absent
	IssuedAt       *DateTime // "iat"
	NotBefore      *DateTime // "nbf"
	ID             string    // "jti"
	Issuer         string    // "iss"
	Subject        string    // "sub"
	Raw            string    // the token as parsed (without "Bearer ")
}

// BasicAuthCredentials is a decoded HTTP Basic Authorization value.
type BasicAuthCredentials struct {
	UserID   string
	Password string
}

// ParseJWT decodes a compact JWS token; it tolerates a leading "Bearer "
// (any case) and surrounding spaces, and returns nil when the input is not a
// JWT (not three dot-separated parts, or a header or payload that is not
// base64url-encoded JSON object text).
func ParseJWT(s string) *Jwt {
	j, _, _ := parseJWT(s)
	return j
}

func parseJWT(s string) (*Jwt, []jwtMember, []jwtMember) {
	s = strings.TrimSpace(s)
	if len(s) > 7 && strings.EqualFold(s[:7], "Bearer ") {
		s = strings.TrimSpace(s[7:])
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return nil, nil, nil
	}
	head, ok := jwtSegment(parts[0])
	if !ok {
		return nil, nil, nil
	}
	body, ok := jwtSegment(parts[1])
	if !ok {
		return nil, nil, nil
	}
	hdr, ok := jwtObject(head)
	if !ok {
		return nil, nil, nil
	}
	pl, ok := jwtObject(body)
	if !ok {
		return nil, nil, nil
	}
	j := &Jwt{Raw: s, Claims: NewDictionary(String, ArrayOf(String), nil)}
	jwtPresize(j.Claims, len(pl))
	for _, kv := range hdr {
		switch kv.Key {
		case "alg":
			j.Algorithm = jwtString(kv.Value)
		case "typ":
			j.Type = jwtString(kv.Value)
		}
	}
	for _, kv := range pl {
		vals := jwtClaimValues(kv.Value)
		var key any = kv.Key // boxed once for both calls
		if old, ok := j.Claims.Get(key); ok {
			vals = append(old.([]string), vals...)
		}
		_ = j.Claims.Set(key, vals)
		switch kv.Key {
		case "aud":
			j.Audiences = vals
		case "exp":
			j.ExpirationTime = jwtUnix(kv.Value)
		case "iat":
			j.IssuedAt = jwtUnix(kv.Value)
		case "nbf":
			j.NotBefore = jwtUnix(kv.Value)
		case "jti":
			j.ID = jwtFirst(vals)
		case "iss":
			j.Issuer = jwtFirst(vals)
		case "sub":
			j.Subject = jwtFirst(vals)
		}
	}
	if j.Audiences == nil {
		j.Audiences = []string{}
	}
	return j, hdr, pl
}

func jwtFirst(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func jwtSegment(s string) ([]byte, bool) {
	s = strings.TrimRight(s, "=")
	if s == "" {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		// Some issuers use the standard alphabet.
		if b, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return nil, false
		}
	}
	return b, true
}

type jwtMember struct {
	Key   string
	Value json.RawMessage
}

// jwtObject splits a JSON object into its members in document order.
func jwtObject(b []byte) ([]jwtMember, bool) {
	if out, ok := jwtSplitObject(b); ok {
		return out, true
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out []jwtMember
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
		out = append(out, jwtMember{key, v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, false
	}
	if len(bytes.TrimSpace(b[dec.InputOffset():])) != 0 {
		return nil, false // trailing data
	}
	return out, true
}

func jwtString(v json.RawMessage) string {
	if s, ok := jwtPlainString(v); ok {
		return s
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}

// jwtClaimValues renders a claim as the string values JwtSecurityToken gives
// it: a string as itself, an array as one value per element, other JSON as
// its text (numbers as written, true/false, objects as compact JSON).
func jwtClaimValues(v json.RawMessage) []string {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '[' {
		var arr []json.RawMessage
		if json.Unmarshal(v, &arr) == nil {
			out := make([]string, 0, len(arr))
			for _, x := range arr {
				out = append(out, jwtScalar(x))
			}
			return out
		}
	}
	return []string{jwtScalar(v)}
}

func jwtScalar(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '"' {
		return jwtString(v)
	}
	if len(v) > 0 && v[0] != '{' && v[0] != '[' {
		return string(v) // a number, true, false or null: already compact
	}
	var buf bytes.Buffer
	if json.Compact(&buf, v) == nil {
		return buf.String()
	}
	return string(v)
}

func jwtUnix(v json.RawMessage) *DateTime {
	f, ok := jwtNumber(v)
	if !ok && json.Unmarshal(v, &f) != nil {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return nil
		}
		if json.Unmarshal([]byte(s), &f) != nil {
			return nil
		}
	}
	sec := int64(f)
	return &DateTime{T: time.Unix(sec, 0).UTC(), Kind: KindUtc}
}

// ParseBasic decodes an HTTP Basic Authorization value ("Basic " followed by
// base64 of "user:password"); it returns nil when the scheme is not Basic,
// the payload is not base64 or has no colon.
func ParseBasic(s string) *BasicAuthCredentials {
	s = strings.TrimSpace(s)
	if len(s) < 6 || !strings.EqualFold(s[:6], "Basic ") {
		return nil
	}
	enc := strings.TrimSpace(s[6:])
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(enc, "=")); err != nil {
			return nil
		}
	}
	text := string(b)
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	user, pass, ok := strings.Cut(text, ":")
	if !ok {
		return nil
	}
	return &BasicAuthCredentials{UserID: user, Password: pass}
}

func jwtNullableDate(d *DateTime) any {
	if d == nil {
		return nil
	}
	return *d
}

func init() {
	jwt := func(r any) (*Jwt, error) {
		j, ok := r.(*Jwt)
		if !ok || j == nil {
			return nil, NullReference()
		}
		return j, nil
	}
	str := func(name string, get func(*Jwt) string) *Prop {
		return &Prop{Name: name, Type: String, Get: func(r any) (any, error) {
			j, err := jwt(r)
			if err != nil {
				return nil, err
			}
			return get(j), nil
		}}
	}
	date := func(name string, get func(*Jwt) *DateTime) *Prop {
		var t *Type
		if dt := Lookup("System.DateTime"); dt != nil {
			t = NullableOf(dt)
		}
		return &Prop{Name: name, Type: t, Get: func(r any) (any, error) {
			j, err := jwt(r)
			if err != nil {
				return nil, err
			}
			return jwtNullableDate(get(j)), nil
		}}
	}
	JwtT.AddProp(
		str("Algorithm", func(j *Jwt) string { return j.Algorithm }),
		str("Type", func(j *Jwt) string { return j.Type }),
		str("Id", func(j *Jwt) string { return j.ID }),
		str("Issuer", func(j *Jwt) string { return j.Issuer }),
		str("Subject", func(j *Jwt) string { return j.Subject }),
		&Prop{Name: "Audiences", Type: lqEnumOf(String), Get: func(r any) (any, error) {
			j, err := jwt(r)
			if err != nil {
				return nil, err
			}
			return j.Audiences, nil
		}},
		&Prop{Name: "Claims", Type: ClaimsType(), Get: func(r any) (any, error) {
			j, err := jwt(r)
			if err != nil {
				return nil, err
			}
			return j.Claims, nil
		}},
		date("ExpirationTime", func(j *Jwt) *DateTime { return j.ExpirationTime }),
		date("IssuedAt", func(j *Jwt) *DateTime { return j.IssuedAt }),
		date("NotBefore", func(j *Jwt) *DateTime { return j.NotBefore }),
	)
	basic := func(name string, get func(*BasicAuthCredentials) string) *Prop {
		return &Prop{Name: name, Type: String, Get: func(r any) (any, error) {
			b, ok := r.(*BasicAuthCredentials)
			if !ok || b == nil {
				return nil, NullReference()
			}
			return get(b), nil
		}}
	}
	BasicAuthCredentialsT.AddProp(
		basic("UserId", func(b *BasicAuthCredentials) string { return b.UserID }),
		basic("Username", func(b *BasicAuthCredentials) string { return b.UserID }),
		basic("Password", func(b *BasicAuthCredentials) string { return b.Password }),
	)
	in := collParam("input", String)
	strArg := func(r any) (string, bool) {
		s, ok := r.(string)
		return s, ok
	}
	String.AddMethod(
		&Method{Name: "AsJwt", Extension: true, Params: []Param{in}, Result: JwtT, Fn: func(r any, _ []any) (any, error) {
			s, ok := strArg(r)
			if !ok {
				return nil, nil
			}
			if j := ParseJWT(s); j != nil {
				return j, nil
			}
			return nil, nil
		}},
		&Method{Name: "TryParseJwt", Extension: true, Params: []Param{in, collOutParam("result", JwtT)}, Result: Boolean, Fn: func(r any, a []any) (any, error) {
			s, _ := strArg(r)
			j := ParseJWT(s)
			if j == nil {
				collSetOut(a[0], nil)
				return false, nil
			}
			collSetOut(a[0], j)
			return true, nil
		}},
		&Method{Name: "AsBasic", Extension: true, Params: []Param{in}, Result: BasicAuthCredentialsT, Fn: func(r any, _ []any) (any, error) {
			s, _ := strArg(r)
			if b := ParseBasic(s); b != nil {
				return b, nil
			}
			return nil, nil
		}},
		&Method{Name: "TryParseBasic", Extension: true, Params: []Param{in, collOutParam("result", BasicAuthCredentialsT)}, Result: Boolean, Fn: func(r any, a []any) (any, error) {
			s, _ := strArg(r)
			b := ParseBasic(s)
			if b == nil {
				collSetOut(a[0], nil)
				return false, nil
			}
			collSetOut(a[0], b)
			return true, nil
		}},
	)
}
