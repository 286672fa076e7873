// Package gateway serves a compiled configuration over HTTP: it routes each
// request to an API and operation, checks its subscription key, builds the
// policy context, runs the effective pipeline and writes the response.
package gateway

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/expressions/dotnet/cryptography"
	"github.com/policygate/policygate/expressions/dotnet/systime"
	"github.com/policygate/policygate/identity"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
	"github.com/policygate/policygate/policies/xsd"

	"github.com/policygate/policygate/policies/backendpool"

	"golang.org/x/sync/semaphore"
)

// DefaultMaxBody is the default cap on a buffered request body (16 MiB).
const DefaultMaxBody = 16 << 20

// Option configures a Gateway.
type Option func(*options)

type options struct {
	client   *http.Client
	now      func() time.Time
	logger   *slog.Logger
	tracing  bool
	observer func(r *policies.Run, out engine.Outcome)
	strict   bool
	maxBody  int64
	stores   *policies.Stores
	identity identity.Options
	auths    *identity.Registry
	// bodyBudget caps the body bytes buffered by all requests (nil: none).
	bodyBudget *semaphore.Weighted
	breakers   *backendpool.Registry
	exprTime   time.Duration
	exprMem    int64
	exprPool   *dotnet.MemoryPool
}

// WithStores shares rate-limit, quota and cache state between gateways
// (the server's plain and traced gateways count against the same limits).
func WithStores(st *policies.Stores) Option { return func(o *options) { o.stores = st } }

// WithClient sets the client for backend calls and send-request.
func WithClient(c *http.Client) Option { return func(o *options) { o.client = c } }

// WithClock sets the clock behind context.Timestamp and Env.Now.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithTracing records a policy trace for every request (Run.Trace).
func WithTracing(on bool) Option { return func(o *options) { o.tracing = on } }

// WithObserver is called after each request with the final run and outcome.
func WithObserver(fn func(r *policies.Run, out engine.Outcome)) Option {
	return func(o *options) { o.observer = fn }
}

// WithStrict makes policies that are not implemented load errors.
func WithStrict(on bool) Option { return func(o *options) { o.strict = on } }

// WithMaxBody caps the buffered request body; larger requests get 413.
func WithMaxBody(n int64) Option { return func(o *options) { o.maxBody = n } }

// Gateway is an http.Handler over a compiled configuration.
type Gateway struct {
	opts   options
	active atomic.Pointer[active]
	// stores hold rate-limit, quota and cache state; they outlive reloads.
	stores *policies.Stores
}

// active is one engine with what the gateway derived from it; requests load
// it once so a Swap never mixes two configurations in one request.
type active struct {
	eng    *engine.Engine
	routes *routes
	env    *policies.Env
	// deployment is context.Deployment, built on first use: it is the
	// same for every request of a configuration, and expressions only
	// read it.
	deployment atomic.Pointer[expressions.Deployment]
}

func (a *active) deploymentOf() *expressions.Deployment {
	if d := a.deployment.Load(); d != nil {
		return d
	}
	svc := a.eng.Config.Service
	d := &expressions.Deployment{
		GatewayID:   orDefault(svc.GatewayID, "self-hosted"),
		Region:      svc.Region,
		ServiceName: svc.Name,
		ServiceID:   svc.Name,
		IsManaged:   svc.GatewayID == "managed",
	}
	a.deployment.Store(d)
	return d
}

var (
	defaultClientOnce sync.Once
	defaultClient     *http.Client
)

// New compiles cfg (engine.Compile) and returns a gateway serving it; on
// load errors it returns nil and all positioned errors.
func New(cfg *engine.Config, opts ...Option) (*Gateway, parser.Errors) {
	g := &Gateway{}
	for _, o := range opts {
		o(&g.opts)
	}
	g.stores = g.opts.stores
	if g.stores == nil {
		g.stores = policies.NewStores()
	}
	if g.opts.client == nil {
		defaultClientOnce.Do(func() { defaultClient = &http.Client{Transport: DefaultTransport()} })
		g.opts.client = defaultClient
	}
	if g.opts.now == nil {
		g.opts.now = time.Now
	}
	if g.opts.logger == nil {
		g.opts.logger = slog.Default()
	}
	if g.opts.maxBody == 0 {
		g.opts.maxBody = DefaultMaxBody
	}
	if g.opts.auths == nil {
		g.opts.auths = NewBackendAuth(g.opts.identity)
	}
	if g.opts.breakers == nil {
		g.opts.breakers = backendpool.NewRegistry()
	}
	e, errs := engine.Compile(cfg, engine.Options{Strict: g.opts.strict})
	if e == nil {
		return nil, errs
	}
	if berrs := CheckBackends(cfg); len(berrs) > 0 {
		return nil, append(errs, berrs...)
	}
	g.Swap(e)
	return g, nil
}

