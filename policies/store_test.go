package policies

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// fakeClock is a clock tests step by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(s string) *fakeClock {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &fakeClock{t: t}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// limitEnv is an Env of its own (so its own stores) on clk.
func limitEnv(clk *fakeClock) *Env { return &Env{Now: clk.Now} }

// limitRun is a fresh inbound request on env.
func limitRun(env *Env) *Run {
	r := newTestRun(Inbound)
	r.Env = env
	return r
}

// limitStep compiles one policy element for sec.
func limitStep(t *testing.T, sec Section, src string) []*Stmt {
	t.Helper()
	stmts, _ := compileSnippet(t, sec, src)
	if len(stmts) == 0 {
		t.Fatalf("%s: no statement", src)
	}
	return stmts
}

// policyError returns the *Error of a failure, failing the test when err is
// not one.
func policyError(t *testing.T, err error) *Error {
	t.Helper()
	var f *Failure
	if !convErrorsAs(err, &f) {
		t.Fatalf("want a policy failure, got %v", err)
	}
	return f.Err
}

// finish sets the final response and runs the post-response work.
func finish(r *Run, status int, body string) {
	r.Ctx.Response = &expressions.Response{StatusCode: int32(status), Headers: expressions.NewHeaders(nil), Body: expressions.NewBody([]byte(body))}
	RunAfter(r)
}

func TestSlidingLogWindow(t *testing.T) {
	t.Parallel()
	clk := newFakeClock("2026-01-15T10:00:00Z")
	st := NewCounterStore(10)
	take := func() (bool, time.Duration) {
		ok, retry := false, time.Duration(0)
		st.Sliding("k", clk.Now(), time.Minute, func(l *SlidingLog) {
			if l.Count(clk.Now(), time.Minute) < 2 {
				l.Add(clk.Now(), 1)
				ok = true
				return
			}
			retry = l.RetryAfter(clk.Now(), time.Minute, 2)
		})
		return ok, retry
	}
	var got []string
	step := func(adv time.Duration) {
		clk.Advance(adv)
		ok, retry := take()
		got = append(got, map[bool]string{true: "ok", false: "429 " + retry.String()}[ok])
	}
	step(0)                // t=0
	step(30 * time.Second) // t=30
	step(10 * time.Second) // t=40: full until t=60
	step(20 * time.Second) // t=60: the first call left the window
	step(1 * time.Second)  // t=61: calls at 30 and 60 fill it until t=90
	want := []string{"ok", "ok", "429 20s", "ok", "429 29s"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("sliding window (-want +got):\n%s", d)
	}
}

func TestSlidingLogSubSecondCallsCountFromTheNextSecond(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 200_000_000, time.UTC)
	var l SlidingLog
	l.prune(now, time.Minute)
	l.Add(now, 3)
	if c := l.Count(now.Add(60*time.Second), time.Minute); c != 3 {
		t.Errorf("count 59.8s later = %d, want 3", c)
	}
	if c := l.Count(now.Add(60*time.Second+800*time.Millisecond), time.Minute); c != 0 {
		t.Errorf("count 60.8s later = %d, want 0", c)
	}
	if got := l.RetryAfter(now, time.Minute, 3); got != 60*time.Second+800*time.Millisecond {
		t.Errorf("retry %v", got)
	}
}

func TestAlignedWindow(t *testing.T) {
	t.Parallel()
	anchor := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 1, 15, 10, 30, 0, 0, time.UTC)
	w := AlignedWindow(anchor, now, time.Hour)
	want := Window{Start: time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 15, 11, 0, 0, 0, time.UTC)}
	if d := cmp.Diff(want, w); d != "" {
		t.Errorf("window (-want +got):\n%s", d)
	}
	before := AlignedWindow(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), now, 24*time.Hour)
	if !before.Start.Equal(time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("window before the anchor starts %v", before.Start)
	}
	if w := AlignedWindow(anchor, now, 0); !w.End.IsZero() || !w.Start.Equal(anchor) {
		t.Errorf("period 0 window %v", w)
	}
}

func TestCounterStoreIsBounded(t *testing.T) {
	t.Parallel()
	st := NewCounterStore(2)
	now := time.Now()
	for _, k := range []string{"a", "b", "a", "c"} {
		st.Sliding(k, now, time.Minute, func(l *SlidingLog) { l.Add(now, 1) })
	}
	if n := st.Len(); n != 2 {
		t.Errorf("len %d, want 2", n)
	}
	// b was the least recently used: it went, a kept its count.
	st.Sliding("a", now, time.Minute, func(l *SlidingLog) {
		if c := l.Count(now, time.Minute); c != 2 {
			t.Errorf("a counted %d, want 2", c)
		}
	})
	st.Sliding("b", now, time.Minute, func(l *SlidingLog) {
		if c := l.Count(now, time.Minute); c != 0 {
			t.Errorf("evicted b counted %d, want 0", c)
		}
	})
}

func TestSlidingLogStaysSmall(t *testing.T) {
	t.Parallel()
	var l SlidingLog
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 100_000 {
		now := start.Add(time.Duration(i) * 10 * time.Millisecond)
		l.prune(now, 5*time.Minute)
		l.Add(now, 1)
	}
	if len(l.at) > 301 {
		t.Errorf("%d entries for a 300s window", len(l.at))
	}
	end := start.Add(100_000 * 10 * time.Millisecond)
	if c := l.Count(end, 5*time.Minute); c < 29_000 || c > 30_100 {
		t.Errorf("count %d, want about 30000", c)
	}
}

