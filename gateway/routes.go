package gateway

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/expressions"
)

// routes is the compiled routing table of one engine (spec gateway.md §2).
type routes struct {
	// bySuffix groups APIs (versions, revisions) by lower-cased URL suffix.
	bySuffix map[string][]*apiRoute
	maxSegs  int
	// subscriptions by key (primary and secondary).
	keys map[string]*engine.Subscription
	// products containing each API id, sorted by id.
	products map[string][]*engine.Product
	// ctxProducts is context.Product of each product.
	ctxProducts map[*engine.Product]*expressions.Product
	// ops is every operation's compiled template, which the next
	// configuration reuses for the operations it shares with this one (an
	// operation is not modified once loaded; its template and context
	// depend on it alone).
	ops map[opKey]*opRoute
}

type opKey struct {
	op    *engine.Operation
	order int
}

type apiRoute struct {
	api        *engine.API
	ops        []*opRoute
	serviceURL *url.URL
	ctxAPI     atomic.Pointer[expressions.API]
}

type tseg struct {
	lit   string // literal text (when param == "")
	param string // parameter name
}

type qcons struct {
	name, lit, param string
}

type opRoute struct {
	op       *engine.Operation
	segs     []tseg
	wildcard bool
	query    []qcons
	literals int
	params   int
	order    int
	ctxOp    atomic.Pointer[expressions.Operation]
}

