package engine

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
)

// defaultGlobal is APIM's default global policy (spec pipeline.md §1).
const defaultGlobal = `<policies><inbound /><backend><forward-request /></backend><outbound /><on-error /></policies>`

// Options configures Compile.
type Options struct {
	// Strict makes policies that are not implemented yet load errors.
	Strict bool
	// Cache, when set, reuses the documents compiled by earlier calls.
	Cache *CompileCache
}

// Engine is a compiled configuration: an effective pipeline for every
// operation in every product context. It is immutable and safe for
// concurrent use; a reload builds a new one.
type Engine struct {
	Config   *Config
	Warnings parser.Errors
	global   *Pipeline // global policy alone, for requests no API matched
	byOp     map[pipeKey]*Pipeline
	frags    map[string]*parser.Document
}

type pipeKey struct {
	op      *Operation
	product string // "" when no product applies
}

// Pipeline is the effective policy of one operation in one product context:
// the statements of each section with every <base/> spliced in.
type Pipeline struct {
	Sections map[policies.Section][]*policies.Stmt
	// graphql executes a synthetic GraphQL API's queries (nil elsewhere).
	graphql *policies.GraphQLExecutor
	// Reads are the message bodies some statement of any section may read
	// (expressions.ReadsRequestBody, ReadsResponseBody). More than one
	// forward-request counts as reading the request body: a second one
	// must be able to send it again. A GraphQL API's pipeline reads both
	// bodies (its executor parses the query and builds the answer).
	Reads policies.BodyUse
}

// ReadsRequestBody reports whether the gateway must buffer the request
// body for this pipeline; when false it may stream it to the backend.
func (p *Pipeline) ReadsRequestBody() bool {
	return p.Reads&expressions.ReadsRequestBody != 0 || p.graphql != nil
}

// ReadsResponseBody reports whether forward-request must buffer the
// backend's response body; when false it streams it to the client.
func (p *Pipeline) ReadsResponseBody() bool {
	return p.Reads&expressions.ReadsResponseBody != 0 || p.graphql != nil
}

// section is one document's section: its statements around <base/>.
type section struct {
	present bool // the document has this section
	base    bool // it contains <base/>
	before  []*policies.Stmt
	after   []*policies.Stmt
}

// level is one scope's compiled document.
type level struct {
	scope    policies.Scope
	sections map[policies.Section]*section
}

