package gateway

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/policies"
)

// A secret named value, and what expressions derive from it, never reach a
// trace or the log in clear: the trace policy's message and metadata,
// context.Trace, the variables a statement set, an error's text.
func TestSecretsAndWhatDerivesFromThemAreMaskedInTracesAndLogs(t *testing.T) {
	const secret = "s3cr3t-Value-4711"
	store := namedvalues.NewStore()
	if err := store.Set(namedvalues.NamedValue{Name: "api-secret", Value: secret, Secret: true}); err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig(newBackend(t).URL)
	cfg.NamedValues = store
	cfg.APIs[0].Policy = doc(`<policies><inbound>
		<set-variable name="upper" value="@(&quot;{{api-secret}}&quot;.ToUpper())" />
		<set-variable name="tail" value="@(&quot;{{api-secret}}&quot;.Substring(3))" />
		<trace source="t"><message>@("upper is " + (string)context.Variables["upper"])</message><metadata name="tail" value="@((string)context.Variables["tail"])"/></trace>
		<set-variable name="traced" value="@{ context.Trace("secret is {{api-secret}}"); return "yes"; }" />
		<set-variable name="boom" value="@{ throw new Exception("failed with " + "{{api-secret}}".Replace("-", "+")); }" />
	</inbound><backend><forward-request/></backend><outbound/><on-error/></policies>`)
	var logs bytes.Buffer
	var mu sync.Mutex
	var traces []policies.TraceEntry
	srv := newGW(t, cfg, WithTracing(true), WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		WithObserver(func(r *policies.Run, _ engine.Outcome) {
			mu.Lock()
			defer mu.Unlock()
			traces = append(traces, r.Trace.Entries...)
		}))
	if r := call(t, "GET", srv.URL+"/echo/x", nil, ""); r.status != 500 {
		t.Fatalf("status %d, want the 500 of the throw", r.status)
	}
	mu.Lock()
	data, _ := json.Marshal(traces)
	mu.Unlock()
	for _, where := range []struct{ name, text string }{{"trace", string(data)}, {"log", logs.String()}} {
		for _, leak := range []string{secret, strings.ToUpper(secret), secret[3:], strings.ReplaceAll(secret, "-", "+")} {
			if strings.Contains(where.text, leak) {
				t.Errorf("%s shows %q:\n%s", where.name, leak, where.text)
			}
		}
	}
	for _, want := range []string{"upper is ***", `"tail":"***"`, "secret is ***", "Expression evaluation failed. ***"} {
		if !strings.Contains(string(data), want) && !strings.Contains(logs.String(), want) {
			t.Errorf("neither trace nor log shows %q:\n%s\n%s", want, data, logs.String())
		}
	}
}
