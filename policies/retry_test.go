package policies

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRetryDelay(t *testing.T) {
	s := time.Second
	mid := func() float64 { return 0.5 } // random factor 1.0
	tests := []struct {
		name string
		plan retryPlan
		want []time.Duration // waits before retries 1, 2, …
	}{
		{"fixed", retryPlan{interval: 3 * s}, []time.Duration{3 * s, 3 * s, 3 * s}},
		{"linear", retryPlan{interval: 10 * s, delta: 5 * s, hasDelta: true}, []time.Duration{10 * s, 15 * s, 20 * s, 25 * s}},
		{"exponential as documented", retryPlan{interval: 10 * s, delta: 10 * s, maxIntvl: 100 * s, hasDelta: true, hasMax: true},
			[]time.Duration{10 * s, 20 * s, 40 * s, 80 * s, 100 * s, 100 * s}},
		{"first fast retry", retryPlan{interval: 2 * s, firstFast: true}, []time.Duration{0, 2 * s, 2 * s}},
		{"max without delta caps interval", retryPlan{interval: 9 * s, maxIntvl: 4 * s, hasMax: true}, []time.Duration{4 * s, 4 * s}},
		{"many retries do not overflow", retryPlan{interval: s, delta: s, maxIntvl: 7 * s, hasDelta: true, hasMax: true},
			[]time.Duration{s, 2 * s, 4 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s, 7 * s}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, want := range tt.want {
				if got := tt.plan.delay(i+1, mid); got != want {
					t.Errorf("retry %d: wait %v, want %v", i+1, got, want)
				}
			}
		})
	}
	// The random factor stays within 0.8–1.2 of delta.
	p := retryPlan{interval: 0, delta: 10 * s, maxIntvl: time.Hour, hasDelta: true, hasMax: true}
	if lo, hi := p.delay(2, func() float64 { return 0 }), p.delay(2, func() float64 { return 0.999999 }); lo != 8*s || hi < 11900*time.Millisecond || hi > 12*s {
		t.Errorf("jitter range %v–%v, want 8s–12s", lo, hi)
	}
}

// flowSleeps records the waits a run asked for instead of sleeping.
func flowSleeps(r *Run) *[]time.Duration {
	var mu sync.Mutex
	var got []time.Duration
	r.Context = context.WithValue(r.Context, flowSleepKey{}, func(_ context.Context, d time.Duration) error {
		mu.Lock()
		got = append(got, d)
		mu.Unlock()
		return nil
	})
	return &got
}

// flowCounting answers 500 to the first fails calls, then 200.
func flowCounting(t *testing.T, fails int32) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= fails {
			w.WriteHeader(500)
		}
		io.WriteString(w, "body")
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

const flowRetrySendRequest = `<send-request mode="new" response-variable-name="resp" timeout="5" ignore-error="true"><set-url>%s</set-url><set-method>GET</set-method></send-request>`

func flowRetrySrc(attrs, url string) string {
	return `<retry condition="@(context.Variables[&quot;resp&quot;] == null || ((IResponse)context.Variables[&quot;resp&quot;]).StatusCode >= 500)" ` + attrs + `>` +
		strings.Replace(flowRetrySendRequest, "%s", url, 1) + `</retry>`
}

func TestRetryUntilConditionIsFalse(t *testing.T) {
	tests := []struct {
		name, attrs string
		fails       int32
		calls       int32
		status      int32
		waits       []time.Duration
	}{
		{"succeeds on the third call", `count="5" interval="2" delta="1"`, 2, 3, 200, []time.Duration{2 * time.Second, 3 * time.Second}},
		{"count exhausted", `count="2" interval="1" first-fast-retry="true"`, 100, 3, 500, []time.Duration{0, time.Second}},
		{"no retry needed", `count="3" interval="1"`, 0, 1, 200, nil},
		{"count from an expression", `count="@(1 + 1)" interval="1"`, 100, 3, 500, []time.Duration{time.Second, time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, n := flowCounting(t, tt.fails)
			r := flowRun(Inbound, nil)
			waits := flowSleeps(r)
			st := flowCompile(t, Inbound, flowRetrySrc(tt.attrs, srv.URL))
			if err := st.Exec(r); err != nil {
				t.Fatal(err)
			}
			if n.Load() != tt.calls {
				t.Errorf("%d calls, want %d", n.Load(), tt.calls)
			}
			if resp := flowResponse(t, r, "resp"); resp.StatusCode != tt.status {
				t.Errorf("last status %d, want %d", resp.StatusCode, tt.status)
			}
			if len(*waits) != len(tt.waits) {
				t.Fatalf("waits %v, want %v", *waits, tt.waits)
			}
			for i := range tt.waits {
				if (*waits)[i] != tt.waits[i] {
					t.Errorf("waits %v, want %v", *waits, tt.waits)
				}
			}
		})
	}
}

