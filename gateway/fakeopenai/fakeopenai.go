// Package fakeopenai is an in-process stand-in for Azure OpenAI (and Azure
// AI Content Safety, see ContentSafety) on
// loopback: chat completions (JSON, or SSE with stream=true and the usage
// chunk when stream_options.include_usage is set), embeddings, and 429s
// with Retry-After on demand. The demo configuration and the tests put it
// behind the gateway; it needs no Azure account and no network.
package fakeopenai

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Answer is a scripted answer: a status (429 carries Retry-After) instead
// of the normal completion.
type Answer struct {
	Status     int
	RetryAfter int // seconds; 0: none
}

// StatusHeader on a request makes the fake answer that status (4xx or
// 5xx) with Retry-After: 10, as if throttled or failing: "429" for every
// service, "<name>:429" for the one called name.
const StatusHeader = "x-fake-status"

// Service is one fake Azure OpenAI deployment endpoint.
type Service struct {
	// Name is put in every reply ("Hello from <name>.") and in the
	// x-fake-backend header.
	Name string
	// ChunkDelay is the pause between streamed chunks.
	ChunkDelay time.Duration

	mu     sync.Mutex
	script []Answer
	calls  atomic.Int64
	embeds atomic.Int64
}

// New returns a fake called name.
func New(name string) *Service { return &Service{Name: name} }

// Queue makes the next calls answer these statuses, in order; after them
// calls succeed again.
func (s *Service) Queue(a ...Answer) {
	s.mu.Lock()
	s.script = append(s.script, a...)
	s.mu.Unlock()
}

// Calls is the number of chat completion calls received.
func (s *Service) Calls() int64 { return s.calls.Load() }

// EmbeddingCalls is the number of embeddings calls received.
func (s *Service) EmbeddingCalls() int64 { return s.embeds.Load() }

func (s *Service) next() (Answer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.script) == 0 {
		return Answer{}, false
	}
	a := s.script[0]
	s.script = s.script[1:]
	return a, true
}

type message struct {
	Role    string `json:"role"`
	Content any    `json:"content"`
}

