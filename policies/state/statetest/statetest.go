// Package statetest holds the cases every state.Backend must pass, with
// the same expectations for the in-memory and the Redis backend.
package statetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/policygate/policygate/policies/state"
)

// t0 is a whole second, so upSec(t0) == t0.
var t0 = time.Unix(1_800_000_000, 0).UTC()

func sliding(key string, limit int64, period time.Duration) state.SlidingLimit {
	return state.SlidingLimit{Key: key, Limit: limit, Period: period}
}

// Run runs every case on a fresh backend from newBackend.
func Run(t *testing.T, newBackend func(t *testing.T) state.Backend) {
	ctx := context.Background()
	take := func(t *testing.T, b state.Backend, now time.Time, tk state.SlidingTake) state.SlidingResult {
		t.Helper()
		r, err := b.Sliding(ctx, now, tk)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	t.Run("sliding window counts calls for a full period", func(t *testing.T) {
		b := newBackend(t)
		tk := state.SlidingTake{Limits: []state.SlidingLimit{sliding("{a}", 3, 10*time.Second)}, N: 1, Add: true}
		for i, wantRem := range []int64{2, 1, 0} {
			r := take(t, b, t0, tk)
			if !r.Allowed || r.Remaining != wantRem || r.Total != 3 {
				t.Fatalf("call %d: %+v, want allowed with %d remaining of 3", i+1, r, wantRem)
			}
		}
		if r := take(t, b, t0.Add(500*time.Millisecond), tk); r.Allowed || r.RetryAfter != 9500*time.Millisecond {
			t.Fatalf("4th call: %+v, want refused, retry after 9.5s", r)
		}
		if r := take(t, b, t0.Add(9*time.Second), tk); r.Allowed || r.RetryAfter != time.Second {
			t.Fatalf("at +9s: %+v, want refused, retry after 1s", r)
		}
		if r := take(t, b, t0.Add(10*time.Second), tk); !r.Allowed || r.Remaining != 2 {
			t.Fatalf("at +10s: %+v, want allowed with 2 remaining", r)
		}
	})

	t.Run("a call at a fraction of a second counts from the next second", func(t *testing.T) {
		b := newBackend(t)
		tk := state.SlidingTake{Limits: []state.SlidingLimit{sliding("{frac}", 1, 5*time.Second)}, N: 1, Add: true}
		take(t, b, t0.Add(200*time.Millisecond), tk)
		if r := take(t, b, t0.Add(5*time.Second), tk); r.Allowed || r.RetryAfter != time.Second {
			t.Fatalf("at +5s: %+v, want refused, retry after 1s", r)
		}
		if r := take(t, b, t0.Add(6*time.Second), tk); !r.Allowed {
			t.Fatalf("at +6s: %+v, want allowed", r)
		}
	})

	t.Run("a check without add counts nothing", func(t *testing.T) {
		b := newBackend(t)
		lim := []state.SlidingLimit{sliding("{check}", 1, 10*time.Second)}
		for range 3 {
			if r := take(t, b, t0, state.SlidingTake{Limits: lim, N: 1}); !r.Allowed || r.Remaining != 1 {
				t.Fatalf("check: %+v, want allowed with 1 remaining", r)
			}
		}
	})

	t.Run("without must-fit only a reached limit refuses", func(t *testing.T) {
		b := newBackend(t)
		lim := []state.SlidingLimit{sliding("{big}", 5, 10*time.Second)}
		if r := take(t, b, t0, state.SlidingTake{Limits: lim, N: 4, Add: true}); !r.Allowed || r.Remaining != 1 {
			t.Fatalf("first: %+v", r)
		}
		if r := take(t, b, t0, state.SlidingTake{Limits: lim, N: 4, Add: true}); !r.Allowed || r.Remaining != -3 {
			t.Fatalf("second (allowed past the limit): %+v", r)
		}
		if r := take(t, b, t0, state.SlidingTake{Limits: lim, N: 1, Add: true}); r.Allowed || r.RetryAfter != 10*time.Second {
			t.Fatalf("third: %+v, want refused for 10s", r)
		}
	})

	t.Run("must-fit refuses an amount that does not fit", func(t *testing.T) {
		b := newBackend(t)
		lim := []state.SlidingLimit{sliding("{tok}", 10, time.Minute)}
		if r := take(t, b, t0, state.SlidingTake{Limits: lim, N: 6, Add: true, MustFit: true}); !r.Allowed || r.Remaining != 4 {
			t.Fatalf("6 of 10: %+v", r)
		}
		if r := take(t, b, t0.Add(3*time.Second), state.SlidingTake{Limits: lim, N: 6, Add: true, MustFit: true}); r.Allowed || r.RetryAfter != 57*time.Second {
			t.Fatalf("6 more: %+v, want refused for 57s (until the first 6 expire)", r)
		}
		if r := take(t, b, t0.Add(3*time.Second), state.SlidingTake{Limits: lim, N: 11, Add: true, MustFit: true}); r.Allowed || r.RetryAfter != time.Minute {
			t.Fatalf("11 (more than the limit): %+v, want refused for a whole minute", r)
		}
		if r := take(t, b, t0.Add(3*time.Second), state.SlidingTake{Limits: lim, N: 4, Add: true, MustFit: true}); !r.Allowed || r.Remaining != 0 {
			t.Fatalf("4 that fit: %+v", r)
		}
	})

	t.Run("several limits are checked and counted together", func(t *testing.T) {
		b := newBackend(t)
		tk := state.SlidingTake{Limits: []state.SlidingLimit{sliding("{g}", 5, 10*time.Second), sliding("{g}|op", 2, 20*time.Second)}, N: 1, Add: true}
		take(t, b, t0, tk)
		if r := take(t, b, t0, tk); !r.Allowed || r.Remaining != 0 || r.Total != 2 {
			t.Fatalf("second: %+v, want the op limit as tightest: 0 of 2", r)
		}
		if r := take(t, b, t0.Add(10*time.Second), tk); r.Allowed || r.RetryAfter != 10*time.Second {
			t.Fatalf("at +10s: %+v, want refused by the 20s op window for 10s", r)
		}
		// the refused call was not counted in the base counter
		if r := take(t, b, t0.Add(10*time.Second), state.SlidingTake{Limits: []state.SlidingLimit{sliding("{g}", 5, 10*time.Second)}, N: 1}); r.Remaining != 5 {
			t.Fatalf("base counter: %+v, want 5 remaining", r)
		}
	})

	t.Run("sliding add counts and corrects", func(t *testing.T) {
		b := newBackend(t)
		c, err := b.SlidingAdd(ctx, "{add}", time.Minute, t0, 7, t0)
		if err != nil || c != 7 {
			t.Fatalf("add 7: %d, %v", c, err)
		}
		if c, _ = b.SlidingAdd(ctx, "{add}", time.Minute, t0, -3, t0.Add(time.Second)); c != 4 {
			t.Fatalf("correct by -3: %d, want 4", c)
		}
		if c, _ = b.SlidingAdd(ctx, "{add}", time.Minute, t0, 0, t0.Add(time.Minute)); c != 0 {
			t.Fatalf("a minute later: %d, want 0", c)
		}
		if r := take(t, b, t0.Add(30*time.Second), state.SlidingTake{Limits: []state.SlidingLimit{sliding("{add}", 5, time.Minute)}, N: 1}); r.Remaining != 1 {
			t.Fatalf("take after adds: %+v, want 1 remaining", r)
		}
	})

	hour := state.Window{Start: t0, End: t0.Add(time.Hour)}
	next := state.Window{Start: hour.End, End: hour.End.Add(time.Hour)}
	fixed := func(t *testing.T, b state.Backend, tk state.FixedTake) state.FixedResult {
		t.Helper()
		r, err := b.Fixed(ctx, tk)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	t.Run("fixed window counts calls until it ends", func(t *testing.T) {
		b := newBackend(t)
		tk := state.FixedTake{Limits: []state.FixedLimit{{Key: "{q}", Window: hour, Calls: 2, Bytes: -1}}, Calls: 1, Add: true}
		for i := range 2 {
			if r := fixed(t, b, tk); r.Refused != -1 || r.Calls[0] != int64(i+1) {
				t.Fatalf("call %d: %+v", i+1, r)
			}
		}
		if r := fixed(t, b, tk); r.Refused != 0 || r.ByBytes || r.Calls[0] != 2 {
			t.Fatalf("3rd: %+v, want refused by limit 0 on calls", r)
		}
		tk.Limits[0].Window = next
		if r := fixed(t, b, tk); r.Refused != -1 || r.Calls[0] != 1 {
			t.Fatalf("next window: %+v, want a fresh count", r)
		}
	})

	t.Run("fixed window bandwidth and must-fit", func(t *testing.T) {
		b := newBackend(t)
		bw := state.FixedTake{Limits: []state.FixedLimit{{Key: "{bw}", Window: hour, Calls: -1, Bytes: 100}}, Calls: 1, Bytes: 100, Add: true}
		fixed(t, b, bw)
		if r := fixed(t, b, bw); r.Refused != 0 || !r.ByBytes {
			t.Fatalf("after 100 bytes: %+v, want refused on bandwidth", r)
		}
		fit := state.FixedTake{Limits: []state.FixedLimit{{Key: "{fit}", Window: hour, Calls: 10, Bytes: -1}}, Calls: 8, Add: true, MustFit: true}
		fixed(t, b, fit)
		if r := fixed(t, b, fit); r.Refused != 0 || r.Calls[0] != 8 {
			t.Fatalf("8 more of 10: %+v, want refused", r)
		}
		fit.Calls = 2
		if r := fixed(t, b, fit); r.Refused != -1 || r.Calls[0] != 10 {
			t.Fatalf("2 more: %+v, want 10 counted", r)
		}
	})

	t.Run("several fixed limits refuse together and a window that never ends", func(t *testing.T) {
		b := newBackend(t)
		forever := state.Window{Start: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)}
		tk := state.FixedTake{Limits: []state.FixedLimit{
			{Key: "{m}", Window: forever, Calls: 3, Bytes: -1},
			{Key: "{m}|api", Window: hour, Calls: 1, Bytes: -1},
		}, Calls: 1, Add: true}
		fixed(t, b, tk)
		if r := fixed(t, b, tk); r.Refused != 1 {
			t.Fatalf("second: %+v, want refused by the api limit", r)
		}
		tk.Limits[1].Window = next
		if r := fixed(t, b, tk); r.Refused != -1 || r.Calls[0] != 2 || r.Calls[1] != 1 {
			t.Fatalf("next hour: %+v, want 2 and 1", r)
		}
	})

	t.Run("fixed add counts in its window only", func(t *testing.T) {
		b := newBackend(t)
		if c, err := b.FixedAdd(ctx, "{fa}", hour, 5, 10); err != nil || c != 5 {
			t.Fatalf("add to a new counter: %d, %v", c, err)
		}
		if c, _ := b.FixedAdd(ctx, "{fa}", hour, -2, 0); c != 3 {
			t.Fatalf("correct by -2: %d, want 3", c)
		}
		r := fixed(t, b, state.FixedTake{Limits: []state.FixedLimit{{Key: "{fa}", Window: hour, Calls: 4, Bytes: 10}}, Calls: 1})
		if r.Refused != 0 || !r.ByBytes || r.Calls[0] != 3 {
			t.Fatalf("check: %+v, want refused on the 10 bytes counted", r)
		}
		fixed(t, b, state.FixedTake{Limits: []state.FixedLimit{{Key: "{fa}", Window: next, Calls: 4, Bytes: -1}}, Calls: 1, Add: true})
		if c, _ := b.FixedAdd(ctx, "{fa}", hour, 1, 0); c != 0 {
			t.Fatalf("add to the ended window: %d, want dropped (0)", c)
		}
	})

	t.Run("concurrent takes never pass the limit", func(t *testing.T) {
		b := newBackend(t)
		tk := state.SlidingTake{Limits: []state.SlidingLimit{sliding("{race}", 20, time.Minute)}, N: 1, Add: true}
		var mu sync.Mutex
		allowed := 0
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 10 {
					r, err := b.Sliding(ctx, t0, tk)
					if err != nil {
						t.Error(err)
						return
					}
					if r.Allowed {
						mu.Lock()
						allowed++
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		if allowed != 20 {
			t.Fatalf("%d of 80 allowed, want 20", allowed)
		}
	})

	t.Run("cache entries expire by the caller's clock", func(t *testing.T) {
		b := newBackend(t)
		if err := b.CacheSet(ctx, "k", []byte("v1"), t0, t0.Add(30*time.Second)); err != nil {
			t.Fatal(err)
		}
		v, exp, ok, err := b.CacheGet(ctx, "k", t0.Add(29*time.Second))
		if err != nil || !ok || string(v) != "v1" || !exp.Equal(t0.Add(30*time.Second)) {
			t.Fatalf("before expiry: %q %v %v %v", v, exp, ok, err)
		}
		if _, _, ok, _ := b.CacheGet(ctx, "k", t0.Add(30*time.Second)); ok {
			t.Fatal("hit at expiry")
		}
		if _, _, ok, _ := b.CacheGet(ctx, "missing", t0); ok {
			t.Fatal("hit on a missing key")
		}
		b.CacheSet(ctx, "k", []byte("v2"), t0, t0.Add(time.Minute))
		if v, _, _, _ := b.CacheGet(ctx, "k", t0); string(v) != "v2" {
			t.Fatalf("after replace: %q", v)
		}
		if err := b.CacheDelete(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		if _, _, ok, _ := b.CacheGet(ctx, "k", t0); ok {
			t.Fatal("hit after delete")
		}
		b.CacheSet(ctx, "past", []byte("x"), t0, t0)
		if _, _, ok, _ := b.CacheGet(ctx, "past", t0.Add(-time.Second)); ok {
			t.Fatal("an entry stored already expired hits")
		}
	})
}
