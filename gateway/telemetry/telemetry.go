// Package telemetry exports the gateway's traces and metrics over OTLP/HTTP
// with the OpenTelemetry SDK, as the self-hosted gateway does
// (observability.opentelemetry.*): a server span per request with the API,
// operation, product and subscription as attributes, client spans for
// backend calls and token acquisition, W3C traceparent taken from the
// caller and passed to the backend, and the request, backend and gateway
// durations as histograms with the configured buckets (milliseconds).
//
// A nil *Telemetry is off: every method is a no-op.
package telemetry

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of every span and metric.
const ScopeName = "github.com/policygate/policygate/gateway"

// DefaultBuckets are the self-hosted gateway's histogram buckets in ms.
var DefaultBuckets = []float64{5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000}

// Config is what observability.opentelemetry.* sets.
type Config struct {
	// CollectorURI is the collector's OTLP/HTTP base URL, e.g.
	// http://otel-collector:4318; traces go to /v1/traces, metrics to
	// /v1/metrics.
	CollectorURI string
	// Buckets are the duration histograms' bounds in ms (nil: DefaultBuckets).
	Buckets []float64
	// ServiceName and ServiceVersion describe this process (service.name,
	// service.version); GatewayID is the gateway's id.
	ServiceName, ServiceVersion, GatewayID string
	// MetricInterval is how often metrics are exported (0: 60 s).
	MetricInterval time.Duration
}

// Telemetry holds the trace and meter providers of a server.
type Telemetry struct {
	tp       *sdktrace.TracerProvider
	mp       *sdkmetric.MeterProvider
	tracer   trace.Tracer
	prop     propagation.TextMapPropagator
	requests metric.Int64Counter
	duration metric.Float64Histogram
	backend  metric.Float64Histogram
	gateway  metric.Float64Histogram
}

// New starts the exporters for cfg.
func New(cfg Config) (*Telemetry, error) {
	u, err := url.Parse(strings.TrimSuffix(cfg.CollectorURI, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("observability.opentelemetry.collector.uri must be an http(s) URL such as http://otel-collector:4318")
	}
	buckets := cfg.Buckets
	if len(buckets) == 0 {
		buckets = DefaultBuckets
	}
	noProxy := func(*http.Request) (*url.URL, error) { return nil, nil }
	ctx := context.Background()
	texp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(u.String()+"/v1/traces"), otlptracehttp.WithProxy(noProxy))
	if err != nil {
		return nil, err
	}
	mexp, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(u.String()+"/v1/metrics"), otlpmetrichttp.WithProxy(noProxy))
	if err != nil {
		return nil, err
	}
	name := cfg.ServiceName
	if name == "" {
		name = "policygate"
	}
	attrs := []attribute.KeyValue{semconv.ServiceName(name)}
	if cfg.ServiceVersion != "" {
		attrs = append(attrs, semconv.ServiceVersion(cfg.ServiceVersion))
	}
	if cfg.GatewayID != "" {
		attrs = append(attrs, attribute.String("apim.gateway.id", cfg.GatewayID))
	}
	res := resource.NewWithAttributes(semconv.SchemaURL, attrs...)
	interval := cfg.MetricInterval
	if interval <= 0 {
		interval = time.Minute
	}
	t := &Telemetry{
		tp: sdktrace.NewTracerProvider(sdktrace.WithBatcher(texp), sdktrace.WithResource(res)),
		mp: sdkmetric.NewMeterProvider(sdkmetric.WithResource(res),
			sdkmetric.WithReader(sdkmetric.NewPeriodicReader(mexp, sdkmetric.WithInterval(interval)))),
		prop: propagation.TraceContext{},
	}
	t.tracer = t.tp.Tracer(ScopeName)
	m := t.mp.Meter(ScopeName)
	hist := func(name, desc string) metric.Float64Histogram {
		h, _ := m.Float64Histogram(name, metric.WithDescription(desc), metric.WithUnit("ms"), metric.WithExplicitBucketBoundaries(buckets...))
		return h
	}
	t.requests, _ = m.Int64Counter("policygate.requests", metric.WithDescription("Requests handled (self-hosted gateway: Requests)."))
	t.duration = hist("policygate.request.duration", "Total request time (DurationInMs).")
	t.backend = hist("policygate.backend.duration", "Backend time until response headers, for requests that called a backend (BackendDurationInMs).")
	t.gateway = hist("policygate.gateway.duration", "Time spent in the gateway: the total less the backend time (GatewayDurationInMs).")
	return t, nil
}

// Flush exports what is buffered.
func (t *Telemetry) Flush(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return errors.Join(t.tp.ForceFlush(ctx), t.mp.ForceFlush(ctx))
}

// Shutdown flushes and stops the exporters.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return errors.Join(t.tp.Shutdown(ctx), t.mp.Shutdown(ctx))
}

// StartRequest starts the server span of a request, as a child of the
// caller's traceparent when it sends one; the returned request carries it.
func (t *Telemetry) StartRequest(r *http.Request) (*http.Request, trace.Span) {
	if t == nil {
		return r, nil
	}
	ctx := t.prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	ctx, span := t.tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
		semconv.HTTPRequestMethodKey.String(r.Method), semconv.URLPath(r.URL.Path), semconv.URLScheme(scheme),
		semconv.ServerAddress(r.Host), semconv.ClientAddress(clientIP(r.RemoteAddr)), semconv.UserAgentOriginal(r.UserAgent()),
	))
	return r.WithContext(ctx), span
}

// Request is what the gateway learnt about a request, for its span and
// metrics.
type Request struct {
	RequestID, API, APIRevision, Operation, Product, Subscription string
	Status                                                        int
	Total, Backend                                                time.Duration
	CalledBackend                                                 bool
	// The failure, when the request ended in on-error (LastError).
	ErrorSource, ErrorReason, ErrorMessage, ErrorSection string
}

