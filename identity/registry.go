package identity

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"net/http"
	"sync"
)

// Registry hands out one Authenticator per distinct backend credential, so
// that backends sharing a credential share one token cache, and a gateway
// that rebuilds its backends on every configuration reload keeps the tokens
// it already holds. A Registry is safe for concurrent use.
//
// Managed identity backends do not get a credential of their own: their
// tokens come from the Source that managed returns (the gateway passes the
// one authentication-managed-identity uses), so the policy and the backends
// share one cache of the gateway's identity.
type Registry struct {
	o       Options
	managed func() Source
	mu      sync.Mutex
	auths   map[[sha256.Size]byte]Authenticator
}

// NewRegistry returns a registry building credentials with o. managed
// returns the token source of KindManagedIdentity backends; nil gives each
// such credential its own cached managed identity credential.
func NewRegistry(o Options, managed func() Source) *Registry {
	return &Registry{o: o, managed: managed, auths: map[[sha256.Size]byte]Authenticator{}}
}

// Authenticator returns the authenticator of bc, built on first use (see
// NewBackendAuthenticator). Errors are not remembered.
func (r *Registry) Authenticator(bc BackendCredential) (Authenticator, error) {
	k := credentialKey(bc)
	r.mu.Lock()
	defer r.mu.Unlock()
	if a, ok := r.auths[k]; ok {
		return a, nil
	}
	var a Authenticator
	var err error
	if bc.Type == KindManagedIdentity && r.managed != nil {
		if bc.Scope == "" {
			_, err = NewBackendAuthenticator(bc, r.o) // reports the missing scope
			return nil, err
		}
		a = &sourceAuth{src: r.managed, scope: bc.Scope, clientID: bc.ClientID}
	} else if a, err = NewBackendAuthenticator(bc, r.o); err != nil {
		return nil, err
	}
	r.auths[k] = a
	return a, nil
}

// Len reports how many authenticators the registry holds.
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.auths)
}

// credentialKey hashes every field of bc, each prefixed by its length so
// that no two credentials collide by concatenation. Only the hash is kept:
// the registry's keys hold no secret.
func credentialKey(bc BackendCredential) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	for _, f := range []string{
		string(bc.Type), bc.Header, bc.Key, bc.Scope, bc.TenantID, bc.ClientID, bc.ClientSecret,
		string(bc.Certificate), bc.CertificatePassword, bc.TokenFile, bc.AuthorityHost,
	} {
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// sourceAuth sends tokens of a shared (cached) source.
type sourceAuth struct {
	src             func() Source
	scope, clientID string
}

func (a *sourceAuth) Authenticate(ctx context.Context, req *http.Request) error {
	tok, _, err := a.src().Token(ctx, a.scope, a.clientID)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}
