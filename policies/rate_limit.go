package policies

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies/state"
)

// rate-limit caps the calls of a subscription over a sliding window.
//
//	<rate-limit calls="20" renewal-period="90"
//	    retry-after-header-name="Retry-After" retry-after-variable-name="name"
//	    remaining-calls-header-name="name" remaining-calls-variable-name="name"
//	    total-calls-header-name="name">
//	  <api name="name" id="id" calls="n" renewal-period="s">      <!-- 0..n -->
//	    <operation name="name" id="id" calls="n" renewal-period="s" />  <!-- 0..n -->
//	  </api>
//	</rate-limit>
//
// Inbound; all values are literal. The counter is the subscription's, one
// per document that holds the policy (its scope and entity), plus one per
// matching <api> and <operation> child (id wins over name); a call must
// pass all of them. Requests without a subscription are not limited. A
// call over the limit is not counted and fails with 429, Retry-After (or
// the header named) holding the seconds until a call is allowed, and the
// body "Rate limit is exceeded. Try again in N seconds.". The
// remaining-calls and total-calls headers are added to the final response
// by RunAfter, and to the 429 answer.
type rateLimit struct {
	calls  int
	period time.Duration
	hdr    limitNames
	apis   []limitScope
}

var _ Step = (*rateLimit)(nil)

func init() { Register("rate-limit", compileRateLimit) }

// limitScope is an <api> or <operation> child of rate-limit or quota.
type limitScope struct {
	name, id  string
	calls     int
	bandwidth int // kilobytes; quota only
	period    time.Duration
	ops       []limitScope
}

// limitNames are the header and variable names rate limits report through.
type limitNames struct {
	retryHeader, retryVar         string
	remainingHeader, remainingVar string
	totalHeader                   string
}

func compileLimitNames(el *parser.Element, c *Compiler) limitNames {
	return limitNames{
		retryHeader:     cmp.Or(litStr(c, el, "retry-after-header-name", ""), "Retry-After"),
		retryVar:        litStr(c, el, "retry-after-variable-name", ""),
		remainingHeader: litStr(c, el, "remaining-calls-header-name", ""),
		remainingVar:    litStr(c, el, "remaining-calls-variable-name", ""),
		totalHeader:     litStr(c, el, "total-calls-header-name", ""),
	}
}

// litStr is a literal attribute's text, def when absent.
func litStr(c *Compiler, el *parser.Element, name, def string) string {
	v := c.Attr(el, name, KindString)
	if !v.Present {
		return def
	}
	s, ok := v.Literal()
	if !ok {
		c.Errorf(v.Pos(), parser.CodeBadAttribute, "%s of <%s> cannot be an expression", name, el.Name)
		return def
	}
	return s
}

// litInt is a literal whole-number attribute; ok false when absent or bad
// (bad values are reported).
func litInt(c *Compiler, el *parser.Element, name string) (int, bool) {
	v := c.Attr(el, name, KindInt)
	if !v.Present {
		return 0, false
	}
	s, ok := v.Literal()
	if !ok {
		c.Errorf(v.Pos(), parser.CodeBadAttribute, "%s of <%s> cannot be an expression", name, el.Name)
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		c.Errorf(v.Pos(), parser.CodeBadAttribute, "%s of <%s> must be a whole number ≥ 0, not %q", name, el.Name, s)
		return 0, false
	}
	return n, true
}

// requireInt is litInt for a required attribute.
func requireInt(c *Compiler, el *parser.Element, name string) int {
	n, ok := litInt(c, el, name)
	if !ok && el.Attr(name) == nil {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<%s> needs %s", el.Name, name)
	}
	return n
}

// maxRatePeriod is the longest rate-limit renewal-period APIM accepts.
const maxRatePeriod = 300

