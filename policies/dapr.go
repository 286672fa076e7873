package policies

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// Shared by publish-to-dapr and invoke-dapr-binding: both POST to the Dapr
// sidecar's HTTP API (publish: /v1.0/publish/{pubsub}/{topic}; bindings:
// /v1.0/bindings/{name}).

// DefaultDaprSidecar is Dapr's default sidecar address.
const DefaultDaprSidecar = "http://localhost:3500"

// ReasonDaprFailure is the LastError reason when the sidecar failed or
// answered with an error (project decision: the reference names none).
const ReasonDaprFailure = "DaprRuntimeFailure"

var daprSidecar atomic.Pointer[string]

// SetDaprSidecar sets the sidecar base URL (setting dapr.http.endpoint);
// empty restores the default: DAPR_HTTP_ENDPOINT, else
// http://localhost:$DAPR_HTTP_PORT, else http://localhost:3500, as Dapr's
// SDKs read them.
func SetDaprSidecar(u string) {
	u = strings.TrimRight(strings.TrimSpace(u), "/")
	daprSidecar.Store(&u)
}

// DaprSidecar returns the sidecar base URL in use.
func DaprSidecar() string {
	if p := daprSidecar.Load(); p != nil && *p != "" {
		return *p
	}
	if e := strings.TrimSpace(os.Getenv("DAPR_HTTP_ENDPOINT")); e != "" {
		return strings.TrimRight(e, "/")
	}
	if p := strings.TrimSpace(os.Getenv("DAPR_HTTP_PORT")); p != "" {
		if n, err := strconv.Atoi(p); err == nil && n > 0 && n < 65536 {
			return "http://localhost:" + p
		}
	}
	return DefaultDaprSidecar
}

// daprCommon holds the attributes both policies share.
type daprCommon struct {
	source      string
	ignoreError bool
	respVar     string
	timeout     *Value
	contentType string
	liquid      *liquidTemplate // template="liquid"
}

const (
	daprDefaultTimeout = 5
	daprMaxTimeout     = 240
)

func compileDaprCommon(el *parser.Element, c *Compiler) daprCommon {
	d := daprCommon{source: el.Name, ignoreError: literalBool(c, el, "ignore-error", false)}
	if v := c.Attr(el, "response-variable-name", KindString); v.Present {
		lit, ok := v.Literal()
		if !ok || strings.TrimSpace(lit) == "" {
			c.Errorf(v.Pos(), parser.CodeBadAttribute, "response-variable-name must be a literal name")
		}
		d.respVar = strings.TrimSpace(lit)
	}
	d.timeout = c.Attr(el, "timeout", KindInt)
	if lit, ok := d.timeout.Literal(); ok && d.timeout.Present && !hasUnknownNamedValue(lit) {
		if n, err := strconv.Atoi(strings.TrimSpace(lit)); err != nil || n < 1 || n > daprMaxTimeout {
			c.Errorf(d.timeout.Pos(), parser.CodeBadAttribute, "timeout must be 1 to %d seconds, not %q", daprMaxTimeout, lit)
		}
	}
	if v := c.Attr(el, "content-type", KindString); v.Present {
		lit, _ := v.Literal()
		if !strings.EqualFold(strings.TrimSpace(lit), "application/json") {
			c.Errorf(v.Pos(), parser.CodeBadAttribute, "content-type must be application/json, the only value Dapr policies support, not %q", lit)
		}
		d.contentType = "application/json"
	}
	return d
}

// compileContent compiles the message content of el (its text, or the
// text of child): a Liquid template when template="liquid", otherwise a
// value that may be an expression.
func (d *daprCommon) compileContent(el, textOf *parser.Element, c *Compiler) *Value {
	if v := c.Attr(el, "template", KindEnum); v.Present {
		if lit, _ := v.Literal(); strings.EqualFold(strings.TrimSpace(lit), "liquid") {
			if textOf != nil {
				d.liquid = compileLiquid(textOf, c)
			}
			return nil
		}
	}
	if textOf == nil {
		return &Value{}
	}
	return c.Text(textOf, KindString, true)
}

// content evaluates the message content.
func (d *daprCommon) content(r *Run, v *Value) ([]byte, error) {
	if d.liquid != nil {
		return d.liquid.render(r)
	}
	if v == nil || !v.Present {
		return nil, nil
	}
	s, err := v.String(r)
	return []byte(s), err
}

// post sends body to the sidecar path and stores the answer. A connection
// failure, a timeout or an answer of 400 and above is a failure: an
// error (Source the policy, Reason DaprRuntimeFailure or Timeout, status
// 500) unless ignore-error. The answer goes to response-variable-name in
// every case where there is one, so on-error can return it verbatim.
func (d *daprCommon) post(r *Run, path string, body []byte, contentType string) error {
	secs, err := d.timeout.Int(r, daprDefaultTimeout)
	if err != nil {
		return err
	}
	if secs < 1 || secs > daprMaxTimeout {
		secs = daprDefaultTimeout
	}
	base := DaprSidecar()
	u, perr := url.Parse(base + path)
	if perr != nil || u.Host == "" {
		return &Error{Source: d.source, Reason: ReasonDaprFailure, Status: http.StatusInternalServerError,
			Message: "The Dapr sidecar address " + strconv.Quote(base) + " is not a URL."}
	}
	ctx, end := r.StartSpan(d.source, "dapr.url", flowLogURL(u))
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	var resp *expressions.Response
	var sendErr *Error
	flowUnlocked(r, func() { resp, sendErr = sendReqDo(ctx, sendReqClient(r), req, time.Duration(secs)*time.Second) })
	if sendErr != nil {
		end(sendErr)
	} else {
		end(nil)
	}
	if r.Ctx.Variables == nil {
		r.Ctx.Variables = expressions.NewVariables()
	}
	if sendErr != nil {
		if r.Context.Err() != nil {
			return sendErr
		}
		if d.respVar != "" {
			r.Ctx.Variables.Set(d.respVar, nil)
		}
		if d.ignoreError {
			return nil
		}
		reason := ReasonDaprFailure
		if sendErr.Reason == ReasonTimeout {
			reason = ReasonTimeout
		}
		return &Error{Source: d.source, Reason: reason, Status: http.StatusInternalServerError,
			Message: "The Dapr runtime could not be reached: " + sendErr.Message + ".", Err: sendErr}
	}
	if d.respVar != "" {
		r.Ctx.Variables.Set(d.respVar, resp)
	}
	if resp.StatusCode >= 400 && !d.ignoreError {
		return &Error{Source: d.source, Reason: ReasonDaprFailure, Status: http.StatusInternalServerError,
			Message: "The Dapr runtime answered " + strconv.Itoa(int(resp.StatusCode)) + " " + resp.StatusReason + "."}
	}
	return nil
}

// daprSegment escapes one path segment of a sidecar URL.
func daprSegment(s string) string { return url.PathEscape(s) }
