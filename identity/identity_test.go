package identity

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// authority is a fake Microsoft Entra authority over TLS (azidentity refuses
// plain http): OpenID discovery and a v2 token endpoint that issues signed
// JWT access tokens for the client credentials grant.
type authority struct {
	srv      *httptest.Server
	key      []byte
	requests atomic.Int64 // token requests
	mu       sync.Mutex
	issued   []string
	forms    []map[string]string
	// check validates a token request's form; a non-empty answer is sent
	// back as an invalid_client error.
	check func(form map[string]string) string
}

func newAuthority(t testing.TB) *authority {
	t.Helper()
	a := &authority{key: []byte("test-signing-key-0123456789abcdef")}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		base := a.srv.URL + "/" + r.PathValue("tenant")
		json.NewEncoder(w).Encode(map[string]any{
			"issuer":                 base + "/v2.0",
			"authorization_endpoint": base + "/oauth2/v2.0/authorize",
			"token_endpoint":         base + "/oauth2/v2.0/token",
			"jwks_uri":               base + "/discovery/v2.0/keys",
			"tenant_region_scope":    "NA",
		})
	})
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
		a.requests.Add(1)
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		form := map[string]string{}
		for k := range r.PostForm {
			form[k] = r.PostForm.Get(k)
		}
		a.mu.Lock()
		a.forms = append(a.forms, form)
		a.mu.Unlock()
		if a.check != nil {
			if msg := a.check(form); msg != "" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(401)
				json.NewEncoder(w).Encode(map[string]any{"error": "invalid_client", "error_description": msg})
				return
			}
		}
		aud := strings.TrimSuffix(strings.Fields(form["scope"])[0], "/.default")
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"aud": aud,
			"iss": a.srv.URL + "/" + r.PathValue("tenant") + "/v2.0",
			"sub": form["client_id"],
			"tid": r.PathValue("tenant"),
			"exp": time.Now().Add(time.Hour).Unix(),
			"jti": strconv.FormatInt(a.requests.Load(), 10),
		})
		s, err := tok.SignedString(a.key)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		a.mu.Lock()
		a.issued = append(a.issued, s)
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": s})
	})
	a.srv = httptest.NewTLSServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

func (a *authority) options() Options {
	return Options{AuthorityHost: a.srv.URL, HTTPClient: a.srv.Client(), DisableInstanceDiscovery: true}
}

func (a *authority) lastIssued(t testing.TB) string {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.issued) == 0 {
		t.Fatal("the authority issued no token")
	}
	return a.issued[len(a.issued)-1]
}

func (a *authority) lastForm() map[string]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.forms) == 0 {
		return nil
	}
	return a.forms[len(a.forms)-1]
}

