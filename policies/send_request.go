package policies

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// send-request sends a separate HTTP request and stores the answer, an
// IResponse (*expressions.Response), in a variable.
//
//	<send-request mode="new | copy" response-variable-name="name" timeout="60" ignore-error="false | true">
//	    <set-url>https://… | @(expr)</set-url>
//	    <set-method>POST</set-method>
//	    <set-header name="…" exists-action="override | skip | append | delete"><value>…</value></set-header>
//	    <set-body>literal | @(expr)</set-body>
//	    <authentication-basic username="…" password="…" />
//	    <authentication-managed-identity resource="…" />   <!-- its token authorizes the sent request -->
//	    <authentication-certificate … /> <proxy … />        <!-- not supported yet: ignored with a warning -->
//	</send-request>
//
// mode="new" starts from an empty GET request; mode="copy" starts from the
// current context.Request (method, URL, headers without hop-by-hop ones, and
// the body except in outbound). timeout (seconds, default 60) covers the
// whole exchange, body included. A non-2xx answer is not an error. A
// transport failure is BackendConnectionFailure and a timeout is Timeout,
// both going to on-error; with ignore-error="true" the variable is set to
// null instead. Expression failures in the children are always errors.
// Redirects follow the policy of Env.Client.
//
// An authentication-managed-identity child authorizes the sent request
// with its token. authentication-certificate and proxy are not supported
// inside send-request yet: they load with a warning and are ignored.
type sendRequest struct {
	spec        *sendReqSpec
	varName     *Value
	ignoreError bool
}

var _ Step = (*sendRequest)(nil)

func init() { Register("send-request", compileSendRequest) }

func compileSendRequest(el *parser.Element, c *Compiler) (Step, error) {
	s := &sendRequest{
		spec:        compileSendReqSpec(el, c),
		varName:     c.Attr(el, "response-variable-name", KindString),
		ignoreError: literalBool(c, el, "ignore-error", false),
	}
	// Without response-variable-name the response is discarded (the
	// reference's own examples omit it).
	if lit, ok := s.varName.Literal(); ok && s.varName.Present && lit == "" {
		c.Errorf(s.varName.Pos(), parser.CodeBadAttribute, "response-variable-name must not be empty")
	}
	return s, nil
}

// sendReqDefaultTimeout is the timeout of send-request and
// send-one-way-request when the attribute is absent.
const sendReqDefaultTimeout = 60 * time.Second

// errSendReqTimeout is the cancel cause of a send-request that ran out of
// time.
var errSendReqTimeout = errors.New("send-request timed out")

// sendReqSpec is the request part shared by send-request and
// send-one-way-request: mode, timeout and the configuration children.
type sendReqSpec struct {
	mode     *Value
	timeout  *Value
	url      *Value // nil: keep copy mode's URL
	method   *Value // nil: GET, or copy mode's method
	headers  []sendReqHeader
	body     *Value // nil: none, or copy mode's body
	user     *Value // authentication-basic
	password *Value
	// identity is an authentication-managed-identity child: its token goes
	// into the sent request's Authorization header.
	identity *authenticationManagedIdentity
}

// sendReqHeader is a set-header child.
type sendReqHeader struct {
	name   *Value
	action *Value
	values []*Value
}

