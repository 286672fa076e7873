package policies

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

func TestSeriesLimiterCapsAndWarnsOnce(t *testing.T) {
	var warned atomic.Int32
	lim := NewSeriesLimiter(3, func(metric string, max int) {
		if metric != "req" || max != 3 {
			t.Errorf("warn(%q, %d)", metric, max)
		}
		warned.Add(1)
	})
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lim.Admit("req", map[string]string{"user": strconv.Itoa(i), "api": "a"})
		}()
	}
	wg.Wait()
	if n := lim.Series("req"); n != 3 {
		t.Errorf("%d series admitted, want 3", n)
	}
	if n := warned.Load(); n != 1 {
		t.Errorf("warned %d times, want 1", n)
	}
	in := map[string]string{"user": "new", "api": "a"}
	got := lim.Admit("req", in)
	if got["user"] != OverflowValue || got["api"] != OverflowValue || in["user"] != "new" {
		t.Errorf("overflow dims %v (input %v)", got, in)
	}
	// other metrics have their own cap
	if got := lim.Admit("other", map[string]string{"user": "x"}); got["user"] != "x" {
		t.Errorf("another metric: %v", got)
	}
	if NewSeriesLimiter(0, nil).Admit("m", map[string]string{"a": "b"})["a"] != "b" {
		t.Error("a zero cap must not cap")
	}
}

func TestMetricsRegistryFoldsOverflow(t *testing.T) {
	m := NewMetricsRegistry()
	m.Limit = NewSeriesLimiter(2, nil)
	for i := range 10 {
		m.Emit("req", "ns", 1, map[string]string{"ip": strconv.Itoa(i)})
	}
	m.Emit("req", "ns", 1, map[string]string{"ip": "0"})
	if s, ok := m.Get("req", map[string]string{"ip": "0"}); !ok || s.Count != 2 {
		t.Errorf("an admitted series: %+v %v", s, ok)
	}
	if s, ok := m.Get("req", map[string]string{"ip": OverflowValue}); !ok || s.Count != 8 {
		t.Errorf("the overflow series: %+v %v", s, ok)
	}
	if n := len(m.Series("req")); n != 3 {
		t.Errorf("%d series, want 2 and the overflow", n)
	}
}
