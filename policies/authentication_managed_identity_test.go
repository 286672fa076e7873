package policies

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/policygate/policygate/identity"
)

// miEndpoint is an App Service-style managed identity endpoint on loopback
// (IDENTITY_ENDPOINT + IDENTITY_HEADER) that counts its token requests.
type miEndpoint struct {
	srv      *httptest.Server
	requests atomic.Int64
	mu       sync.Mutex
	issued   map[string]string // resource|client_id -> last token
}

func newMIEndpoint(t testing.TB) *miEndpoint {
	t.Helper()
	m := &miEndpoint{issued: map[string]string{}}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := m.requests.Add(1)
		if r.Header.Get("X-IDENTITY-HEADER") != "mi-header-secret" {
			http.Error(w, `{"error":"unauthorized"}`, 401)
			return
		}
		q := r.URL.Query()
		res, cid := q.Get("resource"), q.Get("client_id")
		if res == "https://denied.example" {
			w.WriteHeader(400)
			io.WriteString(w, `{"error":"invalid_resource","error_description":"AADSTS500011: resource principal not found"}`)
			return
		}
		tok := fmt.Sprintf("eyJ0eXAiOiJKV1QifQ.mi-%d.%s", n, cid)
		m.mu.Lock()
		m.issued[res+"|"+cid] = tok
		m.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"access_token": tok, "token_type": "Bearer", "resource": res, "client_id": cid,
			"expires_on": strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10),
		})
	}))
	t.Cleanup(m.srv.Close)
	t.Setenv("IDENTITY_ENDPOINT", m.srv.URL+"/msi/token")
	t.Setenv("IDENTITY_HEADER", "mi-header-secret")
	return m
}

func (m *miEndpoint) token(resource, clientID string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.issued[resource+"|"+clientID]
}

// useIdentity points the policy at a fresh cached default source (which
// sees the test's IDENTITY_ENDPOINT) for the test's duration.
func useIdentity(t testing.TB) {
	t.Helper()
	src, err := identity.New(identity.Options{})
	if err != nil {
		t.Fatal(err)
	}
	SetTokenSource(identity.NewCache(src))
	t.Cleanup(func() { SetTokenSource(nil) })
}

// uniqueResource avoids MSAL's process-wide managed identity token cache
// answering for another test.
func uniqueResource(base string) string {
	return fmt.Sprintf("%s-%d", base, time.Now().UnixNano())
}

// Not parallel: sets the process environment and the token source.
func TestAuthenticationManagedIdentity(t *testing.T) {
	m := newMIEndpoint(t)
	useIdentity(t)
	// The backend sees what the gateway sends: the request headers after
	// inbound.
	var seen atomic.Value
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Header.Get("Authorization"))
	}))
	defer backend.Close()

	res := uniqueResource("https://vault.example")
	s := authCompile(t, `<authentication-managed-identity resource="`+res+`" />`)
	const calls = 50
	for i := range calls {
		r := authRun("GET", http.Header{"Authorization": {"Bearer caller-token"}})
		if err := s.Exec(r); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", backend.URL, nil)
		req.Header = r.Ctx.Request.Headers.H.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got, want := seen.Load(), "Bearer "+m.token(res, ""); got != want || m.token(res, "") == "" {
			t.Fatalf("call %d: backend got Authorization %q, want %q", i, got, want)
		}
	}
	if n := m.requests.Load(); n != 1 {
		t.Errorf("identity endpoint requests = %d for %d calls, want 1", n, calls)
	}
}

