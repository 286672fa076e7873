package policies

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// BenchmarkValidateJWTMiss compares a validation with the verdict cache off
// (decode, key lookup, RS256 verification, lifetime, audience, issuer, the
// .NET token model) against the bare primitive it cannot avoid: SHA-256 of
// the signing input plus rsa.VerifyPKCS1v15 with the same key and token.
// The ratio of the two ns/op in the same run is the overhead of the policy.
func BenchmarkValidateJWTMiss(b *testing.B) {
	p, key, iss := benchPolicy(b)
	p.v.cache = nil
	now := testNow
	tok := sign(b, jwt.SigningMethodRS256, key, "k1", claims(iss))
	b.Run("primitive", func(b *testing.B) {
		dot := strings.LastIndexByte(tok, '.')
		sig, err := base64.RawURLEncoding.DecodeString(tok[dot+1:])
		if err != nil {
			b.Fatal(err)
		}
		pub := &key.PublicKey
		b.ReportAllocs()
		for b.Loop() {
			h := sha256.Sum256([]byte(tok[:dot]))
			if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("policy", func(b *testing.B) {
		r := newJWTRun(nil, &now, bearer(tok))
		if err := p.Exec(r); err != nil { // warms the OpenID cache
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := p.Exec(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	// interleaved alternates the two in one loop, so a shared, noisy
	// machine slows both alike; policy/primitive is the median of the
	// per-iteration ratios (a burst of contention skews a few pairs, not
	// the median), ns/op is the pair.
	b.Run("interleaved", func(b *testing.B) {
		dot := strings.LastIndexByte(tok, '.')
		sig, err := base64.RawURLEncoding.DecodeString(tok[dot+1:])
		if err != nil {
			b.Fatal(err)
		}
		pub := &key.PublicKey
		r := newJWTRun(nil, &now, bearer(tok))
		if err := p.Exec(r); err != nil {
			b.Fatal(err)
		}
		var ratios []float64
		for b.Loop() {
			t0 := time.Now()
			h := sha256.Sum256([]byte(tok[:dot]))
			if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			if err := p.Exec(r); err != nil {
				b.Fatal(err)
			}
			ratios = append(ratios, float64(time.Since(t1))/float64(t1.Sub(t0)))
		}
		slices.Sort(ratios)
		b.ReportMetric(ratios[len(ratios)/2], "policy/primitive")
	})
}

// BenchmarkJWTVerdictCacheBytes reports the heap held per cached verdict
// (bytes/entry) with the cache full of distinct validated tokens, for a
// policy that only validates and one that outputs the token.
func BenchmarkJWTVerdictCacheBytes(b *testing.B) {
	for _, output := range []bool{false, true} {
		name := "validate-only"
		if output {
			name = "output-token-variable"
		}
		b.Run(name, func(b *testing.B) {
			p, key, iss := benchPolicy(b)
			if !output {
				p.v.outputVar = ""
			}
			const n = 2048
			toks := make([]string, n)
			for i := range toks {
				toks[i] = sign(b, jwt.SigningMethodRS256, key, "k1", claims(iss))
			}
			now := testNow
			var perEntry float64
			for b.Loop() {
				p.v.cache = newJWTVerdictCache(n)
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				for _, tok := range toks {
					if err := p.Exec(newJWTRun(nil, &now, bearer(tok))); err != nil {
						b.Fatal(err)
					}
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				if p.v.cache.len() != n {
					b.Fatalf("cache holds %d entries, want %d", p.v.cache.len(), n)
				}
				perEntry = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / n
				runtime.KeepAlive(p.v.cache)
			}
			b.ReportMetric(perEntry, "bytes/entry")
		})
	}
}
