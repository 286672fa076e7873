package policies

import (
	"container/list"
	"runtime"
	"sync"
	"time"
	"weak"

	"github.com/policygate/policygate/policies/state"
)

// In-memory stores shared by the rate-limit, quota, token-limit and cache
// policies. Every store is bounded (least recently used entries go first),
// safe for concurrent requests, and reads time only from the caller (the
// run's clock, r.Now), so a frozen or stepped clock drives every window.

// Stores holds the counters and the cache one gateway uses.
type Stores struct {
	Counters *CounterStore
	Cache    *CacheStore
	// Shared, when set, holds the counters and the external cache instead
	// (Redis: shared by a fleet); Counters and Cache then serve only
	// caching-type internal.
	Shared state.Backend
}

// Store bounds used by NewStores.
const (
	DefaultMaxCounters   = 100_000
	DefaultMaxCacheItems = 100_000
	DefaultMaxCacheBytes = 256 << 20
)

// NewStores returns empty stores with the default bounds.
func NewStores() *Stores {
	return &Stores{
		Counters: NewCounterStore(DefaultMaxCounters),
		Cache:    NewCacheStore(DefaultMaxCacheItems, DefaultMaxCacheBytes),
	}
}

var (
	storesByEnv   sync.Map // weak.Pointer[Env] -> *Stores
	defaultStores = NewStores()
)

// StoresOf returns the stores of an Env. Without BindStores each Env gets
// its own stores on first use (so two gateways, or two conformance cases,
// never share counters); they are dropped with the Env. A nil Env uses a
// process-wide default.
func StoresOf(env *Env) *Stores {
	if env == nil {
		return defaultStores
	}
	k := weak.Make(env)
	if s, ok := storesByEnv.Load(k); ok {
		return s.(*Stores)
	}
	s, loaded := storesByEnv.LoadOrStore(k, NewStores())
	if !loaded {
		runtime.AddCleanup(env, func(k weak.Pointer[Env]) { storesByEnv.Delete(k) }, k)
	}
	return s.(*Stores)
}

// BindStores makes env use s. A gateway binds one Stores to the Env of
// every configuration it swaps in, so counters and cached entries survive
// reloads as APIM's do.
func BindStores(env *Env, s *Stores) {
	k := weak.Make(env)
	if _, loaded := storesByEnv.Swap(k, s); !loaded {
		runtime.AddCleanup(env, func(k weak.Pointer[Env]) { storesByEnv.Delete(k) }, k)
	}
}

// ---- post-response work ----

// afterKey is the Run.Scratch entry holding the []func() to run once the
// response is final (spec pipeline.md §8 step 9).
const afterKey = "after"

// deferAfter records fn to run when the response is final.
func deferAfter(r *Run, fn func()) {
	if r.Scratch == nil {
		r.Scratch = map[string]any{}
	}
	fns, _ := r.Scratch[afterKey].([]func())
	r.Scratch[afterKey] = append(fns, fn)
}

// RunAfter runs the post-response work the policies recorded: deferred
// counter increments (increment-condition evaluated on the final
// response), token usage read from the response, bandwidth, and the
// remaining-calls / tokens-consumed headers. The gateway calls it once per
// request after the pipeline (and on-error) finished and before it writes
// the response, so the work sees the final status and may still add
// headers. Running it again does nothing.
func RunAfter(r *Run) {
	if r == nil || r.Scratch == nil {
		return
	}
	// Work may defer more work (a deferred increment that then counts the
	// response's bytes); run until none is left.
	for {
		fns, _ := r.Scratch[afterKey].([]func())
		delete(r.Scratch, afterKey)
		if len(fns) == 0 {
			return
		}
		for _, fn := range fns {
			fn()
		}
	}
}

// ---- counters ----

// CounterStore holds rate and quota counters by key, at most max of them.
type CounterStore struct {
	mu  sync.Mutex
	max int
	lru *list.List // front: most recently used *counterEntry
	m   map[string]*list.Element
}

type counterEntry struct {
	key     string
	sliding *SlidingLog
	fixed   *FixedCounter
}

// NewCounterStore returns an empty store keeping at most max counters.
func NewCounterStore(max int) *CounterStore {
	if max <= 0 {
		max = DefaultMaxCounters
	}
	return &CounterStore{max: max, lru: list.New(), m: map[string]*list.Element{}}
}

