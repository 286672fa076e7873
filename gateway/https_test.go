package gateway_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway"
)

// selfSigned writes a certificate and key for 127.0.0.1 and returns their
// paths and a pool that trusts it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "policygate test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestHTTPSListener(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	set := testSettings(t, "net.server.tls.cert", certFile, "net.server.tls.key", keyFile)
	srv := gateway.NewServer(set, slog.New(slog.DiscardHandler))
	be := startEcho(t)
	cfg := &engine.Config{APIs: []*engine.API{{ID: "s", Path: "s", ServiceURL: be, IsCurrent: true, Protocols: []string{"https"},
		Policy:     doc(`<policies><inbound><base/></inbound><backend><base/></backend><outbound><base/><set-header name="X-Scheme" exists-action="override"><value>@(context.Request.OriginalUrl.Scheme)</value></set-header></outbound></policies>`),
		Operations: []*engine.Operation{{ID: "get", Method: "GET", URLTemplate: "/*"}}}}}
	e, errs := engine.Compile(cfg, engine.Options{})
	if e == nil {
		t.Fatal(errs)
	}
	srv.Activate(e)
	ls := &gateway.Listeners{HTTP: listen(t), HTTPS: listen(t)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ls) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get("https://" + ls.HTTPS.Addr().String() + "/s/x")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Scheme") != "https" {
		t.Errorf("https: status %d, scheme %q", resp.StatusCode, resp.Header.Get("X-Scheme"))
	}
	probe, err := client.Get("https://" + ls.HTTPS.Addr().String() + gateway.StatusPath)
	if err != nil {
		t.Fatal(err)
	}
	probe.Body.Close()
	if probe.StatusCode != 200 {
		t.Errorf("https probe: %d", probe.StatusCode)
	}
}