func compileSendReqSpec(el *parser.Element, c *Compiler) *sendReqSpec {
	s := &sendReqSpec{mode: c.Attr(el, "mode", KindEnum), timeout: c.Attr(el, "timeout", KindInt)}
	copyMode := false
	if lit, ok := s.mode.Literal(); ok && s.mode.Present {
		switch strings.ToLower(lit) {
		case "new":
		case "copy":
			copyMode = true
		default:
			c.Errorf(s.mode.Pos(), parser.CodeBadAttribute, "mode must be new or copy, not %q", lit)
		}
	} else if s.mode.Present {
		copyMode = true // decided at run time; do not insist on set-url
	}
	if lit, ok := s.timeout.Literal(); ok && s.timeout.Present {
		if n, err := flowParseCount(lit); err != nil || n == 0 {
			c.Errorf(s.timeout.Pos(), parser.CodeBadAttribute, "timeout must be a positive number of seconds, not %q", lit)
		}
	}
	for _, ch := range el.Children {
		switch ch.Name {
		case "set-url":
			s.url = c.Text(ch, KindString, false)
			if lit, ok := s.url.Literal(); ok && lit == "" {
				c.Errorf(ch.Pos, parser.CodeBadAttribute, "<set-url> must not be empty")
			}
		case "set-method":
			s.method = c.Text(ch, KindString, false)
			if lit, ok := s.method.Literal(); ok && !sendReqValidMethod(lit) {
				c.Errorf(ch.Pos, parser.CodeBadAttribute, "<set-method> %q is not an HTTP method", lit)
			}
		case "set-header":
			h := sendReqHeader{name: c.Attr(ch, "name", KindString), action: c.Attr(ch, "exists-action", KindEnum)}
			if !h.name.Present {
				c.Errorf(ch.Pos, parser.CodeBadAttribute, "<set-header> needs a name")
			}
			if lit, ok := h.action.Literal(); ok && h.action.Present && !sendReqValidAction(lit) {
				c.Errorf(h.action.Pos(), parser.CodeBadAttribute, "exists-action must be override, skip, append or delete, not %q", lit)
			}
			for _, v := range ch.Children {
				if v.Name == "value" {
					h.values = append(h.values, c.Text(v, KindString, false))
				}
			}
			s.headers = append(s.headers, h)
		case "set-body":
			if t := c.Attr(ch, "template", KindEnum); t.Present {
				c.Warnf(ch.Pos, parser.CodeNotImplemented, "<set-body template> is not supported inside <%s>: the body is sent empty", el.Name)
				s.body = &Value{Present: true}
				continue
			}
			s.body = c.Text(ch, KindString, true)
		case "authentication-basic":
			s.user = c.Attr(ch, "username", KindString)
			s.password = c.Attr(ch, "password", KindString)
			if !s.user.Present || !s.password.Present {
				c.Errorf(ch.Pos, parser.CodeBadAttribute, "<authentication-basic> needs username and password")
			}
		case "authentication-managed-identity":
			if st, err := compileAuthenticationManagedIdentity(ch, c); err == nil {
				s.identity, _ = st.(*authenticationManagedIdentity)
			}
		case "authentication-certificate", "proxy":
			c.Warnf(ch.Pos, parser.CodeNotImplemented, "<%s> inside <%s> is not supported and is ignored", ch.Name, el.Name)
		default:
			c.Errorf(ch.Pos, parser.CodeBadStructure, "<%s> is not allowed inside <%s>", ch.Name, el.Name)
		}
	}
	if !copyMode && s.url == nil {
		c.Errorf(el.Pos, parser.CodeBadStructure, "<%s mode=\"new\"> needs a <set-url>", el.Name)
	}
	return s
}

func flowParseCount(s string) (int, error) {
	n := 0
	if s == "" {
		return 0, errors.New("empty")
	}
	for _, c := range s {
		if c < '0' || c > '9' || n > 1<<24 {
			return 0, errors.New("not a number")
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}

func sendReqValidMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range m {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", c) {
			return false
		}
	}
	return true
}

func sendReqValidAction(a string) bool {
	switch strings.ToLower(strings.TrimSpace(a)) {
	case "override", "skip", "append", "delete":
		return true
	}
	return false
}

// timeoutOf evaluates the timeout attribute (seconds); absent or not
// positive gives the default.
func (s *sendReqSpec) timeoutOf(r *Run) (time.Duration, error) {
	n, err := s.timeout.Int(r, 0)
	if err != nil {
		return 0, err
	}
	if n <= 0 {
		return sendReqDefaultTimeout, nil
	}
	return time.Duration(n) * time.Second, nil
}

