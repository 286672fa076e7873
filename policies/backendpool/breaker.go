// Package backendpool holds the load-balancing pools and circuit breakers
// of backend entities: which member of a Pool backend takes the next call,
// and whether a backend's breaker lets a call through. Breaker state is per
// backend id, shared by every API of a gateway and kept across reloads while
// the backend's rules stay the same.
package backendpool

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Range is an inclusive range of HTTP status codes.
type Range struct{ Min, Max int }

// Rule is one circuitBreaker rule of a backend (gateway.md §6). A call is a
// failure when its status falls in StatusCodeRanges, or, for a call that
// got no response, when ErrorReasons is empty or names its reason
// (BackendConnectionFailure, Timeout; compared case-insensitively). The
// rule trips when, within one Interval window, Count failures happened
// (Count > 0) or Percentage per cent of the calls failed (Percentage > 0).
// A tripped backend gets no calls for TripDuration, or for the backend's
// Retry-After when AcceptRetryAfter is set and the failing answer had one.
type Rule struct {
	Name             string
	Count            int
	Percentage       int
	Interval         time.Duration
	StatusCodeRanges []Range
	ErrorReasons     []string
	TripDuration     time.Duration
	AcceptRetryAfter bool
}

func (r *Rule) failure(status int, reason string) bool {
	if status == 0 {
		if len(r.ErrorReasons) == 0 {
			return true
		}
		return slices.ContainsFunc(r.ErrorReasons, func(s string) bool { return strings.EqualFold(s, reason) })
	}
	for _, rg := range r.StatusCodeRanges {
		if status >= rg.Min && status <= rg.Max {
			return true
		}
	}
	return false
}

type window struct {
	start           int64 // unix ns
	calls, failures int
}

// Breaker is the circuit breaker of one backend. Allow is one atomic load;
// Record takes a lock only when the backend has rules.
type Breaker struct {
	id        string
	rules     []Rule
	openUntil atomic.Int64 // unix ns; the breaker is open before it
	trips     atomic.Uint64
	mu        sync.Mutex
	windows   []window
}

// ID is the backend id.
func (b *Breaker) ID() string { return b.id }

// Allow reports whether the breaker is closed at now.
func (b *Breaker) Allow(now time.Time) bool {
	return b == nil || now.UnixNano() >= b.openUntil.Load()
}

// OpenUntil is the end of the current trip (zero time when closed at now).
func (b *Breaker) OpenUntil(now time.Time) time.Time {
	if b == nil {
		return time.Time{}
	}
	u := b.openUntil.Load()
	if u <= now.UnixNano() {
		return time.Time{}
	}
	return time.Unix(0, u)
}

// Trips counts how often the breaker tripped.
func (b *Breaker) Trips() uint64 {
	if b == nil {
		return 0
	}
	return b.trips.Load()
}

// Record counts the outcome of one call: its status (0 when no response
// came, reason then says why) and the backend's Retry-After (0 if none). It
// reports whether this call tripped the breaker.
func (b *Breaker) Record(now time.Time, status int, reason string, retryAfter time.Duration) bool {
	if b == nil || len(b.rules) == 0 {
		return false
	}
	t := now.UnixNano()
	b.mu.Lock()
	defer b.mu.Unlock()
	if t < b.openUntil.Load() {
		return false // an answer to a call sent before the trip
	}
	for i := range b.rules {
		r := &b.rules[i]
		w := &b.windows[i]
		if r.Interval > 0 && t-w.start >= int64(r.Interval) || w.start == 0 {
			*w = window{start: t}
		}
		w.calls++
		if !r.failure(status, reason) {
			continue
		}
		w.failures++
		tripped := r.Count > 0 && w.failures >= r.Count ||
			r.Percentage > 0 && w.failures*100 >= r.Percentage*w.calls
		if !tripped {
			continue
		}
		d := r.TripDuration
		if r.AcceptRetryAfter && retryAfter > 0 {
			d = retryAfter
		}
		b.openUntil.Store(t + int64(d))
		b.trips.Add(1)
		for j := range b.windows {
			b.windows[j] = window{}
		}
		return true
	}
	return false
}

// Registry holds the breakers of a gateway by backend id.
type Registry struct {
	mu sync.Mutex
	m  map[string]*Breaker
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{m: map[string]*Breaker{}} }

// Breaker returns the breaker of a backend with these rules: the one
// already held when its rules are the same (state survives a reload), a
// fresh one otherwise. A backend without rules has no breaker (nil).
func (g *Registry) Breaker(id string, rules []Rule) *Breaker {
	if len(rules) == 0 {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if b := g.m[id]; b != nil && slices.EqualFunc(b.rules, rules, equalRule) {
		return b
	}
	b := &Breaker{id: id, rules: slices.Clone(rules), windows: make([]window, len(rules))}
	g.m[id] = b
	return b
}

func equalRule(a, b Rule) bool {
	return a.Name == b.Name && a.Count == b.Count && a.Percentage == b.Percentage && a.Interval == b.Interval &&
		slices.Equal(a.StatusCodeRanges, b.StatusCodeRanges) && slices.Equal(a.ErrorReasons, b.ErrorReasons) &&
		a.TripDuration == b.TripDuration && a.AcceptRetryAfter == b.AcceptRetryAfter
}

// State is a breaker as metrics show it.
type State struct {
	ID    string
	Open  bool
	Trips uint64
}

// States returns every breaker's state at now, sorted by id.
func (g *Registry) States(now time.Time) []State {
	g.mu.Lock()
	out := make([]State, 0, len(g.m))
	for id, b := range g.m {
		out = append(out, State{ID: id, Open: !b.Allow(now), Trips: b.Trips()})
	}
	g.mu.Unlock()
	slices.SortFunc(out, func(a, b State) int { return strings.Compare(a.ID, b.ID) })
	return out
}
