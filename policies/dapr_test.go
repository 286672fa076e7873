package policies

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeDapr is a loopback Dapr sidecar serving the documented HTTP API:
// POST /v1.0/publish/{pubsub}/{topic} (204; 404 ERR_PUBSUB_NOT_FOUND for an
// unknown component) and POST /v1.0/bindings/{name} (the request's
// {"data","metadata","operation"}; 200 with the binding's answer, 500
// ERR_INVOKE_OUTPUT_BINDING for an unknown binding).
type fakeDapr struct {
	*httptest.Server
	mu        sync.Mutex
	published []fakeDaprMsg
	invoked   []map[string]json.RawMessage
}

type fakeDaprMsg struct{ pubsub, topic, contentType, body string }

func newFakeDapr(t *testing.T) *fakeDapr {
	f := &fakeDapr{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1.0/"), "/")
		switch {
		case len(parts) == 3 && parts[0] == "publish":
			if parts[1] != "orders" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				io.WriteString(w, `{"errorCode":"ERR_PUBSUB_NOT_FOUND","message":"pubsub `+parts[1]+` not found"}`)
				return
			}
			f.mu.Lock()
			f.published = append(f.published, fakeDaprMsg{parts[1], parts[2], r.Header.Get("Content-Type"), string(b)})
			f.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		case len(parts) == 2 && parts[0] == "bindings":
			var req map[string]json.RawMessage
			if err := json.Unmarshal(b, &req); err != nil {
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"errorCode":"ERR_MALFORMED_REQUEST","message":"`+err.Error()+`"}`)
				return
			}
			if parts[1] != "external-systems" {
				w.WriteHeader(http.StatusInternalServerError)
				io.WriteString(w, `{"errorCode":"ERR_INVOKE_OUTPUT_BINDING","message":"binding `+parts[1]+` not found"}`)
				return
			}
			f.mu.Lock()
			f.invoked = append(f.invoked, req)
			f.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"created":true}`)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(f.Close)
	SetDaprSidecar(f.URL)
	t.Cleanup(func() { SetDaprSidecar("") })
	return f
}

func TestPublishToDapr(t *testing.T) {
	f := newFakeDapr(t)
	r := flowRun(Inbound, nil)
	st := flowCompile(t, Inbound, `<publish-to-dapr pubsub-name="orders" topic="@("new-" + context.Request.Method.ToLower())" response-variable-name="dapr-response" content-type="application/json">@(context.Request.Body.As<string>(preserveContent: true))</publish-to-dapr>`)
	if err := st.Exec(r); err != nil {
		t.Fatal(err)
	}
	if len(f.published) != 1 || f.published[0] != (fakeDaprMsg{"orders", "new-post", "application/json", "client body"}) {
		t.Fatalf("published %+v", f.published)
	}
	if resp := flowResponse(t, r, "dapr-response"); resp.StatusCode != 204 {
		t.Errorf("response %d", resp.StatusCode)
	}

	// pubsub-name/topic-name in topic, a Liquid template.
	st = flowCompile(t, Inbound, `<publish-to-dapr topic="orders/audit" template="liquid">{"method":"{{context.Request.Method}}"}</publish-to-dapr>`)
	if err := st.Exec(flowRun(Inbound, nil)); err != nil {
		t.Fatal(err)
	}
	if len(f.published) != 2 || f.published[1].topic != "audit" || f.published[1].body != `{"method":"POST"}` {
		t.Fatalf("published %+v", f.published)
	}
}

func TestPublishToDaprFailures(t *testing.T) {
	f := newFakeDapr(t)
	r := flowRun(Inbound, nil)
	st := flowCompile(t, Inbound, `<publish-to-dapr pubsub-name="missing" topic="new" response-variable-name="dr">x</publish-to-dapr>`)
	e := flowReason(t, st.Exec(r))
	if e.Source != "publish-to-dapr" || e.Reason != ReasonDaprFailure || e.Status != 500 || !strings.Contains(e.Message, "404") {
		t.Errorf("error %+v", e)
	}
	// The sidecar's answer is kept for on-error to return verbatim.
	if resp := flowResponse(t, r, "dr"); resp.StatusCode != 404 || !strings.Contains(string(resp.Body.Bytes()), "ERR_PUBSUB_NOT_FOUND") {
		t.Errorf("response %d %s", resp.StatusCode, resp.Body.Bytes())
	}
	st = flowCompile(t, Inbound, `<publish-to-dapr pubsub-name="missing" topic="new" ignore-error="true">x</publish-to-dapr>`)
	if err := st.Exec(flowRun(Inbound, nil)); err != nil {
		t.Errorf("ignore-error: %v", err)
	}
	// No sidecar at all.
	SetDaprSidecar(flowClosedURL(t))
	st = flowCompile(t, Inbound, `<publish-to-dapr pubsub-name="orders" topic="new">x</publish-to-dapr>`)
	if e := flowReason(t, st.Exec(flowRun(Inbound, nil))); e.Source != "publish-to-dapr" || e.Reason != ReasonDaprFailure {
		t.Errorf("no sidecar: %+v", e)
	}
	if len(f.published) != 0 {
		t.Errorf("published %+v", f.published)
	}
}

