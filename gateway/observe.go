package gateway

import (
	"container/list"
	"context"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/policies"
)

// SwapEnv is Swap with a hook: fn adjusts the policy environment built for
// e (for example its metric sink) before the new snapshot is published, so
// no request ever sees a half-set environment.
func (g *Gateway) SwapEnv(e *engine.Engine, fn func(*policies.Env)) {
	a := &active{eng: e, routes: buildRoutes(e.Config, g.routes()), env: g.newEnv(e.Config)}
	if fn != nil {
		fn(a.env)
	}
	g.active.Store(a)
}

// reqInfo is what the server learns about one request: the observer fills
// the API, operation, request id and trace; the client transport adds the
// backend time.
type reqInfo struct {
	traceID   string
	api, op   string
	requestID string
	trace     *policies.Trace
	failure   *policies.Failure
	failed    *failureOf
	// for the server span
	revision, product, subscription string
	backendNs                       atomic.Int64
	// backendCalls counts backend round trips (forward-request,
	// send-request); without one there is no backend duration.
	backendCalls atomic.Int32
}

type infoKey struct{}

func infoOf(ctx context.Context) *reqInfo {
	i, _ := ctx.Value(infoKey{}).(*reqInfo)
	return i
}

// timingTransport adds the time until response headers of every backend
// call (forward-request, send-request) to the request's backend duration.
type timingTransport struct{ base http.RoundTripper }

func (t timingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	if i := infoOf(req.Context()); i != nil {
		i.backendNs.Add(int64(time.Since(start)))
		i.backendCalls.Add(1)
	}
	return resp, err
}

// Metrics is the Prometheus registry of a server. Durations are in seconds,
// as Prometheus names them; each maps onto a self-hosted gateway metric:
// Requests → policygate_requests_total, DurationInMS →
// policygate_request_duration_seconds, BackendDurationInMS →
// policygate_backend_duration_seconds (observed only when a backend was
// called), GatewayDurationInMS → policygate_gateway_duration_seconds (the
// total less the backend time); policygate_client_duration_seconds is the
// time spent writing the response to the client. Reloads are counted by
// result, with the time each rebuild took. emit-metric values are exported
// as policygate_custom_<name>_sum and _count with the metric's dimensions
// as labels.
type Metrics struct {
	reg                                *prometheus.Registry
	requests                           *prometheus.CounterVec
	duration, backend, client, gateway *prometheus.HistogramVec
	reloads                            *prometheus.CounterVec
	reloadTime                         prometheus.Histogram
	generation                         prometheus.Gauge
	custom                             *customMetrics
	// series caches the request metrics by [api, operation, class]; the
	// label sets are bounded by the configuration's operations.
	series sync.Map
}

// DurationBuckets are the self-hosted gateway's default histogram buckets
// (observability.opentelemetry.histogram.buckets: 5, 10, 25 … 10000 ms),
// in seconds.
var DurationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// NewMetrics returns a registry with the gateway's metrics and the Go
// runtime and process collectors.
func NewMetrics() *Metrics { return NewMetricsBuckets(nil) }

