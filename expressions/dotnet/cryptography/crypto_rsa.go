package cryptography

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"reflect"
	"strings"
	"sync"

	"github.com/policygate/policygate/expressions/dotnet"
)

// HashAlgorithmName is System.Security.Cryptography.HashAlgorithmName.
type HashAlgorithmName struct{ Name string }

// String returns the name, as ToString() does.
func (h HashAlgorithmName) String() string { return h.Name }

// RSASignaturePadding is System.Security.Cryptography.RSASignaturePadding
// (Pkcs1 or Pss).
type RSASignaturePadding struct{ PSS bool }

// String returns the padding mode name.
func (p RSASignaturePadding) String() string {
	if p.PSS {
		return "Pss"
	}
	return "Pkcs1"
}

// RSAEncryptionPadding is System.Security.Cryptography.RSAEncryptionPadding:
// Pkcs1, or OAEP with a hash (OaepSHA1, OaepSHA256, ...).
type RSAEncryptionPadding struct {
	OAEP bool
	Hash string // OAEP's hash algorithm name
}

// String renders the padding as .NET does ("Pkcs1", "OaepSHA256").
func (p RSAEncryptionPadding) String() string {
	if p.OAEP {
		return "Oaep" + p.Hash
	}
	return "Pkcs1"
}

// RSA is an RSA key (System.Security.Cryptography.RSA): a private key, or
// only a public one. Others (X509Certificate2.GetRSAPublicKey) build one
// with NewRSA.
type RSA struct {
	mu       sync.Mutex
	priv     *rsa.PrivateKey
	pub      *rsa.PublicKey
	disposed bool
}

// NewRSA wraps a Go key; priv may be nil for a public-only key.
func NewRSA(priv *rsa.PrivateKey, pub *rsa.PublicKey) *RSA {
	if priv != nil {
		pub = &priv.PublicKey
	}
	return &RSA{priv: priv, pub: pub}
}

// The registered asymmetric-crypto types.
var (
	HashAlgorithmNameT   = dotnet.Register(dotnet.NewValueType("HashAlgorithmName", "System.Security.Cryptography.HashAlgorithmName", HashAlgorithmName{}))
	RSASignaturePaddingT = dotnet.Register(dotnet.NewType("RSASignaturePadding", "System.Security.Cryptography.RSASignaturePadding", nil,
		reflect.TypeOf(RSASignaturePadding{})))
	RSAEncryptionPaddingT = dotnet.Register(dotnet.NewType("RSAEncryptionPadding", "System.Security.Cryptography.RSAEncryptionPadding", nil,
		reflect.TypeOf(RSAEncryptionPadding{})))
	AsymmetricAlgorithmT = dotnet.Register(dotnet.NewType("AsymmetricAlgorithm", "System.Security.Cryptography.AsymmetricAlgorithm", nil, nil))
	RSAT                 = dotnet.Register(dotnet.NewType("RSA", "System.Security.Cryptography.RSA", AsymmetricAlgorithmT, reflect.TypeOf((*RSA)(nil))))
	// RSACngT and the other platform classes accept any RSA value, so
	// "as RSACng" casts keep working.
	RSACngT                   = crRSAClass("RSACng")
	RSACryptoServiceProviderT = crRSAClass("RSACryptoServiceProvider")
	RSAOpenSslT               = crRSAClass("RSAOpenSsl")
)

func crRSAClass(name string) *dotnet.Type {
	t := dotnet.NewType(name, "System.Security.Cryptography."+name, RSAT, nil)
	t.Is = func(v any) bool { _, ok := v.(*RSA); return ok }
	return dotnet.Register(t)
}

func crHashOf(v any) (crypto.Hash, error) {
	h, _ := v.(HashAlgorithmName)
	switch strings.ToUpper(h.Name) {
	case "":
		return 0, dotnet.Throw("System.ArgumentException", "The hash algorithm name cannot be null or empty. (Parameter 'hashAlgorithm')")
	case "MD5":
		return crypto.MD5, nil
	case "SHA1":
		return crypto.SHA1, nil
	case "SHA256":
		return crypto.SHA256, nil
	case "SHA384":
		return crypto.SHA384, nil
	case "SHA512":
		return crypto.SHA512, nil
	}
	return 0, crCryptoErr("'" + h.Name + "' is not a known hash algorithm.")
}

