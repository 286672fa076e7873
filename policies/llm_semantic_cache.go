package policies

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies/semanticcache"
)

// llm-semantic-cache-lookup (and azure-openai-semantic-cache-lookup)
// answers an LLM request from the cache when an earlier prompt was close
// enough:
//
//	<llm-semantic-cache-lookup score-threshold="0.05" embeddings-backend-id="embeddings"
//	    embeddings-backend-auth="system-assigned" ignore-system-messages="true" max-message-count="10">
//	    <vary-by>@(context.Subscription.Id)</vary-by>
//	</llm-semantic-cache-lookup>
//
// Inbound. The prompt (the request's messages as "role: content" lines,
// system messages left out with ignore-system-messages; or prompt/input)
// is embedded by the embeddings backend (an OpenAI-compatible POST
// <backend url>[/embeddings] with {"input": prompt}, the backend's
// credentials, or with embeddings-backend-auth="system-assigned" and no
// credential of the backend's own a token of the gateway's managed
// identity for Azure AI services). The nearest cached prompt of the same partition (the API,
// the embeddings backend and every vary-by value) is a hit when its cosine
// distance (1 - cosine similarity) is at most score-threshold, so lower
// thresholds ask for closer prompts, as APIM documents: the cached answer
// is returned without calling the model (outbound still runs, as for
// cache-lookup). More messages than max-message-count skip the cache. The
// index is in memory, per gateway, bounded to semanticCacheMax entries.
//
// llm-semantic-cache-store (and azure-openai-semantic-cache-store)
// duration="seconds" in outbound stores a buffered 200 answer of a missed
// lookup for duration seconds; a streamed answer (buffer-response="false")
// is not stored.
type semanticLookup struct {
	systemAuth  bool // embeddings-backend-auth="system-assigned"
	threshold   *Value
	backendID   *Value
	ignoreSys   *Value
	maxMessages *Value
	varyBy      []*Value
}

type semanticStore struct {
	duration *Value
}

// semanticKey is the Run.Scratch key of a lookup's *semanticPending.
const semanticKey = "llm-semantic-cache"

// semanticCacheMax bounds the entries of a gateway's semantic cache.
const semanticCacheMax = 10000

type semanticPending struct {
	partition string
	vec       []float64
	hit       bool
}

var (
	_ Step = (*semanticLookup)(nil)
	_ Step = (*semanticStore)(nil)
)

func init() {
	Register("llm-semantic-cache-lookup", newSemanticLookup)
	Register("azure-openai-semantic-cache-lookup", newSemanticLookup)
	Register("llm-semantic-cache-store", newSemanticStore)
	Register("azure-openai-semantic-cache-store", newSemanticStore)
}

// semanticIndexes holds one index per set of stores (a gateway and its
// reloads share them).
var semanticIndexes sync.Map // *Stores → *semanticcache.Index

func semanticIndex(r *Run) *semanticcache.Index {
	st := StoresOf(r.Env)
	if x, ok := semanticIndexes.Load(st); ok {
		return x.(*semanticcache.Index)
	}
	x, _ := semanticIndexes.LoadOrStore(st, semanticcache.New(semanticCacheMax))
	return x.(*semanticcache.Index)
}

func newSemanticLookup(el *parser.Element, c *Compiler) (Step, error) {
	s := &semanticLookup{
		threshold:   c.Attr(el, "score-threshold", KindNumber),
		backendID:   c.Attr(el, "embeddings-backend-id", KindString),
		ignoreSys:   c.Attr(el, "ignore-system-messages", KindBool),
		maxMessages: c.Attr(el, "max-message-count", KindInt),
	}
	if lit, ok := s.threshold.Literal(); s.threshold.Present && ok {
		if f, err := strconv.ParseFloat(strings.TrimSpace(lit), 64); err != nil || f < 0 || f > 1 {
			c.Errorf(s.threshold.Pos(), parser.CodeBadAttribute, "score-threshold %q is not a number from 0.0 to 1.0", lit)
		}
	}
	if id, ok := s.backendID.Literal(); s.backendID.Present && ok && c.Backends != nil && !c.Backends(id) {
		c.Errorf(s.backendID.Pos(), parser.CodeBadAttribute, "backend %q does not exist", id)
	}
	if at := el.Attr("embeddings-backend-auth"); at != nil {
		if !strings.EqualFold(at.Value.Text, "system-assigned") {
			c.Errorf(at.Value.Pos, parser.CodeBadAttribute, "embeddings-backend-auth must be system-assigned, not %q", at.Value.Text)
		}
		s.systemAuth = true
	}
	for _, ch := range el.Children {
		if ch.Name == "vary-by" {
			s.varyBy = append(s.varyBy, c.Text(ch, KindString, false))
		}
	}
	return s, nil
}

// chatRequest is what the LLM policies read of an OpenAI-style request
// body: chat messages, or a completions prompt, or an embeddings input.
type chatRequest struct {
	Messages []struct {
		Role    string `json:"role"`
		Content any    `json:"content"`
	} `json:"messages"`
	Prompt any `json:"prompt"`
	Input  any `json:"input"`
}

