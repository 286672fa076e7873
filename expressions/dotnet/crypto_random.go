package dotnet

import (
	"crypto/rand"
	"math/big"
	"reflect"
)

// RandomNumberGenerator is System.Security.Cryptography.RandomNumberGenerator
// (and RNGCryptoServiceProvider): bytes from crypto/rand.
type RandomNumberGenerator struct{ provider bool }

// The registered cryptographic random types (System.Random lives in
// text_random.go).
var (
	RandomNumberGeneratorT    = Register(NewType("RandomNumberGenerator", "System.Security.Cryptography.RandomNumberGenerator", nil, reflect.TypeOf((*RandomNumberGenerator)(nil))))
	RNGCryptoServiceProviderT = Register(&Type{Name: "RNGCryptoServiceProvider", FullName: "System.Security.Cryptography.RNGCryptoServiceProvider",
		Base: RandomNumberGeneratorT, Methods: map[string][]*Method{}, Props: map[string]*Prop{},
		Static: map[string][]*Method{}, StaticProps: map[string]*Prop{},
		Is: func(v any) bool { g, ok := v.(*RandomNumberGenerator); return ok && g.provider }})
)

func crRandInt(lo, hi int64) int64 {
	n, _ := rand.Int(rand.Reader, big.NewInt(hi-lo))
	return lo + n.Int64()
}

func init() {
	g := RandomNumberGeneratorT
	ba := ArrayOf(Byte)
	fill := func(_ any, a []any) (any, error) {
		b, err := crSpan(a, "data")
		if err != nil {
			return nil, err
		}
		_, _ = rand.Read(b)
		return nil, nil
	}
	g.AddMethod(
		tmM("GetBytes", Void, fill, "data", ba),
		tmM("GetBytes", Void, fill, "data", ba, "offset", Int32, "count", Int32),
		tmM("GetNonZeroBytes", Void, func(_ any, a []any) (any, error) {
			b, err := crBytes(a[0], "data")
			if err != nil {
				return nil, err
			}
			for i := range b {
				b[i] = byte(crRandInt(1, 256))
			}
			return nil, nil
		}, "data", ba),
		tmM("Dispose", Void, func(any, []any) (any, error) { return nil, nil }),
	)
	g.AddStatic(
		tmM("Create", g, func(any, []any) (any, error) { return &RandomNumberGenerator{}, nil }),
		tmM("GetBytes", ba, func(_ any, a []any) (any, error) {
			n := tmInt(a[0])
			if n < 0 {
				return nil, Throw("System.ArgumentOutOfRangeException", "Non-negative number required. (Parameter 'count')")
			}
			b := make([]byte, n)
			_, _ = rand.Read(b)
			return b, nil
		}, "count", Int32),
		tmM("Fill", Void, fill, "data", ba),
		tmM("GetInt32", Int32, func(_ any, a []any) (any, error) {
			hi := tmInt(a[0])
			if hi <= 0 {
				return nil, Throw("System.ArgumentOutOfRangeException", "Specified argument was out of the range of valid values. (Parameter 'toExclusive')")
			}
			return int32(crRandInt(0, hi)), nil
		}, "toExclusive", Int32),
		tmM("GetInt32", Int32, func(_ any, a []any) (any, error) {
			lo, hi := tmInt(a[0]), tmInt(a[1])
			if lo >= hi {
				return nil, Throw("System.ArgumentException", "Range of random number does not contain at least one possibility. (Parameter 'fromInclusive')")
			}
			return int32(crRandInt(lo, hi)), nil
		}, "fromInclusive", Int32, "toExclusive", Int32),
	)
	RNGCryptoServiceProviderT.Ctors = append(RNGCryptoServiceProviderT.Ctors,
		tmM(".ctor", RNGCryptoServiceProviderT, func(any, []any) (any, error) { return &RandomNumberGenerator{provider: true}, nil }))
}
