package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/identity"
	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/policies"
)

// entra is a fake Microsoft Entra authority over TLS: OpenID discovery and
// a v2 token endpoint issuing signed JWTs that live life seconds.
type entra struct {
	srv    *httptest.Server
	key    []byte
	life   atomic.Int64
	reject atomic.Bool
	// leak makes a rejection quote the client secret back, as a careless
	// authority might; the gateway's logs must still mask it.
	leak     atomic.Bool
	requests atomic.Int64
	mu       sync.Mutex
	issued   []string
	forms    []map[string]string
}

func newEntra(t testing.TB) *entra {
	t.Helper()
	a := &entra{key: []byte("gateway-test-signing-key-0123456789")}
	a.life.Store(3600)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		base := a.srv.URL + "/" + r.PathValue("tenant")
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": base + "/v2.0", "authorization_endpoint": base + "/oauth2/v2.0/authorize",
			"token_endpoint": base + "/oauth2/v2.0/token", "jwks_uri": base + "/discovery/v2.0/keys",
			"tenant_region_scope": "NA",
		})
	})
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
		n := a.requests.Add(1)
		r.ParseForm()
		form := map[string]string{"tenant": r.PathValue("tenant")}
		for k := range r.PostForm {
			form[k] = r.PostForm.Get(k)
		}
		a.mu.Lock()
		a.forms = append(a.forms, form)
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if a.reject.Load() {
			w.WriteHeader(401)
			desc := "AADSTS7000215: Invalid client secret provided."
			if a.leak.Load() {
				desc += " Got " + form["client_secret"] + "."
			}
			json.NewEncoder(w).Encode(map[string]any{"error": "invalid_client", "error_description": desc})
			return
		}
		life := a.life.Load()
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"aud": strings.TrimSuffix(strings.Fields(form["scope"])[0], "/.default"),
			"iss": a.srv.URL + "/" + r.PathValue("tenant") + "/v2.0", "sub": form["client_id"],
			"exp": time.Now().Add(time.Duration(life) * time.Second).Unix(), "jti": strconv.FormatInt(n, 10),
		}).SignedString(a.key)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		a.mu.Lock()
		a.issued = append(a.issued, s)
		a.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "expires_in": life, "ext_expires_in": life, "access_token": s})
	})
	a.srv = httptest.NewTLSServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

// options are the identity options of a gateway that trusts a.
func (a *entra) options() identity.Options {
	return identity.Options{HTTPClient: a.srv.Client(), DisableInstanceDiscovery: true}
}

func (a *entra) last(t testing.TB) (string, map[string]string) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.issued) == 0 {
		t.Fatal("the authority issued no token")
	}
	return a.issued[len(a.issued)-1], a.forms[len(a.forms)-1]
}

// upstream is a loopback backend that records the credentials it gets.
type upstream struct {
	srv   *httptest.Server
	calls atomic.Int64
	mu    sync.Mutex
	auth  []string
	hdr   []http.Header
}

