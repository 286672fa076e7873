package policies

import (
	"sync"
	"testing"
)

func TestMetricsRegistry(t *testing.T) {
	m := NewMetricsRegistry()
	m.Emit("req", "ns", 1, map[string]string{"a": "1"})
	m.Emit("req", "ns", 2, map[string]string{"a": "1"})
	m.Emit("req", "ns", 5, map[string]string{"a": "2"})
	m.Emit("other", "ns", 1, nil)
	s, ok := m.Get("req", map[string]string{"a": "1"})
	if !ok || s.Sum != 3 || s.Count != 2 || s.Namespace != "ns" {
		t.Errorf("a=1: %+v %v, want sum 3 count 2", s, ok)
	}
	if s, ok := m.Get("other", nil); !ok || s.Count != 1 {
		t.Errorf("other: %+v %v", s, ok)
	}
	if _, ok := m.Get("req", map[string]string{"a": "3"}); ok {
		t.Error("found a series never emitted")
	}
	if got := len(m.Series("req")); got != 2 {
		t.Errorf("%d req series, want 2", got)
	}
	if got := len(m.Series("")); got != 3 {
		t.Errorf("%d series in all, want 3", got)
	}
	// Returned series are copies.
	s.Dimensions["a"] = "changed"
	if _, ok := m.Get("req", map[string]string{"a": "1"}); !ok {
		t.Error("caller changed the registry through a returned series")
	}
}

func TestMetricsRegistryKeepsCallerMap(t *testing.T) {
	m := NewMetricsRegistry()
	d := map[string]string{"a": "1"}
	m.Emit("x", "ns", 1, d)
	d["a"] = "2"
	if _, ok := m.Get("x", map[string]string{"a": "1"}); !ok {
		t.Error("registry aliases the caller's dimension map")
	}
}

func TestMetricsRegistryConcurrent(t *testing.T) {
	m := NewMetricsRegistry()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				m.Emit("c", "ns", 1, map[string]string{"k": "v"})
				_ = m.Series("c")
			}
		})
	}
	wg.Wait()
	s, ok := m.Get("c", map[string]string{"k": "v"})
	if !ok || s.Count != 800 || s.Sum != 800 {
		t.Errorf("%+v, want 800", s)
	}
}
