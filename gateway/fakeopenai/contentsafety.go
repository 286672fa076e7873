package fakeopenai

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
)

// ContentSafety is a stand-in for Azure AI Content Safety: text:analyze
// rates each requested category by trigger words (Severity: word → level)
// and matches blocklists (Blocklists: name → terms); text:shieldPrompt
// detects an attack when a text holds "ignore all previous instructions".
// With a key set, calls without that Ocp-Apim-Subscription-Key get 401.
type ContentSafety struct {
	key        atomic.Pointer[string]
	Severity   map[string]map[string]int // category → word → severity
	Blocklists map[string][]string
	calls      atomic.Int64
}

// Attack is the phrase the fake's shieldPrompt flags.
const Attack = "ignore all previous instructions"

// NewContentSafety returns a fake that rates "hateful" Hate 4 and
// "violent" Violence 6.
func NewContentSafety(key string) *ContentSafety {
	c := &ContentSafety{
		Severity:   map[string]map[string]int{"Hate": {"hateful": 4}, "Violence": {"violent": 6}},
		Blocklists: map[string][]string{}}
	c.SetKey(key)
	return c
}

// SetKey changes the key the fake accepts ("" accepts any).
func (c *ContentSafety) SetKey(key string) { c.key.Store(&key) }

// Calls counts the calls received.
func (c *ContentSafety) Calls() int64 { return c.calls.Load() }

func (c *ContentSafety) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.calls.Add(1)
	if k := *c.key.Load(); k != "" && r.Header.Get("Ocp-Apim-Subscription-Key") != k {
		writeError(w, http.StatusUnauthorized, "401", "Access denied due to invalid subscription key.")
		return
	}
	if r.URL.Query().Get("api-version") == "" {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "api-version is required")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasSuffix(r.URL.Path, "/contentsafety/text:analyze"):
		var in struct {
			Text           string   `json:"text"`
			Categories     []string `json:"categories"`
			BlocklistNames []string `json:"blocklistNames"`
		}
		if json.NewDecoder(r.Body).Decode(&in) != nil || in.Text == "" {
			writeError(w, 400, "InvalidRequestBody", "text is required")
			return
		}
		if len(in.Categories) == 0 {
			in.Categories = []string{"Hate", "SelfHarm", "Sexual", "Violence"}
		}
		low := strings.ToLower(in.Text)
		var cats []any
		for _, cat := range in.Categories {
			sev := 0
			for word, s := range c.Severity[cat] {
				if strings.Contains(low, word) {
					sev = max(sev, s)
				}
			}
			cats = append(cats, map[string]any{"category": cat, "severity": sev})
		}
		matches := []any{}
		for _, name := range in.BlocklistNames {
			for _, term := range c.Blocklists[name] {
				if strings.Contains(low, strings.ToLower(term)) {
					matches = append(matches, map[string]any{"blocklistName": name, "blocklistItemText": term})
				}
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"blocklistsMatch": matches, "categoriesAnalysis": cats})
	case strings.HasSuffix(r.URL.Path, "/contentsafety/text:shieldPrompt"):
		var in struct {
			UserPrompt string   `json:"userPrompt"`
			Documents  []string `json:"documents"`
		}
		if json.NewDecoder(r.Body).Decode(&in) != nil {
			writeError(w, 400, "InvalidRequestBody", "the body is not JSON")
			return
		}
		docs := []any{}
		for _, d := range in.Documents {
			docs = append(docs, map[string]any{"attackDetected": strings.Contains(strings.ToLower(d), Attack)})
		}
		json.NewEncoder(w).Encode(map[string]any{
			"userPromptAnalysis": map[string]any{"attackDetected": strings.Contains(strings.ToLower(in.UserPrompt), Attack)},
			"documentsAnalysis":  docs,
		})
	default:
		writeError(w, http.StatusNotFound, "404", "Resource not found")
	}
}
