package configclient_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/policygate/policygate/gateway"
	"github.com/policygate/policygate/gateway/configclient"
	"github.com/policygate/policygate/gateway/configserver"
	"github.com/policygate/policygate/gateway/fleet"
)

// pki is a test CA and a loopback server certificate it signed.
type pki struct {
	pool *x509.CertPool
	leaf tls.Certificate
}

func newPKI(t testing.TB) *pki {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "policygate test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	p := &pki{pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	p.leaf = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return p
}

func (p *pki) serverTLS() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{p.leaf}, MinVersion: tls.VersionTLS12}
}

func (p *pki) clientTLS() *tls.Config {
	return &tls.Config{RootCAs: p.pool, MinVersion: tls.VersionTLS12}
}

// entraIdP is a local Microsoft Entra authority over TLS: per-tenant
// OpenID metadata, a JWKS, and a v2 token endpoint for the client
// credentials grant with a client secret, a certificate-signed
// client_assertion, or a federated (workload identity) client_assertion.
// It issues RS256 access tokens with aud from the scope and azp/appid.
type entraIdP struct {
	srv       *httptest.Server
	key       *rsa.PrivateKey
	mu        sync.Mutex
	secrets   map[string]string            // client id → secret
	certs     map[string]*x509.Certificate // client id → certificate
	federated map[string]string            // client id → expected assertion
	roles     map[string][]string
	issued    []string
}

func newEntra(t testing.TB, p *pki) *entraIdP {
	t.Helper()
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	e := &entraIdP{key: key, secrets: map[string]string{}, certs: map[string]*x509.Certificate{}, federated: map[string]string{}, roles: map[string][]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		base := e.srv.URL + "/" + r.PathValue("tenant")
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": base + "/v2.0", "token_endpoint": base + "/oauth2/v2.0/token", "jwks_uri": base + "/discovery/v2.0/keys",
			"authorization_endpoint": base + "/oauth2/v2.0/authorize", "tenant_region_scope": "EU",
		})
	})
	mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", func(w http.ResponseWriter, r *http.Request) {
		jwk := jose.JSONWebKey{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk}})
	})
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		id := r.PostForm.Get("client_id")
		if msg := e.check(r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"), r.PostForm.Get("client_assertion"), r.PostForm.Get("client_assertion_type")); msg != "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			json.NewEncoder(w).Encode(map[string]any{"error": "invalid_client", "error_description": msg})
			return
		}
		aud := strings.TrimSuffix(strings.Fields(r.PostForm.Get("scope"))[0], "/.default")
		e.mu.Lock()
		roles := e.roles[id]
		e.mu.Unlock()
		claims := jwt.MapClaims{"aud": aud, "iss": e.srv.URL + "/" + r.PathValue("tenant") + "/v2.0", "azp": id, "appid": id,
			"tid": r.PathValue("tenant"), "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}
		if roles != nil {
			claims["roles"] = roles
		}
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
		tok.Header["kid"] = "k1"
		s, _ := tok.SignedString(key)
		e.mu.Lock()
		e.issued = append(e.issued, s)
		e.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": s})
	})
	e.srv = httptest.NewUnstartedServer(mux)
	e.srv.TLS = p.serverTLS()
	e.srv.StartTLS()
	t.Cleanup(e.srv.Close)
	return e
}

func (e *entraIdP) check(id, secret, assertion, typ string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if want, ok := e.secrets[id]; ok {
		if secret != want {
			return "bad client secret"
		}
		return ""
	}
	if typ != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		return "unknown client"
	}
	if want, ok := e.federated[id]; ok {
		if assertion != want {
			return "bad federated assertion"
		}
		return ""
	}
	if cert, ok := e.certs[id]; ok {
		_, err := jwt.Parse(assertion, func(*jwt.Token) (any, error) { return cert.PublicKey, nil }, jwt.WithValidMethods([]string{"RS256", "PS256"}))
		if err != nil {
			return "bad certificate assertion: " + err.Error()
		}
		return ""
	}
	return "unknown client"
}

// clientCert makes a self-signed RSA certificate with its key (PEM) for
// the certificate credential, registered under client id.
func (e *entraIdP) clientCert(t testing.TB, id string) []byte {
	t.Helper()
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: id}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	cert, _ := x509.ParseCertificate(der)
	e.mu.Lock()
	e.certs[id] = cert
	e.mu.Unlock()
	k, _ := x509.MarshalPKCS8PrivateKey(key)
	return append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k})...)
}

