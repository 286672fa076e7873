package engine

import (
	"crypto/sha256"
	"sync"

	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
)

// CompileCache keeps compiled policy documents from one Compile to the
// next, keyed by scope, file name and a hash of the source, so that a new
// configuration that changes one API's policy recompiles that document
// only; the spliced pipelines of unchanged documents are reused as well.
// A compiled document also depends on what its compile looked up: the
// named values it references (value, secret or not, Key Vault or not),
// the fragments it includes (file and text) and the backend ids it names.
// Each document records those answers, and it is reused only when the new
// configuration gives the same ones, so a changed named value recompiles
// the documents that use it and no other. A change of Strict empties the
// cache. Documents with errors are not kept; documents and pipelines the
// last Compile did not use are dropped.
//
// Compiled steps are then shared between the old and the new engine.
// They are safe for concurrent use (requests already share them) and keep
// no per-configuration state beyond what the stores hold, except the
// OpenID key caches of validate-jwt, which an unchanged document keeps.
type CompileCache struct {
	mu     sync.Mutex
	strict bool
	begun  bool
	cur    *depEnv // the configuration being compiled
	docs   map[docKey]*cachedDoc
	used   map[docKey]bool
	// pipes are spliced pipelines by their levels (narrowest first); a
	// reused document keeps its level, so unchanged pipelines hit.
	pipes, nextPipes map[[4]*level]*Pipeline
	// Hits and Misses count documents of the last Compile.
	Hits, Misses int
}

type docKey struct {
	scope policies.Scope
	file  string
	sum   [sha256.Size]byte
}

type cachedDoc struct {
	lv       *level
	warnings parser.Errors
	deps     *docDeps
}

// docDeps is what compiling a document looked up beyond its own text.
type docDeps struct {
	mu       sync.Mutex
	nvs      map[string]nvAnswer
	frags    map[string]fragAnswer
	backends map[string]bool
}

// nvAnswer is what a named value lookup answered, as far as a compiled
// document can depend on it.
type nvAnswer struct {
	name, value         string
	secret, vault       bool
	found, caseMismatch bool
}

type fragAnswer struct {
	found bool
	file  string
	sum   [sha256.Size]byte
}

// depEnv answers the lookups of one Compile, recording them per document.
type depEnv struct {
	lookup   namedvalues.LookupFunc
	frags    map[string]*parser.Document
	fragSums map[string]fragAnswer
	backends map[string]*Backend
}

func (d *depEnv) nv(name string) nvAnswer {
	v, found, fold := d.lookup(name)
	return nvAnswer{name: v.Name, value: v.Value, secret: v.Secret, vault: v.KeyVault != nil, found: found, caseMismatch: fold}
}

func (d *depEnv) frag(id string) fragAnswer {
	if _, ok := d.frags[id]; !ok {
		return fragAnswer{}
	}
	return d.fragSums[id]
}

func (d *depEnv) backend(id string) bool { _, ok := d.backends[id]; return ok }

// record returns the Compiler's lookups for one document, noting every
// answer in deps.
func (d *depEnv) record(deps *docDeps) (namedvalues.LookupFunc, func(string) (*parser.Document, bool), func(string) bool) {
	lookup := func(name string) (namedvalues.NamedValue, bool, bool) {
		v, found, fold := d.lookup(name)
		deps.mu.Lock()
		deps.nvs[name] = nvAnswer{name: v.Name, value: v.Value, secret: v.Secret, vault: v.KeyVault != nil, found: found, caseMismatch: fold}
		deps.mu.Unlock()
		return v, found, fold
	}
	frags := func(id string) (*parser.Document, bool) {
		doc, ok := d.frags[id]
		deps.mu.Lock()
		deps.frags[id] = d.frag(id)
		deps.mu.Unlock()
		return doc, ok
	}
	backends := func(id string) bool {
		ok := d.backend(id)
		deps.mu.Lock()
		deps.backends[id] = ok
		deps.mu.Unlock()
		return ok
	}
	return lookup, frags, backends
}

func newDocDeps() *docDeps {
	return &docDeps{nvs: map[string]nvAnswer{}, frags: map[string]fragAnswer{}, backends: map[string]bool{}}
}

// still reports whether every recorded answer is the same in d.
func (d *depEnv) still(deps *docDeps) bool {
	for name, a := range deps.nvs {
		if d.nv(name) != a {
			return false
		}
	}
	for id, a := range deps.frags {
		if d.frag(id) != a {
			return false
		}
	}
	for id, ok := range deps.backends {
		if d.backend(id) != ok {
			return false
		}
	}
	return true
}

// NewCompileCache returns an empty cache.
func NewCompileCache() *CompileCache { return &CompileCache{docs: map[docKey]*cachedDoc{}} }

// begin starts a Compile of a configuration whose lookups env answers:
// the cache is emptied when Strict changed.
func (cc *CompileCache) begin(env *depEnv, strict bool) {
	if !cc.begun || strict != cc.strict {
		cc.docs = map[docKey]*cachedDoc{}
		cc.pipes = nil
		cc.strict, cc.begun = strict, true
	}
	cc.cur = env
	cc.nextPipes = map[[4]*level]*Pipeline{}
	cc.used = map[docKey]bool{}
	cc.Hits, cc.Misses = 0, 0
}

func (cc *CompileCache) get(scope policies.Scope, pd *PolicyDoc) (docKey, *cachedDoc) {
	k := docKey{scope, pd.File, sha256.Sum256(pd.Source)}
	cc.used[k] = true
	d := cc.docs[k]
	if d != nil && !cc.cur.still(d.deps) {
		// What it looked up answers differently now: compile it again
		// (put replaces it).
		d = nil
	}
	if d != nil {
		cc.Hits++
	} else {
		cc.Misses++
	}
	return k, d
}

func (cc *CompileCache) put(k docKey, lv *level, errs parser.Errors, deps *docDeps) {
	for _, e := range errs {
		if e.Severity == parser.SeverityError {
			delete(cc.docs, k)
			return
		}
	}
	cc.docs[k] = &cachedDoc{lv: lv, warnings: errs, deps: deps}
}

// splice is splice through the cache.
func (cc *CompileCache) splice(op, api, product, global *level) *Pipeline {
	k := [4]*level{op, api, product, global}
	p := cc.nextPipes[k]
	if p == nil {
		if p = cc.pipes[k]; p == nil {
			p = splice(op, api, product, global)
		}
		cc.nextPipes[k] = p
	}
	return p
}

// end drops the documents and pipelines this Compile did not use.
func (cc *CompileCache) end() {
	cc.pipes, cc.nextPipes = cc.nextPipes, nil
	for k := range cc.docs {
		if !cc.used[k] {
			delete(cc.docs, k)
		}
	}
	cc.used = nil
	cc.cur = nil
}

// productsByAPI lists, for each API id, the products that contain it, so
// that Compile does not search every product's list once per API.
func productsByAPI(products map[string]*Product) map[string][]string {
	out := map[string][]string{}
	for id, p := range products {
		seen := map[string]bool{}
		for _, a := range p.APIs {
			if !seen[a] {
				seen[a] = true
				out[a] = append(out[a], id)
			}
		}
	}
	return out
}
