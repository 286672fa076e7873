// Package identity gets Microsoft Entra access tokens for the gateway's own
// calls: authentication-managed-identity, and backends (an AI gateway's
// upstreams) configured with Entra credentials. Everything goes through
// azidentity; this package chooses the credential, keeps one per identity,
// and caches tokens so that requests do not each fetch one.
//
// Nothing here logs a token, key or secret, and errors never carry one.
package identity

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Source gets an access token for scope (e.g.
// "https://vault.azure.net/.default") as identity clientID ("" for the
// default identity: the system-assigned managed identity, or whatever the
// credential chain finds). It returns the token and when it expires.
type Source interface {
	Token(ctx context.Context, scope, clientID string) (token string, expires time.Time, err error)
}

// Kind names a way to obtain tokens.
type Kind string

// Credential kinds. The first four make up the default source's chain; the
// others (and managed and workload identity again) configure backends.
const (
	// KindManagedIdentity is an Azure managed identity: App Service and
	// Functions (IDENTITY_ENDPOINT + IDENTITY_HEADER), Azure Arc, Cloud
	// Shell, Service Fabric, or a VM's IMDS endpoint. A client ID selects a
	// user-assigned identity.
	KindManagedIdentity Kind = "managedIdentity"
	// KindEnvironment is a service principal from AZURE_TENANT_ID,
	// AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or
	// AZURE_CLIENT_CERTIFICATE_PATH and AZURE_CLIENT_CERTIFICATE_PASSWORD).
	KindEnvironment Kind = "environment"
	// KindWorkloadIdentity is Kubernetes (or any) workload identity
	// federation: AZURE_TENANT_ID, AZURE_CLIENT_ID and
	// AZURE_FEDERATED_TOKEN_FILE, authority from AZURE_AUTHORITY_HOST.
	KindWorkloadIdentity Kind = "workloadIdentity"
	// KindAzureCLI is the account logged in with `az login`.
	KindAzureCLI Kind = "azureCLI"

	// KindAPIKey is a static key sent in a header (backends only).
	KindAPIKey Kind = "apiKey"
	// KindClientSecret is a service principal with a client secret.
	KindClientSecret Kind = "clientSecret"
	// KindClientCertificate is a service principal with a certificate.
	KindClientCertificate Kind = "clientCertificate"
	// KindClientAssertion is a service principal authenticating with a
	// federated client assertion read from a file on every token request.
	KindClientAssertion Kind = "clientAssertion"
)

// Options configure credentials.
type Options struct {
	// Chain lists the kinds the default source tries, in order. Empty means
	// DefaultChain(). On an Azure VM or scale set (IMDS only, no environment
	// marker) set it to []Kind{KindManagedIdentity}.
	Chain []Kind
	// AuthorityHost is the Entra authority, e.g.
	// "https://login.microsoftonline.com/"; empty means AZURE_AUTHORITY_HOST
	// or the public cloud. It must be https.
	AuthorityHost string
	// HTTPClient sends the token requests (tests pass one that trusts their
	// TLS server); nil uses the SDK's default transport.
	HTTPClient *http.Client
	// DisableInstanceDiscovery skips Entra instance discovery, for private
	// clouds, Azure Stack and local test authorities.
	DisableInstanceDiscovery bool
	// TenantID overrides AZURE_TENANT_ID for the workload identity of the
	// default chain.
	TenantID string
}

func (o Options) clientOptions() azcore.ClientOptions {
	var co azcore.ClientOptions
	if o.AuthorityHost != "" {
		co.Cloud = cloud.Configuration{ActiveDirectoryAuthorityHost: o.AuthorityHost}
	}
	if o.HTTPClient != nil {
		co.Transport = o.HTTPClient
	}
	return co
}

// OnAzure reports whether the environment offers a managed identity endpoint
// other than IMDS (App Service, Functions, Container Apps, Arc, Cloud Shell,
// Service Fabric).
func OnAzure() bool {
	return os.Getenv("IDENTITY_ENDPOINT") != "" || os.Getenv("MSI_ENDPOINT") != "" || os.Getenv("IMDS_ENDPOINT") != ""
}

// DefaultChain is the chain used when Options.Chain is empty: managed
// identity alone where the environment offers an endpoint (OnAzure);
// otherwise, on a developer machine or in CI, the environment's service
// principal, workload identity (when AZURE_FEDERATED_TOKEN_FILE is set) and
// the Azure CLI. IMDS is left out of the automatic chain off Azure: probing
// 169.254.169.254 where nothing answers would hold requests for the SDK's
// retries.
func DefaultChain() []Kind {
	if OnAzure() {
		return []Kind{KindManagedIdentity}
	}
	chain := []Kind{KindEnvironment}
	if os.Getenv("AZURE_FEDERATED_TOKEN_FILE") != "" {
		chain = append(chain, KindWorkloadIdentity)
	}
	return append(chain, KindAzureCLI)
}

// New returns the default token source: the credential chain of o, one
// credential per client ID, built on first use. It does not cache tokens
// itself beyond what azidentity does; wrap it in NewCache.
func New(o Options) (Source, error) {
	chain := o.Chain
	if len(chain) == 0 {
		chain = DefaultChain()
	}
	for _, k := range chain {
		switch k {
		case KindManagedIdentity, KindEnvironment, KindWorkloadIdentity, KindAzureCLI:
		default:
			return nil, fmt.Errorf("identity: %q cannot be part of the default chain", k)
		}
	}
	return &chainSource{o: o, chain: chain, creds: map[string]azcore.TokenCredential{}}, nil
}

// chainSource builds one credential (chain) per client ID.
type chainSource struct {
	o     Options
	chain []Kind
	mu    sync.Mutex
	creds map[string]azcore.TokenCredential
}

func (s *chainSource) credential(clientID string) (azcore.TokenCredential, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.creds[clientID]; ok {
		return c, nil
	}
	co := s.o.clientOptions()
	var list []azcore.TokenCredential
	var errs []error
	for _, k := range s.chain {
		var c azcore.TokenCredential
		var err error
		switch k {
		case KindManagedIdentity:
			mo := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: co}
			if clientID != "" {
				mo.ID = azidentity.ClientID(clientID)
			}
			c, err = azidentity.NewManagedIdentityCredential(mo)
		case KindEnvironment:
			c, err = azidentity.NewEnvironmentCredential(&azidentity.EnvironmentCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: s.o.DisableInstanceDiscovery})
		case KindWorkloadIdentity:
			c, err = azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
				ClientOptions: co, ClientID: clientID, TenantID: s.o.TenantID, DisableInstanceDiscovery: s.o.DisableInstanceDiscovery,
			})
		case KindAzureCLI:
			c, err = azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: s.o.TenantID})
		}
		if err != nil {
			// A credential that cannot be configured here (no environment
			// variables) is skipped, as DefaultAzureCredential does.
			errs = append(errs, fmt.Errorf("%s: %w", k, err))
			continue
		}
		list = append(list, c)
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("identity: no credential is configured: %w", errors.Join(errs...))
	}
	var c azcore.TokenCredential = list[0]
	if len(list) > 1 {
		chained, err := azidentity.NewChainedTokenCredential(list, nil)
		if err != nil {
			return nil, fmt.Errorf("identity: %w", err)
		}
		c = chained
	}
	s.creds[clientID] = c
	return c, nil
}

// Token gets a token from the credential for clientID.
func (s *chainSource) Token(ctx context.Context, scope, clientID string) (string, time.Time, error) {
	c, err := s.credential(clientID)
	if err != nil {
		return "", time.Time{}, err
	}
	return credentialToken(ctx, c, scope)
}

func credentialToken(ctx context.Context, c azcore.TokenCredential, scope string) (string, time.Time, error) {
	tok, err := c.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("identity: token for %s: %w", scope, err)
	}
	return tok.Token, tok.ExpiresOn, nil
}

// ScopeForResource turns an APIM resource (an app ID URI or resource URL)
// into a v2 scope. The resource is kept exactly, a trailing slash included:
// "https://storage.azure.com/" becomes "https://storage.azure.com//.default",
// which asks Entra for a token whose audience keeps the slash, as APIM's
// resource-based request does; managed identity endpoints get the resource
// back by removing "/.default". A resource that already is a scope (ends in
// "/.default") is returned unchanged.
func ScopeForResource(resource string) string {
	resource = strings.TrimSpace(resource)
	if strings.HasSuffix(resource, "/.default") {
		return resource
	}
	return resource + "/.default"
}
