package policies

import (
	"time"

	"github.com/policygate/policygate/parser"
)

// quota-by-key caps the calls and/or bandwidth counted under a key over
// fixed windows.
//
//	<quota-by-key calls="n" bandwidth="kb" renewal-period="s"
//	    counter-key="text | @(expr)"
//	    increment-condition="@(bool expr)" increment-count="1 | @(expr)"
//	    first-period-start="yyyy-MM-ddTHH:mm:ssZ" />
//
// Inbound. One counter per counter-key value, shared across scopes.
// Windows of renewal-period seconds are aligned to first-period-start
// (default 0001-01-01T00:00:00Z); 0 never resets. The check happens when
// the policy runs and fails as quota does (403, Retry-After). An allowed
// call adds increment-count calls and its request and response bytes; when
// increment-condition reads context.Response the whole increment waits for
// the final response (RunAfter). Several quota-by-key policies counting the
// same key value in one request count it once.
type quotaByKey struct {
	quotaBudget
	start            time.Time
	key, count, cond *Value
	condAfter        bool
}

var _ Step = (*quotaByKey)(nil)

func init() { Register("quota-by-key", compileQuotaByKey) }

func compileQuotaByKey(el *parser.Element, c *Compiler) (Step, error) {
	s := &quotaByKey{
		key:   c.Attr(el, "counter-key", KindString),
		count: c.Attr(el, "increment-count", KindInt),
	}
	s.cond, s.condAfter = compileCondition(el, c)
	checkLitInt(c, s.count)
	s.quotaBudget = compileQuotaBudget(el, c)
	s.start = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	if v := litStr(c, el, "first-period-start", ""); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			c.Errorf(el.Attr("first-period-start").Pos, parser.CodeBadAttribute, "first-period-start %q is not a date yyyy-MM-ddTHH:mm:ssZ", v)
		}
		s.start = t.UTC()
	}
	return s, nil
}

// quotaByKeyCounted is the Run.Scratch entry holding the key values a
// quota-by-key already counted in this request.
const quotaByKeyCounted = "quota-by-key"

func (s *quotaByKey) Exec(r *Run) error {
	key, err := s.key.String(r)
	if err != nil {
		return err
	}
	n, err := evalInt(r, s.count, 1)
	if err != nil {
		return err
	}
	if r.Scratch == nil {
		r.Scratch = map[string]any{}
	}
	counted, _ := r.Scratch[quotaByKeyCounted].(map[string]bool)
	if counted == nil {
		counted = map[string]bool{}
		r.Scratch[quotaByKeyCounted] = counted
	}
	if counted[key] {
		return nil // another quota-by-key counts this key value in this request
	}
	add := !s.condAfter
	if s.cond.Present && !s.condAfter {
		if add, err = s.cond.Bool(r, true); err != nil {
			return err
		}
	}
	lims := []quotaLimit{{key: "quota-by-key|" + key, calls: int64(s.calls), kb: int64(s.bandwidth), period: s.period}}
	ws, err := takeQuota(r, "quota-by-key", lims, s.start, int64(n), add)
	if err != nil {
		return err
	}
	if add || s.condAfter {
		counted[key] = true
	}
	if s.condAfter {
		deferIncrement(r, s.cond, func() { addQuota(r, lims, ws, int64(n)) })
	}
	return nil
}
