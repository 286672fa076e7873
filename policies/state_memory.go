package policies

import (
	"context"
	"time"

	"github.com/policygate/policygate/policies/state"
)

// MemoryState is the in-memory state.Backend over a gateway's Stores: the
// counters and cache of store.go, each decision under the store's lock.
func MemoryState(s *Stores) state.Backend { return memoryState{s} }

type memoryState struct{ s *Stores }

var _ state.Backend = memoryState{}

func (m memoryState) Sliding(_ context.Context, now time.Time, t state.SlidingTake) (state.SlidingResult, error) {
	res := state.SlidingResult{Allowed: true, Remaining: -1}
	m.s.Counters.Locked(func(cs Counters) {
		logs := make([]*SlidingLog, len(t.Limits))
		var retry time.Duration
		first := true
		for i, l := range t.Limits {
			logs[i] = cs.Sliding(l.Key, now, l.Period)
			c := logs[i].Count(now, l.Period)
			switch {
			case c >= l.Limit:
				retry = max(retry, logs[i].RetryAfter(now, l.Period, l.Limit))
			case t.MustFit && t.N > 0 && c+t.N > l.Limit:
				w := l.Period
				if t.N <= l.Limit {
					w = logs[i].RetryAfter(now, l.Period, l.Limit-t.N+1)
				}
				retry = max(retry, w)
			}
			if rem := l.Limit - c; first || rem < res.Remaining {
				res.Remaining, res.Total, first = rem, l.Limit, false
			}
		}
		if retry > 0 {
			res.Allowed, res.RetryAfter = false, retry
			return
		}
		if !t.Add {
			return
		}
		for _, log := range logs {
			log.Add(now, t.N)
		}
		res.Remaining -= t.N
	})
	return res, nil
}

func (m memoryState) SlidingAdd(_ context.Context, key string, period time.Duration, at time.Time, n int64, countAt time.Time) (int64, error) {
	var c int64
	m.s.Counters.Sliding(key, at, period, func(l *SlidingLog) {
		if n != 0 {
			l.Add(at, n)
		}
		c = l.Count(countAt, period)
	})
	return c, nil
}

func (m memoryState) Fixed(_ context.Context, t state.FixedTake) (state.FixedResult, error) {
	res := state.FixedResult{Refused: -1, Calls: make([]int64, len(t.Limits))}
	m.s.Counters.Locked(func(cs Counters) {
		cnt := make([]*FixedCounter, len(t.Limits))
		for i, l := range t.Limits {
			cnt[i] = cs.Fixed(l.Key, Window(l.Window))
			c := cnt[i]
			switch {
			case l.Calls >= 0 && (c.Calls >= l.Calls || t.MustFit && t.Calls > 0 && c.Calls+t.Calls > l.Calls):
				res.Refused = i
			case l.Bytes >= 0 && c.Bytes >= l.Bytes:
				res.Refused, res.ByBytes = i, true
			}
			if res.Refused >= 0 {
				break
			}
		}
		for i, c := range cnt {
			if c == nil {
				continue
			}
			if res.Refused < 0 && t.Add {
				c.Calls += t.Calls
				c.Bytes += t.Bytes
			}
			res.Calls[i] = c.Calls
		}
	})
	return res, nil
}

func (m memoryState) FixedAdd(_ context.Context, key string, w state.Window, calls, bytes int64) (int64, error) {
	var n int64
	m.s.Counters.Locked(func(cs Counters) {
		cs.FixedAdd(key, Window(w), calls, bytes)
		n = cs.Fixed(key, Window(w)).Calls
	})
	return n, nil
}

func (m memoryState) CacheGet(_ context.Context, key string, now time.Time) ([]byte, time.Time, bool, error) {
	v, exp, ok := m.s.Cache.Get(key, now)
	b, _ := v.([]byte)
	return append([]byte(nil), b...), exp, ok && b != nil, nil
}

func (m memoryState) CacheSet(_ context.Context, key string, value []byte, now, expires time.Time) error {
	if !now.Before(expires) {
		m.s.Cache.Delete(key)
		return nil
	}
	m.s.Cache.Set(key, append([]byte(nil), value...), int64(len(value))+int64(len(key))+32, expires)
	return nil
}

func (m memoryState) CacheDelete(_ context.Context, key string) error {
	m.s.Cache.Delete(key)
	return nil
}

func (memoryState) Failed(string, error) bool { return false }
