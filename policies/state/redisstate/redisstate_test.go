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

func TestParseSentinelCredentials(t *testing.T) {
	o, err := redisstate.ParseURL("redis://sent:sentpw@s1:26379/3?master_name=m&password=masterpw")
	if err != nil {
		t.Fatal(err)
	}
	if o.SentinelUsername != "sent" || o.SentinelPassword != "sentpw" || o.Password != "masterpw" || o.MasterName != "m" || o.DB != 3 {
		t.Fatalf("sentinel %q/%q, master password %q, name %q, db %d", o.SentinelUsername, o.SentinelPassword, o.Password, o.MasterName, o.DB)
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		url     string
		addrs   []string
		cluster bool
		master  string
		tls     bool
		user    string
		pass    string
		db      int
		err     string
	}{
		{url: "redis://127.0.0.1:6379/2", addrs: []string{"127.0.0.1:6379"}, db: 2},
		{url: "rediss://app:s3cret@cache.example:6380/0", addrs: []string{"cache.example:6380"}, tls: true, user: "app", pass: "s3cret"},
		{url: "redis://:pw@a:7000?addr=b:7001&addr=c:7002", addrs: []string{"a:7000", "b:7001", "c:7002"}, cluster: true, pass: "pw"},
		{url: "redis://a:7000?cluster=true", addrs: []string{"a:7000"}, cluster: true},
		{url: "redis://s1:26379?master_name=mymaster&addr=s2:26379", addrs: []string{"s1:26379", "s2:26379"}, master: "mymaster"},
		{url: "http://x:1", err: `scheme "http" is not redis or rediss`},
		{url: "redis://u:topsecret@h:1/0?bogus=1", err: "bogus"},
	}
	for _, tc := range tests {
		o, err := redisstate.ParseURL(tc.url)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "topsecret") {
				t.Errorf("%s: error %v, want one naming %q without the password", tc.url, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		if fmt.Sprint(o.Addrs) != fmt.Sprint(tc.addrs) || o.IsClusterMode != tc.cluster || o.MasterName != tc.master ||
			(o.TLSConfig != nil) != tc.tls || o.Username != tc.user || o.Password != tc.pass || o.DB != tc.db {
			t.Errorf("%s: addrs %v cluster %v master %q tls %v user %q pass %q db %d", tc.url, o.Addrs, o.IsClusterMode, o.MasterName, o.TLSConfig != nil, o.Username, o.Password, o.DB)
		}
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
