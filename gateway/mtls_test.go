package gateway_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t testing.TB, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name, Organization: []string{"PolicyGate Test"}, Country: []string{"US"}},
		NotBefore: time.Now().Add(-24 * time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue makes a client certificate valid from notBefore to notAfter.
func (ca *testCA) issue(t testing.TB, cn string, serial int64, notBefore, notAfter time.Time) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn, Organization: []string{"Contoso, Inc."}, Country: []string{"US"}},
		NotBefore: notBefore, NotAfter: notAfter, DNSNames: []string{cn + ".clients.test"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// crl writes a revocation list of ca revoking serials.
func (ca *testCA) crl(t testing.TB, file string, serials ...int64) {
	t.Helper()
	var entries []x509.RevocationListEntry
	for _, s := range serials {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: big.NewInt(s), RevocationTime: time.Now().Add(-time.Hour)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now().Add(-time.Hour),
		NextUpdate: time.Now().Add(time.Hour), RevokedCertificateEntries: entries}, ca.cert, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// serverCertificate writes a certificate and key for 127.0.0.1 from a
// CA of its own and returns their paths and a pool that trusts it.
func serverCertificate(t testing.TB) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	ca := newTestCA(t, "Server CA")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	pool = x509.NewCertPool()
	pool.AddCert(ca.cert)
	return certFile, keyFile, pool
}

func thumbprint(der []byte) string {
	sum := sha1.Sum(der)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// mtlsServer serves cfg on an HTTPS listener asking for client
// certificates with mode, trusting ca, revoking by crlFile.
func mtlsServer(t testing.TB, mode string, ca *testCA, crlFile string, cfg *engine.Config) (addr string, serverPool *x509.CertPool) {
	t.Helper()
	certFile, keyFile, pool := serverCertificate(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.pem, 0o600); err != nil {
		t.Fatal(err)
	}
	kv := []string{"net.server.tls.cert", certFile, "net.server.tls.key", keyFile,
		"net.server.tls.client-certificate", mode, "net.server.tls.client-certificate.ca", caFile}
	if crlFile != "" {
		kv = append(kv, "security.certificate-revocation.validation.enabled", "true", "security.certificate-revocation.crl", crlFile)
	}
	srv := gateway.NewServer(testSettings(t, kv...), slog.New(slog.DiscardHandler))
	e, errs := engine.Compile(cfg, engine.Options{Strict: true})
	if e == nil {
		t.Fatal(errs)
	}
	srv.Activate(e)
	ls := &gateway.Listeners{HTTP: listen(t), HTTPS: listen(t)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ls) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return ls.HTTPS.Addr().String(), pool
}

func mtlsClient(pool *x509.CertPool, cert *tls.Certificate) *http.Client {
	cfg := &tls.Config{RootCAs: pool}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}, Timeout: 10 * time.Second}
}

const certEcho = `<policies><inbound><base/></inbound><backend><base/></backend><outbound><base/>
<set-header name="X-Subject" exists-action="override"><value>@(context.Request.Certificate?.Subject ?? "none")</value></set-header>
<set-header name="X-Issuer" exists-action="override"><value>@(context.Request.Certificate?.Issuer ?? "none")</value></set-header>
<set-header name="X-Thumbprint" exists-action="override"><value>@(context.Request.Certificate?.Thumbprint ?? "none")</value></set-header>
<set-header name="X-Serial" exists-action="override"><value>@(context.Request.Certificate?.SerialNumber ?? "none")</value></set-header>
<set-header name="X-Not-After" exists-action="override"><value>@(context.Request.Certificate == null ? "none" : context.Request.Certificate.NotAfter.ToString("yyyy-MM-dd"))</value></set-header>
<set-header name="X-Verify" exists-action="override"><value>@(context.Request.Certificate == null ? "none" : context.Request.Certificate.Verify() + "/" + context.Request.Certificate.VerifyNoRevocation())</value></set-header>
</outbound></policies>`