func newUpstream(t testing.TB) *upstream {
	u := &upstream{}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.calls.Add(1)
		u.mu.Lock()
		u.auth = append(u.auth, r.Header.Get("Authorization"))
		u.hdr = append(u.hdr, r.Header.Clone())
		u.mu.Unlock()
		fmt.Fprint(w, `{"choices":[]}`)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

// authConfig is an API "ai" that sends everything to backend "llm" (at u)
// with auth; the API "mi" uses authentication-managed-identity for resource.
func authConfig(u string, b *engine.Backend, nv map[string]string) *engine.Config {
	b.ID, b.URL = "llm", u+"/openai"
	store := namedvalues.NewStore()
	for k, v := range nv {
		if err := store.Set(namedvalues.NamedValue{Name: k, Value: v, Secret: true}); err != nil {
			panic(err)
		}
	}
	return &engine.Config{
		APIs: []*engine.API{{
			ID: "ai", Name: "AI", Path: "ai", ServiceURL: "http://127.0.0.1:1/unused", IsCurrent: true, Revision: "1",
			Operations: []*engine.Operation{op("any", "*", "/*")},
			Policy:     doc(`<policies><inbound><set-backend-service backend-id="llm"/></inbound><backend><forward-request/></backend><outbound/><on-error/></policies>`),
		}},
		Backends:    map[string]*engine.Backend{"llm": b},
		NamedValues: store,
	}
}

func TestBackendClientSecret(t *testing.T) {
	a := newEntra(t)
	up := newUpstream(t)
	cfg := authConfig(up.srv.URL, &engine.Backend{Auth: &engine.BackendAuth{
		Kind: engine.AuthClientSecret, TenantID: "tenant-1", ClientID: "app-1", ClientSecret: "{{sp-secret}}",
		Resource: "https://cognitiveservices.azure.com", AuthorityHost: a.srv.URL,
	}}, map[string]string{"sp-secret": "s3cr3t-value"})
	reg := NewBackendAuth(a.options())
	g, errs := New(cfg, WithBackendAuth(reg))
	if g == nil {
		t.Fatal(errs)
	}
	gw := httptest.NewServer(g)
	defer gw.Close()
	const n = 20
	for i := range n {
		if r := call(t, "POST", gw.URL+"/ai/deployments/gpt/chat/completions", nil, `{}`); r.status != 200 {
			t.Fatalf("call %d: %d %s", i, r.status, r.body)
		}
	}
	tok, form := a.last(t)
	if got := a.requests.Load(); got != 1 {
		t.Errorf("token requests = %d for %d calls, want 1", got, n)
	}
	if form["client_secret"] != "s3cr3t-value" || form["client_id"] != "app-1" || form["tenant"] != "tenant-1" ||
		!strings.HasPrefix(form["scope"], "https://cognitiveservices.azure.com/.default") {
		t.Errorf("token request %v: want the expanded secret and the resource's scope", form)
	}
	up.mu.Lock()
	for i, h := range up.auth {
		if h != "Bearer "+tok {
			t.Fatalf("backend call %d got Authorization %q, want the issued token", i, h)
		}
	}
	up.mu.Unlock()
	if up.calls.Load() != n {
		t.Errorf("backend calls = %d", up.calls.Load())
	}
	claims := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return a.key, nil }); err != nil || claims["aud"] != "https://cognitiveservices.azure.com" {
		t.Errorf("token claims %v (%v)", claims, err)
	}
	// A reload (a new engine over the same configuration) keeps the token.
	e, cerrs := engine.Compile(cfg, engine.Options{})
	if e == nil {
		t.Fatal(cerrs)
	}
	g.Swap(e)
	if r := call(t, "POST", gw.URL+"/ai/x", nil, `{}`); r.status != 200 {
		t.Fatalf("after reload: %d", r.status)
	}
	if got := a.requests.Load(); got != 1 {
		t.Errorf("token requests after a reload = %d, want 1", got)
	}
	// A second gateway sharing the registry (the server's traced one) too.
	if g2, _ := New(cfg, WithBackendAuth(reg)); g2 != nil {
		rec := httptest.NewRecorder()
		g2.ServeHTTP(rec, httptest.NewRequest("POST", "/ai/y", strings.NewReader("{}")))
		if rec.Code != 200 || a.requests.Load() != 1 {
			t.Errorf("shared registry: %d, %d token requests", rec.Code, a.requests.Load())
		}
	} else {
		t.Error("second gateway not built")
	}
}

