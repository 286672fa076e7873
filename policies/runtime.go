package policies

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/identity"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies/backendpool"
	"github.com/policygate/policygate/policies/xsd"
)

// Step is the execution half of a policy: built once at load time from its
// element, run for every request.
type Step interface {
	Exec(r *Run) error
}

// Factory builds a policy's Step from its element at load time. Config
// errors are positioned with c.Errorf (compilation goes on to collect them
// all); the returned error aborts only this element.
type Factory func(el *parser.Element, c *Compiler) (Step, error)

var (
	factoriesMu sync.RWMutex
	factories   = map[string]Factory{}
)

// Register installs the execution half of a policy. It panics on a
// duplicate: registrations happen in init. Declarations are registered by
// other init functions whose order Go does not promise, so that every
// registered name is declared is checked by TestRegisteredAreDeclared.
func Register(name string, f Factory) {
	factoriesMu.Lock()
	defer factoriesMu.Unlock()
	if _, dup := factories[name]; dup {
		panic("policies: " + name + " registered twice")
	}
	factories[name] = f
	SetImplemented(name)
}

// Registered returns the names of the policies with an execution half.
func Registered() []string {
	factoriesMu.RLock()
	defer factoriesMu.RUnlock()
	out := make([]string, 0, len(factories))
	for n := range factories {
		out = append(out, n)
	}
	return out
}

// FactoryFor returns the factory of a policy, or nil when it is not
// implemented.
func FactoryFor(name string) Factory {
	factoriesMu.RLock()
	defer factoriesMu.RUnlock()
	return factories[name]
}

// ErrReturnResponse stops the pipeline: the response in the context is sent
// as it is (return-response, mock-response, a handled CORS preflight). It is
// a control signal, never an error the caller sees.
var ErrReturnResponse = errors.New("return response")

// Error is a policy or built-in step failure: it sets context.LastError and
// runs on-error. Status is the response status the failing step chose.
type Error struct {
	Source  string // policy name or built-in step ("forward-request", "configuration")
	Reason  string // machine code (TokenExpired, RateLimitExceeded …)
	Message string
	Status  int
	// Body, when set, is the default answer's JSON message if it differs
	// from Message (the gateway's 401 and 404 texts).
	Body string
	// Header lines added to the default answer (Retry-After, WWW-Authenticate).
	Header http.Header
	// KeepResponse leaves the current response in place instead of the
	// default answer (a backend error status with fail-on-error-status-code).
	KeepResponse bool
	Err          error
}

