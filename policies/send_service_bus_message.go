package policies

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// send-service-bus-message sends a message to an Azure Service Bus queue or
// topic with the Service Bus REST "Send Message" call:
// POST https://{namespace}/{queue|topic}/messages, the payload as the body,
// each message property as a custom-property header, and
// "Authorization: Bearer <token>" for https://servicebus.azure.net from the
// gateway's managed identity (client-id picks a user-assigned one).
//
//	<send-service-bus-message queue-name="orders | @(expr)" topic-name="…"
//	    namespace="my-ns.servicebus.windows.net" client-id="…">
//	    <message-properties>
//	        <message-property name="Customer">Contoso | @(expr)</message-property>
//	    </message-properties>
//	    <payload>@(context.Request.Body.As<string>(preserveContent: true))</payload>
//	</send-service-bus-message>
//
// namespace is the namespace's host name; a bare name gets
// .servicebus.windows.net. Service Bus answers 201 when the message is
// queued. Project decisions (the reference documents no failure): a
// missing token, no answer within serviceBusTimeout or any other answer
// fails the request with 500, Source send-service-bus-message, Reason
// TokenAcquisitionFailed, Timeout or ServiceBusSendFailure, so a lost
// message is never silent. The request goes on otherwise (forward-request
// still runs when the document has one).
type sendServiceBusMessage struct {
	queue, topic, namespace, clientID *Value
	props                             []daprItem
	payload                           *Value
}

var _ Step = (*sendServiceBusMessage)(nil)

// ReasonServiceBusSendFailure is the LastError reason when Service Bus did
// not take the message.
const ReasonServiceBusSendFailure = "ServiceBusSendFailure"

// Service Bus access: the token scope and the send's bound.
const (
	serviceBusScope   = "https://servicebus.azure.net/.default"
	serviceBusTimeout = 30 * time.Second
	serviceBusSuffix  = ".servicebus.windows.net"
)

func init() { Register("send-service-bus-message", compileSendServiceBusMessage) }

func compileSendServiceBusMessage(el *parser.Element, c *Compiler) (Step, error) {
	s := &sendServiceBusMessage{
		queue: c.Attr(el, "queue-name", KindString), topic: c.Attr(el, "topic-name", KindString),
		namespace: c.Attr(el, "namespace", KindString), clientID: c.Attr(el, "client-id", KindString),
	}
	if s.queue.Present == s.topic.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<send-service-bus-message> needs exactly one of queue-name and topic-name")
	}
	if !s.namespace.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<send-service-bus-message> needs a namespace (the Service Bus namespace's host name)")
	} else if lit, ok := s.namespace.Literal(); ok && !hasUnknownNamedValue(lit) {
		if _, err := serviceBusBase(lit); err != nil {
			c.Errorf(s.namespace.Pos(), parser.CodeBadAttribute, "%s", err.Error())
		}
	}
	for _, ch := range el.Children {
		switch ch.Name {
		case "message-properties":
			for _, p := range ch.Children {
				if p.Name != "message-property" {
					continue
				}
				name := strings.TrimSpace(literalAttr(p, "name"))
				if name == "" || strings.ContainsAny(name, " \t\r\n:") {
					c.Errorf(p.Pos, parser.CodeBadAttribute, "<message-property> needs a name usable as a header name, not %q", name)
				}
				s.props = append(s.props, daprItem{key: name, value: c.Text(p, KindString, false)})
			}
		case "payload":
			s.payload = c.Text(ch, KindString, true)
		}
	}
	if s.payload == nil {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<send-service-bus-message> needs a <payload>")
		s.payload = &Value{}
	}
	return s, nil
}

// serviceBusBase is the namespace's base URL.
func serviceBusBase(ns string) (*url.URL, error) {
	ns = strings.TrimSpace(ns)
	if ns != "" && !strings.ContainsAny(ns, ".:") {
		ns += serviceBusSuffix
	}
	u, err := url.Parse("https://" + ns)
	if err != nil || ns == "" || u.Host != ns || u.Hostname() == "" {
		return nil, &Error{Source: "send-service-bus-message", Reason: ReasonServiceBusSendFailure,
			Message: "namespace must be the host name of a Service Bus namespace (my-ns.servicebus.windows.net), not " + strconv.Quote(ns)}
	}
	return u, nil
}

func (s *sendServiceBusMessage) fail(reason, msg string, err error) error {
	return &Error{Source: "send-service-bus-message", Reason: reason, Status: http.StatusInternalServerError, Message: msg, Err: err}
}

// Exec sends the message.
func (s *sendServiceBusMessage) Exec(r *Run) error {
	entity := s.queue
	if !entity.Present {
		entity = s.topic
	}
	name, err := entity.String(r)
	if err != nil {
		return err
	}
	ns, err := s.namespace.String(r)
	if err != nil {
		return err
	}
	clientID, err := s.clientID.StringOr(r, "")
	if err != nil {
		return err
	}
	payload, err := s.payload.StringOr(r, "")
	if err != nil {
		return err
	}
	header := http.Header{}
	for _, p := range s.props {
		v, err := p.value.StringOr(r, "")
		if err != nil {
			return err
		}
		header.Set(p.key, v)
	}
	base, berr := serviceBusBase(ns)
	if name = strings.Trim(strings.TrimSpace(name), "/"); berr != nil || name == "" {
		msg := "send-service-bus-message needs a queue or topic name"
		if berr != nil {
			msg = berr.Error()
		}
		return s.fail(ReasonServiceBusSendFailure, msg+".", berr)
	}
	ctx := r.Context
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, end := r.StartSpan("send-service-bus-message", "messaging.destination.name", name)
	tok, _, terr := TokenSource().Token(ctx, serviceBusScope, clientID)
	if terr != nil {
		end(terr)
		// The cause may carry endpoint details; it stays in Err, out of the message.
		return s.fail(ReasonTokenAcquisitionFailed, "Could not get a token for Azure Service Bus with the gateway's managed identity.", terr)
	}
	u := base.JoinPath(name, "messages")
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader([]byte(payload)))
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if req.Header.Get("Content-Type") == "" {
		ct := "text/plain; charset=utf-8"
		if json.Valid([]byte(payload)) {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	var resp *expressions.Response
	var sendErr *Error
	flowUnlocked(r, func() { resp, sendErr = sendReqDo(ctx, sendReqClient(r), req, serviceBusTimeout) })
	if sendErr != nil {
		end(sendErr)
		if sendErr.Reason == ReasonTimeout || sendErr.Status == 499 {
			return s.fail(sendErr.Reason, "Azure Service Bus did not answer in time.", sendErr)
		}
		return s.fail(ReasonServiceBusSendFailure, "Azure Service Bus could not be reached: "+sendErr.Message+".", sendErr)
	}
	end(nil)
	if resp.StatusCode != http.StatusCreated {
		return s.fail(ReasonServiceBusSendFailure, "Azure Service Bus refused the message to "+name+": "+strconv.Itoa(int(resp.StatusCode))+" "+resp.StatusReason+".", nil)
	}
	return nil
}