func TestBackendTokenRefreshedBeforeExpiry(t *testing.T) {
	a := newEntra(t)
	a.life.Store(2) // the cache renews halfway through: after 1s
	up := newUpstream(t)
	cfg := authConfig(up.srv.URL, &engine.Backend{Auth: &engine.BackendAuth{
		Kind: engine.AuthClientSecret, TenantID: "t", ClientID: "c", ClientSecret: "x", Scope: "api://llm/.default", AuthorityHost: a.srv.URL,
	}}, nil)
	gw := newGW(t, cfg, WithIdentity(a.options()))
	get := func() string {
		t.Helper()
		if r := call(t, "GET", gw.URL+"/ai/models", nil, ""); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		up.mu.Lock()
		defer up.mu.Unlock()
		return up.auth[len(up.auth)-1]
	}
	first := get()
	if get() != first || a.requests.Load() != 1 {
		t.Fatalf("the token was not cached: %d requests", a.requests.Load())
	}
	time.Sleep(1100 * time.Millisecond)
	second := get()
	tok, _ := a.last(t)
	if a.requests.Load() != 2 || second == first || second != "Bearer "+tok {
		t.Errorf("after half the token's life: %d token requests, backend got the new token: %v", a.requests.Load(), second == "Bearer "+tok)
	}
}

func TestBackendAuthenticationFailure(t *testing.T) {
	a := newEntra(t)
	a.reject.Store(true)
	up := newUpstream(t)
	obs := &observed{}
	cfg := authConfig(up.srv.URL, &engine.Backend{Auth: &engine.BackendAuth{
		Kind: engine.AuthClientSecret, TenantID: "t", ClientID: "c", ClientSecret: "{{sp}}", Scope: "api://llm/.default", AuthorityHost: a.srv.URL,
	}}, map[string]string{"sp": "wrong-secret-value"})
	gw := newGW(t, cfg, WithIdentity(a.options()), WithObserver(obs.fn))
	r := call(t, "GET", gw.URL+"/ai/models", nil, "")
	if r.status != 500 || !strings.HasPrefix(r.body, body500) {
		t.Errorf("answer %d %s", r.status, r.body)
	}
	run, _ := obs.last(t)
	le := run.Ctx.LastError
	if le == nil || le.Source != "forward-request" || le.Reason != policies.ReasonBackendAuthentication || le.Message != "Unable to authenticate to backend 'llm'." {
		t.Errorf("LastError %+v", le)
	}
	if up.calls.Load() != 0 {
		t.Error("the backend was called without its credential")
	}
	if strings.Contains(r.body, "wrong-secret-value") || le != nil && strings.Contains(le.Message, "wrong-secret-value") {
		t.Error("the secret leaks")
	}
	if a.requests.Load() == 0 {
		t.Error("no token request reached the authority")
	}
}

func TestBackendAPIKeyFromNamedValue(t *testing.T) {
	up := newUpstream(t)
	cfg := authConfig(up.srv.URL, &engine.Backend{
		Header: map[string][]string{"x-tenant": {"{{tenant}}"}},
		Query:  map[string][]string{"api-version": {"{{api-version}}"}},
		Auth:   &engine.BackendAuth{Kind: engine.AuthAPIKey, Key: "{{openai-key}}"},
	}, map[string]string{"openai-key": "k-123", "tenant": "contoso", "api-version": "2024-10-21"})
	gw := newGW(t, cfg)
	if r := call(t, "GET", gw.URL+"/ai/models", nil, ""); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	up.mu.Lock()
	h := up.hdr[0]
	up.mu.Unlock()
	if h.Get("api-key") != "k-123" || h.Get("X-Tenant") != "contoso" {
		t.Errorf("backend headers api-key=%q x-tenant=%q", h.Get("api-key"), h.Get("X-Tenant"))
	}
	// a custom header, and an authorization parameter from a named value
	cfg = authConfig(up.srv.URL, &engine.Backend{AuthScheme: "Basic", AuthParameter: "{{basic}}",
		Auth: &engine.BackendAuth{Kind: engine.AuthAPIKey, Header: "Ocp-Apim-Subscription-Key", Key: "{{k}}"}},
		map[string]string{"basic": "dXNlcjpwdw==", "k": "sub-key"})
	gw = newGW(t, cfg)
	call(t, "GET", gw.URL+"/ai/models", nil, "")
	up.mu.Lock()
	h = up.hdr[1]
	up.mu.Unlock()
	if h.Get("Ocp-Apim-Subscription-Key") != "sub-key" || h.Get("Authorization") != "Basic dXNlcjpwdw==" {
		t.Errorf("backend headers %v", h)
	}
}