// NewMetricsBuckets is NewMetrics with the duration histograms' buckets in
// seconds (nil: DurationBuckets).
func NewMetricsBuckets(buckets []float64) *Metrics {
	if len(buckets) == 0 {
		buckets = DurationBuckets
	}
	m := &Metrics{reg: prometheus.NewRegistry(), custom: &customMetrics{byName: map[string]*customFamily{}}}
	m.LimitSeries(policies.DefaultMaxSeriesPerMetric, slog.Default())
	labels := []string{"api", "operation", "status_class"}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "policygate_requests_total", Help: "Requests handled (self-hosted gateway: Requests)."}, labels)
	hist := func(name, help string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
	}
	m.duration = hist("policygate_request_duration_seconds", "Total request time (self-hosted gateway: DurationInMS).")
	m.backend = hist("policygate_backend_duration_seconds", "Backend time until response headers, for requests that called a backend (self-hosted gateway: BackendDurationInMS).")
	m.gateway = hist("policygate_gateway_duration_seconds", "Time spent in the gateway: the total less the backend time (GatewayDurationInMS).")
	m.client = hist("policygate_client_duration_seconds", "Time writing the response to the client.")
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "policygate_config_reloads_total", Help: "Configuration rebuilds by result (ok, failed, unchanged)."}, []string{"result"})
	m.reloadTime = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "policygate_config_reload_duration_seconds", Help: "Time to load and compile a configuration.", Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}})
	m.generation = prometheus.NewGauge(prometheus.GaugeOpts{Name: "policygate_config_generation", Help: "Number of the configuration being served (1 for the first one applied)."})
	for _, r := range []string{"ok", "failed", "unchanged"} {
		m.reloads.WithLabelValues(r) // export zeros so that rate() works from the start
	}
	m.reg.MustRegister(m.requests, m.duration, m.backend, m.gateway, m.client, m.reloads, m.reloadTime, m.generation, m.custom,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// LimitSeries caps the emit-metric series per metric name at max (0: no
// cap); values past it go to the overflow series, and log gets one warning
// per metric.
func (m *Metrics) LimitSeries(max int, log *slog.Logger) {
	m.custom.limit.Store(policies.NewSeriesLimiter(max, func(metric string, max int) {
		log.Warn("emit-metric: series cap reached; further dimension values are folded into the overflow series",
			slog.String("metric", metric), slog.Int("maxSeries", max), slog.String("overflowValue", policies.OverflowValue))
	}))
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Reload counts a configuration rebuild by result.
func (m *Metrics) Reload(result string) { m.reloads.WithLabelValues(result).Inc() }

// ReloadDone records a rebuild that loaded and compiled (applied or not)
// and the generation now served.
func (m *Metrics) ReloadDone(took time.Duration, generation int) {
	m.reloadTime.Observe(took.Seconds())
	m.generation.Set(float64(generation))
}

func statusClass(code int) string {
	switch {
	case code >= 500:
		return "5xx"
	case code >= 400:
		return "4xx"
	case code >= 300:
		return "3xx"
	case code >= 200:
		return "2xx"
	}
	return "1xx"
}

// series are the request metrics of one label set, looked up once.
type series struct {
	requests                  prometheus.Counter
	duration, client, gateway prometheus.Observer
	backendOnce               sync.Once
	backend                   prometheus.Observer
}

func (m *Metrics) observe(api, op string, status int, total, backend, client time.Duration, calledBackend bool) {
	lv := [3]string{api, op, statusClass(status)}
	v, ok := m.series.Load(lv)
	if !ok {
		v, _ = m.series.LoadOrStore(lv, &series{
			requests: m.requests.WithLabelValues(lv[:]...),
			duration: m.duration.WithLabelValues(lv[:]...),
			gateway:  m.gateway.WithLabelValues(lv[:]...),
			client:   m.client.WithLabelValues(lv[:]...),
		})
	}
	s := v.(*series)
	s.requests.Inc()
	s.duration.Observe(total.Seconds())
	if calledBackend {
		// created on first use, so that requests that call no backend leave
		// no zero series behind
		s.backendOnce.Do(func() { s.backend = m.backend.WithLabelValues(lv[:]...) })
		s.backend.Observe(backend.Seconds())
	}
	s.gateway.Observe(max(total-backend, 0).Seconds())
	s.client.Observe(client.Seconds())
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Emit records an emit-metric value (policies.MetricSink).
func (m *Metrics) Emit(name, namespace string, value float64, dims map[string]string) {
	m.custom.emit(name, namespace, value, dims)
}

// customMetrics exports emit-metric values. Each metric name is one
// family whose labels are the union of the dimension names seen for it;
// a series without a dimension has it empty.
type customMetrics struct {
	mu     sync.Mutex
	byName map[string]*customFamily
	// limit caps the series per metric name (policies.SeriesLimiter).
	limit atomic.Pointer[policies.SeriesLimiter]
}

type customFamily struct {
	labels []string // "namespace" first, then dimension names in order seen
	series map[string]*customSeries
}

type customSeries struct {
	values     map[string]string
	sum, count float64
}

func sanitizeName(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_', r >= '0' && r <= '9' && i > 0:
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

func (c *customMetrics) emit(name, namespace string, value float64, dims map[string]string) {
	name = sanitizeName(name)
	dims = c.limit.Load().Admit(name, dims)
	vals := map[string]string{"namespace": namespace}
	for k, v := range dims {
		if k := sanitizeName(k); k != "namespace" {
			vals[k] = v
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.byName[name]
	if f == nil {
		f = &customFamily{labels: []string{"namespace"}, series: map[string]*customSeries{}}
		c.byName[name] = f
	}
	keys := slices.Sorted(maps.Keys(vals))
	var id strings.Builder
	for _, k := range keys {
		if !contains(f.labels, k) {
			f.labels = append(f.labels, k)
		}
		id.WriteString(k + "\x00" + vals[k] + "\x00")
	}
	s := f.series[id.String()]
	if s == nil {
		s = &customSeries{values: vals}
		f.series[id.String()] = s
	}
	s.sum += value
	s.count++
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Describe sends nothing: the families are only known at run time, which
// makes this an unchecked collector.
func (c *customMetrics) Describe(chan<- *prometheus.Desc) {}

// Collect sends every emit-metric series.
func (c *customMetrics) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, f := range c.byName {
		sum := prometheus.NewDesc("policygate_custom_"+name+"_sum", "Sum of emit-metric values of "+name+".", f.labels, nil)
		cnt := prometheus.NewDesc("policygate_custom_"+name+"_count", "Number of emit-metric values of "+name+".", f.labels, nil)
		for _, s := range f.series {
			lv := make([]string, len(f.labels))
			for i, l := range f.labels {
				lv[i] = s.values[l]
			}
			ch <- prometheus.MustNewConstMetric(sum, prometheus.CounterValue, s.sum, lv...)
			ch <- prometheus.MustNewConstMetric(cnt, prometheus.CounterValue, s.count, lv...)
		}
	}
}

// TraceRecord is a stored policy trace, as /trace/<id> serves it.
type TraceRecord struct {
	ID        string                `json:"id"`
	RequestID string                `json:"requestId"`
	Time      time.Time             `json:"time"`
	API       string                `json:"api,omitempty"`
	Operation string                `json:"operation,omitempty"`
	Status    int                   `json:"status"`
	Duration  float64               `json:"durationMs"`
	Entries   []policies.TraceEntry `json:"entries"`
}

// TraceStore keeps the most recent traces (least recently stored are
// dropped first).
type TraceStore struct {
	mu  sync.Mutex
	max int
	ll  *list.List
	m   map[string]*list.Element
}

// NewTraceStore returns a store that keeps at most max traces.
func NewTraceStore(max int) *TraceStore {
	if max <= 0 {
		max = 1
	}
	return &TraceStore{max: max, ll: list.New(), m: map[string]*list.Element{}}
}

// Put stores a trace, evicting the oldest when full.
func (t *TraceStore) Put(rec *TraceRecord) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.m[rec.ID]; ok {
		e.Value = rec
		t.ll.MoveToFront(e)
		return
	}
	t.m[rec.ID] = t.ll.PushFront(rec)
	for t.ll.Len() > t.max {
		e := t.ll.Back()
		t.ll.Remove(e)
		delete(t.m, e.Value.(*TraceRecord).ID)
	}
}

// Get returns a stored trace.
func (t *TraceStore) Get(id string) (*TraceRecord, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[id]
	if !ok {
		return nil, false
	}
	return e.Value.(*TraceRecord), true
}

// Len returns the number of stored traces.
func (t *TraceStore) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ll.Len()
}

// statusWriter records the status and when the response started.
type statusWriter struct {
	http.ResponseWriter
	status  int
	started time.Time
	// closeConn closes the connection after this response.
	closeConn bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.closeConn {
		w.Header().Set("Connection", "close")
	}
	if w.status == 0 {
		w.status = code
		w.started = time.Now()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// Flush passes streaming flushes through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
