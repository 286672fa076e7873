package policies

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// flowSlow answers "slow" after d (or gives up with the client), counting
// the calls it saw cancelled.
func flowSlow(t *testing.T, d time.Duration) (*httptest.Server, *atomic.Int32) {
	var cancelled atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
			io.WriteString(w, "slow")
		case <-r.Context().Done():
			cancelled.Add(1)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &cancelled
}

// flowBroken is a server that drops the connection after d without
// answering.
func flowBroken(t *testing.T, d time.Duration) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(d)
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func flowSend(name, url string) string {
	return `<send-request response-variable-name="` + name + `" timeout="10"><set-url>` + url + `</set-url><set-method>GET</set-method>` +
		`<set-header name="X-Seen" exists-action="override"><value>@(context.Variables.GetValueOrDefault&lt;string&gt;("seed", "none"))</value></set-header></send-request>`
}

func TestWaitAllRunsBranchesConcurrently(t *testing.T) {
	a, _ := flowSlow(t, 300*time.Millisecond)
	b, _ := flowSlow(t, 300*time.Millisecond)
	c, _ := flowSlow(t, 300*time.Millisecond)
	r := flowRun(Inbound, nil)
	r.Ctx.Variables.Set("seed", "s")
	st := flowCompile(t, Inbound, `<wait for="all">`+flowSend("a", a.URL)+flowSend("b", b.URL)+flowSend("c", c.URL)+`</wait>`)
	start := time.Now()
	if err := st.Exec(r); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 850*time.Millisecond {
		t.Errorf("three 300 ms calls took %v: not concurrent", d)
	}
	for _, n := range []string{"a", "b", "c"} {
		if resp := flowResponse(t, r, n); string(resp.Body.Bytes()) != "slow" {
			t.Errorf("%s: body %q", n, resp.Body.Bytes())
		}
	}
}

func TestWaitAnyEndsWithTheFirst(t *testing.T) {
	// The fast branch takes long enough for the slow one's request to arrive.
	fast, _ := flowSlow(t, 200*time.Millisecond)
	slow, cancelled := flowSlow(t, 20*time.Second)
	r := flowRun(Inbound, nil)
	st := flowCompile(t, Inbound, `<wait for="any">`+flowSend("slow", slow.URL)+flowSend("fast", fast.URL)+`</wait>`)
	start := time.Now()
	if err := st.Exec(r); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("wait for any took %v", d)
	}
	flowResponse(t, r, "fast")
	if _, ok := r.Ctx.Variables.Get("slow"); ok {
		t.Error("the cancelled branch set its variable")
	}
	flowEventually(t, "the slow call to be cancelled", func() bool { return cancelled.Load() == 1 })
}

func TestWaitAllFailsWithTheFirstError(t *testing.T) {
	slow, cancelled := flowSlow(t, 20*time.Second)
	r := flowRun(Inbound, nil)
	st := flowCompile(t, Inbound, `<wait>`+flowSend("slow", slow.URL)+flowSend("bad", flowBroken(t, 200*time.Millisecond))+`</wait>`)
	start := time.Now()
	err := st.Exec(r)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v: the error did not cancel the other branch", d)
	}
	if pe := flowReason(t, err); pe.Reason != ReasonBackend || pe.Source != "send-request" {
		t.Errorf("error %s/%s", pe.Source, pe.Reason)
	}
	flowEventually(t, "the slow call to be cancelled", func() bool { return cancelled.Load() == 1 })
}

func TestWaitNestedAndRetryInBranches(t *testing.T) {
	// The validator forbids these shapes in documents; the runtime must still
	// hand its lock over correctly (a wait inside a branch, a retry sleeping
	// in a branch) without deadlock or races.
	var served atomic.Int32
	ab := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
		served.Add(1)
	}))
	defer ab.Close()
	c, _ := flowSlow(t, 100*time.Millisecond)
	r := flowRun(Inbound, nil)
	r.Context = context.WithValue(context.Background(), flowSleepKey{}, func(ctx context.Context, d time.Duration) error {
		// While this branch sleeps it must not hold the wait's lock.
		l, _ := ctx.Value(flowLockKey{}).(*sync.Mutex)
		if l == nil {
			return errors.New("the retry does not run in a wait branch")
		}
		deadline := time.Now().Add(5 * time.Second)
		for !l.TryLock() {
			if time.Now().After(deadline) {
				return errors.New("a retry sleeps holding the wait lock")
			}
			time.Sleep(time.Millisecond)
		}
		l.Unlock()
		return nil
	})
	st := flowCompile(t, Inbound, `<wait for="all">`+
		`<retry condition="true" count="1" interval="1">`+flowSend("c", c.URL)+`</retry>`+
		`<wait for="all">`+flowSend("a", ab.URL)+flowSend("b", ab.URL)+`</wait>`+
		`</wait>`)
	done := make(chan error, 1)
	go func() { done <- st.Exec(r) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("deadlock")
	}
	for _, n := range []string{"a", "b", "c"} {
		flowResponse(t, r, n)
	}
}

func TestWaitCompileErrors(t *testing.T) {
	errs := flowCompileErrs(t, `<wait for="some" />`)
	if !errs.HasErrors() || !strings.Contains(errs.Error(), "for must be all or any") {
		t.Errorf("errors %v", errs)
	}
	r := flowRun(Inbound, nil)
	st := flowCompile(t, Inbound, `<wait for="@(&quot;most&quot;)"><send-request response-variable-name="v"><set-url>http://127.0.0.1:1</set-url></send-request></wait>`)
	if pe := flowReason(t, st.Exec(r)); pe.Reason != ReasonExpression {
		t.Errorf("reason %q", pe.Reason)
	}
}

func TestWaitKeepsRoutingChangesOfBranches(t *testing.T) {
	// A branch's Run is a copy: what it changes in the routing state must
	// reach the request's Run when the wait ends.
	srv := newFlowRecorder(t, 0)
	r := flowRun(Inbound, nil)
	st := flowCompile(t, Inbound, `<wait for="all"><set-backend-service base-url="http://other.example/api" />`+flowSend("v", srv.URL)+`</wait>`)
	if err := st.Exec(r); err != nil {
		t.Fatal(err)
	}
	if r.BackendURL == nil || r.BackendURL.Host != "other.example" {
		t.Fatalf("BackendURL %v, want the branch's other.example", r.BackendURL)
	}
	if u := r.Ctx.Request.URL; u.Host != "other.example" || !strings.HasPrefix(u.Path, "/api") {
		t.Errorf("context.Request.Url %s %s", u.Host, u.Path)
	}
	flowResponse(t, r, "v")
}
