package policies

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/pkcs12"

	"github.com/policygate/policygate/expressions/dotnet/cryptography"
	"github.com/policygate/policygate/parser"
)

// authentication-certificate presents a client certificate to the backend
// in the TLS handshake.
//
//	<authentication-certificate thumbprint="A1B2… | @(expr)" />
//	<authentication-certificate certificate-id="backend-client | @(expr)" />
//	<authentication-certificate body="@((byte[])…)" password="pfx password | @(expr)" />
//
// thumbprint and certificate-id look the certificate up in the certificate
// store (SetCertificateStore); body gives its bytes (PFX, or PEM with the
// private key; a string is read as Base64) with an optional password.
// The chosen certificate is recorded in r.Scratch["client-certificate"]; the
// forward-request step presents it through ClientCertificate. An unknown
// certificate fails with 500 and reason CertificateNotFound; a body that is
// no certificate fails with reason CertificateInvalid.
type authenticationCertificate struct {
	thumbprint, id, body, password *Value
}

var _ Step = (*authenticationCertificate)(nil)

// Reasons of authentication-certificate failures (spec §2.21; project
// decision).
const (
	ReasonCertificateNotFound = "CertificateNotFound"
	ReasonCertificateInvalid  = "CertificateInvalid"
)

// ClientCertificateKey is the Run.Scratch key of the *tls.Certificate that
// authentication-certificate chose.
const ClientCertificateKey = "client-certificate"

// ClientCertificate returns the client certificate to present to the
// backend for this request, or nil. forward-request (and send-request) put
// it in the TLS configuration of the backend connection, e.g. through
// tls.Config.GetClientCertificate on a transport kept per certificate.
func ClientCertificate(r *Run) *tls.Certificate {
	c, _ := r.Scratch[ClientCertificateKey].(*tls.Certificate)
	return c
}

func init() { Register("authentication-certificate", compileAuthenticationCertificate) }

func compileAuthenticationCertificate(el *parser.Element, c *Compiler) (Step, error) {
	s := &authenticationCertificate{
		thumbprint: c.Attr(el, "thumbprint", KindString),
		id:         c.Attr(el, "certificate-id", KindString),
		body:       c.Attr(el, "body", KindAny),
		password:   c.Attr(el, "password", KindString),
	}
	n := 0
	for _, v := range []*Value{s.thumbprint, s.id, s.body} {
		if v.Present {
			n++
		}
	}
	if n != 1 {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<authentication-certificate> needs exactly one of thumbprint, certificate-id and body")
	}
	return s, nil
}

// Exec picks the certificate.
func (s *authenticationCertificate) Exec(r *Run) error {
	var cert *tls.Certificate
	switch {
	case s.thumbprint.Present:
		tp, err := s.thumbprint.String(r)
		if err != nil {
			return err
		}
		var ok bool
		if cert, ok = certStoreOf(r).ByThumbprint(tp); !ok {
			return certError(ReasonCertificateNotFound, "Certificate with thumbprint "+tp+" was not found.", nil)
		}
	case s.id.Present:
		id, err := s.id.String(r)
		if err != nil {
			return err
		}
		var ok bool
		if cert, ok = certStoreOf(r).ByID(id); !ok {
			return certError(ReasonCertificateNotFound, "Certificate with id "+id+" was not found.", nil)
		}
	default:
		v, err := s.body.Eval(r)
		if err != nil {
			return err
		}
		pw, err := s.password.StringOr(r, "")
		if err != nil {
			return err
		}
		var data []byte
		switch b := v.(type) {
		case []byte:
			data = b
		case string:
			if data, err = base64.StdEncoding.DecodeString(strings.TrimSpace(b)); err != nil {
				data = []byte(b) // PEM text
			}
		}
		if len(data) == 0 {
			return certError(ReasonCertificateNotFound, "Certificate body is empty.", nil)
		}
		if cert, err = bodyCertificate(data, pw); err != nil {
			return certError(ReasonCertificateInvalid, "Certificate body could not be read.", err)
		}
	}
	if r.Scratch == nil {
		r.Scratch = map[string]any{}
	}
	r.Scratch[ClientCertificateKey] = cert
	return nil
}

func certError(reason, msg string, err error) error {
	return &Error{Source: "authentication-certificate", Reason: reason, Message: msg, Status: 500, Err: err}
}

// ---- certificates ----

// ParseClientCertificate reads a certificate with its private key: PEM
// (certificate blocks and a key block, in any order) or PKCS#12/PFX with
// password. PFX files must use the legacy algorithms (3DES or RC2 with a
// SHA-1 MAC, what `openssl pkcs12 -export -legacy` and older Windows
// exports write); AES-encrypted PFX files are not readable yet.
func ParseClientCertificate(data []byte, password string) (*tls.Certificate, error) {
	if bytes.Contains(data, []byte("-----BEGIN")) {
		var certs, keys []byte
		for rest := data; ; {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			if strings.Contains(b.Type, "PRIVATE KEY") {
				keys = append(keys, pem.EncodeToMemory(b)...)
			} else if b.Type == "CERTIFICATE" {
				certs = append(certs, pem.EncodeToMemory(b)...)
			}
		}
		c, err := tls.X509KeyPair(certs, keys)
		if err != nil {
			return nil, fmt.Errorf("PEM certificate: %w", err)
		}
		return &c, nil
	}
	blocks, err := pkcs12.ToPEM(data, password)
	if err != nil {
		return nil, fmt.Errorf("PFX certificate: %w", err)
	}
	var certs, keys []byte
	for _, b := range blocks {
		if b.Type == "CERTIFICATE" {
			certs = append(certs, pem.EncodeToMemory(b)...)
		} else {
			keys = append(keys, pem.EncodeToMemory(b)...)
		}
	}
	c, err := tls.X509KeyPair(certs, keys)
	if err != nil {
		return nil, fmt.Errorf("PFX certificate: %w", err)
	}
	return &c, nil
}

