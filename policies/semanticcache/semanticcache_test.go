package semanticcache

import (
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestDistance(t *testing.T) {
	if d := Distance([]float64{1, 0}, []float64{2, 0}); math.Abs(d) > 1e-12 {
		t.Errorf("same direction %v", d)
	}
	if d := Distance([]float64{1, 0}, []float64{0, 3}); math.Abs(d-1) > 1e-12 {
		t.Errorf("orthogonal %v", d)
	}
	if d := Distance([]float64{1, 0}, []float64{1, 0, 0}); d != 1 {
		t.Errorf("different lengths %v", d)
	}
}

func TestIndexLookupExpiryBound(t *testing.T) {
	x := New(2)
	x.Store("p", []float64{1, 0}, Entry{Body: []byte("a")}, t0, time.Minute)
	x.Store("q", []float64{1, 0}, Entry{Body: []byte("q")}, t0, time.Minute)
	if e, _, ok := x.Lookup("p", []float64{0.99, 0.1}, 0.05, t0); !ok || string(e.Body) != "a" {
		t.Errorf("near: %q %v", e.Body, ok)
	}
	if _, d, ok := x.Lookup("p", []float64{0.5, 0.5}, 0.05, t0); ok {
		t.Errorf("far (distance %v) is a miss", d)
	}
	if _, _, ok := x.Lookup("p", []float64{1, 0}, 0, t0.Add(time.Minute)); ok {
		t.Error("expired")
	}
	x.Store("p", []float64{0, 1}, Entry{Body: []byte("b")}, t0, time.Minute)
	if x.Len() != 2 {
		t.Errorf("bounded: %d", x.Len())
	}
	if _, _, ok := x.Lookup("p", []float64{1, 0}, 0.01, t0); ok {
		t.Error("the oldest entry was evicted")
	}
	if _, _, ok := x.Lookup("q", []float64{1, 0}, 0.01, t0); !ok {
		t.Error("q kept")
	}
}