func splitSegs(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func paramName(s string) (string, bool) {
	if len(s) > 2 && s[0] == '{' && s[len(s)-1] == '}' {
		return s[1 : len(s)-1], true
	}
	return "", false
}

// buildRoutes builds cfg's routes, reusing the operation templates of
// prev (nil: none).
func buildRoutes(cfg *engine.Config, prev *routes) *routes {
	rt := &routes{bySuffix: map[string][]*apiRoute{}, keys: map[string]*engine.Subscription{}, products: map[string][]*engine.Product{}, ops: map[opKey]*opRoute{}}
	var old map[opKey]*opRoute
	if prev != nil {
		old = prev.ops
	}
	for _, api := range cfg.APIs {
		ar := &apiRoute{api: api}
		ar.serviceURL, _ = url.Parse(api.ServiceURL)
		if ar.serviceURL == nil {
			ar.serviceURL = &url.URL{}
		}
		ar.ops = make([]*opRoute, 0, len(api.Operations))
		for i, op := range api.Operations {
			k := opKey{op, i}
			o := old[k]
			if o == nil {
				o = compileTemplate(op, i)
			}
			rt.ops[k] = o
			ar.ops = append(ar.ops, o)
		}
		key := strings.ToLower(strings.Trim(api.Path, "/"))
		rt.bySuffix[key] = append(rt.bySuffix[key], ar)
		if n := len(splitSegs(key)); n > rt.maxSegs {
			rt.maxSegs = n
		}
	}
	for _, s := range cfg.Subscriptions {
		if s.PrimaryKey != "" {
			rt.keys[s.PrimaryKey] = s
		}
		if s.SecondaryKey != "" {
			rt.keys[s.SecondaryKey] = s
		}
	}
	ids := slices.Sorted(maps.Keys(cfg.Products))
	for _, id := range ids {
		p := cfg.Products[id]
		for _, a := range p.APIs {
			rt.products[a] = append(rt.products[a], p)
		}
	}
	rt.ctxProducts = contextProducts(cfg, rt.products)
	return rt
}

func compileTemplate(op *engine.Operation, order int) *opRoute {
	o := &opRoute{op: op, order: order}
	path, query, _ := strings.Cut(op.URLTemplate, "?")
	segs := splitSegs(path)
	for i, s := range segs {
		if i == len(segs)-1 && (s == "*" || s == "{*}") {
			o.wildcard = true
			o.params++ // the wildcard is the template parameter "*"
			break
		}
		if name, ok := paramName(s); ok {
			o.segs = append(o.segs, tseg{param: name})
			o.params++
			continue
		}
		o.segs = append(o.segs, tseg{lit: s})
		o.literals++
	}
	for _, part := range strings.Split(query, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if name, ok := paramName(v); ok {
			o.query = append(o.query, qcons{name: k, param: name})
		} else {
			o.query = append(o.query, qcons{name: k, lit: v})
		}
	}
	return o
}

// better reports whether a takes precedence over b (spec gateway.md §2.2):
// more literal segments, fewer parameters (a wildcard counts as one),
// non-wildcard, query constraints, definition order.
func (a *opRoute) better(b *opRoute) bool {
	switch {
	case a.literals != b.literals:
		return a.literals > b.literals
	case a.params != b.params:
		return a.params < b.params
	case a.wildcard != b.wildcard:
		return !a.wildcard
	case len(a.query) != len(b.query):
		return len(a.query) > len(b.query)
	}
	return a.order < b.order
}

// match matches the operation-relative path segments and the query;
// it returns the matched parameters (names in template order).
func (o *opRoute) match(method string, segs []string, q url.Values) (*expressions.StringMap, bool) {
	if o.op.Method != "*" && !strings.EqualFold(o.op.Method, method) {
		return nil, false
	}
	if o.wildcard {
		if len(segs) < len(o.segs) {
			return nil, false
		}
	} else if len(segs) != len(o.segs) {
		return nil, false
	}
	for i, t := range o.segs {
		if t.param == "" {
			if !strings.EqualFold(t.lit, segs[i]) {
				if d, err := url.PathUnescape(segs[i]); err != nil || !strings.EqualFold(t.lit, d) {
					return nil, false
				}
			}
		} else if segs[i] == "" {
			return nil, false
		}
	}
	for _, c := range o.query {
		vs, ok := q[c.name]
		if !ok {
			return nil, false
		}
		if c.param == "" && c.lit != "" && (len(vs) == 0 || vs[0] != c.lit) {
			return nil, false
		}
	}
	m := expressions.NewStringMap(nil, map[string]string{})
	for i, t := range o.segs {
		if t.param != "" {
			v, err := url.PathUnescape(segs[i])
			if err != nil {
				v = segs[i]
			}
			m.Names = append(m.Names, t.param)
			m.Values[t.param] = v
		}
	}
	for _, c := range o.query {
		if c.param != "" {
			m.Names = append(m.Names, c.param)
			m.Values[c.param] = q.Get(c.name)
		}
	}
	if o.wildcard {
		rest := segs[len(o.segs):]
		dec := make([]string, len(rest))
		for i, s := range rest {
			if d, err := url.PathUnescape(s); err == nil {
				dec[i] = d
			} else {
				dec[i] = s
			}
		}
		m.Names = append(m.Names, "*")
		m.Values["*"] = strings.Join(dec, "/")
	}
	return m, true
}

// route is a routing decision.
type route struct {
	api     *apiRoute
	op      *opRoute
	rel     string // operation-relative path, escaped, with leading "/"
	params  *expressions.StringMap
	version string
}

// find selects API and operation for a request; ok false means 404.
func (rt *routes) find(req *http.Request) (*route, bool) {
	scheme := "http"
	if req.TLS != nil {
		scheme = "https"
	}
	raw := req.URL.EscapedPath()
	segs := splitSegs(raw)
	q := req.URL.Query()
	n := min(len(segs), rt.maxSegs)
	for k := n; k >= 0; k-- {
		rev := ""
		keySegs := make([]string, k)
		for i := 0; i < k; i++ {
			s := segs[i]
			if i == k-1 {
				if j := strings.Index(strings.ToLower(s), ";rev="); j >= 0 {
					rev, s = s[j+5:], s[:j]
				}
			}
			if d, err := url.PathUnescape(s); err == nil {
				s = d
			}
			keySegs[i] = strings.ToLower(s)
		}
		group := rt.bySuffix[strings.Join(keySegs, "/")]
		if len(group) == 0 {
			continue
		}
		rest := segs[k:]
		ar, consumed, version := pickAPI(group, rest, q, req.Header, rev, scheme)
		if ar == nil {
			continue
		}
		rest = rest[consumed:]
		rel := "/" + strings.Join(rest, "/")
		if len(rest) == 0 {
			rel = ""
		}
		var best *opRoute
		var bestParams *expressions.StringMap
		for _, o := range ar.ops {
			if m, ok := o.match(req.Method, rest, q); ok && (best == nil || o.better(best)) {
				best, bestParams = o, m
			}
		}
		if best == nil {
			return &route{api: ar}, false
		}
		return &route{api: ar, op: best, rel: rel, params: bestParams, version: version}, true
	}
	return nil, false
}

// pickAPI chooses among the APIs sharing a suffix by version and revision.
func pickAPI(group []*apiRoute, rest []string, q url.Values, h http.Header, rev, scheme string) (*apiRoute, int, string) {
	var cands []*apiRoute
	consumed, version := 0, ""
	// Versioned APIs whose identifier the request carries.
	for _, ar := range group {
		a := ar.api
		if a.VersionSet == "" && a.Version == "" {
			continue
		}
		switch a.VersionScheme {
		case engine.VersionPath:
			if len(rest) > 0 && strings.EqualFold(rest[0], a.Version) {
				cands, consumed, version = append(cands, ar), 1, a.Version
			}
		case engine.VersionQuery:
			name := a.VersionName
			if name == "" {
				name = "api-version"
			}
			if vs, ok := q[name]; ok && len(vs) > 0 && strings.EqualFold(vs[0], a.Version) {
				cands, version = append(cands, ar), a.Version
			}
		case engine.VersionHeader:
			if v := h.Get(a.VersionName); v != "" && strings.EqualFold(v, a.Version) {
				cands, version = append(cands, ar), a.Version
			}
		}
	}
	if len(cands) == 0 {
		// The "Original" (unversioned) API.
		for _, ar := range group {
			if ar.api.Version == "" {
				cands = append(cands, ar)
			}
		}
	}
	var allowed []*apiRoute
	for _, ar := range cands {
		if len(ar.api.Protocols) == 0 || containsFold(ar.api.Protocols, scheme) {
			allowed = append(allowed, ar)
		}
	}
	if len(allowed) == 0 {
		return nil, 0, ""
	}
	if rev != "" {
		for _, ar := range allowed {
			if ar.api.Revision == rev {
				return ar, consumed, version
			}
		}
		return nil, 0, ""
	}
	for _, ar := range allowed {
		if ar.api.IsCurrent {
			return ar, consumed, version
		}
	}
	// No revision marked current: a configuration without revisions.
	for _, ar := range allowed {
		if ar.api.Revision == "" || ar.api.Revision == "1" {
			return ar, consumed, version
		}
	}
	return nil, 0, ""
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
