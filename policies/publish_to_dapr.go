package policies

import (
	"net/http"
	"strings"

	"github.com/policygate/policygate/parser"
)

// publish-to-dapr publishes a message to a Dapr pub/sub topic through the
// sidecar: POST {sidecar}/v1.0/publish/{pubsub-name}/{topic}.
//
//	<publish-to-dapr pubsub-name="orders | @(expr)" topic="new | @(expr)"
//	    ignore-error="false" response-variable-name="dapr-response"
//	    timeout="5" template="liquid" content-type="application/json">
//	    message content | @(expr) | {{ liquid }}
//	</publish-to-dapr>
//
// Without pubsub-name the topic is "pubsub-name/topic-name" (pub-sub-name
// is accepted as another spelling). timeout is 1 to 240 seconds, default
// 5. The sidecar's answer goes to response-variable-name; a failure (no
// sidecar, a timeout, an answer of 400 or more) raises on-error with
// Source publish-to-dapr unless ignore-error="true". The sidecar address is
// the dapr.http.endpoint setting (DaprSidecar).
type publishToDapr struct {
	daprCommon
	pubsub  *Value
	topic   *Value
	message *Value
}

var _ Step = (*publishToDapr)(nil)

func init() { Register("publish-to-dapr", compilePublishToDapr) }

func compilePublishToDapr(el *parser.Element, c *Compiler) (Step, error) {
	s := &publishToDapr{daprCommon: compileDaprCommon(el, c), topic: c.Attr(el, "topic", KindString)}
	s.pubsub = c.Attr(el, "pubsub-name", KindString)
	if !s.pubsub.Present {
		s.pubsub = c.Attr(el, "pub-sub-name", KindString)
	}
	if !s.topic.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<publish-to-dapr> needs a topic")
	} else if lit, ok := s.topic.Literal(); ok && !s.pubsub.Present && !hasUnknownNamedValue(lit) {
		if ps, t, found := strings.Cut(strings.TrimSpace(lit), "/"); !found || ps == "" || t == "" {
			c.Errorf(s.topic.Pos(), parser.CodeBadAttribute, "without pubsub-name the topic must be pubsub-name/topic-name, not %q", lit)
		}
	}
	s.message = s.compileContent(el, el, c)
	return s, nil
}

// Exec publishes the message.
func (s *publishToDapr) Exec(r *Run) error {
	topic, err := s.topic.String(r)
	if err != nil {
		return err
	}
	pubsub, err := s.pubsub.StringOr(r, "")
	if err != nil {
		return err
	}
	topic, pubsub = strings.TrimSpace(topic), strings.TrimSpace(pubsub)
	if pubsub == "" {
		var found bool
		pubsub, topic, found = strings.Cut(topic, "/")
		if !found {
			topic = ""
		}
	}
	if pubsub == "" || topic == "" {
		return &Error{Source: s.source, Reason: ReasonDaprFailure, Status: http.StatusInternalServerError,
			Message: "publish-to-dapr needs a pub/sub component name and a topic name."}
	}
	body, err := s.content(r, s.message)
	if err != nil {
		return err
	}
	return s.post(r, "/v1.0/publish/"+daprSegment(pubsub)+"/"+daprSegment(topic), body, s.contentType)
}