func TestBackendQueryNamedValueExpanded(t *testing.T) {
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got.Store(r.URL.RawQuery) }))
	defer srv.Close()
	cfg := authConfig(srv.URL, &engine.Backend{Query: map[string][]string{"code": {"{{fn-key}}"}}}, map[string]string{"fn-key": "abc"})
	gw := newGW(t, cfg)
	call(t, "GET", gw.URL+"/ai/run", nil, "")
	if got.Load() != "code=abc" {
		t.Errorf("query %v", got.Load())
	}
}

func TestBackendUnknownNamedValueIsALoadError(t *testing.T) {
	for name, b := range map[string]*engine.Backend{
		"header":   {Header: map[string][]string{"api-key": {"{{missing-key}}"}}},
		"auth":     {Auth: &engine.BackendAuth{Kind: engine.AuthClientSecret, TenantID: "t", ClientID: "c", ClientSecret: "{{missing-key}}", Scope: "s/.default"}},
		"param":    {AuthScheme: "Bearer", AuthParameter: "{{missing-key}}"},
		"bad kind": {Auth: &engine.BackendAuth{Kind: "kerberos"}},
		"no key":   {Auth: &engine.BackendAuth{Kind: engine.AuthAPIKey}},
	} {
		cfg := authConfig("http://127.0.0.1:1", b, map[string]string{"other": "x"})
		g, errs := New(cfg)
		if g != nil || len(errs) == 0 {
			t.Errorf("%s: accepted", name)
			continue
		}
		if msg := errs.Error(); !strings.Contains(msg, `backend "llm"`) || name != "bad kind" && name != "no key" && !strings.Contains(msg, "missing-key") {
			t.Errorf("%s: %s", name, msg)
		}
		if errs := CheckBackends(cfg); len(errs) == 0 {
			t.Errorf("%s: CheckBackends found nothing", name)
		}
	}
}

// appServiceMI is an App Service-style managed identity endpoint on
// loopback (IDENTITY_ENDPOINT and IDENTITY_HEADER).
type appServiceMI struct {
	srv      *httptest.Server
	requests atomic.Int64
	mu       sync.Mutex
	issued   []string
	queries  []map[string]string
}

func newAppServiceMI(t *testing.T) *appServiceMI {
	m := &appServiceMI{}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := m.requests.Add(1)
		if r.Header.Get("X-IDENTITY-HEADER") != "mi-header-secret" {
			http.Error(w, `{"error":"bad header"}`, 401)
			return
		}
		q := map[string]string{"resource": r.URL.Query().Get("resource"), "client_id": r.URL.Query().Get("client_id")}
		tok := fmt.Sprintf("mi-token-%d", n)
		m.mu.Lock()
		m.issued, m.queries = append(m.issued, tok), append(m.queries, q)
		m.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"access_token": tok, "expires_on": strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10),
			"resource": q["resource"], "token_type": "Bearer", "client_id": q["client_id"],
		})
	}))
	t.Cleanup(m.srv.Close)
	t.Setenv("IDENTITY_ENDPOINT", m.srv.URL+"/msi/token")
	t.Setenv("IDENTITY_HEADER", "mi-header-secret")
	src, err := identity.New(identity.Options{Chain: []identity.Kind{identity.KindManagedIdentity}})
	if err != nil {
		t.Fatal(err)
	}
	policies.SetTokenSource(identity.NewCache(src))
	t.Cleanup(func() { policies.SetTokenSource(nil) })
	return m
}

