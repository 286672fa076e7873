package policies

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/parser"
)

// validateJWT implements <validate-jwt> (spec policies.md §2.18):
//
//	<validate-jwt header-name="Authorization" | query-parameter-name="…" | token-value="@(…)"
//	    failed-validation-httpcode="401" failed-validation-error-message="…"
//	    require-expiration-time="true" require-scheme="Bearer" require-signed-tokens="true"
//	    clock-skew="0" output-token-variable-name="jwt">
//	  <openid-config url="https://idp/.well-known/openid-configuration" />   <!-- 0..n -->
//	  <issuer-signing-keys>
//	    <key id="kid">base64-symmetric-key</key> | <key certificate-id="cert" /> | <key n="…" e="…" />
//	  </issuer-signing-keys>
//	  <decryption-keys><key>base64-symmetric-key</key></decryption-keys>
//	  <audiences><audience>…</audience></audiences>
//	  <issuers><issuer>…</issuer></issuers>
//	  <required-claims>
//	    <claim name="group" match="all|any" separator=","><value>finance</value></claim>
//	  </required-claims>
//	</validate-jwt>
//
// Validation order: presence → size → decrypt (JWE) → signature →
// exp/nbf (with clock-skew) → audience → issuer → required claims; the first
// failure answers failed-validation-httpcode with
// {"statusCode":…, "message":…} and sets LastError (Source validate-jwt,
// Reason per the table below). Security choices (RFC 8725): "none" is only
// accepted when require-signed-tokens is false; a key only verifies the
// algorithms of its family (HMAC keys HS*, RSA keys RS*/PS*, EC keys ES* of
// their curve), so an RSA public key is never an HMAC secret; jku, x5u and
// jwk headers are ignored; tokens above MaxJWTSize are rejected unparsed.
//
// Tokens that validated are remembered per policy instance (keyed by their
// SHA-256, bounded LRU, never past exp and at most JWTVerdictTTL) when every
// validation input is a literal, so a hot token costs a hash and a lookup.
type validateJWT struct {
	v *jwtValidator
}

var _ Step = (*validateJWT)(nil)

func init() { Register("validate-jwt", compileValidateJWT) }

// Failure reasons of validate-jwt and validate-azure-ad-token (spec
// pipeline.md §5.4, policies.md §2.19); one table so they can be changed.
const (
	ReasonTokenNotPresent           = "TokenNotPresent"
	ReasonTokenExpired              = "TokenExpired"
	ReasonTokenSignatureInvalid     = "TokenSignatureInvalid"
	ReasonTokenAudienceNotAllowed   = "TokenAudienceNotAllowed"
	ReasonTokenIssuerNotAllowed     = "TokenIssuerNotAllowed"
	ReasonTokenSignatureKeyNotFound = "TokenSignatureKeyNotFound"
	ReasonTokenClaimNotFound        = "TokenClaimNotFound"
	ReasonTokenClaimValueNotAllowed = "TokenClaimValueNotAllowed"
	ReasonTokenClientAppNotAllowed  = "TokenClientAppNotAllowed"
	ReasonJwtInvalid                = "JwtInvalid"
)

// Sentinel errors behind the reasons (STYLE lesson 12): a validation
// failure wraps exactly one of them, and jwtReason maps it to
// LastError.Reason.
var (
	ErrJWTNotPresent         = errors.New("JWT not present")
	ErrJWTExpired            = errors.New("token expired")
	ErrJWTSignatureInvalid   = errors.New("signature invalid")
	ErrJWTAudience           = errors.New("audience not allowed")
	ErrJWTIssuer             = errors.New("issuer not allowed")
	ErrJWTKeyNotFound        = errors.New("signing key not found")
	ErrJWTClaimNotFound      = errors.New("required claim missing")
	ErrJWTClaimValue         = errors.New("claim value not allowed")
	ErrJWTClientApp          = errors.New("client application not allowed")
	ErrJWTInvalid            = errors.New("JWT invalid")
	errJWTNotPresentMessage  = "JWT not present."
	errJWTInvalidBodyMessage = "Invalid JWT."
)

var jwtReasons = []struct {
	err    error
	reason string
}{
	{ErrJWTNotPresent, ReasonTokenNotPresent},
	{ErrJWTExpired, ReasonTokenExpired},
	{ErrJWTSignatureInvalid, ReasonTokenSignatureInvalid},
	{ErrJWTAudience, ReasonTokenAudienceNotAllowed},
	{ErrJWTIssuer, ReasonTokenIssuerNotAllowed},
	{ErrJWTKeyNotFound, ReasonTokenSignatureKeyNotFound},
	{ErrJWTClaimNotFound, ReasonTokenClaimNotFound},
	{ErrJWTClaimValue, ReasonTokenClaimValueNotAllowed},
	{ErrJWTClientApp, ReasonTokenClientAppNotAllowed},
}

// jwtReason maps a validation error to its LastError reason.
func jwtReason(err error) string {
	for _, r := range jwtReasons {
		if errors.Is(err, r.err) {
			return r.reason
		}
	}
	return ReasonJwtInvalid
}