// build evaluates the children into a request bound to ctx. An expression
// failure is returned as err; a request that cannot be built is reqErr.
func (s *sendReqSpec) build(r *Run, ctx context.Context) (req *http.Request, reqErr *Error, err error) {
	mode, err := s.mode.StringOr(r, "new")
	if err != nil {
		return nil, nil, err
	}
	method, target, h, body := "GET", "", http.Header{}, []byte(nil)
	switch strings.ToLower(strings.TrimSpace(mode)) {
	case "new":
	case "copy":
		if in := r.Ctx.Request; in != nil {
			method = in.Method
			if in.URL != nil {
				target = in.URL.String()
			}
			if in.Headers != nil {
				for k, vs := range in.Headers.H {
					h[k] = append([]string(nil), vs...)
				}
			}
			StripHopHeaders(h)
			h.Del("Content-Length")
			if in.Body != nil && r.Section != Outbound {
				body = append([]byte(nil), in.Body.Bytes()...)
			}
		}
	default:
		return nil, nil, &Error{Reason: ReasonExpression, Message: "Expression evaluation failed. mode must be new or copy, not \"" + mode + "\".", Status: 500}
	}
	if s.url != nil {
		if target, err = s.url.String(r); err != nil {
			return nil, nil, err
		}
		target = strings.TrimSpace(target)
	}
	if s.method != nil {
		if method, err = s.method.String(r); err != nil {
			return nil, nil, err
		}
		method = strings.ToUpper(strings.TrimSpace(method))
	}
	for _, sh := range s.headers {
		if err := sh.apply(r, h); err != nil {
			return nil, nil, err
		}
	}
	if s.body != nil {
		v, err := s.body.Eval(r)
		if err != nil {
			return nil, nil, err
		}
		body = bodyBytes(v)
	}
	if s.user != nil && s.user.Present {
		user, err := s.user.String(r)
		if err != nil {
			return nil, nil, err
		}
		pass, err := s.password.String(r)
		if err != nil {
			return nil, nil, err
		}
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	}
	if s.identity != nil {
		tok, ok, err := s.identity.acquire(r)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			h.Set("Authorization", "Bearer "+tok)
		}
	}
	u, perr := url.Parse(target)
	if perr != nil || !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &Error{Reason: ReasonBackend, Message: "The request URL \"" + target + "\" is not an absolute http or https URL", Status: 500}, nil
	}
	if !sendReqValidMethod(method) {
		return nil, &Error{Reason: ReasonBackend, Message: "\"" + method + "\" is not an HTTP method", Status: 500}, nil
	}
	var rd io.Reader
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	req, nerr := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if nerr != nil {
		return nil, &Error{Reason: ReasonBackend, Message: nerr.Error(), Status: 500, Err: nerr}, nil
	}
	clientHost := ""
	if r.Ctx != nil && r.Ctx.Request != nil {
		clientHost = r.Ctx.Request.ClientHost
	}
	for k, vs := range h {
		if strings.EqualFold(k, "Host") {
			if len(vs) > 0 && vs[0] != "" && vs[0] != clientHost { // a Host a policy set
				req.Host = vs[0]
			}
			delete(h, k)
		}
	}
	req.Header = h
	return req, nil, nil
}

// sendReqMultiLine are the headers whose several values are sent as
// repeated lines rather than one comma-joined line (policies.md §2.1).
var sendReqMultiLine = map[string]bool{
	"User-Agent": true, "Www-Authenticate": true, "Proxy-Authenticate": true, "Cookie": true, "Set-Cookie": true,
	"Warning": true, "Date": true, "Expires": true, "If-Modified-Since": true, "If-Unmodified-Since": true,
	"Last-Modified": true, "Retry-After": true,
}

