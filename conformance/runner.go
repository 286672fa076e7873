package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
	"github.com/policygate/policygate/policies/state"
)

// GatewayEnv is what the runner hands the gateway it tests.
type GatewayEnv struct {
	// Client sends backend and send-request calls; it sends the host
	// backend.test to the stub backend and refuses anything off loopback.
	Client *http.Client
	// Now is the frozen clock of the case.
	Now func() time.Time
	// Tracing turns the policy trace on.
	Tracing bool
	// Observe must be called with the final run after each request.
	Observe func(r *policies.Run, out engine.Outcome)
	// Stores, when set, hold the case's counters and caches.
	Stores *policies.Stores
}

// GatewayFactory builds the HTTP handler of a gateway for a configuration.
type GatewayFactory func(cfg *engine.Config, env GatewayEnv) (http.Handler, error)

// DefaultGateway is the gateway the runner tests when Options.Gateway is
// nil: package gateway's handler, installed by gateway.go.
var DefaultGateway GatewayFactory

// ErrNoGateway is returned when no gateway is available to test.
var ErrNoGateway = errors.New("conformance: no gateway handler (Options.Gateway and DefaultGateway are nil)")

// Options configures a run.
type Options struct {
	// Gateway builds the handler under test; nil means DefaultGateway.
	Gateway GatewayFactory
	// Trace records the policy trace of failing requests in the results.
	Trace bool
	// Out, when set, receives the PASS/FAIL lines as cases finish.
	Out io.Writer
	// ObserveTimeout bounds the wait for the gateway's handler to return
	// after the answer arrived (default 5s).
	ObserveTimeout time.Duration
	// State, when set, gives each case a fresh state backend for its
	// counters and external cache (the default is in memory).
	State func() state.Backend
}

func (o Options) stores() *policies.Stores {
	if o.State == nil {
		return nil
	}
	st := policies.NewStores()
	st.Shared = o.State()
	return st
}

func (o Options) gateway() GatewayFactory {
	if o.Gateway != nil {
		return o.Gateway
	}
	return DefaultGateway
}

// Report is the result of a run over files.
type Report struct {
	Files []*FileResult
	// Errors are the files that could not be read or are invalid.
	Errors []error
}

// Passed and Failed count cases.
func (r *Report) Passed() int { return r.count(true) }

// Failed counts failed cases.
func (r *Report) Failed() int { return r.count(false) }

func (r *Report) count(pass bool) int {
	n := 0
	for _, f := range r.Files {
		for _, c := range f.Cases {
			if c.Passed == pass {
				n++
			}
		}
	}
	return n
}

// Summary is the closing line: "N passed, N failed".
func (r *Report) Summary() string { return fmt.Sprintf("%d passed, %d failed", r.Passed(), r.Failed()) }

// FileResult is the outcome of one file.
type FileResult struct {
	Path     string
	Suite    string
	Cases    []*CaseResult
	Duration time.Duration
}

// CaseResult is the outcome of one case.
type CaseResult struct {
	Suite    string
	Name     string
	Passed   bool
	Duration time.Duration
	// Diffs are the expectations that did not hold.
	Diffs []Diff
	// Err is a problem that kept the case from running to the end (the
	// configuration does not load, a request could not be sent).
	Err error
	// Traces holds, with Options.Trace, the policy trace of each failing
	// request.
	Traces []string
}

// Line is the case's result line: "PASS suite/case (12ms)".
func (c *CaseResult) Line() string {
	word := "PASS"
	if !c.Passed {
		word = "FAIL"
	}
	return fmt.Sprintf("%s %s/%s (%s)", word, c.Suite, c.Name, formatDuration(c.Duration))
}

// Details are the lines printed under a failing case.
func (c *CaseResult) Details() []string {
	var out []string
	if c.Err != nil {
		// Load errors come several to a message, sometimes twice over.
		lines := strings.Split(strings.TrimRight(c.Err.Error(), "\n"), "\n")
		out = append(out, "    error: "+lines[0])
		seen := map[string]bool{lines[0]: true}
		for _, l := range lines[1:] {
			if !seen[l] {
				seen[l] = true
				out = append(out, "      "+l)
			}
		}
	}
	for _, d := range c.Diffs {
		out = append(out, "    "+d.String())
	}
	for _, t := range c.Traces {
		for _, l := range strings.Split(strings.TrimRight(t, "\n"), "\n") {
			out = append(out, "    "+l)
		}
	}
	return out
}

func formatDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%dµs", d.Microseconds())
}

// Expand lists the case files of paths: files as given, folders walked
// for *.yaml and *.yml, sorted.
func Expand(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return out, &FileError{File: p, Msg: err.Error()}
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return out, &FileError{File: p, Msg: err.Error()}
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// RunFiles runs every case file under paths. Files that cannot be read or
// are invalid are listed in Report.Errors and returned joined as the error;
// the others run regardless.
func RunFiles(paths []string, opts Options) (*Report, error) {
	rep := &Report{}
	files, err := Expand(paths)
	if err != nil {
		rep.Errors = append(rep.Errors, err)
	}
	for _, path := range files {
		fr, err := RunFile(path, opts)
		if err != nil {
			rep.Errors = append(rep.Errors, err)
			continue
		}
		rep.Files = append(rep.Files, fr)
	}
	return rep, errors.Join(rep.Errors...)
}

// RunFile loads and runs one case file.
func RunFile(path string, opts Options) (*FileResult, error) {
	f, err := LoadFile(path)
	if err != nil {
		return nil, err
	}
	return f.Run(opts)
}

// Run runs every case of the file.
func (f *File) Run(opts Options) (*FileResult, error) {
	s, err := f.Start(opts)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	start := time.Now()
	fr := &FileResult{Path: f.Path, Suite: f.Suite}
	for _, c := range f.Cases {
		cr := s.RunCase(c)
		fr.Cases = append(fr.Cases, cr)
		if opts.Out != nil {
			fmt.Fprintln(opts.Out, cr.Line())
			if !cr.Passed {
				for _, l := range cr.Details() {
					fmt.Fprintln(opts.Out, l)
				}
			}
		}
	}
	fr.Duration = time.Since(start)
	return fr, nil
}

// Session holds what a file's cases share: the identity provider, the stub
// backend and the generated keys. Cases of one session run one at a time.
type Session struct {
	file    *File
	opts    Options
	idp     *IdP
	backend *stubBackend
	keys    map[string]*Key // by name + "/" + type
	cur     map[string]*Key // the running case's keys by name
}

// Start starts the loopback servers of a file.
func (f *File) Start(opts Options) (*Session, error) {
	if opts.gateway() == nil {
		return nil, ErrNoGateway
	}
	s := &Session{file: f, opts: opts, keys: map[string]*Key{}}
	s.idp = NewIdP()
	s.backend = newStubBackend()
	return s, nil
}

// Close stops the servers.
func (s *Session) Close() {
	s.idp.Close()
	s.backend.server.Close()
}

// IdPURL and BackendURL are the loopback servers' base URLs.
func (s *Session) IdPURL() string { return s.idp.URL() }

// BackendURL is the stub backend's base URL.
func (s *Session) BackendURL() string { return s.backend.server.URL }

// prepare generates (or reuses) the case's keys and publishes them.
func (s *Session) prepare(keys map[string]keySpec) (map[string]string, error) {
	vals := map[string]string{"idp.url": s.idp.URL(), "idp.issuer": s.idp.URL(), "backend.url": s.backend.server.URL}
	s.cur = map[string]*Key{}
	var list []*Key
	for name, ks := range keys {
		id := name + "/" + strings.ToUpper(ks.Type)
		k := s.keys[id]
		if k == nil {
			var err error
			if k, err = GenerateKey(name, ks.Type); err != nil {
				return nil, err
			}
			s.keys[id] = k
		}
		s.cur[name] = k
		list = append(list, k)
		if k.Type == "HMAC" {
			vals["keys."+name+".secret"] = k.Secret()
		}
	}
	s.idp.SetKeys(list)
	return vals, nil
}

// mint signs the case's tokens.
func (s *Session) mint(tokens map[string]tokenSpec, now time.Time) (map[string]string, error) {
	if now.IsZero() {
		now = time.Now()
	}
	out := map[string]string{}
	for name, t := range tokens {
		tok, err := MintToken(s.cur[t.Key], t.Alg, t.Header, t.Claims, now)
		if err != nil {
			return nil, fmt.Errorf("token %s: %w", name, err)
		}
		out[name] = tok
	}
	return out, nil
}

// clock is a case's clock: frozen at `now` (plus advances), or the real
// time plus advances when the case sets no `now`.
type clock struct {
	mu     sync.Mutex
	frozen bool
	base   time.Time
	offset time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		return c.base.Add(c.offset)
	}
	return time.Now().Add(c.offset)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// observation is what the gateway reported about a finished request.
type observation struct {
	vars      map[string]string
	lastError *expressions.LastError
	trace     []policies.TraceEntry
	outcome   engine.Outcome
	varNames  []string
	// redact masks secrets in what is shown (diffs, traces); the values
	// above stay as they are for the checks.
	redact func(string) string
}

func (o *observation) mask(s string) string {
	if o == nil || o.redact == nil {
		return s
	}
	return o.redact(s)
}

// RunCase runs one case of the session's file.
func (s *Session) RunCase(c *Case) *CaseResult {
	start := time.Now()
	cr := &CaseResult{Suite: s.file.Suite, Name: c.Name}
	defer func() {
		cr.Duration = time.Since(start)
		cr.Passed = cr.Err == nil && len(cr.Diffs) == 0
	}()
	sp, err := s.file.decodeCase(c, s)
	if err != nil {
		cr.Err = err
		return cr
	}
	cfg, err := s.file.config(sp)
	if err != nil {
		cr.Err = err
		return cr
	}
	clk := &clock{frozen: !sp.now.IsZero(), base: sp.now}
	backendClient := s.backendClient()
	defer backendClient.CloseIdleConnections()
	env := GatewayEnv{
		Client:  backendClient,
		Now:     clk.now,
		Tracing: s.opts.Trace,
		Stores:  s.opts.stores(),
		Observe: func(r *policies.Run, out engine.Outcome) {
			if r == nil || r.Context == nil {
				return
			}
			if b, ok := r.Value(boxKey{}).(*obsBox); ok {
				b.obs = observe(r, out)
			}
		},
	}
	h, err := s.opts.gateway()(cfg, env)
	if err != nil {
		cr.Err = fmt.Errorf("configuration does not load:\n%w", s.file.placeErrors(sp, err))
		return cr
	}
	tp := &tap{h: h, served: make(chan *obsBox, 16)}
	gw := httptest.NewServer(tp)
	defer gw.Close()
	client := &http.Client{
		Transport:     &http.Transport{DisableCompression: true, DialContext: loopbackOnly(nil)},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       60 * time.Second,
	}
	defer client.CloseIdleConnections()

	steps := sp.Steps
	single := steps == nil
	if single {
		steps = []stepSpec{{Request: sp.Request, Backend: sp.Backend, Expect: sp.Expect}}
	}
	for i, st := range steps {
		if st.Advance != "" {
			d, _ := parseDuration(st.Advance)
			clk.advance(d)
			continue
		}
		be := st.Backend
		if be == nil {
			be = sp.Backend
		}
		n := max(st.Repeat, 1)
		for rep := 0; rep < n; rep++ {
			label := "request"
			if !single {
				label = fmt.Sprintf("steps[%d]", i+1)
				if n > 1 {
					label = fmt.Sprintf("steps[%d](repeat %d)", i+1, rep+1)
				}
			}
			prefix := "expect."
			if !single {
				prefix = label + ".expect."
			}
			got, err := s.send(client, gw.URL, st.Request, be, tp)
			if err != nil {
				cr.Err = fmt.Errorf("%s: %w", label, err)
				return cr
			}
			ds := st.Expect.check(prefix, got)
			for i := range ds {
				ds[i].Expected, ds[i].Actual = got.obs.mask(ds[i].Expected), got.obs.mask(ds[i].Actual)
			}
			if len(ds) > 0 {
				cr.Diffs = append(cr.Diffs, ds...)
				if s.opts.Trace {
					cr.Traces = append(cr.Traces, formatTrace(label, got.obs, s.file.placePos(sp)))
				}
			}
		}
	}
	return cr
}

// placeErrors moves the positions of load errors in inline policy text to
// the case file's own lines and columns.
func (f *File) placeErrors(sp *spec, err error) error {
	var pe parser.Errors
	if !errors.As(err, &pe) {
		return err
	}
	out := make(parser.Errors, 0, len(pe))
	for _, e := range pe {
		c := *e
		if label, ok := strings.CutPrefix(c.Pos.File, f.Path+"#"); ok {
			if tp, ok := sp.where[label]; ok {
				c.Pos = parser.Pos{File: f.Path, Line: tp.Line + c.Pos.Line, Col: tp.Indent + c.Pos.Col, Offset: c.Pos.Offset}
				c.Msg += " (in " + label + ")"
			}
		}
		out = append(out, &c)
	}
	return out
}

// observe copies what the expectations read from a finished run.
func observe(r *policies.Run, out engine.Outcome) *observation {
	o := &observation{vars: map[string]string{}, outcome: out}
	if r == nil || r.Ctx == nil {
		return o
	}
	o.redact = r.Redact
	if v := r.Ctx.Variables; v != nil {
		for _, name := range v.Names() {
			x, _ := v.Get(name)
			o.vars[name] = dotnet.ToString(x)
			o.varNames = append(o.varNames, name)
		}
	}
	if le := r.Ctx.LastError; le != nil {
		c := *le
		o.lastError = &c
	}
	if r.Trace != nil {
		o.trace = append(o.trace, r.Trace.Entries...)
	}
	return o
}

// placePos returns the mapping of a trace position ("file#label:line" for
// inline policy text) to the case file's own line.
func (f *File) placePos(sp *spec) func(string) string {
	return func(pos string) string {
		rest, ok := strings.CutPrefix(pos, f.Path+"#")
		if !ok {
			return pos
		}
		i := strings.LastIndexByte(rest, ':')
		if i < 0 {
			return pos
		}
		line, err := strconv.Atoi(rest[i+1:])
		tp, found := sp.where[rest[:i]]
		if err != nil || !found {
			return pos
		}
		return fmt.Sprintf("%s:%d", f.Path, tp.Line+line)
	}
}

// formatTrace renders the policy trace of a request as a tree in execution
// order: each statement under the one it ran in, with its section, scope,
// file:line, outcome and time, the variables it set and the trace messages
// it wrote; then the final variables and LastError. place maps positions
// to the case file's lines. Secrets are masked.
func formatTrace(label string, o *observation, place func(string) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "trace of %s:\n", label)
	if o == nil {
		b.WriteString("  (the gateway reported no run)\n")
		return b.String()
	}
	if len(o.trace) == 0 {
		b.WriteString("  (no policy ran, or tracing is off)\n")
	}
	for _, e := range o.trace {
		ind := strings.Repeat("  ", e.Depth+1)
		if e.Outcome == "trace" {
			fmt.Fprintf(&b, "%strace %s: %s\n", ind, e.Policy, o.mask(e.Message))
			continue
		}
		at := ""
		if e.Pos != "" {
			at = " at " + place(e.Pos)
		}
		fmt.Fprintf(&b, "%s%s %s %s%s: %s (%s)\n", ind, e.Section, e.Scope, e.Path, at, o.mask(e.Outcome), formatDuration(e.Duration))
		for _, n := range slices.Sorted(maps.Keys(e.Variables)) {
			fmt.Fprintf(&b, "%s    sets %s = %q\n", ind, n, o.mask(e.Variables[n]))
		}
	}
	if len(o.varNames) > 0 {
		b.WriteString("  variables:\n")
		for _, n := range o.varNames {
			fmt.Fprintf(&b, "    %s = %q\n", n, o.mask(o.vars[n]))
		}
	}
	if o.lastError != nil {
		fmt.Fprintf(&b, "  lastError: source=%s reason=%s scope=%s section=%s path=%s message=%q\n",
			o.lastError.Source, o.lastError.Reason, o.lastError.Scope, o.lastError.Section, o.lastError.Path, o.mask(o.lastError.Message))
	}
	return b.String()
}