func validateAPI(id, policy string, backend string) *engine.API {
	return &engine.API{ID: id, Path: id, ServiceURL: backend, IsCurrent: true, Protocols: []string{"https"},
		Policy: doc(`<policies><inbound><base/>` + policy + `</inbound><backend><base/></backend><outbound><base/></outbound><on-error><base/>
<set-header name="X-Reason" exists-action="override"><value>@(context.LastError.Source + "/" + context.LastError.Reason)</value></set-header></on-error></policies>`),
		Operations: []*engine.Operation{{ID: "get", Method: "GET", URLTemplate: "/*"}}}
}

// TestMutualTLS sends requests with real client certificates from a test
// CA over TLS on loopback through validate-client-certificate and reads the
// certificate back from context.Request.Certificate.
func TestMutualTLS(t *testing.T) {
	ca := newTestCA(t, "PolicyGate Test CA")
	other := newTestCA(t, "Untrusted CA")
	now := time.Now()
	good := ca.issue(t, "client-good", 100, now.Add(-time.Hour), now.Add(time.Hour))
	second := ca.issue(t, "client-second", 101, now.Add(-time.Hour), now.Add(time.Hour))
	expired := ca.issue(t, "client-expired", 102, now.Add(-48*time.Hour), now.Add(-time.Hour))
	future := ca.issue(t, "client-future", 103, now.Add(time.Hour), now.Add(48*time.Hour))
	revoked := ca.issue(t, "client-revoked", 104, now.Add(-time.Hour), now.Add(time.Hour))
	stranger := other.issue(t, "client-good", 100, now.Add(-time.Hour), now.Add(time.Hour))
	crlFile := filepath.Join(t.TempDir(), "ca.crl")
	ca.crl(t, crlFile, 104)

	be := startEcho(t)
	caTP := thumbprint(ca.cert.Raw)
	cfg := &engine.Config{
		Certificates: map[string]*engine.Certificate{"client-ca": {File: "ca.pem", Data: ca.pem}},
		APIs: []*engine.API{
			{ID: "echo", Path: "echo", ServiceURL: be, IsCurrent: true, Protocols: []string{"https"}, Policy: doc(certEcho),
				Operations: []*engine.Operation{{ID: "get", Method: "GET", URLTemplate: "/*"}}},
			validateAPI("all", `<validate-client-certificate />`, be),
			validateAPI("ident", `<validate-client-certificate><identities>
				<identity common-name="client-good" issuer-thumbprint="`+caTP+`" issuer-subject="CN=PolicyGate Test CA, O=PolicyGate Test, C=US" dns-name="client-good.clients.test" serial-number="64" />
				<identity subject="CN=client-second, O=&quot;Contoso, Inc.&quot;, C=US" issuer-certificate-id="client-ca" />
				</identities></validate-client-certificate>`, be),
			validateAPI("thumb", `<validate-client-certificate><identities><identity thumbprint="`+thumbprint(good.Leaf.Raw)+`" /></identities></validate-client-certificate>`, be),
			validateAPI("lenient", `<validate-client-certificate validate-trust="false" validate-not-after="false" validate-not-before="false" validate-revocation="false" />`, be),
			validateAPI("ignore", `<validate-client-certificate ignore-error="true" />`, be),
		},
	}
	addr, pool := mtlsServer(t, "request", ca, crlFile, cfg)

	type answer struct {
		StatusCode int    `json:"statusCode"`
		Message    string `json:"message"`
	}
	tests := []struct {
		name, path string
		cert       *tls.Certificate
		status     int
		reason     string
	}{
		{"trusted certificate passes every check", "all", &good, 200, ""},
		{"no certificate", "all", nil, 401, "ClientCertificateMissing"},
		{"untrusted CA", "all", &stranger, 401, "ClientCertificateNotTrusted"},
		{"expired", "all", &expired, 401, "ClientCertificateExpired"},
		{"not yet valid", "all", &future, 401, "ClientCertificateNotYetValid"},
		{"revoked in the CRL", "all", &revoked, 401, "ClientCertificateRevoked"},
		{"first identity matches every claim", "ident", &good, 200, ""},
		{"second identity: subject and issuer certificate", "ident", &second, 200, ""},
		{"a trusted certificate matching no identity", "ident", &expired, 401, "ClientCertificateExpired"},
		{"a valid certificate matching no identity", "thumb", &second, 401, "ClientCertificateIdentityMismatch"},
		{"same subject from another CA is not trusted", "ident", &stranger, 401, "ClientCertificateNotTrusted"},
		{"thumbprint identity matches", "thumb", &good, 200, ""},
		{"checks turned off accept an expired untrusted certificate", "lenient", &expired, 200, ""},
		{"checks turned off still need a certificate", "lenient", nil, 401, "ClientCertificateMissing"},
		{"ignore-error lets a failure through", "ignore", &stranger, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := mtlsClient(pool, tc.cert).Get("https://" + addr + "/" + tc.path + "/x")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.status == 401 {
				var a answer
				if err := json.Unmarshal(body, &a); err != nil || a.StatusCode != 401 || a.Message != "Invalid client certificate" {
					t.Errorf("answer %s (%v)", body, err)
				}
				if got, want := resp.Header.Get("X-Reason"), "validate-client-certificate/"+tc.reason; got != want {
					t.Errorf("LastError %q, want %q", got, want)
				}
			}
		})
	}

	t.Run("the certificate reaches context.Request.Certificate", func(t *testing.T) {
		for _, c := range []struct {
			cert   *tls.Certificate
			verify string
		}{{&good, "True/True"}, {&revoked, "False/True"}, {&expired, "False/False"}, {&stranger, "False/False"}} {
			resp, err := mtlsClient(pool, c.cert).Get("https://" + addr + "/echo/x")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			leaf := c.cert.Leaf
			want := map[string]string{
				"X-Subject":    "CN=" + leaf.Subject.CommonName + `, O="Contoso, Inc.", C=US`,
				"X-Issuer":     "CN=" + leaf.Issuer.CommonName + ", O=PolicyGate Test, C=US",
				"X-Thumbprint": thumbprint(leaf.Raw),
				"X-Serial":     strings.ToUpper(leaf.SerialNumber.Text(16)),
				"X-Not-After":  leaf.NotAfter.UTC().Format("2006-01-02"),
				"X-Verify":     c.verify,
			}
			for h, w := range want {
				if got := resp.Header.Get(h); got != w {
					t.Errorf("%s: %s = %q, want %q", leaf.Subject.CommonName, h, got, w)
				}
			}
		}
		resp, err := mtlsClient(pool, nil).Get("https://" + addr + "/echo/x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("X-Subject"); got != "none" {
			t.Errorf("without a certificate X-Subject = %q", got)
		}
	})
}

