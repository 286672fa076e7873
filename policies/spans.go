package policies

import "context"

// SpanFunc starts a span named name, with string attributes given as
// key, value pairs, as a child of the span in ctx; end finishes it with the
// step's error. The gateway sets it when it exports traces.
type SpanFunc func(ctx context.Context, name string, attrs ...string) (_ context.Context, end func(error))

// StartSpan starts a span for work a policy does on the request's behalf
// (send-request, a token acquisition). Without tracing it returns the
// request's context and an end that does nothing.
func (r *Run) StartSpan(name string, attrs ...string) (context.Context, func(error)) {
	ctx := r.Context
	if ctx == nil {
		ctx = context.Background()
	}
	if r.Env == nil || r.Env.Span == nil {
		return ctx, func(error) {}
	}
	if r.Stmt != nil && r.Stmt.Path != "" {
		attrs = append(attrs, "apim.policy.path", r.Stmt.Path)
	}
	return r.Env.Span(ctx, name, attrs...)
}
