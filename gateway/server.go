package gateway

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/gateway/telemetry"
	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/policies"
	"github.com/policygate/policygate/policies/backendpool"
)

// Probe paths of the self-hosted gateway (Helm chart and raw YAML).
const (
	StatusPath         = "/status-0123456789abcdef"
	InternalStatusPath = "/internal-status-0123456789abcdef"
)

// Debug headers: a request whose Apim-Debug-Authorization equals the
// configured debug token is traced, and the answer carries Apim-Trace-Id.
const (
	DebugAuthHeader = "Apim-Debug-Authorization"
	TraceIDHeader   = "Apim-Trace-Id"
)

// Server runs a Gateway as a process: listeners and timeouts, probes,
// graceful shutdown, access logs, metrics and per-request traces.
//
// It holds two gateways over the same engine: one without tracing for
// ordinary requests and one with tracing for requests that carry the debug
// token, so tracing costs nothing when it is off. Activate swaps both.
type Server struct {
	set     *Settings
	log     *slog.Logger
	gw      *Gateway
	traced  *Gateway
	ready   atomic.Bool
	metrics *Metrics
	traces  *TraceStore
	redact  atomic.Pointer[namedvalues.Store]
	// devCert is set when HTTPS serves a generated development certificate.
	devCert atomic.Bool
	otel    *telemetry.Telemetry // nil: OpenTelemetry export off
}

// NewServer builds a server for the settings; it answers 503 until
// Activate gives it an engine. opts go to both gateways (WithClock,
// WithClient …); the server wraps the client's transport to time backend
// calls.
func NewServer(set *Settings, log *slog.Logger, opts ...Option) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{set: set, log: log, metrics: NewMetricsBuckets(secondsOf(set.OTelBuckets)), traces: NewTraceStore(set.TraceStoreSize)}
	s.metrics.LimitSeries(set.MaxSeriesPerMetric, log)
	s.otel = s.startTelemetry()
	policies.SetDaprSidecar(set.DaprHTTPEndpoint)
	var o options
	for _, f := range opts {
		f(&o)
	}
	client := o.client
	if client == nil {
		client = &http.Client{Transport: DefaultTransport()}
	}
	tc := *client
	base := tc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	tc.Transport = timingTransport{telemetry.Transport(base)}
	common := append(append([]Option(nil), opts...),
		WithClient(&tc), WithLogger(log), WithMaxBody(set.MaxBody), WithBodyBudget(set.MaxBufferedBodyBytes), WithObserver(s.observe), WithStores(s.newStores()),
		WithExpressionBudget(set.ExprTimeBudget, set.ExprMemoryBudget), WithExpressionPool(&dotnet.MemoryPool{Max: set.ExprMemoryTotal}))
	if o.auths == nil {
		// one token cache for both gateways
		common = append(common, WithBackendAuth(NewBackendAuth(o.identity)))
	}
	if o.breakers == nil {
		// one set of circuit breakers for both gateways
		o.breakers = backendpool.NewRegistry()
		common = append(common, WithBreakers(o.breakers))
	}
	s.metrics.RegisterBreakers(o.breakers, o.now)
	empty := &engine.Config{}
	s.gw, _ = New(empty, append(common, WithTracing(false))...)
	s.traced, _ = New(empty, append(common, WithTracing(true))...)
	return s
}

// Activate makes e the served configuration (atomically, for each
// gateway); requests in flight finish on the engine they started with.
func (s *Server) Activate(e *engine.Engine) {
	setSink := func(env *policies.Env) {
		env.Metrics = s.metrics
		if s.otel != nil {
			env.Span = telemetry.StartSpan
		}
	}
	s.gw.SwapEnv(e, setSink)
	s.traced.SwapEnv(e, setSink)
	s.redact.Store(e.Config.NamedValues)
	s.ready.Store(true)
}

// Ready reports whether a configuration is active.
func (s *Server) Ready() bool { return s.ready.Load() }

// Metrics returns the server's metrics registry.
func (s *Server) Metrics() *Metrics { return s.metrics }

// Traces returns the trace store.
func (s *Server) Traces() *TraceStore { return s.traces }

// Engine returns the active engine (nil before Activate).
func (s *Server) Engine() *engine.Engine {
	if !s.Ready() {
		return nil
	}
	return s.gw.Engine()
}

