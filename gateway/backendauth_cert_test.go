package gateway

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policygate/policygate/engine"
)

// testCertificate returns an RSA certificate and its key as PEM.
func testCertificate(t *testing.T) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "policygate-backend"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k})...)
}

func TestBackendClientCertificateAndAssertion(t *testing.T) {
	pemData := testCertificate(t)
	dir := t.TempDir()
	certFile := filepath.Join(dir, "sp.pem")
	assertion := filepath.Join(dir, "assertion")
	os.WriteFile(certFile, pemData, 0o600)
	os.WriteFile(assertion, []byte("federated-assertion\n"), 0o600)
	for name, auth := range map[string]*engine.BackendAuth{
		"certificate file": {Kind: engine.AuthClientCertificate, CertificatePath: "{{cert-path}}"},
		"inline PEM":       {Kind: engine.AuthClientCertificate, Certificate: "{{cert-pem}}"},
		"client assertion": {Kind: engine.AuthClientAssertion, TokenFile: assertion},
	} {
		t.Run(name, func(t *testing.T) {
			a := newEntra(t)
			up := newUpstream(t)
			auth.TenantID, auth.ClientID, auth.Scope, auth.AuthorityHost = "tenant-9", "app-9", "api://llm/.default", a.srv.URL
			cfg := authConfig(up.srv.URL, &engine.Backend{Auth: auth}, map[string]string{"cert-path": certFile, "cert-pem": string(pemData)})
			gw := newGW(t, cfg, WithIdentity(a.options()))
			for range 5 {
				if r := call(t, "GET", gw.URL+"/ai/models", nil, ""); r.status != 200 {
					t.Fatalf("%d %s", r.status, r.body)
				}
			}
			tok, form := a.last(t)
			if a.requests.Load() != 1 || up.auth[4] != "Bearer "+tok {
				t.Errorf("%d token requests; backend got the issued token: %v", a.requests.Load(), up.auth[4] == "Bearer "+tok)
			}
			if form["client_id"] != "app-9" || form["client_assertion_type"] != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
				t.Errorf("token request %v", form)
			}
			if auth.Kind == engine.AuthClientAssertion && form["client_assertion"] != "federated-assertion" {
				t.Errorf("assertion %q", form["client_assertion"])
			}
			if auth.Kind == engine.AuthClientCertificate && strings.Count(form["client_assertion"], ".") != 2 {
				t.Errorf("no signed assertion: %q", form["client_assertion"])
			}
		})
	}
	// an unreadable or undecodable certificate is a load error
	for _, auth := range []*engine.BackendAuth{
		{Kind: engine.AuthClientCertificate, CertificatePath: filepath.Join(dir, "missing.pem")},
		{Kind: engine.AuthClientCertificate, Certificate: "not base64 !"},
	} {
		auth.TenantID, auth.ClientID, auth.Scope = "t", "c", "s/.default"
		if g, errs := New(authConfig("http://127.0.0.1:1", &engine.Backend{Auth: auth}, nil)); g != nil || !strings.Contains(errs.Error(), `backend "llm"`) {
			t.Errorf("%+v accepted (%v)", auth, errs)
		}
	}
}
