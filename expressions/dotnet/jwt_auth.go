package dotnet

import (
	"encoding/base64"
	"reflect"
	"strings"
	"sync"
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
// lifetime. The claims dictionary is built on first use (Claims): a
// validator that only checks a few claims, or outputs a token no
// expression reads, never pays for it. A Jwt may be shared by concurrent
// requests (the validators' verdict cache).
type Jwt struct {
	Algorithm      string    // header "alg"
	Type           string    // header "typ"
	Audiences      []string  // "aud", a string or an array
	ExpirationTime *DateTime // "exp"; nil when absent
	IssuedAt       *DateTime // "iat"
	NotBefore      *DateTime // "nbf"
	ID             string    // "jti"
	Issuer         string    // "iss"
	Subject        string    // "sub"
	Raw            string    // the token as parsed (without "Bearer ")

	payload string // the payload's JSON text
	valid   bool   // payload is valid JSON
	plain   bool   // the splitter reads it (no escaped member names)

	once   sync.Once
	claims *Dictionary

	aud   [1]string   // Audiences of a single-string "aud"
	dates [3]DateTime // what ExpirationTime, IssuedAt, NotBefore point to
}

// Claims is Jwt.Claims: every payload member as its string values, in
// document order (a repeated name's values appended).
func (j *Jwt) Claims() *Dictionary {
	j.once.Do(func() {
		members, _ := j.Members(make([]JWTMember, 0, 16))
		d := NewDictionary(String, ArrayOf(String), nil)
		jwtPresize(d, len(members))
		for _, kv := range members {
			vals := jwtClaimValues(kv.Value)
			var key any = kv.Key // boxed once for both calls
			if old, ok := d.Get(key); ok {
				vals = append(old.([]string), vals...)
			}
			_ = d.Set(key, vals)
		}
		j.claims = d
	})
	return j.claims
}

// Members appends the payload's members to dst in document order (names
// unescaped, values raw JSON text); ok is false for a Jwt not made by
// ParseJWT.
func (j *Jwt) Members(dst []JWTMember) ([]JWTMember, bool) {
	if j.payload == "" {
		return dst, false
	}
	if j.plain {
		return jwtScanObject(j.payload, dst)
	}
	out, _, ok := jwtObject(j.payload, j.valid, dst)
	return out, ok
}

// ClaimValues is Claims().Get(name) as a []string; it reads the payload
// again rather than build the dictionary.
func (j *Jwt) ClaimValues(name string) ([]string, bool) {
	if j.plain {
		var buf [16]JWTMember
		members, _ := j.Members(buf[:0])
		var vals []string
		found := false
		for _, kv := range members {
			if kv.Key == name {
				vals = append(vals, jwtClaimValues(kv.Value)...)
				found = true
			}
		}
		if found && vals == nil {
			vals = []string{}
		}
		return vals, found
	}
	got, ok := j.Claims().Get(name)
	vals, _ := got.([]string)
	return vals, ok
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
	var hdr [8]jwtMember
	j, _ := parseJWT(s, hdr[:0])
	return j
}

func parseJWT(s string, hdr []jwtMember) (*Jwt, []jwtMember) {
	s = strings.TrimSpace(s)
	if len(s) > 7 && strings.EqualFold(s[:7], "Bearer ") {
		s = strings.TrimSpace(s[7:])
	}
	h, rest, _ := strings.Cut(s, ".")
	p, sig, ok := strings.Cut(rest, ".")
	if !ok || strings.IndexByte(sig, '.') >= 0 {
		return nil, nil
	}
	text, split, valid, ok := jwtDecodeSegments(h, p)
	if !ok {
		return nil, nil
	}
	start := len(hdr)
	hdr, _, ok = jwtObject(text[:split], valid[0], hdr)
	if !ok {
		return nil, nil
	}
	j := &Jwt{Raw: s, payload: text[split:], valid: valid[1]}
	var pbuf [16]jwtMember
	pl, plain, ok := jwtObject(j.payload, j.valid, pbuf[:0])
	if !ok {
		return nil, nil
	}
	j.plain = plain
	for _, kv := range hdr[start:] {
		switch kv.Key {
		case "alg":
			j.Algorithm = jwtString(kv.Value)
		case "typ":
			j.Type = jwtString(kv.Value)
		}
	}
	// The fields as the claims dictionary reads them: a repeated name's
	// values are appended, so aud holds them all, jti, iss and sub the
	// first; a repeated time claim is the last one.
	var haveID, haveIss, haveSub, haveAud bool
	first := func(have *bool, dst *string, v string) {
		if *have {
			return
		}
		*dst, *have = jwtFirstValue(v)
	}
	for _, kv := range pl {
		switch kv.Key {
		case "aud":
			var vals []string
			if t := strings.TrimSpace(kv.Value); len(t) > 0 && t[0] != '[' {
				if haveAud { // j.aud may back the values so far
					vals = []string{jwtScalar(t)}
				} else {
					j.aud[0] = jwtScalar(t)
					vals = j.aud[:1:1]
				}
			} else {
				vals = jwtClaimValues(kv.Value)
			}
			if haveAud {
				vals = append(j.Audiences[:len(j.Audiences):len(j.Audiences)], vals...)
			}
			j.Audiences, haveAud = vals, true
		case "exp":
			j.ExpirationTime = jwtDate(&j.dates[0], kv.Value)
		case "iat":
			j.IssuedAt = jwtDate(&j.dates[1], kv.Value)
		case "nbf":
			j.NotBefore = jwtDate(&j.dates[2], kv.Value)
		case "jti":
			first(&haveID, &j.ID, kv.Value)
		case "iss":
			first(&haveIss, &j.Issuer, kv.Value)
		case "sub":
			first(&haveSub, &j.Subject, kv.Value)
		}
	}
	if j.Audiences == nil {
		j.Audiences = []string{}
	}
	return j, hdr
}

// jwtDate stores the time claim v in *dst and returns dst, or nil when v
// is not a time.
func jwtDate(dst *DateTime, v string) *DateTime {
	d, ok := jwtUnix(v)
	if !ok {
		return nil
	}
	*dst = d
	return dst
}

func jwtFirst(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
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
			return j.Claims(), nil
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