// Not parallel: sets the process environment and the policies' token source.
func TestBackendManagedIdentitySharesThePolicyCache(t *testing.T) {
	m := newAppServiceMI(t)
	up := newUpstream(t)
	// MSAL keeps a process-wide managed identity cache: a unique resource
	// keeps this test independent.
	res := fmt.Sprintf("https://cognitive-%d.example", time.Now().UnixNano())
	cfg := authConfig(up.srv.URL, &engine.Backend{Auth: &engine.BackendAuth{Kind: engine.AuthManagedIdentity, Resource: res, ClientID: "uami-7"}}, nil)
	// A second API authenticates with the policy, same identity and resource.
	cfg.APIs = append(cfg.APIs, &engine.API{
		ID: "mi", Name: "MI", Path: "mi", ServiceURL: up.srv.URL, IsCurrent: true, Revision: "1",
		Operations: []*engine.Operation{op("any", "*", "/*")},
		Policy:     doc(`<policies><inbound><authentication-managed-identity resource="` + res + `" client-id="uami-7"/></inbound><backend><forward-request/></backend><outbound/><on-error/></policies>`),
	})
	gw := newGW(t, cfg)
	for range 10 {
		if r := call(t, "GET", gw.URL+"/ai/models", nil, ""); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
	if r := call(t, "GET", gw.URL+"/mi/x", nil, ""); r.status != 200 {
		t.Fatalf("policy API: %d %s", r.status, r.body)
	}
	if n := m.requests.Load(); n != 1 {
		t.Errorf("identity endpoint requests = %d for 11 calls through backend and policy, want 1", n)
	}
	m.mu.Lock()
	want := "Bearer " + m.issued[0]
	q := m.queries[0]
	m.mu.Unlock()
	if q["resource"] != res || q["client_id"] != "uami-7" {
		t.Errorf("identity request %v", q)
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	for i, h := range up.auth {
		if h != want {
			t.Fatalf("backend call %d: Authorization %q, want %q", i, h, want)
		}
	}
}

// Not parallel: sets the process environment and the policies' token source.
func TestBackendManagedIdentityFailure(t *testing.T) {
	m := newAppServiceMI(t)
	t.Setenv("IDENTITY_HEADER", "wrong")
	src, _ := identity.New(identity.Options{Chain: []identity.Kind{identity.KindManagedIdentity}})
	policies.SetTokenSource(identity.NewCache(src))
	up := newUpstream(t)
	obs := &observed{}
	res := fmt.Sprintf("https://denied-%d.example", time.Now().UnixNano())
	gw := newGW(t, authConfig(up.srv.URL, &engine.Backend{Auth: &engine.BackendAuth{Kind: engine.AuthManagedIdentity, Resource: res}}, nil), WithObserver(obs.fn))
	r := call(t, "GET", gw.URL+"/ai/models", nil, "")
	run, _ := obs.last(t)
	if le := run.Ctx.LastError; r.status != 500 || le == nil || le.Reason != policies.ReasonBackendAuthentication {
		t.Errorf("%d, LastError %+v", r.status, le)
	}
	if up.calls.Load() != 0 || m.requests.Load() == 0 {
		t.Errorf("backend calls %d, identity requests %d", up.calls.Load(), m.requests.Load())
	}
}

func BenchmarkBackendCachedToken(b *testing.B) {
	a := newEntra(b)
	up := newUpstream(b)
	cfg := authConfig(up.srv.URL, &engine.Backend{Auth: &engine.BackendAuth{
		Kind: engine.AuthClientSecret, TenantID: "t", ClientID: "c", ClientSecret: "x", Scope: "api://llm/.default", AuthorityHost: a.srv.URL,
	}}, nil)
	g, errs := New(cfg, WithIdentity(a.options()))
	if g == nil {
		b.Fatal(errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest("POST", "/ai/chat", strings.NewReader(`{"messages":[]}`)).WithContext(context.Background()))
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
	b.ReportMetric(float64(a.requests.Load()), "token-requests")
}
