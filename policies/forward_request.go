package policies

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// ForwardTimeoutStatus is the status of a forward-request timeout. Classic
// gateways answer 500; some versions use 504 (spec gateway.md §4), so it is
// a variable.
var ForwardTimeoutStatus = http.StatusInternalServerError

// ReasonBackendStatus is the project's reason for fail-on-error-status-code
// (spec policies.md §2.9).
const ReasonBackendStatus = "BackendStatusCodeError"

// ReasonBackendAuthentication is the LastError reason (project code) when
// forward-request cannot get the credential of the backend entity
// set-backend-service chose (an Entra token request failed, say): the
// request ends with 500 and the backend is not called. The message names
// the backend only; the cause, which never holds a secret, is in Err.
const ReasonBackendAuthentication = "BackendAuthenticationFailure"

// StreamKey is the Run.Scratch key under which forward-request with
// buffer-response="false" leaves a *StreamedResponse.
const StreamKey = "forward-request"

// StreamedResponse is a backend response body that forward-request did not
// buffer (buffer-response="false", or no statement reads it). The rule: forward-request puts an empty
// Placeholder body in context.Response; when the pipeline ends and
// context.Response.Body is still that placeholder (no policy replaced the
// body), the gateway copies Body to the client as it arrives; otherwise the
// gateway closes Body and sends the body the policies set. Outbound
// expressions reading the body see it empty.
type StreamedResponse struct {
	Body        io.ReadCloser
	Placeholder *expressions.Body
	// Length is the body's length when the client should be told it
	// (Content-Length), -1 otherwise.
	Length int64
	cancel context.CancelFunc
}

// Close closes the backend body and releases the request's context.
func (s *StreamedResponse) Close() error {
	err := s.Body.Close()
	if s.cancel != nil {
		s.cancel()
	}
	return err
}

// hopHeaders are the hop-by-hop headers a proxy never forwards.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// StripHopHeaders removes hop-by-hop headers from h, including those named
// in Connection.
func StripHopHeaders(h http.Header) {
	for _, v := range h["Connection"] {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				h.Del(f)
			}
		}
	}
	for _, k := range hopHeaders {
		delete(h, k)
	}
	for k := range h {
		if len(k) > 6 && strings.EqualFold(k[:6], "proxy-") {
			delete(h, k)
		}
	}
}

type forwardRequest struct {
	timeout, timeoutMs *Value
	followRedirects    *Value
	failOnError        bool
	bufferResponse     bool
}

func init() { Register("forward-request", newForwardRequest) }

func literalBool(c *Compiler, el *parser.Element, name string, def bool) bool {
	v := c.Attr(el, name, KindBool)
	s, ok := v.Literal()
	if !v.Present || !ok {
		return def
	}
	switch strings.ToLower(s) {
	case "true":
		return true
	case "false":
		return false
	}
	c.Errorf(v.Pos(), parser.CodeBadAttribute, "%s must be true or false, not %q", name, s)
	return def
}

func newForwardRequest(el *parser.Element, c *Compiler) (Step, error) {
	f := &forwardRequest{
		timeout:         c.Attr(el, "timeout", KindInt),
		timeoutMs:       c.Attr(el, "timeout-ms", KindInt),
		followRedirects: c.Attr(el, "follow-redirects", KindBool),
		failOnError:     literalBool(c, el, "fail-on-error-status-code", false),
		bufferResponse:  literalBool(c, el, "buffer-response", true),
	}
	// buffer-request-body: the gateway buffers the request body when it is
	// true or a statement of the pipeline reads the body (bodyuse.go), and
	// streams it otherwise.
	// http-version: the shared transport negotiates HTTP/2 over TLS itself.
	return f, nil
}

func (f *forwardRequest) wait(r *Run) (time.Duration, error) {
	if f.timeoutMs.Present {
		ms, err := f.timeoutMs.Int(r, 0)
		return time.Duration(ms) * time.Millisecond, err
	}
	s, err := f.timeout.Int(r, 300)
	return time.Duration(s) * time.Second, err
}

