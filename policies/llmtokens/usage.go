package llmtokens

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"sync"
)

// Usage is the tokens of one call.
type Usage struct {
	Prompt, Completion, Total int64
	// Reported: the backend said so (a usage section); otherwise the
	// completion was estimated from the text the response carried and the
	// prompt is the caller's estimate.
	Reported bool
}

type usageDoc struct {
	Total      *int64 `json:"total_tokens"`
	Prompt     int64  `json:"prompt_tokens"`
	Completion int64  `json:"completion_tokens"`
	Input      int64  `json:"input_tokens"`
	Output     int64  `json:"output_tokens"`
}

type chunk struct {
	Usage    *usageDoc `json:"usage"`
	Response *struct {
		Usage *usageDoc `json:"usage"`
	} `json:"response"` // Responses API events
	Choices []struct {
		Text  string `json:"text"`
		Delta *struct {
			Content any `json:"content"`
		} `json:"delta"`
		Message *struct {
			Content any `json:"content"`
		} `json:"message"`
	} `json:"choices"`
	Delta any    `json:"delta"` // Responses API output_text.delta
	Type  string `json:"type"`
}

func (u *usageDoc) usage() Usage {
	out := Usage{Prompt: u.Prompt + u.Input, Completion: u.Completion + u.Output, Reported: true}
	out.Total = out.Prompt + out.Completion
	if u.Total != nil {
		out.Total = *u.Total
	}
	return out
}

func textOf(c any) string {
	switch v := c.(type) {
	case string:
		return v
	case []any:
		var b strings.Builder
		for _, p := range v {
			if m, ok := p.(map[string]any); ok {
				if t, ok := m["text"].(string); ok {
					b.WriteString(t)
				}
			}
		}
		return b.String()
	}
	return ""
}

// parse reads one JSON document (a body or an event's data): its usage,
// if any, and the completion text it carries.
func parse(data []byte, text *strings.Builder) (*Usage, bool) {
	var c chunk
	if json.Unmarshal(data, &c) != nil {
		return nil, false
	}
	for _, ch := range c.Choices {
		text.WriteString(ch.Text)
		if ch.Delta != nil {
			text.WriteString(textOf(ch.Delta.Content))
		}
		if ch.Message != nil {
			text.WriteString(textOf(ch.Message.Content))
		}
	}
	if s, ok := c.Delta.(string); ok && strings.HasSuffix(c.Type, ".delta") {
		text.WriteString(s)
	}
	u := c.Usage
	if u == nil && c.Response != nil {
		u = c.Response.Usage
	}
	if u == nil {
		return nil, true
	}
	x := u.usage()
	return &x, true
}

// FromBody reads the usage of a buffered response: a JSON body, or the
// last event with usage of a server-sent-event stream. Without one, the
// completion is estimated from the text and prompt (called only then)
// gives the prompt's tokens.
func FromBody(body []byte, model string, prompt func() int64) Usage {
	body = bytes.TrimSpace(body)
	var text strings.Builder
	var last *Usage
	if bytes.HasPrefix(body, []byte("data:")) || bytes.HasPrefix(body, []byte("event:")) || bytes.HasPrefix(body, []byte(":")) {
		for _, line := range bytes.Split(body, []byte("\n")) {
			if d, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte("data:")); ok {
				if u, _ := parse(bytes.TrimSpace(d), &text); u != nil {
					last = u
				}
			}
		}
	} else if len(body) > 0 {
		last, _ = parse(body, &text)
	}
	if last != nil {
		return *last
	}
	return estimated(model, prompt, text.String())
}

func estimated(model string, prompt func() int64, text string) Usage {
	c := int64(Count(model, text))
	var pt int64
	if prompt != nil {
		pt = prompt()
	}
	return Usage{Prompt: pt, Completion: c, Total: pt + c}
}

// maxJSON is how much of an unbuffered JSON body a Meter keeps to find its
// usage; a longer body is estimated.
const maxJSON = 4 << 20

// maxText bounds the streamed completion text kept for an estimate.
const maxText = 1 << 20

// Meter passes a response body through unchanged while it reads the
// usage: event by event for a server-sent-event stream (only events that
// mention usage are decoded as they pass; the others, up to 1 MiB, are
// decoded at the end for an estimate when no event reported usage), or
// the whole JSON document (up to 4 MiB) once it ends. When the body ends or is closed,
// done gets the usage (reported, or estimated from the streamed text and
// the prompt estimate), once.
type Meter struct {
	body   io.ReadCloser
	sse    bool
	model  string
	prompt func() int64
	done   func(Usage)

	once    sync.Once
	line    []byte // an unfinished SSE line
	doc     []byte // the JSON body so far
	over    bool   // doc exceeded maxJSON
	events  []byte // events without usage, newline-separated, decoded for an estimate only if none reports usage
	usage   *Usage
	scratch strings.Builder
}

// NewMeter wraps body. sse: the body is text/event-stream; otherwise JSON.
// prompt, called only for an estimate, gives the prompt's tokens.
func NewMeter(body io.ReadCloser, sse bool, model string, prompt func() int64, done func(Usage)) *Meter {
	return &Meter{body: body, sse: sse, model: model, prompt: prompt, done: done}
}

// Read passes the body's bytes on, reading usage from them.
func (m *Meter) Read(p []byte) (int, error) {
	n, err := m.body.Read(p)
	if n > 0 {
		m.feed(p[:n])
	}
	if err == io.EOF {
		m.finish()
	}
	return n, err
}

// Close closes the body and reports what was read.
func (m *Meter) Close() error {
	err := m.body.Close()
	m.finish()
	return err
}

func (m *Meter) feed(b []byte) {
	if !m.sse {
		if !m.over && len(m.doc)+len(b) <= maxJSON {
			m.doc = append(m.doc, b...)
		} else {
			m.over, m.doc = true, nil
		}
		return
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(m.line)+len(b) <= maxJSON {
				m.line = append(m.line, b...)
			}
			return
		}
		var line []byte
		if len(m.line) > 0 {
			line = append(m.line, b[:i]...)
			m.line = m.line[:0]
		} else {
			line = b[:i]
		}
		b = b[i+1:]
		m.event(line)
	}
}

func (m *Meter) event(line []byte) {
	d, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte("data:"))
	if !ok {
		return
	}
	d = bytes.TrimSpace(d)
	if len(d) == 0 || d[0] != '{' {
		return // [DONE]
	}
	if bytes.Contains(d, []byte(`"usage"`)) {
		m.scratch.Reset()
		if u, _ := parse(d, &m.scratch); u != nil {
			m.usage = u
			return
		}
	}
	if m.usage == nil && len(m.events)+len(d) < maxText {
		m.events = append(append(m.events, d...), '\n')
	}
}

func (m *Meter) finish() {
	m.once.Do(func() {
		if m.sse && len(m.line) > 0 {
			m.event(m.line)
		}
		var text strings.Builder
		if !m.sse && !m.over && len(m.doc) > 0 {
			m.usage, _ = parse(bytes.TrimSpace(m.doc), &text)
		}
		var u Usage
		if m.usage != nil {
			u = *m.usage
		} else {
			for e := range bytes.SplitSeq(m.events, []byte("\n")) {
				if len(e) > 0 {
					parse(e, &text)
				}
			}
			u = estimated(m.model, m.prompt, text.String())
		}
		m.events = nil
		if m.done != nil {
			m.done(u)
		}
	})
}
