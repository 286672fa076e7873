package engine

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
)

// CompileCache keeps compiled policy documents from one Compile to the
// next, keyed by scope, file name and a hash of the source, so that a new
// configuration that changes one API's policy recompiles that document
// only; the spliced pipelines of unchanged documents are reused as well. A compiled document also depends on the named values, the
// fragments, the backend ids and Strict; when any of those differ from
// the previous Compile the cache starts empty. Documents with errors are
// not kept; documents and pipelines the last Compile did not use are
// dropped.
//
// Compiled steps are then shared between the old and the new engine.
// They are safe for concurrent use (requests already share them) and keep
// no per-configuration state beyond what the stores hold, except the
// OpenID key caches of validate-jwt, which an unchanged document keeps.
type CompileCache struct {
	mu   sync.Mutex
	deps [sha256.Size]byte
	docs map[docKey]*cachedDoc
	used map[docKey]bool
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
}

// NewCompileCache returns an empty cache.
func NewCompileCache() *CompileCache { return &CompileCache{docs: map[docKey]*cachedDoc{}} }

// begin starts a Compile of cfg: the cache is emptied when what documents
// depend on changed.
func (cc *CompileCache) begin(cfg *Config, strict bool) {
	h := sha256.New()
	fmt.Fprintf(h, "strict=%v\n", strict)
	if nv := cfg.NamedValues; nv != nil {
		for _, n := range nv.Names() {
			v, _, _ := nv.Lookup(n)
			fmt.Fprintf(h, "nv %q %q %v %v\n", v.Name, v.Value, v.Secret, v.KeyVault != nil)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(cfg.Fragments)) {
		fd := cfg.Fragments[id]
		fmt.Fprintf(h, "frag %q %q %x\n", id, fd.File, sha256.Sum256(fd.Source))
	}
	for _, id := range slices.Sorted(maps.Keys(cfg.Backends)) {
		fmt.Fprintf(h, "backend %q\n", id)
	}
	var deps [sha256.Size]byte
	copy(deps[:], h.Sum(nil))
	if deps != cc.deps {
		cc.docs = map[docKey]*cachedDoc{}
		cc.pipes = nil
		cc.deps = deps
	}
	cc.nextPipes = map[[4]*level]*Pipeline{}
	cc.used = map[docKey]bool{}
	cc.Hits, cc.Misses = 0, 0
}

func (cc *CompileCache) get(scope policies.Scope, pd *PolicyDoc) (docKey, *cachedDoc) {
	k := docKey{scope, pd.File, sha256.Sum256(pd.Source)}
	cc.used[k] = true
	d := cc.docs[k]
	if d != nil {
		cc.Hits++
	} else {
		cc.Misses++
	}
	return k, d
}

func (cc *CompileCache) put(k docKey, lv *level, errs parser.Errors) {
	for _, e := range errs {
		if e.Severity == parser.SeverityError {
			return
		}
	}
	cc.docs[k] = &cachedDoc{lv: lv, warnings: errs}
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