// Thumbprint is a certificate's thumbprint as APIM shows it: the SHA-1 of
// its DER bytes in upper-case hex.
func Thumbprint(c *tls.Certificate) string {
	if c == nil || len(c.Certificate) == 0 {
		return ""
	}
	sum := sha1.Sum(c.Certificate[0])
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// normThumbprint drops separators and case from a thumbprint as written.
func normThumbprint(s string) string {
	return strings.ToUpper(strings.NewReplacer(":", "", " ", "", "-", "").Replace(strings.TrimSpace(s)))
}

// CertificateStore finds the client certificates that
// authentication-certificate refers to.
type CertificateStore interface {
	ByID(id string) (*tls.Certificate, bool)
	ByThumbprint(thumbprint string) (*tls.Certificate, bool)
}

// MemoryCertificateStore is a CertificateStore filled from configuration
// (id → PFX or PEM). It is safe for concurrent use.
type MemoryCertificateStore struct {
	mu   sync.RWMutex
	byID map[string]*tls.Certificate
	byTP map[string]*tls.Certificate
	pub  map[string]*x509.Certificate // certificates without a key, by id
}

var _ CertificateStore = (*MemoryCertificateStore)(nil)

// NewCertificateStore returns an empty store.
func NewCertificateStore() *MemoryCertificateStore {
	return &MemoryCertificateStore{byID: map[string]*tls.Certificate{}, byTP: map[string]*tls.Certificate{}}
}

// Add parses a certificate (see ParseClientCertificate) and stores it under
// id (case-insensitive; "" for thumbprint lookups only). It returns the
// thumbprint.
func (s *MemoryCertificateStore) Add(id string, data []byte, password string) (string, error) {
	c, err := ParseClientCertificate(data, password)
	if err != nil {
		// A certificate without its key (a CA's, for
		// validate-client-certificate issuer-certificate-id) is kept for
		// PublicByID only.
		if pub, perr := cryptography.ParseX509(data, password); perr == nil && pub.Key == nil {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.pub == nil {
				s.pub = map[string]*x509.Certificate{}
			}
			s.pub[strings.ToLower(id)] = pub.Cert
			return pub.Thumbprint(), nil
		}
		return "", fmt.Errorf("certificate %q: %w", id, err)
	}
	if c.Leaf == nil {
		if c.Leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
			return "", fmt.Errorf("certificate %q: %w", id, err)
		}
	}
	tp := Thumbprint(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != "" {
		s.byID[strings.ToLower(id)] = c
	}
	s.byTP[tp] = c
	return tp, nil
}

// ByID finds a certificate by its id.
func (s *MemoryCertificateStore) ByID(id string) (*tls.Certificate, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.byID[strings.ToLower(strings.TrimSpace(id))]
	return c, ok
}

// PublicByID finds a certificate by id, with or without its key.
func (s *MemoryCertificateStore) PublicByID(id string) (*x509.Certificate, bool) {
	if c, ok := s.ByID(id); ok && c.Leaf != nil {
		return c.Leaf, true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.pub[strings.ToLower(strings.TrimSpace(id))]
	return c, ok
}

// ByThumbprint finds a certificate by thumbprint (any case, ':' or ' '
// separators allowed).
func (s *MemoryCertificateStore) ByThumbprint(tp string) (*tls.Certificate, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.byTP[normThumbprint(tp)]
	return c, ok
}

type certStoreBox struct{ s CertificateStore }

var certStore atomic.Pointer[certStoreBox]

// SetCertificateStore sets the store authentication-certificate looks
// certificates up in (nil: an empty store). It belongs on Env; until then
// it is process-wide and safe to change while requests run.
func SetCertificateStore(s CertificateStore) {
	if s == nil {
		certStore.Store(nil)
		return
	}
	certStore.Store(&certStoreBox{s})
}

var emptyCertStore = NewCertificateStore()

// certStoreOf is the run's certificate store: the configuration's
// (Env.Certificates), else the process-wide one.
func certStoreOf(r *Run) CertificateStore {
	if r != nil && r.Env != nil && r.Env.Certificates != nil {
		return r.Env.Certificates
	}
	return currentCertStore()
}

func currentCertStore() CertificateStore {
	if b := certStore.Load(); b != nil {
		return b.s
	}
	return emptyCertStore
}

// bodyCerts caches certificates given by body, keyed by a hash of the bytes
// and password, so a PFX is not decoded on every request. It is bounded:
// when full it is emptied.
var bodyCerts struct {
	sync.Mutex
	m map[[32]byte]*tls.Certificate
}

const maxBodyCerts = 64

func bodyCertificate(data []byte, password string) (*tls.Certificate, error) {
	h := sha256.New()
	h.Write(data)
	h.Write([]byte{0})
	h.Write([]byte(password))
	var k [32]byte
	copy(k[:], h.Sum(nil))
	bodyCerts.Lock()
	c, ok := bodyCerts.m[k]
	bodyCerts.Unlock()
	if ok {
		return c, nil
	}
	c, err := ParseClientCertificate(data, password)
	if err != nil {
		return nil, err
	}
	bodyCerts.Lock()
	if bodyCerts.m == nil || len(bodyCerts.m) >= maxBodyCerts {
		bodyCerts.m = map[[32]byte]*tls.Certificate{}
	}
	bodyCerts.m[k] = c
	bodyCerts.Unlock()
	return c, nil
}
