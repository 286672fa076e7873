package policies

import (
	"log/slog"
	"strings"

	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies/llmtokens"
)

// llm-emit-token-metric (and azure-openai-emit-token-metric, the same
// policy) records the tokens of the request's model call:
//
//	<llm-emit-token-metric namespace="name">
//	    <dimension name="API ID" />
//	    <dimension name="Client IP" value="@(context.Request.IpAddress)" />
//	</llm-emit-token-metric>
//
// Inbound. Three metrics, "Total Tokens", "Prompt Tokens" and "Completion
// Tokens", go to Env.Metrics (the path of emit-metric) once the usage is
// known (see llmCall: a buffered body, or an unbuffered one as it streams;
// estimated when the backend reports none), and only when forward-request
// called the backend. Dimensions are evaluated when the policy runs; those
// without value are the default dimensions of emit-metric plus Client IP
// and Backend ID. At most 10 dimensions. Label cardinality is bounded by
// the sink's SeriesLimiter, as for emit-metric (telemetry.metrics.max-series).
type emitTokenMetric struct {
	name      string
	namespace string
	dims      []metricDimension
	value     *Value // azure-openai-emit-token-metric's value: accepted, ignored
}

var _ Step = (*emitTokenMetric)(nil)

func init() {
	Register("llm-emit-token-metric", newEmitTokenMetric)
	Register("azure-openai-emit-token-metric", newEmitTokenMetric)
}

// tokenMetricDimension is a default dimension of the token metric
// policies.
func tokenMetricDimension(name string) func(r *Run) string {
	if f := defaultDimension(name); f != nil {
		return f
	}
	switch strings.ToLower(name) {
	case "client ip":
		return func(r *Run) string {
			if r.Ctx.Request != nil {
				return r.Ctx.Request.IPAddress
			}
			return ""
		}
	case "backend id":
		return backendIDDimension
	}
	return nil
}

// backendIDDimension is the backend that answered: the pool member
// forward-request picked, or the backend set-backend-service chose. It is
// read when the usage is known.
func backendIDDimension(r *Run) string {
	if m, ok := r.Scratch[memberKey].(*BackendEntity); ok {
		return m.ID
	}
	if r.Backend != nil {
		return r.Backend.ID
	}
	return ""
}

func newEmitTokenMetric(el *parser.Element, c *Compiler) (Step, error) {
	s := &emitTokenMetric{name: el.Name, namespace: "API Management"}
	if ns := c.Attr(el, "namespace", KindString); ns.Present {
		s.namespace, _ = ns.Literal()
	}
	s.value = c.Attr(el, "value", KindString)
	s.dims = compileDimensions(el, c, tokenMetricDimension, strings.Join(defaultDimensionNames, ", ")+", Client IP, Backend ID")
	return s, nil
}

func (s *emitTokenMetric) Exec(r *Run) error {
	dims := make(map[string]string, len(s.dims))
	var late []string // dimensions read once the backend answered
	for _, d := range s.dims {
		n, err := d.name.String(r)
		if err != nil {
			return err
		}
		var v string
		switch {
		case d.value != nil:
			if v, err = d.value.String(r); err != nil {
				return err
			}
		case strings.EqualFold(n, "backend id"):
			late = append(late, n)
		default:
			v = d.def(r)
		}
		n, v = r.Redact(n), r.Redact(v) // a label is an output too: secrets are masked
		dims[n] = v
	}
	llmCallOf(r).onUsage(func(u llmtokens.Usage, _ bool) {
		if !r.Forwarded {
			return
		}
		for _, n := range late {
			dims[r.Redact(n)] = r.Redact(backendIDDimension(r))
		}
		if r.Env != nil && r.Env.Metrics != nil {
			r.Env.Metrics.Emit("Total Tokens", s.namespace, float64(u.Total), dims)
			r.Env.Metrics.Emit("Prompt Tokens", s.namespace, float64(u.Prompt), dims)
			r.Env.Metrics.Emit("Completion Tokens", s.namespace, float64(u.Completion), dims)
		}
		if r.Env != nil && r.Env.Logger != nil {
			r.Env.Logger.LogAttrs(r, slog.LevelDebug, s.name, slog.String("namespace", s.namespace),
				slog.Int64("total", u.Total), slog.Int64("prompt", u.Prompt), slog.Int64("completion", u.Completion), slog.Bool("reported", u.Reported))
		}
	})
	return nil
}
