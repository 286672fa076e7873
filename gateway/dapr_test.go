package gateway

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/policygate/policygate/policies"
)

// TestDaprThroughGateway: the dapr.http.endpoint setting points
// publish-to-dapr at a loopback sidecar serving Dapr's publish endpoint;
// a component the sidecar does not know raises on-error, which returns the
// sidecar's answer verbatim, as the reference's example does.
func TestDaprThroughGateway(t *testing.T) {
	var mu sync.Mutex
	var got []string
	sidecar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.URL.Path != "/v1.0/publish/orders/new" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"errorCode":"ERR_PUBSUB_NOT_FOUND"}`)
			return
		}
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer sidecar.Close()

	if _, err := LoadSettings("", nil, map[string]string{"dapr.http.endpoint": "localhost:3500"}); err == nil {
		t.Error("a dapr.http.endpoint without a scheme was accepted")
	}
	set, err := LoadSettings("", nil, map[string]string{"dapr.http.endpoint": sidecar.URL})
	if err != nil {
		t.Fatal(err)
	}
	NewServer(set, slog.New(slog.DiscardHandler))
	t.Cleanup(func() { policies.SetDaprSidecar("") })
	if policies.DaprSidecar() != sidecar.URL {
		t.Fatalf("sidecar %q, want %q", policies.DaprSidecar(), sidecar.URL)
	}

	policy := func(pubsub string) string {
		return `<policies><inbound><publish-to-dapr pubsub-name="` + pubsub + `" topic="new" response-variable-name="dapr-response">@(context.Request.Body.As<string>())</publish-to-dapr>
			<return-response><set-status code="200" reason="OK" /></return-response></inbound>
			<backend /><outbound /><on-error><return-response response-variable-name="dapr-response" /></on-error></policies>`
	}
	gw := newGW(t, withPolicy(baseConfig("http://127.0.0.1:9"), policy("orders")))
	if res := call(t, "POST", gw.URL+"/echo/x", nil, `{"id":1}`); res.status != 200 {
		t.Errorf("publish: %d %s", res.status, res.body)
	}
	mu.Lock()
	if len(got) != 1 || got[0] != `{"id":1}` {
		t.Errorf("sidecar received %q", got)
	}
	mu.Unlock()

	gw = newGW(t, withPolicy(baseConfig("http://127.0.0.1:9"), policy("missing")))
	if res := call(t, "POST", gw.URL+"/echo/x", nil, `{"id":2}`); res.status != 404 || !strings.Contains(res.body, "ERR_PUBSUB_NOT_FOUND") {
		t.Errorf("failure: %d %s, want the sidecar's 404 returned by on-error", res.status, res.body)
	}
}
