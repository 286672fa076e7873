package gateway

import (
	"time"

	"github.com/policygate/policygate/expressions/dotnet"
)

// DefaultExprMemoryTotal is expressions.budget.memory.total: four requests
// at their whole memory budget.
const DefaultExprMemoryTotal = 1 << 30

// WithExpressionBudget sets the per-request expression budget: the
// wall-clock time of one evaluation and the bytes the request's expressions
// may build (zero keeps the defaults). Running out answers 500 with
// context.LastError, as any expression failure does.
func WithExpressionBudget(timeout time.Duration, maxBytes int64) Option {
	return func(o *options) { o.exprTime, o.exprMem = timeout, maxBytes }
}

// WithExpressionPool bounds what the expressions of all requests in flight
// charge together (the gateways of one server share the pool).
func WithExpressionPool(p *dotnet.MemoryPool) Option {
	return func(o *options) { o.exprPool = p }
}
