package gateway

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	collmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	colltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/policies"
)

// otlpReceiver is an OTLP/HTTP collector on loopback that decodes the
// protobuf payloads it receives.
type otlpReceiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	spans   []*tracepb.Span
	metrics []*metricspb.Metric
	bad     []string
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	rc := &otlpReceiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			body = zr
		}
		data, _ := io.ReadAll(body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if ct := r.Header.Get("Content-Type"); ct != "application/x-protobuf" {
			rc.bad = append(rc.bad, r.URL.Path+": content type "+ct)
		}
		var resp proto.Message
		switch r.URL.Path {
		case "/v1/traces":
			var req colltrace.ExportTraceServiceRequest
			if err := proto.Unmarshal(data, &req); err != nil {
				rc.bad = append(rc.bad, "traces: "+err.Error())
				http.Error(w, err.Error(), 400)
				return
			}
			for _, rs := range req.ResourceSpans {
				for _, ss := range rs.ScopeSpans {
					rc.spans = append(rc.spans, ss.Spans...)
				}
			}
			resp = &colltrace.ExportTraceServiceResponse{}
		case "/v1/metrics":
			var req collmetrics.ExportMetricsServiceRequest
			if err := proto.Unmarshal(data, &req); err != nil {
				rc.bad = append(rc.bad, "metrics: "+err.Error())
				http.Error(w, err.Error(), 400)
				return
			}
			for _, rm := range req.ResourceMetrics {
				for _, sm := range rm.ScopeMetrics {
					rc.metrics = append(rc.metrics, sm.Metrics...)
				}
			}
			resp = &collmetrics.ExportMetricsServiceResponse{}
		default:
			rc.bad = append(rc.bad, "unexpected path "+r.URL.Path)
			http.NotFound(w, r)
			return
		}
		out, _ := proto.Marshal(resp)
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(out)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func attrs(kvs []*commonpb.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		switch v := kv.Value.Value.(type) {
		case *commonpb.AnyValue_StringValue:
			m[kv.Key] = v.StringValue
		case *commonpb.AnyValue_IntValue:
			m[kv.Key] = strconv.FormatInt(v.IntValue, 10)
		}
	}
	return m
}