// ServeHTTP answers the probes, then runs the request through the active
// configuration, with tracing when it carries the debug token, and records
// its access line and metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	withConnTLS(r)
	if r.URL.Path == StatusPath || r.URL.Path == InternalStatusPath {
		if s.ready.Load() {
			w.WriteHeader(http.StatusOK)
		} else {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		return
	}
	if !s.ready.Load() {
		http.Error(w, "gateway not ready: no configuration is active", http.StatusServiceUnavailable)
		return
	}
	if n := s.set.MaxURLLength; n > 0 && len(r.RequestURI) > n {
		writeLimitAnswer(w, http.StatusRequestURITooLong, "Request URI too long")
		return
	}
	start := time.Now()
	info := &reqInfo{}
	g := s.gw
	if vs := r.Header.Values(DebugAuthHeader); len(vs) > 0 {
		// the token never travels to the backend
		r.Header.Del(DebugAuthHeader)
		if tok := s.set.DebugToken; tok != "" && subtle.ConstantTimeCompare([]byte(vs[0]), []byte(tok)) == 1 {
			g = s.traced
			info.traceID = newTraceID()
			w.Header().Set(TraceIDHeader, info.traceID)
		}
	}
	if s.set.ForwardedProto {
		r = forwardedProto(r)
	}
	r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
	r, span := s.otel.StartRequest(r)
	sw := &statusWriter{ResponseWriter: w, closeConn: ambiguousFraming(r)}
	g.ServeHTTP(sw, r)
	end := time.Now()
	total := end.Sub(start)
	backend := time.Duration(info.backendNs.Load())
	var client time.Duration
	if !sw.started.IsZero() {
		client = end.Sub(sw.started)
	}
	status := sw.status
	if status == 0 {
		status = http.StatusOK
	}
	s.metrics.observe(info.api, info.op, status, total, backend, client, info.backendCalls.Load() > 0)
	s.endSpan(r.Context(), span, info, status, total, backend)
	ip := r.RemoteAddr
	if h, _, err := net.SplitHostPort(ip); err == nil {
		ip = h
	}
	s.logFailure(r.Context(), r, info, status, ip)
	attrs := []slog.Attr{
		slog.String("method", truncate(r.Method)), slog.String("path", truncate(r.URL.Path)),
		slog.String("api", info.api), slog.String("operation", info.op), slog.Int("status", status),
		slog.Float64("durationMs", ms(total)),
		slog.String("requestId", info.requestID), slog.String("clientIp", ip),
	}
	if info.backendCalls.Load() > 0 {
		attrs = append(attrs, slog.Float64("backendDurationMs", ms(backend)))
	}
	if info.traceID != "" {
		attrs = append(attrs, slog.String("traceId", info.traceID))
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
	if info.traceID != "" {
		rec := &TraceRecord{ID: info.traceID, RequestID: info.requestID, Time: start.UTC(), API: info.api, Operation: info.op, Status: status, Duration: ms(total)}
		if info.trace != nil {
			rec.Entries = info.trace.Entries
		}
		s.traces.Put(rec)
	}
}

// observe is the gateways' observer: it copies what the run knows into
// the request's reqInfo.
func (s *Server) observe(run *policies.Run, out engine.Outcome) {
	info := infoOf(run.Context)
	if info == nil {
		return
	}
	if c := run.Ctx; c != nil {
		info.requestID = c.RequestID.String()
		if c.API != nil {
			info.api = c.API.ID
		}
		if c.Operation != nil {
			info.op = c.Operation.ID
		}
	}
	info.trace = run.Trace
	info.failure = out.Failure
	recordFailure(info, run, out)
	recordIDs(info, run)
}

func newTraceID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// forwardedProto makes the request's scheme the one X-Forwarded-Proto
// names (net.server.http.forwarded.proto.enabled): the gateway reads the
// scheme from the request's TLS state.
func forwardedProto(r *http.Request) *http.Request {
	switch strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Proto"), ",")[0])) {
	case "https":
		if r.TLS == nil {
			r = r.Clone(r.Context())
			r.TLS = &tls.ConnectionState{}
		}
	case "http":
		if r.TLS != nil {
			r = r.Clone(r.Context())
			r.TLS = nil
		}
	}
	return r
}

