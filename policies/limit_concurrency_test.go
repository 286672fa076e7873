package policies

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func flowLimitHeld(key string) (int, bool) {
	limitConcSlots.Lock()
	defer limitConcSlots.Unlock()
	n, ok := limitConcSlots.held[key]
	return n, ok
}

func TestLimitConcurrency(t *testing.T) {
	hang, release := flowHang(t)
	src := `<limit-concurrency key="@(&quot;flow-test-&quot; + context.Request.Headers.GetValueOrDefault(&quot;X-Client&quot;, &quot;&quot;))" max-count="2">` +
		`<send-request response-variable-name="v" timeout="20"><set-url>` + hang.URL + `</set-url></send-request></limit-concurrency>`
	st := flowCompile(t, Inbound, src)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.Exec(flowRun(Inbound, nil))
		}()
	}
	flowEventually(t, "two requests inside", func() bool { n, _ := flowLimitHeld("flow-test-c1"); return n == 2 })

	// A third request with the same key is refused at once.
	start := time.Now()
	err := st.Exec(flowRun(Inbound, nil))
	if d := time.Since(start); d > time.Second {
		t.Errorf("the refusal waited %v", d)
	}
	pe := flowReason(t, err)
	if pe.Source != "limit-concurrency" || pe.Reason != ReasonConcurrencyLimit || pe.Status != http.StatusTooManyRequests || pe.Message != "Too many concurrent requests." {
		t.Errorf("error %s/%s %d %q", pe.Source, pe.Reason, pe.Status, pe.Message)
	}

	// Another key has its own slots.
	other := flowRun(Inbound, nil)
	other.Ctx.Request.Headers.H.Set("X-Client", "c2")
	otherDone := make(chan error, 1)
	go func() { otherDone <- st.Exec(other) }()
	flowEventually(t, "the other key inside", func() bool { n, _ := flowLimitHeld("flow-test-c2"); return n == 1 })

	release()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("request %d: %v", i, err)
		}
	}
	if err := <-otherDone; err != nil {
		t.Errorf("other key: %v", err)
	}
	// Slots are given back, and empty keys leave the map.
	for _, k := range []string{"flow-test-c1", "flow-test-c2"} {
		if n, ok := flowLimitHeld(k); ok {
			t.Errorf("key %s still holds %d slots", k, n)
		}
	}
	if err := st.Exec(flowRun(Inbound, nil)); err != nil {
		t.Errorf("after release: %v", err)
	}
}

func TestLimitConcurrencyReleasesOnError(t *testing.T) {
	st := flowCompile(t, Inbound, `<limit-concurrency key="flow-test-err" max-count="1"><send-request response-variable-name="v"><set-url>`+flowClosedURL(t)+`</set-url></send-request></limit-concurrency>`)
	for i := range 2 {
		err := st.Exec(flowRun(Inbound, nil))
		if pe := flowReason(t, err); pe.Reason != ReasonBackend {
			t.Errorf("run %d: reason %q, want the child's %q (slot not released?)", i, pe.Reason, ReasonBackend)
		}
	}
	if n, ok := flowLimitHeld("flow-test-err"); ok {
		t.Errorf("key still holds %d slots", n)
	}
}

func TestLimitConcurrencyCompileErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"no key", `<limit-concurrency max-count="1" />`, "needs a key"},
		{"no max-count", `<limit-concurrency key="k" />`, "needs a max-count"},
		{"zero max-count", `<limit-concurrency key="k" max-count="0" />`, "max-count must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := flowCompileErrs(t, tt.src)
			if !errs.HasErrors() || !strings.Contains(errs.Error(), tt.want) {
				t.Errorf("errors %v, want one containing %q", errs, tt.want)
			}
		})
	}
}
