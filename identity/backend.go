package identity

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// BackendCredential is how the gateway authenticates to one backend (an AI
// gateway's upstream model endpoint, say). Which fields matter depends on
// Type.
type BackendCredential struct {
	Type Kind
	// Header and Key: KindAPIKey sends Key in Header (default "api-key").
	Header, Key string
	// Scope is the token scope for the Entra kinds, e.g.
	// "https://cognitiveservices.azure.com/.default".
	Scope string
	// TenantID and ClientID identify the service principal (client secret,
	// certificate, assertion, workload identity); for KindManagedIdentity
	// ClientID selects a user-assigned identity ("" = system-assigned).
	TenantID, ClientID string
	// ClientSecret for KindClientSecret.
	ClientSecret string
	// Certificate (PEM or PFX bytes, with the private key) and its password,
	// for KindClientCertificate.
	Certificate         []byte
	CertificatePassword string
	// TokenFile holds the federated token for KindWorkloadIdentity (default
	// AZURE_FEDERATED_TOKEN_FILE) and KindClientAssertion (required); it is
	// read again for every token request, so rotated tokens are picked up.
	TokenFile string
	// AuthorityHost overrides Options.AuthorityHost for this credential.
	AuthorityHost string
}

// Authenticator adds a backend's credentials to an outgoing request.
type Authenticator interface {
	Authenticate(ctx context.Context, req *http.Request) error
}

// NewBackendAuthenticator builds the authenticator of a backend. Entra kinds
// get their own azidentity credential (authority host, HTTP client and
// instance discovery from o) behind a token cache.
func NewBackendAuthenticator(bc BackendCredential, o Options) (Authenticator, error) {
	if bc.Type == KindAPIKey {
		if bc.Key == "" {
			return nil, errors.New("identity: apiKey credential without a key")
		}
		h := bc.Header
		if h == "" {
			h = "api-key"
		}
		return apiKeyAuth{header: h, key: bc.Key}, nil
	}
	if bc.Scope == "" {
		return nil, fmt.Errorf("identity: %s credential without a scope", bc.Type)
	}
	cred, err := NewCredential(bc, o)
	if err != nil {
		return nil, err
	}
	return &bearerAuth{cache: NewCache(cred), scope: bc.Scope}, nil
}

// NewCredential builds the azidentity credential of an Entra backend
// credential as a Source (uncached).
func NewCredential(bc BackendCredential, o Options) (Source, error) {
	if bc.AuthorityHost != "" {
		o.AuthorityHost = bc.AuthorityHost
	}
	co := o.clientOptions()
	var c azcore.TokenCredential
	var err error
	switch bc.Type {
	case KindClientSecret:
		if bc.TenantID == "" || bc.ClientID == "" || bc.ClientSecret == "" {
			return nil, errors.New("identity: clientSecret credential needs tenantId, clientId and clientSecret")
		}
		c, err = azidentity.NewClientSecretCredential(bc.TenantID, bc.ClientID, bc.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: o.DisableInstanceDiscovery})
	case KindClientCertificate:
		if bc.TenantID == "" || bc.ClientID == "" || len(bc.Certificate) == 0 {
			return nil, errors.New("identity: clientCertificate credential needs tenantId, clientId and a certificate")
		}
		certs, key, perr := azidentity.ParseCertificates(bc.Certificate, []byte(bc.CertificatePassword))
		if perr != nil {
			return nil, fmt.Errorf("identity: client certificate: %w", perr)
		}
		c, err = azidentity.NewClientCertificateCredential(bc.TenantID, bc.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: o.DisableInstanceDiscovery})
	case KindManagedIdentity:
		mo := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: co}
		if bc.ClientID != "" {
			mo.ID = azidentity.ClientID(bc.ClientID)
		}
		c, err = azidentity.NewManagedIdentityCredential(mo)
	case KindWorkloadIdentity:
		c, err = azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: co, ClientID: bc.ClientID, TenantID: bc.TenantID, TokenFilePath: bc.TokenFile,
			DisableInstanceDiscovery: o.DisableInstanceDiscovery,
		})
	case KindClientAssertion:
		if bc.TenantID == "" || bc.ClientID == "" || bc.TokenFile == "" {
			return nil, errors.New("identity: clientAssertion credential needs tenantId, clientId and tokenFile")
		}
		file := bc.TokenFile
		c, err = azidentity.NewClientAssertionCredential(bc.TenantID, bc.ClientID, func(context.Context) (string, error) {
			b, err := os.ReadFile(file)
			if err != nil {
				return "", fmt.Errorf("reading client assertion: %w", err)
			}
			return strings.TrimSpace(string(b)), nil
		}, &azidentity.ClientAssertionCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: o.DisableInstanceDiscovery})
	case KindEnvironment:
		c, err = azidentity.NewEnvironmentCredential(&azidentity.EnvironmentCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: o.DisableInstanceDiscovery})
	case KindAzureCLI:
		c, err = azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: bc.TenantID})
	default:
		return nil, fmt.Errorf("identity: unknown credential type %q", bc.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("identity: %s credential: %w", bc.Type, err)
	}
	return credentialSource{c}, nil
}

// credentialSource adapts an azidentity credential; clientID is fixed by
// the credential and ignored.
type credentialSource struct{ c azcore.TokenCredential }

func (s credentialSource) Token(ctx context.Context, scope, _ string) (string, time.Time, error) {
	return credentialToken(ctx, s.c, scope)
}

type apiKeyAuth struct{ header, key string }

func (a apiKeyAuth) Authenticate(_ context.Context, req *http.Request) error {
	req.Header.Set(a.header, a.key)
	return nil
}

type bearerAuth struct {
	cache *Cache
	scope string
}

func (a *bearerAuth) Authenticate(ctx context.Context, req *http.Request) error {
	tok, _, err := a.cache.Token(ctx, a.scope, "")
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

// Transport returns a RoundTripper that adds a's credentials to every
// request before base (http.DefaultTransport when nil) sends it. The
// caller's request is not modified.
func Transport(base http.RoundTripper, a Authenticator) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &authTransport{base: base, auth: a}
}

type authTransport struct {
	base http.RoundTripper
	auth Authenticator
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if err := t.auth.Authenticate(req.Context(), r); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	return t.base.RoundTrip(r)
}
