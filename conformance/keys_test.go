package conformance

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// publicKey rebuilds a verification key from a published JWK.
func publicKey(t *testing.T, j JWK) any {
	t.Helper()
	dec := func(s string) *big.Int {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return new(big.Int).SetBytes(b)
	}
	switch j.Kty {
	case "RSA":
		return &rsa.PublicKey{N: dec(j.N), E: int(dec(j.E).Int64())}
	case "EC":
		x, _ := base64.RawURLEncoding.DecodeString(j.X)
		y, _ := base64.RawURLEncoding.DecodeString(j.Y)
		pk, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			t.Fatal(err)
		}
		return pk
	}
	t.Fatalf("kty %q", j.Kty)
	return nil
}

// TestTokensVerifyAgainstServedJWKS mints tokens with every key type and
// verifies them with what the identity provider serves over HTTP.
func TestTokensVerifyAgainstServedJWKS(t *testing.T) {
	now := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	rsaKey, err := GenerateKey("rsa1", "RSA")
	if err != nil {
		t.Fatal(err)
	}
	ecKey, _ := GenerateKey("ec1", "ec")
	hKey, _ := GenerateKey("h1", "HMAC")
	if rsaKey.RSA.N.BitLen() != 2048 || ecKey.EC.Curve != elliptic.P256() || len(hKey.HMAC) != 32 {
		t.Fatal("key sizes")
	}
	idp := NewIdP()
	defer idp.Close()
	idp.SetKeys([]*Key{rsaKey, ecKey, hKey})

	var disco struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	getJSON(t, idp.URL()+"/.well-known/openid-configuration", &disco)
	if disco.Issuer != idp.URL() || disco.JWKSURI != idp.URL()+"/keys" {
		t.Fatalf("discovery: %+v", disco)
	}
	var set struct{ Keys []JWK }
	getJSON(t, disco.JWKSURI, &set)
	if len(set.Keys) != 2 || set.Keys[0].Kid != "ec1" || set.Keys[1].Kid != "rsa1" || set.Keys[0].Crv != "P-256" {
		t.Fatalf("jwks: %+v", set.Keys)
	}
	byKid := map[string]any{}
	for _, j := range set.Keys {
		byKid[j.Kid] = publicKey(t, j)
	}
	secret, _ := base64.StdEncoding.DecodeString(hKey.Secret())
	byKid["h1"] = secret

	tests := []struct {
		key *Key
		alg string
	}{{rsaKey, "RS256"}, {rsaKey, "PS384"}, {ecKey, ""}, {hKey, "HS256"}}
	for _, tt := range tests {
		claims := map[string]any{"iss": idp.URL(), "exp": "+1h", "nbf": "-5m", "iat": "-0s", "roles": []any{"reader"}}
		tok, err := MintToken(tt.key, tt.alg, nil, claims, now)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := jwt.Parse(tok, func(tk *jwt.Token) (any, error) { return byKid[tk.Header["kid"].(string)], nil },
			jwt.WithTimeFunc(func() time.Time { return now }), jwt.WithIssuer(idp.URL()))
		if err != nil {
			t.Fatalf("%s/%s: %v", tt.key.Name, tt.alg, err)
		}
		mc := parsed.Claims.(jwt.MapClaims)
		exp, _ := mc.GetExpirationTime()
		nbf, _ := mc.GetNotBefore()
		if !exp.Equal(now.Add(time.Hour)) || !nbf.Equal(now.Add(-5*time.Minute)) {
			t.Errorf("%s: exp %v nbf %v", tt.key.Name, exp, nbf)
		}
		if parsed.Header["kid"] != tt.key.Name {
			t.Errorf("kid %v", parsed.Header["kid"])
		}
	}
	// Expired relative to the frozen clock.
	tok, _ := MintToken(rsaKey, "", nil, map[string]any{"exp": "-5m"}, now)
	if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return byKid["rsa1"], nil }, jwt.WithTimeFunc(func() time.Time { return now })); err == nil {
		t.Error("a token with exp -5m verified")
	}
	if _, err := MintToken(rsaKey, "XX1", nil, nil, now); err == nil {
		t.Error("unknown alg accepted")
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func TestPolicyLoadErrorFailsTheCase(t *testing.T) {
	src := "policies: {global: '<policies><inbound><nope/></inbound></policies>'}\ncases:\n  - {name: broken, request: {url: /a}, expect: {status: 200}}\n"
	f, err := Parse("broken.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := f.Run(Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := fr.Cases[0]
	if c.Passed || c.Err == nil || !regexpMatch(`^configuration does not load:\nbroken.yaml#policies.global:1:`, c.Err.Error()) {
		t.Errorf("passed=%v err=%v", c.Passed, c.Err)
	}
}

func TestPolicyErrorsPointIntoTheCaseFile(t *testing.T) {
	src := "cases:\n  - name: broken\n    policies:\n      api: |\n        <policies>\n          <inbound><nope/></inbound>\n        </policies>\n    request: {url: /a}\n    expect: {status: 200}\n"
	f, err := Parse("inline.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := f.Run(Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := fr.Cases[0]
	if c.Passed || c.Err == nil || !regexpMatch(`(?m)^inline\.yaml:6:20: .*\(in policies\.api\)$`, c.Err.Error()) {
		t.Errorf("err = %v", c.Err)
	}
}

func TestIdPServesEntraTenantMetadata(t *testing.T) {
	idp := NewIdP()
	defer idp.Close()
	type disco struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	for tenant, issuer := range map[string]string{
		"contoso":                 idp.URL() + "/contoso/v2.0",
		"contoso.onmicrosoft.com": idp.URL() + "/contoso.onmicrosoft.com/v2.0",
		"common":                  idp.URL() + "/{tenantid}/v2.0",
	} {
		var d disco
		getJSON(t, idp.URL()+"/"+tenant+"/v2.0/.well-known/openid-configuration", &d)
		if d.Issuer != issuer || d.JWKSURI != idp.URL()+"/keys" {
			t.Errorf("%s: %+v", tenant, d)
		}
	}
	// The plain discovery document is unchanged.
	var d disco
	getJSON(t, idp.URL()+"/.well-known/openid-configuration", &d)
	if d.Issuer != idp.URL() {
		t.Errorf("root discovery: %+v", d)
	}
	resp, err := http.Post(idp.URL()+"/contoso/v2.0/.well-known/openid-configuration", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}
}
