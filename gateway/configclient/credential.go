package configclient

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/policygate/policygate/gateway"
	"github.com/policygate/policygate/gateway/fleet"
	"github.com/policygate/policygate/identity"
)

// credential produces the Authorization header of a request to the
// configuration endpoint, and when it expires.
type credential interface {
	authorization(ctx context.Context) (header string, expires time.Time, err error)
}

// newCredential picks the credential config.service.auth names.
func newCredential(set gateway.ServiceSettings, o identity.Options) (credential, error) {
	switch strings.ToLower(set.Auth) {
	case "":
		return nil, errors.New("config.service.auth is required with config.service.endpoint")
	case "key":
		if set.Key == "" && set.KeyPath == "" {
			return nil, errors.New("config.service.auth=key needs config.service.auth.key or config.service.auth.key.path")
		}
		return &gatewayToken{inline: set.Key, path: set.KeyPath}, nil
	case "azureadapp":
		if set.TenantID == "" || set.ClientID == "" || (set.ClientSecret == "") == (set.CertificatePath == "") {
			return nil, errors.New("config.service.auth=azureAdApp needs config.service.auth.azureAd.tenantId, .clientId and one of .clientSecret or .certificatePath")
		}
		if set.GatewayName == "" {
			return nil, errors.New("config.service.auth=azureAdApp needs gateway.name")
		}
		bc := identity.BackendCredential{Type: identity.KindClientSecret, TenantID: set.TenantID, ClientID: set.ClientID, ClientSecret: set.ClientSecret, AuthorityHost: set.Authority}
		if set.CertificatePath != "" {
			bc.Type, bc.ClientSecret = identity.KindClientCertificate, ""
			ec := &entraCert{path: set.CertificatePath, bc: bc, audience: set.TokenAudience, o: o}
			if _, err := ec.current(); err != nil {
				return nil, err
			}
			return ec, nil
		}
		return newEntra(bc, set.TokenAudience, o)
	case "workloadidentity":
		if set.GatewayName == "" {
			return nil, errors.New("config.service.auth=workloadIdentity needs gateway.name")
		}
		// AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE and
		// AZURE_AUTHORITY_HOST come from the environment (the AKS webhook
		// sets them); the token file is read again as it rotates.
		return newEntra(identity.BackendCredential{Type: identity.KindWorkloadIdentity}, set.TokenAudience, o)
	}
	return &gatewayToken{inline: set.Auth}, nil
}

// gatewayToken is a GatewayKey token, inline or from a file that is read
// again whenever it changes (a rotated Kubernetes secret).
type gatewayToken struct {
	inline, path string

	mu   sync.Mutex
	mod  time.Time
	size int64
	tok  string
	exp  time.Time
}

func (g *gatewayToken) authorization(context.Context) (string, time.Time, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	raw := g.inline
	if g.path != "" {
		st, err := os.Stat(g.path)
		if err != nil {
			return "", time.Time{}, fmt.Errorf("gateway token file: %w", err)
		}
		if g.tok != "" && st.ModTime().Equal(g.mod) && st.Size() == g.size {
			return g.tok, g.exp, nil
		}
		b, err := os.ReadFile(g.path)
		if err != nil {
			return "", time.Time{}, fmt.Errorf("gateway token file: %w", err)
		}
		raw, g.mod, g.size = string(b), st.ModTime(), st.Size()
	} else if g.tok != "" {
		return g.tok, g.exp, nil
	}
	t, err := fleet.ParseToken(raw)
	if err != nil {
		return "", time.Time{}, errors.New("the gateway token is malformed (want GatewayKey <gateway>&<yyyyMMddHHmm>&<signature>)")
	}
	g.tok = fleet.TokenScheme + " " + strings.TrimPrefix(strings.TrimSpace(raw), fleet.TokenScheme+" ")
	g.exp = t.Expiry
	return g.tok, g.exp, nil
}

// entra is an Entra ID access token for the configuration audience, from
// an azidentity credential behind the identity cache (refreshed before it
// expires).
type entra struct {
	cache *identity.Cache
	scope string
}

func newEntra(bc identity.BackendCredential, audience string, o identity.Options) (*entra, error) {
	if audience == "" {
		audience = "https://azure-api.net/configuration"
	}
	src, err := identity.NewCredential(bc, o)
	if err != nil {
		return nil, err
	}
	return &entra{cache: identity.NewCache(src), scope: strings.TrimRight(audience, "/") + "/.default"}, nil
}

func (e *entra) authorization(ctx context.Context) (string, time.Time, error) {
	tok, exp, err := e.cache.Token(ctx, e.scope, "")
	if err != nil {
		return "", time.Time{}, err
	}
	return "Bearer " + tok, exp, nil
}

// entraCert is an Entra ID application credential with a certificate
// file, read again when it changes (a renewed certificate in a mounted
// secret): a changed file starts a new credential, so the next token is
// requested with the new certificate. While the file is missing or
// unusable the previous certificate stays in use.
type entraCert struct {
	path     string
	bc       identity.BackendCredential
	audience string
	o        identity.Options

	mu   sync.Mutex
	mod  time.Time
	size int64
	cur  *entra
}

// current is the credential of the file as it is now.
func (c *entraCert) current() (*entra, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := os.Stat(c.path)
	if err != nil {
		if c.cur != nil {
			return c.cur, nil // keep the last good certificate while the file is swapped
		}
		return nil, fmt.Errorf("config.service.auth.azureAd.certificatePath: %w", err)
	}
	if c.cur != nil && st.ModTime().Equal(c.mod) && st.Size() == c.size {
		return c.cur, nil
	}
	pem, err := os.ReadFile(c.path)
	if err == nil {
		bc := c.bc
		bc.Certificate = pem
		var e *entra
		if e, err = newEntra(bc, c.audience, c.o); err == nil {
			c.cur, c.mod, c.size = e, st.ModTime(), st.Size()
			return e, nil
		}
	}
	if c.cur != nil {
		return c.cur, fmt.Errorf("config.service.auth.azureAd.certificatePath changed but cannot be used (keeping the previous certificate): %w", err)
	}
	return nil, fmt.Errorf("config.service.auth.azureAd.certificatePath: %w", err)
}

func (c *entraCert) authorization(ctx context.Context) (string, time.Time, error) {
	e, err := c.current()
	if e == nil {
		return "", time.Time{}, err
	}
	return e.authorization(ctx)
}