// TestMutualTLSRequire checks that require fails the handshake without a
// certificate of the trusted CA.
func TestMutualTLSRequire(t *testing.T) {
	ca := newTestCA(t, "PolicyGate Test CA")
	other := newTestCA(t, "Untrusted CA")
	now := time.Now()
	good := ca.issue(t, "client-good", 100, now.Add(-time.Hour), now.Add(time.Hour))
	stranger := other.issue(t, "client-good", 100, now.Add(-time.Hour), now.Add(time.Hour))
	be := startEcho(t)
	addr, pool := mtlsServer(t, "require", ca, "", &engine.Config{APIs: []*engine.API{validateAPI("all", `<validate-client-certificate />`, be)}})
	resp, err := mtlsClient(pool, &good).Get("https://" + addr + "/all/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("trusted certificate: status %d", resp.StatusCode)
	}
	for name, c := range map[string]*tls.Certificate{"no certificate": nil, "untrusted CA": &stranger} {
		if resp, err := mtlsClient(pool, c).Get("https://" + addr + "/all/x"); err == nil {
			resp.Body.Close()
			t.Errorf("%s: the handshake succeeded (status %d)", name, resp.StatusCode)
		}
	}
}

// TestMutualTLSIdentityOnly uses a policy whose checks are all off, so the
// identity alone decides.
func TestMutualTLSIdentityOnly(t *testing.T) {
	ca := newTestCA(t, "PolicyGate Test CA")
	now := time.Now()
	good := ca.issue(t, "client-good", 100, now.Add(-time.Hour), now.Add(time.Hour))
	second := ca.issue(t, "client-second", 101, now.Add(-time.Hour), now.Add(time.Hour))
	be := startEcho(t)
	addr, pool := mtlsServer(t, "request", ca, "", &engine.Config{APIs: []*engine.API{validateAPI("id",
		`<validate-client-certificate validate-revocation="false" validate-trust="false"><identities><identity dns-name="client-second.clients.test" /></identities></validate-client-certificate>`, be)}})
	for c, want := range map[*tls.Certificate]int{&good: 401, &second: 200} {
		resp, err := mtlsClient(pool, c).Get("https://" + addr + "/id/x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d", c.Leaf.Subject.CommonName, resp.StatusCode, want)
		}
		if want == 401 && resp.Header.Get("X-Reason") != "validate-client-certificate/ClientCertificateIdentityMismatch" {
			t.Errorf("reason %q", resp.Header.Get("X-Reason"))
		}
	}
}