func TestRetryErrorEndsTheLoop(t *testing.T) {
	r := flowRun(Inbound, nil)
	waits := flowSleeps(r)
	closed := flowClosedURL(t)
	st := flowCompile(t, Inbound, `<retry condition="true" count="3" interval="1"><send-request response-variable-name="v"><set-url>`+closed+`</set-url></send-request></retry>`)
	err := st.Exec(r)
	pe := flowReason(t, err)
	if pe.Reason != ReasonBackend || pe.Source != "send-request" {
		t.Errorf("error %s/%s, want send-request/%s", pe.Source, pe.Reason, ReasonBackend)
	}
	if len(*waits) != 0 {
		t.Errorf("retried after an error: waits %v", *waits)
	}
}

func TestRetryForwardRequestResendsBody(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		n := len(bodies)
		mu.Unlock()
		if n < 3 {
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()
	r := flowRun(Backend, nil)
	flowSleeps(r)
	r.BackendURL, _ = url.Parse(srv.URL)
	r.RelPath = "/orders"
	r.SyncURL()
	st := flowCompile(t, Backend, `<retry condition="@(context.Response.StatusCode == 500)" count="4" interval="1"><forward-request /></retry>`)
	if err := st.Exec(r); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 3 || bodies[0] != "client body" || bodies[2] != "client body" {
		t.Errorf("backend bodies %q, want the client body three times", bodies)
	}
	if r.Ctx.Response.StatusCode != 200 || !r.Forwarded {
		t.Errorf("final status %d forwarded %v", r.Ctx.Response.StatusCode, r.Forwarded)
	}
}

func TestRetrySleepEndsWithTheRequest(t *testing.T) {
	r := flowRun(Inbound, nil)
	ctx, cancel := context.WithCancel(context.Background())
	r.Context = ctx
	st := flowCompile(t, Inbound, `<retry condition="true" count="5" interval="30"><trace source="t"><message>m</message></trace></retry>`)
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	err := st.Exec(r)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the 30 s wait was not cut short (%v)", d)
	}
	if pe := flowReason(t, err); pe.Reason != "ClientConnectionFailure" {
		t.Errorf("reason %q", pe.Reason)
	}
}

func TestRetryCompileErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"count zero", `<retry condition="true" count="0" interval="1" />`, "count must be"},
		{"count too big", `<retry condition="true" count="51" interval="1" />`, "count must be"},
		{"no condition", `<retry count="2" interval="1" />`, "needs a condition"},
		{"condition not a Boolean", `<retry condition="sometimes" count="2" interval="1" />`, "condition must be"},
		{"bad interval", `<retry condition="true" count="2" interval="soon" />`, "interval must be"},
		{"bad first-fast-retry", `<retry condition="true" count="2" interval="1" first-fast-retry="yes" />`, "first-fast-retry must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := flowCompileErrs(t, tt.src)
			if !errs.HasErrors() || !strings.Contains(errs.Error(), tt.want) {
				t.Errorf("errors %v, want one containing %q", errs, tt.want)
			}
		})
	}
	errs := flowCompileErrs(t, `<retry condition="true" count="2" interval="1"><wait><send-request response-variable-name="v"><set-url>http://x</set-url></send-request></wait></retry>`)
	if errs.HasErrors() || !strings.Contains(errs.Error(), "may not contain <wait>") {
		t.Errorf("diagnostics %v, want a warning about wait", errs)
	}
}
