package gateway

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/identity"
	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
)

// CodeBadBackend is the load error of a backend whose credentials cannot be
// built: an unknown named value, a missing setting, an unreadable
// certificate.
const CodeBadBackend = "bad_backend"

// WithIdentity sets how backends with Entra credentials get tokens: the
// authority host, the HTTP client of token requests, instance discovery.
func WithIdentity(o identity.Options) Option {
	return func(op *options) { op.identity = o }
}

// WithBackendAuth shares a registry of backend authenticators, and so
// their token caches, between gateways (the server's plain and traced
// gateways). Without it each gateway has its own. Managed identity backends
// always use policies.TokenSource, the cache authentication-managed-identity
// uses.
func WithBackendAuth(r *identity.Registry) Option {
	return func(op *options) { op.auths = r }
}

// NewBackendAuth returns a registry for WithBackendAuth.
func NewBackendAuth(o identity.Options) *identity.Registry {
	return identity.NewRegistry(o, policies.TokenSource)
}

// CheckBackends reports the backends of cfg whose credentials cannot be
// built (see buildBackends), as load errors naming the backend. New and the
// Reloader refuse such a configuration.
func CheckBackends(cfg *engine.Config) parser.Errors {
	_, errs := buildBackends(cfg, identity.NewRegistry(identity.Options{}, nil))
	return errs
}

// buildBackends turns the configuration's backends into the entities
// set-backend-service selects. This is the one place where backend
// credentials get their {{named values}} expanded (header and query values,
// the authorization parameter, every Auth setting), from cfg.NamedValues; an
// unknown name is an error naming the backend. The authenticator of Auth
// comes from reg, so that equal credentials share a token cache across
// backends and reloads. A backend with errors still gets an entity, whose
// authenticator always fails: it is never called without its credential.
func buildBackends(cfg *engine.Config, reg *identity.Registry) (map[string]*policies.BackendEntity, parser.Errors) {
	ids := slices.Sorted(maps.Keys(cfg.Backends))
	out := map[string]*policies.BackendEntity{}
	var errs parser.Errors
	for _, id := range ids {
		b := cfg.Backends[id]
		if b == nil {
			continue
		}
		u, err := url.Parse(b.URL)
		if err != nil {
			continue
		}
		x := &expander{id: id, nv: cfg.NamedValues}
		be := &policies.BackendEntity{ID: id, URL: u, Header: http.Header{}, Query: url.Values{},
			AuthScheme: b.AuthScheme, AuthParameter: x.expand("authorization parameter", b.AuthParameter)}
		for k, vs := range b.Header {
			for _, v := range vs {
				be.Header.Add(k, x.expand("header "+k, v))
			}
		}
		for k, vs := range b.Query {
			for _, v := range vs {
				be.Query.Add(k, x.expand("query parameter "+k, v))
			}
		}
		if b.Auth != nil && b.Auth.Kind != engine.AuthNone {
			bc, err := backendCredential(x, b.Auth)
			if err == nil && len(x.errs) == 0 {
				be.Auth, err = reg.Authenticator(bc)
			}
			if err != nil {
				x.errorf("%s credential: %v", b.Auth.Kind, err)
			}
		}
		if be.Auth != nil {
			be.Auth = tracedAuth{be.Auth, id}
		}
		if len(x.errs) > 0 {
			be.Auth = failedAuth{errors.New("backend " + id + " has invalid credentials")}
			errs = append(errs, x.errs...)
		}
		out[id] = be
	}
	return out, errs
}

// expander expands the named values of one backend's settings and
// collects the problems. Messages name settings and references, never
// values.
type expander struct {
	id   string
	nv   *namedvalues.Store
	errs parser.Errors
}

func (x *expander) errorf(format string, args ...any) {
	x.errs = append(x.errs, &parser.Error{
		Pos: parser.Pos{File: "backends/" + x.id, Line: 1, Col: 1}, Code: CodeBadBackend,
		Msg: fmt.Sprintf("backend %q: ", x.id) + fmt.Sprintf(format, args...),
	})
}

func (x *expander) expand(what, s string) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	e, probs := namedvalues.Expand(s, x.nv.Lookup, namedvalues.Options{Strict: true})
	for _, p := range probs {
		if p.Severity == parser.SeverityError {
			x.errs = append(x.errs, &parser.Error{
				Pos: parser.Pos{File: "backends/" + x.id, Line: 1, Col: 1}, Code: p.Code,
				Msg: fmt.Sprintf("backend %q: %s: %s", x.id, what, p.Msg),
			})
		}
	}
	return e.Text
}

// backendCredential maps a backend's Auth onto identity's credential, with
// named values expanded.
func backendCredential(x *expander, a *engine.BackendAuth) (identity.BackendCredential, error) {
	ex := func(what, s string) string { return x.expand(string(a.Kind)+" "+what, s) }
	bc := identity.BackendCredential{
		TenantID: ex("tenantId", a.TenantID), ClientID: ex("clientId", a.ClientID),
		AuthorityHost: ex("authorityHost", a.AuthorityHost),
	}
	scope := ex("scope", a.Scope)
	if scope == "" {
		if r := ex("resource", a.Resource); r != "" {
			scope = identity.ScopeForResource(r)
		}
	}
	bc.Scope = scope
	switch a.Kind {
	case engine.AuthAPIKey:
		bc = identity.BackendCredential{Type: identity.KindAPIKey, Header: ex("header", a.Header), Key: ex("key", a.Key)}
	case engine.AuthManagedIdentity:
		bc.Type = identity.KindManagedIdentity
	case engine.AuthClientSecret:
		bc.Type, bc.ClientSecret = identity.KindClientSecret, ex("clientSecret", a.ClientSecret)
	case engine.AuthClientCertificate:
		bc.Type, bc.CertificatePassword = identity.KindClientCertificate, ex("certificatePassword", a.CertificatePassword)
		switch path, inline := ex("certificatePath", a.CertificatePath), ex("certificate", a.Certificate); {
		case path != "":
			data, err := os.ReadFile(path)
			if err != nil {
				return bc, fmt.Errorf("reading the certificate: %w", err)
			}
			bc.Certificate = data
		case strings.Contains(inline, "-----BEGIN"):
			bc.Certificate = []byte(inline)
		case inline != "":
			data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(inline))
			if err != nil {
				return bc, errors.New("the certificate is neither PEM nor base64 PFX")
			}
			bc.Certificate = data
		}
	case engine.AuthWorkloadIdentity:
		bc.Type, bc.TokenFile = identity.KindWorkloadIdentity, ex("tokenFile", a.TokenFile)
	case engine.AuthClientAssertion:
		bc.Type, bc.TokenFile = identity.KindClientAssertion, ex("tokenFile", a.TokenFile)
	default:
		return bc, fmt.Errorf("unknown kind (want api-key, managed-identity, client-secret, client-certificate, workload-identity or client-assertion)")
	}
	return bc, nil
}

// failedAuth is the authenticator of a backend whose credentials could not
// be built.
type failedAuth struct{ err error }

func (f failedAuth) Authenticate(context.Context, *http.Request) error { return f.err }
