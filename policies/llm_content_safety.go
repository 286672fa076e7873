package policies

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/policygate/policygate/parser"
)

// llm-content-safety sends the prompt of an LLM request to Azure AI
// Content Safety before the model sees it:
//
//	<llm-content-safety backend-id="name | @(expr)" shield-prompt="false | true | @(expr)">
//	    <categories output-type="FourSeverityLevels | EightSeverityLevels">
//	        <category name="Hate | SelfHarm | Sexual | Violence" threshold="0..7 | @(expr)" />
//	    </categories>
//	    <blocklists><id>name | @(expr)</id></blocklists>
//	</llm-content-safety>
//
// Inbound. The prompt is the text of the request body's messages (every
// role), prompt and input. With categories or blocklists it calls
// POST <backend>/contentsafety/text:analyze; with shield-prompt
// POST <backend>/contentsafety/text:shieldPrompt (user prompt: the user
// messages; documents: the others), both with api-version 2024-09-01 and
// the backend's credentials. A category whose severity reaches its
// threshold, a blocklist match or a detected attack blocks the request:
// 403, reason ContentSafetyBlocked (a project code; APIM documents only
// the 403), and the model is not called. A failing Content Safety call is
// a 500. enforce-on-completions (checking the model's answer) is not
// supported: true loads with a warning.
type contentSafety struct {
	backendID  *Value
	shield     *Value
	outputType string
	categories []safetyCategory
	blocklists []*Value
}

type safetyCategory struct {
	name      string
	threshold *Value
}

var _ Step = (*contentSafety)(nil)

// ReasonContentSafety is the LastError reason of a blocked prompt.
const ReasonContentSafety = "ContentSafetyBlocked"

// contentSafetyAPIVersion is the REST API version called.
const contentSafetyAPIVersion = "2024-09-01"

// maxSafetyText is Content Safety's limit per text:analyze call.
const maxSafetyText = 10000

var safetyCategories = []string{"Hate", "SelfHarm", "Sexual", "Violence"}

func init() { Register("llm-content-safety", newContentSafety) }

func newContentSafety(el *parser.Element, c *Compiler) (Step, error) {
	s := &contentSafety{
		backendID:  c.Attr(el, "backend-id", KindString),
		shield:     c.Attr(el, "shield-prompt", KindBool),
		outputType: "FourSeverityLevels",
	}
	if id, ok := s.backendID.Literal(); s.backendID.Present && ok && c.Backends != nil && !c.Backends(id) {
		c.Errorf(s.backendID.Pos(), parser.CodeBadAttribute, "backend %q does not exist", id)
	}
	if at := el.Attr("enforce-on-completions"); at != nil && strings.EqualFold(at.Value.Text, "true") {
		c.Warnf(at.Pos, parser.CodeNotImplemented, "llm-content-safety enforce-on-completions is not supported: completions are not checked")
	}
	for _, ch := range el.Children {
		switch ch.Name {
		case "categories":
			if at := ch.Attr("output-type"); at != nil {
				switch at.Value.Text {
				case "FourSeverityLevels", "EightSeverityLevels":
					s.outputType = at.Value.Text
				default:
					c.Errorf(at.Value.Pos, parser.CodeBadAttribute, "output-type %q is not FourSeverityLevels or EightSeverityLevels", at.Value.Text)
				}
			}
			for _, cat := range ch.Children {
				if cat.Name != "category" {
					continue
				}
				name, _ := c.Attr(cat, "name", KindString).Literal()
				canon := ""
				for _, n := range safetyCategories {
					if strings.EqualFold(n, name) {
						canon = n
					}
				}
				if canon == "" {
					c.Errorf(cat.Pos, parser.CodeBadAttribute, "category %q is not one of %s", name, strings.Join(safetyCategories, ", "))
					continue
				}
				s.categories = append(s.categories, safetyCategory{name: canon, threshold: c.Attr(cat, "threshold", KindInt)})
			}
		case "blocklists":
			for _, id := range ch.Children {
				if id.Name == "id" {
					s.blocklists = append(s.blocklists, c.Text(id, KindString, false))
				}
			}
		}
	}
	return s, nil
}

type promptParts struct {
	user, other []string
}

