package policies

import (
	"strings"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// BodyUse says which message bodies a statement may read:
// expressions.ReadsRequestBody, expressions.ReadsResponseBody or both.
// The gateway buffers a body only when some statement of the request's
// pipeline may read it, and streams it otherwise; so every doubt answers
// "reads" (buffering is always correct, streaming a body a policy reads
// is not).
type BodyUse = expressions.BodyUse

// bodyFree are the policies that never read a message body themselves
// (their expressions may: those are found where they compile). A policy
// missing here, implemented or not, reads both bodies.
var bodyFree = map[string]bool{
	"set-header": true, "set-query-parameter": true, "set-variable": true,
	"set-method": true, "set-status": true, "rewrite-uri": true,
	"set-backend-service": true, "forward-request": true,
	"return-response": true, "mock-response": true, "choose": true,
	"trace": true, "emit-metric": true, "wait": true,
	"limit-concurrency": true, "rate-limit": true, "rate-limit-by-key": true,
	"validate-jwt": true, "validate-azure-ad-token": true,
	"check-header": true, "ip-filter": true, "cors": true,
	"authentication-basic": true, "authentication-certificate": true,
	"authentication-managed-identity": true, "cache-lookup": true,
	"cache-lookup-value": true, "cache-store-value": true,
	"cache-remove-value": true, "validate-headers": true,
	"validate-parameters": true, "validate-status-code": true,
	"validate-client-certificate": true, "log-to-eventhub": true,
	"send-one-way-request": true, "cross-domain": true,
}

// attrIs reports whether el's attribute name is the literal value, or
// absent and def.
func attrIs(el *parser.Element, name, def string) bool {
	a := el.Attr(name)
	if a == nil || a.Value == nil {
		return true
	}
	return strings.EqualFold(strings.TrimSpace(a.Value.Text), def)
}

// inherentBodyUse is what a policy element reads by itself, before its
// expressions: nothing for the policies of bodyFree; the request body for
// send-request and send-one-way-request mode="copy" (they copy it), quota and quota-by-key (their
// bandwidth counts it) and retry (a retried forward-request resends it, so
// it must stay replayable), forward-request that follows redirects or asks
// for buffer-request-body; both bodies for set-body with a Liquid
// template and for every other policy.
func inherentBodyUse(el *parser.Element) BodyUse {
	switch el.Name {
	case "set-body":
		if a := el.Attr("template"); a != nil && a.Value != nil && !strings.EqualFold(strings.TrimSpace(a.Value.Text), "none") {
			return expressions.ReadsBodies
		}
		return 0
	case "send-request", "send-one-way-request":
		a := el.Attr("mode")
		if a == nil || a.Value == nil || strings.EqualFold(strings.TrimSpace(a.Value.Text), "new") {
			return 0
		}
		return expressions.ReadsRequestBody
	case "quota", "quota-by-key", "retry":
		return expressions.ReadsRequestBody
	case "forward-request":
		// following a 307/308 redirect sends the body again;
		// buffer-request-body asks for it outright
		if !attrIs(el, "follow-redirects", "false") || !attrIs(el, "buffer-request-body", "false") {
			return expressions.ReadsRequestBody
		}
		return 0
	}
	if bodyFree[el.Name] {
		return 0
	}
	return expressions.ReadsBodies
}
