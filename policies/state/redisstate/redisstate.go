// Package redisstate keeps the counters and the external cache of the
// stateful policies on Redis (a state.Backend), so that every gateway of a
// fleet enforces one rate limit, spends one quota and shares one cache,
// and quota counters outlive a gateway restart.
//
// Counter decisions are Lua scripts (scripts.go) running the in-memory
// store's window rules with the caller's clock; cache entries carry their
// expiry instant (the caller's clock again) and a Redis TTL for cleanup.
//
// Failures: every call is bounded by Options.Timeout (connect, read,
// write and pool wait). After a failure the store answers "unavailable"
// at once for a short back-off (so a dead or slow Redis costs requests
// nothing) and then tries again; the client reconnects by itself. Rate
// limits and quotas then fail open (Failed returns false, one warning per
// Options.WarnInterval, a metric) unless Options.FailClosed is set; caches
// miss.
package redisstate

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/policygate/policygate/policies/state"
)

// Options configure a Store.
type Options struct {
	// URL is redis://[user:password@]host:port[/db] (rediss:// for TLS).
	// Query parameters are go-redis's (pool_size, client_name,
	// conn_max_idle_time, route_by_latency, ...; timeouts come from
	// Timeout), plus: addr=host:port (repeatable) for more Cluster nodes,
	// cluster=true for a Cluster reached through one address, and
	// master_name=NAME for Sentinel (the URL's addresses and user:password
	// are then the sentinels'; the master's are the username= and
	// password= parameters, or Password).
	URL string
	// Password overrides the URL's password (a secret: never logged).
	Password string
	// Prefix starts every key, so several fleets can share one Redis.
	Prefix string
	// Timeout bounds every Redis call (default 100ms).
	Timeout time.Duration
	// FailClosed refuses calls whose limit cannot be checked (429).
	FailClosed bool
	// Logger receives the warnings (default slog.Default()).
	Logger *slog.Logger
	// WarnInterval is the least time between two warnings (default 10s).
	WarnInterval time.Duration
	// Backoff is how long the store answers "unavailable" without asking
	// Redis after a failure (default 250ms).
	Backoff time.Duration
}

// DefaultTimeout bounds a Redis call when Options.Timeout is zero.
const DefaultTimeout = 100 * time.Millisecond

// ErrUnavailable is returned while the store backs off after a failure.
var ErrUnavailable = errors.New("redis state backend unavailable")

// Store is the Redis state.Backend.
type Store struct {
	c          redis.UniversalClient
	prefix     string
	addr       string
	failClosed bool
	log        *slog.Logger
	warnEvery  time.Duration
	backoff    time.Duration

	downUntil atomic.Int64 // unix nanoseconds

	warnMu   sync.Mutex
	lastWarn map[string]time.Time // by message
	held     map[string]int

	latency  *prometheus.HistogramVec
	errs     *prometheus.CounterVec
	failOpen *prometheus.CounterVec
	refused  *prometheus.CounterVec
}

var _ state.Backend = (*Store)(nil)

// CheckURL reports what is wrong with a cache.redis.url (never showing
// its password).
func CheckURL(raw string) error {
	_, err := parseURL(raw)
	return err
}

