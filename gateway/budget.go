package gateway

import "time"

// WithExpressionBudget sets the per-request expression budget: the
// wall-clock time of one evaluation and the bytes the request's expressions
// may build (zero keeps the defaults). Running out answers 500 with
// context.LastError, as any expression failure does.
func WithExpressionBudget(timeout time.Duration, maxBytes int64) Option {
	return func(o *options) { o.exprTime, o.exprMem = timeout, maxBytes }
}
