package cryptography

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/policygate/policygate/expressions/dotnet"
	"golang.org/x/crypto/pkcs12"
)

// X509Certificate2 is System.Security.Cryptography.X509Certificates.X509Certificate2:
// the caller's client certificate (context.Request.Certificate) or one built
// from bytes in an expression.
type X509Certificate2 struct {
	Cert *x509.Certificate
	Key  crypto.PrivateKey // nil when the certificate came without one
	// Chain holds the intermediates the client sent after its certificate.
	Chain []*x509.Certificate
}

// X500DistinguishedName is a certificate's subject or issuer name.
type X500DistinguishedName struct{ Name string }

// String returns the name, as ToString() does.
func (n X500DistinguishedName) String() string { return n.Name }

// X509 types.
var (
	X509Certificate2T = dotnet.Register(dotnet.NewType("X509Certificate2", "System.Security.Cryptography.X509Certificates.X509Certificate2", nil,
		reflect.TypeOf((*X509Certificate2)(nil))))
	X509CertificateT = dotnet.Register(&dotnet.Type{Name: "X509Certificate", FullName: "System.Security.Cryptography.X509Certificates.X509Certificate",
		Base: dotnet.Object, Methods: map[string][]*dotnet.Method{}, Props: map[string]*dotnet.Prop{},
		Is: func(v any) bool { _, ok := v.(*X509Certificate2); return ok }})
	X500DistinguishedNameT = dotnet.Register(dotnet.NewType("X500DistinguishedName", "System.Security.Cryptography.X509Certificates.X500DistinguishedName", nil,
		reflect.TypeOf(X500DistinguishedName{})))
)

// ParseX509 reads a certificate from DER, PEM or PKCS#12 (PFX, legacy
// encryption) bytes; a PFX or PEM private key is kept.
func ParseX509(data []byte, password string) (*X509Certificate2, error) {
	if strings.Contains(string(data), "-----BEGIN") {
		out := &X509Certificate2{}
		for rest := data; ; {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			switch {
			case b.Type == "CERTIFICATE" && out.Cert == nil:
				c, err := x509.ParseCertificate(b.Bytes)
				if err != nil {
					return nil, err
				}
				out.Cert = c
			case strings.Contains(b.Type, "PRIVATE KEY") && out.Key == nil:
				if k, err := x509.ParsePKCS8PrivateKey(b.Bytes); err == nil {
					out.Key = k
				} else if k, err := x509.ParsePKCS1PrivateKey(b.Bytes); err == nil {
					out.Key = k
				}
			}
		}
		if out.Cert == nil {
			return nil, fmt.Errorf("no certificate in the PEM data")
		}
		return out, nil
	}
	if c, err := x509.ParseCertificate(data); err == nil {
		return &X509Certificate2{Cert: c}, nil
	}
	key, cert, err := pkcs12.Decode(data, password)
	if err != nil {
		return nil, err
	}
	return &X509Certificate2{Cert: cert, Key: key}, nil
}

func x509Of(r any) *X509Certificate2 { return r.(*X509Certificate2) }

