package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"

	"github.com/policygate/policygate/expressions/dotnet/cryptography"
	"github.com/policygate/policygate/policies"
)

// applyClientCertificates makes the HTTPS listener ask for client
// certificates as net.server.tls.client-certificate says, and sets the
// trust that context.Request.Certificate.Verify() and
// validate-client-certificate use: the CA bundle and the revocation lists.
//
// "request" accepts any certificate in the handshake and leaves the checks
// to policies (APIM's "negotiate client certificate"); "require" fails the
// handshake without a certificate that chains to the CA bundle (any
// certificate when no bundle is set).
func (s *Settings) applyClientCertificates(cfg *tls.Config) error {
	trust := &cryptography.X509Trust{CheckRevocation: s.RevocationCheck}
	if s.ClientCA != "" {
		data, err := os.ReadFile(s.ClientCA)
		if err != nil {
			return fmt.Errorf("net.server.tls.client-certificate.ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(data) {
			return fmt.Errorf("net.server.tls.client-certificate.ca: %s holds no PEM certificate", s.ClientCA)
		}
		trust.Roots = pool
	}
	for _, f := range s.CRLFiles {
		crl, err := readCRL(f)
		if err != nil {
			return fmt.Errorf("security.certificate-revocation.crl: %s: %w", f, err)
		}
		trust.CRLs = append(trust.CRLs, crl)
	}
	if s.RevocationCheck && len(trust.CRLs) == 0 {
		return fmt.Errorf("security.certificate-revocation.validation.enabled needs security.certificate-revocation.crl")
	}
	switch s.ClientCertificate {
	case "request":
		cfg.ClientAuth = tls.RequestClientCert
	case "require":
		cfg.ClientAuth = tls.RequireAnyClientCert
		if trust.Roots != nil {
			cfg.ClientAuth, cfg.ClientCAs = tls.RequireAndVerifyClientCert, trust.Roots
		}
	default:
		cfg.ClientAuth = tls.NoClientCert
	}
	cryptography.SetX509Trust(trust)
	return nil
}

// readCRL reads a certificate revocation list in PEM or DER.
func readCRL(file string) (*x509.RevocationList, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if b, _ := pem.Decode(data); b != nil {
		data = b.Bytes
	}
	return x509.ParseRevocationList(data)
}

var _ policies.TransportWrapper = timingTransport{}

// Transport returns the wrapped transport (nil when it is another round
// tripper), so policies can make per-call copies.
func (t timingTransport) Transport() *http.Transport {
	switch b := t.base.(type) {
	case *http.Transport:
		return b
	case policies.TransportWrapper:
		return b.Transport()
	}
	return nil
}

// WithTransport wraps a changed copy of the transport the same way.
func (t timingTransport) WithTransport(tr *http.Transport) http.RoundTripper {
	if w, ok := t.base.(policies.TransportWrapper); ok {
		return timingTransport{w.WithTransport(tr)}
	}
	return timingTransport{tr}
}
