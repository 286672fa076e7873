// Package engine compiles a gateway configuration — APIs, operations,
// products, subscriptions, backends, fragments, named values and the policy
// documents of every scope — into pipelines, and runs a request through one:
// inbound, backend, outbound, and on-error with context.LastError.
package engine

import (
	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/policies"
	"github.com/policygate/policygate/policies/backendpool"
	"github.com/policygate/policygate/policies/xsd"
)

// Config is the in-memory model of a gateway configuration. The APIOps
// loader and the conformance runner both build one.
type Config struct {
	// Global is the global policy document; nil means APIM's default
	// (<backend><forward-request/></backend>).
	Global *PolicyDoc
	APIs   []*API
	// Products by id.
	Products map[string]*Product
	// Subscriptions accepted by the gateway.
	Subscriptions []*Subscription
	// Backends by id (set-backend-service backend-id).
	Backends map[string]*Backend
	// Fragments by fragment id.
	Fragments map[string]*PolicyDoc
	// Certificates by id: PEM (certificate and key) or PFX bytes, for
	// authentication-certificate and validate-jwt certificate-id.
	Certificates map[string]*Certificate
	// Schemas by id: JSON schemas for validate-content schema-id.
	Schemas map[string]*policies.JSONSchema
	// XMLSchemas by id: XML schemas for validate-content schema-id with
	// validate-as xml or soap.
	XMLSchemas map[string]*xsd.Schema
	// NamedValues resolves {{name}}; nil means none are defined.
	NamedValues *namedvalues.Store
	// Service describes the deployment (context.Deployment).
	Service Service
}

// Service is what context.Deployment exposes.
type Service struct {
	Name, Region, GatewayID string
}

// PolicyDoc is a policy document as written: its file name (for positions)
// and text.
type PolicyDoc struct {
	File   string
	Source []byte
}

// VersionScheme tells where a versioned API reads its version.
type VersionScheme string

// Version schemes.
const (
	VersionPath   VersionScheme = "Segment"
	VersionQuery  VersionScheme = "Query"
	VersionHeader VersionScheme = "Header"
)

// API is one API (one revision of one version).
type API struct {
	ID          string // resource name, e.g. "orders"
	Name        string // display name
	Path        string // URL suffix, "" for the root
	ServiceURL  string // backend base URL
	Protocols   []string
	Description string
	// SubscriptionRequired defaults to true in APIM; the loader sets it.
	SubscriptionRequired bool
	// Key parameter names; empty means the defaults
	// (Ocp-Apim-Subscription-Key, subscription-key).
	KeyHeader, KeyQuery string
	// Versioning: the version set this API belongs to, its version name, and
	// how the version set carries it.
	VersionSet    string
	Version       string
	VersionScheme VersionScheme
	VersionName   string // query parameter or header name
	// Revisions: Revision "1", "2" …; IsCurrent for the one served without ;rev=.
	Revision  string
	IsCurrent bool
	Policy    *PolicyDoc
	// Operations in definition order.
	Operations []*Operation
	// Resolvers are a GraphQL API's managed resolvers (see graphql.go).
	Resolvers []*Resolver
}

// Operation is one operation of an API.
type Operation struct {
	ID          string // operationId
	Name        string
	Method      string // "GET", or "*" for any
	URLTemplate string // "/items/{id}", "/search?q={q}", "/*"
	Policy      *PolicyDoc
	// Examples are response examples for mock-response, keyed by status code
	// then content type.
	Examples map[int]map[string][]byte
	// Spec is the operation's OpenAPI definition prepared for the
	// validation policies (nil when the API has no specification).
	Spec *policies.OperationSpec
	// OpenAPI, when set, builds Examples and Spec on first use instead
	// (apiops.WithLazyOpenAPI); it is safe for concurrent use.
	OpenAPI func() (map[int]map[string][]byte, *policies.OperationSpec)
}

// Product groups APIs; its policy applies to calls made with its key (or
// when it is the API's open product).
type Product struct {
	ID                   string
	Name                 string
	SubscriptionRequired bool
	State                string // "published" or "notPublished"
	APIs                 []string
	Policy               *PolicyDoc
}