// Swap atomically replaces the active engine; requests in flight finish on
// the engine they started with.
func (g *Gateway) Swap(e *engine.Engine) {
	g.active.Store(&active{eng: e, routes: buildRoutes(e.Config, g.routes()), env: g.newEnv(e.Config)})
}

// Engine returns the active engine.
func (g *Gateway) Engine() *engine.Engine { return g.active.Load().eng }

// routes returns the active routes (nil before the first configuration).
func (g *Gateway) routes() *routes {
	if a := g.active.Load(); a != nil {
		return a.routes
	}
	return nil
}

func (g *Gateway) newEnv(cfg *engine.Config) *policies.Env {
	// Named values in credentials are expanded here, once per
	// configuration; New and the Reloader have refused configurations with
	// errors (CheckBackends), so any left are logged (names, never values)
	// and their backends fail closed.
	backends, errs := buildBackends(cfg, g.opts.auths)
	for _, e := range errs {
		g.opts.logger.Error("gateway: backend credentials", slog.String("error", e.Error()))
	}
	linkPools(cfg, backends, g.opts.breakers, g.opts.client)
	env := &policies.Env{
		Client: g.opts.client,
		Now:    g.opts.now,
		Logger: g.opts.logger,
		Backends: func(id string) (*policies.BackendEntity, bool) {
			b, ok := backends[id]
			return b, ok
		},
		ExprTimeout:  g.opts.exprTime,
		ExprMaxBytes: g.opts.exprMem,
		ExprPool:     g.opts.exprPool,
	}
	policies.BindStores(env, g.stores)
	if len(cfg.Schemas) > 0 {
		env.Schemas = policies.SchemaLookup(cfg.Schemas)
	}
	if xs := cfg.XMLSchemas; len(xs) > 0 {
		env.XMLSchemas = func(id string) *xsd.Schema { return xs[id] }
	}
	if cfg.NamedValues != nil {
		env.Redact = cfg.NamedValues.Redact
	}
	if len(cfg.Certificates) > 0 {
		store := policies.NewCertificateStore()
		for id, c := range cfg.Certificates {
			if _, err := store.Add(id, c.Data, c.Password); err != nil {
				g.opts.logger.Error("gateway: certificate not usable", slog.String("id", id), slog.String("file", c.File), slog.Any("error", err))
			}
		}
		env.Certificates = store
	}
	return env
}

// Gateway answers and LastError texts (spec gateway.md §4, pipeline.md §5.3).
const (
	msgNotFound       = "Resource not found"
	lastNotFound      = "Unable to match incoming request to an operation."
	bodyKeyMissing    = "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."
	lastKeyMissing    = "Access denied due to missing subscription key. Make sure to include subscription key when making requests to this API."
	msgKeyInvalid     = "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."
	defaultKeyHeader  = "Ocp-Apim-Subscription-Key"
	defaultKeyQuery   = "subscription-key"
	msgEntityTooLarge = "Request entity too large"
	msgBodyBudget     = "Service unavailable: too many request bodies are being received; retry later"
	msgClientFailure  = "The client connection failed while the request body was read"
	msgRequestTimeout = "Request timeout: the request body was not received in time"
)

func errNotFound() *policies.Error {
	return &policies.Error{Source: "configuration", Reason: "OperationNotFound", Message: lastNotFound, Body: msgNotFound, Status: http.StatusNotFound}
}

