package policies

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"

	"github.com/policygate/policygate/expressions/dotnet"
)

// The fast path of validate-jwt decodes a compact JWS once (into the .NET
// token model, which the policy outputs anyway), verifies the signature
// with golang-jwt's signing method and checks the lifetime with golang-jwt's
// validator. It only takes tokens whose every decision it makes exactly as
// the general path (ParseWithClaims into MapClaims) would; any other token
// (padding or the standard alphabet, duplicate claims, registered claims of
// unusual JSON types, "none", no fitting key) goes the general path, which
// gives the precise error. A signature that fails here is final, so a forged
// token costs one verification, not two.

// jwtFastPath enables the fast path (tests compare both paths).
var jwtFastPath = true

// jwtDecoded is a token decoded by the fast path; it is the jwt.Claims the
// golang-jwt validator checks. The .NET model j builds its claims
// dictionary only when something reads it (an expression, through
// output-token-variable-name).
type jwtDecoded struct {
	j        *dotnet.Jwt
	kid, alg string    // as jwtPeekHeader reads them
	crit     error     // what jwtCheckCrit says of the header
	exp, nbf time.Time // zero: absent (or 0, which MapClaims treats as absent)
}

func numericDate(t time.Time) *jwt.NumericDate {
	if t.IsZero() {
		return nil
	}
	return jwt.NewNumericDate(t)
}

func (d *jwtDecoded) GetExpirationTime() (*jwt.NumericDate, error) { return numericDate(d.exp), nil }
func (d *jwtDecoded) GetNotBefore() (*jwt.NumericDate, error)      { return numericDate(d.nbf), nil }
func (d *jwtDecoded) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (d *jwtDecoded) GetIssuer() (string, error)                   { return d.j.Issuer, nil }
func (d *jwtDecoded) GetSubject() (string, error)                  { return d.j.Subject, nil }
func (d *jwtDecoded) GetAudience() (jwt.ClaimStrings, error)       { return d.j.Audiences, nil }

// claim returns a string claim ("" when absent or not a JSON string), as
// a MapClaims lookup does (the fast path takes no repeated names).
func (d *jwtDecoded) claim(name string) string {
	var buf [16]dotnet.JWTMember
	members, _ := d.j.Members(buf[:0])
	for _, m := range members {
		if m.Key == name {
			if len(m.Value) > 0 && m.Value[0] == '"' {
				if s, ok := jwtJSONString(m.Value); ok {
					return s
				}
			}
			return ""
		}
	}
	return ""
}

// jwtJSONString decodes the JSON string v as encoding/json does; without
// escapes it is a substring of v.
func jwtJSONString(v string) (string, bool) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		in := v[1 : len(v)-1]
		if strings.IndexByte(in, '\\') < 0 && strings.IndexByte(in, '"') < 0 && utf8.ValidString(in) {
			return in, true
		}
	}
	var s string
	if json.Unmarshal([]byte(v), &s) != nil {
		return "", false
	}
	return s, true
}

// jwtB64URL reports whether s is unpadded base64url text, which both
// decoders read the same way.
func jwtB64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// jwtFastDecode decodes raw for the fast path; nil when the token must take
// the general path.
func jwtFastDecode(raw string) *jwtDecoded {
	h, rest, ok1 := strings.Cut(raw, ".")
	p, sig, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || h == "" || p == "" || sig == "" || !jwtB64URL(h) || !jwtB64URL(p) || !jwtB64URL(sig) {
		return nil
	}
	var hbuf [8]dotnet.JWTMember
	j, header := dotnet.DecodeJWT(raw, hbuf[:0])
	if j == nil {
		return nil
	}
	d := &jwtDecoded{j: j}
	// kid and alg as jwtPeekHeader reads them (encoding/json's
	// case-insensitive field match, the last member wins); crit and b64 as
	// jwtCheckCrit's map does (exact names, the last wins).
	var crit, b64 *dotnet.JWTMember
	for i, m := range header {
		var dst *string
		switch {
		case m.Key == "crit":
			crit = &header[i]
			continue
		case m.Key == "b64":
			b64 = &header[i]
			continue
		case strings.EqualFold(m.Key, "kid"):
			dst = &d.kid
		case strings.EqualFold(m.Key, "alg"):
			dst = &d.alg
		default:
			continue
		}
		*dst = ""
		if m.Value[0] == '"' {
			*dst, _ = jwtJSONString(m.Value)
		}
	}
	if crit != nil || b64 != nil {
		var c, b *string
		if crit != nil {
			c = &crit.Value
		}
		if b64 != nil {
			b = &b64.Value
		}
		d.crit = jwtCritError(c, b)
	}
	var buf [16]dotnet.JWTMember
	members, _ := j.Members(buf[:0])
	for i, m := range members {
		for _, o := range members[:i] {
			if o.Key == m.Key {
				return nil // MapClaims keeps the last, the .NET model all
			}
		}
		var ok bool
		switch m.Key {
		case "exp":
			d.exp, ok = jwtNumericDate(m.Value)
		case "nbf":
			d.nbf, ok = jwtNumericDate(m.Value)
		case "iss":
			ok = m.Value[0] == '"'
		case "aud":
			ok = jwtStrings(m.Value)
		default:
			ok = true
		}
		if !ok {
			return nil
		}
	}
	return d
}