// logBuf collects every log line of a test, for the no-secret check.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fleetT is a configuration server with its folder, keys, authority and
// gateways.
type fleetT struct {
	t       testing.TB
	pki     *pki
	dir     string
	keys    string
	idp     *entraIdP
	logs    *logBuf
	env     map[string]string
	secrets []string // must never appear in a log line
	srv     *configserver.Server
	addr    string // host:port of the server
	admin   string
	stop    context.CancelFunc
	done    chan struct{}
}

const secretNV = "nv-s3cret-value-do-not-log"

func newFleet(t testing.TB) *fleetT {
	t.Helper()
	f := &fleetT{t: t, pki: newPKI(t), dir: t.TempDir(), logs: &logBuf{}, env: map[string]string{"POLICYGATE_NV_SECRET_NV": secretNV}}
	f.keys = filepath.Join(t.TempDir(), "keys.json")
	f.secrets = append(f.secrets, secretNV)
	f.idp = newEntra(t, f.pki)
	f.writeAPI("api-x", "x", "x-v1")
	f.writeAPI("api-y", "y", "y-v1")
	f.write("namedValues/secret-nv/namedValueInformation.json", `{"properties": {"displayName": "secret-nv", "secret": true}}`)
	f.write("namedValues/unused/namedValueInformation.json", `{"properties": {"displayName": "unused", "value": "u"}}`)
	t.Cleanup(func() {
		if f.stop != nil {
			f.stop()
			<-f.done
		}
		logs := f.logs.String()
		for _, s := range f.secrets {
			if s != "" && strings.Contains(logs, s) {
				t.Errorf("a secret (%.12s…) appears in the logs", s)
			}
		}
		if t.Failed() {
			t.Logf("logs:\n%s", logs)
		}
	})
	return f
}