// promptTexts reads the texts of an OpenAI-style request body.
func promptTexts(body []byte) promptParts {
	var p promptParts
	var req chatRequest
	if json.Unmarshal(body, &req) != nil {
		return p
	}
	for _, m := range req.Messages {
		if m.Role == "user" || m.Role == "" {
			p.user = append(p.user, promptTextsOf(m.Content)...)
		} else {
			p.other = append(p.other, promptTextsOf(m.Content)...)
		}
	}
	p.user = append(p.user, promptTextsOf(req.Prompt)...)
	p.user = append(p.user, promptTextsOf(req.Input)...)
	return p
}

func (s *contentSafety) blocked(what string) error {
	return &Error{Reason: ReasonContentSafety, Status: http.StatusForbidden,
		Message: "Request failed content safety check: " + what + "."}
}

func (s *contentSafety) Exec(r *Run) error {
	id, err := s.backendID.String(r)
	if err != nil {
		return err
	}
	shield, err := s.shield.Bool(r, false)
	if err != nil {
		return err
	}
	thresholds := map[string]int{}
	for _, c := range s.categories {
		n, err := c.threshold.Int(r, 0)
		if err != nil {
			return err
		}
		thresholds[c.name] = n
	}
	var lists []string
	for _, b := range s.blocklists {
		v, err := b.String(r)
		if err != nil {
			return err
		}
		if v = strings.TrimSpace(v); v != "" {
			lists = append(lists, v)
		}
	}
	var body []byte
	if r.Ctx.Request != nil && r.Ctx.Request.Body != nil {
		body = r.Ctx.Request.Body.Bytes()
	}
	parts := promptTexts(body)
	all := strings.TrimSpace(strings.Join(append(append([]string(nil), parts.other...), parts.user...), "\n"))
	if all == "" {
		return nil
	}
	query := "api-version=" + contentSafetyAPIVersion
	if len(thresholds) > 0 || len(lists) > 0 {
		cats := make([]string, 0, len(thresholds))
		for _, n := range safetyCategories {
			if _, ok := thresholds[n]; ok {
				cats = append(cats, n)
			}
		}
		for _, chunk := range chunks(all, maxSafetyText) {
			in := map[string]any{"text": chunk, "outputType": s.outputType, "haltOnBlocklistHit": true}
			if len(cats) > 0 {
				in["categories"] = cats
			}
			if len(lists) > 0 {
				in["blocklistNames"] = lists
			}
			var out struct {
				BlocklistsMatch []struct {
					BlocklistName string `json:"blocklistName"`
				} `json:"blocklistsMatch"`
				CategoriesAnalysis []struct {
					Category string `json:"category"`
					Severity int    `json:"severity"`
				} `json:"categoriesAnalysis"`
			}
			if err := callService(r, id, "/contentsafety/text:analyze", query, in, &out); err != nil {
				return err
			}
			if len(out.BlocklistsMatch) > 0 {
				return s.blocked(fmt.Sprintf("blocklist %s matched", out.BlocklistsMatch[0].BlocklistName))
			}
			for _, ca := range out.CategoriesAnalysis {
				if t, ok := thresholds[ca.Category]; ok && ca.Severity >= t {
					return s.blocked(fmt.Sprintf("category %s at severity %d", ca.Category, ca.Severity))
				}
			}
		}
	}
	if shield {
		in := map[string]any{"userPrompt": strings.Join(parts.user, "\n"), "documents": parts.other}
		if parts.other == nil {
			in["documents"] = []string{}
		}
		var out struct {
			UserPromptAnalysis *struct {
				AttackDetected bool `json:"attackDetected"`
			} `json:"userPromptAnalysis"`
			DocumentsAnalysis []struct {
				AttackDetected bool `json:"attackDetected"`
			} `json:"documentsAnalysis"`
		}
		if err := callService(r, id, "/contentsafety/text:shieldPrompt", query, in, &out); err != nil {
			return err
		}
		if out.UserPromptAnalysis != nil && out.UserPromptAnalysis.AttackDetected {
			return s.blocked("prompt attack detected")
		}
		for _, d := range out.DocumentsAnalysis {
			if d.AttackDetected {
				return s.blocked("attack detected in a document")
			}
		}
	}
	return nil
}

// chunks cuts s into pieces of at most n runes.
func chunks(s string, n int) []string {
	rs := []rune(s)
	var out []string
	for len(rs) > n {
		out = append(out, string(rs[:n]))
		rs = rs[n:]
	}
	return append(out, string(rs))
}
