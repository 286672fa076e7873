package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/policygate/policygate/engine"
)

// BenchmarkGatewayRequest measures one request through routing, the
// subscription check, a 4-policy pipeline (three set-backend-service across
// global, API and operation scope, one with an expression, and
// forward-request) and a loopback backend round trip. The client side is
// in-process (httptest.ResponseRecorder) so the figure is the gateway's.
func BenchmarkGatewayRequest(b *testing.B) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	}))
	defer be.Close()
	cfg := &engine.Config{
		Global: doc(`<policies><inbound><set-backend-service base-url="http://127.0.0.1:1/"/></inbound><backend><forward-request timeout="10"/></backend><outbound/><on-error/></policies>`),
		APIs: []*engine.API{{
			ID: "orders", Path: "orders", ServiceURL: be.URL, IsCurrent: true, SubscriptionRequired: true,
			Policy: doc(`<policies><inbound><base/><set-backend-service base-url="@(context.Variables.ContainsKey(&quot;x&quot;) ? &quot;http://127.0.0.1:2/&quot; : &quot;` + be.URL + `/v1&quot;)"/></inbound><backend><base/></backend></policies>`),
			Operations: []*engine.Operation{
				op("list", "GET", "/items"),
				{ID: "get", Method: "GET", URLTemplate: "/items/{id}", Policy: doc(`<policies><inbound><base/><set-backend-service backend-id="b"/></inbound></policies>`)},
				op("post", "POST", "/items"),
			},
		}},
		Subscriptions: []*engine.Subscription{{ID: "s", PrimaryKey: "k", Scope: "all", Active: true}},
		Backends:      map[string]*engine.Backend{"b": {ID: "b", URL: be.URL + "/v2"}},
	}
	g, errs := New(cfg, WithLogger(nil))
	if g == nil {
		b.Fatal(errs)
	}
	req := httptest.NewRequest("GET", "http://gw.test/orders/items/42?x=1", nil)
	req.Header.Set("Ocp-Apim-Subscription-Key", "k")
	req.RemoteAddr = "192.0.2.1:5000"
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		g.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
