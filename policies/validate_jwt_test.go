package policies

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/parser"
)

// ---- test identity provider ----

// testIdP is an OpenID provider on loopback: discovery at
// /.well-known/openid-configuration, JWKS at /keys. Keys can be rotated and
// the server made to fail while a test runs.
type testIdP struct {
	srv       *httptest.Server
	mu        sync.Mutex
	keys      map[string]any // kid -> *rsa.PrivateKey / *ecdsa.PrivateKey (public half served)
	order     []string
	failing   bool
	delay     time.Duration
	discovery atomic.Int32 // discovery hits
	jwks      atomic.Int32 // JWKS hits
	// issuer overrides the announced issuer (default: the server URL).
	issuer string
	// prefix is the path before /.well-known (Entra: /{tenant}/v2.0).
	prefix string
}

func newTestIdP(t testing.TB, tls bool, prefix string) *testIdP {
	p := &testIdP{keys: map[string]any{}, prefix: prefix}
	mux := http.NewServeMux()
	mux.HandleFunc(prefix+"/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		p.discovery.Add(1)
		p.mu.Lock()
		failing, delay, iss := p.failing, p.delay, p.issuer
		p.mu.Unlock()
		time.Sleep(delay)
		if failing {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if iss == "" {
			iss = p.srv.URL
		}
		json.NewEncoder(w).Encode(map[string]string{"issuer": iss, "jwks_uri": p.srv.URL + prefix + "/keys"})
	})
	mux.HandleFunc(prefix+"/keys", func(w http.ResponseWriter, r *http.Request) {
		p.jwks.Add(1)
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.failing {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var keys []map[string]string
		for _, kid := range p.order {
			keys = append(keys, jwkOf(kid, p.keys[kid]))
		}
		// An encryption key and a symmetric key must both be ignored.
		keys = append(keys, map[string]string{"kty": "oct", "kid": "sym", "k": "c2VjcmV0"})
		json.NewEncoder(w).Encode(map[string]any{"keys": keys})
	})
	if tls {
		p.srv = httptest.NewTLSServer(mux)
	} else {
		p.srv = httptest.NewServer(mux)
	}
	t.Cleanup(p.srv.Close)
	return p
}

func (p *testIdP) url() string { return p.srv.URL + p.prefix + "/.well-known/openid-configuration" }

func (p *testIdP) setKeys(kids ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.order = kids
	for _, k := range kids {
		if p.keys[k] == nil {
			if strings.HasPrefix(k, "ec") {
				p.keys[k] = testECKey
			} else {
				p.keys[k] = newRSAKey()
			}
		}
	}
}

func (p *testIdP) key(kid string) any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keys[kid]
}

func (p *testIdP) setFailing(f bool) {
	p.mu.Lock()
	p.failing = f
	p.mu.Unlock()
}

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func jwkOf(kid string, k any) map[string]string {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return map[string]string{"kty": "RSA", "use": "sig", "kid": kid, "n": b64u(k.N.Bytes()), "e": b64u(big.NewInt(int64(k.E)).Bytes())}
	case *ecdsa.PrivateKey:
		return map[string]string{"kty": "EC", "kid": kid, "crv": "P-256", "x": b64u(k.X.FillBytes(make([]byte, 32))), "y": b64u(k.Y.FillBytes(make([]byte, 32)))}
	}
	panic("key type")
}

var (
	rsaPoolMu sync.Mutex
	rsaPool   []*rsa.PrivateKey
	testECKey = func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	}()
)

// newRSAKey returns a fresh 2048-bit key (generated lazily, a few per run).
func newRSAKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	rsaPoolMu.Lock()
	rsaPool = append(rsaPool, k)
	rsaPoolMu.Unlock()
	return k
}

// ---- tokens ----

var testNow = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

var jtiSeq atomic.Int64