func TestCacheStoreExpiryAndBounds(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewCacheStore(2, 100)
	c.Set("a", "A", 10, now.Add(time.Minute))
	if v, _, ok := c.Get("a", now.Add(59*time.Second)); !ok || v != "A" {
		t.Errorf("a before expiry: %v %v", v, ok)
	}
	if _, _, ok := c.Get("a", now.Add(time.Minute)); ok {
		t.Error("a hit at its expiry")
	}
	c.Set("b", "B", 10, now.Add(time.Hour))
	c.Set("c", "C", 10, now.Add(time.Hour))
	c.Set("d", "D", 10, now.Add(time.Hour))
	if c.Len() != 2 {
		t.Errorf("len %d, want 2", c.Len())
	}
	if _, _, ok := c.Get("b", now); ok {
		t.Error("least recently used b kept")
	}
	c.Set("big", "x", 91, now.Add(time.Hour)) // pushes out the rest by bytes
	if _, _, ok := c.Get("d", now); ok || c.Len() != 1 {
		t.Errorf("bytes bound: len %d", c.Len())
	}
	c.Set("huge", "x", 1000, now.Add(time.Hour))
	if _, _, ok := c.Get("huge", now); ok {
		t.Error("a value larger than the cache was stored")
	}
	if !c.Delete("big") || c.Delete("big") {
		t.Error("delete")
	}
}

func TestStoresOf(t *testing.T) {
	t.Parallel()
	a, b := &Env{}, &Env{}
	if first := StoresOf(a); first != StoresOf(a) {
		t.Error("one Env, two stores")
	}
	if StoresOf(a) == StoresOf(b) {
		t.Error("two Envs share stores")
	}
	shared := NewStores()
	c, d := &Env{}, &Env{}
	BindStores(c, shared)
	BindStores(d, shared)
	if StoresOf(c) != shared || StoresOf(d) != shared {
		t.Error("BindStores not used")
	}
	if StoresOf(nil) != defaultStores {
		t.Error("nil Env")
	}
}

func TestRunAfterRunsOnceAndWhatItDefers(t *testing.T) {
	t.Parallel()
	r := newTestRun(Inbound)
	var got []string
	deferAfter(r, func() {
		got = append(got, "first")
		deferAfter(r, func() { got = append(got, "nested") })
	})
	deferAfter(r, func() { got = append(got, "second") })
	RunAfter(r)
	RunAfter(r)
	if d := cmp.Diff([]string{"first", "second", "nested"}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	RunAfter(&Run{}) // no scratch: nothing to do
}

// TestRateLimitByKeyConcurrent runs many requests at once on one key: the
// limit admits exactly calls of them (run with -race).
func TestRateLimitByKeyConcurrent(t *testing.T) {
	t.Parallel()
	clk := newFakeClock("2026-01-15T10:00:00Z")
	env := limitEnv(clk)
	stmts := limitStep(t, Inbound, `<rate-limit-by-key calls="50" renewal-period="60" counter-key="shared" />`)
	var ok, refused atomic.Int32
	var wg sync.WaitGroup
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := limitRun(env)
			err := RunAll(r, stmts)
			switch {
			case err == nil:
				ok.Add(1)
			case policyErrorStatus(err) == http.StatusTooManyRequests:
				refused.Add(1)
			default:
				t.Errorf("unexpected %v", err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 50 || refused.Load() != 150 {
		t.Errorf("admitted %d, refused %d; want 50, 150", ok.Load(), refused.Load())
	}
}

func policyErrorStatus(err error) int {
	var f *Failure
	if convErrorsAs(err, &f) {
		return f.Err.Status
	}
	return 0
}

func TestCacheConcurrent(t *testing.T) {
	t.Parallel()
	c := NewCacheStore(64, 1<<20)
	now := time.Now()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 500 {
				k := strings.Repeat("k", (i+j)%100+1)
				c.Set(k, j, 8, now.Add(time.Minute))
				c.Get(k, now)
				if j%7 == 0 {
					c.Delete(k)
				}
			}
		}()
	}
	wg.Wait()
	if c.Len() > 64 {
		t.Errorf("len %d over the bound", c.Len())
	}
}

func hasError(errs parser.Errors) bool {
	for _, e := range errs {
		if e.Severity == parser.SeverityError {
			return true
		}
	}
	return false
}

// TestLimitPoliciesCompileTheirMinimalForm compiles the minimal element of
// each declaration this branch implements through its factory.
func TestLimitPoliciesCompileTheirMinimalForm(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"rate-limit", "rate-limit-by-key", "quota", "quota-by-key",
		"cache-lookup", "cache-store", "cache-lookup-value", "cache-store-value", "cache-remove-value",
		"llm-token-limit", "azure-openai-token-limit",
	} {
		d := Lookup(name)
		if d == nil || FactoryFor(name) == nil {
			t.Errorf("%s: not declared or not registered", name)
			continue
		}
		b := &builder{}
		c := &Compiler{Scope: ScopeAPI}
		c.SectionStmts(d.Sections[0], []*parser.Element{minimal(b, &d.ElemDecl)})
		if hasError(c.Errs) {
			t.Errorf("%s: minimal form rejected: %v", name, c.Errs)
		}
	}
}
