package policies

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/policygate/policygate/parser"
)

// retryPolicy is <retry>: it runs its child policies once, then again while condition is true,
// at most count more times.
//
//	<retry condition="@(bool expr) | true | false" count="1..50" interval="seconds"
//	       max-interval="seconds" delta="seconds" first-fast-retry="false | true">
//	    …child policies…
//	</retry>
//
// condition is evaluated after each run, and only when a retry is still
// allowed. The wait before retry n (1-based) is:
//   - interval alone: interval;
//   - interval and delta: interval + (n-1)*delta (linear);
//   - interval, delta and max-interval: interval + (2^(n-1) - 1) *
//     random(0.8*delta, 1.2*delta), at most max-interval (exponential: the
//     documented 10, 20, 40, 80, 100, 100 … s for interval=delta=10 and
//     max-interval=100);
//   - interval and max-interval without delta: min(interval, max-interval);
//   - first-fast-retry="true": no wait before the first retry.
//
// count, the intervals and first-fast-retry are evaluated once, before the
// first run. The waits run on a monotonic timer, not on Env.Now, end early
// when the request is cancelled, and let the other branches of an enclosing
// wait run. An error raised by a child ends the retry and goes to on-error
// (policies.md §2.29; the docs' send-request example relies on
// ignore-error="true" to be retried). forward-request can be retried: it
// rebuilds the backend request, body included, from context.Request on each
// run.
type retryPolicy struct {
	cond                                *Value
	count, interval, maxInterval, delta *Value
	firstFast                           *Value
	body                                []*Stmt
}

var _ Step = (*retryPolicy)(nil)

func init() { Register("retry", compileRetry) }

// retryMaxCount is the documented upper bound of count.
const retryMaxCount = 50

func compileRetry(el *parser.Element, c *Compiler) (Step, error) {
	rt := &retryPolicy{
		cond:        c.Attr(el, "condition", KindBool),
		count:       c.Attr(el, "count", KindInt),
		interval:    c.Attr(el, "interval", KindInt),
		maxInterval: c.Attr(el, "max-interval", KindInt),
		delta:       c.Attr(el, "delta", KindInt),
		firstFast:   c.Attr(el, "first-fast-retry", KindBool),
	}
	if !rt.cond.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<retry> needs a condition")
	} else if lit, ok := rt.cond.Literal(); ok && !flowIsBoolLiteral(lit) {
		c.Errorf(rt.cond.Pos(), parser.CodeBadAttribute, "condition must be a Boolean expression, true or false, not %q", lit)
	}
	if !rt.count.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<retry> needs a count")
	} else if lit, ok := rt.count.Literal(); ok {
		if n, err := flowParseCount(lit); err != nil || n < 1 || n > retryMaxCount {
			c.Errorf(rt.count.Pos(), parser.CodeBadAttribute, "count must be a number from 1 to %d, not %q", retryMaxCount, lit)
		}
	}
	for _, a := range []struct {
		name string
		v    *Value
	}{{"interval", rt.interval}, {"max-interval", rt.maxInterval}, {"delta", rt.delta}} {
		if lit, ok := a.v.Literal(); ok && a.v.Present {
			if _, err := flowParseCount(lit); err != nil {
				c.Errorf(a.v.Pos(), parser.CodeBadAttribute, "%s must be a number of seconds, not %q", a.name, lit)
			}
		}
	}
	if lit, ok := rt.firstFast.Literal(); ok && rt.firstFast.Present && !flowIsBoolLiteral(lit) {
		c.Errorf(rt.firstFast.Pos(), parser.CodeBadAttribute, "first-fast-retry must be true or false, not %q", lit)
	}
	for _, ch := range el.Children {
		if ch.Name == "wait" {
			c.Warnf(ch.Pos, parser.CodeBadStructure, "the retry reference says <retry> may not contain <wait>")
		}
	}
	rt.body = c.Statements(c.Path(), el.Children)
	return rt, nil
}