// send sends one request through the gateway and collects what came back.
func (s *Session) send(client *http.Client, base string, rs *requestSpec, be *backendSpec, tp *tap) (*received, error) {
	seq := tp.next()
	s.backend.reset(be)
	method := rs.Method
	if method == "" {
		method = http.MethodGet
	}
	u := rs.URL
	if !strings.HasPrefix(u, "/") {
		u = "/" + u
	}
	var body io.Reader
	var ctype string
	switch {
	case rs.JSON != nil:
		v, err := yamlToJSON(rs.JSON.n)
		if err != nil {
			return nil, err
		}
		data, _ := json.Marshal(v)
		body, ctype = bytes.NewReader(data), "application/json"
	case rs.Body != nil:
		body = strings.NewReader(*rs.Body)
	}
	req, err := http.NewRequest(method, base+u, body)
	if err != nil {
		return nil, err
	}
	for name, vals := range rs.Headers {
		for _, v := range vals {
			if strings.EqualFold(name, "Host") {
				req.Host = v
				continue
			}
			req.Header.Add(name, v)
		}
	}
	if ctype != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	got := &received{status: resp.StatusCode, header: resp.Header, body: data, backend: s.backend.calls()}
	// The gateway reports the run when its handler returns, which may be
	// after the client has the whole answer: wait for this request's report.
	timeout := s.opts.ObserveTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	deadline := time.After(timeout)
	for {
		select {
		case b := <-tp.served:
			if b.seq < seq {
				continue // an earlier request that timed out
			}
			got.obs = b.obs
		case <-deadline:
		}
		break
	}
	return got, nil
}