// EndRequest finishes the server span with the request's attributes and
// records its metrics.
func (t *Telemetry) EndRequest(ctx context.Context, span trace.Span, q Request) {
	if t == nil || span == nil {
		return
	}
	attrs := []attribute.KeyValue{
		attribute.String("apim.request.id", q.RequestID),
		attribute.String("apim.api.id", q.API),
		attribute.String("apim.api.revision", q.APIRevision),
		attribute.String("apim.operation.id", q.Operation),
		semconv.HTTPResponseStatusCode(q.Status),
	}
	if q.Product != "" {
		attrs = append(attrs, attribute.String("apim.product.id", q.Product))
	}
	if q.Subscription != "" {
		attrs = append(attrs, attribute.String("apim.subscription.id", q.Subscription))
	}
	if q.ErrorReason != "" || q.ErrorSource != "" {
		attrs = append(attrs, attribute.String("apim.last_error.source", q.ErrorSource), attribute.String("apim.last_error.reason", q.ErrorReason),
			attribute.String("apim.last_error.section", q.ErrorSection), attribute.String("apim.last_error.message", q.ErrorMessage))
	}
	span.SetAttributes(attrs...)
	if q.API != "" && q.Operation != "" {
		span.SetName(q.API + " " + q.Operation)
	}
	if q.Status >= 500 {
		span.SetStatus(codes.Error, orText(q.ErrorReason, strconv.Itoa(q.Status)))
	}
	span.End()
	set := metric.WithAttributes(attribute.String("api.id", q.API), attribute.String("operation.id", q.Operation),
		attribute.String("http.response.status_class", strconv.Itoa(q.Status/100)+"xx"))
	t.requests.Add(ctx, 1, set)
	t.duration.Record(ctx, ms(q.Total), set)
	if q.CalledBackend {
		t.backend.Record(ctx, ms(q.Backend), set)
	}
	t.gateway.Record(ctx, ms(max(q.Total-q.Backend, 0)), set)
}

// Transport wraps a backend transport: each call gets a client span, child
// of the request's span, whose context travels to the backend in
// traceparent (tracestate too).
func Transport(base http.RoundTripper) http.RoundTripper { return transport{base} }

type transport struct{ base http.RoundTripper }

// wrapper is policies.TransportWrapper: a RoundTripper around an
// *http.Transport that policies copy per call (client certificates, proxy).
type wrapper interface {
	Transport() *http.Transport
	WithTransport(*http.Transport) http.RoundTripper
}

// Transport returns the wrapped *http.Transport (nil for another round tripper).
func (t transport) Transport() *http.Transport {
	switch b := t.base.(type) {
	case *http.Transport:
		return b
	case wrapper:
		return b.Transport()
	}
	return nil
}

// WithTransport wraps a changed copy of the transport the same way.
func (t transport) WithTransport(tr *http.Transport) http.RoundTripper {
	if w, ok := t.base.(wrapper); ok {
		return transport{w.WithTransport(tr)}
	}
	return transport{tr}
}

func (t transport) RoundTrip(req *http.Request) (*http.Response, error) {
	parent := trace.SpanFromContext(req.Context())
	if !parent.SpanContext().IsValid() {
		return t.base.RoundTrip(req)
	}
	ctx, span := parent.TracerProvider().Tracer(ScopeName).Start(req.Context(), "backend "+req.Method, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(semconv.HTTPRequestMethodKey.String(req.Method), semconv.ServerAddress(req.URL.Hostname()),
			semconv.URLFull(redactedURL(req.URL))))
	defer span.End()
	out := req.Clone(ctx)
	propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(out.Header))
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "backend call failed")
		return resp, err
	}
	span.SetAttributes(semconv.HTTPResponseStatusCode(resp.StatusCode))
	if resp.StatusCode >= 500 {
		span.SetStatus(codes.Error, resp.Status)
	}
	return resp, nil
}

// StartToken starts the span of a token acquisition for a backend
// credential; end it with EndSpan.
func StartToken(ctx context.Context, backend string) (context.Context, trace.Span) {
	parent := trace.SpanFromContext(ctx)
	if !parent.SpanContext().IsValid() {
		return ctx, nil
	}
	return parent.TracerProvider().Tracer(ScopeName).Start(ctx, "token acquisition", trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(attribute.String("apim.backend.id", backend)))
}

// EndSpan ends a span started here, recording err.
func EndSpan(span trace.Span, err error) {
	if span == nil {
		return
	}
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// redactedURL drops the query (it may hold keys and signatures).
func redactedURL(u *url.URL) string {
	c := *u
	c.RawQuery, c.User, c.Fragment = "", nil, ""
	return c.String()
}

func clientIP(addr string) string {
	if i := strings.LastIndex(addr, ":"); i > 0 {
		return strings.Trim(addr[:i], "[]")
	}
	return addr
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// StartSpan starts an internal span under the span in ctx (a policy's
// send-request or token acquisition); attrs are key, value pairs. Without
// a span in ctx it does nothing. It fits policies.SpanFunc.
func StartSpan(ctx context.Context, name string, attrs ...string) (context.Context, func(error)) {
	parent := trace.SpanFromContext(ctx)
	if !parent.SpanContext().IsValid() {
		return ctx, func(error) {}
	}
	kvs := make([]attribute.KeyValue, 0, len(attrs)/2)
	for i := 0; i+1 < len(attrs); i += 2 {
		kvs = append(kvs, attribute.String(attrs[i], attrs[i+1]))
	}
	ctx, span := parent.TracerProvider().Tracer(ScopeName).Start(ctx, name, trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(kvs...))
	return ctx, func(err error) { EndSpan(span, err) }
}
