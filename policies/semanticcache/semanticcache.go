// Package semanticcache holds the in-memory index behind the semantic
// cache policies: prompt embeddings with the responses they got, by
// partition, bounded in size and with expiry; a lookup returns the nearest
// entry by cosine distance.
package semanticcache

import (
	"math"
	"sync"
	"time"
)

// Entry is a cached answer.
type Entry struct {
	Status      int
	ContentType string
	Body        []byte
}

type item struct {
	partition string
	vec       []float64
	norm      float64
	entry     Entry
	expires   time.Time
	stored    time.Time
}

// Index is a bounded set of entries; the oldest entries go first when it
// is full (expired ones before them). Lookups scan the partition, which is
// fine for the sizes a gateway keeps in memory.
type Index struct {
	mu    sync.Mutex
	max   int
	items []*item
}

// New returns an index of at most max entries.
func New(max int) *Index { return &Index{max: max} }

func norm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// Distance is the cosine distance of a and b: 0 for the same direction, 1
// for orthogonal vectors, 2 for opposite ones (1 when either is zero or
// their lengths differ).
func Distance(a, b []float64) float64 {
	return distance(a, norm(a), b, norm(b))
}

func distance(a []float64, na float64, b []float64, nb float64) float64 {
	if len(a) != len(b) || na == 0 || nb == 0 {
		return 1
	}
	var dot float64
	for i := range a {
		dot += a[i] * b[i]
	}
	return 1 - dot/(na*nb)
}

// Lookup returns the entry of partition nearest to vec, when its cosine
// distance is at most maxDistance and it has not expired at now.
func (x *Index) Lookup(partition string, vec []float64, maxDistance float64, now time.Time) (Entry, float64, bool) {
	n := norm(vec)
	x.mu.Lock()
	defer x.mu.Unlock()
	best, bestD := (*item)(nil), math.Inf(1)
	for _, it := range x.items {
		if it.partition != partition || !now.Before(it.expires) {
			continue
		}
		if d := distance(vec, n, it.vec, it.norm); d < bestD {
			best, bestD = it, d
		}
	}
	if best == nil || bestD > maxDistance {
		return Entry{}, bestD, false
	}
	return best.entry, bestD, true
}

// Store adds an entry for vec in partition until now+ttl.
func (x *Index) Store(partition string, vec []float64, e Entry, now time.Time, ttl time.Duration) {
	it := &item{partition: partition, vec: vec, norm: norm(vec), entry: e, expires: now.Add(ttl), stored: now}
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.items) >= x.max {
		kept := x.items[:0]
		for _, o := range x.items {
			if now.Before(o.expires) {
				kept = append(kept, o)
			}
		}
		clear(x.items[len(kept):])
		x.items = kept
	}
	if len(x.items) >= x.max {
		// the oldest goes (items are in store order)
		copy(x.items, x.items[1:])
		x.items[len(x.items)-1] = nil
		x.items = x.items[:len(x.items)-1]
	}
	x.items = append(x.items, it)
}

// Len is the number of entries held.
func (x *Index) Len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.items)
}
