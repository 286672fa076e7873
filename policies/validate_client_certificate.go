package policies

import (
	"crypto/x509"
	"errors"
	"net/http"
	"strings"

	"github.com/policygate/policygate/expressions/dotnet/cryptography"
	"github.com/policygate/policygate/parser"
)

// validate-client-certificate checks the certificate the client presented
// in the TLS handshake (context.Request.Certificate).
//
//	<validate-client-certificate validate-revocation="true" validate-trust="true"
//	    validate-not-before="true" validate-not-after="true" ignore-error="false">
//	    <identities>
//	        <identity thumbprint="…" serial-number="…" common-name="…" subject="CN=…, O=…"
//	            dns-name="…" issuer-subject="…" issuer-thumbprint="…" issuer-certificate-id="id" />
//	    </identities>
//	</validate-client-certificate>
//
// The certificate must pass every check the attributes turn on and match
// every claim of at least one identity. Trust is the chain to the roots of
// net.server.tls.client-certificate.ca (system roots without it);
// revocation is checked against the CRL files of
// security.certificate-revocation.crl when
// security.certificate-revocation.validation.enabled is on, as in the
// self-hosted gateway (off by default there too); with it on, a certificate
// whose issuer has no CRL fails. issuer-certificate-id names a certificate
// of the configuration that must have signed the client certificate.
//
// A failure answers 401 {"statusCode": 401, "message": "Invalid client
// certificate"} (the reference page does not give the answer; project
// decision) with LastError Source validate-client-certificate and a Reason
// naming the check; ignore-error="true" lets the request go on instead.
type validateClientCertificate struct {
	revocation, trust, notBefore, notAfter, ignoreError bool
	identities                                          []certIdentity
}

// certIdentity is one <identity>: claims that must all match.
type certIdentity struct {
	thumbprint, serial, commonName, dnsName, issuerThumbprint, issuerCertID string
	subject, issuerSubject                                                  []dnPart
	hasSubject, hasIssuerSubject                                            bool
}

var _ Step = (*validateClientCertificate)(nil)

func init() { Register("validate-client-certificate", compileValidateClientCertificate) }

// Reasons of validate-client-certificate failures.
const (
	ReasonClientCertMissing     = "ClientCertificateMissing"
	ReasonClientCertNotYetValid = "ClientCertificateNotYetValid"
	ReasonClientCertExpired     = "ClientCertificateExpired"
	ReasonClientCertNotTrusted  = "ClientCertificateNotTrusted"
	ReasonClientCertRevoked     = "ClientCertificateRevoked"
	ReasonClientCertRevUnknown  = "ClientCertificateRevocationUnknown"
	ReasonClientCertIdentity    = "ClientCertificateIdentityMismatch"
)

func compileValidateClientCertificate(el *parser.Element, c *Compiler) (Step, error) {
	flag := func(name string, def bool) bool {
		v := literalAttr(el, name)
		switch strings.ToLower(v) {
		case "":
			return def
		case "true":
			return true
		case "false":
			return false
		}
		c.Errorf(el.Attr(name).Value.Pos, parser.CodeBadAttribute, "%s must be true or false, not %q", name, v)
		return def
	}
	s := &validateClientCertificate{
		revocation: flag("validate-revocation", true), trust: flag("validate-trust", true),
		notBefore: flag("validate-not-before", true), notAfter: flag("validate-not-after", true),
		ignoreError: flag("ignore-error", false),
	}
	for _, ids := range el.Children {
		if ids.Name != "identities" {
			continue
		}
		for _, id := range ids.Children {
			if id.Name != "identity" {
				continue
			}
			ci := certIdentity{
				thumbprint: normThumbprint(literalAttr(id, "thumbprint")), serial: normSerial(literalAttr(id, "serial-number")),
				commonName: literalAttr(id, "common-name"), dnsName: literalAttr(id, "dns-name"),
				issuerThumbprint: normThumbprint(literalAttr(id, "issuer-thumbprint")), issuerCertID: literalAttr(id, "issuer-certificate-id"),
			}
			if v := literalAttr(id, "subject"); v != "" {
				ci.subject, ci.hasSubject = parseDN(v), true
			}
			if v := literalAttr(id, "issuer-subject"); v != "" {
				ci.issuerSubject, ci.hasIssuerSubject = parseDN(v), true
			}
			if ci.issuerCertID != "" && (ci.issuerThumbprint != "" || ci.hasIssuerSubject) {
				c.Errorf(id.Pos, parser.CodeBadAttribute, "issuer-certificate-id excludes issuer-subject and issuer-thumbprint")
			}
			if ci.thumbprint == "" && ci.serial == "" && ci.commonName == "" && ci.dnsName == "" && ci.issuerThumbprint == "" && ci.issuerCertID == "" && !ci.hasSubject && !ci.hasIssuerSubject {
				c.Errorf(id.Pos, parser.CodeBadAttribute, "<identity> needs at least one claim")
			}
			s.identities = append(s.identities, ci)
		}
	}
	return s, nil
}

// Exec validates the client certificate.
func (s *validateClientCertificate) Exec(r *Run) error {
	err := s.check(r)
	if err != nil && s.ignoreError {
		return nil
	}
	return err
}

func (s *validateClientCertificate) fail(reason, msg string) error {
	return &Error{Source: "validate-client-certificate", Reason: reason, Message: msg,
		Status: http.StatusUnauthorized, Body: "Invalid client certificate"}
}

