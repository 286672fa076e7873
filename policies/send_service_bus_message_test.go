package policies

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeServiceBus is a loopback Service Bus namespace serving the REST
// "Send Message" call: POST /{queue|topic}/messages with a Bearer token,
// 201 when taken, 401 without a token, 410 for an entity that does not
// exist.
type fakeServiceBus struct {
	*httptest.Server
	mu   sync.Mutex
	msgs []fakeSBMessage
}

type fakeSBMessage struct {
	entity, body string
	header       http.Header
}

func newFakeServiceBus(t *testing.T) *fakeServiceBus {
	f := &fakeServiceBus{}
	f.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		entity, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/messages")
		switch {
		case r.Method != http.MethodPost || !ok:
			w.WriteHeader(http.StatusNotFound)
		case !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer eyJ"):
			w.WriteHeader(http.StatusUnauthorized)
		case entity != "orders" && entity != "events":
			w.WriteHeader(http.StatusGone)
		default:
			f.mu.Lock()
			f.msgs = append(f.msgs, fakeSBMessage{entity, string(b), r.Header.Clone()})
			f.mu.Unlock()
			w.WriteHeader(http.StatusCreated)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServiceBus) namespace() string { return strings.TrimPrefix(f.URL, "https://") }

// Not parallel: sets the process environment and the token source.
func TestSendServiceBusMessage(t *testing.T) {
	newMIEndpoint(t)
	useIdentity(t)
	f := newFakeServiceBus(t)
	run := func() *Run {
		r := flowRun(Inbound, nil)
		r.Env.Client = f.Client()
		return r
	}
	st := flowCompile(t, Inbound, `<send-service-bus-message queue-name="orders" namespace="`+f.namespace()+`" client-id="sb-client">
		<message-properties>
			<message-property name="Customer">Contoso</message-property>
			<message-property name="Method">@(context.Request.Method)</message-property>
		</message-properties>
		<payload>@(context.Request.Body.As<string>(preserveContent: true))</payload>
	</send-service-bus-message>`)
	if err := st.Exec(run()); err != nil {
		t.Fatal(err)
	}
	if len(f.msgs) != 1 {
		t.Fatalf("%d messages", len(f.msgs))
	}
	m := f.msgs[0]
	if m.entity != "orders" || m.body != "client body" || m.header.Get("Customer") != "Contoso" || m.header.Get("Method") != "POST" ||
		m.header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("message %+v", m)
	}
	// The token is the user-assigned identity's, for Service Bus.
	if a := m.header.Get("Authorization"); !strings.HasSuffix(a, ".sb-client") {
		t.Errorf("Authorization %q", a)
	}

	st = flowCompile(t, Inbound, `<send-service-bus-message topic-name="events" namespace="`+f.namespace()+`"><payload>{"a":1}</payload></send-service-bus-message>`)
	if err := st.Exec(run()); err != nil {
		t.Fatal(err)
	}
	if len(f.msgs) != 2 || f.msgs[1].entity != "events" || f.msgs[1].header.Get("Content-Type") != "application/json" {
		t.Errorf("topic message %+v", f.msgs[1:])
	}

	// A queue that does not exist: 410, the request fails.
	st = flowCompile(t, Inbound, `<send-service-bus-message queue-name="gone" namespace="`+f.namespace()+`"><payload>x</payload></send-service-bus-message>`)
	e := flowReason(t, st.Exec(run()))
	if e.Source != "send-service-bus-message" || e.Reason != ReasonServiceBusSendFailure || e.Status != 500 || !strings.Contains(e.Message, "410") {
		t.Errorf("410: %+v", e)
	}
	// No identity endpoint answering: no token, nothing sent.
	t.Setenv("IDENTITY_HEADER", "wrong")
	useIdentity(t)
	st = flowCompile(t, Inbound, `<send-service-bus-message queue-name="orders" namespace="`+f.namespace()+`" client-id="other-client"><payload>x</payload></send-service-bus-message>`)
	if e := flowReason(t, st.Exec(run())); e.Reason != ReasonTokenAcquisitionFailed {
		t.Errorf("no token: %+v", e)
	}
	if len(f.msgs) != 2 {
		t.Errorf("%d messages, want 2", len(f.msgs))
	}
}

func TestSendServiceBusMessageCompileErrors(t *testing.T) {
	for src, want := range map[string]string{
		`<send-service-bus-message namespace="n.example"><payload>x</payload></send-service-bus-message>`:                               "exactly one of queue-name and topic-name",
		`<send-service-bus-message queue-name="q" topic-name="t" namespace="n.example"><payload>x</payload></send-service-bus-message>`: "exactly one of queue-name and topic-name",
		`<send-service-bus-message queue-name="q"><payload>x</payload></send-service-bus-message>`:                                      "needs a namespace",
		`<send-service-bus-message queue-name="q" namespace="a b/c"><payload>x</payload></send-service-bus-message>`:                    "host name of a Service Bus namespace",
		`<send-service-bus-message queue-name="q" namespace="n.example"></send-service-bus-message>`:                                    "needs a <payload>",
	} {
		errs := flowCompileErrs(t, src)
		if !errs.HasErrors() || !strings.Contains(errs.Error(), want) || !strings.Contains(errs.Error(), "t.xml:1:") {
			t.Errorf("%s: %v, want %q with a position", src, errs, want)
		}
	}
	if u, err := serviceBusBase("my-ns"); err != nil || u.String() != "https://my-ns.servicebus.windows.net" {
		t.Errorf("bare name: %v %v", u, err)
	}
}
