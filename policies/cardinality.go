package policies

import (
	"maps"
	"slices"
	"strings"
	"sync"
)

// DefaultMaxSeriesPerMetric is the default cap on the distinct dimension
// sets one metric name may have (setting telemetry.metrics.max-series).
const DefaultMaxSeriesPerMetric = 1000

// OverflowValue replaces every dimension value of a series past the cap,
// so all of them fold into one overflow series per set of dimension names.
const OverflowValue = "__overflow__"

// SeriesLimiter caps the number of distinct series per metric name, for any
// metric sink whose dimensions come from requests (emit-metric, token
// metrics). It is safe for concurrent use.
//
//	lim := NewSeriesLimiter(1000, func(metric string, max int) { log.Warn(...) })
//	dims = lim.Admit(name, dims) // before recording the value
type SeriesLimiter struct {
	max  int
	warn func(metric string, max int)
	mu   sync.Mutex
	seen map[string]map[string]struct{} // metric → series keys admitted
}

// NewSeriesLimiter admits at most max series per metric (max <= 0: no cap)
// and calls warn, when not nil, the first time a metric overflows.
func NewSeriesLimiter(max int, warn func(metric string, max int)) *SeriesLimiter {
	return &SeriesLimiter{max: max, warn: warn, seen: map[string]map[string]struct{}{}}
}

// Admit returns dims when the series is already known or the metric is
// under its cap (and then remembers it); otherwise a copy of dims with
// every value OverflowValue. metric should include whatever else tells
// series apart in the sink (e.g. the namespace). dims is never changed.
func (l *SeriesLimiter) Admit(metric string, dims map[string]string) map[string]string {
	if l == nil || l.max <= 0 {
		return dims
	}
	key := dimsKey(dims)
	l.mu.Lock()
	set := l.seen[metric]
	if set == nil {
		set = map[string]struct{}{}
		l.seen[metric] = set
	}
	if _, ok := set[key]; ok || len(set) < l.max {
		set[key] = struct{}{}
		l.mu.Unlock()
		return dims
	}
	first := false
	if _, ok := set[OverflowValue]; !ok {
		set[OverflowValue] = struct{}{} // marks the warning given; not a series
		first = true
	}
	l.mu.Unlock()
	if first && l.warn != nil {
		l.warn(metric, l.max)
	}
	out := make(map[string]string, len(dims))
	for k := range dims {
		out[k] = OverflowValue
	}
	return out
}

// Series returns how many series of metric were admitted.
func (l *SeriesLimiter) Series(metric string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.seen[metric])
	if _, ok := l.seen[metric][OverflowValue]; ok {
		n--
	}
	return n
}

func dimsKey(dims map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(dims)) {
		b.WriteString(k + "\x01" + dims[k] + "\x00")
	}
	return b.String()
}