func (k *RSA) key(needPrivate bool) (*rsa.PrivateKey, *rsa.PublicKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.disposed {
		return nil, nil, dotnet.Throw("System.ObjectDisposedException", "Cannot access a disposed object.\nObject name: 'RSA'.")
	}
	if k.pub == nil || (needPrivate && k.priv == nil) {
		return nil, nil, crCryptoErr("Key does not exist.")
	}
	return k.priv, k.pub, nil
}

// SignHash signs a digest with PKCS#1 v1.5 or PSS (salt as long as the hash).
func (k *RSA) SignHash(digest []byte, h crypto.Hash, pss bool) ([]byte, error) {
	priv, _, err := k.key(true)
	if err != nil {
		return nil, err
	}
	var sig []byte
	if pss {
		sig, err = rsa.SignPSS(rand.Reader, priv, h, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	} else {
		sig, err = rsa.SignPKCS1v15(rand.Reader, priv, h, digest)
	}
	if err != nil {
		return nil, crCryptoErr(err.Error())
	}
	return sig, nil
}

// VerifyHash checks a signature over a digest.
func (k *RSA) VerifyHash(digest, sig []byte, h crypto.Hash, pss bool) (bool, error) {
	_, pub, err := k.key(false)
	if err != nil {
		return false, err
	}
	if pss {
		return rsa.VerifyPSS(pub, h, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil, nil
	}
	return rsa.VerifyPKCS1v15(pub, h, digest, sig) == nil, nil
}

func crDigest(h crypto.Hash, data []byte) []byte {
	x := h.New()
	x.Write(data)
	return x.Sum(nil)
}

// crImportPEM reads the first RSA key in a PEM text.
func crImportPEM(text string) (*RSA, error) {
	rest := []byte(text)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, dotnet.Throw("System.ArgumentException", "No supported key formats were found. Check that the input represents the contents of a PEM-encoded key file, not the path to such a file. (Parameter 'input')")
		}
		k, err := crImportDER(b.Type, b.Bytes)
		if err == nil {
			return k, nil
		}
		if b.Type == "PRIVATE KEY" || b.Type == "RSA PRIVATE KEY" || b.Type == "PUBLIC KEY" || b.Type == "RSA PUBLIC KEY" {
			return nil, err
		}
	}
}

func crImportDER(kind string, der []byte) (*RSA, error) {
	bad := crCryptoErr("ASN1 corrupted data.")
	switch kind {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(der)
		if err != nil {
			return nil, bad
		}
		return NewRSA(k, nil), nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, bad
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, bad
		}
		return NewRSA(rk, nil), nil
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(der)
		if err != nil {
			return nil, bad
		}
		return NewRSA(nil, k), nil
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			return nil, bad
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, bad
		}
		return NewRSA(nil, rk), nil
	}
	return nil, bad
}