// tap wraps the gateway handler: it numbers requests, gives each a box the
// observer fills through the request context, and hands the box over when
// the handler has returned.
type tap struct {
	h      http.Handler
	mu     sync.Mutex
	sent   int // requests the runner sent
	seen   int // requests the handler received
	served chan *obsBox
}

type boxKey struct{}

// obsBox receives the observation of one request.
type obsBox struct {
	seq int
	obs *observation
}

func (t *tap) next() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sent++
	return t.sent
}

func (t *tap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.mu.Lock()
	t.seen++
	b := &obsBox{seq: t.seen}
	t.mu.Unlock()
	defer func() {
		select {
		case t.served <- b:
		default: // nobody is waiting (a stray request); drop it
		}
	}()
	t.h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), boxKey{}, b)))
}

// backendClient is the gateway's client: backend.test (any port) goes to
// the stub backend, loopback addresses go through, nothing else does.
func (s *Session) backendClient() *http.Client {
	// Redirects are the policies' business (forward-request
	// follow-redirects), so the client keeps Go's default policy.
	return &http.Client{
		Transport: &http.Transport{DisableCompression: true, DialContext: loopbackOnly(map[string]string{"backend.test": s.backend.server.Listener.Addr().String()})},
	}
}

// loopbackOnly dials loopback addresses, and the hosts of redirect at the
// address given.
func loopbackOnly(redirect map[string]string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if to, ok := redirect[strings.ToLower(host)]; ok {
			return d.DialContext(ctx, network, to)
		}
		if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || strings.EqualFold(host, "localhost") {
			return d.DialContext(ctx, network, addr)
		}
		return nil, fmt.Errorf("conformance: %s is not on loopback; cases may reach only backend.test, ${backend.url} and ${idp.url}", addr)
	}
}

