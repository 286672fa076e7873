package engine

import (
	"context"
	"net/http"
	"testing"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/policies"
)

// benchPolicy has ten policies, four of them with expressions.
const benchPolicy = `<policies>
  <inbound>
    <set-variable name="user" value="@(context.Request.Headers.GetValueOrDefault(&quot;X-User&quot;, &quot;anonymous&quot;))" />
    <set-header name="X-Gateway" exists-action="override"><value>policygate</value></set-header>
    <set-header name="X-Request-Method" exists-action="override"><value>@(context.Request.Method)</value></set-header>
    <set-query-parameter name="source" exists-action="override"><value>gateway</value></set-query-parameter>
    <choose>
      <when condition="@(context.Variables.GetValueOrDefault&lt;string&gt;(&quot;user&quot;) == &quot;admin&quot;)">
        <set-header name="X-Admin" exists-action="override"><value>true</value></set-header>
      </when>
    </choose>
    <set-header name="X-Remove-Me" exists-action="delete" />
  </inbound>
  <backend />
  <outbound>
    <set-header name="X-Powered-By" exists-action="override"><value>PolicyGate</value></set-header>
    <set-header name="X-User" exists-action="override"><value>@((string)context.Variables["user"])</value></set-header>
    <set-status code="200" reason="OK" />
  </outbound>
</policies>`

func BenchmarkPipeline(b *testing.B) {
	op := &Operation{ID: "op", Method: "*", URLTemplate: "/*"}
	cfg := &Config{Global: &PolicyDoc{File: "bench.xml", Source: []byte(benchPolicy)}, APIs: []*API{{ID: "api", Operations: []*Operation{op}}}}
	e, errs := Compile(cfg, Options{})
	if e == nil {
		b.Fatal(errs)
	}
	p := e.Pipeline(op, "")
	h := http.Header{"X-User": {"admin"}, "X-Remove-Me": {"1"}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		reqH := h.Clone()
		r := &policies.Run{
			Context: ctx,
			Ctx: &expressions.Context{
				Request: &expressions.Request{Method: "GET", Headers: expressions.NewHeaders(reqH),
					URL: &expressions.URL{Scheme: "http", Host: "backend", Path: "/x", Query: expressions.ParseQuery("")}},
				Response:  &expressions.Response{StatusCode: 200, Headers: expressions.NewHeaders(http.Header{}), Body: expressions.NewBody(nil)},
				Variables: expressions.NewVariables(),
			},
		}
		if out := p.Run(r); out.Failure != nil {
			b.Fatal(out.Failure)
		}
		if r.Ctx.Response.Headers.H.Get("X-User") != "admin" || reqH.Get("X-Admin") != "true" {
			b.Fatal("pipeline did not run as expected")
		}
	}
}