func (f *fleetT) write(rel, content string) {
	f.t.Helper()
	p := filepath.Join(f.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// writeAPI writes an API at /<path>/hello answering body (and the secret
// named value in x-nv).
func (f *fleetT) writeAPI(id, path, body string) {
	f.write("apis/"+id+"/apiInformation.json", fmt.Sprintf(`{"properties": {"displayName": %q, "path": %q, "serviceUrl": "http://127.0.0.1:9", "protocols": ["http", "https"], "subscriptionRequired": false}}`, id, path))
	f.write("apis/"+id+"/specification.yaml", "swagger: '2.0'\ninfo: {title: t, version: v1}\npaths:\n  /hello:\n    get:\n      operationId: hello\n      responses: {200: {description: ok}}\n")
	f.setBody(id, body)
}

func (f *fleetT) setBody(id, body string) {
	f.write("apis/"+id+"/policy.xml", `<policies>
  <inbound>
    <base />
    <return-response>
      <set-status code="200" />
      <set-header name="x-nv" exists-action="override"><value>{{secret-nv}}</value></set-header>
      <set-body>`+body+`</set-body>
    </return-response>
  </inbound>
  <backend><base /></backend>
  <outbound><base /></outbound>
  <on-error><base /></on-error>
</policies>`)
}

func (f *fleetT) assign(gw string, apis ...string) {
	b, _ := json.Marshal(apis)
	f.write("gateways/"+gw+"/gatewayInformation.json", `{"properties": {"locationData": {"name": "edge-`+gw+`"}, "description": "test"}}`)
	f.write("gateways/"+gw+"/apis.json", string(b))
}

// keysFor creates (or regenerates) a gateway's keys and returns them.
func (f *fleetT) keysFor(gw, regenerate string) fleet.GatewayKeys {
	f.t.Helper()
	kf, err := fleet.ReadKeys(f.keys)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := kf.Regenerate(gw, regenerate, time.Now()); err != nil {
		f.t.Fatal(err)
	}
	if err := kf.Write(f.keys); err != nil {
		f.t.Fatal(err)
	}
	k := kf.Gateways[gw]
	f.secrets = append(f.secrets, k.Primary, k.Secondary)
	return k
}

func (f *fleetT) allowApp(gw string, apps ...string) { f.allow(gw, apps, nil) }

func (f *fleetT) allow(gw string, apps, roles []string) {
	kf, _ := fleet.ReadKeys(f.keys)
	k := kf.Gateways[gw]
	k.EntraAppIDs = append(k.EntraAppIDs, apps...)
	k.EntraRoles = append(k.EntraRoles, roles...)
	kf.Gateways[gw] = k
	if err := kf.Write(f.keys); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fleetT) token(gw, key string, exp time.Time) string {
	tok := fleet.MintToken(gw, key, exp)
	f.secrets = append(f.secrets, tok, tok[strings.LastIndexByte(tok, '&')+1:])
	return tok
}

func (f *fleetT) log(component string) *slog.Logger {
	return slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With(slog.String("component", component))
}

// start starts (or restarts, on the same address) the server.
func (f *fleetT) start() {
	f.t.Helper()
	f.srv = configserver.New(configserver.Options{Dir: f.dir, KeysFile: f.keys, Debounce: 30 * time.Millisecond, Heartbeat: time.Second,
		Log: f.log("server"), Env: func(k string) (string, bool) { v, ok := f.env[k]; return v, ok },
		Entra: configserver.EntraConfig{TenantID: "tenant-1", Authority: f.idp.srv.URL, Client: &http.Client{Transport: &http.Transport{TLSClientConfig: f.pki.clientTLS()}}}})
	if err := f.srv.Reload(); err != nil {
		f.t.Fatal(err)
	}
	addr := f.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	var err error
	for range 50 { // the old socket may linger for a moment on restart
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		f.t.Fatal(err)
	}
	aln, _ := net.Listen("tcp", "127.0.0.1:0")
	f.addr, f.admin = ln.Addr().String(), aln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	f.stop, f.done = cancel, make(chan struct{})
	go f.srv.Run(ctx)
	go func() {
		defer close(f.done)
		f.srv.Serve(ctx, ln, f.pki.serverTLS(), aln)
	}()
}

// halt stops the server.
func (f *fleetT) halt() {
	f.stop()
	<-f.done
	f.stop = nil
}

// gw is a running gateway.
type gw struct {
	c    *configclient.Client
	srv  *gateway.Server
	url  string
	stop context.CancelFunc
	done chan struct{}
}

// gateway starts a gateway whose ServiceSettings mod fills in.
func (f *fleetT) gateway(name string, mod func(*gateway.ServiceSettings)) *gw {
	f.t.Helper()
	return f.gatewayWith(name, mod, nil)
}

// gatewayWith is gateway with client options that opts changes.
func (f *fleetT) gatewayWith(name string, mod func(*gateway.ServiceSettings), opts func(*configclient.Options)) *gw {
	f.t.Helper()
	set, err := gateway.LoadSettings("", nil, map[string]string{"net.server.http.listen": "127.0.0.1:0", "admin.listen": "none", "net.server.shutdown.timeout": "1s"})
	if err != nil {
		f.t.Fatal(err)
	}
	set.Service.Endpoint = "https://" + f.addr
	set.Service.GatewayName = name
	set.Service.Heartbeat = 200 * time.Millisecond
	set.Service.PollWait = 5 * time.Second
	set.Service.Timeout = 10 * time.Second
	mod(&set.Service)
	log := f.log("gateway-" + name)
	srv := gateway.NewServer(set, log)
	ls, err := srv.Listen()
	if err != nil {
		f.t.Fatal(err)
	}
	o := configclient.Options{Settings: set.Service, Server: srv, Log: log, TLS: f.pki.clientTLS(),
		Env: func(string) (string, bool) { return "", false }}
	if opts != nil {
		opts(&o)
	}
	c, err := configclient.New(o)
	if err != nil {
		f.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &gw{c: c, srv: srv, url: "http://" + ls.HTTP.Addr().String(), stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(g.done)
		go c.Run(ctx)
		srv.Serve(ctx, ls)
	}()
	f.t.Cleanup(func() { cancel(); <-g.done })
	return g
}

func (g *gw) halt() { g.stop(); <-g.done }

// get fetches path from the gateway: status, body, x-nv.
func (g *gw) get(t testing.TB, path string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(g.url + path)
	if err != nil {
		return 0, err.Error(), ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("x-nv")
}

// eventually polls cond every 10 ms until it holds or d passes.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (g *gw) serves(t testing.TB, path, body string) func() bool {
	return func() bool {
		st, b, _ := g.get(t, path)
		return st == 200 && b == body
	}
}
