package redisstate_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/policygate/policygate/policies"
	"github.com/policygate/policygate/policies/state"
	"github.com/policygate/policygate/policies/state/redisstate"
	"github.com/policygate/policygate/policies/state/redisstate/redistest"
	"github.com/policygate/policygate/policies/state/statetest"
)

var prefixes atomic.Int64

func newStore(t *testing.T, url string, o redisstate.Options) *redisstate.Store {
	t.Helper()
	o.URL = url
	if o.Prefix == "" {
		o.Prefix = fmt.Sprintf("test%d:", prefixes.Add(1))
	}
	s, err := redisstate.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestRedisStateBackend runs the backend cases the in-memory backend
// passes (policies.TestMemoryStateBackend) against a real redis-server.
func TestRedisStateBackend(t *testing.T) {
	srv := redistest.Start(t)
	statetest.Run(t, func(t *testing.T) state.Backend {
		return newStore(t, srv.URL(), redisstate.Options{Timeout: time.Second})
	})
}

func TestRedisStateFailsOpenAndRecovers(t *testing.T) {
	srv := redistest.Start(t)
	var logs bytes.Buffer
	s := newStore(t, srv.URL(), redisstate.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), Backoff: 50 * time.Millisecond})
	ctx := context.Background()
	tk := state.SlidingTake{Limits: []state.SlidingLimit{{Key: "{k}", Limit: 100, Period: time.Minute}}, N: 1, Add: true}
	if _, err := s.Sliding(ctx, time.Now(), tk); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	start := time.Now()
	for range 50 {
		if _, err := s.Sliding(ctx, time.Now(), tk); err == nil {
			t.Fatal("no error with redis down")
		}
		if s.Failed("rate-limit", fmt.Errorf("down")) {
			t.Fatal("failed closed without FailClosed")
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("50 calls with redis down took %v", d)
	}
	if n := strings.Count(logs.String(), "fail open"); n != 1 {
		t.Fatalf("%d fail-open warnings in one interval, want 1:\n%s", n, logs.String())
	}
	srv.Restart()
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, err := s.Sliding(ctx, time.Now(), tk)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not reconnected within 2s: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	closed := newStore(t, srv.URL(), redisstate.Options{FailClosed: true})
	if !closed.Failed("rate-limit", fmt.Errorf("down")) {
		t.Fatal("FailClosed store did not refuse")
	}
}

// BenchmarkSliding times one rate-limit decision (a sliding take on one
// busy key) on Redis over loopback against the in-memory backend, with
// the p99 of single calls.
func BenchmarkSliding(b *testing.B) {
	srv := redistest.Start(b)
	rs, err := redisstate.New(redisstate.Options{URL: srv.URL(), Prefix: "bench:"})
	if err != nil {
		b.Fatal(err)
	}
	defer rs.Close()
	for _, bc := range []struct {
		name string
		b    state.Backend
	}{{"memory", policies.MemoryState(policies.NewStores())}, {"redis", rs}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			tk := state.SlidingTake{Limits: []state.SlidingLimit{{Key: "{k}", Limit: 1 << 40, Period: time.Minute}}, N: 1, Add: true}
			lat := make([]time.Duration, 0, 1<<16)
			for b.Loop() {
				t0 := time.Now()
				if _, err := bc.b.Sliding(ctx, t0, tk); err != nil {
					b.Fatal(err)
				}
				if len(lat) < cap(lat) {
					lat = append(lat, time.Since(t0))
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}

// TestRedisClusterStateBackend runs the backend cases on a three-node
// Redis Cluster: counters checked together share a hash tag, so the
// multi-key scripts never cross slots.
func TestRedisClusterStateBackend(t *testing.T) {
	c := redistest.StartCluster(t, 3)
	statetest.Run(t, func(t *testing.T) state.Backend {
		return newStore(t, c.URL(), redisstate.Options{Timeout: 2 * time.Second})
	})
}

// TestRedisSentinelStateBackend reaches the primary through a sentinel
// (cache.redis.url with master_name).
func TestRedisSentinelStateBackend(t *testing.T) {
	s := redistest.StartSentinel(t)
	statetest.Run(t, func(t *testing.T) state.Backend {
		return newStore(t, s.URL(), redisstate.Options{Timeout: 2 * time.Second})
	})
	if s.Primary.DBSize() == 0 {
		t.Fatal("nothing reached the primary")
	}
}
