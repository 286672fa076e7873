package policies

import (
	"errors"
	"net/url"
	"os"
	"strings"

	"github.com/policygate/policygate/parser"
)

// validateAzureADToken implements <validate-azure-ad-token> (spec
// policies.md §2.19):
//
//	<validate-azure-ad-token tenant-id="contoso.onmicrosoft.com | guid"
//	    header-name="Authorization" | query-parameter-name="…" | token-value="@(…)"
//	    authentication-endpoint="https://login.microsoftonline.com"
//	    failed-validation-httpcode="401" failed-validation-error-message="…"
//	    output-token-variable-name="jwt">
//	  <backend-application-ids><application-id>…</application-id></backend-application-ids>
//	  <client-application-ids><application-id>…</application-id></client-application-ids>
//	  <audiences><audience>…</audience></audiences>
//	  <required-claims><claim name="…" match="all|any" separator="…"><value>…</value></claim></required-claims>
//	  <decryption-keys><key>base64-symmetric-key</key></decryption-keys>
//	</validate-azure-ad-token>
//
// It validates like validate-jwt (signed token, exp required, no clock
// skew) with the issuer and signing keys of the tenant's Entra metadata,
// {authority}/{tenant}/v2.0/.well-known/openid-configuration. The authority
// is authentication-endpoint, else EntraAuthority. Accepted issuers are the
// metadata issuer (its {tenantid} placeholder filled from the token's tid)
// and the v1 form https://sts.windows.net/{tid}/ of the same tenant.
// Audiences are <audiences> plus the backend application ids (as the bare
// id and as api://id); the client application is the token's azp (v2) or
// appid (v1) claim and must be listed when client-application-ids is.
// Failures use Source validate-azure-ad-token, the reasons of validate-jwt,
// and TokenClientAppNotAllowed for a client application not listed.
type validateAzureADToken struct {
	v *jwtValidator
}

var _ Step = (*validateAzureADToken)(nil)

// EntraAuthority is the Microsoft Entra authority used when
// validate-azure-ad-token has no authentication-endpoint. It defaults to
// the public cloud and can be set with POLICYGATE_ENTRA_AUTHORITY (sovereign
// clouds, local test authorities).
var EntraAuthority = entraAuthorityFromEnv()

func entraAuthorityFromEnv() string {
	if a := strings.TrimSpace(os.Getenv("POLICYGATE_ENTRA_AUTHORITY")); a != "" {
		return strings.TrimRight(a, "/")
	}
	return "https://login.microsoftonline.com"
}

func init() { Register("validate-azure-ad-token", compileValidateAzureADToken) }

func compileValidateAzureADToken(el *parser.Element, c *Compiler) (Step, error) {
	v := jwtCompileCommon(el, c, "validate-azure-ad-token")
	// The attributes validate-jwt has and this policy has not keep their
	// defaults: signed tokens, exp required, no skew.
	v.requireScheme, v.requireExp, v.requireSigned, v.clockSkew = &Value{}, &Value{}, &Value{}, &Value{}
	if !v.header.Present && !v.query.Present && !v.token.Present {
		v.isAuthHeader = true // header-name defaults to Authorization
	}
	tenant := c.Attr(el, "tenant-id", KindString)
	if !tenant.Present {
		return nil, errors.New("validate-azure-ad-token needs a tenant-id")
	}
	endpoint := c.Attr(el, "authentication-endpoint", KindString)
	v.oidcFn = func(r *Run) (string, error) {
		t, err := tenant.String(r)
		if err != nil {
			return "", err
		}
		authority, err := endpoint.StringOr(r, EntraAuthority)
		if err != nil {
			return "", err
		}
		return entraMetadataURL(authority, t), nil
	}
	if lt, ok := tenant.Literal(); ok {
		if le, ok := endpoint.Literal(); ok || !endpoint.Present {
			if !endpoint.Present {
				le = EntraAuthority
			}
			u := entraMetadataURL(le, lt)
			v.oidcFn = nil
			v.oidc = []string{u}
		}
	}
	for _, id := range jwtList(el, c, "backend-application-ids", "application-id") {
		v.audiences = append(v.audiences, id)
		if lit, ok := id.Literal(); ok && !strings.HasPrefix(lit, "api://") {
			v.audiences = append(v.audiences, &Value{Present: true, lit: "api://" + lit, pos: id.pos})
		}
	}
	v.clientApps = jwtList(el, c, "client-application-ids", "application-id")
	v.issuerCheck = entraIssuerOK
	v.finish()
	return &validateAzureADToken{v: v}, nil
}

// Exec validates the Entra token of the request.
func (p *validateAzureADToken) Exec(r *Run) error { return p.v.exec(r) }

// entraMetadataURL is the v2.0 discovery URL of a tenant. A tenant given as
// a URL (https://contoso.onmicrosoft.com) stands for its host name.
func entraMetadataURL(authority, tenant string) string {
	tenant = strings.TrimSpace(tenant)
	if strings.Contains(tenant, "://") {
		if u, err := url.Parse(tenant); err == nil && u.Host != "" {
			tenant = u.Host
		}
	}
	return strings.TrimRight(strings.TrimSpace(authority), "/") + "/" + url.PathEscape(strings.Trim(tenant, "/")) + "/v2.0/.well-known/openid-configuration"
}

// entraIssuerOK accepts the metadata issuer (with {tenantid} filled from the
// token's tid) and the v1 issuer of the same tenant.
func entraIssuerOK(iss, meta string, claim func(string) string) bool {
	tid := claim("tid")
	if strings.Contains(meta, "{tenantid}") {
		if tid == "" {
			return false
		}
		meta = strings.ReplaceAll(meta, "{tenantid}", tid)
	}
	if iss == meta {
		return true
	}
	// v1 tokens: https://sts.windows.net/{tid}/ where the v2 issuer is
	// https://{authority}/{tid}/v2.0.
	if tid != "" && strings.HasSuffix(meta, "/"+tid+"/v2.0") {
		return iss == "https://sts.windows.net/"+tid+"/"
	}
	return false
}