// jwtNumericDate reads a registered time claim as MapClaims does (a JSON
// number, truncated to jwt.TimePrecision; 0 counts as absent: zero time);
// ok is false for other JSON types.
func jwtNumericDate(v string) (time.Time, bool) {
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return time.Time{}, false
	}
	f, err := strconv.ParseFloat(v, 64) // a JSON number is ParseFloat syntax
	if err != nil {
		return time.Time{}, false
	}
	if f == 0 {
		return time.Time{}, true
	}
	round, frac := math.Modf(f)
	t := time.Unix(int64(round), int64(frac*1e9)).Truncate(jwt.TimePrecision)
	return t, !t.IsZero() // year 1 would read as absent: general path
}

// lifetimeOK reports whether exp and nbf hold at now with leeway, by the
// comparisons of golang-jwt's validator (which gives the error otherwise).
func (d *jwtDecoded) lifetimeOK(requireExp bool, leeway time.Duration, now time.Time) bool {
	if d.exp.IsZero() && requireExp {
		return false
	}
	if !d.exp.IsZero() && !now.Before(d.exp.Add(leeway)) {
		return false
	}
	return d.nbf.IsZero() || !now.Before(d.nbf.Add(-leeway))
}

// jwtStrings reports whether v is a JSON string or an array of strings.
func jwtStrings(v string) bool {
	if v[0] == '"' {
		return true
	}
	var arr []json.RawMessage
	if v[0] != '[' || json.Unmarshal([]byte(v), &arr) != nil {
		return false
	}
	for _, x := range arr {
		if len(x) == 0 || x[0] != '"' {
			return false
		}
	}
	return true
}

// jwtSigScratch holds a token's signing input and decoded signature while
// they are verified.
var jwtSigScratch = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

const jwtSigScratchMax = 32 << 10

// jwtSum is the SHA-256 of raw, the verdict cache's key, hashed from the
// pooled buffer rather than a copy per request.
func jwtSum(raw string) [32]byte {
	bp := jwtSigScratch.Get().(*[]byte)
	buf := append((*bp)[:0], raw...)
	sum := sha256.Sum256(buf)
	if cap(buf) <= jwtSigScratchMax {
		*bp = buf
		jwtSigScratch.Put(bp)
	}
	return sum
}

// jwtVerify is method.Verify(string(input), sig, key). For RS256/384/512
// it hashes input in place and calls rsa.VerifyPKCS1v15 exactly as
// golang-jwt's SigningMethodRSA does, without its copy of the input and
// its hasher (three allocations). The verification itself stays the
// standard library's: in Go 1.26 crypto/rsa rebuilds the modulus'
// Montgomery form (bigmod.NewModulus) on every call, for the same
// *PublicKey too, and has no API to keep it; a math/big verification
// measured slower than that, so there is no prepared key to keep.
func jwtVerify(method jwt.SigningMethod, input, sig []byte, key any) error {
	pub, ok := key.(*rsa.PublicKey)
	if !ok {
		return method.Verify(string(input), sig, key)
	}
	switch method {
	case jwt.SigningMethodRS256:
		h := sha256.Sum256(input)
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig)
	case jwt.SigningMethodRS384:
		h := sha512.Sum384(input)
		return rsa.VerifyPKCS1v15(pub, crypto.SHA384, h[:], sig)
	case jwt.SigningMethodRS512:
		h := sha512.Sum512(input)
		return rsa.VerifyPKCS1v15(pub, crypto.SHA512, h[:], sig)
	}
	return method.Verify(string(input), sig, key)
}

// verifyFast validates raw on the fast path. ok is false when the token
// must take the general path; otherwise err is the validation outcome.
func (v *jwtValidator) verifyFast(d *jwtDecoded, raw, alg, kid string, keys []*verifyKey, oidcErr error, requireSigned, requireExp bool, skew int, now time.Time) (_ *jwtDecoded, err error, ok bool) {
	if d == nil {
		return nil, nil, false
	}
	method := jwt.GetSigningMethod(alg)
	if method == nil || alg == "none" || alg != d.j.Algorithm {
		return nil, nil, false
	}
	dot := strings.LastIndexByte(raw, '.')
	// The signing input and the decoded signature, in a pooled buffer.
	bp := jwtSigScratch.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= jwtSigScratchMax {
			jwtSigScratch.Put(bp)
		}
	}()
	need := len(raw) + base64.RawURLEncoding.DecodedLen(len(raw)-dot-1)
	if cap(*bp) < need {
		*bp = make([]byte, 0, need)
	}
	buf := append((*bp)[:0], raw...)
	sig, derr := base64.RawURLEncoding.AppendDecode(buf[len(buf):], buf[dot+1:])
	if derr != nil {
		return nil, nil, false
	}
	input := buf[:dot]
	var verr error
	tried := false
	for _, k := range keys {
		if !k.fits(alg) || (kid != "" && k.ID != "" && k.ID != kid) {
			continue
		}
		tried = true
		if verr = jwtVerify(method, input, sig, k.Key); verr == nil {
			break
		}
	}
	if !tried {
		return nil, nil, false
	}
	if verr != nil {
		return nil, v.mapParseError(fmt.Errorf("%w: %w", jwt.ErrTokenSignatureInvalid, verr), raw, alg, kid, keys, oidcErr, requireSigned, now), true
	}
	if !d.lifetimeOK(requireExp, time.Duration(skew)*time.Second, now) {
		err := jwt.NewValidator(jwtParserOptions(nil, requireExp, skew, now)...).Validate(d)
		if err == nil { // cannot happen: the same comparisons
			err = jwt.ErrTokenInvalidClaims
		}
		return nil, v.mapParseError(fmt.Errorf("%w: %w", jwt.ErrTokenInvalidClaims, err), raw, alg, kid, keys, oidcErr, requireSigned, now), true
	}
	return d, nil, true
}