func sign(t testing.TB, m jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// claims returns a fresh claim set valid at testNow (unique jti, so the
// verdict cache never answers for another test's token).
func claims(iss string, extra ...any) jwt.MapClaims {
	c := jwt.MapClaims{
		"iss": iss, "aud": "api://orders", "sub": "alice",
		"exp": testNow.Add(time.Hour).Unix(), "iat": testNow.Unix(),
		"jti": fmt.Sprint(jtiSeq.Add(1)),
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == nil {
			delete(c, extra[i].(string))
			continue
		}
		c[extra[i].(string)] = extra[i+1]
	}
	return c
}

// ---- policy harness ----

// compileStep parses one policy statement and compiles it through its
// registered factory, failing on any schema or compile error.
func compileStep(t testing.TB, xml string) (Step, parser.Errors) {
	t.Helper()
	doc, errs := parser.Parse("t.xml", []byte(xml))
	if errs.HasErrors() {
		t.Fatalf("parse: %v", errs)
	}
	if verrs := Validate(doc, ValidateOptions{}); verrs.HasErrors() {
		t.Fatalf("validate: %v", verrs)
	}
	el := doc.Root.Children[0]
	c := &Compiler{}
	step, err := FactoryFor(el.Name)(el, c)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	if c.Errs.HasErrors() {
		t.Fatalf("compile: %v", c.Errs)
	}
	return step, c.Errs
}

type runOpt func(*Run)

func withHeader(k, v string) runOpt {
	return func(r *Run) { r.Ctx.Request.Headers.H.Set(k, v) }
}

func withQuery(raw string) runOpt {
	return func(r *Run) { r.Ctx.Request.URL.Query = expressions.ParseQuery(raw) }
}

func bearer(tok string) runOpt { return withHeader("Authorization", "Bearer "+tok) }

func newJWTRun(client *http.Client, now *time.Time, opts ...runOpt) *Run {
	r := &Run{
		Context: context.Background(),
		Ctx: &expressions.Context{
			Request: &expressions.Request{
				Method:  "GET",
				Headers: expressions.NewHeaders(nil),
				URL:     &expressions.URL{Scheme: "https", Host: "gw", Path: "/", Query: expressions.ParseQuery("")},
			},
			Variables: expressions.NewVariables(),
		},
		Env: &Env{Client: client, Now: func() time.Time { return *now }},
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

// policyErr asserts err is a policy error and returns it.
func policyErr(t *testing.T, err error) *Error {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("want a policy error, got %v", err)
	}
	return pe
}

// ---- tests ----

// jwtCase is one token validation run on a request built with opts: reason
// "" is success, otherwise the policy error the step must raise.
type jwtCase struct {
	name, policy string
	opts         []runOpt
	reason       string
	status       int
	body         string
	message      string // exact LastError message, or a prefix ending in "*"
}

// runJWTCases runs each case through the policy named source.
func runJWTCases(t *testing.T, source string, client *http.Client, tests []jwtCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			step, _ := compileStep(t, tc.policy)
			now := testNow
			r := newJWTRun(client, &now, tc.opts...)
			err := step.Exec(r)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			pe := policyErr(t, err)
			if pe.Reason != tc.reason || pe.Source != source {
				t.Fatalf("reason: want %s/%s, got %s/%s (%s)", source, tc.reason, pe.Source, pe.Reason, pe.Message)
			}
			if pe.Status != tc.status {
				t.Errorf("status: want %d, got %d", tc.status, pe.Status)
			}
			if tc.body != "" && pe.Body != tc.body {
				t.Errorf("body: want %q, got %q", tc.body, pe.Body)
			}
			if pe.Body == "" {
				t.Errorf("body message is empty")
			}
			if tc.message != "" {
				if p, ok := strings.CutSuffix(tc.message, "*"); ok {
					if !strings.HasPrefix(pe.Message, p) {
						t.Errorf("message: want prefix %q, got %q", p, pe.Message)
					}
				} else if pe.Message != tc.message {
					t.Errorf("message:\nwant %q\n got %q", tc.message, pe.Message)
				}
			}
			if pe.Header != nil {
				t.Errorf("unexpected headers %v (spec: no WWW-Authenticate)", pe.Header)
			}
			if _, ok := r.Ctx.Variables.Get("jwt"); ok {
				t.Errorf("output variable set on failure")
			}
		})
	}
}