// authorize runs the authenticator n times against a fresh request each
// time and returns the Authorization headers it set.
func authorize(t testing.TB, au Authenticator, n int) []string {
	t.Helper()
	var out []string
	for range n {
		req, _ := http.NewRequest("POST", "http://127.0.0.1/openai/deployments/x/chat/completions", nil)
		if err := au.Authenticate(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		out = append(out, req.Header.Get("Authorization"))
	}
	return out
}

func assertAllBearer(t testing.TB, got []string, token string) {
	t.Helper()
	for i, h := range got {
		if h != "Bearer "+token {
			t.Fatalf("call %d: Authorization %q, want the issued token", i, h)
		}
	}
}

func TestClientSecretBackend(t *testing.T) {
	a := newAuthority(t)
	a.check = func(f map[string]string) string {
		if f["client_secret"] != "shh" || f["client_id"] != "app-1" || f["grant_type"] != "client_credentials" {
			return "bad client credentials"
		}
		return ""
	}
	au, err := NewBackendAuthenticator(BackendCredential{
		Type: KindClientSecret, TenantID: "tenant-1", ClientID: "app-1", ClientSecret: "shh",
		Scope: "https://cognitiveservices.azure.com/.default",
	}, a.options())
	if err != nil {
		t.Fatal(err)
	}
	got := authorize(t, au, 25)
	assertAllBearer(t, got, a.lastIssued(t))
	if n := a.requests.Load(); n != 1 {
		t.Errorf("token requests = %d, want 1 for 25 calls", n)
	}
	if s := a.lastForm()["scope"]; !strings.Contains(s, "https://cognitiveservices.azure.com/.default") {
		t.Errorf("scope %q", s)
	}
	// the token is a real JWT with the resource as audience
	claims := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(a.lastIssued(t), claims, func(*jwt.Token) (any, error) { return a.key, nil }); err != nil {
		t.Fatal(err)
	}
	if claims["aud"] != "https://cognitiveservices.azure.com" || claims["sub"] != "app-1" {
		t.Errorf("claims %v", claims)
	}
}

func TestClientSecretWrongSecret(t *testing.T) {
	a := newAuthority(t)
	a.check = func(map[string]string) string { return "AADSTS7000215: Invalid client secret provided." }
	au, err := NewBackendAuthenticator(BackendCredential{
		Type: KindClientSecret, TenantID: "tenant-1", ClientID: "app-1", ClientSecret: "wrong-secret-value",
		Scope: "api://backend/.default",
	}, a.options())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://127.0.0.1/", nil)
	err = au.Authenticate(context.Background(), req)
	if err == nil {
		t.Fatal("Authenticate succeeded with a rejected secret")
	}
	if strings.Contains(err.Error(), "wrong-secret-value") {
		t.Error("the error reveals the secret")
	}
	if req.Header.Get("Authorization") != "" {
		t.Error("Authorization set despite the failure")
	}
}

func TestClientAssertionBackend(t *testing.T) {
	a := newAuthority(t)
	file := filepath.Join(t.TempDir(), "token")
	os.WriteFile(file, []byte("federated-assertion-1\n"), 0o600)
	a.check = func(f map[string]string) string {
		if f["client_assertion_type"] != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
			return "no assertion"
		}
		if f["client_assertion"] != "federated-assertion-1" {
			return "wrong assertion"
		}
		return ""
	}
	au, err := NewBackendAuthenticator(BackendCredential{
		Type: KindClientAssertion, TenantID: "tenant-2", ClientID: "app-2", TokenFile: file, Scope: "api://upstream/.default",
	}, a.options())
	if err != nil {
		t.Fatal(err)
	}
	assertAllBearer(t, authorize(t, au, 5), a.lastIssued(t))
	if n := a.requests.Load(); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
}

func TestClientCertificateBackend(t *testing.T) {
	a := newAuthority(t)
	certPEM, keyPEM := selfSigned(t)
	a.check = func(f map[string]string) string {
		// the assertion is a JWT signed with the certificate's key
		if strings.Count(f["client_assertion"], ".") != 2 {
			return "no signed assertion"
		}
		return ""
	}
	au, err := NewBackendAuthenticator(BackendCredential{
		Type: KindClientCertificate, TenantID: "tenant-3", ClientID: "app-3",
		Certificate: append(certPEM, keyPEM...), Scope: "api://upstream/.default",
	}, a.options())
	if err != nil {
		t.Fatal(err)
	}
	assertAllBearer(t, authorize(t, au, 3), a.lastIssued(t))
	if n := a.requests.Load(); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
}