func init() {
	h := HashAlgorithmNameT
	for _, n := range []string{"MD5", "SHA1", "SHA256", "SHA384", "SHA512", "SHA3_256", "SHA3_384", "SHA3_512"} {
		v := HashAlgorithmName{strings.ReplaceAll(n, "_", "-")}
		h.AddStaticProp(dotnet.NewProp(n, h, func(any) (any, error) { return v, nil }))
	}
	h.Ctors = append(h.Ctors, dotnet.NewMethod(".ctor", h, func(_ any, a []any) (any, error) {
		s, _ := dotnet.StringArg(a[0])
		return HashAlgorithmName{s}, nil
	}, "name", dotnet.String))
	h.AddProp(dotnet.NewProp("Name", dotnet.String, func(r any) (any, error) { return r.(HashAlgorithmName).Name, nil }))
	h.AddMethod(dotnet.NewMethod("ToString", dotnet.String, func(r any, _ []any) (any, error) { return r.(HashAlgorithmName).Name, nil }))

	sp := RSASignaturePaddingT
	sp.AddStaticProp(
		dotnet.NewProp("Pkcs1", sp, func(any) (any, error) { return RSASignaturePadding{}, nil }),
		dotnet.NewProp("Pss", sp, func(any) (any, error) { return RSASignaturePadding{PSS: true}, nil }),
	)
	ep := RSAEncryptionPaddingT
	ep.AddStaticProp(dotnet.NewProp("Pkcs1", ep, func(any) (any, error) { return RSAEncryptionPadding{}, nil }))
	for _, n := range []string{"SHA1", "SHA256", "SHA384", "SHA512"} {
		v := RSAEncryptionPadding{OAEP: true, Hash: n}
		ep.AddStaticProp(dotnet.NewProp("Oaep"+n, ep, func(any) (any, error) { return v, nil }))
	}

	t := RSAT
	ba := dotnet.ArrayOf(dotnet.Byte)
	k := func(r any) *RSA {
		if x, ok := r.(*RSA); ok {
			return x
		}
		return &RSA{disposed: true}
	}
	create := func(_ any, a []any) (any, error) {
		bits := 2048
		if len(a) > 0 {
			bits = int(dotnet.IntArg(a[0]))
		}
		if bits < 512 || bits > 16384 || bits%8 != 0 {
			return nil, crCryptoErr("Specified key is not a valid size for this algorithm.")
		}
		priv, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			return nil, crCryptoErr(err.Error())
		}
		return NewRSA(priv, nil), nil
	}
	t.AddStatic(
		dotnet.NewMethod("Create", t, create),
		dotnet.NewMethod("Create", t, create, "keySizeInBits", dotnet.Int32),
	)
	sign := func(digest bool) func(any, []any) (any, error) {
		return func(r any, a []any) (any, error) {
			data, err := dotnet.BytesArg(a[0], "data")
			if err != nil {
				return nil, err
			}
			hh, err := crHashOf(a[1])
			if err != nil {
				return nil, err
			}
			p, _ := a[2].(RSASignaturePadding)
			if !digest {
				data = crDigest(hh, data)
			}
			return k(r).SignHash(data, hh, p.PSS)
		}
	}
	verify := func(digest bool) func(any, []any) (any, error) {
		return func(r any, a []any) (any, error) {
			data, err := dotnet.BytesArg(a[0], "data")
			if err != nil {
				return nil, err
			}
			sig, err := dotnet.BytesArg(a[1], "signature")
			if err != nil {
				return nil, err
			}
			hh, err := crHashOf(a[2])
			if err != nil {
				return nil, err
			}
			p, _ := a[3].(RSASignaturePadding)
			if !digest {
				data = crDigest(hh, data)
			}
			return k(r).VerifyHash(data, sig, hh, p.PSS)
		}
	}
	crypt := func(enc bool) func(any, []any) (any, error) {
		return func(r any, a []any) (any, error) {
			data, err := dotnet.BytesArg(a[0], "data")
			if err != nil {
				return nil, err
			}
			p, _ := a[1].(RSAEncryptionPadding)
			priv, pub, err := k(r).key(!enc)
			if err != nil {
				return nil, err
			}
			var out []byte
			switch {
			case p.OAEP:
				hh, herr := crHashOf(HashAlgorithmName{p.Hash})
				if herr != nil {
					return nil, herr
				}
				if enc {
					out, err = rsa.EncryptOAEP(hh.New(), rand.Reader, pub, data, nil)
				} else {
					out, err = rsa.DecryptOAEP(hh.New(), rand.Reader, priv, data, nil)
				}
			// RSAEncryptionPadding.Pkcs1 is part of the .NET surface APIM allows;
			// Go deprecates PKCS #1 v1.5 encryption, but a policy that asks
			// for it must get it. OAEP is used whenever the policy asks for it.
			case enc:
				out, err = rsa.EncryptPKCS1v15(rand.Reader, pub, data)
			default:
				out, err = rsa.DecryptPKCS1v15(rand.Reader, priv, data)
			}
			if err != nil {
				return nil, crCryptoErr("The parameter is incorrect.")
			}
			return out, nil
		}
	}
	importDER := func(kind string) func(any, []any) (any, error) {
		return func(r any, a []any) (any, error) {
			der, err := dotnet.BytesArg(a[0], "source")
			if err != nil {
				return nil, err
			}
			nk, err := crImportDER(kind, der)
			if err != nil {
				return nil, err
			}
			x := k(r)
			x.mu.Lock()
			x.priv, x.pub = nk.priv, nk.pub
			x.mu.Unlock()
			if len(a) > 1 {
				dotnet.SetOut(a[1], int32(len(der)))
			}
			return nil, nil
		}
	}
	hashP, sigP, encP := HashAlgorithmNameT, RSASignaturePaddingT, RSAEncryptionPaddingT
	t.AddMethod(
		dotnet.NewMethod("SignData", ba, sign(false), "data", ba, "hashAlgorithm", hashP, "padding", sigP),
		dotnet.NewMethod("SignHash", ba, sign(true), "hash", ba, "hashAlgorithm", hashP, "padding", sigP),
		dotnet.NewMethod("VerifyData", dotnet.Boolean, verify(false), "data", ba, "signature", ba, "hashAlgorithm", hashP, "padding", sigP),
		dotnet.NewMethod("VerifyHash", dotnet.Boolean, verify(true), "hash", ba, "signature", ba, "hashAlgorithm", hashP, "padding", sigP),
		dotnet.NewMethod("Encrypt", ba, crypt(true), "data", ba, "padding", encP),
		dotnet.NewMethod("Decrypt", ba, crypt(false), "data", ba, "padding", encP),
		dotnet.NewMethod("ImportFromPem", dotnet.Void, func(r any, a []any) (any, error) {
			s, ok := dotnet.StringArg(a[0])
			if !ok {
				return nil, dotnet.ArgumentNull("input")
			}
			nk, err := crImportPEM(s)
			if err != nil {
				return nil, err
			}
			x := k(r)
			x.mu.Lock()
			x.priv, x.pub = nk.priv, nk.pub
			x.mu.Unlock()
			return nil, nil
		}, "input", dotnet.String),
		dotnet.NewMethod("ImportRSAPrivateKey", dotnet.Void, importDER("RSA PRIVATE KEY"), "source", ba, "bytesRead", dotnet.OutParam("bytesRead", dotnet.Int32)),
		dotnet.NewMethod("ImportPkcs8PrivateKey", dotnet.Void, importDER("PRIVATE KEY"), "source", ba, "bytesRead", dotnet.OutParam("bytesRead", dotnet.Int32)),
		dotnet.NewMethod("ImportRSAPublicKey", dotnet.Void, importDER("RSA PUBLIC KEY"), "source", ba, "bytesRead", dotnet.OutParam("bytesRead", dotnet.Int32)),
		dotnet.NewMethod("ImportSubjectPublicKeyInfo", dotnet.Void, importDER("PUBLIC KEY"), "source", ba, "bytesRead", dotnet.OutParam("bytesRead", dotnet.Int32)),
		dotnet.NewMethod("ExportRSAPublicKey", ba, func(r any, _ []any) (any, error) {
			_, pub, err := k(r).key(false)
			if err != nil {
				return nil, err
			}
			return x509.MarshalPKCS1PublicKey(pub), nil
		}),
		dotnet.NewMethod("ExportSubjectPublicKeyInfo", ba, func(r any, _ []any) (any, error) {
			_, pub, err := k(r).key(false)
			if err != nil {
				return nil, err
			}
			der, err := x509.MarshalPKIXPublicKey(pub)
			if err != nil {
				return nil, crCryptoErr(err.Error())
			}
			return der, nil
		}),
		dotnet.NewMethod("Dispose", dotnet.Void, func(r any, _ []any) (any, error) {
			x := k(r)
			x.mu.Lock()
			x.disposed = true
			x.mu.Unlock()
			return nil, nil
		}),
	)
	t.AddProp(dotnet.NewProp("KeySize", dotnet.Int32, func(r any) (any, error) {
		_, pub, err := k(r).key(false)
		if err != nil {
			return nil, err
		}
		return int32(pub.N.BitLen()), nil
	}))
}