// Subscription is a key pair with a scope.
type Subscription struct {
	ID           string
	Name         string
	PrimaryKey   string
	SecondaryKey string
	// Scope is "all", "product/<id>" or "api/<id>".
	Scope  string
	Active bool
	// UserID names the owner (context.User), optional.
	UserID string
}

// Backend is a backend entity.
type Backend struct {
	ID  string
	URL string
	// Credentials added to forwarded requests; values may contain {{named
	// values}}, which the gateway expands (from Config.NamedValues) when it
	// builds its backends.
	Header map[string][]string
	Query  map[string][]string
	// Authorization header scheme and parameter.
	AuthScheme, AuthParameter string
	// Auth is how the gateway authenticates to the backend (nil: only the
	// credentials above).
	Auth *BackendAuth
	// Pool lists the members of a Pool backend, by backend id (URL is then
	// empty); each member's own URL, credentials and TLS settings apply.
	Pool []backendpool.Member
	// CircuitBreaker holds the rules of the backend's circuit breaker.
	CircuitBreaker []backendpool.Rule
	// SkipCertificateValidation turns off the TLS checks of the backend's
	// certificate (tls.validateCertificateChain or validateCertificateName
	// false).
	SkipCertificateValidation bool
}

// BackendAuthKind names how the gateway authenticates to a backend.
type BackendAuthKind string

// Backend authentication kinds (see gateway/apiops for their configuration).
const (
	// AuthNone adds nothing beyond Header, Query and the Authorization
	// scheme and parameter.
	AuthNone BackendAuthKind = ""
	// AuthAPIKey sends Key in the header Header (default "api-key").
	AuthAPIKey BackendAuthKind = "api-key"
	// AuthManagedIdentity sends a token of the gateway's managed identity
	// (ClientID selects a user-assigned one) for Resource or Scope.
	AuthManagedIdentity BackendAuthKind = "managed-identity"
	// AuthClientSecret is a service principal with a client secret.
	AuthClientSecret BackendAuthKind = "client-secret"
	// AuthClientCertificate is a service principal with a certificate.
	AuthClientCertificate BackendAuthKind = "client-certificate"
	// AuthWorkloadIdentity is workload identity federation configured by
	// AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE and
	// AZURE_AUTHORITY_HOST (the fields, when set, override them).
	AuthWorkloadIdentity BackendAuthKind = "workload-identity"
	// AuthClientAssertion is a service principal authenticating with a
	// federated assertion read from TokenFile.
	AuthClientAssertion BackendAuthKind = "client-assertion"
)

// BackendAuth describes how the gateway authenticates to a backend beyond
// static headers: an API key or a Microsoft Entra token sent as
// "Authorization: Bearer <token>". Which fields matter depends on Kind.
// Every string may hold {{named values}}; the gateway expands them when it
// builds the backend (an unknown name is a load error).
type BackendAuth struct {
	Kind BackendAuthKind
	// Header and Key: the API key and the header it goes in.
	Header, Key string
	// Resource (an app ID URI or resource URL, as APIM's managedIdentity
	// credential has it) or Scope (a v2 scope such as
	// "https://cognitiveservices.azure.com/.default") for the Entra kinds;
	// Scope wins when both are set.
	Resource, Scope string
	// TenantID and ClientID identify the service principal; for
	// AuthManagedIdentity ClientID selects a user-assigned identity.
	TenantID, ClientID string
	// ClientSecret for AuthClientSecret.
	ClientSecret string
	// CertificatePath names a PEM or PFX file, or Certificate holds PEM
	// text or base64 PFX, with the private key; CertificatePassword
	// decrypts it. For AuthClientCertificate.
	CertificatePath, Certificate, CertificatePassword string
	// TokenFile holds the federated assertion (AuthClientAssertion,
	// AuthWorkloadIdentity).
	TokenFile string
	// AuthorityHost overrides the Entra authority, e.g.
	// "https://login.microsoftonline.us/".
	AuthorityHost string
}

// Certificate is a certificate the configuration provides.
type Certificate struct {
	File     string // where it was read from, for errors
	Data     []byte // PEM or PFX
	Password string // for PFX
}