// apply runs a set-header child against the outgoing headers h.
func (sh sendReqHeader) apply(r *Run, h http.Header) error {
	name, err := sh.name.String(r)
	if err != nil {
		return err
	}
	name = strings.TrimSpace(name)
	action, err := sh.action.StringOr(r, "override")
	if err != nil {
		return err
	}
	action = strings.ToLower(strings.TrimSpace(action))
	if !sendReqValidAction(action) {
		return &Error{Reason: ReasonExpression, Message: "Expression evaluation failed. exists-action must be override, skip, append or delete, not \"" + action + "\".", Status: 500}
	}
	key := http.CanonicalHeaderKey(name)
	switch key {
	case "", "Content-Length", "Connection", "Keep-Alive", "Transfer-Encoding":
		return nil // cannot be changed (policies.md §2.1)
	}
	var old []string
	for k, vs := range h {
		if strings.EqualFold(k, name) {
			old = append(old, vs...)
			delete(h, k)
		}
	}
	vals := make([]string, 0, len(sh.values))
	for _, v := range sh.values {
		s, err := v.String(r)
		if err != nil {
			return err
		}
		vals = append(vals, s)
	}
	switch action {
	case "delete":
		return nil
	case "skip":
		if old != nil {
			h[key] = old
			return nil
		}
	case "append":
		vals = append(old, vals...)
	}
	if len(vals) == 0 {
		vals = []string{""}
	}
	if sendReqMultiLine[key] {
		h[key] = vals
	} else {
		h[key] = []string{strings.Join(vals, ",")}
	}
	return nil
}

// sendReqClient is the client of send-request calls.
func sendReqClient(r *Run) *http.Client {
	if r.Env != nil && r.Env.Client != nil {
		return r.Env.Client
	}
	return http.DefaultClient
}

// sendReqDo sends req and reads the whole answer within wait. It touches
// nothing of the run, so it may run with the wait lock released or in a
// goroutine of its own. The returned error is an *Error (Timeout,
// BackendConnectionFailure or ClientConnectionFailure when parent ended).
func sendReqDo(parent context.Context, client *http.Client, req *http.Request, wait time.Duration) (*expressions.Response, *Error) {
	ctx, cancel := context.WithTimeoutCause(parent, wait, errSendReqTimeout)
	defer cancel()
	resp, err := client.Do(req.WithContext(ctx))
	var data []byte
	if err == nil {
		data, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err != nil {
		switch {
		case errors.Is(context.Cause(ctx), errSendReqTimeout):
			return nil, &Error{Reason: ReasonTimeout, Message: "Request to the backend service timed out", Status: ForwardTimeoutStatus, Err: err}
		case parent.Err() != nil:
			return nil, &Error{Reason: "ClientConnectionFailure", Message: "The client closed the connection while the request was pending", Status: 499, Err: err}
		}
		return nil, &Error{Reason: ReasonBackend, Message: connMessage(err), Status: 500, Err: err}
	}
	h := resp.Header
	StripHopHeaders(h)
	return &expressions.Response{StatusCode: int32(resp.StatusCode), StatusReason: reasonOf(resp), Headers: expressions.NewHeaders(h), Body: expressions.NewBody(data)}, nil
}

// Exec sends the request and stores the answer in the response variable.
func (s *sendRequest) Exec(r *Run) error {
	name, err := s.varName.String(r)
	if err != nil {
		return err
	}
	wait, err := s.spec.timeoutOf(r)
	if err != nil {
		return err
	}
	ctx, end := r.StartSpan("send-request")
	req, reqErr, err := s.spec.build(r, ctx)
	if err != nil {
		end(err)
		return err
	}
	var resp *expressions.Response
	if reqErr == nil {
		client := sendReqClient(r)
		// In a wait branch the others run while this one waits on the network.
		flowUnlocked(r, func() { resp, reqErr = sendReqDo(ctx, client, req, wait) })
	}
	if reqErr != nil {
		end(reqErr)
	} else {
		end(nil)
	}
	if r.Ctx.Variables == nil {
		r.Ctx.Variables = expressions.NewVariables()
	}
	if reqErr != nil {
		if r.Context.Err() != nil {
			// The request (or a wait for="any" that is over) was cancelled:
			// leave the variable alone.
			return &Error{Reason: "ClientConnectionFailure", Message: "The client closed the connection while the request was pending", Status: 499, Err: r.Context.Err()}
		}
		if s.ignoreError {
			if name != "" {
				r.Ctx.Variables.Set(name, nil)
			}
			return nil
		}
		return reqErr
	}
	if name != "" { // without response-variable-name the answer is discarded
		r.Ctx.Variables.Set(name, resp)
	}
	return nil
}