// AdminHandler serves /metrics, /trace/<id>, /routes and the probes.
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler())
	mux.HandleFunc("GET /trace/{id}", func(w http.ResponseWriter, r *http.Request) {
		rec, ok := s.traces.Get(r.PathValue("id"))
		if !ok {
			http.Error(w, "trace not found", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(rec)
	})
	mux.HandleFunc("GET /routes", s.routesHandler)
	probe := func(w http.ResponseWriter, r *http.Request) { s.ServeHTTP(w, r) }
	mux.HandleFunc("GET "+StatusPath, probe)
	mux.HandleFunc("GET "+InternalStatusPath, probe)
	return mux
}

func (s *Server) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.set.ReadHeaderTimeout,
		ReadTimeout:       s.set.ReadTimeout,
		WriteTimeout:      s.set.WriteTimeout,
		IdleTimeout:       s.set.IdleTimeout,
		MaxHeaderBytes:    s.set.MaxHeaderBytes,
		ConnContext:       connContext,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// Listeners are the sockets Serve uses; nil ones are not served.
type Listeners struct {
	HTTP, HTTPS, Admin net.Listener
}

// Listen opens the listeners the settings name: HTTP always, HTTPS when a
// certificate is configured (or, without one, with a generated development
// certificate: net.server.tls.dev-certificate), admin unless it is "none".
func (s *Server) Listen() (*Listeners, error) {
	var ls Listeners
	var err error
	if ls.HTTP, err = net.Listen("tcp", s.set.HTTPAddr); err != nil {
		return nil, err
	}
	if s.set.TLSCert != "" {
		if ls.HTTPS, err = net.Listen("tcp", s.set.HTTPSAddr); err != nil {
			ls.HTTP.Close()
			return nil, err
		}
	}
	if s.set.TLSCert == "" {
		ls.HTTPS = s.devListener()
	}
	if s.set.AdminAddr != "" && s.set.AdminAddr != "none" {
		if ls.Admin, err = net.Listen("tcp", s.set.AdminAddr); err != nil {
			ls.HTTP.Close()
			if ls.HTTPS != nil {
				ls.HTTPS.Close()
			}
			return nil, err
		}
	}
	return &ls, nil
}

// Serve serves the listeners until ctx is done, then shuts down
// gracefully: listeners close at once, in-flight requests get up to
// ShutdownTimeout to finish. It returns the first serving error, or the
// shutdown error.
func (s *Server) Serve(ctx context.Context, ls *Listeners) error {
	type srv struct {
		hs  *http.Server
		ln  net.Listener
		tls bool
	}
	var all []srv
	if ls.HTTP != nil {
		all = append(all, srv{s.httpServer(s), s.limitListener(ls.HTTP, nil), false})
	}
	if ls.HTTPS != nil {
		hs := s.httpServer(s)
		cert, err := s.httpsCertificate()
		if err != nil {
			return fmt.Errorf("https: %w", err)
		}
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if err := s.set.applyClientCertificates(hs.TLSConfig); err != nil {
			return fmt.Errorf("https: %w", err)
		}
		ln := s.limitListener(ls.HTTPS, hs.TLSConfig).(*tlsSniffListener)
		hs.TLSConfig = ln.TLSConfig() // handshakes happen in the listener
		all = append(all, srv{hs, ln, true})
	}
	if ls.Admin != nil {
		warnPublicAdmin(s.log, ls.Admin.Addr())
		all = append(all, srv{s.httpServer(s.AdminHandler()), ls.Admin, false})
	}
	errc := make(chan error, len(all))
	for _, x := range all {
		s.log.Info("listening", slog.String("addr", x.ln.Addr().String()), slog.Bool("tls", x.tls), slog.Bool("admin", x.ln == ls.Admin))
		go func() {
			var err error
			err = x.hs.Serve(x.ln)
			if errors.Is(err, http.ErrServerClosed) {
				err = nil
			}
			errc <- err
		}()
	}
	var first error
	select {
	case <-ctx.Done():
	case first = <-errc:
	}
	s.log.Info("shutting down: draining in-flight requests", slog.String("timeout", s.set.ShutdownTimeout.String()))
	sctx, cancel := context.WithTimeout(context.Background(), s.set.ShutdownTimeout)
	defer cancel()
	for _, x := range all {
		if err := x.hs.Shutdown(sctx); err != nil && first == nil {
			first = err
		}
	}
	if err := s.otel.Shutdown(sctx); err != nil {
		s.log.Warn("opentelemetry: final export failed", slog.Any("error", err))
	}
	return first
}
