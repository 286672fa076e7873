package policies

import (
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/policygate/policygate/parser"
)

// proxy sends the request's later backend calls (forward-request, and
// send-request calls made after it) through an HTTP proxy.
//
//	<proxy url="http://host:port | @(expr)" username="user | @(expr)" password="secret | @(expr)" />
//
// Only http:// proxies are supported, as in APIM; credentials are sent as
// Basic Proxy-Authorization (APIM's NTLM is not supported). Transports are
// made once per backend client and proxy, so connections to the proxy are
// pooled. A backend client that is not an *http.Transport cannot be routed
// and fails the request (500) rather than bypassing the proxy.
// <proxy> inside <send-request> is still ignored with a load warning (the
// proxy set in inbound applies to send-request too, unlike APIM).
type proxy struct{ url, user, password *Value }

var _ Step = (*proxy)(nil)

func init() { Register("proxy", compileProxy) }

func compileProxy(el *parser.Element, c *Compiler) (Step, error) {
	s := &proxy{url: c.Attr(el, "url", KindString), user: c.Attr(el, "username", KindString), password: c.Attr(el, "password", KindString)}
	if !s.url.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<proxy> needs url")
	} else if lit, ok := s.url.Literal(); ok && !hasUnknownNamedValue(lit) {
		if _, err := proxyURL(lit); err != nil {
			c.Errorf(s.url.Pos(), parser.CodeBadAttribute, "%v", err)
		}
	}
	return s, nil
}

func proxyURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return nil, &Error{Message: "proxy url " + s + " is not of the form http://host:port"}
	}
	if !strings.EqualFold(u.Scheme, "http") {
		return nil, &Error{Message: "proxy url " + s + ": only http proxies are supported"}
	}
	return u, nil
}

type proxyKey struct {
	base *http.Client
	url  string
}

// proxiedClients caches, per base client and proxy URL (credentials
// included), a client whose transport goes through that proxy.
var proxiedClients sync.Map // proxyKey → *http.Client

// Exec switches the run's backend client to one that uses the proxy.
func (s *proxy) Exec(r *Run) error {
	raw, err := s.url.String(r)
	if err != nil {
		return err
	}
	u, err := proxyURL(raw)
	if err != nil {
		pe := err.(*Error)
		pe.Status = http.StatusInternalServerError
		return pe
	}
	user, err := s.user.StringOr(r, "")
	if err != nil {
		return err
	}
	pass, err := s.password.StringOr(r, "")
	if err != nil {
		return err
	}
	if user != "" || pass != "" {
		u.User = url.UserPassword(user, pass)
	}
	env := Env{}
	if r.Env != nil {
		env = *r.Env
	}
	base := env.Client
	if base == nil {
		base = http.DefaultClient
	}
	key := proxyKey{base, u.String()}
	if c, ok := proxiedClients.Load(key); ok {
		env.Client = c.(*http.Client)
		r.Env = &env
		return nil
	}
	rt, ok := changeTransport(base.Transport, func(tr *http.Transport) { tr.Proxy = http.ProxyURL(u) })
	if !ok {
		return &Error{Message: "the backend client cannot be routed through a proxy", Status: http.StatusInternalServerError}
	}
	c := *base
	c.Transport = rt
	actual, _ := proxiedClients.LoadOrStore(key, &c)
	env.Client = actual.(*http.Client)
	r.Env = &env
	return nil
}
