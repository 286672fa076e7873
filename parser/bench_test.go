package parser

import "testing"

// benchDocs are typical small policy documents, as a 1,000-API configuration
// holds them.
var benchDocs = map[string]string{
	"policy": `<policies><inbound><base /><include-fragment fragment-id="common" /><set-header name="x-api" exists-action="override"><value>@("api-0001-" + context.Request.Headers.GetValueOrDefault("x-id", "none") + "-0")</value></set-header><set-header name="x-nv" exists-action="override"><value>{{greeting}}</value></set-header><choose><when condition="@(context.Request.Method == &quot;POST&quot;)"><set-variable name="w" value="@(context.Request.Url.Query.GetValueOrDefault(&quot;q&quot;, &quot;&quot;))" /></when></choose></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`,
	"fragment": `<fragment>
	<!-- rate limits per subscription -->
	<rate-limit-by-key calls="100" renewal-period="60" counter-key="@(context.Subscription.Id)" />
	<set-body>@{
		var body = context.Request.Body.As<JObject>(preserveContent: true);
		body["api"] = "{{api-name}}";
		return body.ToString();
	}</set-body>
	<set-header name="Content-Type" exists-action="override"><value>application/json</value></set-header>
</fragment>`,
	"plain": `<policies>
  <inbound>
    <base />
    <cors allow-credentials="true">
      <allowed-origins><origin>https://contoso.com</origin><origin>https://fabrikam.com</origin></allowed-origins>
      <allowed-methods><method>GET</method><method>POST</method></allowed-methods>
    </cors>
    <rewrite-uri template="/v2/{id}" copy-unmatched-params="true" />
  </inbound>
  <backend><forward-request timeout="30" /></backend>
  <outbound><base /></outbound>
  <on-error><base /></on-error>
</policies>`,
}

func BenchmarkParsePolicy(b *testing.B) {
	for _, name := range []string{"policy", "fragment", "plain"} {
		src := []byte(benchDocs[name])
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				if _, errs := Parse("bench.xml", src); errs.HasErrors() {
					b.Fatal(errs)
				}
			}
		})
	}
}
