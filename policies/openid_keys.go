package policies

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// OpenIDKeys gives code outside the policies (the configuration server's
// Entra ID check) the key cache validate-jwt uses: discovery metadata and
// JWKS fetched once, cached for OIDCCacheTTL, refetched for an unknown kid
// at most once per OIDCRefetchInterval, one fetch in flight at a time.
type OpenIDKeys struct {
	src    *oidcSource
	client *http.Client
}

// NewOpenIDKeys caches the keys of one discovery URL
// (…/.well-known/openid-configuration); client nil uses validate-jwt's
// default client.
func NewOpenIDKeys(discoveryURL string, client *http.Client) *OpenIDKeys {
	return &OpenIDKeys{src: &oidcSource{url: discoveryURL}, client: client}
}

// Issuer returns the issuer the metadata announces.
func (k *OpenIDKeys) Issuer(ctx context.Context) (string, error) {
	iss, _, err := k.src.Get(ctx, k.client, time.Now(), "")
	return iss, err
}

// Keyfunc returns a jwt.Keyfunc that picks the cached keys matching the
// token's kid and algorithm family (never an RSA key for an HMAC token).
// The returned asymmetric algorithms suit jwt.WithValidMethods.
func (k *OpenIDKeys) Keyfunc(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		alg, _ := t.Header["alg"].(string)
		_, keys, err := k.src.Get(ctx, k.client, time.Now(), kid)
		if err != nil {
			return nil, err
		}
		var set jwt.VerificationKeySet
		for _, key := range keys {
			if (kid == "" || key.ID == "" || key.ID == kid) && key.Kind != keyHMAC && key.fits(alg) {
				set.Keys = append(set.Keys, key.Key)
			}
		}
		if len(set.Keys) == 0 {
			return nil, jwt.ErrTokenUnverifiable
		}
		return set, nil
	}
}

// OpenIDMethods are the asymmetric algorithms an OpenID key set verifies.
func OpenIDMethods() []string {
	var out []string
	for _, m := range jwtAllMethods {
		if !strings.HasPrefix(m, "HS") {
			out = append(out, m)
		}
	}
	return out
}
