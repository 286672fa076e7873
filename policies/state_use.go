package policies

import (
	"context"
	"net/http"

	"github.com/policygate/policygate/policies/state"
)

// stateOf is the backend holding the counters of the run's gateway: the
// shared one when configured, else the in-memory stores.
func stateOf(r *Run) state.Backend {
	s := StoresOf(r.Env)
	if s.Shared != nil {
		return s.Shared
	}
	return MemoryState(s)
}

// stateCtx bounds backend calls by the request (the backend adds its own
// timeout).
func stateCtx(r *Run) context.Context {
	if r.Context != nil {
		return r.Context
	}
	return context.Background()
}

// ReasonStateUnavailable is the reason of a limit that failed closed.
const ReasonStateUnavailable = "StateBackendUnavailable"

// stateFailed decides a limit whose counters could not be reached: nil
// (fail open, the call is served) or, when the backend fails closed, a
// 429 answer.
func stateFailed(r *Run, source string, err error) error {
	if !stateOf(r).Failed(source, err) {
		return nil
	}
	return &Error{
		Source:  source,
		Reason:  ReasonStateUnavailable,
		Message: "Rate limit could not be checked",
		Body:    "Rate limit could not be checked. Try again in 1 seconds.",
		Status:  http.StatusTooManyRequests,
		Header:  http.Header{"Retry-After": {"1"}},
		Err:     err,
	}
}

// cacheOf is the cache a caching-type selects: the shared backend for
// external and prefer-external when one is configured (nil otherwise: the
// in-memory cache of Stores.Cache holds the value as is).
func cacheOf(r *Run, cachingType string) state.Cache {
	s := StoresOf(r.Env)
	if s.Shared == nil || cachingType == "internal" {
		return nil
	}
	return s.Shared
}
