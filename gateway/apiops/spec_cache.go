package apiops

import (
	"crypto/sha256"
	"sync"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/parser"
)

// specCache keeps parsed specifications by file name and content hash:
// OpenAPI parsing is most of a load's time, and from one configuration to
// the next almost every specification is unchanged. Parsing is a pure
// function of its inputs, so the cache is shared by every Load; it is
// emptied when it reaches specCacheMax entries.
var specCache = struct {
	sync.Mutex
	m map[specKey]specResult
}{m: map[specKey]specResult{}}

const specCacheMax = 8192

type specKey struct {
	file           string
	sum            [sha256.Size]byte
	queryTemplates bool
}

type specResult struct {
	ops  []*engine.Operation
	errs parser.Errors
}

// parseSpecCached is parseSpec through specCache; callers get their own
// copies of the operations and errors, which they modify.
func parseSpecCached(file string, src []byte, queryTemplates bool) ([]*engine.Operation, parser.Errors) {
	k := specKey{file, sha256.Sum256(src), queryTemplates}
	specCache.Lock()
	r, ok := specCache.m[k]
	specCache.Unlock()
	if !ok {
		r.ops, r.errs = parseSpec(file, src, queryTemplates)
		specCache.Lock()
		if len(specCache.m) >= specCacheMax {
			clear(specCache.m)
		}
		specCache.m[k] = r
		specCache.Unlock()
	}
	var ops []*engine.Operation
	for _, op := range r.ops {
		c := *op
		ops = append(ops, &c)
	}
	var errs parser.Errors
	for _, e := range r.errs {
		c := *e
		errs = append(errs, &c)
	}
	return ops, errs
}