var noRedirects = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Exec sends context.Request to the backend and stores its answer in
// context.Response.
func (f *forwardRequest) Exec(r *Run) error {
	if handled, err := serveGraphQL(r); handled {
		return err // a synthetic GraphQL API: its resolvers answer (graphql_exec.go)
	}
	wait, err := f.wait(r)
	if err != nil {
		return err
	}
	follow, err := f.followRedirects.Bool(r, false)
	if err != nil {
		return err
	}
	target, err := pickBackend(r)
	if err != nil {
		return err
	}
	// The timeout covers the wait for the response headers only; without
	// one the request runs on the request's own context.
	ctx, cancel := r.Context, context.CancelFunc(nil)
	if wait > 0 {
		ctx, cancel = context.WithCancel(r.Context)
	}
	release := func() {
		if cancel != nil {
			cancel()
		}
	}
	req, err := backendRequest(ctx, r, target)
	if err != nil {
		release()
		return &Error{Source: "forward-request", Reason: ReasonBackend, Message: err.Error(), Status: 500, Err: err}
	}
	if b := target; b != nil && b.Auth != nil {
		if err := b.Auth.Authenticate(req.Context(), req); err != nil {
			release()
			return &Error{Source: "forward-request", Reason: ReasonBackendAuthentication,
				Message: fmt.Sprintf("Unable to authenticate to backend '%s'.", b.ID), Status: 500, Err: err}
		}
	}
	client := http.DefaultClient
	if r.Env != nil && r.Env.Client != nil {
		client = r.Env.Client
	}
	if target != nil && target.Client != nil {
		client = target.Client
	}
	cl := *withClientCertificate(client, ClientCertificate(r))
	if !follow {
		cl.CheckRedirect = noRedirects
	}
	var timedOut atomic.Bool
	var timer *time.Timer
	if cancel != nil {
		timer = time.AfterFunc(wait, func() { timedOut.Store(true); cancel() })
	}
	resp, err := cl.Do(req)
	if timer != nil {
		timer.Stop()
	}
	if err != nil {
		release()
		if pe := r.RequestStream.failure(); pe != nil {
			return pe // the client's body failed, not the backend
		}
		if target != nil && target.Breaker != nil {
			reason := ReasonBackend
			if timedOut.Load() {
				reason = ReasonTimeout
			}
			target.Breaker.Record(r.Now(), 0, reason, 0)
		}
		switch {
		case timedOut.Load():
			return &Error{Source: "forward-request", Reason: ReasonTimeout, Message: "Request to the backend service timed out", Status: ForwardTimeoutStatus, Err: err}
		case r.Context.Err() != nil:
			return &Error{Source: "forward-request", Reason: "ClientConnectionFailure", Message: "The client closed the connection while the backend request was pending", Status: 499, Err: err}
		}
		return &Error{Source: "forward-request", Reason: ReasonBackend, Message: connMessage(err), Status: 500, Err: err}
	}
	if pe := r.RequestStream.failure(); pe != nil {
		// the backend answered before the body was refused
		resp.Body.Close()
		release()
		return pe
	}
	if target != nil && target.Breaker != nil {
		target.Breaker.Record(r.Now(), resp.StatusCode, "", retryAfter(resp.Header, r.Now()))
	}
	h := resp.Header
	StripHopHeaders(h)
	out := &expressions.Response{StatusCode: int32(resp.StatusCode), StatusReason: reasonOf(resp), Headers: expressions.NewHeaders(h)}
	if f.bufferResponse && !r.StreamResponse {
		data, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		release()
		if rerr != nil {
			if timedOut.Load() {
				return &Error{Source: "forward-request", Reason: ReasonTimeout, Message: "Request to the backend service timed out", Status: ForwardTimeoutStatus, Err: rerr}
			}
			return &Error{Source: "forward-request", Reason: ReasonBackend, Message: connMessage(rerr), Status: 500, Err: rerr}
		}
		out.Body = expressions.NewBody(data)
	} else {
		// Streamed: with buffer-response="false" the length is the
		// backend's business no more; streamed because nothing reads the
		// body, the backend's Content-Length goes to the client as it is.
		length := int64(-1)
		if f.bufferResponse {
			length = resp.ContentLength
		} else {
			h.Del("Content-Length")
		}
		out.Body = expressions.NewBody(nil)
		if r.Scratch == nil {
			r.Scratch = map[string]any{}
		}
		sr := &StreamedResponse{Body: resp.Body, Placeholder: out.Body, Length: length, cancel: cancel}
		meterStream(r, sr, h.Get("Content-Type"))
		if old, ok := r.Scratch[StreamKey].(*StreamedResponse); ok {
			old.Close()
		}
		r.Scratch[StreamKey] = sr
	}
	r.Ctx.Response = out
	r.Forwarded = true
	if f.failOnError && resp.StatusCode >= 400 && resp.StatusCode <= 599 {
		return &Error{Source: "forward-request", Reason: ReasonBackendStatus, Message: fmt.Sprintf("Backend returned %d", resp.StatusCode), Status: resp.StatusCode, KeepResponse: true}
	}
	return nil
}

func reasonOf(resp *http.Response) string {
	if _, after, ok := strings.Cut(resp.Status, " "); ok && after != "" {
		return after
	}
	return http.StatusText(resp.StatusCode)
}

func connMessage(err error) string {
	var op *net.OpError
	if errors.As(err, &op) {
		return "Error occured while calling backend service: " + op.Error()
	}
	return "Error occured while calling backend service: " + err.Error()
}

