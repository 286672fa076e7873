package policies

import (
	"bytes"
	"strings"
	"testing"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

func TestEmitMetric(t *testing.T) {
	var buf bytes.Buffer
	r := convTestRun(Inbound, &buf)
	r.Ctx.API = &expressions.API{ID: "orders"}
	r.Ctx.Operation = &expressions.Operation{ID: "get-order"}
	r.Ctx.Request.IPAddress = "10.0.0.1"
	st := convCompileOne(t, Inbound, `<emit-metric name="Request" namespace="my-metrics" value="@(2.5)">
		<dimension name="API ID" />
		<dimension name="operation id" />
		<dimension name="Product ID" />
		<dimension name="Client IP" value="@(context.Request.IpAddress)" />
	</emit-metric>`)
	for range 2 {
		if err := st.Exec(r); err != nil {
			t.Fatal(err)
		}
	}
	reg := r.Env.Metrics.(*MetricsRegistry)
	want := map[string]string{"API ID": "orders", "operation id": "get-order", "Product ID": "", "Client IP": "10.0.0.1"}
	s, ok := reg.Get("Request", want)
	if !ok {
		t.Fatalf("no series; have %+v", reg.Series(""))
	}
	if s.Sum != 5 || s.Count != 2 || s.Namespace != "my-metrics" {
		t.Errorf("series %+v, want sum 5 count 2 in my-metrics", s)
	}
	if !strings.Contains(buf.String(), `"msg":"emit-metric"`) || !strings.Contains(buf.String(), `"dim.Client IP":"10.0.0.1"`) {
		t.Errorf("log: %s", buf.String())
	}
}

func TestEmitMetricDefaults(t *testing.T) {
	var buf bytes.Buffer
	r := convTestRun(Outbound, &buf)
	r.Ctx.Deployment = &expressions.Deployment{Region: "West Europe", GatewayID: "gw1"}
	if err := convCompileOne(t, Outbound, `<emit-metric name="Hits"><dimension name="Location" /><dimension name="Gateway ID" /><dimension name="x" value="lit" /></emit-metric>`).Exec(r); err != nil {
		t.Fatal(err)
	}
	s, ok := r.Env.Metrics.(*MetricsRegistry).Get("Hits", map[string]string{"Location": "West Europe", "Gateway ID": "gw1", "x": "lit"})
	if !ok || s.Sum != 1 || s.Count != 1 || s.Namespace != "API Management" {
		t.Errorf("series %+v %v, want value 1 in API Management", s, ok)
	}
}

func TestEmitMetricValues(t *testing.T) {
	tests := []struct {
		value string
		want  float64
		fail  bool
	}{
		{value: "3", want: 3},
		{value: " 4.25 ", want: 4.25},
		{value: `@(context.Variables.GetValueOrDefault<int>("n"))`, want: 7},
		{value: `@("1e3")`, want: 1000},
		{value: `@("abc")`, fail: true},
		{value: `@(((string)null).Length)`, fail: true},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			var buf bytes.Buffer
			r := convTestRun(Inbound, &buf)
			r.Ctx.Variables.Set("n", int32(7))
			err := convCompileOne(t, Inbound, `<emit-metric name="m" value="`+strings.ReplaceAll(tt.value, `"`, "&quot;")+`"><dimension name="API ID" /></emit-metric>`).Exec(r)
			reg := r.Env.Metrics.(*MetricsRegistry)
			if tt.fail {
				var f *Failure
				if !convErrorsAs(err, &f) || f.Err.Reason != ReasonExpression {
					t.Fatalf("got %v, want an expression failure", err)
				}
				if len(reg.Series("")) != 0 {
					t.Errorf("recorded despite failure: %+v", reg.Series(""))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s, ok := reg.Get("m", map[string]string{"API ID": ""})
			if !ok || s.Sum != tt.want {
				t.Errorf("series %+v, want sum %v", s, tt.want)
			}
		})
	}
}

func TestEmitMetricConfigErrors(t *testing.T) {
	tests := []struct{ name, policy, want string }{
		{"custom dimension without value", `<emit-metric name="m"><dimension name="Tenant" /></emit-metric>`, `dimension "Tenant" needs a value`},
		{"literal value not a number", `<emit-metric name="m" value="lots"><dimension name="API ID" /></emit-metric>`, `value "lots" is not a number`},
		{"too many dimensions", `<emit-metric name="m">` + strings.Repeat(`<dimension name="a" value="1" />`, 11) + `</emit-metric>`, "at most 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := convCompileErrs(t, Inbound, tt.policy)
			found := false
			for _, e := range errs {
				if e.Severity == parser.SeverityError && strings.Contains(e.Error(), tt.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("no error containing %q: %v", tt.want, errs)
			}
		})
	}
}
