package namedvalues

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// DefaultRefreshInterval is how often StartRefresh re-reads Key Vault
// secrets when given no interval: APIM picks up a rotated secret within
// four hours.
const DefaultRefreshInterval = 4 * time.Hour

// SecretResolver fetches the value of a Key Vault-backed named value.
// KeyVaultResolver is the real one; tests may use their own.
type SecretResolver interface {
	Resolve(ctx context.Context, ref KeyVaultRef) (string, error)
}

// KeyVaultResolver reads secrets with the azsecrets client, one client per
// vault and identity.
type KeyVaultResolver struct {
	cred    azcore.TokenCredential
	options azsecrets.ClientOptions

	mu      sync.Mutex
	creds   map[string]azcore.TokenCredential // by identity client ID
	clients map[string]*azsecrets.Client      // by vault URL + identity
}

// KeyVaultOption configures a KeyVaultResolver.
type KeyVaultOption func(*KeyVaultResolver)

// WithCredential makes the resolver use cred for every secret, whatever its
// IdentityClientID. Without it the resolver uses a managed identity
// credential for references that name an identity and
// azidentity.DefaultAzureCredential for the others.
func WithCredential(cred azcore.TokenCredential) KeyVaultOption {
	return func(r *KeyVaultResolver) { r.cred = cred }
}

// WithClientOptions sets the azcore options of the Key Vault clients:
// transport, retry policy and so on. Tests use it to reach a local TLS
// server.
func WithClientOptions(o azcore.ClientOptions) KeyVaultOption {
	return func(r *KeyVaultResolver) { r.options.ClientOptions = o }
}

// NewKeyVaultResolver returns a resolver. Challenge resource verification
// is disabled, so a vault need not be under a known Azure domain (sovereign
// clouds, local emulators, tests); the credential is still only sent to the
// host named by the secret identifier.
func NewKeyVaultResolver(opts ...KeyVaultOption) *KeyVaultResolver {
	r := &KeyVaultResolver{
		creds:   map[string]azcore.TokenCredential{},
		clients: map[string]*azsecrets.Client{},
	}
	for _, o := range opts {
		o(r)
	}
	r.options.DisableChallengeResourceVerification = true
	return r
}

// ParseSecretIdentifier splits a secret identifier,
// https://<vault>/secrets/<name>[/<version>], into the vault URL, the secret
// name and the version (empty for the latest).
func ParseSecretIdentifier(id string) (vaultURL, name, version string, err error) {
	u, err := url.Parse(id)
	if err != nil {
		return "", "", "", fmt.Errorf("bad secret identifier %q: %w", id, err)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if u.Scheme != "https" || u.Host == "" || len(parts) < 2 || len(parts) > 3 || parts[0] != "secrets" || parts[1] == "" {
		return "", "", "", fmt.Errorf("bad secret identifier %q: want https://<vault>/secrets/<name>[/<version>]", id)
	}
	if len(parts) == 3 {
		version = parts[2]
	}
	return u.Scheme + "://" + u.Host, parts[1], version, nil
}

// Resolve fetches the secret ref points at. Errors wrap ErrKeyVault.
func (r *KeyVaultResolver) Resolve(ctx context.Context, ref KeyVaultRef) (string, error) {
	vault, name, version, err := ParseSecretIdentifier(ref.SecretIdentifier)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrKeyVault, err)
	}
	c, err := r.client(vault, ref.IdentityClientID)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrKeyVault, ref.SecretIdentifier, err)
	}
	resp, err := c.GetSecret(ctx, name, version, nil)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrKeyVault, ref.SecretIdentifier, err)
	}
	if resp.Value == nil {
		return "", fmt.Errorf("%w: %s: response has no value", ErrKeyVault, ref.SecretIdentifier)
	}
	return *resp.Value, nil
}

func (r *KeyVaultResolver) client(vault, identity string) (*azsecrets.Client, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := vault + "|" + identity
	if c, ok := r.clients[key]; ok {
		return c, nil
	}
	cred := r.cred
	if cred == nil {
		cred = r.creds[identity]
	}
	if cred == nil {
		var err error
		if identity != "" {
			cred, err = azidentity.NewManagedIdentityCredential(&azidentity.ManagedIdentityCredentialOptions{
				ID: azidentity.ClientID(identity),
			})
		} else {
			cred, err = azidentity.NewDefaultAzureCredential(nil)
		}
		if err != nil {
			return nil, err
		}
		r.creds[identity] = cred
	}
	opts := r.options
	c, err := azsecrets.NewClient(vault, cred, &opts)
	if err != nil {
		return nil, err
	}
	r.clients[key] = c
	return c, nil
}

// SetResolver sets the resolver Refresh uses.
func (s *Store) SetResolver(r SecretResolver) {
	s.mu.Lock()
	s.resolver = r
	s.mu.Unlock()
}

// Refresh fetches every Key Vault-backed value, except those overridden
// from the environment, and stores those that changed. A value that cannot
// be fetched, or that is not a valid value, keeps its last good value, and
// the failure is part of the returned error (errors.Join of one error per
// value, each wrapping ErrKeyVault and naming the value, never showing it).
// Changed is signalled when any value changed, the first fetch included. A
// replaced secret value stays masked by Redact (see MaxRetired), since
// requests running on the previous snapshot may still carry it. Refresh
// with no resolver
// set, or no Key Vault-backed values, does nothing.
func (s *Store) Refresh(ctx context.Context) error {
	s.mu.RLock()
	r := s.resolver
	type job struct {
		name string
		ref  KeyVaultRef
	}
	var jobs []job
	for n, e := range s.byName {
		if e.nv.KeyVault != nil && !e.pinned {
			jobs = append(jobs, job{n, *e.nv.KeyVault})
		}
	}
	s.mu.RUnlock()
	if r == nil || len(jobs) == 0 {
		return nil
	}
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].name < jobs[j].name })
	var errs []error
	changed := false
	for _, j := range jobs {
		v, err := r.Resolve(ctx, j.ref)
		if err == nil {
			err = ValidateValue(v)
		}
		if err != nil {
			if !errors.Is(err, ErrKeyVault) {
				err = fmt.Errorf("%w: %w", ErrKeyVault, err)
			}
			errs = append(errs, fmt.Errorf("named value %q: %w", j.name, err))
			continue
		}
		s.mu.Lock()
		// the entry may have been replaced while we fetched
		if e, ok := s.byName[j.name]; ok && !e.pinned && e.nv.KeyVault != nil && *e.nv.KeyVault == j.ref && e.nv.Value != v {
			nv := e.nv
			if nv.Value != "" {
				s.retireLocked(nv.Value)
			}
			nv.Value, nv.Source = v, "keyvault:"+j.ref.SecretIdentifier
			s.byName[j.name] = &entry{nv: nv}
			s.rebuildRedactorLocked()
			changed = true
		}
		s.mu.Unlock()
	}
	if changed {
		s.notify()
	}
	return errors.Join(errs...)
}

// StartRefresh calls Refresh every interval (DefaultRefreshInterval when
// interval <= 0) in a goroutine until ctx is done or stop is called; stop
// waits for the goroutine to end. The first call happens after one
// interval: call Refresh once yourself before serving. Errors go to onError
// when it is not nil; they never contain a secret value.
func (s *Store) StartRefresh(ctx context.Context, interval time.Duration, onError func(error)) (stop func()) {
	if interval <= 0 {
		interval = DefaultRefreshInterval
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := s.Refresh(ctx); err != nil && onError != nil && ctx.Err() == nil {
					onError(err)
				}
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}
