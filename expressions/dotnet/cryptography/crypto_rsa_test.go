package cryptography

import (
	"encoding/pem"
	"testing"

	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/expressions/dotnet/dotnettest"
)

func TestCryptoRSA(t *testing.T) {
	key, err := dotnettest.Call(t, RSAT.Static["Create"], nil, int32(1024))
	if err != nil {
		t.Fatal(err)
	}
	if !dotnet.IsInstance(key, RSACngT) || !dotnet.IsInstance(key, AsymmetricAlgorithmT) {
		t.Errorf("RSA value must pass as RSACng and AsymmetricAlgorithm")
	}
	if n, _ := RSAT.Props["KeySize"].Get(key); n != int32(1024) {
		t.Errorf("KeySize = %v", n)
	}
	sha256, _ := HashAlgorithmNameT.StaticProps["SHA256"].Get(nil)
	data := []byte("header.claims")
	for _, padName := range []string{"Pkcs1", "Pss"} {
		pad, _ := RSASignaturePaddingT.StaticProps[padName].Get(nil)
		sig, err := dotnettest.Call(t, RSAT.Methods["SignData"], key, data, sha256, pad)
		if err != nil {
			t.Fatalf("%s: %v", padName, err)
		}
		if len(sig.([]byte)) != 128 {
			t.Errorf("%s signature length = %d", padName, len(sig.([]byte)))
		}
		ok, _ := dotnettest.Call(t, RSAT.Methods["VerifyData"], key, data, sig, sha256, pad)
		bad, _ := dotnettest.Call(t, RSAT.Methods["VerifyData"], key, []byte("other"), sig, sha256, pad)
		if ok != true || bad != false {
			t.Errorf("%s verify = %v, tampered = %v", padName, ok, bad)
		}
	}
	pk1, _ := RSASignaturePaddingT.StaticProps["Pkcs1"].Get(nil)
	a, _ := dotnettest.Call(t, RSAT.Methods["SignData"], key, data, sha256, pk1)
	b, _ := dotnettest.Call(t, RSAT.Methods["SignData"], key, data, sha256, pk1)
	if string(a.([]byte)) != string(b.([]byte)) {
		t.Errorf("PKCS#1 v1.5 signatures must be deterministic")
	}
	if _, err := dotnettest.Call(t, RSAT.Methods["SignData"], key, data, HashAlgorithmName{"SHA999"}, pk1); dotnettest.ExceptionType(err) != "System.Security.Cryptography.CryptographicException" {
		t.Errorf("unknown hash = %v", err)
	}

	for _, padName := range []string{"Pkcs1", "OaepSHA1", "OaepSHA256"} {
		pad, _ := RSAEncryptionPaddingT.StaticProps[padName].Get(nil)
		ct, err := dotnettest.Call(t, RSAT.Methods["Encrypt"], key, []byte("secret"), pad)
		if err != nil {
			t.Fatalf("%s: %v", padName, err)
		}
		pt, err := dotnettest.Call(t, RSAT.Methods["Decrypt"], key, ct, pad)
		if err != nil || string(pt.([]byte)) != "secret" {
			t.Errorf("%s decrypt = %q, %v", padName, pt, err)
		}
	}

	spki, _ := dotnettest.Call(t, RSAT.Methods["ExportSubjectPublicKeyInfo"], key)
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki.([]byte)}))
	pub := &RSA{}
	if _, err := dotnettest.Call(t, RSAT.Methods["ImportFromPem"], pub, pemText); err != nil {
		t.Fatal(err)
	}
	if _, err := dotnettest.Call(t, RSAT.Methods["SignData"], pub, data, sha256, pk1); dotnettest.ExceptionType(err) != "System.Security.Cryptography.CryptographicException" {
		t.Errorf("signing with a public key = %v", err)
	}
	ok, _ := dotnettest.Call(t, RSAT.Methods["VerifyData"], pub, data, a, sha256, pk1)
	if ok != true {
		t.Errorf("verify with imported public key failed")
	}
	if _, err := dotnettest.Call(t, RSAT.Methods["ImportFromPem"], &RSA{}, "not pem"); dotnettest.ExceptionType(err) != "System.ArgumentException" {
		t.Errorf("bad PEM = %v", err)
	}
	if s := dotnet.ToString(sha256); s != "SHA256" {
		t.Errorf("HashAlgorithmName.ToString = %q", s)
	}
}
