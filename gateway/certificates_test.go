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

	"github.com/golang-jwt/jwt/v5"

	"github.com/policygate/policygate/gateway/apiops"
)

// certPEM makes a self-signed certificate with its key, as PEM.
func certPEM(t *testing.T) ([]byte, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "signer"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})...), key
}

// TestCertificatesFromConfiguration: certificates/<id>.pem in an APIOps
// folder reaches validate-jwt's certificate-id through the gateway.
func TestCertificatesFromConfiguration(t *testing.T) {
	dir := t.TempDir()
	data, key := certPEM(t)
	if err := os.MkdirAll(filepath.Join(dir, "certificates"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "certificates", "signer.pem"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, errs := apiops.Load(dir)
	if cfg == nil {
		t.Fatalf("load: %v", errs)
	}
	if c := cfg.Certificates["signer"]; c == nil || len(c.Data) == 0 {
		t.Fatalf("certificates: %+v", cfg.Certificates)
	}
	be := newBackend(t)
	base := baseConfig(be.URL)
	base.Certificates = cfg.Certificates
	gw := newGW(t, withPolicy(base, `<policies><inbound><validate-jwt header-name="Authorization">`+
		`<issuer-signing-keys><key certificate-id="signer"/></issuer-signing-keys></validate-jwt></inbound></policies>`))
	sign := func(k *rsa.PrivateKey) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"sub": "a", "exp": time.Now().Add(time.Hour).Unix()}).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if r := call(t, "GET", gw.URL+"/echo/x", map[string]string{"Authorization": "Bearer " + sign(key)}, ""); r.status != 200 {
		t.Errorf("a token signed with the configured certificate's key: %d %s", r.status, r.body)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	if r := call(t, "GET", gw.URL+"/echo/x", map[string]string{"Authorization": "Bearer " + sign(other)}, ""); r.status != 401 {
		t.Errorf("a token signed with another key: %d %s", r.status, r.body)
	}
}

func TestBadCertificateIsALoadError(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "certificates"), 0o755); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "certificates", "broken.pfx")
	if err := os.WriteFile(bad, []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, errs := apiops.Load(dir)
	if cfg != nil || !strings.Contains(errs.Error(), bad+":1:1") || !strings.Contains(errs.Error(), apiops.CertificatePasswordEnv("broken")) {
		t.Errorf("want a positioned load error naming the password variable, got %v", errs)
	}
}
