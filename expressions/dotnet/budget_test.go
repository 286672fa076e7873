package dotnet

import (
	"errors"
	"strings"
	"testing"
)

func TestMemoryPoolBoundsTheRequestsInFlight(t *testing.T) {
	pool := &MemoryPool{Max: 1000}
	a := &RequestBudget{MaxBytes: 800, Pool: pool}
	b := &RequestBudget{MaxBytes: 800, Pool: pool}
	if err := a.Alloc(600); err != nil {
		t.Fatal(err)
	}
	var be *BudgetError
	if err := b.Alloc(600); !errors.As(err, &be) || !strings.Contains(be.Msg, "requests in flight") {
		t.Fatalf("second request: %v, want the pool's budget error", err)
	}
	a.Release()
	b.Release()
	a.Release() // twice is harmless
	if pool.Used() != 0 {
		t.Fatalf("pool holds %d bytes after both released", pool.Used())
	}
	c := &RequestBudget{MaxBytes: 800, Pool: pool}
	if err := c.Alloc(600); err != nil {
		t.Fatalf("after release: %v", err)
	}
	if err := c.Alloc(300); !errors.As(err, &be) || !strings.Contains(be.Msg, "memory budget of 800 bytes") {
		t.Fatalf("per-request budget: %v", err)
	}
	c.Release()
	c.Alloc(10) // after release it counts against the request only
	if pool.Used() != 0 {
		t.Fatalf("pool holds %d bytes after a charge past release", pool.Used())
	}
}