// parseURL returns the client options a cache.redis.url stands for
// (standalone, Cluster or Sentinel).
func parseURL(raw string) (*redis.UniversalOptions, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("cache.redis.url: %v", redactErr(err, raw))
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("cache.redis.url: scheme %q is not redis or rediss", u.Scheme)
	}
	q := u.Query()
	cluster := q.Get("cluster") == "true"
	q.Del("cluster")
	u.RawQuery = q.Encode()
	s := u.String()
	uo := &redis.UniversalOptions{}
	switch {
	case q.Has("master_name"):
		fo, err := redis.ParseFailoverURL(s)
		if err != nil {
			return nil, fmt.Errorf("cache.redis.url: %v", redactErr(err, s))
		}
		uo.Addrs, uo.MasterName, uo.DB = fo.SentinelAddrs, fo.MasterName, fo.DB
		uo.Username, uo.Password = fo.Username, fo.Password
		uo.SentinelUsername, uo.SentinelPassword = fo.SentinelUsername, fo.SentinelPassword
		uo.TLSConfig, uo.Protocol = fo.TLSConfig, fo.Protocol
		uo.RouteByLatency, uo.RouteRandomly, uo.ReadOnly = fo.RouteByLatency, fo.RouteRandomly, fo.ReplicaOnly
		uo.ClientName, uo.PoolSize, uo.MinIdleConns, uo.MaxIdleConns, uo.MaxActiveConns = fo.ClientName, fo.PoolSize, fo.MinIdleConns, fo.MaxIdleConns, fo.MaxActiveConns
		uo.ConnMaxIdleTime, uo.ConnMaxLifetime = fo.ConnMaxIdleTime, fo.ConnMaxLifetime
	case cluster || q.Has("addr"):
		co, err := redis.ParseClusterURL(s)
		if err != nil {
			return nil, fmt.Errorf("cache.redis.url: %v", redactErr(err, s))
		}
		uo.Addrs, uo.IsClusterMode = co.Addrs, true
		uo.Username, uo.Password = co.Username, co.Password
		uo.TLSConfig, uo.Protocol = co.TLSConfig, co.Protocol
		uo.RouteByLatency, uo.RouteRandomly, uo.ReadOnly = co.RouteByLatency, co.RouteRandomly, co.ReadOnly
		uo.ClientName, uo.PoolSize, uo.MinIdleConns, uo.MaxIdleConns, uo.MaxActiveConns = co.ClientName, co.PoolSize, co.MinIdleConns, co.MaxIdleConns, co.MaxActiveConns
		uo.ConnMaxIdleTime, uo.ConnMaxLifetime = co.ConnMaxIdleTime, co.ConnMaxLifetime
	default:
		o, err := redis.ParseURL(s)
		if err != nil {
			return nil, fmt.Errorf("cache.redis.url: %v", redactErr(err, s))
		}
		uo.Addrs, uo.DB = []string{o.Addr}, o.DB
		uo.Username, uo.Password = o.Username, o.Password
		uo.TLSConfig, uo.Protocol = o.TLSConfig, o.Protocol
		uo.ClientName, uo.PoolSize, uo.MinIdleConns, uo.MaxIdleConns, uo.MaxActiveConns = o.ClientName, o.PoolSize, o.MinIdleConns, o.MaxIdleConns, o.MaxActiveConns
		uo.ConnMaxIdleTime, uo.ConnMaxLifetime = o.ConnMaxIdleTime, o.ConnMaxLifetime
	}
	return uo, nil
}

// redactErr drops the URL (and so any password) from a parse error.
func redactErr(err error, raw string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	if u, perr := url.Parse(raw); perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			return errors.New(strings.ReplaceAll(err.Error(), p, "xxxxx"))
		}
	}
	return err
}

// New returns a store for o; it connects lazily (a Redis that is down at
// start is one that comes up later).
func New(o Options) (*Store, error) {
	uo, err := parseURL(o.URL)
	if err != nil {
		return nil, err
	}
	if o.Password != "" {
		uo.Password = o.Password
	}
	t := o.Timeout
	if t <= 0 {
		t = DefaultTimeout
	}
	uo.DialTimeout, uo.ReadTimeout, uo.WriteTimeout, uo.PoolTimeout = t, t, t, t
	uo.ContextTimeoutEnabled = true
	uo.MaxRetries = -1 // no retries inside the timeout: the caller fails open
	s := &Store{
		c:          redis.NewUniversalClient(uo),
		prefix:     o.Prefix,
		addr:       fmt.Sprint(uo.Addrs),
		failClosed: o.FailClosed,
		log:        o.Logger,
		warnEvery:  o.WarnInterval,
		backoff:    o.Backoff,
		lastWarn:   map[string]time.Time{},
		held:       map[string]int{},
	}
	quietOnce.Do(func() { redis.SetLogger(quiet{}) })
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.warnEvery <= 0 {
		s.warnEvery = 10 * time.Second
	}
	if s.backoff <= 0 {
		s.backoff = 250 * time.Millisecond
	}
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "policygate_state_backend_duration_seconds", Help: "Time of state backend (Redis) calls by operation.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25},
	}, []string{"op"})
	s.errs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "policygate_state_backend_errors_total", Help: "Failed state backend (Redis) calls by operation."}, []string{"op"})
	s.failOpen = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "policygate_state_backend_fail_open_total", Help: "Calls served without their limit checked because the state backend failed, by policy."}, []string{"policy"})
	s.refused = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "policygate_state_backend_fail_closed_total", Help: "Calls refused because the state backend failed and limits fail closed, by policy."}, []string{"policy"})
	return s, nil
}

