package cryptography

import (
	"encoding/hex"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/expressions/dotnet/dotnettest"
)

func TestCryptoHash(t *testing.T) {
	tests := []struct {
		typ   *dotnet.Type
		input string
		want  string
	}{
		{MD5T, "", "d41d8cd98f00b204e9800998ecf8427e"},
		{SHA1T, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{SHA256T, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{SHA384T, "abc", "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"},
		{SHA512T, "abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
	}
	for _, tc := range tests {
		t.Run(tc.typ.Name, func(t *testing.T) {
			h, err := dotnettest.Call(t, tc.typ.Static["Create"], nil)
			if err != nil {
				t.Fatal(err)
			}
			if dotnet.TypeOf(h) != tc.typ || !dotnet.IsInstance(h, HashAlgorithmT) {
				t.Errorf("TypeOf = %v", dotnet.TypeOf(h))
			}
			sum, err := dotnettest.Call(t, HashAlgorithmT.Methods["ComputeHash"], h, []byte(tc.input))
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(sum.([]byte)); got != tc.want {
				t.Errorf("ComputeHash = %s, want %s", got, tc.want)
			}
			if last, _ := HashAlgorithmT.Props["Hash"].Get(h); hex.EncodeToString(last.([]byte)) != tc.want {
				t.Errorf("Hash property = %x", last)
			}
			data, _ := dotnettest.Call(t, tc.typ.Static["HashData"], nil, []byte(tc.input))
			if got := hex.EncodeToString(data.([]byte)); got != tc.want {
				t.Errorf("HashData = %s", got)
			}
		})
	}

	sha, _ := NewHashObject(SHA256ManagedT, nil)
	part, err := dotnettest.Call(t, HashAlgorithmT.Methods["ComputeHash"], sha, []byte("xabcx"), int32(1), int32(3))
	if err != nil || hex.EncodeToString(part.([]byte)) != tests[2].want {
		t.Errorf("ComputeHash(offset, count) = %x, %v", part, err)
	}
	if _, err := dotnettest.Call(t, HashAlgorithmT.Methods["ComputeHash"], sha, []byte("ab"), int32(1), int32(3)); dotnettest.ExceptionType(err) != "System.ArgumentException" {
		t.Errorf("bad range error = %v", err)
	}
	if _, err := dotnettest.Call(t, HashAlgorithmT.Methods["TransformFinalBlock"], sha, []byte("ab"), int32(-1), int32(1)); dotnettest.ExceptionType(err) != "System.ArgumentOutOfRangeException" {
		t.Errorf("negative offset error = %v", err)
	}
	if !dotnet.IsInstance(sha, SHA256T) || dotnet.IsInstance(sha, SHA1T) {
		t.Errorf("SHA256Managed must be a SHA256 and not a SHA1")
	}
	// Incremental hashing.
	_, _ = dotnettest.Call(t, HashAlgorithmT.Methods["TransformBlock"], sha, []byte("ab"), int32(0), int32(2), nil, int32(0))
	_, _ = dotnettest.Call(t, HashAlgorithmT.Methods["TransformFinalBlock"], sha, []byte("c"), int32(0), int32(1))
	if last, _ := HashAlgorithmT.Props["Hash"].Get(sha); hex.EncodeToString(last.([]byte)) != tests[2].want {
		t.Errorf("incremental Hash = %x", last)
	}
	_, _ = dotnettest.Call(t, HashAlgorithmT.Methods["Dispose"], sha)
	if _, err := dotnettest.Call(t, HashAlgorithmT.Methods["ComputeHash"], sha, []byte("a")); dotnettest.ExceptionType(err) != "System.ObjectDisposedException" {
		t.Errorf("after Dispose: %v", err)
	}
}

func TestCryptoHMAC(t *testing.T) {
	// RFC 2202 / RFC 4231: key "Jefe", data "what do ya want for nothing?".
	tests := []struct {
		typ  *dotnet.Type
		want string
	}{
		{HMACMD5T, "750c783e6ab0b503eaa86e310a5db738"},
		{HMACSHA1T, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
		{HMACSHA256T, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{HMACSHA384T, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"},
		{HMACSHA512T, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
	}
	key, data := []byte("Jefe"), []byte("what do ya want for nothing?")
	for _, tc := range tests {
		t.Run(tc.typ.Name, func(t *testing.T) {
			h, err := dotnettest.Call(t, tc.typ.Ctors, nil, key)
			if err != nil {
				t.Fatal(err)
			}
			if dotnet.TypeOf(h) != tc.typ || !dotnet.IsInstance(h, HMACT) || !dotnet.IsInstance(h, KeyedHashAlgorithmT) {
				t.Errorf("type of %v", dotnet.TypeOf(h))
			}
			sum, err := dotnettest.Call(t, tc.typ.FindMethods("ComputeHash"), h, data)
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(sum.([]byte)); got != tc.want {
				t.Errorf("ComputeHash = %s, want %s", got, tc.want)
			}
			k, _ := tc.typ.FindProp("Key").Get(h)
			if string(k.([]byte)) != "Jefe" {
				t.Errorf("Key = %q", k)
			}
			one, _ := dotnettest.Call(t, tc.typ.Static["HashData"], nil, key, data)
			if got := hex.EncodeToString(one.([]byte)); got != tc.want {
				t.Errorf("HashData = %s", got)
			}
		})
	}
	h, _ := dotnettest.Call(t, HMACSHA256T.Ctors, nil)
	if k, _ := HMACSHA256T.FindProp("Key").Get(h); len(k.([]byte)) != 64 {
		t.Errorf("random key length = %d", len(k.([]byte)))
	}
	if err := HMACSHA256T.FindProp("Key").Set(h, key); err != nil {
		t.Fatal(err)
	}
	sum, _ := dotnettest.Call(t, HMACSHA256T.FindMethods("ComputeHash"), h, data)
	if hex.EncodeToString(sum.([]byte)) != tests[2].want {
		t.Errorf("after Key set: %x", sum)
	}
	if _, err := dotnettest.Call(t, HMACSHA256T.Ctors, nil, nil); dotnettest.ExceptionType(err) != "System.ArgumentNullException" {
		t.Errorf("null key: %v", err)
	}
	alg, _ := dotnettest.Call(t, HashAlgorithmT.Static["Create"], nil, "SHA256")
	if dotnet.TypeOf(alg) != SHA256T {
		t.Errorf("HashAlgorithm.Create(SHA256) = %v", dotnet.TypeOf(alg))
	}
}

func TestCryptoRandomNumberGenerator(t *testing.T) {
	b, _ := dotnettest.Call(t, RandomNumberGeneratorT.Static["GetBytes"], nil, int32(32))
	if len(b.([]byte)) != 32 {
		t.Errorf("GetBytes(32) length = %d", len(b.([]byte)))
	}
	rng, _ := dotnettest.Call(t, RNGCryptoServiceProviderT.Ctors, nil)
	buf := make([]byte, 16)
	if _, err := dotnettest.Call(t, RandomNumberGeneratorT.Methods["GetBytes"], rng, buf); err != nil || cmp.Equal(buf, make([]byte, 16)) {
		t.Errorf("GetBytes(buf) = %x, %v", buf, err)
	}
	if !dotnet.IsInstance(rng, RNGCryptoServiceProviderT) || !dotnet.IsInstance(rng, RandomNumberGeneratorT) {
		t.Errorf("RNGCryptoServiceProvider type checks")
	}
}
