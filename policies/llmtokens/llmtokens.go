// Package llmtokens counts the tokens of OpenAI-style requests and
// responses: a BPE tokenizer with the cl100k_base and o200k_base encodings
// embedded (tiktoken-go with its offline loader, so nothing is fetched at
// run time), prompt estimates from request bodies, and the usage a
// response reports, read from a buffered body or from a stream as it
// passes.
package llmtokens

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"

	"github.com/pkoukk/tiktoken-go"
	loader "github.com/pkoukk/tiktoken-go-loader"
)

// Encodings.
const (
	CL100K = "cl100k_base"
	O200K  = "o200k_base"
)

// ImageTokens is what an image in a prompt counts for.
const ImageTokens = 1200

var (
	loaderOnce sync.Once
	encMu      sync.Mutex
	encs       = map[string]*tiktoken.Tiktoken{}
)

// EncodingFor names the encoding of a model or deployment name: o200k_base
// for the gpt-4o, gpt-4.1, gpt-4.5, gpt-5 and o-series families (and for
// names it does not know, which are most likely recent), cl100k_base for
// gpt-4, gpt-3.5 and the text-embedding models.
func EncodingFor(model string) string {
	m := strings.ToLower(model)
	switch {
	case strings.Contains(m, "gpt-4o"), strings.Contains(m, "gpt-4.1"), strings.Contains(m, "gpt-4.5"), strings.Contains(m, "gpt-5"):
		return O200K
	case strings.Contains(m, "gpt-4"), strings.Contains(m, "gpt-35"), strings.Contains(m, "gpt-3.5"), strings.Contains(m, "embedding"), strings.Contains(m, "davinci"), strings.Contains(m, "ada"):
		return CL100K
	}
	return O200K
}

func encoding(name string) *tiktoken.Tiktoken {
	loaderOnce.Do(func() { tiktoken.SetBpeLoader(loader.NewOfflineLoader()) })
	encMu.Lock()
	defer encMu.Unlock()
	if e, ok := encs[name]; ok {
		return e
	}
	e, err := tiktoken.GetEncoding(name)
	if err != nil {
		e = nil // embedded data: cannot happen; Count falls back
	}
	encs[name] = e
	return e
}

// Count is the number of tokens of text for model.
func Count(model, text string) int {
	if text == "" {
		return 0
	}
	if e := encoding(EncodingFor(model)); e != nil {
		return len(e.EncodeOrdinary(text))
	}
	return (len([]rune(text)) + 3) / 4
}

// Prompt is what a request body says about its prompt.
type Prompt struct {
	// Tokens is the prompt estimate: the text's tokens, 3 per message and
	// 3 for the reply priming (OpenAI's chat format), ImageTokens per image.
	// ReadPrompt leaves it to Count.
	Tokens int64
	// Stream: the request asks for a stream; IncludeUsage: with the usage
	// chunk (stream_options.include_usage).
	Stream, IncludeUsage bool
	// Model is the body's model, or the deployment name of the path.
	Model string

	text             string
	images, messages int64
	counted          bool
}

// EstimatePrompt reads an OpenAI-style request body (chat messages,
// prompt, input) and counts its tokens. path, when it holds
// /deployments/<name>/, names the model when the body does not.
func EstimatePrompt(body []byte, path string) Prompt {
	p := ReadPrompt(body, path)
	n := p.Count()
	return Prompt{Tokens: n, Stream: p.Stream, IncludeUsage: p.IncludeUsage, Model: p.Model}
}

// ReadPrompt reads a request body like EstimatePrompt but counts nothing
// yet: Count does, once, when an estimate is needed.
func ReadPrompt(body []byte, path string) *Prompt {
	p := &Prompt{}
	var req map[string]any
	if len(bytes.TrimSpace(body)) == 0 || json.Unmarshal(body, &req) != nil {
		p.Model = DeploymentOf(path)
		return p
	}
	p.Stream, _ = req["stream"].(bool)
	if so, ok := req["stream_options"].(map[string]any); ok {
		p.IncludeUsage, _ = so["include_usage"].(bool)
	}
	p.Model, _ = req["model"].(string)
	if p.Model == "" {
		p.Model = DeploymentOf(path)
	}
	var text strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			text.WriteString(x)
			text.WriteByte('\n')
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			if t, _ := x["type"].(string); strings.Contains(t, "image") {
				p.images++
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
		if a, ok := v.([]any); ok && k == "messages" {
			p.messages += int64(len(a))
		}
		walk(v)
	}
	p.text = strings.TrimSuffix(text.String(), "\n")
	return p
}

// Count returns the prompt estimate (see Tokens), counting it on first use.
func (p *Prompt) Count() int64 {
	if p.counted {
		return p.Tokens
	}
	p.counted = true
	if p.text == "" && p.images == 0 {
		return 0
	}
	p.Tokens = int64(Count(p.Model, p.text)) + ImageTokens*p.images
	if p.messages > 0 {
		p.Tokens += 3*p.messages + 3
	}
	return p.Tokens
}

// DeploymentOf returns <name> of a path holding /deployments/<name>/.
func DeploymentOf(path string) string {
	_, after, ok := strings.Cut(path, "/deployments/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(after, "/")
	return name
}
