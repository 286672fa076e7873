package policies

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies/state"
)

// quota caps the calls and/or bandwidth of a subscription over fixed
// windows.
//
//	<quota calls="10000" bandwidth="40000" renewal-period="3600">
//	  <api name="name" id="id" calls="n" bandwidth="kb" renewal-period="s">   <!-- 0..n -->
//	    <operation name="name" id="id" calls="n" bandwidth="kb" renewal-period="s" />
//	  </api>
//	</quota>
//
// Inbound, product scope; all values are literal. Windows of renewal-period
// seconds are aligned to the subscription's start (StartDate, else
// CreatedDate); renewal-period 0 never resets. bandwidth is in kilobytes of
// request body plus response body (the response's bytes are counted by
// RunAfter). Requests without a subscription are not limited. A call once
// the calls or bytes reached the limit fails with 403, Retry-After and
// "Out of call volume quota. Quota will be replenished in hh:mm:ss." (or
// "Out of bandwidth quota. …"); the wait uses .NET TimeSpan's "c" format
// (d.hh:mm:ss past a day). With renewal-period 0 there is no Retry-After
// and the message ends "Quota will not be replenished." (project
// decision). A refused call is not counted.
type quota struct {
	quotaBudget
	apis []limitScope
}

// quotaBudget is what quota and quota-by-key allow per renewal period.
type quotaBudget struct {
	calls, bandwidth int // -1: no such limit
	period           time.Duration
}

func compileQuotaBudget(el *parser.Element, c *Compiler) quotaBudget {
	var b quotaBudget
	var ok bool
	if b.calls, ok = litInt(c, el, "calls"); !ok {
		b.calls = -1
	}
	if b.bandwidth, ok = litInt(c, el, "bandwidth"); !ok {
		b.bandwidth = -1
	}
	if el.Attr("calls") == nil && el.Attr("bandwidth") == nil {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<%s> needs calls or bandwidth", el.Name)
	}
	b.period = time.Duration(requireInt(c, el, "renewal-period")) * time.Second
	return b
}

var _ Step = (*quota)(nil)

func init() { Register("quota", compileQuota) }

func compileQuota(el *parser.Element, c *Compiler) (Step, error) {
	s := &quota{apis: compileLimitTargets(el, c, true)}
	s.quotaBudget = compileQuotaBudget(el, c)
	return s, nil
}

// quotaLimit is one fixed-window counter a call is checked against.
type quotaLimit struct {
	key       string
	calls, kb int64 // -1: no such limit
	period    time.Duration
}

func (s *quota) Exec(r *Run) error {
	sub := r.Ctx.Subscription
	if sub == nil {
		return nil
	}
	lims, hit := applicable(r, "quota", s.calls, s.period, s.apis)
	ql := []quotaLimit{{key: lims[0].key, calls: int64(s.calls), kb: int64(s.bandwidth), period: s.period}}
	for i, t := range hit {
		ql = append(ql, quotaLimit{key: lims[i+1].key, calls: int64(t.calls), kb: int64(t.bandwidth), period: t.period})
	}
	anchor := sub.CreatedDate.T
	if sub.StartDate != nil {
		anchor = sub.StartDate.T
	}
	_, err := takeQuota(r, "quota", ql, anchor, 1, true)
	return err
}