func TestValidateJWTCases(t *testing.T) {
	idp := newTestIdP(t, false, "")
	idp.setKeys("k1", "ec1")
	rsaKey := idp.key("k1").(*rsa.PrivateKey)
	iss := idp.srv.URL
	hmacKey := []byte("0123456789abcdef0123456789abcdef")
	hmacB64 := base64.StdEncoding.EncodeToString(hmacKey)
	inlineRSA := newRSAKey()
	pubDER, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})

	oidcPolicy := `<validate-jwt header-name="Authorization" require-scheme="Bearer" output-token-variable-name="jwt">
  <openid-config url="` + idp.url() + `" />
  <audiences><audience>api://orders</audience></audiences>
  <issuers><issuer>https://other.example/</issuer></issuers>
</validate-jwt>`
	hmacPolicy := `<validate-jwt header-name="Authorization">
  <issuer-signing-keys><key>` + hmacB64 + `</key></issuer-signing-keys>
</validate-jwt>`

	good := func() string { return sign(t, jwt.SigningMethodRS256, rsaKey, "k1", claims(iss)) }
	// tamper replaces the payload of a signed token with other claims.
	tamper := func(tok string, c jwt.MapClaims) string {
		parts := strings.Split(tok, ".")
		b, _ := json.Marshal(c)
		parts[1] = b64u(b)
		return strings.Join(parts, ".")
	}
	none := func(c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	tests := []jwtCase{
		{name: "valid RS256 via openid-config", policy: oidcPolicy, opts: []runOpt{bearer(good())}},
		{name: "valid ES256 via openid-config", policy: oidcPolicy, opts: []runOpt{bearer(sign(t, jwt.SigningMethodES256, testECKey, "ec1", claims(iss)))}},
		{name: "valid PS256 without kid tries every key", policy: oidcPolicy, opts: []runOpt{bearer(sign(t, jwt.SigningMethodPS256, rsaKey, "", claims(iss)))}},
		{name: "listed issuer accepted besides the metadata one", policy: oidcPolicy, opts: []runOpt{bearer(sign(t, jwt.SigningMethodRS256, rsaKey, "k1", claims("https://other.example/")))}},
		{name: "missing header", policy: oidcPolicy, reason: ReasonTokenNotPresent, status: 401, body: "JWT not present.", message: "JWT not present."},
		{name: "empty header", policy: oidcPolicy, opts: []runOpt{withHeader("Authorization", "  ")}, reason: ReasonTokenNotPresent, status: 401, body: "JWT not present.", message: "JWT not present."},
		{name: "wrong scheme", policy: oidcPolicy, opts: []runOpt{withHeader("Authorization", "Basic "+good())}, reason: ReasonTokenNotPresent, status: 401, body: "JWT not present."},
		{name: "scheme is case-insensitive", policy: oidcPolicy, opts: []runOpt{withHeader("Authorization", "bearer "+good())}},
		{name: "expired", policy: oidcPolicy, opts: []runOpt{bearer(sign(t, jwt.SigningMethodRS256, rsaKey, "k1", claims(iss, "exp", testNow.Add(-5*time.Minute).Unix())))},
			reason: ReasonTokenExpired, status: 401, body: "Invalid JWT.", message: "IDX10223: Lifetime validation failed. The token is expired. ValidTo (UTC): '1/15/2026 9:55:00 AM', Current time (UTC): '1/15/2026 10:00:00 AM'. Access denied."},
		{name: "not yet valid", policy: oidcPolicy, opts: []runOpt{bearer(sign(t, jwt.SigningMethodRS256, rsaKey, "k1", claims(iss, "nbf", testNow.Add(5*time.Minute).Unix())))},
			reason: ReasonJwtInvalid, status: 401, body: "Invalid JWT.", message: "IDX10222: Lifetime validation failed. The token is not yet valid.*"},
		{name: "wrong audience", policy: oidcPolicy, opts: []runOpt{bearer(sign(t, jwt.SigningMethodRS256, rsaKey, "k1", claims(iss, "aud", []string{"api://billing", "x"})))},
			reason: ReasonTokenAudienceNotAllowed, status: 401, message: "IDX10214: Audience validation failed. Audiences: 'api://billing, x'. Did not match: validationParameters.ValidAudiences: 'api://orders'. Access denied."},
		{name: "wrong issuer", policy: oidcPolicy, opts: []runOpt{bearer(sign(t, jwt.SigningMethodRS256, rsaKey, "k1", claims("https://evil.example/")))},
			reason: ReasonTokenIssuerNotAllowed, status: 401, message: "IDX10205: Issuer validation failed. Issuer: 'https://evil.example/'. Did not match: validationParameters.ValidIssuers: 'https://other.example/, " + iss + "'. Access denied."},
		{name: "tampered payload", policy: oidcPolicy, opts: []runOpt{bearer(tamper(good(), claims(iss, "sub", "admin")))},
			reason: ReasonTokenSignatureInvalid, status: 401, message: "IDX10511: Signature validation failed.*"},
		{name: "signed by an unknown key with a known kid", policy: oidcPolicy, opts: []runOpt{bearer(sign(t, jwt.SigningMethodRS256, inlineRSA, "k1", claims(iss)))},
			reason: ReasonTokenSignatureInvalid, status: 401},
		{name: "unknown kid", policy: oidcPolicy, opts: []runOpt{bearer(sign(t, jwt.SigningMethodRS256, rsaKey, "nope", claims(iss)))},
			reason: ReasonTokenSignatureKeyNotFound, status: 401, message: "IDX10501: Signature validation failed. Unable to match key: kid: 'nope'. Access denied."},
		{name: "alg none rejected", policy: oidcPolicy, opts: []runOpt{bearer(none(claims(iss)))},
			reason: ReasonJwtInvalid, status: 401, body: "Invalid JWT.", message: "IDX10504: Unable to validate signature, token does not have a signature: '[PII is hidden]'."},
		{name: "alg none accepted when unsigned tokens are allowed", policy: `<validate-jwt header-name="Authorization" require-signed-tokens="false"/>`, opts: []runOpt{bearer(none(claims(iss)))}},
		{name: "signed token still verified when unsigned tokens are allowed", policy: `<validate-jwt header-name="Authorization" require-signed-tokens="false"><issuer-signing-keys><key>` + hmacB64 + `</key></issuer-signing-keys></validate-jwt>`,
			opts: []runOpt{bearer(sign(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-00"), "", claims(iss)))}, reason: ReasonTokenSignatureInvalid, status: 401},
		{name: "HS256 with the RSA public key as HMAC secret (PEM)", policy: oidcPolicy, opts: []runOpt{bearer(sign(t, jwt.SigningMethodHS256, pubPEM, "k1", claims(iss)))},
			reason: ReasonTokenSignatureInvalid, status: 401},
		{name: "HS256 with the RSA modulus as HMAC secret, n/e key configured", policy: `<validate-jwt header-name="Authorization"><issuer-signing-keys><key n="` + b64u(rsaKey.N.Bytes()) + `" e="AQAB"/></issuer-signing-keys></validate-jwt>`,
			opts: []runOpt{bearer(sign(t, jwt.SigningMethodHS256, rsaKey.N.Bytes(), "", claims(iss)))}, reason: ReasonTokenSignatureInvalid, status: 401},
		{name: "RS256 token against an HMAC-only policy", policy: hmacPolicy, opts: []runOpt{bearer(good())}, reason: ReasonTokenSignatureInvalid, status: 401},
		{name: "oversize token", policy: oidcPolicy, opts: []runOpt{bearer(sign(t, jwt.SigningMethodRS256, rsaKey, "k1", claims(iss, "pad", strings.Repeat("x", 17<<10))))},
			reason: ReasonJwtInvalid, status: 401, message: "IDX10209: Token has length:*"},
		{name: "malformed", policy: oidcPolicy, opts: []runOpt{bearer("abc.def")}, reason: ReasonJwtInvalid, status: 401, body: "Invalid JWT."},
		{name: "garbage segments", policy: oidcPolicy, opts: []runOpt{bearer("!!.??.**")}, reason: ReasonJwtInvalid, status: 401},
		{name: "jku header is ignored", policy: oidcPolicy, opts: []runOpt{bearer(func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims(iss))
			tok.Header["kid"] = "attacker"
			tok.Header["jku"] = "http://127.0.0.1:1/keys"
			tok.Header["jwk"] = jwkOf("attacker", inlineRSA)
			s, _ := tok.SignedString(inlineRSA)
			return s
		}())}, reason: ReasonTokenSignatureKeyNotFound, status: 401},

		// Attributes.
		{name: "HS256 inline Base64 key", policy: hmacPolicy, opts: []runOpt{bearer(sign(t, jwt.SigningMethodHS256, hmacKey, "", claims(iss)))}},
		{name: "HS512 inline key wrong secret", policy: hmacPolicy, opts: []runOpt{bearer(sign(t, jwt.SigningMethodHS512, []byte("wrong-wrong-wrong-wrong-wrong-wr"), "", claims(iss)))}, reason: ReasonTokenSignatureInvalid, status: 401},
		{name: "inline key id must match kid", policy: `<validate-jwt header-name="Authorization"><issuer-signing-keys><key id="a">` + hmacB64 + `</key></issuer-signing-keys></validate-jwt>`,
			opts: []runOpt{bearer(sign(t, jwt.SigningMethodHS256, hmacKey, "b", claims(iss)))}, reason: ReasonTokenSignatureKeyNotFound, status: 401},
		{name: "key rollover: second inline key validates", policy: `<validate-jwt header-name="Authorization"><issuer-signing-keys><key>` + base64.StdEncoding.EncodeToString([]byte("old-key-old-key-old-key-old-key!")) + `</key><key>` + hmacB64 + `</key></issuer-signing-keys></validate-jwt>`,
			opts: []runOpt{bearer(sign(t, jwt.SigningMethodHS256, hmacKey, "", claims(iss)))}},
		{name: "RSA n/e inline key", policy: `<validate-jwt header-name="Authorization"><issuer-signing-keys><key n="` + b64u(inlineRSA.N.Bytes()) + `" e="AQAB"/></issuer-signing-keys></validate-jwt>`,
			opts: []runOpt{bearer(sign(t, jwt.SigningMethodRS512, inlineRSA, "", claims(iss)))}},
		{name: "expression key", policy: `<validate-jwt header-name="Authorization"><issuer-signing-keys><key>@("` + hmacB64 + `")</key></issuer-signing-keys></validate-jwt>`,
			opts: []runOpt{bearer(sign(t, jwt.SigningMethodHS256, hmacKey, "", claims(iss)))}},
		{name: "no keys at all", policy: `<validate-jwt header-name="Authorization"/>`, opts: []runOpt{bearer(good())}, reason: ReasonTokenSignatureKeyNotFound, status: 401},
		{name: "query parameter", policy: `<validate-jwt query-parameter-name="access_token"><issuer-signing-keys><key>` + hmacB64 + `</key></issuer-signing-keys></validate-jwt>`,
			opts: []runOpt{withQuery("access_token=" + sign(t, jwt.SigningMethodHS256, hmacKey, "", claims(iss)))}},
		{name: "query parameter missing", policy: `<validate-jwt query-parameter-name="access_token"><issuer-signing-keys><key>` + hmacB64 + `</key></issuer-signing-keys></validate-jwt>`,
			reason: ReasonTokenNotPresent, status: 401, body: "JWT not present."},
		{name: "token-value expression", policy: `<validate-jwt token-value="@(context.Request.Headers.GetValueOrDefault(&quot;x-token&quot;, &quot;&quot;))"><issuer-signing-keys><key>` + hmacB64 + `</key></issuer-signing-keys></validate-jwt>`,
			opts: []runOpt{withHeader("x-token", sign(t, jwt.SigningMethodHS256, hmacKey, "", claims(iss)))}},
		{name: "custom header keeps the whole value", policy: `<validate-jwt header-name="x-jwt"><issuer-signing-keys><key>` + hmacB64 + `</key></issuer-signing-keys></validate-jwt>`,
			opts: []runOpt{withHeader("x-jwt", sign(t, jwt.SigningMethodHS256, hmacKey, "", claims(iss)))}},
		{name: "require-scheme ignored for other headers", policy: `<validate-jwt header-name="x-jwt" require-scheme="Bearer"><issuer-signing-keys><key>` + hmacB64 + `</key></issuer-signing-keys></validate-jwt>`,
			opts: []runOpt{withHeader("x-jwt", sign(t, jwt.SigningMethodHS256, hmacKey, "", claims(iss)))}},
		{name: "failed-validation-httpcode and message", policy: `<validate-jwt header-name="Authorization" failed-validation-httpcode="403" failed-validation-error-message="Unauthorized. Access token is missing or invalid."><issuer-signing-keys><key>` + hmacB64 + `</key></issuer-signing-keys></validate-jwt>`,
			opts: []runOpt{bearer(sign(t, jwt.SigningMethodHS256, hmacKey, "", claims(iss, "exp", testNow.Add(-time.Minute).Unix())))}, reason: ReasonTokenExpired, status: 403, body: "Unauthorized. Access token is missing or invalid."},
		{name: "failed-validation-error-message applies to a missing token", policy: `<validate-jwt header-name="Authorization" failed-validation-error-message="@(&quot;no &quot; + &quot;token&quot;)"/>`,
			reason: ReasonTokenNotPresent, status: 401, body: "no token", message: "JWT not present."},
		{name: "clock-skew tolerates a recent expiry", policy: `<validate-jwt header-name="Authorization" clock-skew="120"><issuer-signing-keys><key>` + hmacB64 + `</key></issuer-signing-keys></validate-jwt>`,
			opts: []runOpt{bearer(sign(t, jwt.SigningMethodHS256, hmacKey, "", claims(iss, "exp", testNow.Add(-time.Minute).Unix())))}},
		{name: "clock-skew is bounded", policy: `<validate-jwt header-name="Authorization" clock-skew="30"><issuer-signing-keys><key>` + hmacB64 + `</key></issuer-signing-keys></validate-jwt>`,
			opts: []runOpt{bearer(sign(t, jwt.SigningMethodHS256, hmacKey, "", claims(iss, "exp", testNow.Add(-time.Minute).Unix())))}, reason: ReasonTokenExpired, status: 401},
		{name: "exp required by default", policy: hmacPolicy, opts: []runOpt{bearer(sign(t, jwt.SigningMethodHS256, hmacKey, "", claims(iss, "exp", nil)))},
			reason: ReasonJwtInvalid, status: 401, message: "IDX10225: Lifetime validation failed. The token is missing an Expiration Time.*"},
		{name: "require-expiration-time false", policy: `<validate-jwt header-name="Authorization" require-expiration-time="false"><issuer-signing-keys><key>` + hmacB64 + `</key></issuer-signing-keys></validate-jwt>`,
			opts: []runOpt{bearer(sign(t, jwt.SigningMethodHS256, hmacKey, "", claims(iss, "exp", nil)))}},

		// Required claims.
		{name: "claims: all present", policy: claimsPolicy(hmacB64), opts: []runOpt{bearer(sign(t, jwt.SigningMethodHS256, hmacKey, "", claims(iss, "roles", []string{"reader", "writer"}, "scp", "read write", "tier", "gold")))}},
		{name: "claims: missing", policy: claimsPolicy(hmacB64), opts: []runOpt{bearer(sign(t, jwt.SigningMethodHS256, hmacKey, "", claims(iss, "tier", "gold")))},
			reason: ReasonTokenClaimNotFound, status: 401, body: "Invalid JWT.", message: "JWT is missing the following claims: roles, scp. Access denied."},
		{name: "claims: all needs every value", policy: claimsPolicy(hmacB64), opts: []runOpt{bearer(sign(t, jwt.SigningMethodHS256, hmacKey, "", claims(iss, "roles", []string{"reader"}, "scp", "read", "tier", "gold")))},
			reason: ReasonTokenClaimValueNotAllowed, status: 401, message: "Claim roles value of reader is not allowed. Access denied."},
		{name: "claims: any with separator", policy: claimsPolicy(hmacB64), opts: []runOpt{bearer(sign(t, jwt.SigningMethodHS256, hmacKey, "", claims(iss, "roles", []string{"reader", "writer"}, "scp", "admin other", "tier", "gold")))},
			reason: ReasonTokenClaimValueNotAllowed, status: 401, message: "Claim scp value of admin,other is not allowed. Access denied."},
		{name: "claims: presence only", policy: claimsPolicy(hmacB64), opts: []runOpt{bearer(sign(t, jwt.SigningMethodHS256, hmacKey, "", claims(iss, "roles", []string{"reader", "writer"}, "scp", "write", "tier", "anything")))}},
	}
	runJWTCases(t, "validate-jwt", idp.srv.Client(), tests)
}

func claimsPolicy(key string) string {
	return `<validate-jwt header-name="Authorization">
  <issuer-signing-keys><key>` + key + `</key></issuer-signing-keys>
  <required-claims>
    <claim name="roles" match="all"><value>reader</value><value>writer</value></claim>
    <claim name="scp" match="any" separator=" "><value>read</value><value>write</value></claim>
    <claim name="tier" />
  </required-claims>
</validate-jwt>`
}

func TestValidateJWTOutputVariable(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	step, _ := compileStep(t, `<validate-jwt header-name="Authorization" output-token-variable-name="jwt"><issuer-signing-keys><key>`+base64.StdEncoding.EncodeToString(key)+`</key></issuer-signing-keys></validate-jwt>`)
	now := testNow
	tok := sign(t, jwt.SigningMethodHS256, key, "", claims("https://idp/", "roles", []string{"a", "b"}))
	for _, round := range []string{"first", "cached"} {
		r := newJWTRun(nil, &now, bearer(tok))
		if err := step.Exec(r); err != nil {
			t.Fatalf("%s: %v", round, err)
		}
		v, ok := r.Ctx.Variables.Get("jwt")
		j, _ := v.(*dotnet.Jwt)
		if !ok || j == nil {
			t.Fatalf("%s: variable jwt = %#v", round, v)
		}
		roles, _ := j.Claims().Get("roles")
		if j.Subject != "alice" || j.Issuer != "https://idp/" || j.Algorithm != "HS256" || fmt.Sprint(roles) != "[a b]" || j.Raw != tok {
			t.Errorf("%s: jwt = %+v roles %v", round, j, roles)
		}
	}
	// The variable is usable from an expression.
	prog, err := expressions.Compile(`@(((Jwt)context.Variables["jwt"]).Claims["roles"][1])`)
	if err != nil {
		t.Fatal(err)
	}
	r := newJWTRun(nil, &now, bearer(tok))
	if err := step.Exec(r); err != nil {
		t.Fatal(err)
	}
	out, err := prog.Eval(r.Ctx)
	if err != nil || out != "b" {
		t.Errorf("expression: %v, %v", out, err)
	}
}

// Not parallel: sets the process-wide certificate store.
func TestValidateJWTCertificateID(t *testing.T) {
	key := newRSAKey()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "signer"},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	store := NewCertificateStore()
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if _, err := store.Add("signer-cert", append(certPEM, keyPEM...), ""); err != nil {
		t.Fatal(err)
	}
	SetCertificateStore(store)
	t.Cleanup(func() { SetCertificateStore(nil) })

	step, errs := compileStep(t, `<validate-jwt header-name="Authorization"><issuer-signing-keys><key certificate-id="signer-cert"/></issuer-signing-keys></validate-jwt>`)
	if len(errs) != 0 {
		t.Fatalf("compile: %v", errs)
	}
	now := testNow
	good := sign(t, jwt.SigningMethodRS256, key, "", claims("https://idp/"))
	if err := step.Exec(newJWTRun(nil, &now, bearer(good))); err != nil {
		t.Fatalf("a token signed with the certificate's key: %v", err)
	}
	other := sign(t, jwt.SigningMethodRS256, newRSAKey(), "", claims("https://idp/"))
	if pe := policyErr(t, step.Exec(newJWTRun(nil, &now, bearer(other)))); pe.Reason != "TokenSignatureInvalid" {
		t.Errorf("a token signed with another key: reason %q", pe.Reason)
	}
	// An id the store does not hold gives no key.
	missing, _ := compileStep(t, `<validate-jwt header-name="Authorization"><issuer-signing-keys><key certificate-id="nope"/></issuer-signing-keys></validate-jwt>`)
	if err := missing.Exec(newJWTRun(nil, &now, bearer(good))); err == nil {
		t.Error("a certificate the store does not hold must not validate")
	}
}

func TestValidateJWTBadKeysAreLoadErrors(t *testing.T) {
	for _, x := range []string{
		`<key n="AQAB"/>`,
		`<key n="!!!" e="AQAB"/>`,
		`<key>not base64 at all!</key>`,
	} {
		doc, _ := parser.Parse("t.xml", []byte(`<validate-jwt header-name="Authorization"><issuer-signing-keys>`+x+`</issuer-signing-keys></validate-jwt>`))
		c := &Compiler{}
		_, err := FactoryFor("validate-jwt")(doc.Root.Children[0], c)
		if err == nil && !c.Errs.HasErrors() {
			t.Errorf("%s: accepted", x)
		}
	}
}

func TestValidateJWTEncrypted(t *testing.T) {
	sigKey := []byte("0123456789abcdef0123456789abcdef")
	encKey := make([]byte, 32)
	rand.Read(encKey)
	inner := sign(t, jwt.SigningMethodHS256, sigKey, "", claims("https://idp/"))
	enc, err := jose.NewEncrypter(jose.A128CBC_HS256, jose.Recipient{Algorithm: jose.DIRECT, Key: encKey}, (&jose.EncrypterOptions{}).WithContentType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := enc.Encrypt([]byte(inner))
	if err != nil {
		t.Fatal(err)
	}
	jwe, _ := obj.CompactSerialize()
	keys := `<issuer-signing-keys><key>` + base64.StdEncoding.EncodeToString(sigKey) + `</key></issuer-signing-keys>`
	now := testNow

	step, _ := compileStep(t, `<validate-jwt header-name="Authorization" output-token-variable-name="jwt">`+keys+`<decryption-keys><key>`+base64.StdEncoding.EncodeToString(encKey)+`</key></decryption-keys></validate-jwt>`)
	r := newJWTRun(nil, &now, bearer(jwe))
	if err := step.Exec(r); err != nil {
		t.Fatalf("JWE: %v", err)
	}
	if v, _ := r.Ctx.Variables.Get("jwt"); v.(*dotnet.Jwt).Subject != "alice" {
		t.Errorf("inner token not exposed: %+v", v)
	}

	wrong := make([]byte, 32)
	for name, policy := range map[string]string{
		"no decryption keys": `<validate-jwt header-name="Authorization">` + keys + `</validate-jwt>`,
		"wrong key":          `<validate-jwt header-name="Authorization">` + keys + `<decryption-keys><key>` + base64.StdEncoding.EncodeToString(wrong) + `</key></decryption-keys></validate-jwt>`,
	} {
		step, _ := compileStep(t, policy)
		pe := policyErr(t, step.Exec(newJWTRun(nil, &now, bearer(jwe))))
		if pe.Reason != ReasonJwtInvalid || !strings.Contains(pe.Message, "Decryption failed") {
			t.Errorf("%s: %s %s", name, pe.Reason, pe.Message)
		}
	}
}

// TestValidateJWTKeyRotation drives the OpenID cache through a rotation: a
// new kid validates once the refetch window allows, a removed key stops
// validating after the refetch, a failing IdP keeps the last good keys.
func TestValidateJWTKeyRotation(t *testing.T) {
	idp := newTestIdP(t, false, "")
	idp.setKeys("k1")
	iss := idp.srv.URL
	step, _ := compileStep(t, `<validate-jwt header-name="Authorization"><openid-config url="`+idp.url()+`"/></validate-jwt>`)
	now := testNow
	run := func(kid string) error {
		tok := sign(t, jwt.SigningMethodRS256, idp.key(kid), kid, claims(iss, "exp", now.Add(time.Hour).Unix(), "iat", now.Unix()))
		return step.Exec(newJWTRun(idp.srv.Client(), &now, bearer(tok)))
	}
	wantReason := func(err error, reason string) {
		t.Helper()
		if reason == "" {
			if err != nil {
				t.Fatalf("want success, got %v", err)
			}
			return
		}
		if pe := policyErr(t, err); pe.Reason != reason {
			t.Fatalf("want %s, got %s (%s)", reason, pe.Reason, pe.Message)
		}
	}
	wantReason(run("k1"), "")
	if n := idp.discovery.Load(); n != 1 {
		t.Fatalf("discovery fetched %d times, want 1", n)
	}
	wantReason(run("k1"), "")
	if n := idp.discovery.Load(); n != 1 {
		t.Fatalf("cached metadata refetched: %d", n)
	}

	// Rotation: k2 appears, k1 is withdrawn.
	idp.setKeys("k2")
	now = now.Add(time.Minute)
	// Within 5 minutes of the last fetch an unknown kid causes no refetch.
	for range 20 {
		wantReason(run("k2"), ReasonTokenSignatureKeyNotFound)
	}
	if n := idp.discovery.Load(); n != 1 {
		t.Fatalf("unknown kids refetched within the window: %d fetches", n)
	}
	wantReason(run("k1"), "") // old key still cached
	now = now.Add(OIDCRefetchInterval)
	wantReason(run("k2"), "") // refetch: the new kid validates
	if n := idp.discovery.Load(); n != 2 {
		t.Fatalf("want exactly one refetch, got %d fetches", n)
	}
	wantReason(run("k1"), ReasonTokenSignatureKeyNotFound) // removed key stops validating
	if n := idp.discovery.Load(); n != 2 {
		t.Fatalf("removed kid refetched within the window: %d", n)
	}

	// The IdP fails: after the cache expires the last good keys stay in use.
	idp.setFailing(true)
	now = now.Add(OIDCCacheTTL + time.Minute)
	wantReason(run("k2"), "")
	if n := idp.discovery.Load(); n != 3 {
		t.Fatalf("stale cache not refreshed: %d fetches", n)
	}
	wantReason(run("k2"), "")
	if n := idp.discovery.Load(); n != 3 {
		t.Fatalf("failed fetch retried within the window: %d", n)
	}
	idp.setFailing(false)
	now = now.Add(OIDCRefetchInterval)
	wantReason(run("k2"), "")
	if n := idp.discovery.Load(); n != 4 {
		t.Fatalf("no retry after the window: %d", n)
	}
}

func TestValidateJWTOpenIDUnavailable(t *testing.T) {
	idp := newTestIdP(t, false, "")
	idp.setKeys("k1")
	idp.setFailing(true)
	step, _ := compileStep(t, `<validate-jwt header-name="Authorization"><openid-config url="`+idp.url()+`"/></validate-jwt>`)
	now := testNow
	tok := sign(t, jwt.SigningMethodRS256, idp.key("k1"), "k1", claims(idp.srv.URL))
	pe := policyErr(t, step.Exec(newJWTRun(idp.srv.Client(), &now, bearer(tok))))
	if pe.Reason != ReasonTokenSignatureKeyNotFound || !strings.Contains(pe.Message, "openid configuration") {
		t.Fatalf("got %s: %s", pe.Reason, pe.Message)
	}
	// Recovery without waiting the full refetch window.
	idp.setFailing(false)
	now = now.Add(OIDCRetryEmpty)
	if err := step.Exec(newJWTRun(idp.srv.Client(), &now, bearer(tok))); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

// TestValidateJWTNoStampede sends concurrent first requests: exactly one
// metadata fetch happens, outside any lock the others hold.
func TestValidateJWTNoStampede(t *testing.T) {
	idp := newTestIdP(t, false, "")
	idp.setKeys("k1")
	idp.delay = 100 * time.Millisecond
	step, _ := compileStep(t, `<validate-jwt header-name="Authorization"><openid-config url="`+idp.url()+`"/></validate-jwt>`)
	now := testNow
	var wg sync.WaitGroup
	var failures atomic.Int32
	for range 32 {
		tok := sign(t, jwt.SigningMethodRS256, idp.key("k1"), "k1", claims(idp.srv.URL))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := step.Exec(newJWTRun(idp.srv.Client(), &now, bearer(tok))); err != nil {
				failures.Add(1)
			}
		}()
	}
	wg.Wait()
	if failures.Load() != 0 {
		t.Errorf("%d requests failed", failures.Load())
	}
	if n := idp.discovery.Load(); n != 1 {
		t.Errorf("discovery fetched %d times, want 1", n)
	}
}

func TestValidateJWTVerdictCache(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	kb := base64.StdEncoding.EncodeToString(key)
	stepA, _ := compileStep(t, `<validate-jwt header-name="Authorization"><issuer-signing-keys><key>`+kb+`</key></issuer-signing-keys><audiences><audience>api://orders</audience></audiences></validate-jwt>`)
	stepB, _ := compileStep(t, `<validate-jwt header-name="Authorization"><issuer-signing-keys><key>`+kb+`</key></issuer-signing-keys><audiences><audience>api://billing</audience></audiences></validate-jwt>`)
	now := testNow
	tok := sign(t, jwt.SigningMethodHS256, key, "", claims("https://idp/", "exp", testNow.Add(90*time.Second).Unix()))

	a := stepA.(*validateJWT).v.cache
	if a == nil {
		t.Fatal("cache disabled for an all-literal policy")
	}
	if err := stepA.Exec(newJWTRun(nil, &now, bearer(tok))); err != nil {
		t.Fatal(err)
	}
	if err := stepA.Exec(newJWTRun(nil, &now, bearer(tok))); err != nil {
		t.Fatal(err)
	}
	if a.len() != 1 {
		t.Fatalf("cache holds %d entries", a.len())
	}
	// Another policy instance never reuses A's verdict.
	if pe := policyErr(t, stepB.Exec(newJWTRun(nil, &now, bearer(tok)))); pe.Reason != ReasonTokenAudienceNotAllowed {
		t.Fatalf("policy B: %s", pe.Reason)
	}
	// Never past exp.
	now = testNow.Add(91 * time.Second)
	if pe := policyErr(t, stepA.Exec(newJWTRun(nil, &now, bearer(tok)))); pe.Reason != ReasonTokenExpired {
		t.Fatalf("after exp: %s", pe.Reason)
	}
	// A failure is never cached: a tampered twin of a cached token fails.
	now = testNow
	if err := stepA.Exec(newJWTRun(nil, &now, bearer(tok))); err != nil {
		t.Fatal(err)
	}
	if err := stepA.Exec(newJWTRun(nil, &now, bearer(tok+"x"))); err == nil {
		t.Fatal("tampered signature accepted")
	}
	// Bounded.
	small := newJWTVerdictCache(2)
	for i := range 5 {
		small.put([32]byte{byte(i)}, nil, testNow.Add(time.Hour))
	}
	hit := func(i byte) bool { ok, _ := small.get([32]byte{i}, testNow); return ok }
	if small.len() != 2 || !hit(4) || hit(0) || !hit(3) {
		t.Errorf("LRU bound not kept")
	}
	// Expression inputs disable the cache.
	stepC, _ := compileStep(t, `<validate-jwt header-name="Authorization"><issuer-signing-keys><key>`+kb+`</key></issuer-signing-keys><audiences><audience>@("api://" + "orders")</audience></audiences></validate-jwt>`)
	if stepC.(*validateJWT).v.cache != nil {
		t.Errorf("cache enabled with an expression audience")
	}
}

func TestValidateJWTLogsWithoutSecrets(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	kb := base64.StdEncoding.EncodeToString(key)
	step, _ := compileStep(t, `<validate-jwt header-name="Authorization"><issuer-signing-keys><key>`+kb+`</key></issuer-signing-keys></validate-jwt>`)
	now := testNow
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	good := sign(t, jwt.SigningMethodHS256, key, "", claims("https://idp/", "azp", "client-1"))
	bad := sign(t, jwt.SigningMethodHS256, key, "", claims("https://idp/", "exp", testNow.Add(-time.Hour).Unix()))
	for _, tok := range []string{good, bad} {
		r := newJWTRun(nil, &now, bearer(tok))
		r.Env.Logger = logger
		step.Exec(r)
	}
	out := buf.String()
	for _, want := range []string{"policy=validate-jwt", "subject=alice", "client=client-1", "reason=TokenExpired"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{good, bad, kb, strings.Split(good, ".")[2]} {
		if strings.Contains(out, secret) {
			t.Errorf("log leaks a token or key:\n%s", out)
		}
	}
}

// ---- benchmarks ----

func benchPolicy(b *testing.B) (*validateJWT, *rsa.PrivateKey, string) {
	idp := newTestIdP(b, false, "")
	idp.setKeys("k1")
	step, _ := compileStep(b, `<validate-jwt header-name="Authorization" output-token-variable-name="jwt"><openid-config url="`+idp.url()+`"/><audiences><audience>api://orders</audience></audiences></validate-jwt>`)
	key := idp.key("k1").(*rsa.PrivateKey)
	return step.(*validateJWT), key, idp.srv.URL
}

// BenchmarkValidateJWTRS256First measures a full validation: parse, RS256
// verification, claims (verdict cache off).
func BenchmarkValidateJWTRS256First(b *testing.B) {
	p, key, iss := benchPolicy(b)
	p.v.cache = nil
	now := testNow
	tok := sign(b, jwt.SigningMethodRS256, key, "k1", claims(iss))
	r := newJWTRun(nil, &now, bearer(tok))
	if err := p.Exec(r); err != nil { // warms the OpenID cache
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Exec(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateJWTCached measures a token already validated: SHA-256
// plus an LRU lookup.
func BenchmarkValidateJWTCached(b *testing.B) {
	p, key, iss := benchPolicy(b)
	now := testNow
	tok := sign(b, jwt.SigningMethodRS256, key, "k1", claims(iss))
	r := newJWTRun(nil, &now, bearer(tok))
	if err := p.Exec(r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Exec(r); err != nil {
			b.Fatal(err)
		}
	}
}