// semanticPrompt is the text the cache compares, and the number of
// messages it holds.
func semanticPrompt(body []byte, ignoreSystem bool) (string, int) {
	var req chatRequest
	if json.Unmarshal(body, &req) != nil {
		return "", 0
	}
	var b strings.Builder
	n := 0
	for _, m := range req.Messages {
		if ignoreSystem && (m.Role == "system" || m.Role == "developer") {
			continue
		}
		n++
		b.WriteString(m.Role + ": " + strings.Join(promptTextsOf(m.Content), " ") + "\n")
	}
	for _, v := range []any{req.Prompt, req.Input} {
		if t := strings.Join(promptTextsOf(v), "\n"); t != "" {
			b.WriteString(t + "\n")
		}
	}
	return strings.TrimSpace(b.String()), n
}

// promptTextsOf flattens an OpenAI message content (a string, parts with
// text, or nested content) into its texts.
func promptTextsOf(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, promptTextsOf(e)...)
		}
		return out
	case map[string]any:
		if t, ok := x["text"].(string); ok {
			return []string{t}
		}
		if t, ok := x["content"]; ok {
			return promptTextsOf(t)
		}
	}
	return nil
}

func (s *semanticLookup) Exec(r *Run) error {
	raw, err := s.threshold.String(r)
	if err != nil {
		return err
	}
	threshold, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil {
		return &Error{Reason: ReasonExpression, Message: fmt.Sprintf("Expression evaluation failed. score-threshold %q is not a number.", raw), Status: 500}
	}
	id, err := s.backendID.String(r)
	if err != nil {
		return err
	}
	ignore, err := s.ignoreSys.Bool(r, false)
	if err != nil {
		return err
	}
	maxMsgs, err := s.maxMessages.Int(r, -1)
	if err != nil {
		return err
	}
	var body []byte
	if r.Ctx.Request != nil && r.Ctx.Request.Body != nil {
		body = r.Ctx.Request.Body.Bytes()
	}
	prompt, n := semanticPrompt(body, ignore)
	if prompt == "" || maxMsgs >= 0 && n > maxMsgs {
		return nil
	}
	part := []string{id}
	if a := r.Ctx.API; a != nil {
		part = append(part, a.ID)
	}
	for _, v := range s.varyBy {
		x, err := v.String(r)
		if err != nil {
			return err
		}
		part = append(part, x)
	}
	partition := strings.Join(part, "\x00")
	vec, err := embed(r, id, prompt, s.systemAuth)
	if err != nil {
		return err
	}
	p := &semanticPending{partition: partition, vec: vec}
	if r.Scratch == nil {
		r.Scratch = map[string]any{}
	}
	r.Scratch[semanticKey] = p
	e, _, ok := semanticIndex(r).Lookup(partition, vec, threshold, r.Now())
	if !ok {
		return nil
	}
	p.hit = true
	h := expressions.NewHeaders(nil)
	if e.ContentType != "" {
		h.H.Set("Content-Type", e.ContentType)
	}
	r.Ctx.Response = &expressions.Response{StatusCode: int32(e.Status), StatusReason: "OK", Headers: h, Body: expressions.NewBody(append([]byte(nil), e.Body...))}
	return ErrCacheHit
}

// embed asks the embeddings backend for the vector of text.
func embed(r *Run, id, text string, systemAuth bool) ([]float64, error) {
	path := ""
	if r.Env != nil && r.Env.Backends != nil {
		if b, ok := r.Env.Backends(id); ok && b != nil && b.URL != nil && !strings.HasSuffix(strings.TrimRight(b.URL.Path, "/"), "/embeddings") {
			path = "/embeddings"
		}
	}
	var out struct {
		Data []struct {
			Embedding []float64 `json:"embedding"`
		} `json:"data"`
	}
	scope := ""
	if systemAuth {
		scope = cognitiveServicesScope
	}
	if err := callServiceAs(r, id, path, "", scope, map[string]any{"input": text}, &out); err != nil {
		return nil, err
	}
	if len(out.Data) == 0 || len(out.Data[0].Embedding) == 0 {
		return nil, &Error{Reason: ReasonBackend, Message: fmt.Sprintf("Call to backend '%s' failed: the answer has no embedding", id), Status: 500}
	}
	return out.Data[0].Embedding, nil
}

func newSemanticStore(el *parser.Element, c *Compiler) (Step, error) {
	s := &semanticStore{duration: c.Attr(el, "duration", KindInt)}
	checkLitInt(c, s.duration)
	return s, nil
}

func (s *semanticStore) Exec(r *Run) error {
	p, ok := r.Scratch[semanticKey].(*semanticPending)
	if !ok || p.hit {
		return nil
	}
	secs, err := s.duration.Int(r, 0)
	if err != nil || secs <= 0 {
		return err
	}
	resp := r.Ctx.Response
	if resp == nil || resp.StatusCode != 200 || resp.Body == nil {
		return nil
	}
	if sr, ok := r.Scratch[StreamKey].(*StreamedResponse); ok && resp.Body == sr.Placeholder {
		return nil // streamed to the client: not kept
	}
	e := semanticcache.Entry{Status: 200, Body: append([]byte(nil), resp.Body.Bytes()...)}
	if resp.Headers != nil {
		e.ContentType = resp.Headers.H.Get("Content-Type")
	}
	semanticIndex(r).Store(p.partition, p.vec, e, r.Now(), time.Duration(secs)*time.Second)
	p.hit = true // stored once
	return nil
}