// takeQuota checks a call against fixed-window counters anchored at
// anchor and, when add is set and every counter allows it, counts n calls
// and the request body in each, as one step. It returns the windows the
// call counts in.
func takeQuota(r *Run, source string, lims []quotaLimit, anchor time.Time, n int64, add bool) ([]Window, error) {
	now := r.Now()
	ws := make([]Window, len(lims))
	t := state.FixedTake{Calls: n, Bytes: requestBytes(r), Add: add, Limits: make([]state.FixedLimit, len(lims))}
	for i, l := range lims {
		ws[i] = AlignedWindow(anchor, now, l.period)
		t.Limits[i] = state.FixedLimit{Key: l.key, Window: state.Window(ws[i]), Calls: l.calls, Bytes: -1}
		if l.kb >= 0 {
			t.Limits[i].Bytes = l.kb * 1024
		}
	}
	res, err := stateOf(r).Fixed(stateCtx(r), t)
	if err != nil {
		return ws, stateFailed(r, source, err)
	}
	if i := res.Refused; i >= 0 {
		what := "call volume"
		if res.ByBytes {
			what = "bandwidth"
		}
		return ws, quotaExceeded(source, what, now, ws[i])
	}
	if add {
		countResponseBytes(r, lims, ws)
	}
	return ws, nil
}

// addQuota counts a call later (a deferred increment): n calls and the
// request body, then the response body.
func addQuota(r *Run, lims []quotaLimit, ws []Window, n int64) {
	addFixed(r, lims, ws, n, requestBytes(r))
	countResponseBytes(r, lims, ws)
}

// addFixed adds calls and bytes to the counters of lims (too late to
// refuse: a failure is only recorded).
func addFixed(r *Run, lims []quotaLimit, ws []Window, calls, bytes int64) {
	st := stateOf(r)
	for i, l := range lims {
		if _, err := st.FixedAdd(stateCtx(r), l.key, state.Window(ws[i]), calls, bytes); err != nil {
			st.Failed("quota", err)
			return
		}
	}
}

// countResponseBytes counts the final response's body once it is known,
// when one of lims limits bandwidth.
func countResponseBytes(r *Run, lims []quotaLimit, ws []Window) {
	bandwidth := false
	for _, l := range lims {
		bandwidth = bandwidth || l.kb >= 0
	}
	if !bandwidth {
		return
	}
	deferAfter(r, func() { addFixed(r, lims, ws, 0, responseBytes(r)) })
}

func requestBytes(r *Run) int64 {
	if r.Ctx.Request != nil && r.Ctx.Request.Body != nil {
		return int64(len(r.Ctx.Request.Body.Bytes()))
	}
	return 0
}

// responseBytes is the size of the final response body: its bytes, or its
// Content-Length when the body was streamed.
func responseBytes(r *Run) int64 {
	resp := r.Ctx.Response
	if resp == nil {
		return 0
	}
	if resp.Body != nil {
		if n := len(resp.Body.Bytes()); n > 0 {
			return int64(n)
		}
	}
	if resp.Headers != nil {
		if v := resp.Headers.H.Get("Content-Length"); v != "" {
			n, _ := strconv.ParseInt(v, 10, 64)
			return max(n, 0)
		}
	}
	return 0
}

// quotaExceeded is the 403 failure of quota and quota-by-key.
func quotaExceeded(source, what string, now time.Time, w Window) error {
	e := &Error{Source: source, Reason: ReasonQuotaExceeded, Status: http.StatusForbidden}
	e.Message, e.Header = replenish("Out of "+what+" quota.", now, w)
	return e
}

// replenish finishes a quota message with the wait until w ends and gives
// the Retry-After header (none for a window that never ends).
func replenish(msg string, now time.Time, w Window) (string, http.Header) {
	if w.End.IsZero() {
		return msg + " Quota will not be replenished.", nil
	}
	secs := retrySeconds(w.End.Sub(now))
	return fmt.Sprintf("%s Quota will be replenished in %s.", msg, timeSpanC(secs)), http.Header{"Retry-After": {strconv.FormatInt(secs, 10)}}
}

// timeSpanC formats whole seconds as .NET's TimeSpan "c" format:
// hh:mm:ss, or d.hh:mm:ss from one day on.
func timeSpanC(secs int64) string {
	d, h, m, s := secs/86400, secs/3600%24, secs/60%60, secs%60
	if d > 0 {
		return fmt.Sprintf("%d.%02d:%02d:%02d", d, h, m, s)
	}
	return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
}