// Not parallel: sets the process environment.
func TestWorkloadIdentityFromEnvironment(t *testing.T) {
	a := newAuthority(t)
	file := filepath.Join(t.TempDir(), "sa-token")
	os.WriteFile(file, []byte("k8s-service-account-token"), 0o600)
	t.Setenv("AZURE_TENANT_ID", "tenant-4")
	t.Setenv("AZURE_CLIENT_ID", "app-4")
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", file)
	t.Setenv("AZURE_AUTHORITY_HOST", a.srv.URL)
	a.check = func(f map[string]string) string {
		if f["client_assertion"] != "k8s-service-account-token" || f["client_id"] != "app-4" {
			return "bad federated credential"
		}
		return ""
	}
	src, err := New(Options{Chain: []Kind{KindWorkloadIdentity}, HTTPClient: a.srv.Client(), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	c := NewCache(src)
	for range 10 {
		tok, exp, err := c.Token(context.Background(), "https://vault.azure.net/.default", "")
		if err != nil {
			t.Fatal(err)
		}
		if tok != a.lastIssued(t) || time.Until(exp) < 50*time.Minute {
			t.Fatalf("token %q expiring %v", tok, exp)
		}
	}
	if n := a.requests.Load(); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
	// the backend kind reads the same environment
	au, err := NewBackendAuthenticator(BackendCredential{Type: KindWorkloadIdentity, Scope: "api://other/.default"},
		Options{HTTPClient: a.srv.Client(), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	assertAllBearer(t, authorize(t, au, 2), a.lastIssued(t))
}

// appService is an App Service-style managed identity endpoint
// (IDENTITY_ENDPOINT + IDENTITY_HEADER) on loopback.
type appService struct {
	srv      *httptest.Server
	secret   string
	requests atomic.Int64
	mu       sync.Mutex
	queries  []map[string]string
	issued   []string
}

func newAppService(t testing.TB) *appService {
	t.Helper()
	m := &appService{secret: "identity-header-secret"}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.requests.Add(1)
		if r.Header.Get("X-IDENTITY-HEADER") != m.secret {
			http.Error(w, `{"error":"bad header"}`, 401)
			return
		}
		q := map[string]string{}
		for k := range r.URL.Query() {
			q[k] = r.URL.Query().Get(k)
		}
		tok := fmt.Sprintf("mi-token-%d-for-%s-%s", m.requests.Load(), q["resource"], q["client_id"])
		m.mu.Lock()
		m.queries = append(m.queries, q)
		m.issued = append(m.issued, tok)
		m.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"access_token": tok,
			"expires_on":   strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10),
			"resource":     q["resource"],
			"token_type":   "Bearer",
			"client_id":    q["client_id"],
		})
	}))
	t.Cleanup(m.srv.Close)
	t.Setenv("IDENTITY_ENDPOINT", m.srv.URL+"/msi/token")
	t.Setenv("IDENTITY_HEADER", m.secret)
	return m
}

// Not parallel: sets the process environment.
func TestManagedIdentityAppService(t *testing.T) {
	m := newAppService(t)
	if !OnAzure() {
		t.Fatal("OnAzure false with IDENTITY_ENDPOINT set")
	}
	src, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := NewCache(src)
	ctx := context.Background()
	// MSAL keeps a process-wide managed identity cache: unique resources
	// keep this test independent of others.
	res := fmt.Sprintf("https://storage-%d.example/", time.Now().UnixNano())
	for range 20 {
		tok, _, err := c.Token(ctx, ScopeForResource(res), "")
		if err != nil {
			t.Fatal(err)
		}
		if want := m.issued[len(m.issued)-1]; tok != want {
			t.Fatalf("token %q, want %q", tok, want)
		}
	}
	if n := m.requests.Load(); n != 1 {
		t.Errorf("identity endpoint requests = %d, want 1", n)
	}
	if q := m.queries[0]; q["resource"] != res || q["api-version"] != "2019-08-01" || q["client_id"] != "" {
		t.Errorf("query %v: want the resource with its trailing slash, no client_id", q)
	}
	// a user-assigned identity is a separate token
	tok, _, err := c.Token(ctx, ScopeForResource(res), "uami-client-1")
	if err != nil {
		t.Fatal(err)
	}
	if m.requests.Load() != 2 || m.queries[1]["client_id"] != "uami-client-1" || !strings.HasSuffix(tok, "uami-client-1") {
		t.Errorf("user-assigned: %d requests, query %v, token %q", m.requests.Load(), m.queries[1], tok)
	}
}

