package identity

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestRegistrySharesAuthenticators(t *testing.T) {
	a := newAuthority(t)
	r := NewRegistry(a.options(), nil)
	bc := BackendCredential{Type: KindClientSecret, TenantID: "t", ClientID: "c", ClientSecret: "s1", Scope: "api://x/.default"}
	a1, err := r.Authenticator(bc)
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := r.Authenticator(bc)
	if a1 != a2 {
		t.Error("equal credentials got two authenticators")
	}
	bc.ClientSecret = "s2"
	if a3, _ := r.Authenticator(bc); a3 == a1 {
		t.Error("a changed secret reused the old authenticator")
	}
	if r.Len() != 2 {
		t.Errorf("Len = %d", r.Len())
	}
	assertAllBearer(t, authorize(t, a1, 3), a.lastIssued(t))
	assertAllBearer(t, authorize(t, a2, 3), a.lastIssued(t))
	if n := a.requests.Load(); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
	if _, err := r.Authenticator(BackendCredential{Type: KindClientSecret, Scope: "s/.default"}); err == nil || r.Len() != 2 {
		t.Errorf("incomplete credential: %v, Len %d", err, r.Len())
	}
}

func TestRegistryManagedIdentityUsesTheSharedSource(t *testing.T) {
	now := time.Now()
	src := &countingSource{life: time.Hour, now: func() time.Time { return now }}
	shared := NewCache(src)
	r := NewRegistry(Options{}, func() Source { return shared })
	au, err := r.Authenticator(BackendCredential{Type: KindManagedIdentity, ClientID: "uami", Scope: "api://x/.default"})
	if err != nil {
		t.Fatal(err)
	}
	// the policy asks the shared cache first; the backend reuses its token
	tok, _, _ := shared.Token(context.Background(), "api://x/.default", "uami")
	req, _ := http.NewRequest("GET", "http://127.0.0.1/", nil)
	if err := au.Authenticate(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if req.Header.Get("Authorization") != "Bearer "+tok || src.calls.Load() != 1 {
		t.Errorf("Authorization %q after %d source calls", req.Header.Get("Authorization"), src.calls.Load())
	}
	if _, err := r.Authenticator(BackendCredential{Type: KindManagedIdentity}); err == nil {
		t.Error("managed identity without a scope accepted")
	}
}