// ServeHTTP runs one request through the active configuration.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	a := g.active.Load()
	now := g.opts.now()
	ctx := &expressions.Context{
		RequestID: systime.NewGuid(),
		Timestamp: dotnet.DateTime{T: now.UTC(), Kind: dotnet.KindUtc},
		Variables: expressions.NewVariables(),
		Tracing:   g.opts.tracing,
		Now:       g.opts.now,
		Response:  &expressions.Response{StatusCode: 200, StatusReason: "OK", Headers: expressions.NewHeaders(nil), Body: expressions.NewBody(nil)},
	}
	ctx.Deployment = a.deploymentOf()
	run := &policies.Run{Context: req.Context(), Ctx: ctx, Env: a.env}
	if g.opts.tracing {
		run.Trace = &policies.Trace{}
		ctx.TraceFn = func(m string) { run.Trace.Message("context.Trace", m) }
	}
	var out engine.Outcome
	written := false
	defer func() {
		if v := recover(); v != nil {
			g.opts.logger.Error("gateway: panic while serving a request", slog.Any("panic", v), slog.String("requestId", ctx.RequestID.String()))
			if !written {
				pe := &policies.Error{Source: "gateway", Message: fmt.Sprint("internal error: ", v), Status: 500}
				out = engine.Outcome{Failure: &policies.Failure{Err: pe, Stmt: &policies.Stmt{Name: "gateway"}, Section: run.Section}}
				engine.DefaultAnswer(run, pe)
				writeResponse(w, run)
			}
		}
		if s, ok := run.Scratch[policies.StreamKey].(*policies.StreamedResponse); ok {
			s.Close()
		}
		if g.opts.observer != nil {
			g.opts.observer(run, out)
		}
	}()
	req, perr := withCleanPath(req)
	ctx.Request = g.requestOf(req)
	if _, _, ok := hostPort(req.Host, req.TLS != nil); !ok && perr == nil {
		perr = errBadHost
	}
	if perr != nil {
		engine.DefaultAnswer(run, &policies.Error{Source: "gateway", Reason: "BadRequest", Message: perr.Error(), Body: msgBadRequest, Status: http.StatusBadRequest})
		written = true
		writeResponse(w, run)
		return
	}

	rt, ok := a.routes.find(req)
	if !ok && globalCrossDomain(run, req, a) {
		written = true
		writeResponse(w, run)
		return
	}
	if !ok {
		out = a.eng.GlobalPipeline().Fail(run, errNotFound(), policies.ScopeGlobal)
		written = true
		writeResponse(w, run)
		return
	}
	g.fillAPI(run, rt)

	product, pe := a.routes.authorize(req, rt.api.api, ctx)
	if pe != nil {
		out = a.eng.Pipeline(rt.op.op, "").Fail(run, pe, policies.ScopeAPI)
		written = true
		writeResponse(w, run)
		return
	}
	pipe := a.eng.Pipeline(rt.op.op, product)
	run.StreamResponse = !pipe.ReadsResponseBody()
	if req.Body != nil && req.Body != http.NoBody && !pipe.ReadsRequestBody() {
		// No statement reads the body: forward-request streams it to the
		// backend, still held to max-body.
		if req.ContentLength > g.opts.maxBody {
			pe := &policies.Error{Source: "gateway", Message: msgEntityTooLarge, Status: http.StatusRequestEntityTooLarge}
			out = engine.Outcome{Failure: &policies.Failure{Err: pe, Stmt: &policies.Stmt{Name: "gateway"}, Section: policies.Inbound}}
			engine.DefaultAnswer(run, pe)
			written = true
			writeResponse(w, run)
			return
		}
		length := req.ContentLength
		if length == 0 {
			length = -1 // a body of unknown length
		}
		run.RequestStream = policies.NewRequestStream(req.Body, length, g.opts.maxBody)
		ctx.Request.Body = run.RequestStream.Placeholder
	} else if req.Body != nil && req.Body != http.NoBody {
		data, held, err := readBody(req.Body, req.ContentLength, g.opts.maxBody, g.opts.bodyBudget)
		if held > 0 {
			defer g.opts.bodyBudget.Release(held)
		}
		switch {
		case errors.Is(err, errBodyTooLarge), errors.Is(err, errBodyBudget):
			pe := &policies.Error{Source: "gateway", Message: msgEntityTooLarge, Status: http.StatusRequestEntityTooLarge}
			if errors.Is(err, errBodyBudget) {
				pe.Message, pe.Status = msgBodyBudget, http.StatusServiceUnavailable
			}
			out = engine.Outcome{Failure: &policies.Failure{Err: pe, Stmt: &policies.Stmt{Name: "gateway"}, Section: policies.Inbound}}
			engine.DefaultAnswer(run, pe)
			written = true
			writeResponse(w, run)
			return
		case err != nil:
			// the error text names the sockets: it stays out of the answer
			pe := &policies.Error{Source: "request", Reason: "ClientConnectionFailure", Message: msgClientFailure, Status: http.StatusBadRequest, Err: err}
			if isTimeout(err) {
				pe.Message, pe.Status = msgRequestTimeout, http.StatusRequestTimeout
			}
			out = pipe.Fail(run, pe, policies.ScopeGlobal)
			written = true
			writeResponse(w, run)
			return
		}
		if len(data) > 0 || req.ContentLength > 0 || len(req.TransferEncoding) > 0 {
			ctx.Request.Body = expressions.NewBody(data)
		}
	}
	out = pipe.Run(run)
	if out.Failure != nil && strings.HasPrefix(out.Failure.Err.Message, "internal error") {
		g.opts.logger.Error("gateway: a policy panicked", slog.String("error", out.Failure.Error()), slog.String("requestId", ctx.RequestID.String()))
	}
	written = true
	writeResponse(w, run)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// requestOf builds context.Request from the incoming request.
