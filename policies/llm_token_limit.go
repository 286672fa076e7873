package policies

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies/llmtokens"
	"github.com/policygate/policygate/policies/state"
)

// llm-token-limit (and azure-openai-token-limit, the same policy) caps the
// LLM tokens counted under a key: a rate per minute and/or a quota per
// calendar period.
//
//	<llm-token-limit counter-key="text | @(expr)"
//	    tokens-per-minute="n | @(expr)" token-quota="n"
//	    token-quota-period="Hourly | Daily | Weekly | Monthly | Yearly"
//	    estimate-prompt-tokens="true | false | @(expr)"
//	    retry-after-header-name="Retry-After" retry-after-variable-name="name"
//	    remaining-quota-tokens-header-name="name" remaining-quota-tokens-variable-name="name"
//	    remaining-tokens-header-name="name" remaining-tokens-variable-name="name"
//	    tokens-consumed-header-name="name" tokens-consumed-variable-name="name" />
//
// Inbound. One counter per key value, shared across scopes. The rate is a
// sliding 60-second window; the quota period starts at the current UTC
// time truncated to its unit (weeks start on Monday). With
// estimate-prompt-tokens (or a request with "stream": true) the prompt's
// tokens are counted from the request body with the model's BPE encoding
// (llmtokens: o200k_base or cl100k_base, plus three per message and 1200
// per image) and a request whose estimate does not fit is refused before
// the backend is called; otherwise a request is refused once the counter
// reached the limit. The estimate is counted at once; once the usage is
// known the counter is corrected to it: the usage the response reports
// (usage.total_tokens, or prompt + completion / input + output tokens) from
// a buffered body, from an unbuffered JSON body or server-sent-event
// stream as it passes to the client (the usage chunk of
// stream_options.include_usage), or else the prompt estimate plus the
// streamed completion text counted. tokens-consumed is reported when the
// response is buffered; a streamed response's headers carry only the
// remaining tokens at admission. Rate exceeded: 429
// TokenLimitExceeded, "Token limit is exceeded. Try again in N seconds.".
// Quota exceeded: 403 TokenQuotaExceeded, "Out of token quota. Quota will
// be replenished in hh:mm:ss.". Both carry the retry-after header.
type tokenLimit struct {
	name                 string
	key, tpm, estimate   *Value
	quota                int64 // -1: none
	period               string
	retryHeader          string
	retryVar             string
	remQuotaH, remQuotaV string
	remTokH, remTokV     string
	usedH, usedV         string
}

var _ Step = (*tokenLimit)(nil)

func init() {
	Register("llm-token-limit", compileTokenLimit)
	Register("azure-openai-token-limit", compileTokenLimit)
}

// tokenRateWindow is the window of tokens-per-minute.
const tokenRateWindow = time.Minute

// imageTokens is what an image in the prompt counts for.
const imageTokens = 1200

func compileTokenLimit(el *parser.Element, c *Compiler) (Step, error) {
	s := &tokenLimit{
		name:        el.Name,
		key:         c.Attr(el, "counter-key", KindString),
		tpm:         c.Attr(el, "tokens-per-minute", KindInt),
		estimate:    c.Attr(el, "estimate-prompt-tokens", KindBool),
		retryHeader: cmp.Or(litStr(c, el, "retry-after-header-name", ""), "Retry-After"),
		retryVar:    litStr(c, el, "retry-after-variable-name", ""),
		remQuotaH:   litStr(c, el, "remaining-quota-tokens-header-name", ""),
		remQuotaV:   litStr(c, el, "remaining-quota-tokens-variable-name", ""),
		remTokH:     litStr(c, el, "remaining-tokens-header-name", ""),
		remTokV:     litStr(c, el, "remaining-tokens-variable-name", ""),
		usedH:       litStr(c, el, "tokens-consumed-header-name", ""),
		usedV:       litStr(c, el, "tokens-consumed-variable-name", ""),
	}
	if !s.estimate.Present {
		s.estimate = c.Attr(el, "estimate-prompt-token", KindBool)
	}
	checkLitInt(c, s.tpm)
	q, ok := litInt(c, el, "token-quota")
	s.quota = int64(q)
	if !ok {
		s.quota = -1
	}
	s.period = litStr(c, el, "token-quota-period", "")
	if (s.quota >= 0) != (s.period != "") {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "token-quota and token-quota-period of <%s> go together", el.Name)
	}
	if s.period != "" {
		if _, err := quotaPeriodWindow(s.period, time.Now()); err != nil {
			c.Errorf(el.Attr("token-quota-period").Pos, parser.CodeBadAttribute, "%v", err)
		}
	}
	if !s.tpm.Present && s.quota < 0 {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<%s> needs tokens-per-minute or token-quota", el.Name)
	}
	return s, nil
}

// quotaPeriodWindow is the calendar window of a token-quota-period holding
// now (UTC).
func quotaPeriodWindow(period string, now time.Time) (Window, error) {
	t := now.UTC()
	y, m, d := t.Date()
	var start, end time.Time
	switch strings.ToLower(period) {
	case "hourly":
		start = t.Truncate(time.Hour)
		end = start.Add(time.Hour)
	case "daily":
		start = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		end = start.AddDate(0, 0, 1)
	case "weekly":
		back := (int(t.Weekday()) + 6) % 7 // days since Monday
		start = time.Date(y, m, d-back, 0, 0, 0, 0, time.UTC)
		end = start.AddDate(0, 0, 7)
	case "monthly":
		start = time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
		end = start.AddDate(0, 1, 0)
	case "yearly":
		start = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		end = start.AddDate(1, 0, 0)
	default:
		return Window{}, fmt.Errorf("token-quota-period %q is not one of Hourly, Daily, Weekly, Monthly, Yearly", period)
	}
	return Window{Start: start, End: end}, nil
}