// Not parallel: sets the process environment and the token source.
func TestAuthenticationManagedIdentityAttributes(t *testing.T) {
	m := newMIEndpoint(t)
	useIdentity(t)
	slash := uniqueResource("https://storage.example") + "/"
	uami := uniqueResource("https://cognitive.example")
	outv := uniqueResource("https://cosmos.example")
	expr := uniqueResource("https://search.example")
	tests := []struct {
		name, src   string
		res, client string // what the identity endpoint must have been asked
		header      bool   // Authorization set (else only the variable)
		variable    string
	}{
		{"trailing slash kept", `<authentication-managed-identity resource="` + slash + `" />`, slash, "", true, ""},
		{"user-assigned client-id", `<authentication-managed-identity resource="` + uami + `" client-id="11111111-2222-3333-4444-555555555555" />`, uami, "11111111-2222-3333-4444-555555555555", true, ""},
		{"output variable only", `<authentication-managed-identity resource="` + outv + `" output-token-variable-name="msi-access-token" ignore-error="false" />`, outv, "", false, "msi-access-token"},
		{"resource expression", `<authentication-managed-identity resource="@(&quot;` + expr + `&quot;)" />`, expr, "", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := authCompile(t, tt.src)
			r := authRun("GET", nil)
			if err := s.Exec(r); err != nil {
				t.Fatal(err)
			}
			tok := m.token(tt.res, tt.client)
			if tok == "" {
				t.Fatalf("the identity endpoint was not asked for resource %q client %q", tt.res, tt.client)
			}
			got := r.Ctx.Request.Headers.H.Get("Authorization")
			if tt.header && got != "Bearer "+tok {
				t.Errorf("Authorization %q, want Bearer %s", got, tok)
			}
			if !tt.header && got != "" {
				t.Errorf("Authorization %q set although the token goes to a variable", got)
			}
			if tt.variable != "" {
				if v, _ := r.Ctx.Variables.Get(tt.variable); v != tok {
					t.Errorf("variable %s = %v, want %s", tt.variable, v, tok)
				}
			}
		})
	}
}

type miErrSource struct{ calls atomic.Int64 }

func (e *miErrSource) Token(context.Context, string, string) (string, time.Time, error) {
	e.calls.Add(1)
	return "", time.Time{}, errors.New("ManagedIdentityCredential: no managed identity endpoint")
}

// Not parallel: sets the token source.
func TestAuthenticationManagedIdentityFailure(t *testing.T) {
	src := &miErrSource{}
	SetTokenSource(src)
	t.Cleanup(func() { SetTokenSource(nil) })

	s := authCompile(t, `<authentication-managed-identity resource="https://vault.azure.net" />`)
	r := authRun("GET", http.Header{"Authorization": {"Bearer caller"}})
	got := authFailureOf(authPolicyError(t, s.Exec(r)))
	want := &authFailure{"authentication-managed-identity", "TokenAcquisitionFailed", "Unable to acquire a managed identity token for resource https://vault.azure.net.", "", 500}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}

	s = authCompile(t, `<authentication-managed-identity resource="https://vault.azure.net" ignore-error="true" output-token-variable-name="t" />`)
	r = authRun("GET", http.Header{"Authorization": {"Bearer caller"}})
	if err := s.Exec(r); err != nil {
		t.Fatalf("ignore-error: %v", err)
	}
	if _, ok := r.Ctx.Variables.Get("t"); ok {
		t.Error("variable set although no token was obtained")
	}
	if h := r.Ctx.Request.Headers.H.Get("Authorization"); h != "Bearer caller" {
		t.Errorf("Authorization changed to %q", h)
	}
	if src.calls.Load() != 2 {
		t.Errorf("source calls = %d, want 2", src.calls.Load())
	}
}

// Not parallel: sets the process environment and the token source.
func TestAuthenticationManagedIdentityEndpointError(t *testing.T) {
	newMIEndpoint(t)
	useIdentity(t)
	s := authCompile(t, `<authentication-managed-identity resource="https://denied.example" />`)
	err := s.Exec(authRun("GET", nil))
	pe := authPolicyError(t, err)
	if pe == nil || pe.Reason != ReasonTokenAcquisitionFailed || pe.Status != 500 {
		t.Fatalf("error %v, want TokenAcquisitionFailed", err)
	}
}

func TestAuthenticationManagedIdentityCompileErrors(t *testing.T) {
	for _, src := range []string{
		`<authentication-managed-identity />`,
		`<authentication-managed-identity resource="x" ignore-error="perhaps" />`,
		`<authentication-managed-identity resource="x" output-token-variable-name="@(&quot;v&quot;)" />`,
	} {
		if _, errs := authCompileErrs(src); len(errs) == 0 {
			t.Errorf("%s accepted", src)
		}
	}
}

// BenchmarkAuthenticationManagedIdentity measures a request with a warm
// token cache: the policy step alone, the identity endpoint asked once.
func BenchmarkAuthenticationManagedIdentity(b *testing.B) {
	m := newMIEndpoint(b)
	useIdentity(b)
	s := authCompile(b, `<authentication-managed-identity resource="`+uniqueResource("https://bench.example")+`" />`)
	r := authRun("GET", nil)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Exec(r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(m.requests.Load()), "token-requests")
}
