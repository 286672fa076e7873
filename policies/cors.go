package policies

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// cors answers CORS preflight requests and adds CORS headers to the answers
// of cross-origin requests.
//
//	<cors allow-credentials="false | true | @(expr)" terminate-unmatched-request="true | false | @(expr)">
//	    <allowed-origins>
//	        <origin>*</origin> | <origin>https://a.example:443</origin>   <!-- 1..n -->
//	    </allowed-origins>
//	    <allowed-methods preflight-result-max-age="300 | @(expr)">    <!-- 0..1 -->
//	        <method>GET | * | @(expr)</method>                           <!-- 1..n -->
//	    </allowed-methods>
//	    <allowed-headers><header>content-type | *</header></allowed-headers>   <!-- 0..1 -->
//	    <expose-headers><header>x-foo</header></expose-headers>              <!-- 0..1 -->
//	</cors>
//
// A preflight (OPTIONS with Origin and Access-Control-Request-Method) is
// answered here: 200 with the Access-Control-* headers when origin, method
// and requested headers are allowed, an empty 200 otherwise; either way the
// pipeline stops (ErrReturnResponse). When the operation itself is an
// OPTIONS operation the request is processed normally (spec §2.17).
//
// Any other request with an Origin is a simple or actual request: when the
// origin is allowed, the headers to add (Access-Control-Allow-Origin, -Allow-
// Credentials, -Expose-Headers) are recorded in r.Scratch["cors"] and the
// gateway adds them to the final response with ApplyCORS; when it is not,
// terminate-unmatched-request="true" (the default) answers an empty 200 and
// "false" lets the request go on without CORS headers.
//
// Origins match on scheme, host and port (a missing port is 80 or 443).
// Without <allowed-methods> only GET and POST are allowed. With "*" origins
// and allow-credentials="true" the request's origin is echoed, since browsers
// reject "*" with credentials. An unmatched preflight is answered with an
// empty 200 whatever terminate-unmatched-request says (project decision: a
// preflight never reaches the backend).
type cors struct {
	credentials, terminate *Value
	anyOrigin              bool
	origins                map[string]bool // normalized scheme://host:port
	methodsSet             bool
	methods                []*Value
	maxAge                 *Value
	anyHeader              bool
	headers                []string
	expose                 string
}

var _ Step = (*cors)(nil)

// CORSKey is the Run.Scratch key under which cors leaves the headers to add
// to the final response (a *CORSHeaders).
const CORSKey = "cors"

// CORSHeaders are the CORS response headers of an allowed cross-origin
// request, applied by ApplyCORS.
type CORSHeaders struct {
	AllowOrigin      string
	AllowCredentials bool
	ExposeHeaders    string
}

func init() { Register("cors", compileCORS) }

func compileCORS(el *parser.Element, c *Compiler) (Step, error) {
	s := &cors{
		credentials: c.Attr(el, "allow-credentials", KindBool),
		terminate:   c.Attr(el, "terminate-unmatched-request", KindBool),
		origins:     map[string]bool{},
		maxAge:      &Value{},
	}
	for _, v := range []*Value{s.credentials, s.terminate} {
		if lit, ok := v.Literal(); ok && v.Present && !hasUnknownNamedValue(lit) && !isBoolText(lit) {
			c.Errorf(v.Pos(), parser.CodeBadAttribute, "%q is not true or false", lit)
		}
	}
	sawOrigins := false
	for _, ch := range el.Children {
		switch ch.Name {
		case "allowed-origins":
			sawOrigins = true
			for _, o := range ch.Children {
				if o.Name != "origin" {
					continue
				}
				v := c.Text(o, KindString, false)
				lit, _ := v.Literal()
				if hasUnknownNamedValue(lit) {
					continue // reported as an unknown named value
				}
				if lit == "*" {
					s.anyOrigin = true
					continue
				}
				n, ok := normalizeOrigin(lit)
				if !ok {
					c.Errorf(v.Pos(), parser.CodeBadAttribute, "origin %q is not * or an absolute URI with scheme and host", lit)
					continue
				}
				s.origins[n] = true
			}
		case "allowed-methods":
			s.methodsSet = true
			s.maxAge = c.Attr(ch, "preflight-result-max-age", KindInt)
			for _, m := range ch.Children {
				if m.Name == "method" {
					s.methods = append(s.methods, c.Text(m, KindString, false))
				}
			}
		case "allowed-headers":
			for _, h := range ch.Children {
				if h.Name != "header" {
					continue
				}
				lit, _ := c.Text(h, KindString, false).Literal()
				if lit == "*" {
					s.anyHeader = true
				} else if lit != "" {
					s.headers = append(s.headers, lit)
				}
			}
		case "expose-headers":
			var names []string
			for _, h := range ch.Children {
				if h.Name != "header" {
					continue
				}
				if lit, _ := c.Text(h, KindString, false).Literal(); lit != "" {
					names = append(names, lit)
				}
			}
			s.expose = strings.Join(names, ",")
		}
	}
	if !sawOrigins {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<cors> needs <allowed-origins>")
	}
	return s, nil
}

// normalizeOrigin turns an origin into lower-case scheme://host:port.
func normalizeOrigin(s string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https", "wss":
			port = "443"
		default:
			port = "80"
		}
	}
	return scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port, true
}

func (s *cors) originAllowed(origin string) bool {
	if s.anyOrigin {
		return true
	}
	n, ok := normalizeOrigin(origin)
	return ok && s.origins[n]
}

