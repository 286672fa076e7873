package configclient_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policygate/policygate/gateway"
)

// The Entra ID certificate file is read again when it changes: after the
// application's certificate is renewed (the old one no longer accepted
// by the authority) the gateway gets its next token with the new file,
// without a restart.
func TestFleetEntraCertificateRotation(t *testing.T) {
	f := newFleet(t)
	f.assign("gw-cert", "api-x")
	f.allowApp("gw-cert", "app-cert")
	certFile := filepath.Join(t.TempDir(), "client.pem")
	if err := os.WriteFile(certFile, f.idp.clientCert(t, "app-cert"), 0o600); err != nil {
		t.Fatal(err)
	}
	f.start()
	g := f.gateway("gw-cert", func(s *gateway.ServiceSettings) {
		s.Auth, s.TenantID, s.Authority, s.ClientID, s.CertificatePath = "azureAdApp", "tenant-1", f.idp.srv.URL, "app-cert", certFile
	})
	eventually(t, 10*time.Second, "gateway serves x with the first certificate", g.serves(t, "/x/hello", "x-v1"))
	issued := func() int { f.idp.mu.Lock(); defer f.idp.mu.Unlock(); return len(f.idp.issued) }
	before := issued()

	// Renewal: the authority now knows only the new certificate.
	renewed := f.idp.clientCert(t, "app-cert")
	tmp := certFile + ".tmp"
	if err := os.WriteFile(tmp, renewed, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, certFile); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "a token requested with the renewed certificate", func() bool { return issued() > before })
	f.setBody("api-x", "x-v2")
	eventually(t, 5*time.Second, "edit served after the renewal", g.serves(t, "/x/hello", "x-v2"))
	if logs := f.logs.String(); strings.Contains(logs, "bad certificate assertion") {
		t.Errorf("the old certificate was used after the renewal:\n%s", logs)
	}
	if e := g.c.LastError(); e != "" {
		t.Errorf("last error %q", e)
	}
}
