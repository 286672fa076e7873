package policies

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/policygate/policygate/parser"
)

// invoke-dapr-binding triggers a Dapr output binding through the sidecar:
// POST {sidecar}/v1.0/bindings/{name} with the documented JSON request
// {"data": …, "metadata": {…}, "operation": "…"}.
//
//	<invoke-dapr-binding name="bind-name | @(expr)" operation="create"
//	    ignore-error="false" response-variable-name="bind-response"
//	    timeout="5" template="liquid" content-type="application/json">
//	    <metadata>
//	        <item key="source">value | @(expr)</item>
//	    </metadata>
//	    <data>message content | @(expr) | {{ liquid }}</data>
//	</invoke-dapr-binding>
//
// data that is JSON is sent as that JSON value, other text as a JSON
// string; without <data> it is null. Metadata values are strings. The
// answer, failures, ignore-error and timeout are as for publish-to-dapr.
type invokeDaprBinding struct {
	daprCommon
	name      *Value
	operation string
	metadata  []daprItem
	data      *Value
}

type daprItem struct {
	key   string
	value *Value
}

var _ Step = (*invokeDaprBinding)(nil)

func init() { Register("invoke-dapr-binding", compileInvokeDaprBinding) }

func compileInvokeDaprBinding(el *parser.Element, c *Compiler) (Step, error) {
	s := &invokeDaprBinding{daprCommon: compileDaprCommon(el, c), name: c.Attr(el, "name", KindString)}
	if !s.name.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<invoke-dapr-binding> needs a name")
	}
	if v := c.Attr(el, "operation", KindString); v.Present {
		lit, ok := v.Literal()
		if !ok {
			c.Errorf(v.Pos(), parser.CodeBadAttribute, "operation does not allow policy expressions")
		}
		s.operation = strings.TrimSpace(lit)
	}
	var dataEl *parser.Element
	for _, ch := range el.Children {
		switch ch.Name {
		case "metadata":
			for _, it := range ch.Children {
				if it.Name != "item" {
					continue
				}
				key := strings.TrimSpace(literalAttr(it, "key"))
				if key == "" {
					c.Errorf(it.Pos, parser.CodeBadAttribute, "<item> needs a key")
				}
				s.metadata = append(s.metadata, daprItem{key: key, value: c.Text(it, KindString, false)})
			}
		case "data":
			dataEl = ch
		}
	}
	s.data = s.compileContent(el, dataEl, c)
	return s, nil
}

// Exec invokes the binding.
func (s *invokeDaprBinding) Exec(r *Run) error {
	name, err := s.name.String(r)
	if err != nil {
		return err
	}
	if name = strings.TrimSpace(name); name == "" {
		return &Error{Source: s.source, Reason: ReasonDaprFailure, Status: http.StatusInternalServerError,
			Message: "invoke-dapr-binding needs a binding name."}
	}
	body, err := s.content(r, s.data)
	if err != nil {
		return err
	}
	msg := struct {
		Data      json.RawMessage   `json:"data"`
		Metadata  map[string]string `json:"metadata,omitempty"`
		Operation string            `json:"operation,omitempty"`
	}{Data: json.RawMessage("null"), Operation: s.operation}
	if trimmed := strings.TrimSpace(string(body)); trimmed != "" {
		if json.Valid([]byte(trimmed)) {
			msg.Data = json.RawMessage(trimmed)
		} else {
			msg.Data, _ = json.Marshal(string(body))
		}
	}
	for _, it := range s.metadata {
		v, err := it.value.StringOr(r, "")
		if err != nil {
			return err
		}
		if msg.Metadata == nil {
			msg.Metadata = map[string]string{}
		}
		msg.Metadata[it.key] = v
	}
	out, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	return s.post(r, "/v1.0/bindings/"+daprSegment(name), out, "application/json")
}
