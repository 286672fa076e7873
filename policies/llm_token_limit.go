package policies

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/policygate/policygate/parser"
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
// tokens are estimated from the request body (about four characters a
// token, three per message, 1200 per image) and a request whose estimate
// does not fit is refused before the backend is called; otherwise a
// request is refused once the counter reached the limit. The estimate is
// counted at once; once the response is final (RunAfter) the counter is
// corrected to the usage the response reports (usage.total_tokens, or
// prompt + completion / input + output tokens, also from the last event of
// a buffered stream), and tokens-consumed is reported. Rate exceeded: 429
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
	var reqBody []byte
	if r.Ctx.Request != nil && r.Ctx.Request.Body != nil {
		reqBody = r.Ctx.Request.Body.Bytes()
	}
	prompt, stream := estimatePromptTokens(reqBody)
	if !est && !stream {
		prompt = 0
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

	deferAfter(r, func() {
		used, ok := usageTokens(r)
		if !ok {
			used = prompt
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
		if s.usedV != "" {
			setVar(r, s.usedV, int32(min(used, math.MaxInt32)))
		}
		h := responseHeaders(r)
		if s.usedH != "" {
			h.Set(s.usedH, strconv.FormatInt(used, 10))
		}
		if s.remTokH != "" && remTok >= 0 {
			h.Set(s.remTokH, strconv.FormatInt(remTok, 10))
		}
		if s.remQuotaH != "" && remQuota >= 0 {
			h.Set(s.remQuotaH, strconv.FormatInt(remQuota, 10))
		}
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

// estimatePromptTokens estimates the prompt tokens of an OpenAI-style
// request body (chat messages, prompt, input) and tells whether it asks for
// a stream. The estimate is about four characters a token, plus three per
// message and three for the reply, and 1200 per image.
func estimatePromptTokens(body []byte) (tokens int64, stream bool) {
	var req map[string]any
	if len(bytes.TrimSpace(body)) == 0 || json.Unmarshal(body, &req) != nil {
		return 0, false
	}
	stream, _ = req["stream"].(bool)
	var chars, images, messages int64
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			chars += int64(len([]rune(x)))
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			if t, _ := x["type"].(string); strings.Contains(t, "image") {
				images++
				return
			}
			for k, e := range x {
				if k != "type" && k != "role" {
					walk(e)
				}
			}
		}
	}
	for _, k := range []string{"messages", "prompt", "input"} {
		v, ok := req[k]
		if !ok {
			continue
		}
		if a, ok := v.([]any); ok && k != "prompt" {
			messages += int64(len(a))
		}
		walk(v)
	}
	if chars == 0 && images == 0 {
		return 0, stream
	}
	return (chars+3)/4 + 3*messages + 3 + imageTokens*images, stream
}

// usageTokens reads the tokens the final response reports in its usage
// section (a JSON body, or the last event carrying usage of a buffered
// server-sent-event stream).
func usageTokens(r *Run) (int64, bool) {
	resp := r.Ctx.Response
	if resp == nil || resp.Body == nil {
		return 0, false
	}
	body := bytes.TrimSpace(resp.Body.Bytes())
	if len(body) == 0 {
		return 0, false
	}
	if !bytes.HasPrefix(body, []byte("data:")) && !bytes.HasPrefix(body, []byte("event:")) {
		return usageOf(body)
	}
	var n int64
	found := false
	for _, line := range bytes.Split(body, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if d, ok := bytes.CutPrefix(line, []byte("data:")); ok {
			if u, ok := usageOf(bytes.TrimSpace(d)); ok {
				n, found = u, true
			}
		}
	}
	return n, found
}

func usageOf(data []byte) (int64, bool) {
	type usage struct {
		Total      *int64 `json:"total_tokens"`
		Prompt     int64  `json:"prompt_tokens"`
		Completion int64  `json:"completion_tokens"`
		Input      int64  `json:"input_tokens"`
		Output     int64  `json:"output_tokens"`
	}
	var doc struct {
		Usage    *usage `json:"usage"`
		Response *struct {
			Usage *usage `json:"usage"`
		} `json:"response"` // Responses API stream events
	}
	if json.Unmarshal(data, &doc) != nil {
		return 0, false
	}
	u := doc.Usage
	if u == nil && doc.Response != nil {
		u = doc.Response.Usage
	}
	if u == nil {
		return 0, false
	}
	if u.Total != nil {
		return *u.Total, true
	}
	return u.Prompt + u.Completion + u.Input + u.Output, true
}