func (s *tokenLimit) Exec(r *Run) error {
	key, err := s.key.String(r)
	if err != nil {
		return err
	}
	tpm := int64(-1)
	if s.tpm.Present {
		n, err := evalInt(r, s.tpm, 0)
		if err != nil {
			return err
		}
		tpm = int64(n)
	}
	est, err := s.estimate.Bool(r, false)
	if err != nil {
		return err
	}
	call := llmCallOf(r)
	var prompt int64
	if est || call.prompt.Stream {
		prompt = call.prompt.Count()
	}
	now := r.Now()
	st, ctx := stateOf(r), stateCtx(r)
	rateKey, quotaKey := s.name+"|rate|"+key, s.name+"|quota|"+key+"|"+strings.ToLower(s.period)
	var w Window
	if s.quota >= 0 {
		w, _ = quotaPeriodWindow(s.period, now)
	}

	// Check the rate, then the quota, then count the estimate.
	remTok, remQuota := int64(-1), int64(-1)
	if tpm >= 0 {
		res, err := st.Sliding(ctx, now, state.SlidingTake{Limits: []state.SlidingLimit{{Key: rateKey, Limit: tpm, Period: tokenRateWindow}}, N: prompt, Add: true, MustFit: true})
		switch {
		case err != nil:
			if err := stateFailed(r, s.name, err); err != nil {
				return err
			}
			tpm = -1 // not counted
		case !res.Allowed:
			return s.refuse(r, http.StatusTooManyRequests, res.RetryAfter, "")
		default:
			remTok = res.Remaining
		}
	}
	if s.quota >= 0 {
		res, err := st.Fixed(ctx, state.FixedTake{Limits: []state.FixedLimit{{Key: quotaKey, Window: state.Window(w), Calls: s.quota, Bytes: -1}}, Calls: prompt, Add: true, MustFit: true})
		if err != nil {
			if err := stateFailed(r, s.name, err); err != nil {
				return err
			}
		} else {
			remQuota = s.quota - res.Calls[0]
		}
		if err == nil && res.Refused >= 0 {
			if tpm >= 0 && prompt > 0 { // give back what the rate counted
				st.SlidingAdd(ctx, rateKey, tokenRateWindow, now, -prompt, now)
			}
			msg, _ := replenish("Out of token quota.", now, w)
			return s.refuse(r, http.StatusForbidden, w.End.Sub(now), msg)
		}
	}
	if s.remTokV != "" && remTok >= 0 {
		setVar(r, s.remTokV, int32(min(remTok, math.MaxInt32)))
	}
	if s.remQuotaV != "" && remQuota >= 0 {
		setVar(r, s.remQuotaV, int32(min(remQuota, math.MaxInt32)))
	}
	if s.usedV != "" {
		setVar(r, s.usedV, int32(min(prompt, math.MaxInt32)))
	}

	setHeaders := func(h http.Header, used int64, withUsed bool) {
		if s.usedH != "" && withUsed {
			h.Set(s.usedH, strconv.FormatInt(used, 10))
		}
		if s.remTokH != "" && remTok >= 0 {
			h.Set(s.remTokH, strconv.FormatInt(remTok, 10))
		}
		if s.remQuotaH != "" && remQuota >= 0 {
			h.Set(s.remQuotaH, strconv.FormatInt(remQuota, 10))
		}
	}
	// A streamed response's usage comes after its headers: they carry
	// what was left when the request was admitted.
	call.onStreamStart(func() { setHeaders(responseHeaders(r), 0, false) })
	call.onUsage(func(u llmtokens.Usage, streamed bool) {
		used := u.Total
		if !u.Reported && prompt == 0 {
			used = 0 // no estimate asked for and none reported
		}
		delta := used - prompt
		if tpm >= 0 {
			if c, err := st.SlidingAdd(ctx, rateKey, tokenRateWindow, now, delta, r.Now()); err == nil {
				remTok = max(tpm-c, 0)
			}
		}
		if s.quota >= 0 {
			if c, err := st.FixedAdd(ctx, quotaKey, state.Window(w), delta, 0); err == nil {
				remQuota = max(s.quota-c, 0)
			}
		}
		if streamed {
			return
		}
		if s.usedV != "" {
			setVar(r, s.usedV, int32(min(used, math.MaxInt32)))
		}
		setHeaders(responseHeaders(r), used, true)
	})
	return nil
}

// refuse is the 429 (rate) or 403 (quota, with its message) failure.
func (s *tokenLimit) refuse(r *Run, status int, retry time.Duration, quotaMsg string) error {
	secs := retrySeconds(retry)
	h := http.Header{}
	h.Set(s.retryHeader, strconv.FormatInt(secs, 10))
	for _, n := range []string{s.remTokH, s.remQuotaH} {
		if n != "" {
			h.Set(n, "0")
		}
	}
	if s.retryVar != "" {
		setVar(r, s.retryVar, int32(min(secs, math.MaxInt32)))
	}
	e := &Error{Source: s.name, Status: status, Header: h}
	if status == http.StatusForbidden {
		e.Reason, e.Message = ReasonTokenQuotaExceeded, quotaMsg
		return e
	}
	e.Reason, e.Message = ReasonTokenLimitExceeded, "Token limit is exceeded"
	e.Body = fmt.Sprintf("Token limit is exceeded. Try again in %d seconds.", secs)
	return e
}