func compileLimitTargets(el *parser.Element, c *Compiler, bandwidth bool) []limitScope {
	var out []limitScope
	for _, ch := range el.Children {
		if ch.Name != "api" && ch.Name != "operation" {
			continue
		}
		t := limitScope{name: litStr(c, ch, "name", ""), id: litStr(c, ch, "id", "")}
		if t.name == "" && t.id == "" {
			c.Errorf(ch.Pos, parser.CodeBadAttribute, "<%s> needs a name or an id", ch.Name)
		}
		var hasCalls, hasBW bool
		t.calls, hasCalls = litInt(c, ch, "calls")
		if bandwidth {
			t.bandwidth, hasBW = litInt(c, ch, "bandwidth")
			if !hasCalls && !hasBW && ch.Attr("calls") == nil && ch.Attr("bandwidth") == nil {
				c.Errorf(ch.Pos, parser.CodeBadAttribute, "<%s> needs calls or bandwidth", ch.Name)
			}
		} else if !hasCalls && ch.Attr("calls") == nil {
			c.Errorf(ch.Pos, parser.CodeBadAttribute, "<%s> needs calls", ch.Name)
		}
		if !hasCalls {
			t.calls = -1 // no call limit
		}
		if !hasBW {
			t.bandwidth = -1
		}
		t.period = time.Duration(requireInt(c, ch, "renewal-period")) * time.Second
		if ch.Name == "api" {
			t.ops = compileLimitTargets(ch, c, bandwidth)
		}
		out = append(out, t)
	}
	return out
}

func (t *limitScope) matches(name, id string) bool {
	if t.id != "" {
		return strings.EqualFold(t.id, id)
	}
	return strings.EqualFold(t.name, name)
}

func compileRateLimit(el *parser.Element, c *Compiler) (Step, error) {
	s := &rateLimit{hdr: compileLimitNames(el, c), apis: compileLimitTargets(el, c, false)}
	s.calls = requireInt(c, el, "calls")
	p := requireInt(c, el, "renewal-period")
	if p > maxRatePeriod {
		c.Warnf(el.Pos, parser.CodeBadAttribute, "renewal-period of <rate-limit> is at most %d seconds in APIM, not %d", maxRatePeriod, p)
	}
	s.period = time.Duration(p) * time.Second
	return s, nil
}

// scopeEntity names the document a statement came from, so that rate-limit
// and quota in different documents count separately.
func scopeEntity(r *Run) string {
	if r.Stmt == nil {
		return ""
	}
	c := r.Ctx
	switch r.Stmt.Scope {
	case ScopeProduct:
		if c.Product != nil {
			return "product/" + c.Product.ID + c.Product.Name
		}
	case ScopeAPI:
		if c.API != nil {
			return "api/" + c.API.ID
		}
	case ScopeOperation:
		if c.API != nil && c.Operation != nil {
			return "operation/" + c.API.ID + "/" + c.Operation.ID
		}
	}
	return string(r.Stmt.Scope)
}

// counterLimit is one counter a call is checked against.
type counterLimit struct {
	key    string
	calls  int64
	period time.Duration
}

// applicable lists the counters of a subscription-keyed policy that apply
// to this call: the policy's own, then matching <api>/<operation> children.
func applicable(r *Run, prefix string, calls int, period time.Duration, targets []limitScope) ([]counterLimit, []limitScope) {
	// Braces: the Redis hash tag, so the counters checked together share a
	// Cluster slot.
	base := "{" + prefix + "|" + scopeEntity(r) + "|" + r.Ctx.Subscription.ID + "}"
	out := []counterLimit{{key: base, calls: int64(calls), period: period}}
	var hit []limitScope
	var apiName, apiID, opName, opID string
	if a := r.Ctx.API; a != nil {
		apiName, apiID = a.Name, a.ID
	}
	if o := r.Ctx.Operation; o != nil {
		opName, opID = o.Name, o.ID
	}
	for _, a := range targets {
		if !a.matches(apiName, apiID) {
			continue
		}
		key := base + "|api|" + a.id + "|" + a.name
		out = append(out, counterLimit{key: key, calls: int64(a.calls), period: a.period})
		hit = append(hit, a)
		for _, o := range a.ops {
			if o.matches(opName, opID) {
				out = append(out, counterLimit{key: key + "|op|" + o.id + "|" + o.name, calls: int64(o.calls), period: o.period})
				hit = append(hit, o)
			}
		}
	}
	return out, hit
}