// stubBackend answers what the current request's backend spec says and
// records what it received.
type stubBackend struct {
	server *httptest.Server
	mu     sync.Mutex
	answer *backendSpec
	got    []backendCall
}

func newStubBackend() *stubBackend {
	b := &stubBackend{}
	b.server = httptest.NewServer(http.HandlerFunc(b.serve))
	return b
}

func (b *stubBackend) reset(answer *backendSpec) {
	b.mu.Lock()
	b.answer, b.got = answer, nil
	b.mu.Unlock()
}

func (b *stubBackend) calls() []backendCall {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]backendCall(nil), b.got...)
}

func (b *stubBackend) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	b.got = append(b.got, backendCall{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Header: r.Header.Clone(), Host: r.Host, Body: body})
	a := b.answer
	if a != nil && len(a.Sequence) > 0 {
		a = a.Sequence[min(len(b.got), len(a.Sequence))-1]
	}
	b.mu.Unlock()
	if a == nil {
		a = &backendSpec{}
	}
	if a.Delay != "" {
		if d, err := parseDuration(a.Delay); err == nil {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
	}
	for name, vals := range a.Headers {
		for _, v := range vals {
			w.Header().Add(name, v)
		}
	}
	var data []byte
	switch {
	case a.JSON != nil:
		v, err := yamlToJSON(a.JSON.n)
		if err == nil {
			data, _ = json.Marshal(v)
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
	case a.Body != nil:
		data = []byte(*a.Body)
	}
	status := a.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(data)
}