func TestInvokeDaprBinding(t *testing.T) {
	f := newFakeDapr(t)
	r := flowRun(Inbound, nil)
	st := flowCompile(t, Inbound, `<invoke-dapr-binding name="external-systems" operation="create" response-variable-name="bind-response">
		<metadata>
			<item key="source">api-management</item>
			<item key="client-ip">@(context.Request.Method)</item>
		</metadata>
		<data>@("{\"n\":" + 7 + "}")</data>
	</invoke-dapr-binding>`)
	if err := st.Exec(r); err != nil {
		t.Fatal(err)
	}
	if len(f.invoked) != 1 {
		t.Fatalf("invoked %v", f.invoked)
	}
	got := f.invoked[0]
	if string(got["data"]) != `{"n":7}` || string(got["operation"]) != `"create"` || string(got["metadata"]) != `{"client-ip":"POST","source":"api-management"}` {
		t.Errorf("request %s %s %s", got["data"], got["operation"], got["metadata"])
	}
	resp := flowResponse(t, r, "bind-response")
	if resp.StatusCode != 200 || string(resp.Body.Bytes()) != `{"created":true}` {
		t.Errorf("response %d %s", resp.StatusCode, resp.Body.Bytes())
	}

	// Text that is not JSON travels as a JSON string.
	st = flowCompile(t, Inbound, `<invoke-dapr-binding name="external-systems"><data>plain text</data></invoke-dapr-binding>`)
	if err := st.Exec(flowRun(Inbound, nil)); err != nil {
		t.Fatal(err)
	}
	if string(f.invoked[1]["data"]) != `"plain text"` {
		t.Errorf("data %s", f.invoked[1]["data"])
	}

	st = flowCompile(t, Inbound, `<invoke-dapr-binding name="unknown" response-variable-name="br"><data>{}</data></invoke-dapr-binding>`)
	r = flowRun(Inbound, nil)
	if e := flowReason(t, st.Exec(r)); e.Source != "invoke-dapr-binding" || e.Reason != ReasonDaprFailure || !strings.Contains(e.Message, "500") {
		t.Errorf("error %+v", e)
	}
	if resp := flowResponse(t, r, "br"); !strings.Contains(string(resp.Body.Bytes()), "ERR_INVOKE_OUTPUT_BINDING") {
		t.Errorf("response %s", resp.Body.Bytes())
	}
}

func TestDaprCompileErrors(t *testing.T) {
	for src, want := range map[string]string{
		`<publish-to-dapr topic="no-pubsub">x</publish-to-dapr>`:                                    "pubsub-name/topic-name",
		`<publish-to-dapr topic="a/b" timeout="300">x</publish-to-dapr>`:                            "timeout must be 1 to 240",
		`<publish-to-dapr topic="a/b" content-type="text/plain">x</publish-to-dapr>`:                "content-type must be application/json",
		`<invoke-dapr-binding name="b" operation="@(&quot;x&quot;)"><data /></invoke-dapr-binding>`: "operation does not allow policy expressions",
		`<invoke-dapr-binding name="b"><metadata><item>v</item></metadata></invoke-dapr-binding>`:   "<item> needs a key",
	} {
		errs := flowCompileErrs(t, src)
		if !errs.HasErrors() || !strings.Contains(errs.Error(), want) || !strings.Contains(errs.Error(), "t.xml:1:") {
			t.Errorf("%s: %v, want %q with a position", src, errs, want)
		}
	}
}

func TestDaprSidecarDefault(t *testing.T) {
	SetDaprSidecar("")
	t.Setenv("DAPR_HTTP_ENDPOINT", "")
	t.Setenv("DAPR_HTTP_PORT", "")
	if got := DaprSidecar(); got != "http://localhost:3500" {
		t.Errorf("default %q", got)
	}
	t.Setenv("DAPR_HTTP_PORT", "3601")
	if got := DaprSidecar(); got != "http://localhost:3601" {
		t.Errorf("DAPR_HTTP_PORT %q", got)
	}
	SetDaprSidecar("http://127.0.0.1:9/")
	defer SetDaprSidecar("")
	if got := DaprSidecar(); got != "http://127.0.0.1:9" {
		t.Errorf("set %q", got)
	}
}

// TestDaprLiquidLint: a Liquid message is not read for {{named values}}.
func TestDaprLiquidLint(t *testing.T) {
	src := `<policies><inbound><publish-to-dapr pubsub-name="orders" topic="new" template="Liquid">{"a":"{{body.x}}"}</publish-to-dapr></inbound></policies>`
	if p := LintFile("t.xml", []byte(src), LintOptions{Scope: ScopeAPI}).Problems; len(p) != 0 {
		t.Errorf("problems %v", p)
	}
	bad := `<policies><inbound><publish-to-dapr pubsub-name="orders" topic="new" template="liquid">{% if %}</publish-to-dapr></inbound></policies>`
	if p := LintFile("t.xml", []byte(bad), LintOptions{Scope: ScopeAPI}).Problems; !p.HasErrors() {
		t.Errorf("a broken template passed: %v", p)
	}
}