// BenchmarkHTTPSHandshake measures a request on a new TLS connection
// (ECDSA P-256 certificates) with and without a client certificate, so the
// difference is the cost of mutual TLS.
func BenchmarkHTTPSHandshake(b *testing.B) {
	ca := newTestCA(b, "PolicyGate Test CA")
	now := time.Now()
	good := ca.issue(b, "client-good", 100, now.Add(-time.Hour), now.Add(time.Hour))
	be := startEcho(b)
	cfg := &engine.Config{APIs: []*engine.API{{ID: "echo", Path: "echo", ServiceURL: be, IsCurrent: true, Protocols: []string{"https"},
		Operations: []*engine.Operation{{ID: "get", Method: "GET", URLTemplate: "/*"}}}}}
	for _, c := range []struct {
		name, mode string
		cert       *tls.Certificate
	}{{"server-only", "none", nil}, {"mutual", "require", &good}} {
		b.Run(c.name, func(b *testing.B) {
			addr, pool := mtlsServer(b, c.mode, ca, "", cfg)
			client := mtlsClient(pool, c.cert)
			b.ReportAllocs()
			var ru0, ru1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			for b.Loop() {
				resp, err := client.Get("https://" + addr + "/echo/x")
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatal(resp.Status)
				}
			}
			// CPU time of client and server together: steadier than wall
			// time on a shared machine.
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			cpu := ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano()
			b.ReportMetric(float64(cpu)/float64(b.N)/1e3, "cpu-µs/op")
		})
	}
}

// TestAuthenticationCertificateThroughServer checks that
// authentication-certificate presents its certificate to a backend that
// requires one when the request goes through the server (whose backend
// transport is wrapped for timing).
func TestAuthenticationCertificateThroughServer(t *testing.T) {
	ca := newTestCA(t, "Backend Client CA")
	now := time.Now()
	cert := ca.issue(t, "gateway-client", 7, now.Add(-time.Hour), now.Add(time.Hour))
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)
	be := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Client-CN", r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(ca.cert)
	be.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs}
	be.StartTLS()
	t.Cleanup(be.Close)
	backendRoots := x509.NewCertPool()
	backendRoots.AddCert(be.Certificate())
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: backendRoots}}}
	r := start(t, testSettings(t), gateway.WithClient(client))
	cfg := &engine.Config{
		Certificates: map[string]*engine.Certificate{"backend-client": {File: "client.pem", Data: certPEM}},
		APIs: []*engine.API{{ID: "b", Path: "b", ServiceURL: be.URL, IsCurrent: true, Protocols: []string{"http"},
			Policy:     doc(`<policies><inbound><base/><authentication-certificate certificate-id="backend-client" /></inbound><backend><base/></backend><outbound><base/></outbound><on-error><base/></on-error></policies>`),
			Operations: []*engine.Operation{{ID: "get", Method: "GET", URLTemplate: "/*"}}}},
	}
	e, errs := engine.Compile(cfg, engine.Options{Strict: true})
	if e == nil {
		t.Fatal(errs)
	}
	r.srv.Activate(e)
	resp, err := http.Get(r.url + "/b/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Client-CN") != "gateway-client" {
		t.Errorf("status %d, client CN %q", resp.StatusCode, resp.Header.Get("X-Client-CN"))
	}
}
