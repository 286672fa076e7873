package expressions

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/expressions/dotnet/cryptography"
)

func selfSigned(t *testing.T) (der []byte, cert *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(0x1234),
		Subject:      pkix.Name{CommonName: "client.example", Organization: []string{"Contoso"}, Country: []string{"US"}},
		NotBefore:    time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err = x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return der, cert
}

func TestX509Certificate2(t *testing.T) {
	t.Parallel()
	der, cert := selfSigned(t)
	sum := sha1.Sum(der)
	thumb := strings.ToUpper(hex.EncodeToString(sum[:]))
	b64 := base64.StdEncoding.EncodeToString(der)
	c := testContext()
	c.Request.Certificate = &cryptography.X509Certificate2{Cert: cert}
	tests := []struct{ src, want string }{
		{`@(context.Request.Certificate.Thumbprint)`, thumb},
		{`@(context.Request.Certificate?.Subject)`, "CN=client.example, O=Contoso, C=US"},
		{`@(context.Request.Certificate.SubjectName.Name)`, "CN=client.example, O=Contoso, C=US"},
		{`@(context.Request.Certificate.NotAfter.Year)`, "2030"},
		{`@(context.Request.Certificate.SerialNumber)`, "1234"},
		{`@(context.Request.Certificate.HasPrivateKey)`, "False"},
		{`@(context.Request.Certificate.GetRSAPublicKey() != null)`, "True"},
		{`@(new X509Certificate2(Convert.FromBase64String("` + b64 + `")).Thumbprint)`, thumb},
		{`@(new X509Certificate2(Convert.FromBase64String("` + b64 + `"), (string)null).GetCertHashString())`, thumb},
		{`@(Convert.ToBase64String(new X509Certificate2(Convert.FromBase64String("` + b64 + `")).GetCertHash()).Length)`, "28"},
	}
	for _, tc := range tests {
		p, err := Compile(tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		v, err := p.Eval(c)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if got := dotnet.ToString(v); got != tc.want {
			t.Errorf("%s = %q, want %q", tc.src, got, tc.want)
		}
	}
	// No client certificate: null, and ?. guards it.
	p, err := Compile(`@(context.Request.Certificate?.Thumbprint ?? "none")`)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := p.Eval(testContext()); dotnet.ToString(v) != "none" {
		t.Errorf("without a certificate: %v", v)
	}
	// Bad bytes are a CryptographicException, not a crash.
	p, _ = Compile(`@(new X509Certificate2(new byte[] {1, 2, 3}).Thumbprint)`)
	if _, err := p.Eval(testContext()); err == nil || !strings.Contains(err.Error(), "CryptographicException") {
		t.Errorf("bad certificate bytes: %v", err)
	}
}
