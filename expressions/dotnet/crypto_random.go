package dotnet

import (
	"crypto/rand"
	"encoding/binary"
	"math"
	"math/big"
	"reflect"
	"sync"
)

// Random is System.Random. It runs .NET's seeded generator (Knuth's
// subtractive method), so new Random(seed) yields the numbers .NET yields
// for that seed; new Random() seeds it from crypto/rand.
type Random struct {
	mu            sync.Mutex
	seeds         [56]int32
	inext, inextp int
}

// NewRandom returns a Random seeded as new Random(seed) is.
func NewRandom(seed int32) *Random {
	r := &Random{}
	const mseed = 161803398
	sub := int32(math.MaxInt32)
	if seed != math.MinInt32 {
		sub = seed
		if sub < 0 {
			sub = -sub
		}
	}
	mj := mseed - sub
	r.seeds[55] = mj
	mk := int32(1)
	for i := 1; i < 55; i++ {
		ii := (21 * i) % 55
		r.seeds[ii] = mk
		mk = mj - mk
		if mk < 0 {
			mk += math.MaxInt32
		}
		mj = r.seeds[ii]
	}
	for range 4 {
		for i := 1; i < 56; i++ {
			r.seeds[i] -= r.seeds[1+(i+30)%55]
			if r.seeds[i] < 0 {
				r.seeds[i] += math.MaxInt32
			}
		}
	}
	r.inextp = 21
	return r
}

func (r *Random) sample() int32 {
	a, b := r.inext+1, r.inextp+1
	if a >= 56 {
		a = 1
	}
	if b >= 56 {
		b = 1
	}
	v := r.seeds[a] - r.seeds[b]
	if v == math.MaxInt32 {
		v--
	}
	if v < 0 {
		v += math.MaxInt32
	}
	r.seeds[a] = v
	r.inext, r.inextp = a, b
	return v
}

func (r *Random) sampleF() float64 { return float64(r.sample()) * (1.0 / math.MaxInt32) }

// Next returns a non-negative int32 below int.MaxValue.
func (r *Random) Next() int32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sample()
}

// NextRange returns an int32 in [min, max), as Next(min, max) does.
func (r *Random) NextRange(lo, hi int32) int32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	rng := int64(hi) - int64(lo)
	if rng <= math.MaxInt32 {
		return int32(r.sampleF()*float64(rng)) + lo
	}
	v := r.sample()
	if r.sample()%2 == 0 {
		v = -v
	}
	d := (float64(v) + (math.MaxInt32 - 1)) / (2*float64(math.MaxInt32) - 1)
	return int32(int64(d*float64(rng)) + int64(lo))
}

// NextDouble returns a double in [0, 1).
func (r *Random) NextDouble() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sampleF()
}

// RandomNumberGenerator is System.Security.Cryptography.RandomNumberGenerator
// (and RNGCryptoServiceProvider): bytes from crypto/rand.
type RandomNumberGenerator struct{ provider bool }

// The registered random types.
var (
	RandomT                   = Register(NewType("Random", "System.Random", nil, reflect.TypeOf((*Random)(nil))))
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
	t := RandomT
	t.Ctors = append(t.Ctors,
		tmM(".ctor", t, func(any, []any) (any, error) {
			var b [4]byte
			_, _ = rand.Read(b[:])
			return NewRandom(int32(binary.LittleEndian.Uint32(b[:]) & math.MaxInt32)), nil
		}),
		tmM(".ctor", t, func(_ any, a []any) (any, error) { return NewRandom(int32(tmInt(a[0]))), nil }, "Seed", Int32),
	)
	rnd := func(r any) *Random { return r.(*Random) }
	t.AddMethod(
		tmM("Next", Int32, func(r any, _ []any) (any, error) { return rnd(r).Next(), nil }),
		tmM("Next", Int32, func(r any, a []any) (any, error) {
			hi := tmInt(a[0])
			if hi < 0 {
				return nil, Throw("System.ArgumentOutOfRangeException", "'maxValue' must be a non-negative value. (Parameter 'maxValue')")
			}
			x := rnd(r)
			x.mu.Lock()
			defer x.mu.Unlock()
			return int32(x.sampleF() * float64(hi)), nil
		}, "maxValue", Int32),
		tmM("Next", Int32, func(r any, a []any) (any, error) {
			lo, hi := int32(tmInt(a[0])), int32(tmInt(a[1]))
			if lo > hi {
				return nil, Throw("System.ArgumentOutOfRangeException", "'minValue' cannot be greater than maxValue. (Parameter 'minValue')")
			}
			return rnd(r).NextRange(lo, hi), nil
		}, "minValue", Int32, "maxValue", Int32),
		tmM("NextDouble", Double, func(r any, _ []any) (any, error) { return rnd(r).NextDouble(), nil }),
		tmM("NextBytes", Void, func(r any, a []any) (any, error) {
			b, err := crBytes(a[0], "buffer")
			if err != nil {
				return nil, err
			}
			x := rnd(r)
			x.mu.Lock()
			defer x.mu.Unlock()
			for i := range b {
				b[i] = byte(x.sample())
			}
			return nil, nil
		}, "buffer", ArrayOf(Byte)),
	)

	g := RandomNumberGeneratorT
	ba := ArrayOf(Byte)
	fill := func(_ any, a []any) (any, error) {
		b, err := crBytes(a[0], "data")
		if err != nil {
			return nil, err
		}
		if len(a) == 3 {
			off, n := tmInt(a[1]), tmInt(a[2])
			if err := crRange(b, off, n); err != nil {
				return nil, err
			}
			b = b[off : off+n]
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
