package engine

import (
	"testing"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/policies"
)

// TestPipelineBodyUse checks the load-time answer to "may this pipeline
// read the request body / the response body" over every scope after
// <base/> splicing, fragments included.
func TestPipelineBodyUse(t *testing.T) {
	t.Parallel()
	const (
		none = policies.BodyUse(0)
		req  = expressions.ReadsRequestBody
		resp = expressions.ReadsResponseBody
		both = expressions.ReadsBodies
	)
	in := func(inbound string) string {
		return `<policies><inbound><base/>` + inbound + `</inbound><backend><base/></backend><outbound><base/></outbound><on-error><base/></on-error></policies>`
	}
	out := func(outbound string) string {
		return `<policies><inbound><base/></inbound><backend><base/></backend><outbound><base/>` + outbound + `</outbound><on-error><base/></on-error></policies>`
	}
	tests := []struct {
		name, global, api, fragment string
		want                        policies.BodyUse
	}{
		{name: "default pipeline"},
		{name: "headers, variables, rate limits", api: in(`<set-header name="x" exists-action="override"><value>@(context.Request.Headers.GetValueOrDefault("a",""))</value></set-header><set-variable name="v" value="@(context.Request.Url.Path)"/><rate-limit calls="5" renewal-period="60"/>`)},
		{name: "request body in an expression", api: in(`<set-variable name="v" value="@(context.Request.Body.As<string>(preserveContent: true))"/>`), want: req},
		{name: "response body in an expression", api: out(`<set-header name="x" exists-action="override"><value>@(context.Response.Body.As<JObject>()["a"].ToString())</value></set-header>`), want: resp},
		{name: "body through a local", api: in(`<set-variable name="v" value="@{ var r = context.Request; return r.Body.As<string>(); }"/>`), want: req},
		{name: "a cast IResponse", api: out(`<set-variable name="v" value="@(((IResponse)context.Variables[&quot;r&quot;]).Body.As<string>())"/>`), want: resp},
		{name: "Body looked up at run time", api: in(`<set-variable name="v" value="@(context.Variables[&quot;r&quot;].Body)"/>`), want: both},
		{name: "a variable named Body is no body", api: in(`<set-variable name="v" value="@(new JObject(new JProperty(&quot;Body&quot;, 1))[&quot;Body&quot;].ToString())"/>`)},
		{name: "set-body literal", api: in(`<set-body>hello</set-body>`)},
		{name: "set-body liquid", api: in(`<set-body template="liquid">{{body.a}}</set-body>`), want: both},
		{name: "validate-content", api: in(`<validate-content unspecified-content-type-action="prevent" max-size="100" size-exceeded-action="prevent"/>`), want: both},
		{name: "json-to-xml", api: out(`<json-to-xml apply="always"/>`), want: both},
		{name: "find-and-replace", api: out(`<find-and-replace from="a" to="b"/>`), want: both},
		{name: "cache-store", api: out(`<cache-store duration="10"/>`), want: both},
		{name: "retry resends the body", api: `<policies><inbound><base/></inbound><backend><retry condition="@(context.Response.StatusCode == 500)" count="2" interval="0"><forward-request/></retry></backend><outbound><base/></outbound><on-error><base/></on-error></policies>`, want: req},
		{name: "forward-request following redirects", api: `<policies><inbound><base/></inbound><backend><forward-request follow-redirects="true"/></backend><outbound><base/></outbound><on-error><base/></on-error></policies>`, want: req},
		{name: "forward-request buffer-request-body", api: `<policies><inbound><base/></inbound><backend><forward-request buffer-request-body="true"/></backend><outbound><base/></outbound><on-error><base/></on-error></policies>`, want: req},
		{name: "forward-request with a timeout", api: `<policies><inbound><base/></inbound><backend><forward-request timeout="20" follow-redirects="false"/></backend><outbound><base/></outbound><on-error><base/></on-error></policies>`},
		{name: "two forward-requests", api: `<policies><inbound><base/></inbound><backend><forward-request/><forward-request/></backend><outbound><base/></outbound><on-error><base/></on-error></policies>`, want: req},
		{name: "send-request copy", api: in(`<send-request mode="copy" response-variable-name="r"><set-url>http://127.0.0.1:1/x</set-url></send-request>`), want: req},
		{name: "send-request new", api: in(`<send-request mode="new" response-variable-name="r"><set-url>http://127.0.0.1:1/x</set-url><set-method>GET</set-method></send-request>`)},
		{name: "send-one-way-request copy", api: in(`<send-one-way-request mode="copy"><set-url>http://127.0.0.1:1/x</set-url></send-one-way-request>`), want: req},
		{name: "send-one-way-request new", api: in(`<send-one-way-request mode="new"><set-url>http://127.0.0.1:1/x</set-url><set-method>GET</set-method></send-one-way-request>`)},
		{name: "send-request new with a copied body", api: in(`<send-request mode="new" response-variable-name="r"><set-url>http://127.0.0.1:1/x</set-url><set-method>POST</set-method><set-body>@(context.Request.Body.As<string>(preserveContent: true))</set-body></send-request>`), want: req},
		{name: "nested in choose", api: in(`<choose><when condition="@(true)"><set-variable name="v" value="@(context.Request.Body.As<string>())"/></when></choose>`), want: req},
		{name: "global scope through base", global: in(`<set-variable name="v" value="@(context.Request.Body.As<string>())"/>`), api: in(``), want: req},
		{name: "global cut off without base", global: in(`<set-variable name="v" value="@(context.Request.Body.As<string>())"/>`), api: `<policies><inbound><set-header name="x" exists-action="override"><value>1</value></set-header></inbound><backend><forward-request/></backend><outbound/><on-error/></policies>`},
		{name: "on-error counts", api: `<policies><inbound><base/></inbound><backend><base/></backend><outbound><base/></outbound><on-error><base/><set-variable name="v" value="@(context.Response.Body.As<string>())"/></on-error></policies>`, want: resp},
		{name: "fragment", api: in(`<include-fragment fragment-id="f"/>`), fragment: `<fragment><set-variable name="v" value="@(context.Request.Body.As<string>())"/></fragment>`, want: req},
		{name: "log-to-eventhub over the body", api: in(`<log-to-eventhub logger-id="l">@(context.Request.Body.As<string>(preserveContent: true))</log-to-eventhub>`), want: req},
		{name: "an llm policy", api: in(`<llm-token-limit counter-key="k" tokens-per-minute="100" estimate-prompt-tokens="true"/>`), want: both},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opn := &Operation{ID: "o", Method: "POST", URLTemplate: "/*"}
			cfg := &Config{APIs: []*API{{ID: "a", Path: "a", ServiceURL: "http://127.0.0.1:1", IsCurrent: true, Operations: []*Operation{opn}}}}
			if tc.global != "" {
				cfg.Global = &PolicyDoc{File: "global.xml", Source: []byte(tc.global)}
			}
			if tc.api != "" {
				cfg.APIs[0].Policy = &PolicyDoc{File: "api.xml", Source: []byte(tc.api)}
			}
			if tc.fragment != "" {
				cfg.Fragments = map[string]*PolicyDoc{"f": {File: "f.xml", Source: []byte(tc.fragment)}}
			}
			e, errs := Compile(cfg, Options{})
			if e == nil {
				t.Fatal(errs)
			}
			p := e.Pipeline(opn, "")
			if p.Reads != tc.want {
				t.Errorf("Reads = %b, want %b", p.Reads, tc.want)
			}
			if p.ReadsRequestBody() != (tc.want&req != 0) || p.ReadsResponseBody() != (tc.want&resp != 0) {
				t.Errorf("ReadsRequestBody %v ReadsResponseBody %v for %b", p.ReadsRequestBody(), p.ReadsResponseBody(), tc.want)
			}
		})
	}

}

// TestGraphQLPipelineReadsBodies: a synthetic GraphQL API's executor
// parses the query from the request body and builds the answer, so its
// pipelines buffer both bodies.
func TestGraphQLPipelineReadsBodies(t *testing.T) {
	t.Parallel()
	cfg := graphqlConfig(t, resolverAt("r1", "Query/users", okResolver))
	e, errs := Compile(cfg, Options{})
	if e == nil {
		t.Fatal(errs)
	}
	p := e.Pipeline(cfg.APIs[0].Operations[0], "")
	if !p.ReadsRequestBody() || !p.ReadsResponseBody() {
		t.Errorf("a GraphQL pipeline streams: request %v response %v", p.ReadsRequestBody(), p.ReadsResponseBody())
	}
}
