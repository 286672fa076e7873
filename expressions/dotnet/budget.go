package dotnet

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// MaxStringLength bounds every string an expression builds (32 Mi
// characters); beyond it the producer throws OutOfMemoryException.
const MaxStringLength = 32 << 20

// MaxCollectionLength bounds the elements of an array, list or
// materialised sequence an expression builds.
const MaxCollectionLength = 1 << 22

// ElemBytes is what one element of an array or collection is charged
// against a memory budget.
const ElemBytes = 16

// RequestBudget is what the expressions of one request may spend: a
// wall-clock time per evaluation and the bytes of the values they build
// across the request. The zero value (and nil) limits nothing.
type RequestBudget struct {
	Timeout  time.Duration   // per evaluation; 0: none
	MaxBytes int64           // per request; 0: none
	Done     <-chan struct{} // closed when the request is abandoned (client gone)
	// Pool, when set, bounds what all requests in flight have charged
	// together; Release gives this request's share back.
	Pool *MemoryPool
	used atomic.Int64

	poolMu   sync.Mutex
	inPool   int64
	released bool
}

// MemoryPool bounds the bytes charged by the requests in flight together,
// so that many requests each within its budget cannot exhaust the process.
type MemoryPool struct {
	Max  int64 // 0: none
	used atomic.Int64
}

// Used returns the bytes charged by the requests in flight.
func (p *MemoryPool) Used() int64 { return p.used.Load() }

// Release returns the request's charges to its pool; later charges do not
// count there.
func (r *RequestBudget) Release() {
	if r == nil || r.Pool == nil {
		return
	}
	r.poolMu.Lock()
	defer r.poolMu.Unlock()
	if !r.released {
		r.released = true
		r.Pool.used.Add(-r.inPool)
		r.inPool = 0
	}
}

func (r *RequestBudget) chargePool(n int64) error {
	r.poolMu.Lock()
	defer r.poolMu.Unlock()
	if r.released || r.Pool.Max <= 0 {
		return nil
	}
	r.inPool += n
	if r.Pool.used.Add(n) > r.Pool.Max {
		return &BudgetError{Msg: fmt.Sprintf("expression values of the requests in flight exceeded the gateway's memory budget of %d bytes", r.Pool.Max)}
	}
	return nil
}

// Used returns the bytes charged so far.
func (r *RequestBudget) Used() int64 {
	if r == nil {
		return 0
	}
	return r.used.Load()
}

// Start returns the budget of one evaluation. Its clock starts at the
// first Check (reading the clock on every evaluation would cost more than
// a short expression).
func (r *RequestBudget) Start() Budget {
	if r == nil {
		return Budget{}
	}
	return Budget{req: r, done: r.Done}
}

// Budget is the budget of one evaluation; methods on a nil or zero Budget
// never fail. It is a small value: lazy sequences keep a copy.
type Budget struct {
	req      *RequestBudget
	done     <-chan struct{}
	deadline time.Time
}

// BudgetError says an evaluation ran out of time or memory. It is not a
// .NET exception: try/catch in a policy cannot catch it.
type BudgetError struct{ Msg string }

func (e *BudgetError) Error() string { return e.Msg }

// Check fails when the evaluation is past its deadline or its request was
// abandoned.
func (b *Budget) Check() error {
	if b == nil {
		return nil
	}
	if b.done != nil {
		select {
		case <-b.done:
			return &BudgetError{Msg: "expression evaluation stopped: the request was abandoned"}
		default:
		}
	}
	if b.req == nil || b.req.Timeout <= 0 {
		return nil
	}
	switch now := time.Now(); {
	case b.deadline.IsZero():
		b.deadline = now.Add(b.req.Timeout)
	case now.After(b.deadline):
		return &BudgetError{Msg: fmt.Sprintf("expression evaluation exceeded its time budget of %s", b.req.Timeout)}
	}
	return nil
}

// Alloc charges n bytes before they are allocated.
func (b *Budget) Alloc(n int64) error {
	if b == nil || b.req == nil {
		return nil
	}
	return b.req.Alloc(n)
}

// Alloc charges n bytes to the request.
func (r *RequestBudget) Alloc(n int64) error {
	if r == nil || n <= 0 {
		return nil
	}
	if r.Pool != nil {
		if err := r.chargePool(n); err != nil {
			return err
		}
	}
	if r.MaxBytes <= 0 {
		return nil
	}
	if r.used.Add(n) > r.MaxBytes {
		return &BudgetError{Msg: fmt.Sprintf("expression values exceeded the memory budget of %d bytes", r.MaxBytes)}
	}
	return nil
}

// AllocElems checks a collection of n elements against the collection cap
// and charges it.
func (b *Budget) AllocElems(n int) error {
	if n > MaxCollectionLength {
		return CollectionTooLong()
	}
	return b.Alloc(int64(n) * ElemBytes)
}

// StringTooLong is the error of a producer whose string would pass
// MaxStringLength.
func StringTooLong() *Exception {
	return Throw("System.OutOfMemoryException", "string longer than %d characters", MaxStringLength)
}

// CollectionTooLong is the error of a producer whose collection would pass
// MaxCollectionLength.
func CollectionTooLong() *Exception {
	return Throw("System.OutOfMemoryException", "Array dimensions exceeded supported range.")
}