// Thumbprint is the SHA-1 of the DER bytes in upper-case hex, as .NET shows it.
func (c *X509Certificate2) Thumbprint() string {
	sum := sha1.Sum(c.Cert.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// String is what X509Certificate2.ToString() prints.
func (c *X509Certificate2) String() string {
	return "[Subject]\n  " + dnString(c.Cert.Subject) + "\n\n[Issuer]\n  " + dnString(c.Cert.Issuer) +
		"\n\n[Serial Number]\n  " + serialHex(c.Cert) + "\n\n[Not Before]\n  " + localDate(c.Cert.NotBefore).String() +
		"\n\n[Not After]\n  " + localDate(c.Cert.NotAfter).String() + "\n\n[Thumbprint]\n  " + c.Thumbprint() + "\n"
}

var oidNames = map[string]string{
	"2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "S", "2.5.4.9": "STREET", "2.5.4.10": "O",
	"2.5.4.11": "OU", "2.5.4.5": "SERIALNUMBER", "1.2.840.113549.1.9.1": "E", "0.9.2342.19200300.100.1.25": "DC",
}

// dnString renders a distinguished name as .NET does: most specific first
// ("CN=api, O=Contoso, C=US").
func dnString(n pkix.Name) string {
	var rdns pkix.RDNSequence = n.ToRDNSequence()
	var parts []string
	for i := len(rdns) - 1; i >= 0; i-- {
		for _, atv := range rdns[i] {
			key := oidNames[atv.Type.String()]
			if key == "" {
				key = "OID." + atv.Type.String()
			}
			val := fmt.Sprint(atv.Value)
			if strings.ContainsAny(val, ",+=\"\n<>#;") {
				val = `"` + strings.ReplaceAll(val, `"`, `""`) + `"`
			}
			parts = append(parts, key+"="+val)
		}
	}
	return strings.Join(parts, ", ")
}

func serialHex(c *x509.Certificate) string {
	return strings.ToUpper(hex.EncodeToString(c.SerialNumber.Bytes()))
}

func localDate(t time.Time) dotnet.DateTime {
	return dotnet.DateTime{T: t.UTC(), Kind: dotnet.KindLocal}
}

func init() {
	t := X509Certificate2T
	t.Base = X509CertificateT
	bytesT := dotnet.ArrayOf(dotnet.Byte)
	construct := func(_ any, a []any) (any, error) {
		data, ok := a[0].([]byte)
		if !ok {
			return nil, dotnet.Throw("System.Security.Cryptography.CryptographicException", "Policy expressions cannot read certificate files; pass the certificate's bytes.")
		}
		pw := ""
		if len(a) > 1 && a[1] != nil {
			pw = dotnet.ToString(a[1])
		}
		c, err := ParseX509(data, pw)
		if err != nil {
			return nil, dotnet.Throw("System.Security.Cryptography.CryptographicException", "Cannot find the requested object. (%v)", err)
		}
		return c, nil
	}
	t.Ctors = []*dotnet.Method{
		{Name: ".ctor", Params: []dotnet.Param{{Name: "rawData", Type: bytesT}}, Fn: construct},
		{Name: ".ctor", Params: []dotnet.Param{{Name: "rawData", Type: bytesT}, {Name: "password", Type: dotnet.String}}, Fn: construct},
		{Name: ".ctor", Params: []dotnet.Param{{Name: "rawData", Type: bytesT}, {Name: "password", Type: dotnet.String}, {Name: "keyStorageFlags"}}, Fn: construct},
	}
	str := func(f func(c *X509Certificate2) any) func(any) (any, error) {
		return func(r any) (any, error) { return f(x509Of(r)), nil }
	}
	dateT := dotnet.Lookup("DateTime")
	t.AddProp(
		&dotnet.Prop{Name: "Thumbprint", Type: dotnet.String, Get: str(func(c *X509Certificate2) any { return c.Thumbprint() })},
		&dotnet.Prop{Name: "Subject", Type: dotnet.String, Get: str(func(c *X509Certificate2) any { return dnString(c.Cert.Subject) })},
		&dotnet.Prop{Name: "Issuer", Type: dotnet.String, Get: str(func(c *X509Certificate2) any { return dnString(c.Cert.Issuer) })},
		&dotnet.Prop{Name: "SubjectName", Type: X500DistinguishedNameT, Get: str(func(c *X509Certificate2) any { return X500DistinguishedName{dnString(c.Cert.Subject)} })},
		&dotnet.Prop{Name: "IssuerName", Type: X500DistinguishedNameT, Get: str(func(c *X509Certificate2) any { return X500DistinguishedName{dnString(c.Cert.Issuer)} })},
		&dotnet.Prop{Name: "SerialNumber", Type: dotnet.String, Get: str(func(c *X509Certificate2) any { return serialHex(c.Cert) })},
		&dotnet.Prop{Name: "NotBefore", Type: dateT, Get: str(func(c *X509Certificate2) any { return localDate(c.Cert.NotBefore) })},
		&dotnet.Prop{Name: "NotAfter", Type: dateT, Get: str(func(c *X509Certificate2) any { return localDate(c.Cert.NotAfter) })},
		&dotnet.Prop{Name: "RawData", Type: bytesT, Get: str(func(c *X509Certificate2) any { return append([]byte(nil), c.Cert.Raw...) })},
		&dotnet.Prop{Name: "HasPrivateKey", Type: dotnet.Boolean, Get: str(func(c *X509Certificate2) any { return c.Key != nil })},
		&dotnet.Prop{Name: "Version", Type: dotnet.Int32, Get: str(func(c *X509Certificate2) any { return int32(c.Cert.Version) })},
		&dotnet.Prop{Name: "FriendlyName", Type: dotnet.String, Get: str(func(*X509Certificate2) any { return "" })},
		&dotnet.Prop{Name: "SignatureAlgorithm", Type: dotnet.Object, Get: str(func(c *X509Certificate2) any { return c.Cert.SignatureAlgorithm.String() })},
	)
	X500DistinguishedNameT.AddProp(&dotnet.Prop{Name: "Name", Type: dotnet.String, Get: func(r any) (any, error) { return r.(X500DistinguishedName).Name, nil }})
	rsaKey := func(private bool) func(any, []any) (any, error) {
		return func(r any, _ []any) (any, error) {
			c := x509Of(r)
			pub, _ := c.Cert.PublicKey.(*rsa.PublicKey)
			if pub == nil {
				return nil, nil
			}
			if !private {
				return NewRSA(nil, pub), nil
			}
			priv, _ := c.Key.(*rsa.PrivateKey)
			if priv == nil {
				return nil, nil
			}
			return NewRSA(priv, pub), nil
		}
	}
	t.AddMethod(
		&dotnet.Method{Name: "GetRSAPrivateKey", Result: RSAT, Fn: rsaKey(true)},
		&dotnet.Method{Name: "GetRSAPublicKey", Result: RSAT, Fn: rsaKey(false)},
		&dotnet.Method{Name: "GetCertHash", Result: bytesT, Fn: func(r any, _ []any) (any, error) {
			sum := sha1.Sum(x509Of(r).Cert.Raw)
			return sum[:], nil
		}},
		&dotnet.Method{Name: "GetCertHash", Params: []dotnet.Param{{Name: "hashAlgorithm"}}, Result: bytesT, Fn: func(r any, a []any) (any, error) {
			if strings.EqualFold(dotnet.ToString(a[0]), "SHA256") {
				sum := sha256.Sum256(x509Of(r).Cert.Raw)
				return sum[:], nil
			}
			sum := sha1.Sum(x509Of(r).Cert.Raw)
			return sum[:], nil
		}},
		&dotnet.Method{Name: "GetCertHashString", Result: dotnet.String, Fn: func(r any, _ []any) (any, error) { return x509Of(r).Thumbprint(), nil }},
		&dotnet.Method{Name: "GetSerialNumberString", Result: dotnet.String, Fn: func(r any, _ []any) (any, error) { return serialHex(x509Of(r).Cert), nil }},
		&dotnet.Method{Name: "GetRawCertData", Result: bytesT, Fn: func(r any, _ []any) (any, error) { return append([]byte(nil), x509Of(r).Cert.Raw...), nil }},
		&dotnet.Method{Name: "GetNameInfo", Params: []dotnet.Param{{Name: "nameType"}, {Name: "forIssuer", Type: dotnet.Boolean}}, Result: dotnet.String, Fn: func(r any, a []any) (any, error) {
			n := x509Of(r).Cert.Subject
			if b, _ := a[1].(bool); b {
				n = x509Of(r).Cert.Issuer
			}
			return n.CommonName, nil
		}},
		// Verify checks the chain against the trusted roots (SetX509Trust)
		// and, when the trust asks for it, the revocation lists.
		&dotnet.Method{Name: "Verify", Result: dotnet.Boolean, Fn: func(r any, _ []any) (any, error) { return verifyX509(x509Of(r), true), nil }},
		// VerifyNoRevocation is APIM's extension (spec expressions.md §4).
		&dotnet.Method{Name: "VerifyNoRevocation", Result: dotnet.Boolean, Fn: func(r any, _ []any) (any, error) { return verifyX509(x509Of(r), false), nil }},
	)
}
