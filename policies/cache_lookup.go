package policies

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies/state"
)

// cache-lookup answers a GET from the response cache that cache-store
// fills.
//
//	<cache-lookup vary-by-developer="false | @(expr)" vary-by-developer-groups="false | @(expr)"
//	    allow-private-response-caching="false | @(expr)"
//	    caching-type="prefer-external | external | internal"
//	    downstream-caching-type="none | private | public | @(expr)"
//	    must-revalidate="true | @(expr)">
//	  <vary-by-header>Accept</vary-by-header>                     <!-- 0..n -->
//	  <vary-by-query-parameter>a;b</vary-by-query-parameter>      <!-- 0..n -->
//	</cache-lookup>
//
// Inbound, once per section. Only GET requests are looked up, and requests
// with an Authorization header only with allow-private-response-caching.
// The key is the API, the operation, the request path, the listed headers
// and query parameters, and (when asked) the user's id and groups. On a
// hit the cached response replaces context.Response and the step returns
// ErrCacheHit: the rest of inbound and the backend are skipped. On a miss
// the key is kept for cache-store. downstream-caching-type private or
// public adds Cache-Control with the remaining lifetime as max-age (and
// must-revalidate when set). caching-type external and prefer-external
// (the default) use the external cache (Redis, cache.redis.url) when one is
// configured and the built-in cache otherwise; internal always uses the
// built-in cache.
type cacheLookup struct {
	byDev, byGroups, allowPrivate, downstream, mustRevalidate *Value
	headers, params                                           []string
	cachingType                                               string
}

var _ Step = (*cacheLookup)(nil)

func init() { Register("cache-lookup", compileCacheLookup) }

// ErrCacheHit is returned by cache-lookup when it answered from the cache.
// It wraps ErrReturnResponse, so an engine that does not know it treats a
// hit like return-response (outbound skipped); policies.md §8 wants
// outbound to run on a hit, which an engine does by testing for it first
// when CacheHitRunsOutbound is set.
var ErrCacheHit = fmt.Errorf("cache hit: %w", ErrReturnResponse)

// CacheHitRunsOutbound tells the engine whether outbound runs on a cache
// hit (pipeline.md §8 project decision: yes; kept switchable).
var CacheHitRunsOutbound = true

// cacheKey is the Run.Scratch entry holding the *responseCacheState that
// cache-lookup leaves for cache-store.
const cacheKey = "cache-lookup"

// responseCacheState is what cache-lookup tells cache-store.
type responseCacheState struct {
	key            string
	cache          state.Cache // nil: the built-in cache
	hit            bool
	downstream     string // none, private, public
	mustRevalidate bool
}

// cachedResponse is a response as the cache holds it.
type cachedResponse struct {
	status int32
	reason string
	header http.Header
	body   []byte
}

// MaxCachedResponse is the largest response body cache-store keeps
// (APIM's service limit).
const MaxCachedResponse = 2 << 20

func compileCacheLookup(el *parser.Element, c *Compiler) (Step, error) {
	s := &cacheLookup{
		byDev:          c.Attr(el, "vary-by-developer", KindBool),
		byGroups:       c.Attr(el, "vary-by-developer-groups", KindBool),
		allowPrivate:   c.Attr(el, "allow-private-response-caching", KindBool),
		downstream:     c.Attr(el, "downstream-caching-type", KindEnum),
		mustRevalidate: c.Attr(el, "must-revalidate", KindBool),
		cachingType:    strings.ToLower(litStr(c, el, "caching-type", "prefer-external")),
	}
	if lit, ok := s.downstream.Literal(); ok && s.downstream.Present {
		if _, err := downstreamType(lit); err != nil {
			c.Errorf(s.downstream.Pos(), parser.CodeBadAttribute, "%v", err)
		}
	}
	for _, ch := range el.Children {
		if ch.Text == nil {
			continue
		}
		switch ch.Name {
		case "vary-by-header":
			if n := strings.TrimSpace(ch.Text.Text); n != "" {
				s.headers = append(s.headers, n)
			}
		case "vary-by-query-parameter":
			for _, n := range strings.Split(ch.Text.Text, ";") {
				if n = strings.TrimSpace(n); n != "" {
					s.params = append(s.params, n)
				}
			}
		}
	}
	sort.Strings(s.params)
	return s, nil
}

func downstreamType(s string) (string, error) {
	switch t := strings.ToLower(strings.TrimSpace(s)); t {
	case "", "none":
		return "none", nil
	case "private", "public":
		return t, nil
	}
	return "", fmt.Errorf("downstream-caching-type %q is not one of none, private, public", s)
}

