package engine

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
)

// docSet is the policy documents of one Compile, each compiled once,
// the documents the cache does not hold on GOMAXPROCS workers.
type docSet struct {
	jobs  []*docJob
	index map[docScope]*docJob
}

type docScope struct {
	pd    *PolicyDoc
	scope policies.Scope
}

type docJob struct {
	docScope
	key  docKey
	deps *docDeps // what its compile looked up (with a cache)
	hit  bool
	lv   *level
	errs parser.Errors
}

func newDocSet() *docSet { return &docSet{index: map[docScope]*docJob{}} }

// add registers a document (nil: none) in Compile's order.
func (d *docSet) add(pd *PolicyDoc, scope policies.Scope) {
	if pd == nil {
		return
	}
	ds := docScope{pd, scope}
	if d.index[ds] != nil {
		return
	}
	j := &docJob{docScope: ds}
	d.index[ds] = j
	d.jobs = append(d.jobs, j)
}

// compile takes what cc holds (cc may be nil), compiles the rest in
// parallel, stores them in cc, and returns every document's problems in
// the order the documents were added.
func (d *docSet) compile(cc *CompileCache, compileOne func(*PolicyDoc, policies.Scope, *docDeps) (*level, parser.Errors)) parser.Errors {
	var todo []*docJob
	for _, j := range d.jobs {
		if cc != nil {
			k, hit := cc.get(j.scope, j.pd)
			j.key = k
			if hit != nil {
				j.hit, j.lv, j.errs = true, hit.lv, hit.warnings
				continue
			}
			j.deps = newDocDeps()
		}
		todo = append(todo, j)
	}
	workers := min(runtime.GOMAXPROCS(0), len(todo))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(todo) {
					return
				}
				j := todo[i]
				j.lv, j.errs = compileOne(j.pd, j.scope, j.deps)
			}
		}()
	}
	wg.Wait()
	var errs parser.Errors
	for _, j := range d.jobs {
		errs = append(errs, j.errs...)
		if cc != nil && !j.hit {
			cc.put(j.key, j.lv, append(parser.Errors(nil), j.errs...), j.deps)
		}
	}
	return errs
}

// level is a document's compiled level (nil for no document).
func (d *docSet) level(pd *PolicyDoc, scope policies.Scope) *level {
	if pd == nil {
		return nil
	}
	return d.index[docScope{pd, scope}].lv
}
