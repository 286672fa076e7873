package conformance

import (
	"io"
	"log/slog"
	"net/http"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway"
)

func init() { DefaultGateway = RealGateway }

// RealGateway builds package gateway's handler with the runner's client,
// frozen clock, tracing and observer. It loads strictly: a policy that is
// not implemented fails the case instead of being skipped, so no case
// passes because a policy silently did nothing. Its log goes nowhere: what
// a case shows is in its diffs and, with --trace, its policy trace.
func RealGateway(cfg *engine.Config, env GatewayEnv) (http.Handler, error) {
	opts := []gateway.Option{
		gateway.WithClient(env.Client),
		gateway.WithClock(env.Now),
		gateway.WithTracing(env.Tracing),
		gateway.WithObserver(env.Observe),
		gateway.WithStrict(true),
		gateway.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	}
	if env.Stores != nil {
		opts = append(opts, gateway.WithStores(env.Stores))
	}
	g, errs := gateway.New(cfg, opts...)
	if len(errs) > 0 {
		return nil, errs
	}
	return g, nil
}