func (s *rateLimit) Exec(r *Run) error {
	if r.Ctx.Subscription == nil {
		return nil
	}
	lims, _ := applicable(r, "rate-limit", s.calls, s.period, s.apis)
	return checkSliding(r, "rate-limit", lims, 1, true, s.hdr)
}

// checkSliding checks a call against sliding-window counters; when add is
// set and every counter allows it, n is added to each. It reports through
// the names in hdr and fails with the 429 answer.
func checkSliding(r *Run, source string, lims []counterLimit, n int64, add bool, hdr limitNames) error {
	t := state.SlidingTake{N: n, Add: add, Limits: make([]state.SlidingLimit, len(lims))}
	for i, l := range lims {
		t.Limits[i] = state.SlidingLimit{Key: l.key, Limit: l.calls, Period: l.period}
	}
	// One atomic step: concurrent calls never both take the last slot.
	res, err := stateOf(r).Sliding(stateCtx(r), r.Now(), t)
	if err != nil {
		return stateFailed(r, source, err)
	}
	if !res.Allowed {
		return rateLimited(r, source, res.RetryAfter, res.Total, hdr)
	}
	reportRemaining(r, hdr, max(res.Remaining, 0), res.Total)
	return nil
}

// reportRemaining sets the remaining-calls variable now and adds the
// remaining/total headers to the final response.
func reportRemaining(r *Run, hdr limitNames, remaining, total int64) {
	if hdr.remainingVar != "" {
		setVar(r, hdr.remainingVar, int32(min(remaining, math.MaxInt32)))
	}
	if hdr.remainingHeader == "" && hdr.totalHeader == "" {
		return
	}
	deferAfter(r, func() {
		h := responseHeaders(r)
		if hdr.remainingHeader != "" {
			h.Set(hdr.remainingHeader, strconv.FormatInt(remaining, 10))
		}
		if hdr.totalHeader != "" {
			h.Set(hdr.totalHeader, strconv.FormatInt(total, 10))
		}
	})
}

// responseHeaders are the final response's headers, created when missing.
func responseHeaders(r *Run) http.Header {
	if r.Ctx.Response == nil {
		r.Ctx.Response = &expressions.Response{StatusCode: 200, StatusReason: "OK"}
	}
	if r.Ctx.Response.Headers == nil {
		r.Ctx.Response.Headers = expressions.NewHeaders(nil)
	}
	return r.Ctx.Response.Headers.H
}

func setVar(r *Run, name string, v any) {
	if r.Ctx.Variables == nil {
		r.Ctx.Variables = expressions.NewVariables()
	}
	r.Ctx.Variables.Set(name, v)
}

// retrySeconds rounds a wait up to whole seconds, at least 1.
func retrySeconds(d time.Duration) int64 {
	return max(int64((d+time.Second-1)/time.Second), 1)
}

// Reasons of the limit policies (spec pipeline.md §5.4, policies.md §2.42).
const (
	ReasonRateLimitExceeded  = "RateLimitExceeded"
	ReasonQuotaExceeded      = "QuotaExceeded"
	ReasonTokenLimitExceeded = "TokenLimitExceeded"
	ReasonTokenQuotaExceeded = "TokenQuotaExceeded"
)

// rateLimited is the 429 failure of rate-limit and rate-limit-by-key.
func rateLimited(r *Run, source string, retry time.Duration, total int64, hdr limitNames) error {
	secs := retrySeconds(retry)
	h := http.Header{}
	h.Set(hdr.retryHeader, strconv.FormatInt(secs, 10))
	if hdr.remainingHeader != "" {
		h.Set(hdr.remainingHeader, "0")
	}
	if hdr.totalHeader != "" {
		h.Set(hdr.totalHeader, strconv.FormatInt(total, 10))
	}
	if hdr.retryVar != "" {
		setVar(r, hdr.retryVar, int32(min(secs, math.MaxInt32)))
	}
	if hdr.remainingVar != "" {
		setVar(r, hdr.remainingVar, int32(0))
	}
	return &Error{
		Source:  source,
		Reason:  ReasonRateLimitExceeded,
		Message: "Rate limit is exceeded",
		Body:    fmt.Sprintf("Rate limit is exceeded. Try again in %d seconds.", secs),
		Status:  http.StatusTooManyRequests,
		Header:  h,
	}
}