// Len is the number of counters held.
func (s *CounterStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

func (s *CounterStore) entry(key string) *counterEntry {
	if el, ok := s.m[key]; ok {
		s.lru.MoveToFront(el)
		return el.Value.(*counterEntry)
	}
	for len(s.m) >= s.max {
		old := s.lru.Back()
		s.lru.Remove(old)
		delete(s.m, old.Value.(*counterEntry).key)
	}
	e := &counterEntry{key: key}
	s.m[key] = s.lru.PushFront(e)
	return e
}

// Counters is the store seen under its lock, for work that must check and
// count several counters as one step.
type Counters struct{ s *CounterStore }

// Locked runs fn holding the store's lock; fn must not block.
func (s *CounterStore) Locked(fn func(c Counters)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(Counters{s})
}

// Sliding returns the sliding log of key, after dropping what is older than
// keep (the longest window any user of the key asks about).
func (c Counters) Sliding(key string, now time.Time, keep time.Duration) *SlidingLog {
	e := c.s.entry(key)
	if e.sliding == nil {
		e.sliding = &SlidingLog{}
	}
	e.sliding.prune(now, keep)
	return e.sliding
}

// Fixed returns the fixed-window counter of key for window w; the counter
// restarts from zero when w is not the window it counted last.
func (c Counters) Fixed(key string, w Window) *FixedCounter {
	e := c.s.entry(key)
	if e.fixed == nil || !e.fixed.Window.Start.Equal(w.Start) || !e.fixed.Window.End.Equal(w.End) {
		e.fixed = &FixedCounter{Window: w}
	}
	return e.fixed
}

// FixedAdd adds to the counter of key if it still counts window w (a
// deferred increment whose window has ended is dropped); a missing counter
// is created.
func (c Counters) FixedAdd(key string, w Window, calls, bytes int64) {
	e := c.s.entry(key)
	if e.fixed == nil {
		e.fixed = &FixedCounter{Window: w}
	}
	if !e.fixed.Window.Start.Equal(w.Start) || !e.fixed.Window.End.Equal(w.End) {
		return
	}
	e.fixed.Calls += calls
	e.fixed.Bytes += bytes
}

// Sliding runs fn on the sliding log of key under the store's lock (see
// Counters.Sliding). fn must not block.
func (s *CounterStore) Sliding(key string, now time.Time, keep time.Duration, fn func(l *SlidingLog)) {
	s.Locked(func(c Counters) { fn(c.Sliding(key, now, keep)) })
}

// Fixed runs fn on the fixed-window counter of key for window w under the
// store's lock (see Counters.Fixed). fn must not block.
func (s *CounterStore) Fixed(key string, w Window, fn func(c *FixedCounter)) {
	s.Locked(func(c Counters) { fn(c.Fixed(key, w)) })
}

// FixedAdd is Counters.FixedAdd under the store's lock.
func (s *CounterStore) FixedAdd(key string, w Window, calls, bytes int64) {
	s.Locked(func(c Counters) { c.FixedAdd(key, w, calls, bytes) })
}

// SlidingLog counts amounts over a sliding window: each amount counts from
// the second it was added until a full period later. Amounts are kept per
// second (coarser for very long windows), so memory stays bounded whatever
// the number of calls.
type SlidingLog struct {
	at   []int64 // unix seconds, ascending
	n    []int64
	keep int64 // longest window asked for, in seconds
}

// sec rounds a time up to the whole second: a call at 10.2s counts as made
// at 11s, which makes windows conservative and Retry-After whole seconds.
func sec(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

func periodSec(d time.Duration) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}

func (l *SlidingLog) prune(now time.Time, keep time.Duration) {
	if k := periodSec(keep); k > l.keep {
		l.keep = k
	}
	cut := 0
	for cut < len(l.at) && l.at[cut]+l.keep <= now.Unix() {
		cut++
	}
	if cut > 0 {
		l.at = append(l.at[:0], l.at[cut:]...)
		l.n = append(l.n[:0], l.n[cut:]...)
	}
}

// Count is the sum of the amounts added within period before now.
func (l *SlidingLog) Count(now time.Time, period time.Duration) int64 {
	p, ns := periodSec(period), now.UnixNano()
	var c int64
	for i, a := range l.at {
		if (a+p)*int64(time.Second) > ns {
			c += l.n[i]
		}
	}
	return max(c, 0)
}

// Add adds n at time t (negative n corrects an earlier estimate).
func (l *SlidingLog) Add(t time.Time, n int64) {
	s := sec(t)
	gran := max(l.keep/1024, 1)
	for i := len(l.at) - 1; i >= 0; i-- {
		if l.at[i] <= s && s-l.at[i] < gran {
			l.n[i] += n
			return
		}
		if l.at[i] < s {
			break
		}
	}
	i := len(l.at)
	for i > 0 && l.at[i-1] > s {
		i--
	}
	l.at = append(l.at, 0)
	l.n = append(l.n, 0)
	copy(l.at[i+1:], l.at[i:])
	copy(l.n[i+1:], l.n[i:])
	l.at[i], l.n[i] = s, n
}

// RetryAfter is how long from now until the count within period drops
// below limit (zero when it already is).
func (l *SlidingLog) RetryAfter(now time.Time, period time.Duration, limit int64) time.Duration {
	p, ns := periodSec(period), now.UnixNano()
	need := l.Count(now, period) - limit + 1
	if need <= 0 {
		return 0
	}
	var freed int64
	for i, a := range l.at {
		end := (a + p) * int64(time.Second)
		if end <= ns {
			continue
		}
		freed += l.n[i]
		if freed >= need {
			return time.Duration(end - ns)
		}
	}
	return period
}

// Window is a fixed counting window; a zero End never ends.
type Window struct{ Start, End time.Time }

// FixedCounter counts calls and bytes within one window.
type FixedCounter struct {
	Window Window
	Calls  int64
	Bytes  int64
}

// AlignedWindow returns the window of length period, aligned to anchor,
// that holds now; period 0 is one window that never ends.
func AlignedWindow(anchor, now time.Time, period time.Duration) Window {
	if period <= 0 {
		return Window{Start: anchor}
	}
	// Seconds, not Durations: anchors such as 0001-01-01 are further from now
	// than a Duration can span.
	p := periodSec(period)
	d := now.Unix() - anchor.Unix()
	idx := d / p
	if d < 0 && d%p != 0 {
		idx--
	}
	start := anchor.Unix() + idx*p
	return Window{Start: time.Unix(start, 0).UTC(), End: time.Unix(start+p, 0).UTC()}
}

// ---- cache ----

// CacheStore is a bounded cache with expiry: at most maxItems entries and
// about maxBytes of values; least recently used entries go first.
type CacheStore struct {
	mu       sync.Mutex
	maxItems int
	maxBytes int64
	bytes    int64
	lru      *list.List // front: most recently used *cacheEntry
	m        map[string]*list.Element
}

type cacheEntry struct {
	key     string
	value   any
	size    int64
	expires time.Time
}

// NewCacheStore returns an empty cache.
func NewCacheStore(maxItems int, maxBytes int64) *CacheStore {
	return &CacheStore{maxItems: maxItems, maxBytes: maxBytes, lru: list.New(), m: map[string]*list.Element{}}
}

// Get returns the value of key and when it expires; expired entries miss.
func (s *CacheStore) Get(key string, now time.Time) (value any, expires time.Time, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.m[key]
	if !ok {
		return nil, time.Time{}, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) {
		s.remove(el)
		return nil, time.Time{}, false
	}
	s.lru.MoveToFront(el)
	return e.value, e.expires, true
}

// Set stores value under key until expires; size is its approximate size
// in bytes. A value larger than the whole cache is not stored.
func (s *CacheStore) Set(key string, value any, size int64, expires time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.m[key]; ok {
		s.remove(el)
	}
	if size > s.maxBytes {
		return
	}
	for len(s.m) > 0 && (len(s.m) >= s.maxItems || s.bytes+size > s.maxBytes) {
		s.remove(s.lru.Back())
	}
	s.m[key] = s.lru.PushFront(&cacheEntry{key: key, value: value, size: size, expires: expires})
	s.bytes += size
}

// Delete removes key; it reports whether it was there.
func (s *CacheStore) Delete(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.m[key]
	if ok {
		s.remove(el)
	}
	return ok
}

// Len is the number of entries held (expired ones included until touched).
func (s *CacheStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

func (s *CacheStore) remove(el *list.Element) {
	e := el.Value.(*cacheEntry)
	s.lru.Remove(el)
	delete(s.m, e.key)
	s.bytes -= e.size
}
