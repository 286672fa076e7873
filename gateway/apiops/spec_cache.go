package apiops

import (
	"crypto/sha256"
	"encoding/hex"
	"runtime"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
)

// specCache keeps parsed specifications by content hash: OpenAPI parsing
// is most of a load's time, from one configuration to the next almost
// every specification is unchanged, and revisions of an API often carry
// the same document. Parsing is a pure function of its inputs (the file
// name only goes into positions, which are rewritten on a hit), so the
// cache is shared by every Load; it is emptied when it reaches
// specCacheMax entries.
var specCache = struct {
	sync.Mutex
	m map[specKey]*specEntry
}{m: map[specKey]*specEntry{}}

const specCacheMax = 8192

// specParsers bounds the specifications parsed at once.
var specParsers = make(chan struct{}, runtime.GOMAXPROCS(0))

type specKey struct {
	sum            [sha256.Size]byte
	queryTemplates bool
}

// specEntry is one document, scanned once by whoever asks first, and its
// OpenAPI detail built once when first needed: at once by an eager Load,
// on first use by a lazy one (WithLazyOpenAPI).
type specEntry struct {
	file           string // the name it was parsed under
	src            []byte
	sum            [sha256.Size]byte
	queryTemplates bool

	scanOnce sync.Once
	scan     scannedSpec

	detailOnce sync.Once
	details    []opDetail // aligned with scan.ops; nil when the library failed
	detailErrs parser.Errors
}

func specEntryFor(file string, src []byte, queryTemplates bool) *specEntry {
	k := specKey{sha256.Sum256(src), queryTemplates}
	specCache.Lock()
	defer specCache.Unlock()
	e, ok := specCache.m[k]
	if !ok {
		if len(specCache.m) >= specCacheMax {
			clear(specCache.m)
		}
		e = &specEntry{file: file, src: src, sum: k.sum, queryTemplates: queryTemplates}
		specCache.m[k] = e
	}
	return e
}

// parse scans the document and, when eager, builds its detail too.
func (e *specEntry) parse(eager bool) {
	e.scanOnce.Do(func() {
		var top *yaml.Node
		top, e.scan = scanSpec(e.file, e.src, e.queryTemplates)
		if eager && !e.scan.failed {
			e.detail(top)
		}
	})
	if eager && !e.scan.failed {
		e.detail(nil)
	}
}

// detail builds the OpenAPI detail once; top is the scanned tree, if at
// hand.
func (e *specEntry) detail(top *yaml.Node) {
	e.detailOnce.Do(func() {
		e.details, e.detailErrs = specDetail(e.file, e.src, top, &e.scan)
		e.src = nil // scanned and built: no longer needed
	})
}

// copyFor gives the caller its own copies of the operations and errors,
// which it modifies, with positions naming file. Eager copies carry the
// detail (or, when the library failed, no operations and its error); lazy
// ones a function that builds it and, the first time one of them is
// called, reports its problems to report.
func (e *specEntry) copyFor(file string, eager bool, report func(parser.Errors)) ([]*engine.Operation, parser.Errors) {
	if e.scan.failed {
		return nil, e.rename(e.scan.errs, file)
	}
	if eager && e.detailErrs.HasErrors() {
		return nil, e.rename(e.detailErrs, file)
	}
	ops := make([]*engine.Operation, len(e.scan.ops))
	var reported sync.Once
	for i, op := range e.scan.ops {
		c := *op
		if eager {
			c.Examples, c.Spec = e.details[i].examples, e.details[i].spec
		} else {
			c.OpenAPI = func() (map[int]map[string][]byte, *policies.OperationSpec) {
				e.detail(nil)
				if report != nil {
					reported.Do(func() {
						if len(e.detailErrs) > 0 {
							report(e.rename(e.detailErrs, file))
						}
					})
				}
				if e.details == nil {
					return nil, nil
				}
				return e.details[i].examples, e.details[i].spec
			}
		}
		ops[i] = &c
	}
	var errs parser.Errors
	if eager {
		errs = e.rename(e.detailErrs, file)
	}
	return ops, append(errs, e.rename(e.scan.errs, file)...)
}

// rename copies errs with positions in the entry's file naming file.
func (e *specEntry) rename(errs parser.Errors, file string) parser.Errors {
	var out parser.Errors
	for _, er := range errs {
		c := *er
		if c.Pos.File == e.file {
			c.Pos.File = file
		}
		out = append(out, &c)
	}
	return out
}

// table is the entry's among tables, or nil.
func (e *specEntry) table(tables map[string]*OperationTable) *OperationTable {
	if tables == nil {
		return nil
	}
	return tables[hex.EncodeToString(e.sum[:])]
}

// parseSpecCached is parseSpec through specCache.
func parseSpecCached(file string, src []byte, queryTemplates bool) ([]*engine.Operation, parser.Errors) {
	e := specEntryFor(file, src, queryTemplates)
	e.parse(true)
	return e.copyFor(file, true, nil)
}

// parseSpecAsync starts reading a specification through specCache in the
// background, at most GOMAXPROCS at once, and returns a function that
// waits for its result. lazy leaves the OpenAPI detail for first use.
func parseSpecAsync(file string, src []byte, queryTemplates bool, lazy *lazyOpenAPI, tables map[string]*OperationTable) func() ([]*engine.Operation, parser.Errors) {
	e := specEntryFor(file, src, queryTemplates)
	if t := e.table(tables); t != nil {
		e.scanOnce.Do(func() { e.scan = t.scanned(e.file, queryTemplates) })
		if lazy != nil {
			return func() ([]*engine.Operation, parser.Errors) { return e.copyFor(file, false, lazy.report) }
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		specParsers <- struct{}{}
		defer func() { <-specParsers }()
		e.parse(lazy == nil)
	}()
	return func() ([]*engine.Operation, parser.Errors) {
		<-done
		if lazy != nil {
			return e.copyFor(file, false, lazy.report)
		}
		return e.copyFor(file, true, nil)
	}
}
