package policies

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// flowEventually polls cond for up to 5 s.
func flowEventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSendOneWayRequestDoesNotWait(t *testing.T) {
	release := make(chan struct{})
	got := make(chan flowSeen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- flowSeen{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: string(b)}
		<-release
	}))
	defer srv.Close()
	defer close(release)
	log := &flowLogBuf{}
	r := flowRun(Outbound, log)
	st := flowCompile(t, Outbound, `<send-one-way-request mode="new" timeout="10">
		<set-url>`+srv.URL+`/hook</set-url>
		<set-method>POST</set-method>
		<set-header name="X-Event" exists-action="override"><value>@(context.Request.Method)</value></set-header>
		<set-body>event</set-body>
	</send-one-way-request>`)
	start := time.Now()
	if err := st.Exec(r); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Exec blocked for %v", d)
	}
	select {
	case c := <-got:
		if c.Method != "POST" || c.Path != "/hook" || c.Header.Get("X-Event") != "POST" || c.Body != "event" {
			t.Errorf("received %+v", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the one-way request never arrived")
	}
	if len(r.Ctx.Variables.Names()) != 0 {
		t.Errorf("variables set: %v", r.Ctx.Variables.Names())
	}
}

func TestSendOneWayRequestFailureIsLogged(t *testing.T) {
	log := &flowLogBuf{}
	r := flowRun(Inbound, log)
	st := flowCompile(t, Inbound, `<send-one-way-request><set-url>`+flowClosedURL(t)+`/x?sig=secret</set-url><set-method>GET</set-method></send-one-way-request>`)
	if err := st.Exec(r); err != nil {
		t.Fatalf("a transport failure reached the pipeline: %v", err)
	}
	flowEventually(t, "the failure log line", func() bool { return strings.Contains(log.String(), "send-one-way-request failed") })
	if !strings.Contains(log.String(), ReasonBackend) || !strings.Contains(log.String(), "/x") {
		t.Errorf("log %q lacks the reason or the path", log.String())
	}
	if strings.Contains(log.String(), "secret") {
		t.Errorf("log %q shows the query", log.String())
	}
}

func TestSendOneWayRequestErrors(t *testing.T) {
	log := &flowLogBuf{}
	r := flowRun(Inbound, log)
	// An expression failure is a policy error.
	st := flowCompile(t, Inbound, `<send-one-way-request><set-url>@(((string)null).Trim())</set-url></send-one-way-request>`)
	if pe := flowReason(t, st.Exec(r)); pe.Reason != ReasonExpression {
		t.Errorf("reason %q", pe.Reason)
	}
	// A request that cannot be built is logged, not raised.
	st = flowCompile(t, Inbound, `<send-one-way-request><set-url>@("not a url")</set-url></send-one-way-request>`)
	if err := st.Exec(r); err != nil {
		t.Errorf("unsendable request raised %v", err)
	}
	if !strings.Contains(log.String(), "send-one-way-request not sent") {
		t.Errorf("log %q", log.String())
	}
}

func TestSendOneWayRequestDropsWhenFull(t *testing.T) {
	// Fill every slot as sends in flight would, then check the next send is
	// dropped at once.
	for range sendOneWayMaxInFlight {
		sendOneWaySlots <- struct{}{}
	}
	defer func() {
		for range sendOneWayMaxInFlight {
			<-sendOneWaySlots
		}
	}()
	srv := newFlowRecorder(t, 0)
	log := &flowLogBuf{}
	r := flowRun(Inbound, log)
	st := flowCompile(t, Inbound, `<send-one-way-request><set-url>`+srv.URL+`</set-url></send-one-way-request>`)
	if err := st.Exec(r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "dropped") {
		t.Errorf("log %q", log.String())
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(srv.calls()); n != 0 {
		t.Errorf("%d calls while full", n)
	}
}
