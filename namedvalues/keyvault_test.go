package namedvalues

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

const testToken = "test-token-123"

// staticCred is an azcore.TokenCredential returning a fixed token.
type staticCred struct {
	token string

	mu     sync.Mutex
	scopes []string
}

func (c *staticCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	c.scopes = append(c.scopes, o.Scopes...)
	c.mu.Unlock()
	return azcore.AccessToken{Token: c.token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// fakeVault serves the Key Vault secrets REST shape over TLS, including the
// unauthenticated first request that elicits a bearer challenge.
type fakeVault struct {
	srv *httptest.Server

	mu         sync.Mutex
	secrets    map[string]string // name → value; name/version also accepted
	fail       bool              // answer 500
	challenged int               // 401s sent to requests without Authorization
	badAuth    int               // requests with a wrong Authorization
	served     int
}

func newFakeVault(t *testing.T) *fakeVault {
	t.Helper()
	v := &fakeVault{secrets: map[string]string{}}
	v.srv = httptest.NewTLSServer(http.HandlerFunc(v.serve))
	t.Cleanup(v.srv.Close)
	return v
}

func (v *fakeVault) set(name, value string) {
	v.mu.Lock()
	v.secrets[name] = value
	v.mu.Unlock()
}

func (v *fakeVault) setFail(b bool) {
	v.mu.Lock()
	v.fail = b
	v.mu.Unlock()
}

func (v *fakeVault) serve(w http.ResponseWriter, r *http.Request) {
	v.mu.Lock()
	defer v.mu.Unlock()
	auth := r.Header.Get("Authorization")
	if auth == "" {
		v.challenged++
		w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if auth != "Bearer "+testToken {
		v.badAuth++
		w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodGet || r.URL.Query().Get("api-version") == "" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if v.fail {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":{"code":"InternalError","message":"boom"}}`))
		return
	}
	rest, ok := strings.CutPrefix(strings.TrimSuffix(r.URL.Path, "/"), "/secrets/")
	val, found := v.secrets[rest]
	if !ok || !found {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"code":"SecretNotFound","message":"not found"}}`))
		return
	}
	v.served++
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"value": val, "id": v.srv.URL + "/secrets/" + rest + "/v1"})
}

func (v *fakeVault) resolver(token string) (*KeyVaultResolver, *staticCred) {
	cred := &staticCred{token: token}
	return NewKeyVaultResolver(
		WithCredential(cred),
		WithClientOptions(azcore.ClientOptions{
			Transport: v.srv.Client(),
			Retry:     policy.RetryOptions{MaxRetries: -1},
		}),
	), cred
}

func TestParseSecretIdentifier(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in                   string
		vault, name, version string
		wantErr              bool
	}{
		{in: "https://v.vault.azure.net/secrets/s", vault: "https://v.vault.azure.net", name: "s"},
		{in: "https://v.vault.azure.net/secrets/s/", vault: "https://v.vault.azure.net", name: "s"},
		{in: "https://v.vault.azure.net/secrets/s/abc", vault: "https://v.vault.azure.net", name: "s", version: "abc"},
		{in: "https://127.0.0.1:8443/secrets/s", vault: "https://127.0.0.1:8443", name: "s"},
		{in: "http://v.vault.azure.net/secrets/s", wantErr: true},
		{in: "https://v.vault.azure.net/keys/s", wantErr: true},
		{in: "https://v.vault.azure.net/secrets", wantErr: true},
		{in: "https://v.vault.azure.net/secrets/a/b/c", wantErr: true},
		{in: "::", wantErr: true},
	}
	for _, tt := range tests {
		vault, name, version, err := ParseSecretIdentifier(tt.in)
		if (err != nil) != tt.wantErr || vault != tt.vault || name != tt.name || version != tt.version {
			t.Errorf("ParseSecretIdentifier(%q) = %q %q %q %v", tt.in, vault, name, version, err)
		}
	}
}

func TestKeyVaultResolve(t *testing.T) {
	t.Parallel()
	v := newFakeVault(t)
	v.set("api-key", "kv-secret-1")
	v.set("api-key/ver2", "kv-secret-old")
	r, cred := v.resolver(testToken)
	ctx := context.Background()

	got, err := r.Resolve(ctx, KeyVaultRef{SecretIdentifier: v.srv.URL + "/secrets/api-key"})
	if err != nil || got != "kv-secret-1" {
		t.Fatalf("Resolve = %q, %v", got, err)
	}
	got, err = r.Resolve(ctx, KeyVaultRef{SecretIdentifier: v.srv.URL + "/secrets/api-key/ver2"})
	if err != nil || got != "kv-secret-old" {
		t.Fatalf("Resolve(version) = %q, %v", got, err)
	}
	_, err = r.Resolve(ctx, KeyVaultRef{SecretIdentifier: v.srv.URL + "/secrets/missing"})
	if !errors.Is(err, ErrKeyVault) {
		t.Errorf("Resolve(missing) = %v, want ErrKeyVault", err)
	}
	_, err = r.Resolve(ctx, KeyVaultRef{SecretIdentifier: "not a url"})
	if !errors.Is(err, ErrKeyVault) {
		t.Errorf("Resolve(bad id) = %v, want ErrKeyVault", err)
	}

	v.mu.Lock()
	challenged, badAuth := v.challenged, v.badAuth
	v.mu.Unlock()
	if challenged == 0 {
		t.Error("the client never went through the bearer challenge")
	}
	if badAuth != 0 {
		t.Errorf("%d requests with a wrong token", badAuth)
	}
	cred.mu.Lock()
	scopes := cred.scopes
	cred.mu.Unlock()
	if len(scopes) == 0 || scopes[0] != "https://vault.azure.net/.default" {
		t.Errorf("token scopes = %v", scopes)
	}
}

func TestKeyVaultWrongToken(t *testing.T) {
	t.Parallel()
	v := newFakeVault(t)
	v.set("s", "value-never-seen")
	r, _ := v.resolver("wrong-token")
	got, err := r.Resolve(context.Background(), KeyVaultRef{SecretIdentifier: v.srv.URL + "/secrets/s"})
	if !errors.Is(err, ErrKeyVault) || got != "" {
		t.Fatalf("Resolve = %q, %v; want ErrKeyVault", got, err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.badAuth == 0 || v.served != 0 {
		t.Errorf("badAuth = %d, served = %d", v.badAuth, v.served)
	}
}

func kvStore(t *testing.T, v *fakeVault, env func(string) (string, bool)) *Store {
	t.Helper()
	r, _ := v.resolver(testToken)
	s := NewStore(WithResolver(r), WithEnv(env))
	for _, nv := range []NamedValue{
		{Name: "rotating", KeyVault: &KeyVaultRef{SecretIdentifier: v.srv.URL + "/secrets/rotating"}},
		{Name: "plain", Value: "p"},
	} {
		if err := s.Set(nv); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func drained(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestRefreshRotationAndFailure(t *testing.T) {
	t.Parallel()
	v := newFakeVault(t)
	v.set("rotating", "first-secret")
	s := kvStore(t, v, nil)
	ctx := context.Background()

	if nv, found, _ := s.Lookup("rotating"); !found || nv.Value != "" || !nv.Secret {
		t.Fatalf("before refresh: %+v %v", nv, found)
	}
	if err := s.Refresh(ctx); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	nv, _, _ := s.Lookup("rotating")
	if nv.Value != "first-secret" || nv.Source != "keyvault:"+v.srv.URL+"/secrets/rotating" {
		t.Errorf("after refresh: %q from %q", nv.Value, nv.Source)
	}
	if !drained(s.Changed()) {
		t.Error("no Changed signal after the first fetch")
	}
	if got := s.Redact("x first-secret y"); got != "x *** y" {
		t.Errorf("Redact = %q", got)
	}

	// unchanged value: no signal
	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if drained(s.Changed()) {
		t.Error("Changed signalled without a change")
	}

	// rotation
	v.set("rotating", "second-secret")
	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if nv, _, _ := s.Lookup("rotating"); nv.Value != "second-secret" {
		t.Errorf("after rotation: %q", nv.Value)
	}
	if !drained(s.Changed()) {
		t.Error("no Changed signal after rotation")
	}
	if got := s.Redact("second-secret first-secret"); got != Mask+" "+Mask {
		t.Errorf("Redact(new and replaced value) = %q", got)
	}

	// failure keeps the last good value
	v.setFail(true)
	err := s.Refresh(ctx)
	if !errors.Is(err, ErrKeyVault) || !strings.Contains(err.Error(), `"rotating"`) {
		t.Errorf("Refresh on 500 = %v, want ErrKeyVault naming the value", err)
	}
	if err != nil && strings.Contains(err.Error(), "second-secret") {
		t.Errorf("error shows the secret: %v", err)
	}
	if nv, _, _ := s.Lookup("rotating"); nv.Value != "second-secret" {
		t.Errorf("after failure: %q, want the last good value", nv.Value)
	}
	if drained(s.Changed()) {
		t.Error("Changed signalled on failure")
	}

	// an invalid value from the vault is a failure too
	v.setFail(false)
	v.set("rotating", "   ")
	if err := s.Refresh(ctx); !errors.Is(err, ErrKeyVault) || !errors.Is(err, ErrBadValue) {
		t.Errorf("Refresh with blank secret = %v", err)
	}
	if nv, _, _ := s.Lookup("rotating"); nv.Value != "second-secret" {
		t.Errorf("after blank secret: %q", nv.Value)
	}
}

func TestRefreshSkipsEnvOverride(t *testing.T) {
	t.Parallel()
	v := newFakeVault(t)
	v.set("rotating", "vault-value")
	s := kvStore(t, v, mapEnv(map[string]string{"POLICYGATE_NV_ROTATING": "env-value"}))
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if nv, _, _ := s.Lookup("rotating"); nv.Value != "env-value" {
		t.Errorf("Value = %q, want the override", nv.Value)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.served != 0 {
		t.Errorf("vault was asked %d times for an overridden value", v.served)
	}
}

func TestRefreshNoResolver(t *testing.T) {
	t.Parallel()
	s := NewStore(WithEnv(nil))
	if err := s.Set(NamedValue{Name: "kv", KeyVault: &KeyVaultRef{SecretIdentifier: "https://v.vault.azure.net/secrets/kv"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Refresh(context.Background()); err != nil {
		t.Errorf("Refresh = %v", err)
	}
}

func TestStartRefresh(t *testing.T) {
	t.Parallel()
	v := newFakeVault(t)
	v.set("rotating", "one")
	s := kvStore(t, v, nil)
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	drained(s.Changed())

	errs := make(chan error, 100)
	stop := s.StartRefresh(context.Background(), 10*time.Millisecond, func(err error) { errs <- err })
	defer stop()

	v.set("rotating", "two")
	select {
	case <-s.Changed():
	case <-time.After(10 * time.Second):
		t.Fatal("no Changed signal after rotation")
	}
	if nv, _, _ := s.Lookup("rotating"); nv.Value != "two" {
		t.Errorf("Value = %q, want two", nv.Value)
	}

	v.setFail(true)
	select {
	case err := <-errs:
		if !errors.Is(err, ErrKeyVault) {
			t.Errorf("reported %v, want ErrKeyVault", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no error reported while the vault fails")
	}
	if nv, _, _ := s.Lookup("rotating"); nv.Value != "two" {
		t.Errorf("Value = %q after failures, want two", nv.Value)
	}
	stop()
	stop2 := s.StartRefresh(context.Background(), 0, nil) // default interval; stops at once
	stop2()
}