// Not parallel: sets the policies' token source.
func TestOpenTelemetryExport(t *testing.T) {
	policies.SetTokenSource(staticToken{})
	t.Cleanup(func() { policies.SetTokenSource(nil) })
	rc := newOTLPReceiver(t)
	// the backend records the traceparent it gets
	var mu sync.Mutex
	var backendTP []string
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		backendTP = append(backendTP, r.Header.Get("Traceparent"))
		mu.Unlock()
		w.Write([]byte("ok"))
	}))
	t.Cleanup(be.Close)
	a := newEntra(t)
	cfg := authConfig(be.URL, &engine.Backend{Auth: &engine.BackendAuth{
		Kind: engine.AuthClientSecret, TenantID: "t", ClientID: "c", ClientSecret: "s", Scope: "api://llm/.default", AuthorityHost: a.srv.URL,
	}}, nil)
	cfg.APIs = append(cfg.APIs, &engine.API{ID: "sr", Path: "sr", ServiceURL: be.URL, IsCurrent: true,
		Operations: []*engine.Operation{op("side", "GET", "/side")},
		Policy: doc(`<policies><inbound><authentication-managed-identity resource="https://vault.azure.net" output-token-variable-name="t" />` +
			`<send-request mode="new" response-variable-name="r" timeout="5"><set-url>` + be.URL + `/side</set-url><set-method>GET</set-method></send-request>` +
			`<return-response><set-status code="200" reason="OK" /></return-response></inbound><backend /><outbound /><on-error /></policies>`)})
	set, err := LoadSettings("", nil, map[string]string{
		"observability.opentelemetry.enabled":           "true",
		"observability.opentelemetry.collector.uri":     rc.srv.URL,
		"observability.opentelemetry.histogram.buckets": "1,20,300",
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(set, slog.New(slog.DiscardHandler), WithIdentity(a.options()))
	if srv.Telemetry() == nil {
		t.Fatal("telemetry is off")
	}
	e, errs := engine.Compile(cfg, engine.Options{})
	if e == nil {
		t.Fatal(errs)
	}
	srv.Activate(e)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)

	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	const callerSpan = "00f067aa0ba902b7"
	req, _ := http.NewRequest("GET", hs.URL+"/ai/models", nil)
	req.Header.Set("Traceparent", "00-"+traceID+"-"+callerSpan+"-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	const srTrace = "5bf92f3577b34da6a3ce929d0e0e4737"
	req, _ = http.NewRequest("GET", hs.URL+"/sr/side", nil)
	req.Header.Set("Traceparent", "00-"+srTrace+"-"+callerSpan+"-01")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("send-request call: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Telemetry().Flush(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}

	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bad) > 0 {
		t.Errorf("receiver: %v", rc.bad)
	}
	byName := map[string]*tracepb.Span{}
	for _, s := range rc.spans {
		if hex.EncodeToString(s.TraceId) == traceID {
			byName[s.Name] = s
		}
	}
	server, client, token := byName["ai any"], byName["backend GET"], byName["token acquisition"]
	if server == nil || client == nil || token == nil {
		names := []string{}
		for _, s := range rc.spans {
			names = append(names, s.Name+"@"+hex.EncodeToString(s.TraceId))
		}
		t.Fatalf("spans of the caller's trace: want server, backend and token spans; got %v", names)
	}
	if server.Kind != tracepb.Span_SPAN_KIND_SERVER || hex.EncodeToString(server.ParentSpanId) != callerSpan {
		t.Errorf("server span kind %v parent %x: want a server span under the caller's traceparent", server.Kind, server.ParentSpanId)
	}
	sa := attrs(server.Attributes)
	for k, v := range map[string]string{"apim.api.id": "ai", "apim.operation.id": "any", "apim.api.revision": "1",
		"http.request.method": "GET", "url.path": "/ai/models", "http.response.status_code": "200"} {
		if sa[k] != v {
			t.Errorf("server span %s = %q, want %q (%v)", k, sa[k], v, sa)
		}
	}
	if len(sa["apim.request.id"]) != 36 {
		t.Errorf("apim.request.id %q", sa["apim.request.id"])
	}
	for _, c := range []*tracepb.Span{client, token} {
		if !bytes.Equal(c.ParentSpanId, server.SpanId) {
			t.Errorf("span %q's parent is %x, want the server span %x", c.Name, c.ParentSpanId, server.SpanId)
		}
	}
	if client.Kind != tracepb.Span_SPAN_KIND_CLIENT || attrs(client.Attributes)["http.response.status_code"] != "200" {
		t.Errorf("backend span kind %v attributes %v", client.Kind, attrs(client.Attributes))
	}
	if attrs(token.Attributes)["apim.backend.id"] != "llm" {
		t.Errorf("token span attributes %v", attrs(token.Attributes))
	}
	mu.Lock()
	want := "00-" + traceID + "-" + hex.EncodeToString(client.SpanId) + "-01"
	if len(backendTP) < 1 || backendTP[0] != want {
		t.Errorf("backend got traceparent %q, want %q (the backend span's context)", backendTP, want)
	}
	mu.Unlock()

	sr := map[string]*tracepb.Span{}
	for _, s := range rc.spans {
		if hex.EncodeToString(s.TraceId) == srTrace {
			sr[s.Name] = s
		}
	}
	if sr["sr side"] == nil || sr["send-request"] == nil || sr["backend GET"] == nil {
		t.Fatalf("send-request trace: spans %v", sr)
	}
	if !bytes.Equal(sr["send-request"].ParentSpanId, sr["sr side"].SpanId) || !bytes.Equal(sr["backend GET"].ParentSpanId, sr["send-request"].SpanId) {
		t.Error("want server span → send-request → backend call")
	}
	if mi := sr["token acquisition"]; mi == nil || !bytes.Equal(mi.ParentSpanId, sr["sr side"].SpanId) ||
		attrs(mi.Attributes)["apim.token.resource"] != "https://vault.azure.net" {
		t.Errorf("managed identity token span %v", mi)
	}
	if p := attrs(sr["send-request"].Attributes)["apim.policy.path"]; p != "send-request[1]" {
		t.Errorf("send-request span apim.policy.path %q", p)
	}
	mu.Lock()
	if len(backendTP) != 2 || backendTP[1] != "00-"+srTrace+"-"+hex.EncodeToString(sr["backend GET"].SpanId)+"-01" {
		t.Errorf("send-request's backend got traceparent %q", backendTP)
	}
	mu.Unlock()

	found := map[string]bool{}
	for _, m := range rc.metrics {
		found[m.Name] = true
		if m.Name != "policygate.request.duration" {
			continue
		}
		h := m.GetHistogram()
		if h == nil || m.Unit != "ms" {
			t.Fatalf("policygate.request.duration is not a histogram in ms: %v", m)
		}
		for _, dp := range h.DataPoints {
			if got := dp.ExplicitBounds; len(got) != 3 || got[0] != 1 || got[1] != 20 || got[2] != 300 {
				t.Errorf("bounds %v, want the configured 1,20,300", got)
			}
			if a := attrs(dp.Attributes); (a["api.id"] != "ai" && a["api.id"] != "sr") || dp.Count != 1 {
				t.Errorf("data point %v count %d", a, dp.Count)
			}
		}
	}
	for _, name := range []string{"policygate.requests", "policygate.request.duration", "policygate.backend.duration", "policygate.gateway.duration"} {
		if !found[name] {
			t.Errorf("metric %s not exported (got %v)", name, found)
		}
	}
}
