package cryptography

import (
	"encoding/hex"
	"testing"

	"github.com/policygate/policygate/expressions/dotnet/dotnettest"
)

func crHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCryptoAes(t *testing.T) {
	// NIST SP 800-38A vectors (AES-128).
	key := crHex(t, "2b7e151628aed2a6abf7158809cf4f3c")
	iv := crHex(t, "000102030405060708090a0b0c0d0e0f")
	plain := crHex(t, "6bc1bee22e409f96e93d7e117393172aae2d")
	tests := []struct {
		name    string
		mode    CipherMode
		fb      int32
		padding PaddingMode
		in      []byte
		want    string
	}{
		{"CBC", CipherCBC, 8, PaddingNone, plain[:16], "7649abac8119b246cee98e9b12e9197d"},
		{"ECB", CipherECB, 8, PaddingNone, plain[:16], "3ad77bb40d7a3660a89ecaf32466ef97"},
		{"CFB8", CipherCFB, 8, PaddingNone, plain, "3b79424c9c0dd436bace9e0ed4586a4f32b9"},
		{"CFB128", CipherCFB, 128, PaddingNone, plain[:16], "3b3fd92eb72dad20333449f8e83cfb4a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := dotnettest.Call(t, AesT.Static["Create"], nil)
			if err != nil {
				t.Fatal(err)
			}
			set := func(n string, v any) {
				if err := SymmetricAlgorithmT.Props[n].Set(a, v); err != nil {
					t.Fatalf("%s: %v", n, err)
				}
			}
			set("Key", key)
			set("IV", iv)
			set("Mode", tc.mode)
			set("Padding", tc.padding)
			set("FeedbackSize", tc.fb)
			enc, err := dotnettest.Call(t, SymmetricAlgorithmT.Methods["CreateEncryptor"], a)
			if err != nil {
				t.Fatal(err)
			}
			out, err := dotnettest.Call(t, ICryptoTransformT.Methods["TransformFinalBlock"], enc, tc.in, int32(0), int32(len(tc.in)))
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(out.([]byte)); got != tc.want {
				t.Errorf("encrypt = %s, want %s", got, tc.want)
			}
			dec, _ := dotnettest.Call(t, SymmetricAlgorithmT.Methods["CreateDecryptor"], a)
			back, err := dotnettest.Call(t, ICryptoTransformT.Methods["TransformFinalBlock"], dec, out, int32(0), int32(len(out.([]byte))))
			if err != nil || hex.EncodeToString(back.([]byte)) != hex.EncodeToString(tc.in) {
				t.Errorf("decrypt = %x, %v", back, err)
			}
		})
	}

	// APIM's byte[].Encrypt("Aes", key, iv): CBC and PKCS7.
	ct, err := SymmetricEncrypt("Aes", plain[:16], key, iv)
	if err != nil || len(ct) != 32 || hex.EncodeToString(ct[:16]) != "7649abac8119b246cee98e9b12e9197d" {
		t.Errorf("SymmetricEncrypt = %x, %v", ct, err)
	}
	pt, err := SymmetricDecrypt("Aes", ct, key, iv)
	if err != nil || hex.EncodeToString(pt) != hex.EncodeToString(plain[:16]) {
		t.Errorf("SymmetricDecrypt = %x, %v", pt, err)
	}
	ct[31] ^= 1
	if _, err := SymmetricDecrypt("Aes", ct, key, iv); dotnettest.ExceptionType(err) != "System.Security.Cryptography.CryptographicException" {
		t.Errorf("bad padding error = %v", err)
	}
	if _, err := SymmetricEncrypt("Aes", plain, key[:5], iv); dotnettest.ExceptionType(err) != "System.Security.Cryptography.CryptographicException" {
		t.Errorf("bad key error = %v", err)
	}
	if _, err := SymmetricEncrypt("DES", plain, key, iv); dotnettest.ExceptionType(err) != "System.ArgumentException" {
		t.Errorf("unknown algorithm error = %v", err)
	}
	for _, p := range []PaddingMode{PaddingPKCS7, PaddingZeros, PaddingANSIX923, PaddingISO10126} {
		in := []byte("hello, world")
		padded, err := crPad(in, 16, p)
		if err != nil || len(padded) != 16 {
			t.Fatalf("pad %v = %x, %v", p, padded, err)
		}
		out, err := crUnpad(padded, 16, p)
		want := "hello, world"
		if p == PaddingZeros {
			want += "\x00\x00\x00\x00"
		}
		if err != nil || string(out) != want {
			t.Errorf("unpad %v = %q, %v", p, out, err)
		}
	}
	a := NewAes()
	if k, _ := SymmetricAlgorithmT.Props["KeySize"].Get(a); k != int32(256) {
		t.Errorf("default KeySize = %v", k)
	}
	enc, _ := a.Encrypt([]byte("secret"))
	dec, err := a.Decrypt(enc)
	if err != nil || string(dec) != "secret" {
		t.Errorf("round trip = %q, %v", dec, err)
	}
}