// jwtFailure is a validation failure: the sentinel (for the reason) and the
// LastError message.
type jwtFailure struct {
	kind error
	msg  string
}

func (f *jwtFailure) Error() string { return f.msg }
func (f *jwtFailure) Unwrap() error { return f.kind }

func jwtFail(kind error, format string, args ...any) *jwtFailure {
	return &jwtFailure{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// DefaultJWTVerdictCacheSize is the default of JWTVerdictCacheSize.
const DefaultJWTVerdictCacheSize = 4096

// Tunables of the validators.
var (
	// MaxJWTSize is the largest token accepted; larger ones fail before any
	// parsing, so oversize input costs no base64 or JSON work.
	MaxJWTSize = 16 << 10
	// JWTVerdictCacheSize bounds each policy instance's cache of validated
	// tokens; 0 disables the cache. Read when a policy is compiled.
	JWTVerdictCacheSize = DefaultJWTVerdictCacheSize
	// JWTVerdictTTL bounds how long a jwtVerdict is reused even when exp is
	// later, so a key removed from a JWKS stops validating cached tokens
	// within the same window as an uncached one.
	JWTVerdictTTL = 5 * time.Minute
	// JWTChallenge, when set, is sent as WWW-Authenticate on failures with
	// status 401. Empty by default: the spec's project decision is that
	// APIM adds no such header (policies.md §2.18).
	JWTChallenge = ""
	// jwtClaimsMissingFormat is the LastError message of missing required
	// claims (pipeline.md §5.4).
	jwtClaimsMissingFormat = "JWT is missing the following claims: %s. Access denied."
	// jwtClaimValueFormat is the LastError message of a rejected claim value.
	jwtClaimValueFormat = "Claim %s value of %s is not allowed. Access denied."
)

// jwtAllMethods are the algorithms the validators know.
var jwtAllMethods = []string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}

// jwtClaimReq is one <required-claims>/<claim>.
type jwtClaimReq struct {
	name      string
	any       bool
	separator string
	values    []*Value
}

// jwtKeySrc is one configured key: decoded at load time, or an expression
// (Base64 text) decoded per request.
type jwtKeySrc struct {
	key    *verifyKey
	expr   *Value
	certID string // certificate-id: the public key of a certificate in the store
	id     string
}

// jwtValidator is the validation core shared by validate-jwt and
// validate-azure-ad-token.
type jwtValidator struct {
	source string // policy name for LastError and logs

	header, query, token *Value
	isAuthHeader         bool // header-name is a literal "Authorization"
	requireScheme        *Value
	httpCode             *Value
	errMessage           *Value
	requireExp           *Value
	requireSigned        *Value
	clockSkew            *Value
	outputVar            string

	oidc       []string // discovery URLs
	sources    oidcSources
	oidcFn     func(r *Run) (string, error)
	signKeys   []jwtKeySrc
	decKeys    []jwtKeySrc
	audiences  []*Value
	issuers    []*Value
	claims     []jwtClaimReq
	clientApps []*Value // validate-azure-ad-token

	// issuerCheck, when set, replaces the plain issuer comparison for the
	// metadata issuer (Entra's v1/v2 forms).
	issuerCheck func(iss, metaIssuer string, claim func(string) string) bool

	cache *jwtVerdictCache
}

// jwtLiteralAll reports whether every value is a literal.
func jwtLiteralAll(vs ...*Value) bool {
	for _, v := range vs {
		if v == nil || !v.Present {
			continue
		}
		if _, ok := v.Literal(); !ok {
			return false
		}
	}
	return true
}

func jwtChild(el *parser.Element, name string) *parser.Element {
	for _, c := range el.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func jwtChildren(el *parser.Element, name string) []*parser.Element {
	var out []*parser.Element
	if el == nil {
		return nil
	}
	for _, c := range el.Children {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

func jwtAttr(el *parser.Element, name string) (string, bool) {
	a := el.Attr(name)
	if a == nil || a.Value == nil {
		return "", false
	}
	return strings.TrimSpace(a.Value.Text), true
}

// jwtCompileKeys reads <issuer-signing-keys> or <decryption-keys>.
func jwtCompileKeys(el *parser.Element, c *Compiler, what string) []jwtKeySrc {
	var out []jwtKeySrc
	for _, k := range jwtChildren(el, "key") {
		id, _ := jwtAttr(k, "id")
		if cert, ok := jwtAttr(k, "certificate-id"); ok {
			if what == "decryption-keys" {
				c.Warnf(k.Pos, parser.CodeNotImplemented, "%s: certificate-id %q: decrypting with a certificate's private key is not supported yet; the key is ignored", what, cert)
				continue
			}
			// Looked up when a token is validated: the store is filled from
			// the configuration and may change on reload.
			out = append(out, jwtKeySrc{certID: cert, id: id})
			continue
		}
		n, hasN := jwtAttr(k, "n")
		e, hasE := jwtAttr(k, "e")
		if hasN || hasE {
			if !hasN || !hasE {
				c.Errorf(k.Pos, parser.CodeBadAttribute, "%s: an RSA key needs both n and e", what)
				continue
			}
			pub, err := rsaFromNE(n, e)
			if err != nil {
				c.Errorf(k.Pos, parser.CodeBadAttribute, "%s: %v", what, err)
				continue
			}
			out = append(out, jwtKeySrc{key: &verifyKey{ID: id, Kind: keyRSA, Key: pub}, id: id})
			continue
		}
		v := c.Text(k, KindString, false)
		if lit, ok := v.Literal(); ok {
			b, err := jwtSymKey(lit)
			if err != nil {
				c.Errorf(k.Pos, parser.CodeBadAttribute, "%s: key is not Base64: %v", what, err)
				continue
			}
			out = append(out, jwtKeySrc{key: &verifyKey{ID: id, Kind: keyHMAC, Key: b}, id: id})
			continue
		}
		if v.Present {
			out = append(out, jwtKeySrc{expr: v, id: id})
		}
	}
	return out
}

func jwtSymKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("empty key")
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return jwkB64(s)
}

func jwtList(el *parser.Element, c *Compiler, list, item string) []*Value {
	var out []*Value
	for _, it := range jwtChildren(jwtChild(el, list), item) {
		if v := c.Text(it, KindString, false); v.Present {
			out = append(out, v)
		}
	}
	return out
}

func jwtCompileClaims(el *parser.Element, c *Compiler) []jwtClaimReq {
	var out []jwtClaimReq
	for _, ce := range jwtChildren(jwtChild(el, "required-claims"), "claim") {
		name, _ := jwtAttr(ce, "name")
		match, _ := jwtAttr(ce, "match")
		sep := ""
		if a := ce.Attr("separator"); a != nil && a.Value != nil {
			sep = a.Value.Text
		}
		cr := jwtClaimReq{name: name, any: strings.EqualFold(match, "any"), separator: sep}
		for _, ve := range jwtChildren(ce, "value") {
			cr.values = append(cr.values, c.Text(ve, KindString, false))
		}
		out = append(out, cr)
	}
	return out
}

// jwtCompileCommon reads what both policies share.
func jwtCompileCommon(el *parser.Element, c *Compiler, source string) *jwtValidator {
	v := &jwtValidator{
		source:        source,
		header:        c.Attr(el, "header-name", KindString),
		query:         c.Attr(el, "query-parameter-name", KindString),
		token:         c.Attr(el, "token-value", KindString),
		requireScheme: c.Attr(el, "require-scheme", KindString),
		httpCode:      c.Attr(el, "failed-validation-httpcode", KindInt),
		errMessage:    c.Attr(el, "failed-validation-error-message", KindString),
		requireExp:    c.Attr(el, "require-expiration-time", KindBool),
		requireSigned: c.Attr(el, "require-signed-tokens", KindBool),
		clockSkew:     c.Attr(el, "clock-skew", KindInt),
	}
	if name, ok := jwtAttr(el, "output-token-variable-name"); ok {
		v.outputVar = name
	}
	if h, ok := v.header.Literal(); ok && v.header.Present {
		v.isAuthHeader = strings.EqualFold(strings.TrimSpace(h), "Authorization")
	}
	v.decKeys = jwtCompileKeys(jwtChild(el, "decryption-keys"), c, "decryption-keys")
	v.audiences = jwtList(el, c, "audiences", "audience")
	v.claims = jwtCompileClaims(el, c)
	return v
}

// finish enables the jwtVerdict cache when nothing that decides validity
// depends on the request.
func (v *jwtValidator) finish() {
	vals := []*Value{v.requireExp, v.requireSigned, v.clockSkew}
	vals = append(vals, v.audiences...)
	vals = append(vals, v.issuers...)
	vals = append(vals, v.clientApps...)
	for _, c := range v.claims {
		vals = append(vals, c.values...)
	}
	for _, k := range append(append([]jwtKeySrc(nil), v.signKeys...), v.decKeys...) {
		if k.expr != nil {
			return
		}
	}
	if v.oidcFn != nil || !jwtLiteralAll(vals...) || JWTVerdictCacheSize <= 0 {
		return
	}
	v.cache = newJWTVerdictCache(JWTVerdictCacheSize)
}

func compileValidateJWT(el *parser.Element, c *Compiler) (Step, error) {
	v := jwtCompileCommon(el, c, "validate-jwt")
	for _, oc := range jwtChildren(el, "openid-config") {
		if u, ok := jwtAttr(oc, "url"); ok && u != "" {
			v.oidc = append(v.oidc, u)
		}
	}
	v.signKeys = jwtCompileKeys(jwtChild(el, "issuer-signing-keys"), c, "issuer-signing-keys")
	v.issuers = jwtList(el, c, "issuers", "issuer")
	if !v.header.Present && !v.query.Present && !v.token.Present {
		return nil, errors.New("validate-jwt needs one of header-name, query-parameter-name or token-value")
	}
	v.finish()
	return &validateJWT{v: v}, nil
}

// Exec validates the token of the request.
func (p *validateJWT) Exec(r *Run) error { return p.v.exec(r) }

// ---- execution ----

func (v *jwtValidator) exec(r *Run) error {
	raw, err := v.extract(r)
	if err != nil {
		return err
	}
	if raw == "" {
		return v.failure(r, jwtFail(ErrJWTNotPresent, "%s", errJWTNotPresentMessage))
	}
	now := r.Now()
	var sum [32]byte
	if v.cache != nil && len(raw) <= MaxJWTSize {
		sum = jwtSum(raw)
		if ok, j := v.cache.get(sum, now); ok {
			if j == nil && v.needsModel(r) {
				if j = dotnet.ParseJWT(raw); j == nil {
					return v.failure(r, jwtFail(ErrJWTInvalid, "IDX12741: JWT: '%s' must have three segments (JWS) or five segments (JWE).", "[PII is hidden]"))
				}
			}
			return v.success(r, j, true)
		}
	}
	j, exp, err := v.validate(r, raw, now)
	if err != nil {
		var jf *jwtFailure
		if errors.As(err, &jf) {
			return v.failure(r, jf)
		}
		return err
	}
	if v.cache != nil {
		until := now.Add(JWTVerdictTTL)
		if !exp.IsZero() && exp.Before(until) {
			until = exp
		}
		var keep *dotnet.Jwt
		if v.outputVar != "" || strings.Count(raw, ".") == 4 {
			keep = j // what the policy outputs; or decrypted, too costly to redo
		}
		v.cache.put(sum, keep, until)
	}
	return v.success(r, j, false)
}

// extract returns the raw token ("" when absent).
func (v *jwtValidator) extract(r *Run) (string, error) {
	switch {
	case v.token.Present:
		s, err := v.token.String(r)
		return strings.TrimSpace(s), err
	case v.query.Present:
		name, err := v.query.String(r)
		if err != nil {
			return "", err
		}
		if r.Ctx.Request == nil || r.Ctx.Request.URL == nil || r.Ctx.Request.URL.Query == nil {
			return "", nil
		}
		q := r.Ctx.Request.URL.Query
		vals := q.Values[name]
		if vals == nil {
			for k, vs := range q.Values {
				if strings.EqualFold(k, name) {
					vals = vs
					break
				}
			}
		}
		if len(vals) == 0 {
			return "", nil
		}
		return strings.TrimSpace(vals[0]), nil
	}
	name := "Authorization"
	isAuth := true
	if v.header.Present {
		n, err := v.header.String(r)
		if err != nil {
			return "", err
		}
		name = strings.TrimSpace(n)
		isAuth = v.isAuthHeader || strings.EqualFold(name, "Authorization")
	}
	if r.Ctx.Request == nil || r.Ctx.Request.Headers == nil {
		return "", nil
	}
	vals, ok := r.Ctx.Request.Headers.Values(name)
	if !ok || len(vals) == 0 {
		return "", nil
	}
	val := strings.TrimSpace(vals[0])
	if !isAuth {
		return val, nil
	}
	scheme, rest, hasScheme := strings.Cut(val, " ")
	if v.requireScheme.Present {
		want, err := v.requireScheme.String(r)
		if err != nil {
			return "", err
		}
		if want = strings.TrimSpace(want); want != "" && (!hasScheme || !strings.EqualFold(scheme, want)) {
			return "", nil
		}
	}
	if hasScheme {
		return strings.TrimSpace(rest), nil
	}
	return val, nil
}

// validate checks raw; it returns the parsed token and its expiry (zero
// when it has none).
func (v *jwtValidator) validate(r *Run, raw string, now time.Time) (*dotnet.Jwt, time.Time, error) {
	if len(raw) > MaxJWTSize {
		return nil, time.Time{}, jwtFail(ErrJWTInvalid, "IDX10209: Token has length: '%d' which is larger than the MaximumTokenSizeInBytes: '%d'.", len(raw), MaxJWTSize)
	}
	requireSigned, err := v.requireSigned.Bool(r, true)
	if err != nil {
		return nil, time.Time{}, err
	}
	requireExp, err := v.requireExp.Bool(r, true)
	if err != nil {
		return nil, time.Time{}, err
	}
	skew, err := v.clockSkew.Int(r, 0)
	if err != nil {
		return nil, time.Time{}, err
	}

	// JWE: decrypt first; the plaintext is a nested JWS (or, unsigned, the
	// claims themselves).
	if strings.Count(raw, ".") == 4 {
		if err := jwtCheckCrit(raw); err != nil {
			return nil, time.Time{}, err
		}
		inner, err := v.decrypt(r, raw)
		if err != nil {
			return nil, time.Time{}, err
		}
		raw = inner
	}
	// The fast path decodes the token once, and reads crit, kid and alg
	// from that header.
	var fast *jwtDecoded
	if jwtFastPath {
		fast = jwtFastDecode(raw)
	}
	var kid, alg string
	if fast != nil {
		if fast.crit != nil {
			return nil, time.Time{}, fast.crit
		}
		kid, alg = fast.kid, fast.alg
	} else {
		if err := jwtCheckCrit(raw); err != nil {
			return nil, time.Time{}, err
		}
		kid, alg = jwtPeekHeader(raw)
	}

	// Signing keys: inline ones first, then those of the OpenID configs.
	keys, metaIssuers, oidcErr := v.keys(r, now, kid)
	if err := jwtContext(r).Err(); err != nil {
		return nil, time.Time{}, err
	}

	if d, err, ok := v.verifyFast(fast, raw, alg, kid, keys, oidcErr, requireSigned, requireExp, skew, now); ok {
		if err != nil {
			return nil, time.Time{}, err
		}
		if err := v.checkClaimSet(r, d.j.Audiences, d.j.Issuer, metaIssuers, d.claim, d.j); err != nil {
			return nil, time.Time{}, err
		}
		return d.j, d.exp, nil
	}

	methods := []string{}
	for _, m := range jwtAllMethods {
		for _, k := range keys {
			if k.fits(m) {
				methods = append(methods, m)
				break
			}
		}
	}
	if !requireSigned {
		methods = append(methods, "none")
	}
	claims := jwt.MapClaims{}
	_, perr := jwt.NewParser(jwtParserOptions(methods, requireExp, skew, now)...).ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		if t.Method.Alg() == "none" {
			return jwt.UnsafeAllowNoneSignatureType, nil
		}
		var set []jwt.VerificationKey
		for _, k := range keys {
			if k.fits(t.Method.Alg()) && (kid == "" || k.ID == "" || k.ID == kid) {
				set = append(set, k.Key)
			}
		}
		if len(set) == 0 {
			return nil, ErrJWTKeyNotFound
		}
		return jwt.VerificationKeySet{Keys: set}, nil
	})
	if perr != nil {
		return nil, time.Time{}, v.mapParseError(perr, raw, alg, kid, keys, oidcErr, requireSigned, now)
	}
	got, _ := claims.GetAudience()
	iss, _ := claims.GetIssuer()
	j := dotnet.ParseJWT(raw)
	if err := v.checkClaimSet(r, got, iss, metaIssuers, func(n string) string { return jwtClaimString(claims, n) }, j); err != nil {
		return nil, time.Time{}, err
	}
	var exp time.Time
	if e, _ := claims.GetExpirationTime(); e != nil {
		exp = e.Time
	}
	return j, exp, nil
}

// jwtParserOptions are the lifetime and algorithm rules of a validation.
func jwtParserOptions(methods []string, requireExp bool, skew int, now time.Time) []jwt.ParserOption {
	opts := []jwt.ParserOption{
		jwt.WithLeeway(time.Duration(skew) * time.Second),
		jwt.WithTimeFunc(func() time.Time { return now }),
	}
	if methods != nil {
		opts = append(opts, jwt.WithValidMethods(methods))
	}
	if requireExp {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	return opts
}

// checkClaimSet applies the checks that follow a verified signature and
// lifetime: audience, issuer, client application, required claims. claim
// returns a string claim ("" when absent or not a string).
func (v *jwtValidator) checkClaimSet(r *Run, got []string, iss string, metaIssuers []string, claim func(string) string, j *dotnet.Jwt) error {
	// Audience.
	if len(v.audiences) > 0 {
		allowed, err := jwtEvalAll(r, v.audiences)
		if err != nil {
			return err
		}
		if !jwtIntersects(got, allowed) {
			return jwtFail(ErrJWTAudience, "IDX10214: Audience validation failed. Audiences: '%s'. Did not match: validationParameters.ValidAudiences: '%s'. Access denied.", strings.Join(got, ", "), strings.Join(allowed, ", "))
		}
	}
	// Issuer.
	allowedIss, err := jwtEvalAll(r, v.issuers)
	if err != nil {
		return err
	}
	if len(allowedIss) > 0 || len(metaIssuers) > 0 {
		ok := contains(allowedIss, iss)
		for _, mi := range metaIssuers {
			if ok {
				break
			}
			if v.issuerCheck != nil {
				ok = v.issuerCheck(iss, mi, claim)
			} else {
				ok = iss == mi
			}
		}
		if !ok {
			return jwtFail(ErrJWTIssuer, "IDX10205: Issuer validation failed. Issuer: '%s'. Did not match: validationParameters.ValidIssuers: '%s'. Access denied.", iss, strings.Join(append(allowedIss, metaIssuers...), ", "))
		}
	}
	if j == nil {
		return jwtFail(ErrJWTInvalid, "IDX12741: JWT: '%s' must have three segments (JWS) or five segments (JWE).", "[PII is hidden]")
	}
	// Client application (validate-azure-ad-token).
	if len(v.clientApps) > 0 {
		allowed, err := jwtEvalAll(r, v.clientApps)
		if err != nil {
			return err
		}
		app := claim("azp")
		if app == "" {
			app = claim("appid")
		}
		if !contains(allowed, app) {
			return jwtFail(ErrJWTClientApp, "Client application %s is not allowed. Access denied.", app)
		}
	}
	// Required claims.
	return v.checkClaims(r, j)
}

func jwtClaimString(c jwt.MapClaims, name string) string {
	s, _ := c[name].(string)
	return s
}

// mapParseError turns a golang-jwt error into a failure with its reason.
func (v *jwtValidator) mapParseError(err error, raw, alg, kid string, keys []*verifyKey, oidcErr error, requireSigned bool, now time.Time) error {
	noKeys := func() error {
		if oidcErr != nil {
			return jwtFail(ErrJWTKeyNotFound, "IDX10500: Signature validation failed. No security keys were provided to validate the signature (openid configuration: %v). Access denied.", oidcErr)
		}
		return jwtFail(ErrJWTKeyNotFound, "IDX10500: Signature validation failed. No security keys were provided to validate the signature. Access denied.")
	}
	switch {
	case alg == "none" && requireSigned:
		return jwtFail(ErrJWTInvalid, "IDX10504: Unable to validate signature, token does not have a signature: '%s'.", "[PII is hidden]")
	case errors.Is(err, jwt.ErrTokenMalformed):
		return jwtFail(ErrJWTInvalid, "IDX14100: JWT is not well formed: %v.", err)
	case errors.Is(err, ErrJWTKeyNotFound), errors.Is(err, jwt.ErrTokenSignatureInvalid) && len(keys) == 0:
		if len(keys) == 0 {
			return noKeys()
		}
		if kid != "" {
			return jwtFail(ErrJWTKeyNotFound, "IDX10501: Signature validation failed. Unable to match key: kid: '%s'. Access denied.", kid)
		}
		return jwtFail(ErrJWTKeyNotFound, "IDX10503: Signature validation failed. No key fits algorithm '%s'. Access denied.", alg)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return jwtFail(ErrJWTSignatureInvalid, "IDX10511: Signature validation failed. Keys tried: '%d'. kid: '%s'. Algorithm: '%s'. Access denied.", len(keys), kid, alg)
	case errors.Is(err, jwt.ErrTokenExpired):
		return jwtFail(ErrJWTExpired, "IDX10223: Lifetime validation failed. The token is expired. ValidTo (UTC): '%s', Current time (UTC): '%s'. Access denied.", jwtExpOf(raw), now.UTC().Format(jwtTimeFormat))
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return jwtFail(ErrJWTInvalid, "IDX10225: Lifetime validation failed. The token is missing an Expiration Time. Tokentype: 'System.IdentityModel.Tokens.Jwt.JwtSecurityToken'.")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return jwtFail(ErrJWTInvalid, "IDX10222: Lifetime validation failed. The token is not yet valid. ValidFrom (UTC): '%s', Current time (UTC): '%s'.", jwtNbfOf(raw), now.UTC().Format(jwtTimeFormat))
	}
	return jwtFail(ErrJWTInvalid, "IDX10511: Unable to validate the token: %v.", err)
}

// jwtTimeFormat renders instants as .NET's invariant DateTime.ToString().
const jwtTimeFormat = "1/2/2006 3:04:05 PM"

func jwtExpOf(raw string) string {
	return jwtClaimTime(raw, func(j *dotnet.Jwt) *dotnet.DateTime { return j.ExpirationTime })
}
func jwtNbfOf(raw string) string {
	return jwtClaimTime(raw, func(j *dotnet.Jwt) *dotnet.DateTime { return j.NotBefore })
}

func jwtClaimTime(raw string, get func(*dotnet.Jwt) *dotnet.DateTime) string {
	if j := dotnet.ParseJWT(raw); j != nil {
		if t := get(j); t != nil {
			return t.T.UTC().Format(jwtTimeFormat)
		}
	}
	return ""
}

// jwtPeekHeader reads kid and alg of a compact JWS without verifying it. jku,
// x5u and jwk are never read.
func jwtPeekHeader(raw string) (kid, alg string) {
	head, _, ok := strings.Cut(raw, ".")
	if !ok {
		return "", ""
	}
	b, err := jwkB64(head)
	if err != nil {
		return "", ""
	}
	var h struct {
		Kid any `json:"kid"`
		Alg any `json:"alg"`
	}
	if json.Unmarshal(b, &h) != nil {
		return "", ""
	}
	kid, _ = h.Kid.(string)
	alg, _ = h.Alg.(string)
	return kid, alg
}

// keys gathers the verification keys: inline keys, then every OpenID
// config's (fetched as needed); it also returns the metadata issuers.
func (v *jwtValidator) keys(r *Run, now time.Time, kid string) ([]*verifyKey, []string, error) {
	var keys []*verifyKey
	for _, k := range v.signKeys {
		if k.key != nil {
			keys = append(keys, k.key)
			continue
		}
		if k.certID != "" {
			if vk := certificateKey(certStoreOf(r), k.certID, k.id); vk != nil {
				keys = append(keys, vk)
			}
			continue
		}
		s, err := k.expr.String(r)
		if err != nil {
			continue
		}
		if b, err := jwtSymKey(s); err == nil {
			keys = append(keys, &verifyKey{ID: k.id, Kind: keyHMAC, Key: b})
		}
	}
	urls := v.oidc
	if v.oidcFn != nil {
		u, err := v.oidcFn(r)
		if err != nil {
			return keys, nil, err
		}
		urls = []string{u}
	}
	var issuers []string
	var lastErr error
	for _, u := range urls {
		iss, ks, err := v.sources.get(u).Get(jwtContext(r), oidcClient(r), now, kid)
		if err != nil {
			lastErr = err
			v.log(r, slog.LevelWarn, "openid configuration unavailable", slog.String("url", u), slog.String("error", err.Error()))
			continue
		}
		if iss != "" {
			issuers = append(issuers, iss)
		}
		if keys == nil {
			keys = ks[:len(ks):len(ks)] // shared, read only: a later append copies
		} else {
			keys = append(keys, ks...)
		}
	}
	return keys, issuers, lastErr
}

// jwtContext is the request's context (Background when the run has none).
func jwtContext(r *Run) context.Context {
	if r.Context != nil {
		return r.Context
	}
	return context.Background()
}

// oidcClient returns the HTTP client for metadata fetches: Env.Client when
// set (tests trust their TLS servers through it), else a client with
// timeouts.
func oidcClient(r *Run) *http.Client {
	if r.Env != nil && r.Env.Client != nil {
		return r.Env.Client
	}
	return defaultOIDCClient
}

// decrypt opens a compact JWE with the decryption keys.
func (v *jwtValidator) decrypt(r *Run, raw string) (string, error) {
	var keys [][]byte
	for _, k := range v.decKeys {
		if k.key != nil {
			if b, ok := k.key.Key.([]byte); ok {
				keys = append(keys, b)
			}
			continue
		}
		if s, err := k.expr.String(r); err == nil {
			if b, err := jwtSymKey(s); err == nil {
				keys = append(keys, b)
			}
		}
	}
	if len(keys) == 0 {
		return "", jwtFail(ErrJWTInvalid, "IDX10609: Decryption failed. No Keys tried: token: '%s'.", "[PII is hidden]")
	}
	obj, err := jose.ParseEncryptedCompact(raw,
		[]jose.KeyAlgorithm{jose.DIRECT, jose.A128KW, jose.A192KW, jose.A256KW, jose.A128GCMKW, jose.A192GCMKW, jose.A256GCMKW},
		[]jose.ContentEncryption{jose.A128CBC_HS256, jose.A192CBC_HS384, jose.A256CBC_HS512, jose.A128GCM, jose.A192GCM, jose.A256GCM})
	if err != nil {
		return "", jwtFail(ErrJWTInvalid, "IDX10612: Decryption failed. %v.", err)
	}
	for _, k := range keys {
		if pt, err := obj.Decrypt(k); err == nil {
			return strings.TrimSpace(string(pt)), nil
		}
	}
	return "", jwtFail(ErrJWTInvalid, "IDX10603: Decryption failed. Keys tried: '%d'.", len(keys))
}

// checkClaims enforces <required-claims>.
func (v *jwtValidator) checkClaims(r *Run, j *dotnet.Jwt) error {
	var missing []string
	for _, c := range v.claims {
		vals, ok := j.ClaimValues(c.name)
		if !ok || len(vals) == 0 {
			missing = append(missing, c.name)
			continue
		}
		if len(c.values) == 0 {
			continue
		}
		if c.separator != "" {
			var split []string
			for _, s := range vals {
				for _, p := range strings.Split(s, c.separator) {
					if p = strings.TrimSpace(p); p != "" {
						split = append(split, p)
					}
				}
			}
			vals = split
		}
		want, err := jwtEvalAll(r, c.values)
		if err != nil {
			return err
		}
		okv := !c.any
		for _, w := range want {
			has := contains(vals, w)
			if c.any && has {
				okv = true
				break
			}
			if !c.any && !has {
				okv = false
				break
			}
		}
		if !okv {
			return jwtFail(ErrJWTClaimValue, jwtClaimValueFormat, c.name, strings.Join(vals, ","))
		}
	}
	if len(missing) > 0 {
		return jwtFail(ErrJWTClaimNotFound, jwtClaimsMissingFormat, strings.Join(missing, ", "))
	}
	return nil
}

func jwtEvalAll(r *Run, vs []*Value) ([]string, error) {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		s, err := v.String(r)
		if err != nil {
			return nil, err
		}
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

func jwtIntersects(a, b []string) bool {
	for _, x := range a {
		if contains(b, x) {
			return true
		}
	}
	return false
}

// needsModel reports whether success needs the decoded token: for the
// output variable or a debug log.
func (v *jwtValidator) needsModel(r *Run) bool {
	return v.outputVar != "" && r.Ctx.Variables != nil || v.debugEnabled(r)
}

func (v *jwtValidator) debugEnabled(r *Run) bool {
	return r.Env != nil && r.Env.Logger != nil && r.Env.Logger.Enabled(r, slog.LevelDebug)
}

// success stores the token variable and logs; j may be nil when
// needsModel is false.
func (v *jwtValidator) success(r *Run, j *dotnet.Jwt, cached bool) error {
	if v.outputVar != "" && r.Ctx.Variables != nil {
		r.Ctx.Variables.Set(v.outputVar, j)
	}
	if v.debugEnabled(r) {
		v.log(r, slog.LevelDebug, "token validated", slog.String("subject", j.Subject), slog.String("client", jwtClientApp(j)), slog.Bool("cached", cached))
	}
	return nil
}

func jwtClientApp(j *dotnet.Jwt) string {
	for _, n := range []string{"azp", "appid", "client_id"} {
		if vs, _ := j.ClaimValues(n); len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// failure builds the policy error: status failed-validation-httpcode, body
// message failed-validation-error-message (or the default), LastError
// message the detailed one.
func (v *jwtValidator) failure(r *Run, f *jwtFailure) error {
	code, err := v.httpCode.Int(r, http.StatusUnauthorized)
	if err != nil {
		return err
	}
	body := errJWTInvalidBodyMessage
	if errors.Is(f, ErrJWTNotPresent) {
		body = errJWTNotPresentMessage
	}
	if v.errMessage.Present {
		m, err := v.errMessage.String(r)
		if err != nil {
			return err
		}
		body = m
	}
	pe := &Error{Source: v.source, Reason: jwtReason(f), Message: f.msg, Status: code, Body: body, Err: f}
	if JWTChallenge != "" && code == http.StatusUnauthorized {
		pe.Header = http.Header{"Www-Authenticate": {JWTChallenge}}
	}
	v.log(r, slog.LevelInfo, "token rejected", slog.String("reason", pe.Reason), slog.String("message", f.msg))
	return pe
}

// log records an authentication event; never the token or a key.
func (v *jwtValidator) log(r *Run, level slog.Level, msg string, attrs ...slog.Attr) {
	if r.Env == nil || r.Env.Logger == nil {
		return
	}
	attrs = append(attrs, slog.String("policy", v.source))
	r.Env.Logger.LogAttrs(r, level, msg, attrs...)
}

// ---- jwtVerdict cache ----

// jwtVerdict is one validated token: its SHA-256, until when the verdict
// holds and, only when the policy outputs it (output-token-variable-name)
// or the token was encrypted, the decoded model; otherwise an entry is a
// few dozen bytes whatever the token's size (a debug log decodes the token
// again).
type jwtVerdict struct {
	key        [32]byte
	until      int64 // Unix nanoseconds
	jwt        *dotnet.Jwt
	prev, next int32 // LRU links (indexes into entries; -1: none)
}

// jwtVerdictCache is a bounded LRU of validated tokens keyed by SHA-256,
// kept in one slice so an entry costs no allocation of its own.
type jwtVerdictCache struct {
	mu         sync.Mutex
	max        int
	m          map[[32]byte]int32
	entries    []jwtVerdict
	head, tail int32
}

func newJWTVerdictCache(max int) *jwtVerdictCache {
	return &jwtVerdictCache{max: max, m: make(map[[32]byte]int32), head: -1, tail: -1}
}

func (c *jwtVerdictCache) unlink(i int32) {
	e := &c.entries[i]
	if e.prev >= 0 {
		c.entries[e.prev].next = e.next
	} else {
		c.head = e.next
	}
	if e.next >= 0 {
		c.entries[e.next].prev = e.prev
	} else {
		c.tail = e.prev
	}
}

func (c *jwtVerdictCache) pushFront(i int32) {
	e := &c.entries[i]
	e.prev, e.next = -1, c.head
	if c.head >= 0 {
		c.entries[c.head].prev = i
	}
	c.head = i
	if c.tail < 0 {
		c.tail = i
	}
}

// get reports whether k holds a verdict at now, and the stored model (nil
// for a signed token).
func (c *jwtVerdictCache) get(k [32]byte, now time.Time) (bool, *dotnet.Jwt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i, ok := c.m[k]
	if !ok {
		return false, nil
	}
	if now.UnixNano() >= c.entries[i].until {
		return false, nil // replaced by the next put or evicted
	}
	c.unlink(i)
	c.pushFront(i)
	return true, c.entries[i].jwt
}

func (c *jwtVerdictCache) put(k [32]byte, j *dotnet.Jwt, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i, ok := c.m[k]
	switch {
	case ok:
		c.unlink(i)
	case len(c.entries) < c.max:
		i = int32(len(c.entries))
		c.entries = append(c.entries, jwtVerdict{})
	default: // reuse the least recently used entry
		i = c.tail
		c.unlink(i)
		delete(c.m, c.entries[i].key)
	}
	c.entries[i] = jwtVerdict{key: k, until: until.UnixNano(), jwt: j}
	c.m[k] = i
	c.pushFront(i)
}

func (c *jwtVerdictCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// certificateKey is the verification key of a certificate in the store
// (nil when the store has no such certificate, or its key is neither RSA nor EC).
func certificateKey(store CertificateStore, certID, kid string) *verifyKey {
	if store == nil {
		return nil
	}
	c, ok := store.ByID(certID)
	if !ok || c == nil || len(c.Certificate) == 0 {
		return nil
	}
	leaf := c.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
			return nil
		}
	}
	switch pub := leaf.PublicKey.(type) {
	case *rsa.PublicKey:
		return &verifyKey{ID: kid, Kind: keyRSA, Key: pub}
	case *ecdsa.PublicKey:
		return &verifyKey{ID: kid, Kind: keyEC, Key: pub}
	}
	return nil
}