// Compile parses, validates and compiles every policy document of cfg. It
// returns nil and every positioned error when anything is wrong, so a
// reload never half-applies.
func Compile(cfg *Config, opts Options) (*Engine, parser.Errors) {
	e := &Engine{Config: cfg, byOp: map[pipeKey]*Pipeline{}, frags: map[string]*parser.Document{}}
	var errs parser.Errors
	var lookup namedvalues.LookupFunc
	if cfg.NamedValues != nil {
		lookup = cfg.NamedValues.Lookup
	} else {
		lookup = func(string) (namedvalues.NamedValue, bool, bool) { return namedvalues.NamedValue{}, false, false }
	}
	for id, fd := range cfg.Fragments {
		doc, perrs := parser.Parse(fd.File, fd.Source)
		errs = append(errs, perrs...)
		if doc == nil {
			continue
		}
		if doc.Kind != parser.KindFragment {
			errs = append(errs, &parser.Error{Pos: doc.Root.Pos, Code: parser.CodeBadStructure, Msg: fmt.Sprintf("policy fragment %q must have a <fragment> root", id)})
			continue
		}
		errs = append(errs, policies.Validate(doc, policies.ValidateOptions{Strict: opts.Strict})...)
		e.frags[id] = doc
	}
	env := &depEnv{lookup: lookup, frags: e.frags, backends: cfg.Backends}
	if cc := opts.Cache; cc != nil {
		env.fragSums = map[string]fragAnswer{}
		for id := range e.frags {
			fd := cfg.Fragments[id]
			env.fragSums[id] = fragAnswer{found: true, file: fd.File, sum: sha256.Sum256(fd.Source)}
		}
		cc.mu.Lock()
		defer cc.mu.Unlock()
		cc.begin(env, opts.Strict)
		defer cc.end()
	}
	// compileOne compiles one document; it only reads shared state, so
	// documents compile in parallel. With deps, what it looks up is
	// recorded there.
	compileOne := func(pd *PolicyDoc, scope policies.Scope, deps *docDeps) (*level, parser.Errors) {
		var errs parser.Errors
		doc, perrs := parser.Parse(pd.File, pd.Source)
		errs = append(errs, perrs...)
		if doc == nil {
			return nil, errs
		}
		if doc.Kind != parser.KindDocument {
			errs = append(errs, &parser.Error{Pos: doc.Root.Pos, Code: parser.CodeBadStructure, Msg: "a policy document must have a <policies> root"})
			return nil, errs
		}
		errs = append(errs, policies.Validate(doc, policies.ValidateOptions{Scope: scope, Strict: opts.Strict})...)
		c := &policies.Compiler{NamedValues: lookup, Strict: opts.Strict, Scope: scope,
			Fragments: func(id string) (*parser.Document, bool) { d, ok := e.frags[id]; return d, ok },
			Backends:  env.backend,
		}
		if deps != nil {
			c.NamedValues, c.Fragments, c.Backends = env.record(deps)
		}
		lv := &level{scope: scope, sections: map[policies.Section]*section{}}
		for _, el := range doc.Root.Children {
			sec := policies.Section(el.Name)
			s := &section{present: true}
			var cur []*parser.Element
			for _, child := range el.Children {
				if child.Name == "base" {
					s.base = true
					s.before = c.SectionStmts(sec, cur)
					cur = nil
					continue
				}
				cur = append(cur, child)
			}
			if s.base {
				s.after = c.SectionStmts(sec, cur)
			} else {
				s.before = c.SectionStmts(sec, cur)
			}
			lv.sections[sec] = s
		}
		return lv, append(errs, c.Errs...)
	}

	global := cfg.Global
	if global == nil {
		global = &PolicyDoc{File: "(default global policy)", Source: []byte(defaultGlobal)}
	}
	docs := newDocSet()
	docs.add(global, policies.ScopeGlobal)
	for _, p := range cfg.Products {
		docs.add(p.Policy, policies.ScopeProduct)
	}
	for _, api := range cfg.APIs {
		docs.add(api.Policy, policies.ScopeAPI)
		for _, op := range api.Operations {
			docs.add(op.Policy, policies.ScopeOperation)
		}
	}
	errs = append(errs, docs.compile(opts.Cache, compileOne)...)

	gl := docs.level(global, policies.ScopeGlobal)
	products := map[string]*level{}
	for id, p := range cfg.Products {
		products[id] = docs.level(p.Policy, policies.ScopeProduct)
	}
	e.global = splice(gl)
	productsOf := productsByAPI(cfg.Products)
	for _, api := range cfg.APIs {
		al := docs.level(api.Policy, policies.ScopeAPI)
		apiProducts := append([]string{""}, productsOf[api.ID]...)
		for _, op := range api.Operations {
			ol := docs.level(op.Policy, policies.ScopeOperation)
			for _, pid := range apiProducts {
				if opts.Cache != nil {
					e.byOp[pipeKey{op, pid}] = opts.Cache.splice(ol, al, products[pid], gl)
				} else {
					e.byOp[pipeKey{op, pid}] = splice(ol, al, products[pid], gl)
				}
			}
		}
	}
	errs = append(errs, e.compileGraphQL(lookup, opts.Strict)...)
	errs = errs.Sort()
	var warnings parser.Errors
	for _, er := range errs {
		if er.Severity == parser.SeverityError {
			return nil, errs
		}
		warnings = append(warnings, er)
	}
	e.Warnings = warnings
	return e, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// splice builds the effective pipeline from scope levels, narrowest first:
// each <base/> is replaced by the next broader level's section, a section
// without <base/> cuts off the broader levels, a missing document or section
// behaves as <base/> alone (spec pipeline.md §3).
func splice(levels ...*level) *Pipeline {
	p := &Pipeline{Sections: map[policies.Section][]*policies.Stmt{}}
	forwards := 0
	for _, sec := range policies.AllSections {
		p.Sections[sec] = spliceSection(sec, levels)
		for _, st := range p.Sections[sec] {
			p.Reads |= st.Reads
			forwards += st.Forwards
		}
	}
	if forwards > 1 {
		p.Reads |= expressions.ReadsRequestBody
	}
	return p
}

func spliceSection(sec policies.Section, levels []*level) []*policies.Stmt {
	if len(levels) == 0 {
		return nil
	}
	lv := levels[0]
	if lv == nil {
		return spliceSection(sec, levels[1:])
	}
	s := lv.sections[sec]
	if s == nil {
		return spliceSection(sec, levels[1:])
	}
	if !s.base {
		return s.before
	}
	out := append([]*policies.Stmt(nil), s.before...)
	out = append(out, spliceSection(sec, levels[1:])...)
	return append(out, s.after...)
}

// Pipeline returns the effective pipeline of an operation in a product
// context ("" for none).
func (e *Engine) Pipeline(op *Operation, product string) *Pipeline {
	if p, ok := e.byOp[pipeKey{op, product}]; ok {
		return p
	}
	return e.byOp[pipeKey{op, ""}]
}

// GlobalPipeline is the global policy alone: for requests that matched no
// API only its on-error runs.
func (e *Engine) GlobalPipeline() *Pipeline { return e.global }

// Outcome tells how a request ended.
type Outcome struct {
	// Failure is the error that sent the request to on-error (nil if none).
	Failure *policies.Failure
	// OnErrorFailure is an error raised inside on-error itself.
	OnErrorFailure error
}

// Run runs the pipeline: inbound, backend and outbound, and on-error when
// any of them fails. The response to send is in r.Ctx.Response afterwards.
func (p *Pipeline) Run(r *policies.Run) Outcome {
	r.Begin()
	defer r.End()
	if p.graphql != nil {
		policies.SetGraphQLExecutor(r, p.graphql)
	}
	var err error
	for _, sec := range []policies.Section{policies.Inbound, policies.Backend, policies.Outbound} {
		r.Section = sec
		err = runSafely(r, p.Sections[sec])
		if sec == policies.Inbound && errors.Is(err, policies.ErrCacheHit) && policies.CacheHitRunsOutbound {
			// A cache hit skips the backend but outbound still runs (spec
			// pipeline.md §8).
			r.Section = policies.Outbound
			err = runSafely(r, p.Sections[policies.Outbound])
			break
		}
		if err != nil {
			break
		}
	}
	if err == nil || errors.Is(err, policies.ErrReturnResponse) {
		return Outcome{}
	}
	return p.fail(r, err)
}

// Fail runs on-error for a failure raised outside the policies (routing,
// subscription checks).
func (p *Pipeline) Fail(r *policies.Run, pe *policies.Error, scope policies.Scope) Outcome {
	r.Begin()
	defer r.End()
	return p.fail(r, &policies.Failure{Err: pe, Stmt: &policies.Stmt{Name: pe.Source, Scope: scope}, Section: policies.Inbound})
}

func (p *Pipeline) fail(r *policies.Run, err error) Outcome {
	var f *policies.Failure
	if !errors.As(err, &f) {
		pe := &policies.Error{Source: "gateway", Message: err.Error(), Status: http.StatusInternalServerError, Err: err}
		f = &policies.Failure{Err: pe, Stmt: &policies.Stmt{Name: "gateway"}, Section: r.Section}
	}
	setLastError(r, f)
	if !f.Err.KeepResponse {
		DefaultAnswer(r, f.Err)
	}
	r.Section = policies.OnError
	out := Outcome{Failure: f}
	if ferr := runSafely(r, p.Sections[policies.OnError]); ferr != nil && !errors.Is(ferr, policies.ErrReturnResponse) {
		// An error inside on-error stops it; the response keeps what on-error
		// built, with the second error's status (project decision).
		out.OnErrorFailure = ferr
		var f2 *policies.Failure
		if errors.As(ferr, &f2) && f2.Err.Status != 0 {
			r.Ctx.Response.StatusCode = int32(f2.Err.Status)
		}
		if r.Env != nil && r.Env.Logger != nil {
			r.Env.Logger.Error("error inside on-error", slog.String("first", f.Error()), slog.String("second", ferr.Error()))
		}
	}
	return out
}

// runSafely runs statements, turning a panic into a 500 failure so that one
// bad request never takes the process down.
func runSafely(r *policies.Run, stmts []*policies.Stmt) (err error) {
	defer func() {
		if v := recover(); v != nil {
			s := r.Stmt
			if s == nil {
				s = &policies.Stmt{Name: "gateway"}
			}
			err = &policies.Failure{Err: &policies.Error{Source: s.Name, Message: fmt.Sprint("internal error: ", v), Status: 500}, Stmt: s, Section: r.Section}
		}
	}()
	return policies.RunAll(r, stmts)
}

func setLastError(r *policies.Run, f *policies.Failure) {
	r.Ctx.LastError = &expressions.LastError{
		Source:   f.Err.Source,
		Reason:   f.Err.Reason,
		Message:  f.Err.Message,
		Scope:    string(f.Stmt.Scope),
		Section:  string(f.Section),
		Path:     f.Stmt.Path,
		PolicyID: f.Stmt.ID,
	}
}

// DefaultAnswer sets the response to a failing step's default answer:
// its status and the JSON body {"statusCode": N, "message": "…"}; a 500
// says "Internal server error" with the request id (spec gateway.md §4).
func DefaultAnswer(r *policies.Run, pe *policies.Error) {
	status := pe.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	body := map[string]any{"statusCode": status}
	msg := pe.Body
	if msg == "" {
		msg = pe.Message
	}
	if status == http.StatusInternalServerError {
		body["message"] = "Internal server error"
		body["activityId"] = r.Ctx.RequestID.String()
	} else {
		body["message"] = msg
	}
	data, _ := json.Marshal(orderedBody(body))
	h := http.Header{"Content-Type": {"application/json"}}
	for k, vs := range pe.Header {
		h[k] = append([]string(nil), vs...)
	}
	r.Ctx.Response = &expressions.Response{
		StatusCode:   int32(status),
		StatusReason: http.StatusText(status),
		Headers:      expressions.NewHeaders(h),
		Body:         expressions.NewBody(data),
	}
}

// orderedBody keeps APIM's member order: statusCode, message, activityId.
func orderedBody(m map[string]any) any {
	type withID struct {
		StatusCode any    `json:"statusCode"`
		Message    any    `json:"message"`
		ActivityID string `json:"activityId,omitempty"`
	}
	id, _ := m["activityId"].(string)
	return withID{StatusCode: m["statusCode"], Message: m["message"], ActivityID: id}
}
