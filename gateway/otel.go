package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/policygate/policygate/gateway/telemetry"
	"github.com/policygate/policygate/identity"
	"github.com/policygate/policygate/policies"
)

// startTelemetry starts the OTLP exporters when the settings turn them on;
// a bad setting is logged and leaves them off.
func (s *Server) startTelemetry() *telemetry.Telemetry {
	if !s.set.OTelEnabled {
		return nil
	}
	version := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		version = bi.Main.Version
	}
	t, err := telemetry.New(telemetry.Config{CollectorURI: s.set.OTelCollectorURI, Buckets: s.set.OTelBuckets, ServiceVersion: version})
	if err != nil {
		s.log.Error("opentelemetry: export off", slog.Any("error", err))
		return nil
	}
	s.log.Info("opentelemetry: exporting traces and metrics", slog.String("collector", s.set.OTelCollectorURI))
	return t
}

// Telemetry returns the OpenTelemetry exporters (nil when off).
func (s *Server) Telemetry() *telemetry.Telemetry { return s.otel }

// endSpan finishes a request's server span.
func (s *Server) endSpan(ctx context.Context, span trace.Span, info *reqInfo, status int, total, backend time.Duration) {
	if span == nil {
		return
	}
	q := telemetry.Request{RequestID: info.requestID, API: info.api, APIRevision: info.revision, Operation: info.op,
		Product: info.product, Subscription: info.subscription, Status: status, Total: total, Backend: backend,
		CalledBackend: info.backendCalls.Load() > 0}
	if f := info.failed; f != nil {
		q.ErrorSource, q.ErrorReason, q.ErrorMessage, q.ErrorSection = f.source, f.reason, f.message, f.section
	}
	s.otel.EndRequest(ctx, span, q)
}

// recordIDs copies the revision, product and subscription of a run.
func recordIDs(info *reqInfo, run *policies.Run) {
	c := run.Ctx
	if c == nil {
		return
	}
	if c.API != nil {
		info.revision = c.API.Revision
	}
	if c.Product != nil {
		info.product = c.Product.ID
	}
	if c.Subscription != nil {
		info.subscription = c.Subscription.ID
	}
}

// secondsOf turns bucket bounds in ms into seconds.
func secondsOf(ms []float64) []float64 {
	out := make([]float64, len(ms))
	for i, v := range ms {
		out[i] = v / 1000
	}
	return out
}

// tracedAuth gives a backend credential's token acquisition its own span.
type tracedAuth struct {
	identity.Authenticator
	backend string
}

func (a tracedAuth) Authenticate(ctx context.Context, req *http.Request) error {
	ctx, span := telemetry.StartToken(ctx, a.backend)
	err := a.Authenticator.Authenticate(ctx, req)
	telemetry.EndSpan(span, err)
	return err
}