func (g *Gateway) requestOf(req *http.Request) *expressions.Request {
	scheme := "http"
	if req.TLS != nil {
		scheme = "https"
	}
	host, port, _ := hostPort(req.Host, req.TLS != nil)
	h := req.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	policies.StripHopHeaders(h)
	if req.Host != "" && h.Get("Host") == "" {
		h.Set("Host", req.Host) // net/http moves Host out of the header map; APIM keeps it
	}
	ip := req.RemoteAddr
	if hst, _, err := net.SplitHostPort(ip); err == nil {
		ip = hst
	}
	out := &expressions.Request{
		Method:      req.Method,
		OriginalURL: &expressions.URL{Scheme: scheme, Host: host, Port: port, Path: req.URL.EscapedPath(), Query: expressions.ParseQuery(req.URL.RawQuery)},
		Headers:     expressions.NewHeaders(h),
		IPAddress:   ip,
		ClientHost:  req.Host,
	}
	if req.TLS != nil && len(req.TLS.PeerCertificates) > 0 {
		out.Certificate = &cryptography.X509Certificate2{Cert: req.TLS.PeerCertificates[0], Chain: req.TLS.PeerCertificates[1:]}
	}
	return out
}

// fillAPI sets context.Api, Operation, MatchedParameters, the backend URL
// and Request.Url.
func (g *Gateway) fillAPI(run *policies.Run, rt *route) {
	su := rt.api.serviceURL
	ctx := run.Ctx
	ctx.API = rt.api.contextAPI()
	op := rt.op.op
	ctx.Operation = rt.op.contextOperation()
	run.Examples, run.Spec, run.OpenAPI = op.Examples, op.Spec, op.OpenAPI
	ctx.Request.MatchedParameters = rt.params
	run.BackendURL = su
	run.RelPath = rt.rel
	// context.Request.Url.Query starts as the original query itself;
	// set-query-parameter copies it before its first change.
	ctx.Request.URL = &expressions.URL{Query: ctx.Request.OriginalURL.Query}
	run.SyncURL()
}

// contextAPI is context.Api of the route, built on first use (expressions
// only read it).
func (ar *apiRoute) contextAPI() *expressions.API {
	if a := ar.ctxAPI.Load(); a != nil {
		return a
	}
	api := ar.api
	a := &expressions.API{
		ID: api.ID, Name: api.Name, Path: api.Path, Revision: orDefault(api.Revision, "1"), Version: api.Version,
		Protocols: api.Protocols, IsCurrentRevision: api.IsCurrent || api.Revision == "",
		ServiceURL:            urlOf(ar.serviceURL),
		SubscriptionKeyHeader: orDefault(api.KeyHeader, defaultKeyHeader),
		KeyQueryParam:         orDefault(api.KeyQuery, defaultKeyQuery),
	}
	ar.ctxAPI.Store(a)
	return a
}

// contextOperation is context.Operation of the route, built on first use.
func (o *opRoute) contextOperation() *expressions.Operation {
	if c := o.ctxOp.Load(); c != nil {
		return c
	}
	op := o.op
	c := &expressions.Operation{ID: op.ID, Method: op.Method, Name: op.Name, URLTemplate: op.URLTemplate}
	o.ctxOp.Store(c)
	return c
}

func urlOf(u *url.URL) *expressions.URL {
	return &expressions.URL{Scheme: u.Scheme, Host: u.Hostname(), Port: portOf(u), Path: u.EscapedPath(), Query: expressions.ParseQuery(u.RawQuery)}
}

func portOf(u *url.URL) int32 {
	if p := u.Port(); p != "" {
		n, _ := strconv.Atoi(p)
		return int32(n)
	}
	if u.Scheme == "https" {
		return 443
	}
	return 80
}

