package policies

import (
	"fmt"
	"log/slog"
	"math"
	"strings"

	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/parser"
)

// emit-metric records a custom metric value:
//
//	<emit-metric name="Request" value="1" namespace="my-metrics">
//	    <dimension name="User ID" />                                     <!-- 1..10 -->
//	    <dimension name="Client IP" value="@(context.Request.IpAddress)" />
//	</emit-metric>
//
// name and namespace (default "API Management") are literals; value is a
// double, default 1, expression allowed. Dimension names and values may be
// expressions. A dimension without value must be a default dimension (API
// ID, Operation ID, Product ID, User ID, Subscription ID, Location,
// Gateway ID; names compared case-insensitively) and takes its value from
// the request context ("" when the context has none, e.g. no product). At
// most 10 dimensions. The value goes to Env.Metrics and to the log as a
// Debug line "emit-metric". A value that is not a number (or is NaN or
// infinite) is an ExpressionValueEvaluationFailure.
type emitMetric struct {
	name, namespace string
	value           *Value
	dims            []metricDimension
}

type metricDimension struct {
	name  *Value
	value *Value // nil: a default dimension
	def   func(r *Run) string
}

// maxMetricDimensions is APIM's limit per emit-metric.
const maxMetricDimensions = 10

var _ Step = (*emitMetric)(nil)

func init() { Register("emit-metric", newEmitMetric) }

func newEmitMetric(el *parser.Element, c *Compiler) (Step, error) {
	s := &emitMetric{namespace: "API Management", value: c.Attr(el, "value", KindString)}
	s.name, _ = c.Attr(el, "name", KindString).Literal()
	if lit, ok := s.value.Literal(); ok && s.value.Present {
		if _, err := dotnet.ToDouble(strings.TrimSpace(lit)); err != nil {
			c.Errorf(s.value.Pos(), parser.CodeBadAttribute, "<emit-metric> value %q is not a number", lit)
		}
	}
	if ns := c.Attr(el, "namespace", KindString); ns.Present {
		s.namespace, _ = ns.Literal()
	}
	s.dims = compileDimensions(el, c, defaultDimension, strings.Join(defaultDimensionNames, ", "))
	return s, nil
}

// compileDimensions reads the <dimension> children of a metric policy;
// a dimension without value must be one that def knows (named in defaults).
func compileDimensions(el *parser.Element, c *Compiler, def func(string) func(*Run) string, defaults string) []metricDimension {
	var dims []metricDimension
	for _, ch := range el.Children {
		if ch.Name != "dimension" {
			continue
		}
		d := metricDimension{name: c.Attr(ch, "name", KindString)}
		if v := c.Attr(ch, "value", KindString); v.Present {
			d.value = v
		} else {
			n, _ := d.name.Literal()
			d.def = def(n)
			if d.def == nil {
				c.Errorf(ch.Pos, parser.CodeBadAttribute, "dimension %q needs a value: only default dimensions (%s) may omit it", n, defaults)
				continue
			}
		}
		dims = append(dims, d)
	}
	if len(dims) > maxMetricDimensions {
		c.Errorf(el.Pos, parser.CodeBadStructure, "<%s> has %d dimensions; at most %d are allowed", el.Name, len(dims), maxMetricDimensions)
	}
	return dims
}

var defaultDimensionNames = []string{"API ID", "Operation ID", "Product ID", "User ID", "Subscription ID", "Location", "Gateway ID"}

// defaultDimension returns how to read a default dimension from the
// request, nil for other names.
func defaultDimension(name string) func(r *Run) string {
	switch strings.ToLower(name) {
	case "api id":
		return func(r *Run) string {
			if a := r.Ctx.API; a != nil {
				return a.ID
			}
			return ""
		}
	case "operation id":
		return func(r *Run) string {
			if o := r.Ctx.Operation; o != nil {
				return o.ID
			}
			return ""
		}
	case "product id":
		return func(r *Run) string {
			if p := r.Ctx.Product; p != nil {
				return p.ID
			}
			return ""
		}
	case "user id":
		return func(r *Run) string {
			if u := r.Ctx.User; u != nil {
				return u.ID
			}
			return ""
		}
	case "subscription id":
		return func(r *Run) string {
			if s := r.Ctx.Subscription; s != nil {
				return s.ID
			}
			return ""
		}
	case "location":
		return func(r *Run) string {
			if d := r.Ctx.Deployment; d != nil {
				return d.Region
			}
			return ""
		}
	case "gateway id":
		return func(r *Run) string {
			if d := r.Ctx.Deployment; d != nil {
				return d.GatewayID
			}
			return ""
		}
	}
	return nil
}

func (s *emitMetric) Exec(r *Run) error {
	value := 1.0
	if s.value.Present {
		out, err := s.value.Eval(r)
		if err != nil {
			return err
		}
		if str, ok := out.(string); ok {
			out = strings.TrimSpace(str)
		}
		value, err = dotnet.ToDouble(out)
		if err != nil || math.IsNaN(value) || math.IsInf(value, 0) {
			return &Error{Reason: ReasonExpression, Message: fmt.Sprintf("Expression evaluation failed. The value %q is not a number.", dotnet.ToString(out)), Status: 500, Err: err}
		}
	}
	dims := make(map[string]string, len(s.dims))
	attrs := []slog.Attr{slog.String("name", s.name), slog.String("namespace", s.namespace), slog.Float64("value", value)}
	for _, d := range s.dims {
		n, err := d.name.String(r)
		if err != nil {
			return err
		}
		var v string
		if d.value != nil {
			if v, err = d.value.String(r); err != nil {
				return err
			}
		} else {
			v = d.def(r)
		}
		n, v = r.Redact(n), r.Redact(v) // a label is an output too: secrets are masked
		dims[n] = v
		attrs = append(attrs, slog.String("dim."+n, v))
	}
	if r.Env != nil && r.Env.Metrics != nil {
		r.Env.Metrics.Emit(s.name, s.namespace, value, dims)
	}
	if r.Env != nil && r.Env.Logger != nil {
		r.Env.Logger.LogAttrs(r, slog.LevelDebug, "emit-metric", attrs...)
	}
	return nil
}
