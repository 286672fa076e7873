// Package state is the contract between the stateful policies and where
// their state lives: rate and quota counters, and cached values.
//
// # Design
//
// Every stateful policy (rate-limit, rate-limit-by-key, quota,
// quota-by-key, llm-token-limit / azure-openai-token-limit, cache-lookup /
// cache-store, cache-lookup-value / cache-store-value / cache-remove-value)
// reaches its state only through a Backend. There are two:
//
//   - the in-memory backend of package policies (the default, embedded,
//     bounded LRU stores of policies/store.go), one per gateway;
//   - package redisstate, which keeps the same state on Redis so that every
//     gateway of a fleet shares it and quota counters outlive a restart.
//
// The operations are whole decisions, not reads and writes: Sliding checks
// a call against several sliding-window counters and counts it in all of
// them as one atomic step, Fixed does the same for fixed (quota) windows.
// The in-memory backend runs them under one lock; Redis runs each as one
// Lua script, so two gateways can never both take the last slot.
//
// Time always comes from the caller (the run's clock), never from the
// backend: a frozen or stepped test clock drives every window on both
// backends alike, and the windows are those of the in-memory store:
//
//   - sliding: an amount counts from the whole second after it was added
//     (rounded up) until a full period later; amounts are kept per second
//     (per keep/1024 seconds for windows longer than 1024 s);
//   - fixed: counts within [Window.Start, Window.End); a counter asked
//     about another window restarts from zero; End zero never ends.
//
// Cache values are bytes with an expiry instant (again the caller's
// clock); an expired entry misses.
//
// # Failures
//
// A backend that cannot answer (Redis down, slow past its timeout) returns
// an error and never blocks longer than its timeout. Callers then call
// Failed: rate limits and quotas fail open (the call is served) unless the
// backend says to fail closed; caches behave as a miss. The in-memory
// backend never fails.
//
// The same cases (statetest) run against both backends.
package state

import (
	"context"
	"time"
)

// Backend holds the counters and caches of a gateway (or a fleet).
type Backend interface {
	Counters
	Cache
	// Failed records that a limit could not be checked because of err (a
	// fail-open decision, logged at most once per interval) and tells
	// whether the call must be refused instead (fail closed).
	Failed(source string, err error) (refuse bool)
}

// Counters are rate and quota counters by key.
type Counters interface {
	// Sliding checks a call against sliding-window limits and, when
	// t.Add is set and every limit allows it, adds t.N to each.
	Sliding(ctx context.Context, now time.Time, t SlidingTake) (SlidingResult, error)
	// SlidingAdd adds n at time at to the sliding counter of key (a
	// deferred increment or a correction, n may be negative) and returns
	// its count over period at countAt.
	SlidingAdd(ctx context.Context, key string, period time.Duration, at time.Time, n int64, countAt time.Time) (int64, error)
	// Fixed checks a call against fixed-window limits and, when t.Add is
	// set and every limit allows it, adds t.Calls and t.Bytes to each.
	Fixed(ctx context.Context, t FixedTake) (FixedResult, error)
	// FixedAdd adds to the counter of key if it still counts window w (an
	// increment whose window has ended is dropped) and returns the calls
	// counted in w afterwards.
	FixedAdd(ctx context.Context, key string, w Window, calls, bytes int64) (int64, error)
}

// Cache holds values until they expire.
type Cache interface {
	// CacheGet returns the value of key and when it expires; an entry
	// that expired by now misses.
	CacheGet(ctx context.Context, key string, now time.Time) (value []byte, expires time.Time, ok bool, err error)
	// CacheSet stores value under key until expires.
	CacheSet(ctx context.Context, key string, value []byte, now, expires time.Time) error
	// CacheDelete removes key.
	CacheDelete(ctx context.Context, key string) error
}

// SlidingLimit is one sliding-window counter a call is checked against.
type SlidingLimit struct {
	Key    string
	Limit  int64
	Period time.Duration
}

// SlidingTake is one call checked against sliding windows. Keys checked
// together must share a Redis hash tag ("{...}" in the key) so that Redis
// Cluster keeps them in one slot.
type SlidingTake struct {
	Limits []SlidingLimit
	// N is the amount the call counts for.
	N int64
	// Add counts N when the call is allowed (false: only check).
	Add bool
	// MustFit refuses a call whose N would take a count past its limit;
	// otherwise a call is refused only once the count reached the limit.
	MustFit bool
}

// SlidingResult is the decision of a SlidingTake.
type SlidingResult struct {
	Allowed bool
	// RetryAfter is, for a refused call, how long until it would be
	// allowed.
	RetryAfter time.Duration
	// Remaining and Total are the tightest limit's room (after counting
	// the call) and its limit.
	Remaining, Total int64
}

// Window is a fixed counting window; a zero End never ends.
type Window struct{ Start, End time.Time }

// FixedLimit is one fixed-window counter a call is checked against.
type FixedLimit struct {
	Key    string
	Window Window
	// Calls and Bytes are the limits; -1 is no such limit.
	Calls, Bytes int64
}

// FixedTake is one call checked against fixed windows (keys share a hash
// tag as in SlidingTake).
type FixedTake struct {
	Limits       []FixedLimit
	Calls, Bytes int64
	Add          bool
	// MustFit refuses a call whose Calls would take a count past its
	// limit.
	MustFit bool
}

// FixedResult is the decision of a FixedTake.
type FixedResult struct {
	// Refused is the index of the first limit that refused, -1 when none.
	Refused int
	// ByBytes tells that the refusing limit was the bandwidth one.
	ByBytes bool
	// Calls are the calls counted in each window afterwards.
	Calls []int64
}
