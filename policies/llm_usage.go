package policies

import (
	"strings"

	"github.com/policygate/policygate/policies/llmtokens"
)

// usageKey is the Run.Scratch key of the request's *llmCall.
const usageKey = "llm-usage"

// llmCall is the token accounting of one request, shared by the llm-*
// and azure-openai-* policies that need it: the prompt estimate, and the
// usage of the final response, delivered once to every listener. A
// buffered response is read when the response is final (RunAfter); a
// response forward-request streams through (buffer-response="false") is
// read by a llmtokens.Meter while it passes to the client, and the
// listeners run when it ends. Usage the backend does not report is
// estimated (prompt from the request, completion from the text streamed).
type llmCall struct {
	prompt    *llmtokens.Prompt // counted only when an estimate is needed
	listeners []func(u llmtokens.Usage, streamed bool)
	starts    []func()
	stream    *llmtokens.Meter // the meter of the body being streamed
	done      bool
}

// llmCallOf returns the request's token accounting, starting it (and its
// prompt estimate) on first use.
func llmCallOf(r *Run) *llmCall {
	if c, ok := r.Scratch[usageKey].(*llmCall); ok {
		return c
	}
	c := &llmCall{prompt: &llmtokens.Prompt{}}
	if in := r.Ctx.Request; in != nil {
		var body []byte
		if in.Body != nil {
			body = in.Body.Bytes()
		}
		path := ""
		if in.OriginalURL != nil {
			path = in.OriginalURL.Path
		} else if in.URL != nil {
			path = in.URL.Path
		}
		c.prompt = llmtokens.ReadPrompt(body, path)
	}
	if r.Scratch == nil {
		r.Scratch = map[string]any{}
	}
	r.Scratch[usageKey] = c
	deferAfter(r, func() { c.atEnd(r) })
	return c
}

// onUsage adds a listener; streamed tells that the response headers are
// already sent.
func (c *llmCall) onUsage(fn func(u llmtokens.Usage, streamed bool)) {
	c.listeners = append(c.listeners, fn)
}

// onStreamStart runs fn when the response is final and will be streamed
// (its headers may still change).
func (c *llmCall) onStreamStart(fn func()) { c.starts = append(c.starts, fn) }

func (c *llmCall) finish(u llmtokens.Usage, streamed bool) {
	if c.done {
		return
	}
	c.done = true
	for _, fn := range c.listeners {
		fn(u, streamed)
	}
}

// atEnd runs once the response is final: a streamed body reports later
// through its meter; any other body is read now.
func (c *llmCall) atEnd(r *Run) {
	resp := r.Ctx.Response
	if sr, ok := r.Scratch[StreamKey].(*StreamedResponse); ok && c.stream != nil && sr.Body == c.stream &&
		resp != nil && resp.Body == sr.Placeholder && len(resp.Body.Bytes()) == 0 {
		for _, fn := range c.starts {
			fn()
		}
		return
	}
	c.stream = nil
	var body []byte
	if resp != nil && resp.Body != nil {
		body = resp.Body.Bytes()
	}
	c.finish(llmtokens.FromBody(body, c.prompt.Model, c.prompt.Count), false)
}

// meter wraps a body forward-request streams through, when a policy of
// this request accounts for tokens (nil otherwise: nothing to read).
func meterStream(r *Run, body *StreamedResponse, contentType string) {
	c, ok := r.Scratch[usageKey].(*llmCall)
	if !ok {
		return
	}
	sse := strings.Contains(strings.ToLower(contentType), "text/event-stream")
	var m *llmtokens.Meter
	m = llmtokens.NewMeter(body.Body, sse, c.prompt.Model, c.prompt.Count, func(u llmtokens.Usage) {
		if c.stream == m {
			c.finish(u, true)
		}
	})
	c.stream = m
	body.Body = m
}
