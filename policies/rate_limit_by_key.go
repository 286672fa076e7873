package policies

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/policygate/policygate/parser"
)

// rate-limit-by-key caps the calls counted under a key over a sliding
// window.
//
//	<rate-limit-by-key calls="n | @(expr)" renewal-period="s | @(expr)"
//	    counter-key="text | @(expr)"
//	    increment-condition="@(bool expr)" increment-count="1 | @(expr)"
//	    retry-after-header-name="Retry-After" retry-after-variable-name="name"
//	    remaining-calls-header-name="name" remaining-calls-variable-name="name"
//	    total-calls-header-name="name" />
//
// Inbound. One counter per counter-key value, shared by every scope and
// API that uses the same value. The check happens when the policy runs: a
// call is refused (429, as rate-limit) once the counter reached calls; a
// refused call is not counted. An allowed call adds increment-count. When
// increment-condition reads context.Response the decision waits for the
// final response (RunAfter); otherwise it is taken at once. The toolkit's
// increment-after-response and flexible-retry-window are accepted and
// ignored.
type rateLimitByKey struct {
	calls, period, key, count *Value
	cond                      *Value
	condAfter                 bool // cond reads context.Response
	hdr                       limitNames
}

var _ Step = (*rateLimitByKey)(nil)

func init() { Register("rate-limit-by-key", compileRateLimitByKey) }

func compileRateLimitByKey(el *parser.Element, c *Compiler) (Step, error) {
	s := &rateLimitByKey{
		calls:  c.Attr(el, "calls", KindInt),
		period: c.Attr(el, "renewal-period", KindInt),
		key:    c.Attr(el, "counter-key", KindString),
		count:  c.Attr(el, "increment-count", KindInt),
		hdr:    compileLimitNames(el, c),
	}
	s.cond, s.condAfter = compileCondition(el, c)
	for _, a := range []string{"increment-after-response", "flexible-retry-window"} {
		if at := el.Attr(a); at != nil {
			c.Warnf(at.Pos, parser.CodeBadAttribute, "%s of <%s> is not documented and has no effect", a, el.Name)
		}
	}
	checkLitInt(c, s.calls)
	checkLitInt(c, s.period)
	checkLitInt(c, s.count)
	return s, nil
}

// compileCondition compiles increment-condition and tells whether it reads
// the response (then it is evaluated once the response is final).
func compileCondition(el *parser.Element, c *Compiler) (*Value, bool) {
	v := c.Attr(el, "increment-condition", KindBool)
	a := el.Attr("increment-condition")
	return v, v.Present && a != nil && a.Value != nil && strings.Contains(a.Value.Text, "Response")
}

// checkLitInt reports a literal integer value that does not parse.
func checkLitInt(c *Compiler, v *Value) {
	if s, ok := v.Literal(); ok && v.Present {
		if _, err := parsePosInt(s); err != nil {
			c.Errorf(v.Pos(), parser.CodeBadAttribute, "%v", err)
		}
	}
}

// evalInt evaluates an integer attribute that must not be negative.
func evalInt(r *Run, v *Value, def int) (int, error) {
	n, err := v.Int(r, def)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, &Error{Reason: ReasonExpression, Message: "Expression evaluation failed. The value must not be negative.", Status: 500}
	}
	return n, nil
}

func (s *rateLimitByKey) Exec(r *Run) error {
	calls, err := evalInt(r, s.calls, 0)
	if err != nil {
		return err
	}
	p, err := evalInt(r, s.period, 0)
	if err != nil {
		return err
	}
	key, err := s.key.String(r)
	if err != nil {
		return err
	}
	n, err := evalInt(r, s.count, 1)
	if err != nil {
		return err
	}
	period := time.Duration(p) * time.Second
	lims := []counterLimit{{key: "rate-limit-by-key|" + key, calls: int64(calls), period: period}}
	add := true
	if s.cond.Present && !s.condAfter {
		if add, err = s.cond.Bool(r, true); err != nil {
			return err
		}
	}
	if !s.condAfter {
		return checkSliding(r, "rate-limit-by-key", lims, int64(n), add, s.hdr)
	}
	if err := checkSliding(r, "rate-limit-by-key", lims, int64(n), false, s.hdr); err != nil {
		return err
	}
	now := r.Now()
	deferIncrement(r, s.cond, func() {
		if _, err := stateOf(r).SlidingAdd(stateCtx(r), lims[0].key, period, now, int64(n), now); err != nil {
			stateFailed(r, "rate-limit-by-key", err) // too late to refuse
		}
	})
	return nil
}

// deferIncrement runs inc once the response is final if cond holds then. A
// condition that throws does not count the call; the failure is logged.
func deferIncrement(r *Run, cond *Value, inc func()) {
	deferAfter(r, func() {
		ok, err := cond.Bool(r, true)
		if err != nil {
			if r.Env != nil && r.Env.Logger != nil {
				r.Env.Logger.Warn("increment-condition failed after the response", "error", err)
			}
			return
		}
		if ok {
			inc()
		}
	})
}

// parsePosInt parses a literal whole number ≥ 0.
func parsePosInt(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a whole number ≥ 0", s)
	}
	return n, nil
}