func (e *Error) Error() string {
	if e.Reason != "" {
		return e.Source + ": " + e.Reason + ": " + e.Message
	}
	return e.Source + ": " + e.Message
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Reasons and messages shared by several steps (spec pipeline.md §5.3).
const (
	ReasonExpression = "ExpressionValueEvaluationFailure"
	ReasonBackend    = "BackendConnectionFailure"
	ReasonTimeout    = "Timeout"
)

// Env holds the services steps share across requests: the backend client,
// the clock, sinks for logs and metrics, and the configuration's lookups.
type Env struct {
	// Client sends backend and send-request calls.
	Client *http.Client
	// Now is the clock (frozen in conformance tests).
	Now func() time.Time
	// Logger receives trace, log-to-eventhub and emit-metric output.
	Logger *slog.Logger
	// Metrics receives emit-metric values.
	Metrics MetricSink
	// Redact masks secret named values in text that goes to traces and logs
	// (nil: nothing to mask).
	Redact func(string) string
	// Certificates holds the configuration's certificates
	// (authentication-certificate, validate-jwt certificate-id); nil falls
	// back to the process-wide store of SetCertificateStore.
	Certificates CertificateStore
	// Backends resolves set-backend-service backend-id.
	Backends func(id string) (*BackendEntity, bool)
	// Span starts a tracing span (nil: no tracing); see Run.StartSpan.
	Span SpanFunc
	// Schemas resolves validate-content schema-id (and schema-ref inside
	// it) to a schema of the configuration; nil when there are none.
	Schemas func(id, ref string) *openapi3.Schema
	// XMLSchemas resolves validate-content schema-id for validate-as xml
	// and soap to an XML schema of the configuration; nil when none.
	XMLSchemas func(id string) *xsd.Schema
	// ExprTimeout and ExprMaxBytes are the per-request expression budget
	// (zero: expressions.DefaultTimeBudget, DefaultMemoryBudget).
	ExprTimeout  time.Duration
	ExprMaxBytes int64
	// ExprPool bounds what the expressions of all requests in flight
	// charge together (nil: no bound).
	ExprPool *dotnet.MemoryPool
}

// MetricSink records custom metrics.
type MetricSink interface {
	Emit(name, namespace string, value float64, dims map[string]string)
}

// BackendEntity is a backend from the configuration, as set-backend-service
// backend-id and forward-request use it.
type BackendEntity struct {
	ID  string
	URL *url.URL
	// Header and Query are credentials added to every forwarded request;
	// values may hold named values already expanded.
	Header http.Header
	Query  url.Values
	// AuthScheme and AuthParameter form an Authorization header.
	AuthScheme, AuthParameter string
	// Auth, when set, authenticates forward-request's call to the backend
	// (an API key header, or "Authorization: Bearer <token>" from a shared
	// token cache); it runs after the credentials above, so its
	// Authorization header wins.
	Auth identity.Authenticator
	// Breaker is the backend's circuit breaker (nil: none).
	Breaker *backendpool.Breaker
	// Client, when set, sends this backend's calls (its own TLS settings);
	// nil: Env.Client.
	Client *http.Client
	// Pool and Members make this a Pool backend: forward-request sends
	// each call to the member Pool picks (URL is nil).
	Pool    *backendpool.Pool
	Members []*BackendEntity
}

// Run is one request as the policies see it.
type Run struct {
	context.Context
	Ctx     *expressions.Context
	Env     *Env
	Section Section
	// BackendURL is the backend base URL (API service URL, or what
	// set-backend-service chose); RelPath is the operation-relative path that
	// rewrite-uri changes. Request.URL is BackendURL + RelPath + query.
	BackendURL *url.URL
	RelPath    string
	// Backend is the backend entity set-backend-service backend-id chose.
	Backend *BackendEntity
	// Examples are the matched operation's response examples by status code
	// and content type (from its OpenAPI definition), for mock-response.
	Examples map[int]map[string][]byte
	// Spec is the matched operation's OpenAPI definition, for the
	// validation policies (nil when the API has none).
	Spec *OperationSpec
	// OpenAPI, when set, builds Examples and Spec on first use (see
	// openAPI).
	OpenAPI func() (map[int]map[string][]byte, *OperationSpec)
	// Forwarded records that forward-request ran (outbound then sees the
	// backend's response).
	Forwarded bool
	// Trace records what ran, when tracing is on (nil otherwise).
	Trace *Trace
	// Stmt is the statement running now (for errors and traces).
	Stmt *Stmt
	// RequestStream, when set, is the client's body that the gateway
	// streams instead of buffering (no statement reads it).
	RequestStream *RequestStream
	// StreamResponse makes forward-request stream the backend's response
	// body to the client, as with buffer-response="false" (no statement
	// reads it); headers and status still go through outbound.
	StreamResponse bool
	// Scratch is per-request state steps keep between sections (e.g. a
	// buffered backend response). Keys are the owning policy's names.
	Scratch map[string]any
	// tainted are this request's secret values beyond the named values
	// (acquired tokens, results of expressions over secrets); see Taint.
	taint *taintSet
}

// Now returns the run's clock reading.
func (r *Run) Now() time.Time {
	if r.Env != nil && r.Env.Now != nil {
		return r.Env.Now()
	}
	return time.Now()
}

// IsRequestSection reports whether header and body policies act on the
// request (inbound, backend) rather than on the response.
func (r *Run) IsRequestSection() bool { return r.Section == Inbound || r.Section == Backend }

// openAPI fills Examples and Spec when the operation builds them on first
// use; the policies that read them call it first.
func (r *Run) openAPI() {
	if r.OpenAPI != nil {
		r.Examples, r.Spec = r.OpenAPI()
		r.OpenAPI = nil
	}
}

// SyncURL recomputes context.Request.Url from BackendURL, RelPath and the
// query (after set-backend-service or rewrite-uri).
func (r *Run) SyncURL() {
	u := r.Ctx.Request.URL
	if u == nil {
		u = &expressions.URL{Query: expressions.ParseQuery("")}
		r.Ctx.Request.URL = u
	}
	if r.BackendURL != nil {
		u.Scheme = r.BackendURL.Scheme
		u.Host = r.BackendURL.Hostname()
		u.Port = portOf(r.BackendURL)
		u.Path = JoinPath(r.BackendURL.Path, CleanPath(r.RelPath))
	} else {
		u.Path = r.RelPath
	}
}

func portOf(u *url.URL) int32 {
	if p := u.Port(); p != "" {
		n, err := strconv.ParseInt(p, 10, 32) // url.Parse allows digits only
		if err != nil {
			return 0
		}
		return int32(n)
	}
	if u.Scheme == "https" {
		return 443
	}
	return 80
}

// JoinPath joins a base path and a relative path with exactly one slash
// between them (spec gateway.md §2.3: duplicate slashes at the join are
// collapsed).
func JoinPath(base, rel string) string {
	switch {
	case rel == "":
		if base == "" {
			return "/"
		}
		return base
	case base == "" || base == "/":
		if !strings.HasPrefix(rel, "/") {
			return "/" + rel
		}
		return rel
	}
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(rel, "/")
}

// ---- statements ----

// Stmt is a compiled policy statement with what errors and traces report
// about it.
type Stmt struct {
	Name  string     // element name
	ID    string     // the id attribute, for LastError.PolicyId
	Path  string     // LastError.Path, e.g. "choose[3]\when[2]\set-header[1]"
	Scope Scope      // scope of the document it came from
	Pos   parser.Pos // position of its element
	Step  Step
	// Reads are the message bodies it (with the statements nested in
	// it) may read; Forwards counts the forward-request statements in
	// it. Found at load time; see BodyUse.
	Reads    BodyUse
	Forwards int
}

// Exec runs the statement, turning any failure into a positioned policy
// error and recording it in the trace.
func (s *Stmt) Exec(r *Run) error {
	prev := r.Stmt
	r.Stmt = s
	var err error
	if r.Trace != nil {
		var changed map[string]string
		var vars *expressions.Variables
		var prevObs func(string, any)
		if vars = r.Ctx.Variables; vars != nil {
			prevObs = vars.Observe(func(name string, v any) {
				if changed == nil {
					changed = map[string]string{}
				}
				changed[name] = r.traceValue(v)
			})
		}
		at := r.Trace.Begin(s, r.Section)
		start := time.Now()
		err = s.Step.Exec(r)
		if vars != nil {
			vars.Observe(prevObs)
		}
		r.Trace.End(at, time.Since(start), err, changed)
	} else {
		err = s.Step.Exec(r)
	}
	r.Stmt = prev
	if err == nil || errors.Is(err, ErrReturnResponse) {
		return err
	}
	var nested *Failure
	if errors.As(err, &nested) {
		return nested // a statement nested in this one failed: keep its path and id
	}
	var pe *Error
	if !errors.As(err, &pe) {
		pe = &Error{Source: s.Name, Message: err.Error(), Status: http.StatusInternalServerError, Err: err}
	}
	if pe.Source == "" {
		pe.Source = s.Name
	}
	return &Failure{Err: pe, Stmt: s, Section: r.Section}
}

// Failure is a policy error with where it happened; the engine turns it into
// context.LastError.
type Failure struct {
	Err     *Error
	Stmt    *Stmt
	Section Section
}

func (f *Failure) Error() string {
	return fmt.Sprintf("%s: %s/%s: %v", f.Stmt.Pos, f.Section, f.Stmt.Path, f.Err)
}

// Unwrap returns the policy error.
func (f *Failure) Unwrap() error { return f.Err }

// RunAll runs statements in order, stopping at the first error.
func RunAll(r *Run, stmts []*Stmt) error {
	for _, s := range stmts {
		if err := s.Exec(r); err != nil {
			return err
		}
		if r.Err() != nil {
			return &Error{Source: "request", Reason: "ClientConnectionFailure", Message: "the client closed the connection", Status: 499, Err: r.Err()}
		}
	}
	return nil
}

// ---- trace ----

// TraceEntry is one statement run.
type TraceEntry struct {
	Scope    Scope         `json:"scope"`
	Section  Section       `json:"section"`
	Path     string        `json:"path"`
	Policy   string        `json:"policy"`
	Duration time.Duration `json:"durationNs"`
	Outcome  string        `json:"outcome"` // "ok", "return", or the error
	Message  string        `json:"message,omitempty"`
	// Variables are the context variables the statement set, with their new
	// values (secrets masked, long values cut).
	Variables map[string]string `json:"variables,omitempty"`
	// Pos is the statement's file:line; Depth its nesting under the
	// statements running when it started (entries are in start order).
	Pos   string `json:"pos,omitempty"`
	Depth int    `json:"depth,omitempty"`
}

// Trace collects what ran during one request.
type Trace struct {
	mu      sync.Mutex
	Entries []TraceEntry `json:"entries"`
	open    []int        // entries begun and not ended, outermost first
	// Redact masks secrets in what is recorded (the run's Redact; set by
	// Run.Begin).
	Redact func(string) string `json:"-"`
}

func (t *Trace) redact(s string) string {
	if t.Redact == nil {
		return s
	}
	return t.Redact(s)
}

// Add records one statement run and the variables it set.
func (t *Trace) Add(s *Stmt, sec Section, d time.Duration, err error, vars map[string]string) {
	outcome := "ok"
	switch {
	case errors.Is(err, ErrReturnResponse):
		outcome = "return"
	case err != nil:
		outcome = t.redact(err.Error())
	}
	t.mu.Lock()
	t.Entries = append(t.Entries, TraceEntry{Scope: s.Scope, Section: sec, Path: s.Path, Policy: s.Name, Duration: d, Outcome: outcome, Variables: vars})
	t.mu.Unlock()
}

// Begin records that a statement starts in section sec and returns its
// entry for End. A statement nested in a running one is recorded in its
// parent's section (return-response runs its children as on the response,
// but they run in the parent's section).
func (t *Trace) Begin(s *Stmt, sec Section) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n := len(t.open); n > 0 {
		sec = t.Entries[t.open[n-1]].Section
	}
	pos := ""
	if s.Pos.Line > 0 {
		pos = fmt.Sprintf("%s:%d", s.Pos.File, s.Pos.Line)
	}
	t.Entries = append(t.Entries, TraceEntry{Scope: s.Scope, Section: sec, Path: s.Path, Policy: s.Name, Outcome: "running", Pos: pos, Depth: len(t.open)})
	at := len(t.Entries) - 1
	t.open = append(t.open, at)
	return at
}

// End completes the entry Begin returned.
func (t *Trace) End(at int, d time.Duration, err error, vars map[string]string) {
	outcome := "ok"
	switch {
	case errors.Is(err, ErrReturnResponse):
		outcome = "return"
	case err != nil:
		outcome = t.redact(err.Error())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e := &t.Entries[at]
	e.Duration, e.Outcome, e.Variables = d, outcome, vars
	if i := slices.Index(t.open, at); i >= 0 {
		t.open = slices.Delete(t.open, i, i+1)
	}
}

// Message records a trace policy's or context.Trace's message, nested under
// the statement that is running.
func (t *Trace) Message(source, msg string) {
	t.mu.Lock()
	t.Entries = append(t.Entries, TraceEntry{Policy: source, Outcome: "trace", Message: t.redact(msg), Depth: len(t.open)})
	t.mu.Unlock()
}

// traceValue renders a variable's value for a trace: its text, secrets
// masked, cut at 256 characters.
func (r *Run) traceValue(v any) string {
	s := r.Redact(dotnet.ToString(v))
	if len(s) > 256 {
		cut := 256
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
