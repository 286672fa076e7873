package policies

import (
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
)

// renderJwt prints every field of a token model, claims in order.
func renderJwt(j *dotnet.Jwt) string {
	date := func(d *dotnet.DateTime) string {
		if d == nil {
			return "-"
		}
		return d.T.String()
	}
	s := fmt.Sprintf("alg=%s typ=%s aud=%q exp=%s iat=%s nbf=%s jti=%s iss=%s sub=%s raw=%s claims:", j.Algorithm, j.Type, j.Audiences, date(j.ExpirationTime), date(j.IssuedAt), date(j.NotBefore), j.ID, j.Issuer, j.Subject, j.Raw)
	for _, k := range j.Claims().Keys() {
		v, _ := j.Claims().Get(k)
		s += fmt.Sprintf(" %v=%q", k, v)
	}
	return s
}

// rawJWS signs header and payload JSON text as written (so tests can build
// tokens golang-jwt would never produce: duplicate claims, odd types).
func rawJWS(t *testing.T, key *rsa.PrivateKey, header, payload string, enc *base64.Encoding) string {
	t.Helper()
	return rawJWSWith(t, jwt.SigningMethodRS256, key, header, payload, enc)
}

// rawJWSWith is rawJWS with another signing method.
func rawJWSWith(t *testing.T, m jwt.SigningMethod, key *rsa.PrivateKey, header, payload string, enc *base64.Encoding) string {
	t.Helper()
	in := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	sig, err := m.Sign(in, key)
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// TestValidateJWTFastPathAgrees runs tokens through the fast path and the
// general (golang-jwt MapClaims) path and requires the same outcome: the
// same error reason and message, or the same decoded token.
func TestValidateJWTFastPathAgrees(t *testing.T) {
	idp := newTestIdP(t, false, "")
	idp.setKeys("k1")
	key := idp.key("k1").(*rsa.PrivateKey)
	other := newRSAKey()
	iss := idp.srv.URL
	exp, past, future := testNow.Unix()+3600, testNow.Unix()-3600, testNow.Unix()+600
	h := `{"alg":"RS256","kid":"k1","typ":"JWT"}`
	body := func(extra string) string {
		return fmt.Sprintf(`{"iss":%q,"aud":"api://orders","sub":"alice"%s}`, iss, extra)
	}
	raw := base64.RawURLEncoding
	tokens := map[string]string{
		"valid":          rawJWS(t, key, h, body(fmt.Sprintf(`,"exp":%d,"roles":["a","b"],"n":1.50,"o":{"x": 1}`, exp)), raw),
		"exp string":     rawJWS(t, key, h, body(fmt.Sprintf(`,"exp":"%d"`, exp)), raw),
		"exp null":       rawJWS(t, key, h, body(`,"exp":null`), raw),
		"exp zero":       rawJWS(t, key, h, body(`,"exp":0`), raw),
		"exp fraction":   rawJWS(t, key, h, body(fmt.Sprintf(`,"exp":%d.75`, exp)), raw),
		"exp huge":       rawJWS(t, key, h, body(`,"exp":1e400`), raw),
		"exp year 1":     rawJWS(t, key, h, body(`,"exp":-62135596800`), raw),
		"exp negative":   rawJWS(t, key, h, body(`,"exp":-1.5`), raw),
		"nbf in skew":    rawJWS(t, key, h, body(fmt.Sprintf(`,"exp":%d,"nbf":%d`, exp, testNow.Unix())), raw),
		"exp now":        rawJWS(t, key, h, body(fmt.Sprintf(`,"exp":%d`, testNow.Unix())), raw),
		"expired":        rawJWS(t, key, h, body(fmt.Sprintf(`,"exp":%d`, past)), raw),
		"not yet":        rawJWS(t, key, h, body(fmt.Sprintf(`,"exp":%d,"nbf":%d`, exp, future)), raw),
		"no exp":         rawJWS(t, key, h, body(""), raw),
		"duplicate aud":  rawJWS(t, key, h, body(fmt.Sprintf(`,"exp":%d,"aud":"other"`, exp)), raw),
		"aud number":     rawJWS(t, key, h, fmt.Sprintf(`{"iss":%q,"aud":7,"exp":%d}`, iss, exp), raw),
		"aud mixed":      rawJWS(t, key, h, fmt.Sprintf(`{"iss":%q,"aud":["api://orders",7],"exp":%d}`, iss, exp), raw),
		"iss number":     rawJWS(t, key, h, fmt.Sprintf(`{"iss":1,"aud":"api://orders","exp":%d}`, exp), raw),
		"escaped names":  rawJWS(t, key, h, fmt.Sprintf(`{"i\u0073s":%q,"aud":"api://orders","exp":%d}`, iss, exp), raw),
		"padded":         rawJWS(t, key, h, body(fmt.Sprintf(`,"exp":%d`, exp)), base64.URLEncoding),
		"trailing data":  rawJWS(t, key, h, body(fmt.Sprintf(`,"exp":%d} {`, exp)), raw),
		"wrong key":      rawJWS(t, other, h, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		"unknown kid":    rawJWS(t, key, `{"alg":"RS256","kid":"k9"}`, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		"alg HS256":      rawJWS(t, key, `{"alg":"HS256","kid":"k1"}`, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		"alg upper name": rawJWS(t, key, `{"ALG":"RS256","kid":"k1"}`, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		"kid upper name": rawJWS(t, key, `{"alg":"RS256","KID":"k9"}`, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		"kid twice":      rawJWS(t, key, `{"alg":"RS256","kid":"k9","Kid":"k1"}`, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		"kid number":     rawJWS(t, key, `{"alg":"RS256","kid":1}`, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		"crit":           rawJWS(t, key, `{"alg":"RS256","kid":"k1","crit":["x"]}`, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		// The header as the fast path reads it: crit, b64 and kid from the
		// decoded members, escaped names through the decoder.
		"crit empty":   rawJWS(t, key, `{"alg":"RS256","kid":"k1","crit":[]}`, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		"crit escaped": rawJWS(t, key, `{"alg":"RS256","kid":"k1","cr\u0069t":["x"]}`, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		"b64 false":    rawJWS(t, key, `{"alg":"RS256","kid":"k1","b64":false}`, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		"b64 true":     rawJWS(t, key, `{"alg":"RS256","kid":"k1","b64":true}`, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		"kid escaped":  rawJWS(t, key, `{"alg":"RS256","k\u0069d":"k1"}`, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		"kid escapes":  rawJWS(t, key, `{"alg":"RS256","kid":"k\u0031"}`, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		"alg escaped":  rawJWS(t, key, `{"alg":"RS\u0032\u00356","kid":"k1"}`, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		// Every RSA method: RS384/RS512 are verified in place, PS* by
		// golang-jwt's method.
		"alg RS384":     rawJWSWith(t, jwt.SigningMethodRS384, key, `{"alg":"RS384","kid":"k1"}`, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		"alg RS512":     rawJWSWith(t, jwt.SigningMethodRS512, key, `{"alg":"RS512","kid":"k1"}`, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		"alg PS256":     rawJWSWith(t, jwt.SigningMethodPS256, key, `{"alg":"PS256","kid":"k1"}`, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		"RS512 as 256":  rawJWSWith(t, jwt.SigningMethodRS512, key, `{"alg":"RS256","kid":"k1"}`, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		"RS384 wrong":   rawJWSWith(t, jwt.SigningMethodRS384, other, `{"alg":"RS384","kid":"k1"}`, body(fmt.Sprintf(`,"exp":%d`, exp)), raw),
		"alg none":      raw.EncodeToString([]byte(`{"alg":"none"}`)) + "." + raw.EncodeToString([]byte(body(fmt.Sprintf(`,"exp":%d`, exp)))) + ".",
		"sig truncated": rawJWS(t, key, h, body(fmt.Sprintf(`,"exp":%d`, exp)), raw)[:300],
		"sig not b64":   rawJWS(t, key, h, body(fmt.Sprintf(`,"exp":%d`, exp)), raw) + "*",
	}
	step, _ := compileStep(t, `<validate-jwt header-name="Authorization" output-token-variable-name="jwt"><openid-config url="`+idp.url()+`"/><audiences><audience>api://orders</audience></audiences></validate-jwt>`)
	p := step.(*validateJWT)
	p.v.cache = nil
	outcome := func(fast bool, tok string) string {
		jwtFastPath = fast
		defer func() { jwtFastPath = true }()
		now := testNow
		r := newJWTRun(nil, &now, bearer(tok))
		if err := p.Exec(r); err != nil {
			var pe *Error
			if errors.As(err, &pe) {
				return "error " + pe.Reason + ": " + pe.Message
			}
			return "error " + err.Error()
		}
		v, _ := r.Ctx.Variables.Get("jwt")
		return "ok " + renderJwt(v.(*dotnet.Jwt))
	}
	for _, name := range []string{"valid", "exp fraction", "expired", "wrong key", "crit escaped", "b64 false", "kid escaped", "alg RS384", "alg RS512", "alg PS256", "RS384 wrong"} {
		if jwtFastDecode(tokens[name]) == nil {
			t.Errorf("%s: the fast path declined the token", name)
		}
	}
	for _, name := range []string{"exp string", "duplicate aud", "padded", "aud number"} {
		if jwtFastDecode(tokens[name]) != nil {
			t.Errorf("%s: the fast path took a token it must leave to the general path", name)
		}
	}
	for name, tok := range tokens {
		fast, slow := outcome(true, tok), outcome(false, tok)
		if fast != slow {
			t.Errorf("%s: fast path\n  %s\ngeneral path\n  %s", name, fast, slow)
		}
		switch name {
		case "crit", "crit empty", "crit escaped", "b64 false", "alg none", "RS512 as 256", "RS384 wrong", "alg HS256", "sig truncated":
			if !strings.HasPrefix(fast, "error") {
				t.Errorf("%s: accepted: %s", name, fast)
			}
		}
		if (name == "valid" || name == "alg RS384" || name == "alg RS512" || name == "alg PS256" || name == "kid escaped" || name == "b64 true") && fast[:2] != "ok" {
			t.Errorf("valid token rejected: %s", fast)
		}
	}
}

// TestJWTVerdictCacheConcurrentLRU hammers a small cache from several
// goroutines and then checks its bound and that its LRU list links every
// entry exactly once.
func TestJWTVerdictCacheConcurrentLRU(t *testing.T) {
	c := newJWTVerdictCache(16)
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 2000 {
				k := [32]byte{byte(g), byte(i % 40)}
				if ok, _ := c.get(k, testNow); !ok {
					c.put(k, nil, testNow.Add(time.Minute))
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
	if n := c.len(); n != 16 {
		t.Fatalf("cache holds %d entries, want 16", n)
	}
	seen := map[int32]bool{}
	prev := int32(-1)
	for i := c.head; i >= 0; i = c.entries[i].next {
		if seen[i] || c.entries[i].prev != prev {
			t.Fatalf("LRU list broken at entry %d", i)
		}
		if j, ok := c.m[c.entries[i].key]; !ok || j != i {
			t.Fatalf("entry %d is not indexed", i)
		}
		seen[i], prev = true, i
	}
	if len(seen) != 16 || c.tail != prev {
		t.Fatalf("list links %d entries (tail %d, last %d)", len(seen), c.tail, prev)
	}
	// An expired verdict is not answered.
	k := [32]byte{9, 9}
	c.put(k, nil, testNow.Add(time.Second))
	if ok, _ := c.get(k, testNow.Add(time.Second)); ok {
		t.Error("expired verdict answered")
	}
}

// TestValidateJWTLazyModelExpressions: with output-token-variable-name,
// expressions read the token's claims from the lazily built model; on the
// fast path, the general path and a verdict-cache hit they see the same
// values, and for the plain token the values its payload holds.
func TestValidateJWTLazyModelExpressions(t *testing.T) {
	idp := newTestIdP(t, false, "")
	idp.setKeys("k1")
	key := idp.key("k1").(*rsa.PrivateKey)
	iss := idp.srv.URL
	exp := testNow.Unix() + 3600
	h := `{"alg":"RS256","kid":"k1","typ":"JWT"}`
	raw := base64.RawURLEncoding
	payloads := map[string]string{
		"plain":          fmt.Sprintf(`{"iss":%q,"aud":["api://orders","api://other"],"sub":"alice","exp":%d,"iat":%d,"roles":["reader","writer"],"scp":"read write","tier":"gold","n":1.50,"o":{"x": [1, 2]},"ok":true}`, iss, exp, testNow.Unix()),
		"escapes":        fmt.Sprintf(`{"iss":%q,"aud":"api://orders","sub":"caf\u00e9 \"x\"","exp":%d,"roles":["reader","writer"],"scp":"write","tier":"a\/b"}`, iss, exp),
		"escaped name":   fmt.Sprintf(`{"iss":%q,"aud":"api://orders","sub":"bob","exp":%d,"r\u006fles":["reader","writer"],"scp":"read","tier":"x"}`, iss, exp),
		"repeated claim": fmt.Sprintf(`{"iss":%q,"aud":"api://orders","sub":"carol","exp":%d,"roles":["reader"],"roles":"writer","scp":"read","tier":"x","tier":"y"}`, iss, exp),
	}
	exprs := []string{
		`@(((Jwt)context.Variables["jwt"]).Subject)`,
		`@(string.Join("|", ((Jwt)context.Variables["jwt"]).Audiences))`,
		`@(((Jwt)context.Variables["jwt"]).Claims["roles"][1])`,
		`@(string.Join("|", ((Jwt)context.Variables["jwt"]).Claims["roles"]))`,
		`@(((Jwt)context.Variables["jwt"]).Claims.GetValueOrDefault("scp", "none"))`,
		`@(((Jwt)context.Variables["jwt"]).Claims.GetValueOrDefault("tier", "none"))`,
		`@(((Jwt)context.Variables["jwt"]).Claims.GetValueOrDefault("o", "none"))`,
		`@(((Jwt)context.Variables["jwt"]).Claims.GetValueOrDefault("n", "none"))`,
		`@(((Jwt)context.Variables["jwt"]).Claims.Count.ToString())`,
		`@(((Jwt)context.Variables["jwt"]).Claims.ContainsKey("missing").ToString())`,
		`@(((Jwt)context.Variables["jwt"]).ExpirationTime.Value.ToString("o"))`,
	}
	progs := make([]*expressions.Program, len(exprs))
	for i, src := range exprs {
		p, err := expressions.Compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		progs[i] = p
	}
	policy := `<validate-jwt header-name="Authorization" output-token-variable-name="jwt"><openid-config url="` + idp.url() + `"/>
  <audiences><audience>api://orders</audience></audiences>
  <required-claims>
    <claim name="roles" match="all"><value>reader</value><value>writer</value></claim>
    <claim name="scp" match="any" separator=" "><value>read</value><value>write</value></claim>
    <claim name="tier" />
  </required-claims>
</validate-jwt>`
	eval := func(mode, tok string) string {
		step, _ := compileStep(t, policy)
		p := step.(*validateJWT)
		jwtFastPath = mode != "general"
		defer func() { jwtFastPath = true }()
		now := testNow
		if mode == "cached" {
			if p.v.cache == nil {
				t.Fatal("the policy has no verdict cache")
			}
			if err := p.Exec(newJWTRun(nil, &now, bearer(tok))); err != nil {
				return "error " + err.Error()
			}
		} else {
			p.v.cache = nil
		}
		r := newJWTRun(nil, &now, bearer(tok))
		if err := p.Exec(r); err != nil {
			return "error " + err.Error()
		}
		var out []string
		for _, prog := range progs {
			v, err := prog.Eval(r.Ctx)
			out = append(out, fmt.Sprintf("%v/%v", v, err))
		}
		return fmt.Sprint(out)
	}
	for name, pl := range payloads {
		tok := rawJWS(t, key, h, pl, raw)
		fast := eval("fast", tok)
		if general := eval("general", tok); general != fast {
			t.Errorf("%s: fast path\n  %s\ngeneral path\n  %s", name, fast, general)
		}
		if cached := eval("cached", tok); cached != fast {
			t.Errorf("%s: fast path\n  %s\ncache hit\n  %s", name, fast, cached)
		}
		if strings.HasPrefix(fast, "error") {
			t.Errorf("%s: %s", name, fast)
		}
		if name == "plain" {
			want := fmt.Sprint([]string{"alice/<nil>", "api://orders|api://other/<nil>", "writer/<nil>", "reader|writer/<nil>", "read write/<nil>",
				"gold/<nil>", `{"x":[1,2]}/<nil>`, "1.50/<nil>", "11/<nil>", "False/<nil>", time.Unix(exp, 0).UTC().Format("2006-01-02T15:04:05.0000000Z") + "/<nil>"})
			if fast != want {
				t.Errorf("plain token:\n got  %s\n want %s", fast, want)
			}
		}
	}
}