// Collectors are the store's metrics, for the gateway's registry.
func (s *Store) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.latency, s.errs, s.failOpen, s.refused}
}

// Close closes the client.
func (s *Store) Close() error { return s.c.Close() }

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error { return s.c.Ping(ctx).Err() }

// call runs one Redis operation with the back-off, the metrics and the
// warnings.
func (s *Store) call(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	if time.Now().UnixNano() < s.downUntil.Load() {
		s.errs.WithLabelValues(op).Inc()
		return ErrUnavailable
	}
	start := time.Now()
	err := fn(ctx)
	s.latency.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if err == nil || errors.Is(err, redis.Nil) {
		return nil
	}
	s.errs.WithLabelValues(op).Inc()
	if ctx.Err() == nil { // the request's own cancellation says nothing about Redis
		s.downUntil.Store(time.Now().Add(s.backoff).UnixNano())
	}
	s.warn("state backend call failed", "op", op, "error", err)
	return fmt.Errorf("redis %s: %w", op, err)
}

// warn logs each message at most once per interval, counting what it
// held back.
func (s *Store) warn(msg string, args ...any) {
	s.warnMu.Lock()
	now := time.Now()
	if now.Sub(s.lastWarn[msg]) < s.warnEvery {
		s.held[msg]++
		s.warnMu.Unlock()
		return
	}
	n := s.held[msg]
	s.lastWarn[msg], s.held[msg] = now, 0
	s.warnMu.Unlock()
	s.log.Warn(msg, append(args, "redis", s.addr, "suppressed", n)...)
}

// quiet drops the client's own log lines: the store's rate-limited
// warnings say the same once per interval.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

var quietOnce sync.Once

// Failed implements state.Backend.
func (s *Store) Failed(source string, err error) bool {
	if s.failClosed {
		s.refused.WithLabelValues(source).Inc()
		s.warn("limit refused: state backend unavailable (fail closed)", "policy", source, "error", err)
		return true
	}
	s.failOpen.WithLabelValues(source).Inc()
	s.warn("limit not enforced: state backend unavailable (fail open)", "policy", source, "error", err)
	return false
}

func (s *Store) counterKey(k string) string { return s.prefix + "c:" + k }
func (s *Store) cacheKey(k string) string   { return s.prefix + "v:" + k }

