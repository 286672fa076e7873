package policies

import (
	"maps"
	"slices"
	"strings"
	"sync"
)

// MetricsRegistry is an in-memory MetricSink: it sums every value emitted
// per metric name, namespace and set of dimensions. It is safe for
// concurrent use; tests and the admin side read it back with Get and
// Series.
type MetricsRegistry struct {
	mu     sync.Mutex
	series map[string]*MetricSeries // key: seriesKey
	// Limit caps the series per metric name (DefaultMaxSeriesPerMetric
	// from NewMetricsRegistry; nil: no cap).
	Limit *SeriesLimiter
}

// MetricSeries is one metric name in one namespace with one set of
// dimension values, and what was recorded for it.
type MetricSeries struct {
	Name       string
	Namespace  string
	Dimensions map[string]string
	// Sum is the total of the values emitted, Count how many were.
	Sum   float64
	Count int
}

var _ MetricSink = (*MetricsRegistry)(nil)

// NewMetricsRegistry returns an empty registry.
func NewMetricsRegistry() *MetricsRegistry {
	return &MetricsRegistry{series: map[string]*MetricSeries{}, Limit: NewSeriesLimiter(DefaultMaxSeriesPerMetric, nil)}
}

// Emit records one value.
func (m *MetricsRegistry) Emit(name, namespace string, value float64, dims map[string]string) {
	dims = m.Limit.Admit(name, dims)
	k := seriesKey(name, namespace, dims)
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.series[k]
	if s == nil {
		s = &MetricSeries{Name: name, Namespace: namespace, Dimensions: maps.Clone(dims)}
		if s.Dimensions == nil {
			s.Dimensions = map[string]string{}
		}
		m.series[k] = s
	}
	s.Sum += value
	s.Count++
}

// Get returns the series of a metric with exactly these dimensions, in any
// namespace (the first in namespace order when several match).
func (m *MetricsRegistry) Get(name string, dims map[string]string) (MetricSeries, bool) {
	for _, s := range m.Series(name) {
		if maps.Equal(s.Dimensions, dims) || len(s.Dimensions) == 0 && len(dims) == 0 {
			return s, true
		}
	}
	return MetricSeries{}, false
}

// Series returns copies of every series of a metric name (all names when
// name is ""), sorted by namespace then dimensions.
func (m *MetricsRegistry) Series(name string) []MetricSeries {
	m.mu.Lock()
	keys := slices.Sorted(maps.Keys(m.series))
	var out []MetricSeries
	for _, k := range keys {
		s := m.series[k]
		if name != "" && s.Name != name {
			continue
		}
		c := *s
		c.Dimensions = maps.Clone(s.Dimensions)
		out = append(out, c)
	}
	m.mu.Unlock()
	return out
}

// seriesKey identifies a series; \x00 and \x01 cannot occur in names.
func seriesKey(name, namespace string, dims map[string]string) string {
	var b strings.Builder
	b.WriteString(namespace + "\x00" + name)
	for _, k := range slices.Sorted(maps.Keys(dims)) {
		b.WriteString("\x00" + k + "\x01" + dims[k])
	}
	return b.String()
}
