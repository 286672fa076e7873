package policies

import (
	"crypto/rsa"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const testTenant = "3b7f1c7e-0000-4000-8000-000000000001"

// newTestEntra starts a fake Entra authority over TLS: it serves
// /{tenant}/v2.0/.well-known/openid-configuration and the tenant's JWKS, and
// announces the v2 issuer {authority}/{tenant}/v2.0 as Entra does.
func newTestEntra(t testing.TB) *testIdP {
	p := newTestIdP(t, true, "/"+testTenant+"/v2.0")
	p.issuer = p.srv.URL + "/" + testTenant + "/v2.0"
	p.setKeys("e1")
	return p
}

func entraClaims(p *testIdP, extra ...any) jwt.MapClaims {
	base := []any{"iss", p.issuer, "aud", "api://backend-app", "tid", testTenant, "azp", "client-app"}
	c := claims(p.issuer)
	for i := 0; i+1 < len(base); i += 2 {
		c[base[i].(string)] = base[i+1]
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

func TestValidateAzureADTokenCases(t *testing.T) {
	entra := newTestEntra(t)
	key := entra.key("e1").(*rsa.PrivateKey)
	tok := func(extra ...any) string {
		return sign(t, jwt.SigningMethodRS256, key, "e1", entraClaims(entra, extra...))
	}
	policy := `<validate-azure-ad-token tenant-id="` + testTenant + `" authentication-endpoint="` + entra.srv.URL + `" output-token-variable-name="jwt">
  <client-application-ids><application-id>client-app</application-id></client-application-ids>
  <backend-application-ids><application-id>backend-app</application-id></backend-application-ids>
</validate-azure-ad-token>`
	withAudiences := `<validate-azure-ad-token tenant-id="` + testTenant + `" authentication-endpoint="` + entra.srv.URL + `" failed-validation-httpcode="403" failed-validation-error-message="Access denied by policy">
  <audiences><audience>api://orders</audience></audiences>
  <required-claims><claim name="roles" match="any"><value>Orders.Read</value></claim></required-claims>
</validate-azure-ad-token>`

	tests := []jwtCase{
		{name: "valid v2 token", policy: policy, opts: []runOpt{bearer(tok())}},
		{name: "backend id as bare audience", policy: policy, opts: []runOpt{bearer(tok("aud", "backend-app"))}},
		{name: "v1 token: appid and sts.windows.net issuer", policy: policy, opts: []runOpt{bearer(tok("azp", nil, "appid", "client-app", "iss", "https://sts.windows.net/"+testTenant+"/"))}},
		{name: "missing token", policy: policy, reason: ReasonTokenNotPresent, status: 401, body: "JWT not present."},
		{name: "client app not allowed", policy: policy, opts: []runOpt{bearer(tok("azp", "other-app"))}, reason: ReasonTokenClientAppNotAllowed, status: 401, body: "Invalid JWT."},
		{name: "no client app claim", policy: policy, opts: []runOpt{bearer(tok("azp", nil))}, reason: ReasonTokenClientAppNotAllowed, status: 401},
		{name: "audience not allowed", policy: policy, opts: []runOpt{bearer(tok("aud", "api://other"))}, reason: ReasonTokenAudienceNotAllowed, status: 401},
		{name: "other tenant's issuer", policy: policy, opts: []runOpt{bearer(tok("iss", "https://login.microsoftonline.com/other/v2.0"))}, reason: ReasonTokenIssuerNotAllowed, status: 401},
		{name: "v1 issuer of another tenant", policy: policy, opts: []runOpt{bearer(tok("iss", "https://sts.windows.net/other/", "tid", "other"))}, reason: ReasonTokenIssuerNotAllowed, status: 401},
		{name: "expired", policy: policy, opts: []runOpt{bearer(tok("exp", testNow.Add(-time.Minute).Unix()))}, reason: ReasonTokenExpired, status: 401},
		{name: "exp required", policy: policy, opts: []runOpt{bearer(tok("exp", nil))}, reason: ReasonJwtInvalid, status: 401},
		{name: "signed by a foreign key", policy: policy, opts: []runOpt{bearer(sign(t, jwt.SigningMethodRS256, newRSAKey(), "e1", entraClaims(entra)))}, reason: ReasonTokenSignatureInvalid, status: 401},
		{name: "unknown kid", policy: policy, opts: []runOpt{bearer(sign(t, jwt.SigningMethodRS256, key, "zz", entraClaims(entra)))}, reason: ReasonTokenSignatureKeyNotFound, status: 401},
		{name: "HS256 with the public modulus as secret", policy: policy, opts: []runOpt{bearer(sign(t, jwt.SigningMethodHS256, key.N.Bytes(), "e1", entraClaims(entra)))}, reason: ReasonTokenSignatureInvalid, status: 401},
		{name: "audiences and required claims", policy: withAudiences, opts: []runOpt{bearer(tok("aud", "api://orders", "roles", []string{"Orders.Read"}))}},
		{name: "required claim missing, custom answer", policy: withAudiences, opts: []runOpt{bearer(tok("aud", "api://orders"))}, reason: ReasonTokenClaimNotFound, status: 403, body: "Access denied by policy"},
		{name: "tenant from an expression", policy: `<validate-azure-ad-token tenant-id="@(&quot;` + testTenant + `&quot;)" authentication-endpoint="` + entra.srv.URL + `"/>`, opts: []runOpt{bearer(tok())}},
		{name: "query parameter", policy: `<validate-azure-ad-token tenant-id="` + testTenant + `" authentication-endpoint="` + entra.srv.URL + `" query-parameter-name="token"/>`, opts: []runOpt{withQuery("token=" + tok())}},
	}
	runJWTCases(t, "validate-azure-ad-token", entra.srv.Client(), tests)
}

// TestValidateAzureADTokenAuthorityVariable checks the authority falls back
// to EntraAuthority (POLICYGATE_ENTRA_AUTHORITY) and that the TLS server is
// reached only through Env.Client.
func TestValidateAzureADTokenAuthorityVariable(t *testing.T) {
	entra := newTestEntra(t)
	old := EntraAuthority
	EntraAuthority = entra.srv.URL
	t.Cleanup(func() { EntraAuthority = old })

	step, _ := compileStep(t, `<validate-azure-ad-token tenant-id="`+testTenant+`"/>`)
	now := testNow
	tok := sign(t, jwt.SigningMethodRS256, entra.key("e1"), "e1", entraClaims(entra))
	if err := step.Exec(newJWTRun(entra.srv.Client(), &now, bearer(tok))); err != nil {
		t.Fatalf("EntraAuthority: %v", err)
	}
	if entra.discovery.Load() != 1 {
		t.Errorf("metadata fetched %d times", entra.discovery.Load())
	}
}

func TestAzureADMetadataURL(t *testing.T) {
	for _, tc := range []struct{ authority, tenant, want string }{
		{"https://login.microsoftonline.com", "contoso.onmicrosoft.com", "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"},
		{"https://login.microsoftonline.us/", testTenant, "https://login.microsoftonline.us/" + testTenant + "/v2.0/.well-known/openid-configuration"},
		{"https://login.partner.microsoftonline.cn", "https://contoso.partner.onmschina.cn", "https://login.partner.microsoftonline.cn/contoso.partner.onmschina.cn/v2.0/.well-known/openid-configuration"},
	} {
		if got := entraMetadataURL(tc.authority, tc.tenant); got != tc.want {
			t.Errorf("entraMetadataURL(%q, %q) = %q", tc.authority, tc.tenant, got)
		}
	}
	if !strings.HasPrefix(EntraAuthority, "https://") {
		t.Errorf("EntraAuthority = %q", EntraAuthority)
	}
}