func TestScopeForResource(t *testing.T) {
	for in, want := range map[string]string{
		"https://vault.azure.net":               "https://vault.azure.net/.default",
		"https://storage.azure.com/":            "https://storage.azure.com//.default",
		"api://AzureADTokenExchange":            "api://AzureADTokenExchange/.default",
		" https://cognitiveservices.azure.com ": "https://cognitiveservices.azure.com/.default",
		"https://graph.microsoft.com/.default":  "https://graph.microsoft.com/.default",
		"00000003-0000-0000-c000-000000000000":  "00000003-0000-0000-c000-000000000000/.default",
	} {
		if got := ScopeForResource(in); got != want {
			t.Errorf("ScopeForResource(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAPIKeyBackend(t *testing.T) {
	au, err := NewBackendAuthenticator(BackendCredential{Type: KindAPIKey, Key: "k1"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://127.0.0.1/", nil)
	au.Authenticate(context.Background(), req)
	if req.Header.Get("api-key") != "k1" {
		t.Errorf("api-key = %q", req.Header.Get("api-key"))
	}
	au, _ = NewBackendAuthenticator(BackendCredential{Type: KindAPIKey, Header: "Ocp-Apim-Subscription-Key", Key: "k2"}, Options{})
	au.Authenticate(context.Background(), req)
	if req.Header.Get("Ocp-Apim-Subscription-Key") != "k2" {
		t.Errorf("custom header = %q", req.Header.Get("Ocp-Apim-Subscription-Key"))
	}
}

func TestBackendConfigErrors(t *testing.T) {
	tests := []BackendCredential{
		{Type: KindAPIKey},
		{Type: KindClientSecret, Scope: "s/.default"},
		{Type: KindClientSecret, TenantID: "t", ClientID: "c", ClientSecret: "x"}, // no scope
		{Type: KindClientAssertion, TenantID: "t", ClientID: "c", Scope: "s/.default"},
		{Type: KindClientCertificate, TenantID: "t", ClientID: "c", Certificate: []byte("junk"), Scope: "s/.default"},
		{Type: "kerberos", Scope: "s/.default"},
	}
	for _, bc := range tests {
		if _, err := NewBackendAuthenticator(bc, Options{}); err == nil {
			t.Errorf("%+v accepted", bc)
		}
	}
	if _, err := New(Options{Chain: []Kind{KindAPIKey}}); err == nil {
		t.Error("apiKey accepted in the default chain")
	}
	if _, err := NewBackendAuthenticator(BackendCredential{Type: KindClientSecret, TenantID: "t", ClientID: "c", ClientSecret: "x", Scope: "s/.default"},
		Options{AuthorityHost: "http://127.0.0.1:1"}); err == nil {
		t.Error("plain http authority accepted")
	}
}

// ---- cache ----

type countingSource struct {
	calls atomic.Int64
	life  time.Duration
	now   func() time.Time
	err   error
	delay time.Duration
}

func (s *countingSource) Token(_ context.Context, scope, clientID string) (string, time.Time, error) {
	n := s.calls.Add(1)
	time.Sleep(s.delay)
	if s.err != nil {
		return "", time.Time{}, s.err
	}
	return fmt.Sprintf("%s|%s|%d", scope, clientID, n), s.now().Add(s.life), nil
}

func TestCache(t *testing.T) {
	now := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	src := &countingSource{life: time.Hour, now: clock}
	c := NewCache(src, WithClock(clock))
	ctx := context.Background()
	get := func(scope, id string) string {
		t.Helper()
		tok, _, err := c.Token(ctx, scope, id)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	if got := get("a", ""); got != "a||1" {
		t.Fatalf("first = %q", got)
	}
	now = now.Add(54 * time.Minute)
	if got := get("a", ""); got != "a||1" {
		t.Errorf("at 54m = %q, want the cached token", got)
	}
	if got := get("a", "uami"); got != "a|uami|2" {
		t.Errorf("other identity = %q", got)
	}
	if got := get("b", ""); got != "b||3" {
		t.Errorf("other scope = %q", got)
	}
	now = now.Add(time.Minute + time.Second) // within 5 minutes of expiry
	if got := get("a", ""); got != "a||4" {
		t.Errorf("near expiry = %q, want a renewed token", got)
	}
	// renewal fails: the still-valid token is kept; once expired, the error shows
	src.err = errors.New("authority down")
	now = now.Add(56 * time.Minute)
	if got := get("a", ""); got != "a||4" {
		t.Errorf("renewal failure = %q, want the valid cached token", got)
	}
	now = now.Add(5 * time.Minute)
	if _, _, err := c.Token(ctx, "a", ""); err == nil {
		t.Error("expired token returned after a failed renewal")
	}
	// short-lived tokens renew halfway through their life
	src.err, src.life = nil, 4*time.Minute
	c.Forget()
	first := get("s", "")
	now = now.Add(time.Minute)
	if get("s", "") != first {
		t.Error("short-lived token renewed too early")
	}
	now = now.Add(time.Minute + time.Second)
	if get("s", "") == first {
		t.Error("short-lived token not renewed after half its life")
	}
}

func TestCacheConcurrentMissesShareOneRequest(t *testing.T) {
	src := &countingSource{life: time.Hour, now: time.Now, delay: 20 * time.Millisecond}
	c := NewCache(src)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, _, err := c.Token(context.Background(), "x", ""); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := src.calls.Load(); n != 1 {
		t.Errorf("source calls = %d, want 1", n)
	}
}

func BenchmarkCacheWarm(b *testing.B) {
	src := &countingSource{life: time.Hour, now: time.Now}
	c := NewCache(src)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.Token(ctx, "https://vault.azure.net/.default", ""); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(src.calls.Load()), "source-calls")
}

// selfSigned makes an RSA certificate (azidentity needs RSA) and its
// PKCS#8 key as PEM.
func selfSigned(t testing.TB) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "policygate-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k})
}

// Not parallel: sets the process environment.
func TestDefaultChain(t *testing.T) {
	for _, k := range []string{"IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "IMDS_ENDPOINT", "AZURE_FEDERATED_TOKEN_FILE"} {
		t.Setenv(k, "")
	}
	if got, want := DefaultChain(), []Kind{KindEnvironment, KindAzureCLI}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("developer machine: %v, want %v", got, want)
	}
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", "/var/run/secrets/azure/tokens/azure-identity-token")
	if got, want := DefaultChain(), []Kind{KindEnvironment, KindWorkloadIdentity, KindAzureCLI}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("workload identity: %v, want %v", got, want)
	}
	t.Setenv("IDENTITY_ENDPOINT", "http://127.0.0.1:41741/msi/token")
	if got, want := DefaultChain(), []Kind{KindManagedIdentity}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("App Service: %v, want %v", got, want)
	}
}

// Not parallel: sets the process environment.
func TestManagedIdentityBackendThroughTransport(t *testing.T) {
	m := newAppService(t)
	var got atomic.Value
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("Authorization"))
	}))
	defer upstream.Close()
	res := fmt.Sprintf("https://cognitive-%d.example", time.Now().UnixNano())
	au, err := NewBackendAuthenticator(BackendCredential{Type: KindManagedIdentity, ClientID: "uami-42", Scope: ScopeForResource(res)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: Transport(nil, au)}
	for range 10 {
		req, _ := http.NewRequest("GET", upstream.URL, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if req.Header.Get("Authorization") != "" {
			t.Fatal("the caller's request was modified")
		}
		m.mu.Lock()
		want := "Bearer " + m.issued[len(m.issued)-1]
		m.mu.Unlock()
		if got.Load() != want {
			t.Fatalf("upstream got %v, want %q", got.Load(), want)
		}
	}
	if n := m.requests.Load(); n != 1 {
		t.Errorf("identity endpoint requests = %d, want 1", n)
	}
	if q := m.queries[0]; q["client_id"] != "uami-42" || q["resource"] != res {
		t.Errorf("query %v", q)
	}
}
