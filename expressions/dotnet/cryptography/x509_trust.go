package cryptography

import (
	"bytes"
	"crypto/x509"
	"errors"
	"sync/atomic"
	"time"

	"github.com/policygate/policygate/expressions/dotnet"
)

// X509Trust is what client certificates are checked against: by
// X509Certificate2.Verify() and VerifyNoRevocation() in expressions, and by
// validate-client-certificate.
type X509Trust struct {
	// Roots are the trusted certificate authorities; nil means the system
	// roots.
	Roots *x509.CertPool
	// CRLs are the certificate revocation lists revocation checks use.
	CRLs []*x509.RevocationList
	// CheckRevocation makes Verify() (and validate-revocation) consult
	// CRLs; off, revocation is not checked, as the self-hosted gateway does
	// by default.
	CheckRevocation bool
}

var x509Trust atomic.Pointer[X509Trust]

// SetX509Trust sets the process-wide trust (nil: system roots, no
// revocation checks). It is safe to change while requests run.
func SetX509Trust(t *X509Trust) { x509Trust.Store(t) }

// CurrentX509Trust returns the trust in force (never nil).
func CurrentX509Trust() *X509Trust {
	if t := x509Trust.Load(); t != nil {
		return t
	}
	return &X509Trust{}
}

// Reasons a certificate fails a check.
var (
	ErrCertNotTrusted        = errors.New("the certificate chain does not end at a trusted certificate authority")
	ErrCertRevoked           = errors.New("the certificate is revoked")
	ErrCertRevocationUnknown = errors.New("the revocation status of the certificate is unknown (no revocation list of its issuer)")
)

// VerifyChain builds the certificate's chain to a trusted root (the
// handshake's intermediates help). With checkDates false the validity
// periods are not checked (validate-not-before/-not-after decide those).
func (t *X509Trust) VerifyChain(c *X509Certificate2, now time.Time, checkDates bool) ([]*x509.Certificate, error) {
	inter := x509.NewCertPool()
	for _, ic := range c.Chain {
		inter.AddCert(ic)
	}
	at := now
	if !checkDates {
		at = c.Cert.NotBefore.Add(time.Second)
		if at.After(c.Cert.NotAfter) {
			at = c.Cert.NotBefore
		}
	}
	chains, err := c.Cert.Verify(x509.VerifyOptions{Roots: t.Roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		var ie x509.CertificateInvalidError
		if errors.As(err, &ie) && ie.Reason == x509.Expired && checkDates {
			return nil, err
		}
		return nil, ErrCertNotTrusted
	}
	return chains[0], nil
}

// Revoked checks every certificate of a verified chain but its root
// against the CRLs: ErrCertRevoked when one is listed,
// ErrCertRevocationUnknown when an issuer has no CRL.
func (t *X509Trust) Revoked(chain []*x509.Certificate) error {
	for i := 0; i+1 < len(chain); i++ {
		cert, issuer := chain[i], chain[i+1]
		var crl *x509.RevocationList
		for _, l := range t.CRLs {
			if bytes.Equal(l.RawIssuer, cert.RawIssuer) && l.CheckSignatureFrom(issuer) == nil {
				crl = l
				break
			}
		}
		if crl == nil {
			return ErrCertRevocationUnknown
		}
		for _, e := range crl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
				return ErrCertRevoked
			}
		}
	}
	return nil
}

// verifyX509 is Verify() (revocation as the trust says) and
// VerifyNoRevocation() (never).
func verifyX509(c *X509Certificate2, revocation bool) bool {
	t := CurrentX509Trust()
	chain, err := t.VerifyChain(c, dotnet.Now(), true)
	if err != nil {
		return false
	}
	if revocation && t.CheckRevocation {
		return t.Revoked(chain) == nil
	}
	return true
}

// SubjectName is the certificate's subject as .NET prints it
// ("CN=api, O=Contoso, C=US").
func (c *X509Certificate2) SubjectName() string { return dnString(c.Cert.Subject) }

// IssuerName is the certificate's issuer as .NET prints it.
func (c *X509Certificate2) IssuerName() string { return dnString(c.Cert.Issuer) }

// SerialHex is the serial number in upper-case hex, as .NET shows it.
func (c *X509Certificate2) SerialHex() string { return serialHex(c.Cert) }