// allowedMethods evaluates the method list; anyMethod is set for "*".
func (s *cors) allowedMethods(r *Run) (list []string, anyMethod bool, err error) {
	if !s.methodsSet {
		return []string{"GET", "POST"}, false, nil
	}
	for _, v := range s.methods {
		m, err := v.String(r)
		if err != nil {
			return nil, false, err
		}
		m = strings.TrimSpace(m)
		if m == "*" {
			anyMethod = true
		} else if m != "" {
			list = append(list, strings.ToUpper(m))
		}
	}
	return list, anyMethod, nil
}

func (s *cors) headerAllowed(name string) bool {
	if s.anyHeader {
		return true
	}
	for _, h := range s.headers {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

func corsRequestHeader(r *Run, name string) (string, bool) {
	if r.Ctx.Request == nil || r.Ctx.Request.Headers == nil {
		return "", false
	}
	v, ok := r.Ctx.Request.Headers.Values(name)
	if !ok {
		return "", false
	}
	return strings.Join(v, ","), true
}

// Exec handles a preflight or records the CORS headers of a request.
func (s *cors) Exec(r *Run) error {
	origin, ok := corsRequestHeader(r, "Origin")
	if !ok || origin == "" {
		return nil // same-origin or not a browser: nothing to do
	}
	reqMethod, hasACRM := corsRequestHeader(r, "Access-Control-Request-Method")
	preflight := strings.EqualFold(r.Ctx.Request.Method, http.MethodOptions) && hasACRM &&
		(r.Ctx.Operation == nil || !strings.EqualFold(r.Ctx.Operation.Method, http.MethodOptions))
	creds, err := s.credentials.Bool(r, false)
	if err != nil {
		return err
	}
	allowOrigin := "*"
	if !s.anyOrigin || creds {
		allowOrigin = origin
	}
	if preflight {
		return s.preflight(r, origin, strings.TrimSpace(reqMethod), allowOrigin, creds)
	}
	if s.originAllowed(origin) {
		if r.Scratch == nil {
			r.Scratch = map[string]any{}
		}
		r.Scratch[CORSKey] = &CORSHeaders{AllowOrigin: allowOrigin, AllowCredentials: creds, ExposeHeaders: s.expose}
		return nil
	}
	terminate, err := s.terminate.Bool(r, true)
	if err != nil {
		return err
	}
	if terminate {
		corsAnswer(r, nil)
		return ErrReturnResponse
	}
	return nil
}

func (s *cors) preflight(r *Run, origin, method, allowOrigin string, creds bool) error {
	methods, anyMethod, err := s.allowedMethods(r)
	if err != nil {
		return err
	}
	maxAge, err := s.maxAge.Int(r, 0)
	if err != nil {
		return err
	}
	match := s.originAllowed(origin) && method != ""
	if match && !anyMethod {
		match = false
		for _, m := range methods {
			if strings.EqualFold(m, method) {
				match = true
				break
			}
		}
	}
	var asked []string
	if reqHeaders, ok := corsRequestHeader(r, "Access-Control-Request-Headers"); ok {
		for _, h := range strings.Split(reqHeaders, ",") {
			if h = strings.TrimSpace(h); h != "" {
				asked = append(asked, h)
				if !s.headerAllowed(h) {
					match = false
				}
			}
		}
	}
	if !match {
		corsAnswer(r, nil)
		return ErrReturnResponse
	}
	h := http.Header{}
	h.Set("Access-Control-Allow-Origin", allowOrigin)
	if creds {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if anyMethod {
		h.Set("Access-Control-Allow-Methods", strings.ToUpper(method))
	} else {
		h.Set("Access-Control-Allow-Methods", strings.Join(methods, ","))
	}
	switch {
	case s.anyHeader && len(asked) > 0:
		h.Set("Access-Control-Allow-Headers", strings.Join(asked, ","))
	case !s.anyHeader && len(s.headers) > 0:
		h.Set("Access-Control-Allow-Headers", strings.Join(s.headers, ","))
	}
	if maxAge > 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(maxAge))
	}
	if allowOrigin != "*" {
		h.Set("Vary", "Origin")
	}
	corsAnswer(r, h)
	return ErrReturnResponse
}

// corsAnswer sets an empty 200 response with headers h.
func corsAnswer(r *Run, h http.Header) {
	if h == nil {
		h = http.Header{}
	}
	r.Ctx.Response = &expressions.Response{
		StatusCode:   http.StatusOK,
		StatusReason: "OK",
		Headers:      expressions.NewHeaders(h),
		Body:         expressions.NewBody(nil),
	}
}

// ApplyCORS adds the CORS headers that cors recorded for this request to
// context.Response. The gateway calls it once the response is final (after
// outbound or on-error), just before writing it; it does nothing when cors
// did not run or the origin was not allowed.
func ApplyCORS(r *Run) {
	ch, ok := r.Scratch[CORSKey].(*CORSHeaders)
	if !ok || ch == nil {
		return
	}
	if r.Ctx.Response == nil {
		r.Ctx.Response = &expressions.Response{StatusCode: http.StatusOK, StatusReason: "OK"}
	}
	if r.Ctx.Response.Headers == nil {
		r.Ctx.Response.Headers = expressions.NewHeaders(nil)
	}
	h := r.Ctx.Response.Headers.H
	h.Set("Access-Control-Allow-Origin", ch.AllowOrigin)
	if ch.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if ch.ExposeHeaders != "" {
		h.Set("Access-Control-Expose-Headers", ch.ExposeHeaders)
	}
	if ch.AllowOrigin != "*" {
		addVaryOrigin(h)
	}
}

func addVaryOrigin(h http.Header) {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, "Origin") {
				return
			}
		}
	}
	h.Add("Vary", "Origin")
}