func (s *cacheLookup) Exec(r *Run) error {
	req := r.Ctx.Request
	if req == nil || !strings.EqualFold(req.Method, http.MethodGet) {
		return nil
	}
	allow, err := s.allowPrivate.Bool(r, false)
	if err != nil {
		return err
	}
	if _, has := headerValues(req.Headers, "Authorization"); has && !allow {
		return nil
	}
	key, err := s.key(r)
	if err != nil {
		return err
	}
	ds, err := s.downstream.StringOr(r, "none")
	if err != nil {
		return err
	}
	st := &responseCacheState{key: key, cache: cacheOf(r, s.cachingType)}
	if st.downstream, err = downstreamType(ds); err != nil {
		return &Error{Reason: ReasonExpression, Message: "Expression evaluation failed. " + err.Error(), Status: 500, Err: err}
	}
	if st.mustRevalidate, err = s.mustRevalidate.Bool(r, true); err != nil {
		return err
	}
	if r.Scratch == nil {
		r.Scratch = map[string]any{}
	}
	r.Scratch[cacheKey] = st
	now := r.Now()
	cr, expires, ok := lookupResponse(r, st, now)
	if !ok {
		return nil
	}
	st.hit = true
	r.Ctx.Response = &expressions.Response{
		StatusCode:   cr.status,
		StatusReason: cr.reason,
		Headers:      expressions.NewHeaders(cr.header.Clone()),
		Body:         expressions.NewBody(append([]byte(nil), cr.body...)),
	}
	setCacheControl(r.Ctx.Response.Headers.H, st, expires.Sub(now))
	return ErrCacheHit
}

// lookupResponse reads the response cached under st.key; an external
// cache that fails is a miss.
func lookupResponse(r *Run, st *responseCacheState, now time.Time) (*cachedResponse, time.Time, bool) {
	if st.cache == nil {
		v, expires, ok := StoresOf(r.Env).Cache.Get(st.key, now)
		cr, _ := v.(*cachedResponse)
		return cr, expires, ok && cr != nil
	}
	b, expires, ok, err := st.cache.CacheGet(stateCtx(r), st.key, now)
	if err != nil || !ok {
		return nil, time.Time{}, false
	}
	cr, ok := decodeResponse(b)
	return cr, expires, ok
}

// key builds the response cache key of the request.
func (s *cacheLookup) key(r *Run) (string, error) {
	c := r.Ctx
	var b strings.Builder
	b.WriteString("response")
	if c.API != nil {
		b.WriteString("|api=" + c.API.ID + "/" + c.API.Revision)
	}
	if c.Operation != nil {
		b.WriteString("|op=" + c.Operation.ID)
	}
	u := c.Request.OriginalURL
	if u == nil {
		u = c.Request.URL
	}
	if u != nil {
		b.WriteString("|path=" + strings.ToLower(u.Path))
	}
	for _, h := range s.headers {
		vs, _ := headerValues(c.Request.Headers, h)
		fmt.Fprintf(&b, "|h:%s=%q", strings.ToLower(h), strings.Join(vs, ","))
	}
	for _, p := range s.params {
		var vs []string
		if u != nil && u.Query != nil {
			vs = u.Query.Values[p]
		}
		fmt.Fprintf(&b, "|q:%s=%q", p, strings.Join(vs, ","))
	}
	dev, err := s.byDev.Bool(r, false)
	if err != nil {
		return "", err
	}
	if dev && c.User != nil {
		b.WriteString("|user=" + c.User.ID)
	}
	groups, err := s.byGroups.Bool(r, false)
	if err != nil {
		return "", err
	}
	if groups && c.User != nil {
		var ids []string
		for _, g := range c.User.Groups {
			if gr, ok := g.(*expressions.Group); ok {
				ids = append(ids, gr.ID)
			} else {
				ids = append(ids, fmt.Sprint(g))
			}
		}
		sort.Strings(ids)
		b.WriteString("|groups=" + strings.Join(ids, ","))
	}
	return b.String(), nil
}

// headerValues returns a header's values (case-insensitive name).
func headerValues(h *expressions.Headers, name string) ([]string, bool) {
	if h == nil {
		return nil, false
	}
	if k := headerKey(h.H, name); k != "" {
		return h.H[k], true
	}
	return nil, false
}

// setCacheControl adds the downstream Cache-Control header.
func setCacheControl(h http.Header, st *responseCacheState, ttl time.Duration) {
	if st.downstream == "none" {
		return
	}
	v := st.downstream + ", max-age=" + strconv.FormatInt(max(int64(ttl/time.Second), 0), 10)
	if st.mustRevalidate {
		v += ", must-revalidate"
	}
	h.Set("Cache-Control", v)
}