type chatRequest struct {
	Messages      []message `json:"messages"`
	Prompt        any       `json:"prompt"`
	Stream        bool      `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

// Words counts the tokens the fake charges for a text: one per
// whitespace-separated word plus one per punctuation mark ending a word.
func Words(text string) int {
	n := 0
	for _, w := range strings.Fields(text) {
		n++
		if strings.ContainsAny(w[len(w)-1:], ".,!?;:") && len(w) > 1 {
			n++
		}
	}
	return n
}

func contentText(c any) string {
	switch v := c.(type) {
	case string:
		return v
	case []any:
		var b strings.Builder
		for _, p := range v {
			if m, ok := p.(map[string]any); ok {
				if t, ok := m["text"].(string); ok {
					b.WriteString(t + " ")
				}
			}
		}
		return b.String()
	}
	return ""
}

// PromptTokens is what the fake reports as prompt_tokens for these
// messages: Words of each message plus 3 per message and 3 for the reply
// priming, as OpenAI's chat format adds.
func PromptTokens(msgs []string) int {
	n := 3
	for _, m := range msgs {
		n += 3 + Words(m)
	}
	return n
}

// Reply is the completion text of a service.
func (s *Service) Reply() string { return "Hello from " + s.Name + ", a fake Azure OpenAI deployment." }

func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-fake-backend", s.Name)
	switch {
	case strings.HasSuffix(r.URL.Path, "/embeddings"):
		s.embeddings(w, r)
	case strings.HasSuffix(r.URL.Path, "/chat/completions"), strings.HasSuffix(r.URL.Path, "/completions"):
		s.chat(w, r)
	default:
		writeError(w, http.StatusNotFound, "404", "Resource not found")
	}
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

func (s *Service) chat(w http.ResponseWriter, r *http.Request) {
	s.calls.Add(1)
	a, ok := s.next()
	if v := r.Header.Get(StatusHeader); v != "" && !ok {
		if name, code, named := strings.Cut(v, ":"); named {
			v = ""
			if strings.TrimSpace(name) == s.Name {
				v = code
			}
		}
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 400 && n <= 599 {
			a, ok = Answer{Status: n, RetryAfter: 10}, true
		}
	}
	if ok && a.Status != 0 && a.Status != 200 {
		if a.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(a.RetryAfter))
			w.Header().Set("retry-after-ms", strconv.Itoa(a.RetryAfter*1000))
		}
		writeError(w, a.Status, strconv.Itoa(a.Status), fmt.Sprintf("%s answered %d as scripted.", s.Name, a.Status))
		return
	}
	var in chatRequest
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, 400, "BadRequest", "the body is not JSON: "+err.Error())
		return
	}
	var texts []string
	for _, m := range in.Messages {
		texts = append(texts, contentText(m.Content))
	}
	if p, ok := in.Prompt.(string); ok {
		texts = append(texts, p)
	}
	prompt := PromptTokens(texts)
	reply := s.Reply()
	completion := Words(reply)
	usage := map[string]int{"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
	id := "chatcmpl-" + s.Name
	if !in.Stream {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"id": id, "object": "chat.completion", "created": 1700000000, "model": "gpt-4o",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": reply}}},
			"usage":   usage,
		})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	fl, _ := w.(http.Flusher)
	send := func(v any) {
		data, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", data)
		if fl != nil {
			fl.Flush()
		}
	}
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": id, "object": "chat.completion.chunk", "created": 1700000000, "model": "gpt-4o",
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
	}
	send(chunk(map[string]any{"role": "assistant", "content": ""}, nil))
	words := strings.SplitAfter(reply, " ")
	for _, part := range words {
		if s.ChunkDelay > 0 {
			time.Sleep(s.ChunkDelay)
		}
		send(chunk(map[string]any{"content": part}, nil))
	}
	send(chunk(map[string]any{}, "stop"))
	if in.StreamOptions != nil && in.StreamOptions.IncludeUsage {
		send(map[string]any{"id": id, "object": "chat.completion.chunk", "created": 1700000000, "model": "gpt-4o", "choices": []any{}, "usage": usage})
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	if fl != nil {
		fl.Flush()
	}
}

// EmbeddingDims is the length of the fake's embedding vectors.
const EmbeddingDims = 64

// Embed is the fake's embedding of a text: a normalized bag of hashed,
// lower-cased words, so texts sharing words are close in cosine terms.
func Embed(text string) []float64 {
	v := make([]float64, EmbeddingDims)
	for _, w := range strings.Fields(strings.ToLower(text)) {
		w = strings.Trim(w, ".,!?;:\"'")
		if w == "" {
			continue
		}
		h := fnv.New32a()
		h.Write([]byte(w))
		v[h.Sum32()%EmbeddingDims]++
	}
	var n float64
	for _, x := range v {
		n += x * x
	}
	if n > 0 {
		n = math.Sqrt(n)
		for i := range v {
			v[i] /= n
		}
	}
	return v
}

func (s *Service) embeddings(w http.ResponseWriter, r *http.Request) {
	s.embeds.Add(1)
	var in struct {
		Input any `json:"input"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, 400, "BadRequest", "the body is not JSON: "+err.Error())
		return
	}
	var inputs []string
	switch v := in.Input.(type) {
	case string:
		inputs = []string{v}
	case []any:
		for _, x := range v {
			if t, ok := x.(string); ok {
				inputs = append(inputs, t)
			}
		}
	}
	if len(inputs) == 0 {
		writeError(w, 400, "BadRequest", "input is required")
		return
	}
	var data []any
	tokens := 0
	for i, t := range inputs {
		data = append(data, map[string]any{"object": "embedding", "index": i, "embedding": Embed(t)})
		tokens += Words(t)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": "text-embedding-3-small",
		"usage": map[string]int{"prompt_tokens": tokens, "total_tokens": tokens}})
}