func flowIsBoolLiteral(s string) bool {
	switch s {
	case "true", "false", "True", "False", "TRUE", "FALSE":
		return true
	}
	return false
}

// retryPlan is a retry's evaluated timing.
type retryPlan struct {
	count                     int
	interval, delta, maxIntvl time.Duration
	hasDelta, hasMax          bool
	firstFast                 bool
}

// delay is the wait before retry n (1-based); rnd returns a number in [0, 1).
func (p retryPlan) delay(n int, rnd func() float64) time.Duration {
	if n == 1 && p.firstFast {
		return 0
	}
	switch {
	case p.hasDelta && p.hasMax:
		factor := 0.8 + 0.4*rnd()
		growth := math.Pow(2, float64(n-1)) - 1
		d := float64(p.interval) + growth*factor*float64(p.delta)
		if d > float64(p.maxIntvl) {
			return p.maxIntvl
		}
		return time.Duration(d)
	case p.hasDelta:
		return p.interval + time.Duration(n-1)*p.delta
	case p.hasMax && p.maxIntvl < p.interval:
		return p.maxIntvl
	}
	return p.interval
}

func (rt *retryPolicy) plan(r *Run) (retryPlan, error) {
	var p retryPlan
	var err error
	if p.count, err = rt.count.Int(r, 0); err != nil {
		return p, err
	}
	if p.count < 0 || p.count > retryMaxCount {
		return p, &Error{Reason: ReasonExpression, Message: fmt.Sprintf("Expression evaluation failed. count must be from 1 to %d, not %d.", retryMaxCount, p.count), Status: 500}
	}
	secs := func(v *Value) (time.Duration, error) {
		n, err := v.Int(r, 0)
		if err != nil {
			return 0, err
		}
		if n < 0 {
			return 0, &Error{Reason: ReasonExpression, Message: fmt.Sprintf("Expression evaluation failed. %d is not a number of seconds.", n), Status: 500}
		}
		return time.Duration(n) * time.Second, nil
	}
	if p.interval, err = secs(rt.interval); err != nil {
		return p, err
	}
	p.hasDelta, p.hasMax = rt.delta.Present, rt.maxInterval.Present
	if p.delta, err = secs(rt.delta); err != nil {
		return p, err
	}
	if p.maxIntvl, err = secs(rt.maxInterval); err != nil {
		return p, err
	}
	p.firstFast, err = rt.firstFast.Bool(r, false)
	return p, err
}

// Exec runs the children until the condition is false or the retries are
// used up.
func (rt *retryPolicy) Exec(r *Run) error {
	p, err := rt.plan(r)
	if err != nil {
		return err
	}
	for n := 0; ; n++ {
		if err := RunAll(r, rt.body); err != nil {
			return err
		}
		if n >= p.count {
			return nil
		}
		again, err := rt.cond.Bool(r, false)
		if err != nil || !again {
			return err
		}
		if err := flowSleep(r, p.delay(n+1, rand.Float64)); err != nil {
			return &Error{Source: "request", Reason: "ClientConnectionFailure", Message: "the client closed the connection", Status: 499, Err: err}
		}
	}
}

// flowSleepKey is the context key of a test's replacement for the sleep
// between retries: a func(context.Context, time.Duration) error.
type flowSleepKey struct{}

// flowSleep waits d on a monotonic timer, or until r's context ends (its
// error is returned). Inside a wait branch the other branches run meanwhile.
func flowSleep(r *Run, d time.Duration) error {
	fn, hooked := r.Context.Value(flowSleepKey{}).(func(context.Context, time.Duration) error)
	if d <= 0 && !hooked {
		return r.Context.Err()
	}
	var err error
	flowUnlocked(r, func() {
		if hooked {
			err = fn(r.Context, d)
			return
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context.Done():
			err = r.Context.Err()
		}
	})
	return err
}