func b2s(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// upSec is t in unix seconds rounded up (the second an amount counts
// from, as in the in-memory store).
func upSec(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

func periodSec(d time.Duration) int64 { return max(int64((d+time.Second-1)/time.Second), 1) }

// Sliding implements state.Counters.
func (s *Store) Sliding(ctx context.Context, now time.Time, t state.SlidingTake) (state.SlidingResult, error) {
	keys := make([]string, len(t.Limits))
	args := []any{now.Unix(), now.Nanosecond(), upSec(now), t.N, b2s(t.Add), b2s(t.MustFit)}
	for i, l := range t.Limits {
		keys[i] = s.counterKey(l.Key)
		args = append(args, l.Limit, periodSec(l.Period))
	}
	var v []int64
	err := s.call(ctx, "sliding", func(ctx context.Context) error {
		var err error
		v, err = slidingScript.Run(ctx, s.c, keys, args...).Int64Slice()
		return err
	})
	if err != nil {
		return state.SlidingResult{}, err
	}
	if len(v) != 4 {
		return state.SlidingResult{}, fmt.Errorf("redis sliding: %d values", len(v))
	}
	return state.SlidingResult{Allowed: v[0] == 1, RetryAfter: time.Duration(v[1]), Remaining: v[2], Total: v[3]}, nil
}

// SlidingAdd implements state.Counters.
func (s *Store) SlidingAdd(ctx context.Context, key string, period time.Duration, at time.Time, n int64, countAt time.Time) (int64, error) {
	var c int64
	err := s.call(ctx, "sliding_add", func(ctx context.Context) error {
		var err error
		c, err = slidingAddScript.Run(ctx, s.c, []string{s.counterKey(key)}, at.Unix(), upSec(at), periodSec(period), n, countAt.Unix()).Int64()
		return err
	})
	return c, err
}

// windowArgs are a window's start, end ("-": never) and key TTL in
// seconds (0: none): the window's length and a minute, which outlives the
// window whatever moment it was created in.
func windowArgs(w state.Window) (string, string, int64) {
	if w.End.IsZero() {
		return strconv.FormatInt(w.Start.Unix(), 10), "-", 0
	}
	return strconv.FormatInt(w.Start.Unix(), 10), strconv.FormatInt(w.End.Unix(), 10), w.End.Unix() - w.Start.Unix() + 60
}

// Fixed implements state.Counters.
func (s *Store) Fixed(ctx context.Context, t state.FixedTake) (state.FixedResult, error) {
	keys := make([]string, len(t.Limits))
	args := []any{t.Calls, t.Bytes, b2s(t.Add), b2s(t.MustFit)}
	for i, l := range t.Limits {
		keys[i] = s.counterKey(l.Key)
		ws, we, ttl := windowArgs(l.Window)
		args = append(args, ws, we, l.Calls, l.Bytes, ttl)
	}
	var v []int64
	err := s.call(ctx, "fixed", func(ctx context.Context) error {
		var err error
		v, err = fixedScript.Run(ctx, s.c, keys, args...).Int64Slice()
		return err
	})
	if err != nil {
		return state.FixedResult{}, err
	}
	if len(v) != 2+len(keys) {
		return state.FixedResult{}, fmt.Errorf("redis fixed: %d values", len(v))
	}
	return state.FixedResult{Refused: int(v[0]) - 1, ByBytes: v[1] == 1, Calls: v[2:]}, nil
}

// FixedAdd implements state.Counters.
func (s *Store) FixedAdd(ctx context.Context, key string, w state.Window, calls, bytes int64) (int64, error) {
	ws, we, ttl := windowArgs(w)
	var c int64
	err := s.call(ctx, "fixed_add", func(ctx context.Context) error {
		var err error
		c, err = fixedAddScript.Run(ctx, s.c, []string{s.counterKey(key)}, ws, we, calls, bytes, ttl).Int64()
		return err
	})
	return c, err
}

// A cache entry is its expiry (unix nanoseconds, 8 bytes big-endian) then
// the value.

// CacheGet implements state.Cache.
func (s *Store) CacheGet(ctx context.Context, key string, now time.Time) ([]byte, time.Time, bool, error) {
	var b []byte
	err := s.call(ctx, "cache_get", func(ctx context.Context) error {
		var err error
		b, err = s.c.Get(ctx, s.cacheKey(key)).Bytes()
		return err
	})
	if err != nil || len(b) < 8 {
		return nil, time.Time{}, false, err
	}
	exp := time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
	if !now.Before(exp) {
		return nil, time.Time{}, false, nil
	}
	return b[8:], exp, true, nil
}

// CacheSet implements state.Cache.
func (s *Store) CacheSet(ctx context.Context, key string, value []byte, now, expires time.Time) error {
	ttl := expires.Sub(now)
	if ttl <= 0 {
		return s.CacheDelete(ctx, key)
	}
	b := make([]byte, 8+len(value))
	binary.BigEndian.PutUint64(b, uint64(expires.UnixNano()))
	copy(b[8:], value)
	return s.call(ctx, "cache_set", func(ctx context.Context) error {
		return s.c.Set(ctx, s.cacheKey(key), b, ttl).Err()
	})
}

// CacheDelete implements state.Cache.
func (s *Store) CacheDelete(ctx context.Context, key string) error {
	return s.call(ctx, "cache_delete", func(ctx context.Context) error {
		return s.c.Del(ctx, s.cacheKey(key)).Err()
	})
}
