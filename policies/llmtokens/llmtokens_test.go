package llmtokens

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestCount(t *testing.T) {
	// OpenAI's published examples: "tiktoken is great!" is 6 tokens in
	// cl100k_base and o200k_base; "hello world" is 2.
	for _, model := range []string{"gpt-4", "gpt-4o", "gpt-35-turbo", "my-deployment"} {
		if n := Count(model, "tiktoken is great!"); n != 6 {
			t.Errorf("%s: %d tokens", model, n)
		}
		if n := Count(model, "hello world"); n != 2 {
			t.Errorf("%s: %d tokens", model, n)
		}
	}
	if EncodingFor("gpt-4o-mini") != O200K || EncodingFor("gpt-4-32k") != CL100K || EncodingFor("text-embedding-ada-002") != CL100K {
		t.Error("encoding choice")
	}
}

func TestEstimatePrompt(t *testing.T) {
	tests := []struct {
		body, path string
		want       Prompt
	}{
		{`{"messages":[{"role":"system","content":"hello world"},{"role":"user","content":"tiktoken is great!"}]}`, "/openai/deployments/gpt-4/chat/completions",
			Prompt{Tokens: 2 + 1 + 6 + 3*2 + 3, Model: "gpt-4"}}, // the two texts are joined by a newline (1 token)
		{`{"stream":true,"stream_options":{"include_usage":true},"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"hello world"},{"type":"image_url","image_url":{"url":"data:x"}}]}]}`, "",
			Prompt{Tokens: 2 + 1200 + 3 + 3, Stream: true, IncludeUsage: true, Model: "gpt-4o"}},
		{`{"input":"hello world"}`, "/openai/deployments/embed/embeddings", Prompt{Tokens: 2, Model: "embed"}},
		{`not json`, "", Prompt{}},
	}
	for _, tt := range tests {
		if got := EstimatePrompt([]byte(tt.body), tt.path); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.body, got, tt.want)
		}
	}
}

func five() int64 { return 5 }

const sseWithUsage = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n" +
	"data: {\"choices\":[{\"delta\":{\"content\":\"hello\"}}]}\n\n" +
	"data: {\"choices\":[{\"delta\":{\"content\":\" world\"}}]}\n\n" +
	"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}\n\n" +
	"data: [DONE]\n\n"

func TestFromBody(t *testing.T) {
	if u := FromBody([]byte(sseWithUsage), "gpt-4o", five); u != (Usage{Prompt: 9, Completion: 2, Total: 11, Reported: true}) {
		t.Errorf("SSE with usage: %+v", u)
	}
	noUsage := sseWithUsage[:strings.Index(sseWithUsage, "data: {\"choices\":[],")]
	if u := FromBody([]byte(noUsage), "gpt-4o", five); u != (Usage{Prompt: 5, Completion: 2, Total: 7}) {
		t.Errorf("SSE without usage: estimate from the text: %+v", u)
	}
	if u := FromBody([]byte(`{"choices":[{"message":{"content":"hello world"}}],"usage":{"prompt_tokens":3,"completion_tokens":4}}`), "gpt-4o", nil); u != (Usage{Prompt: 3, Completion: 4, Total: 7, Reported: true}) {
		t.Errorf("JSON: %+v", u)
	}
	if u := FromBody([]byte(`{"output":[],"usage":{"input_tokens":3,"output_tokens":4,"total_tokens":7}}`), "gpt-4o", nil); u != (Usage{Prompt: 3, Completion: 4, Total: 7, Reported: true}) {
		t.Errorf("Responses API: %+v", u)
	}
}

func meter(t *testing.T, body string, sse bool, read func(io.Reader) ([]byte, error)) (string, Usage, int) {
	t.Helper()
	var got Usage
	calls := 0
	m := NewMeter(io.NopCloser(strings.NewReader(body)), sse, "gpt-4o", five, func(u Usage) { got = u; calls++ })
	data, err := read(m)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	return string(data), got, calls
}

func TestMeter(t *testing.T) {
	// One byte at a time: events split across reads.
	oneByte := func(r io.Reader) ([]byte, error) { return io.ReadAll(iotest.OneByteReader(r)) }
	out, u, calls := meter(t, sseWithUsage, true, oneByte)
	if out != sseWithUsage || calls != 1 || u != (Usage{Prompt: 9, Completion: 2, Total: 11, Reported: true}) {
		t.Errorf("SSE: passed %v, usage %+v, calls %d", out == sseWithUsage, u, calls)
	}
	noUsage := sseWithUsage[:strings.Index(sseWithUsage, "data: {\"choices\":[],")] + "data: [DONE]"
	if _, u, _ := meter(t, noUsage, true, oneByte); u != (Usage{Prompt: 5, Completion: 2, Total: 7}) {
		t.Errorf("SSE without usage, last line without newline: %+v", u)
	}
	js := `{"choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}`
	if out, u, _ := meter(t, js, false, io.ReadAll); out != js || u != (Usage{Prompt: 3, Completion: 4, Total: 7, Reported: true}) {
		t.Errorf("JSON: %+v", u)
	}
	// Closed before the end (the client went away): what was read counts.
	m := NewMeter(io.NopCloser(strings.NewReader(noUsage)), true, "gpt-4o", five, func(u Usage) {
		if u.Completion != 1 {
			t.Errorf("partial stream: %+v", u)
		}
	})
	buf := make([]byte, strings.Index(noUsage, " world"))
	io.ReadFull(m, buf)
	m.Close()
}

// BenchmarkMeterSSE is the cost of reading usage from a stream as it
// passes, against copying the same bytes through Read (the baseline).
func BenchmarkMeterSSE(b *testing.B) {
	var sb strings.Builder
	for range 200 {
		sb.WriteString("data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word \"},\"finish_reason\":null}]}\n\n")
	}
	sb.WriteString(sseWithUsage)
	body := sb.String()
	b.Run("copy", func(b *testing.B) {
		for b.Loop() {
			io.Copy(io.Discard, struct{ io.Reader }{strings.NewReader(body)})
		}
	})
	b.Run("meter", func(b *testing.B) {
		for b.Loop() {
			m := NewMeter(io.NopCloser(strings.NewReader(body)), true, "gpt-4o", five, func(Usage) {})
			io.Copy(io.Discard, m)
		}
	})
}

// FuzzMeter feeds backend bodies (untrusted) through a Meter in pieces:
// the bytes pass unchanged, done runs once, and a reported usage is never
// negative when the body's numbers are not.
func FuzzMeter(f *testing.F) {
	f.Add([]byte(sseWithUsage), true, uint8(7))
	f.Add([]byte(`{"choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}`), false, uint8(3))
	f.Add([]byte("data: {\"usage\":null}\n\ndata: {\"choices\":[{\"delta\":{\"content\":[{\"text\":\"x\"}]}}]}\r\n\r\n"), true, uint8(1))
	f.Fuzz(func(t *testing.T, body []byte, sse bool, step uint8) {
		calls := 0
		m := NewMeter(io.NopCloser(strings.NewReader(string(body))), sse, "gpt-4o", func() int64 { return 1 }, func(Usage) { calls++ })
		n := int(step%64) + 1
		var out []byte
		buf := make([]byte, n)
		for {
			k, err := m.Read(buf)
			out = append(out, buf[:k]...)
			if err != nil {
				break
			}
		}
		m.Close()
		if string(out) != string(body) || calls != 1 {
			t.Fatalf("passed %d of %d bytes, done called %d times", len(out), len(body), calls)
		}
	})
}
