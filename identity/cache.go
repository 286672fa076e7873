package identity

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultRefreshBefore is how long before expiry a cached token is replaced.
const DefaultRefreshBefore = 5 * time.Minute

// Cache is a Source that keeps each token until shortly before it expires,
// so that only the first request (and one per token lifetime) waits for
// Entra. Concurrent misses for the same scope and identity share one
// request. Errors are not cached. A Cache is safe for concurrent use.
type Cache struct {
	src Source
	// refreshBefore: a token is renewed this long before it expires, or
	// halfway through its life when that is shorter.
	refreshBefore time.Duration
	now           func() time.Time
	entries       sync.Map // cacheKey -> *cacheEntry
}

var _ Source = (*Cache)(nil)

type cacheKey struct{ scope, clientID string }

type cacheEntry struct {
	mu  sync.Mutex // held while fetching
	cur atomic.Pointer[cachedToken]
}

type cachedToken struct {
	token              string
	expires, refreshAt time.Time
}

// CacheOption configures a Cache.
type CacheOption func(*Cache)

// WithRefreshBefore sets how long before expiry tokens are renewed.
func WithRefreshBefore(d time.Duration) CacheOption {
	return func(c *Cache) { c.refreshBefore = d }
}

// WithClock sets the cache's clock (tests).
func WithClock(now func() time.Time) CacheOption {
	return func(c *Cache) { c.now = now }
}

// NewCache wraps src in a token cache.
func NewCache(src Source, opts ...CacheOption) *Cache {
	c := &Cache{src: src, refreshBefore: DefaultRefreshBefore, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Token returns a cached token, or gets a new one when there is none or it
// is about to expire.
func (c *Cache) Token(ctx context.Context, scope, clientID string) (string, time.Time, error) {
	k := cacheKey{scope, clientID}
	v, ok := c.entries.Load(k)
	if !ok {
		v, _ = c.entries.LoadOrStore(k, &cacheEntry{})
	}
	e := v.(*cacheEntry)
	if t := e.cur.Load(); t != nil && c.now().Before(t.refreshAt) {
		return t.token, t.expires, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := c.now()
	if t := e.cur.Load(); t != nil && now.Before(t.refreshAt) {
		return t.token, t.expires, nil // another caller just renewed it
	}
	tok, exp, err := c.src.Token(ctx, scope, clientID)
	if err != nil {
		// A token that is due for renewal but still valid is better than
		// an error.
		if t := e.cur.Load(); t != nil && now.Before(t.expires) {
			return t.token, t.expires, nil
		}
		return "", time.Time{}, err
	}
	lead := c.refreshBefore
	if life := exp.Sub(now); life/2 < lead {
		lead = life / 2
	}
	e.cur.Store(&cachedToken{token: tok, expires: exp, refreshAt: exp.Add(-lead)})
	return tok, exp, nil
}

// Forget drops every cached token (after a credential change).
func (c *Cache) Forget() {
	c.entries.Clear()
}