func (s *validateClientCertificate) check(r *Run) error {
	var cert *cryptography.X509Certificate2
	if r.Ctx.Request != nil {
		cert = r.Ctx.Request.Certificate
	}
	if cert == nil || cert.Cert == nil {
		return s.fail(ReasonClientCertMissing, "Client certificate is missing.")
	}
	now := r.Now()
	if s.notBefore && now.Before(cert.Cert.NotBefore) {
		return s.fail(ReasonClientCertNotYetValid, "Client certificate is not valid before "+cert.Cert.NotBefore.UTC().Format("2006-01-02T15:04:05Z")+".")
	}
	if s.notAfter && now.After(cert.Cert.NotAfter) {
		return s.fail(ReasonClientCertExpired, "Client certificate expired at "+cert.Cert.NotAfter.UTC().Format("2006-01-02T15:04:05Z")+".")
	}
	trust := cryptography.CurrentX509Trust()
	chain, chainErr := trust.VerifyChain(cert, now, false)
	if s.trust && chainErr != nil {
		return s.fail(ReasonClientCertNotTrusted, "Client certificate is not trusted: "+chainErr.Error()+".")
	}
	if s.revocation && trust.CheckRevocation {
		if chainErr != nil {
			return s.fail(ReasonClientCertRevUnknown, "Revocation of the client certificate cannot be checked: "+chainErr.Error()+".")
		}
		if err := trust.Revoked(chain); err != nil {
			reason := ReasonClientCertRevUnknown
			if errors.Is(err, cryptography.ErrCertRevoked) {
				reason = ReasonClientCertRevoked
			}
			return s.fail(reason, "Client certificate failed the revocation check: "+err.Error()+".")
		}
	}
	if len(s.identities) == 0 {
		return nil
	}
	issuer := issuerOf(cert, chain)
	for _, id := range s.identities {
		if id.matches(r, cert, issuer) {
			return nil
		}
	}
	return s.fail(ReasonClientCertIdentity, "Client certificate does not match any of the configured identities.")
}

// issuerOf finds the certificate that signed cert: the verified chain's
// second, else one of the intermediates the client sent.
func issuerOf(cert *cryptography.X509Certificate2, chain []*x509.Certificate) *x509.Certificate {
	if len(chain) > 1 {
		return chain[1]
	}
	for _, c := range cert.Chain {
		if cert.Cert.CheckSignatureFrom(c) == nil {
			return c
		}
	}
	return nil
}

func (id *certIdentity) matches(r *Run, cert *cryptography.X509Certificate2, issuer *x509.Certificate) bool {
	c := cert.Cert
	if id.thumbprint != "" && id.thumbprint != cert.Thumbprint() {
		return false
	}
	if id.serial != "" && id.serial != normSerial(cert.SerialHex()) {
		return false
	}
	if id.commonName != "" && !strings.EqualFold(id.commonName, c.Subject.CommonName) {
		return false
	}
	if id.dnsName != "" && !containsFold(c.DNSNames, id.dnsName) {
		return false
	}
	if id.hasSubject && !sameDN(id.subject, parseDN(cert.SubjectName())) {
		return false
	}
	if id.hasIssuerSubject && !sameDN(id.issuerSubject, parseDN(cert.IssuerName())) {
		return false
	}
	if id.issuerThumbprint != "" {
		if issuer == nil || id.issuerThumbprint != (&cryptography.X509Certificate2{Cert: issuer}).Thumbprint() {
			return false
		}
	}
	if id.issuerCertID != "" {
		ic, ok := issuerCertificate(r, id.issuerCertID)
		if !ok || c.CheckSignatureFrom(ic) != nil {
			return false
		}
	}
	return true
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// normSerial is a serial number in upper-case hex without separators or
// leading zeros.
func normSerial(s string) string {
	s = strings.TrimLeft(normThumbprint(s), "0")
	return s
}

// dnPart is one attribute of a distinguished name.
type dnPart struct{ key, value string }

// dnAliases are the attribute names the same attribute goes by.
var dnAliases = map[string]string{"ST": "S", "EMAIL": "E", "EMAILADDRESS": "E"}

// parseDN reads "CN=a, O=\"Contoso, Inc.\", C=US" (CertNameToStr format:
// values with commas in double quotes, "" for a quote inside them).
func parseDN(s string) []dnPart {
	var out []dnPart
	for i := 0; i < len(s); {
		for i < len(s) && (s[i] == ' ' || s[i] == ',' || s[i] == ';' || s[i] == '+') {
			i++
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			break
		}
		key := strings.ToUpper(strings.TrimSpace(s[i : i+eq]))
		if a, ok := dnAliases[key]; ok {
			key = a
		}
		i += eq + 1
		for i < len(s) && s[i] == ' ' {
			i++
		}
		var val strings.Builder
		if i < len(s) && s[i] == '"' {
			for i++; i < len(s); i++ {
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						val.WriteByte('"')
						i++
						continue
					}
					i++
					break
				}
				val.WriteByte(s[i])
			}
		} else {
			j := i
			for j < len(s) && s[j] != ',' && s[j] != ';' && s[j] != '+' {
				j++
			}
			val.WriteString(strings.TrimSpace(s[i:j]))
			i = j
		}
		out = append(out, dnPart{key, val.String()})
	}
	return out
}

// sameDN compares names as sets of attributes (values case-insensitively).
func sameDN(a, b []dnPart) bool {
	if len(a) != len(b) {
		return false
	}
	used := make([]bool, len(b))
	for _, x := range a {
		found := false
		for j, y := range b {
			if !used[j] && x.key == y.key && strings.EqualFold(x.value, y.value) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// issuerCertificate finds a configuration certificate by id, with or
// without its private key.
func issuerCertificate(r *Run, id string) (*x509.Certificate, bool) {
	store := certStoreOf(r)
	if p, ok := store.(interface {
		PublicByID(string) (*x509.Certificate, bool)
	}); ok {
		return p.PublicByID(id)
	}
	if c, ok := store.ByID(id); ok && c.Leaf != nil {
		return c.Leaf, true
	}
	return nil, false
}
