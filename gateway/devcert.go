package gateway

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"time"
)

// DevCertificate generates a self-signed development certificate for
// localhost, 127.0.0.1 and ::1 (and any extra host names), valid for 30
// days, with its SHA-256 fingerprint in the AA:BB:… form browsers and
// openssl print.
func DevCertificate(hosts ...string) (tls.Certificate, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return tls.Certificate{}, "", err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "PolicyGate development certificate", Organization: []string{"PolicyGate (development only)"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(30 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, Fingerprint(der), nil
}

// Fingerprint is the SHA-256 of a DER certificate as colon-separated hex.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// devListener opens the HTTPS listener for the development certificate
// (no certificate configured, net.server.tls.dev-certificate on). The
// address being taken is not fatal: the gateway then serves HTTP only.
func (s *Server) devListener() net.Listener {
	if !s.set.DevCertificate || s.set.HTTPSAddr == "" || s.set.HTTPSAddr == "none" {
		return nil
	}
	ln, err := net.Listen("tcp", s.set.HTTPSAddr)
	if err != nil {
		s.log.Warn("https: cannot open the development HTTPS listener; serving HTTP only", slog.String("addr", s.set.HTTPSAddr), slog.Any("error", err))
		return nil
	}
	return ln
}

// httpsCertificate loads the configured certificate or, without one,
// generates the development certificate and logs its fingerprint.
func (s *Server) httpsCertificate() (tls.Certificate, error) {
	if s.set.TLSCert != "" {
		return tls.LoadX509KeyPair(s.set.TLSCert, s.set.TLSKey)
	}
	cert, fp, err := DevCertificate()
	if err != nil {
		return cert, err
	}
	s.devCert.Store(true)
	s.log.Warn("https: no certificate configured (net.server.tls.cert, net.server.tls.key); serving a generated self-signed development certificate for localhost",
		slog.String("sha256", fp), slog.String("expires", cert.Leaf.NotAfter.UTC().Format(time.RFC3339)))
	return cert, nil
}
