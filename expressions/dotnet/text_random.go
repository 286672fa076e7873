package dotnet

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"sync"
)

// Random is System.Random. A seeded instance reproduces .NET's sequence
// for that seed (the subtractive generator .NET keeps for seeded
// instances); an unseeded one draws from a per-instance PCG source.
type Random struct {
	mu     sync.Mutex
	seeded bool
	seed   [56]int32
	inext  int
	inextp int
	rng    *rand.Rand
}

// RandomT is System.Random; its values are *Random.
var RandomT = Register(NewType("Random", "System.Random", nil, reflect.TypeOf((*Random)(nil))))

const (
	txMBig  = math.MaxInt32
	txMSeed = 161803398
)

// NewRandom returns an unseeded Random.
func NewRandom() *Random {
	return &Random{rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
}

// NewSeededRandom returns new Random(seed), which yields .NET's sequence.
func NewSeededRandom(seed int32) *Random {
	r := &Random{seeded: true}
	sub := int32(math.MaxInt32)
	if seed != math.MinInt32 {
		sub = seed
		if sub < 0 {
			sub = -sub
		}
	}
	mj := txMSeed - sub
	r.seed[55] = mj
	mk := int32(1)
	for i := 1; i < 55; i++ {
		ii := (21 * i) % 55
		r.seed[ii] = mk
		mk = mj - mk
		if mk < 0 {
			mk += txMBig
		}
		mj = r.seed[ii]
	}
	for k := 1; k < 5; k++ {
		for i := 1; i < 56; i++ {
			r.seed[i] -= r.seed[1+(i+30)%55]
			if r.seed[i] < 0 {
				r.seed[i] += txMBig
			}
		}
	}
	r.inext, r.inextp = 0, 21
	return r
}

// internalSample returns a value in [0, int.MaxValue).
func (r *Random) internalSample() int32 {
	if !r.seeded {
		return r.rng.Int32N(txMBig)
	}
	ln, lp := r.inext+1, r.inextp+1
	if ln >= 56 {
		ln = 1
	}
	if lp >= 56 {
		lp = 1
	}
	v := r.seed[ln] - r.seed[lp]
	if v == txMBig {
		v--
	}
	if v < 0 {
		v += txMBig
	}
	r.seed[ln] = v
	r.inext, r.inextp = ln, lp
	return v
}

func (r *Random) sample() float64 { return float64(r.internalSample()) * (1.0 / txMBig) }

func (r *Random) largeSample() float64 {
	res := r.internalSample()
	if r.internalSample()%2 == 0 {
		res = -res
	}
	d := float64(res) + (txMBig - 1)
	return d / (2*txMBig - 1)
}

// Next is Random.Next(min, max): a value in [min, max).
func (r *Random) Next(lo, hi int32) (int32, error) {
	if lo > hi {
		return 0, txArgOutOfRange("minValue", "'"+strconv.Itoa(int(lo))+"' cannot be greater than maxValue.")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	span := int64(hi) - int64(lo)
	if !r.seeded {
		if span == 0 {
			return lo, nil
		}
		return lo + int32(r.rng.Int64N(span)), nil
	}
	if span <= math.MaxInt32 {
		return int32(r.sample()*float64(span)) + lo, nil
	}
	return int32(int64(r.largeSample()*float64(span)) + int64(lo)), nil
}

// NextDouble is Random.NextDouble: a value in [0, 1).
func (r *Random) NextDouble() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.seeded {
		return r.rng.Float64()
	}
	return r.sample()
}

func init() {
	t := RandomT
	t.Ctors = append(t.Ctors,
		txMethod(".ctor", t, func(_ any, _ []any) (any, error) { return NewRandom(), nil }),
		txMethod(".ctor", t, func(_ any, a []any) (any, error) { return NewSeededRandom(int32(txInt(a[0]))), nil }, Int32),
	)
	rr := func(recv any) *Random {
		if r, ok := recv.(*Random); ok && r != nil {
			return r
		}
		return NewRandom()
	}
	t.AddMethod(
		txMethod("Next", Int32, func(recv any, _ []any) (any, error) {
			r := rr(recv)
			r.mu.Lock()
			defer r.mu.Unlock()
			return r.internalSample(), nil
		}),
		txMethod("Next", Int32, func(recv any, a []any) (any, error) {
			hi := int32(txInt(a[0]))
			if hi < 0 {
				return nil, txArgOutOfRange("maxValue", "'maxValue' must be greater than zero.")
			}
			return rr(recv).Next(0, hi)
		}, Int32),
		txMethod("Next", Int32, func(recv any, a []any) (any, error) {
			return rr(recv).Next(int32(txInt(a[0])), int32(txInt(a[1])))
		}, Int32, Int32),
		txMethod("NextDouble", Double, func(recv any, _ []any) (any, error) { return rr(recv).NextDouble(), nil }),
		txMethod("NextInt64", Int64, func(recv any, _ []any) (any, error) {
			return int64(rr(recv).NextDouble() * math.MaxInt64), nil
		}),
		txMethod("NextBytes", Void, func(recv any, a []any) (any, error) {
			r := rr(recv)
			switch b := a[0].(type) {
			case []byte:
				for i := range b {
					v, _ := r.Next(0, 256)
					b[i] = byte(v)
				}
			case []any:
				for i := range b {
					v, _ := r.Next(0, 256)
					b[i] = byte(v)
				}
			case nil:
				return nil, ArgumentNull("buffer")
			}
			return nil, nil
		}, byteArrayT),
	)
	t.AddStaticProp(txProp("Shared", t, func(any) (any, error) { return txSharedRandom, nil }))
}

var txSharedRandom = NewRandom()
