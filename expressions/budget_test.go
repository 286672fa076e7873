package expressions

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/policygate/policygate/expressions/dotnet"
)

func evalBudget(t *testing.T, src string, b *dotnet.RequestBudget) (any, error) {
	t.Helper()
	p, err := Compile(src)
	if err != nil {
		t.Fatal(err)
	}
	c := testContext()
	c.Budget = b
	return p.Eval(c)
}

func wantBudgetError(t *testing.T, err error, msg string) {
	t.Helper()
	var be *dotnet.BudgetError
	if !errors.As(err, &be) || !strings.Contains(be.Msg, msg) {
		t.Fatalf("got %v, want a budget error saying %q", err, msg)
	}
}

func TestMemoryBudgetIsChargedBeforeAllocating(t *testing.T) {
	b := &dotnet.RequestBudget{MaxBytes: 1 << 20}
	for _, src := range []string{
		`@(new object[100000].Length)`,
		`@(Enumerable.Range(0, 100000).ToList())`,
		`@(context.Request.Body.As<JObject>(preserveContent: true).ToString())`,
		`@(JObject.Parse("{\"a\":\"" + new string('x', 100) + "\"}").ToString())`,
		`@(JsonConvert.DeserializeObject("[\"" + new string('x', 100) + "\"]").ToString())`,
		`@(XElement.Parse("<a>" + new string('x', 100) + "</a>").Value)`,
	} {
		b := &dotnet.RequestBudget{MaxBytes: 400}
		_, err := evalBudget(t, src, b)
		wantBudgetError(t, err, "memory budget of 400 bytes")
	}
	// within the budget: the same expressions run, and what they charged adds up
	if _, err := evalBudget(t, `@(new object[1000].Length)`, b); err != nil {
		t.Fatal(err)
	}
	if got := b.Used(); got != 1000*dotnet.ElemBytes {
		t.Errorf("charged %d bytes, want %d", got, 1000*dotnet.ElemBytes)
	}
}

func TestTimeBudgetStopsLoopsAndLazySequences(t *testing.T) {
	for _, src := range []string{
		`@{ var n = 0; while (true) { n++; } return n; }`,
		`@(Enumerable.Range(0, int.MaxValue).Count())`,
		`@(Enumerable.Repeat(1, int.MaxValue).Sum())`,
	} {
		start := time.Now()
		_, err := evalBudget(t, src, &dotnet.RequestBudget{Timeout: 50 * time.Millisecond})
		if src[2] == '{' && errors.Is(err, ErrBudget) {
			continue // the step budget may come first on a fast machine
		}
		wantBudgetError(t, err, "time budget of 50ms")
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s: stopped after %v", src, took)
		}
	}
}

func TestBudgetErrorsCannotBeCaught(t *testing.T) {
	_, err := evalBudget(t, `@{ try { return new object[100000].Length; } catch (Exception e) { return -1; } }`, &dotnet.RequestBudget{MaxBytes: 400})
	wantBudgetError(t, err, "memory budget")
}

func TestAbandonedRequestStopsEvaluation(t *testing.T) {
	done := make(chan struct{})
	close(done)
	_, err := evalBudget(t, `@(Enumerable.Range(0, int.MaxValue).Count())`, &dotnet.RequestBudget{Done: done})
	wantBudgetError(t, err, "abandoned")
}

func TestRangeAndRepeatAreLazy(t *testing.T) {
	got, err := evalString(t, `@(Enumerable.Range(5, int.MaxValue - 5).Skip(3).First() + Enumerable.Repeat("x", int.MaxValue).Take(2).Count())`)
	if err != nil || got != "10" {
		t.Fatalf("got %q, %v; want 10", got, err)
	}
	if _, err := evalString(t, `@(Enumerable.Range(0, int.MaxValue).ToArray())`); err == nil || !strings.Contains(err.Error(), "Array dimensions exceeded") {
		t.Fatalf("got %v, want OutOfMemoryException", err)
	}
}

func TestStringProducersHonourTheCap(t *testing.T) {
	for _, src := range []string{
		`@{ var sb = new StringBuilder(); var s = new string('x', 1 << 20); for (var i = 0; i < 40; i++) { sb.Append(s); } return sb.Length; }`,
		`@(string.Join(",", Enumerable.Repeat(new string('x', 1 << 20), 40)).Length)`,
		`@(string.Concat(Enumerable.Repeat(new string('x', 1 << 20), 40)).Length)`,
		`@{ var e = new XElement("a", new string('x', 1 << 20)); var r = new XElement("r"); for (var i = 0; i < 40; i++) { r.Add(new XElement(e)); } return r.ToString().Length; }`,
	} {
		_, err := evalBudget(t, src, nil)
		if err == nil || !strings.Contains(err.Error(), "string longer than") {
			t.Errorf("%s: got %v, want OutOfMemoryException", src, err)
		}
	}
}

func TestJSONToStringHonoursTheCap(t *testing.T) {
	_, err := evalBudget(t, `@{ var s = new string('x', 1 << 20); var a = new JArray(); for (var i = 0; i < 40; i++) { a.Add(s); } return a.ToString(); }`, nil)
	if err == nil || !strings.Contains(err.Error(), "string longer than") {
		t.Errorf("got %v, want OutOfMemoryException", err)
	}
}
