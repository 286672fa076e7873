// Package engine compiles a gateway configuration — APIs, operations,
// products, subscriptions, backends, fragments, named values and the policy
// documents of every scope — into pipelines, and runs a request through one:
// inbound, backend, outbound, and on-error with context.LastError.
package engine

import (
	"github.com/policygate/policygate/namedvalues"
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
	// values}}, expanded at load time.
	Header map[string][]string
	Query  map[string][]string
	// Authorization header scheme and parameter.
	AuthScheme, AuthParameter string
}