// authorize applies the subscription decision procedure (spec gateway.md
// §3.3). It fills context.Subscription, Product and User and returns the
// product context ("" for none) or the 401 error.
func (rt *routes) authorize(req *http.Request, api *engine.API, ctx *expressions.Context) (string, *policies.Error) {
	hname := orDefault(api.KeyHeader, defaultKeyHeader)
	qname := orDefault(api.KeyQuery, defaultKeyQuery)
	key, present := "", false
	if vs := req.Header.Values(hname); len(vs) > 0 {
		key, present = vs[0], true
	} else if vs, ok := req.URL.Query()[qname]; ok && len(vs) > 0 {
		key, present = vs[0], true
	}
	prods := rt.products[api.ID]
	if !present {
		for _, p := range prods {
			if !p.SubscriptionRequired {
				ctx.Product = rt.contextProduct(p)
				return p.ID, nil
			}
		}
		if !api.SubscriptionRequired {
			return "", nil
		}
		return "", &policies.Error{Source: "authorization", Reason: "SubscriptionKeyNotFound", Message: lastKeyMissing, Body: bodyKeyMissing, Status: http.StatusUnauthorized}
	}
	invalid := &policies.Error{Source: "authorization", Reason: "SubscriptionKeyInvalid", Message: msgKeyInvalid, Status: http.StatusUnauthorized}
	s, ok := rt.keys[key]
	if !ok || !s.Active {
		return "", invalid
	}
	product := ""
	scope := s.Scope
	switch {
	case strings.EqualFold(scope, "all"):
	case strings.EqualFold(scope, "api/"+api.ID):
	case len(scope) > 8 && strings.EqualFold(scope[:8], "product/"):
		var found *engine.Product
		for _, p := range prods {
			if strings.EqualFold(p.ID, scope[8:]) {
				found = p
			}
		}
		if found == nil {
			return "", invalid
		}
		product = found.ID
		ctx.Product = rt.contextProduct(found)
	default:
		return "", invalid
	}
	ctx.Subscription = &expressions.Subscription{ID: s.ID, Name: s.Name, Key: key, PrimaryKey: s.PrimaryKey, SecondaryKey: s.SecondaryKey}
	if s.UserID != "" {
		ctx.User = &expressions.User{ID: s.UserID}
	}
	return product, nil
}

func productOf(p *engine.Product) *expressions.Product {
	apis := make([]any, 0, len(p.APIs))
	for _, a := range p.APIs {
		apis = append(apis, a)
	}
	return &expressions.Product{ID: p.ID, Name: p.Name, State: p.State, SubscriptionRequired: p.SubscriptionRequired, APIs: apis}
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// writeResponse sends context.Response, or streams the backend body when
// forward-request left it unbuffered and no policy replaced it.
func writeResponse(w http.ResponseWriter, run *policies.Run) {
	// The response is final: deferred policy work (rate-limit increments that
	// depend on it, remaining-calls headers, token usage) and CORS headers.
	policies.RunAfter(run)
	policies.ApplyCORS(run)
	resp := run.Ctx.Response
	h := w.Header()
	if resp.Headers != nil {
		// the response is final: its value slices are shared, capped so
		// that an Add on the server's side copies
		for k, vs := range resp.Headers.H {
			h[k] = vs[:len(vs):len(vs)]
		}
	}
	policies.StripHopHeaders(h)
	h.Del("Content-Length")
	status := int(resp.StatusCode)
	if status < 100 || status > 999 {
		status = http.StatusInternalServerError
	}
	if s, ok := run.Scratch[policies.StreamKey].(*policies.StreamedResponse); ok && resp.Body == s.Placeholder && len(resp.Body.Bytes()) == 0 {
		if s.Length >= 0 && status != http.StatusNoContent && status != http.StatusNotModified && status >= 200 {
			h.Set("Content-Length", strconv.FormatInt(s.Length, 10))
		}
		w.WriteHeader(status)
		streamBody(w, s.Body, s.Length < 0)
		return
	}
	var body []byte
	if resp.Body != nil {
		body = resp.Body.Bytes()
	}
	if status != http.StatusNoContent && status != http.StatusNotModified && status >= 200 {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	if len(body) > 0 {
		w.Write(body)
	}
}

// streamBody copies body to the client; with flush each piece goes out as
// it arrives (event streams, bodies of unknown length), otherwise the
// server's buffer sends it when full and the last piece when the request
// is done.
func streamBody(w http.ResponseWriter, body io.Reader, flush bool) {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	var fl http.Flusher
	if flush {
		fl, _ = w.(http.Flusher)
	}
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if fl != nil {
				fl.Flush()
			}
		}
		if err != nil {
			return
		}
	}
}