// BackendRequest builds the outgoing request from context.Request: method,
// URL, headers (hop-by-hop stripped, Host from a policy-set Host header or
// the URL, X-Forwarded-For appended with the caller's IP), body, and the
// credentials of the backend entity set-backend-service chose.
func BackendRequest(r *Run) (*http.Request, error) { return backendRequest(r.Context, r, r.Backend) }

// memberKey is the Run.Scratch key of the pool member the last
// forward-request called (a *BackendEntity).
const memberKey = "backend-member"

// ReasonBreakerOpen is the LastError reason when the backend's circuit
// breaker is open, or every member of a pool has an open breaker (503).
const ReasonBreakerOpen = "BackendCircuitBreakerOpen"

// pickBackend returns the backend entity this call goes to: a pool's
// member chosen now (context.Request.Url follows it), or the backend
// set-backend-service chose. An open breaker, or a pool with every member
// open, is a 503 with Retry-After until the first breaker closes.
func pickBackend(r *Run) (*BackendEntity, error) {
	b := r.Backend
	if b == nil {
		return nil, nil
	}
	now := r.Now()
	var until time.Time
	switch {
	case b.Pool != nil:
		i, ok := b.Pool.Pick(now)
		if ok {
			m := b.Members[i]
			r.BackendURL = m.URL
			r.SyncURL()
			if r.Scratch == nil {
				r.Scratch = map[string]any{}
			}
			r.Scratch[memberKey] = m
			return m, nil
		}
		until = b.Pool.ReopensAt(now)
	case !b.Breaker.Allow(now):
		until = b.Breaker.OpenUntil(now)
	default:
		return b, nil
	}
	e := &Error{Source: "forward-request", Reason: ReasonBreakerOpen, Status: http.StatusServiceUnavailable,
		Message: fmt.Sprintf("Backend '%s' is unavailable: its circuit breaker is open.", b.ID)}
	if b.Pool != nil {
		e.Message = fmt.Sprintf("Backend pool '%s' is unavailable: every member's circuit breaker is open.", b.ID)
	}
	if !until.IsZero() {
		secs := int64(math.Ceil(until.Sub(now).Seconds()))
		e.Header = http.Header{"Retry-After": {strconv.FormatInt(max(secs, 1), 10)}}
	}
	return nil, e
}

// retryAfter reads a backend's Retry-After (seconds or an HTTP date), or
// Azure OpenAI's retry-after-ms; 0 when absent or unreadable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func backendRequest(ctx context.Context, r *Run, b *BackendEntity) (*http.Request, error) {
	in := r.Ctx.Request
	if in.URL == nil {
		return nil, errors.New("no backend URL")
	}
	u := in.URL.String()
	var body io.Reader
	var n int64
	var stream *RequestStream
	if s := r.RequestStream; s != nil && in.Body == s.Placeholder && in.Body != nil {
		if s.take() {
			stream, body, n = s, s, s.Length
		}
	} else if in.Body != nil {
		if data := in.Body.Bytes(); len(data) > 0 {
			body = bytes.NewReader(data)
			n = int64(len(data))
		}
	}
	req, err := http.NewRequestWithContext(ctx, in.Method, u, body)
	if err != nil {
		return nil, err
	}
	if stream != nil {
		req.GetBody = stream.getBody
	}
	// The header map is the backend request's own; its value slices are
	// shared with context.Request.Headers, capped so that adding a value
	// on either side copies instead of writing into the other.
	var h http.Header
	if in.Headers != nil {
		h = make(http.Header, len(in.Headers.H)+2)
		for k, vs := range in.Headers.H {
			h[k] = vs[:len(vs):len(vs)]
		}
	} else {
		h = http.Header{}
	}
	StripHopHeaders(h)
	if vs, ok := (&expressions.Headers{H: h}).Values("Host"); ok {
		if len(vs) > 0 && vs[0] != "" && vs[0] != in.ClientHost { // a Host a policy set
			req.Host = vs[0]
		}
		for k := range h {
			if strings.EqualFold(k, "Host") {
				delete(h, k)
			}
		}
	}
	h.Del("Content-Length")
	if in.IPAddress != "" {
		if prior := h.Values("X-Forwarded-For"); len(prior) > 0 {
			h.Set("X-Forwarded-For", strings.Join(prior, ", ")+", "+in.IPAddress)
		} else {
			h.Set("X-Forwarded-For", in.IPAddress)
		}
	}
	if b != nil {
		for k, vs := range b.Header {
			for _, v := range vs {
				h.Add(k, v)
			}
		}
		if b.AuthScheme != "" {
			h.Set("Authorization", strings.TrimSpace(b.AuthScheme+" "+b.AuthParameter))
		}
		if len(b.Query) > 0 {
			q := req.URL.Query()
			for k, vs := range b.Query {
				for _, v := range vs {
					q.Add(k, v)
				}
			}
			req.URL.RawQuery = q.Encode()
		}
	}
	req.Header = h
	req.ContentLength = n
	return req, nil
}
