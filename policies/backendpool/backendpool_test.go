package backendpool

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"PT1M": time.Minute, "PT30S": 30 * time.Second, "P1DT2H": 26 * time.Hour, "PT0.5S": 500 * time.Millisecond, "pt1h30m": 90 * time.Minute} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1m", "P", "PT", "P1M", "PTXS", "PT1", "P1Y", "PT99999999999999999999S", "P999999999D"} {
		if d, err := ParseDuration(in); err == nil {
			t.Errorf("%q accepted as %v", in, d)
		}
	}
}

func TestBreakerPercentageWindow(t *testing.T) {
	reg := NewRegistry()
	b := reg.Breaker("x", []Rule{{Percentage: 50, Interval: 10 * time.Second, StatusCodeRanges: []Range{{500, 599}}, TripDuration: time.Minute}})
	b.Record(t0, 200, "", 0)
	b.Record(t0, 200, "", 0)
	if b.Record(t0, 500, "", 0) || !b.Allow(t0) {
		t.Fatal("1 of 3 failed: below 50%")
	}
	if !b.Record(t0, 502, "", 0) || b.Allow(t0) {
		t.Fatal("2 of 4 failed: trips")
	}
	if b.Trips() != 1 || !b.Allow(t0.Add(time.Minute)) {
		t.Errorf("trips %d; closed after tripDuration", b.Trips())
	}
	// A new window forgets the old calls.
	b.Record(t0.Add(2*time.Minute), 500, "", 0)
	if b.Allow(t0.Add(2 * time.Minute)) {
		t.Error("1 of 1 in a fresh window is 100%")
	}
	if reg.Breaker("x", b.rules) != b {
		t.Error("same rules keep the breaker (and its state) across reloads")
	}
	if reg.Breaker("x", []Rule{{Count: 1, TripDuration: time.Second}}) == b {
		t.Error("changed rules get a fresh breaker")
	}
}

func TestBreakerErrorReasons(t *testing.T) {
	b := NewRegistry().Breaker("x", []Rule{{Count: 1, ErrorReasons: []string{"timeout"}, TripDuration: time.Second}})
	if b.Record(t0, 0, "BackendConnectionFailure", 0) {
		t.Error("a connection failure is not listed")
	}
	if !b.Record(t0, 0, "Timeout", 0) {
		t.Error("a timeout is listed (case-insensitively)")
	}
	c := NewRegistry().Breaker("y", []Rule{{Count: 1, StatusCodeRanges: []Range{{500, 599}}, TripDuration: time.Second}})
	if !c.Record(t0, 0, "BackendConnectionFailure", 0) {
		t.Error("without errorReasons a call with no response is a failure")
	}
}

func TestPoolPriorityAndWeights(t *testing.T) {
	reg := NewRegistry()
	rule := []Rule{{Count: 1, StatusCodeRanges: []Range{{429, 429}}, TripDuration: time.Minute, AcceptRetryAfter: true}}
	ba, bb := reg.Breaker("a", rule), reg.Breaker("b", rule)
	p := NewPool([]Member{{ID: "a", Priority: 1, Weight: 2}, {ID: "b", Priority: 1, Weight: 1}, {ID: "c", Priority: 2}}, []*Breaker{ba, bb, nil})
	counts := map[int]int{}
	for range 300 {
		i, _ := p.Pick(t0)
		counts[i]++
	}
	if counts[0] != 200 || counts[1] != 100 || counts[2] != 0 {
		t.Errorf("2:1 within priority 1, none to priority 2: %v", counts)
	}
	ba.Record(t0, 429, "", 5*time.Second)
	for range 4 {
		if i, _ := p.Pick(t0); i != 1 {
			t.Fatalf("a tripped: b takes every call, got %d", i)
		}
	}
	bb.Record(t0, 429, "", 0)
	if i, _ := p.Pick(t0); i != 2 {
		t.Errorf("group 1 all tripped: priority 2, got %d", i)
	}
	if i, _ := p.Pick(t0.Add(5 * time.Second)); i != 0 {
		t.Errorf("a's Retry-After is over: back to a, got %d", i)
	}
	q := NewPool([]Member{{ID: "a"}, {ID: "b"}}, []*Breaker{ba, bb})
	if _, ok := q.Pick(t0); ok {
		t.Error("every member tripped")
	}
	if got := q.ReopensAt(t0); !got.Equal(t0.Add(5 * time.Second)) {
		t.Errorf("reopens at %v", got)
	}
}

// BenchmarkAllow is the baseline: a single backend's breaker check.
func BenchmarkAllow(b *testing.B) {
	br := NewRegistry().Breaker("a", []Rule{{Count: 1, TripDuration: time.Hour}})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !br.Allow(t0) {
				b.Fatal("tripped")
			}
		}
	})
}

// BenchmarkPickAndAllow is the per-request cost of a pool: pick a member
// (skipping a tripped one) and check its breaker.
func BenchmarkPickAndAllow(b *testing.B) {
	reg := NewRegistry()
	rule := []Rule{{Count: 1, StatusCodeRanges: []Range{{429, 429}}, TripDuration: time.Hour}}
	br := []*Breaker{reg.Breaker("a", rule), reg.Breaker("b", rule), reg.Breaker("c", rule)}
	p := NewPool([]Member{{ID: "a", Priority: 1, Weight: 3}, {ID: "b", Priority: 1, Weight: 1}, {ID: "c", Priority: 2}}, br)
	br[0].Record(t0, 429, "", 0)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if i, ok := p.Pick(t0); !ok || !br[i].Allow(t0) {
				b.Fatal("no member")
			}
		}
	})
}

// FuzzParseDuration: configuration text never panics the parser, and what
// it accepts is never negative.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"PT1M", "P1DT2H30M", "PT0.5S", "P", "PT", "P1Y", "PT1,5S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := ParseDuration(s); err == nil && d < 0 {
			t.Fatalf("%q: %v", s, d)
		}
	})
}
