package apiops

import (
	"crypto/sha256"
	"runtime"
	"sync"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/parser"
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

// specEntry is one document, parsed once by whoever asks first.
type specEntry struct {
	once sync.Once
	file string // the name it was parsed under
	ops  []*engine.Operation
	errs parser.Errors
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
		e = &specEntry{file: file}
		specCache.m[k] = e
	}
	return e
}

func (e *specEntry) parse(src []byte, queryTemplates bool) {
	e.once.Do(func() { e.ops, e.errs = parseSpec(e.file, src, queryTemplates) })
}

// copyFor gives the caller its own copies of the operations and errors,
// which it modifies, with positions naming file.
func (e *specEntry) copyFor(file string) ([]*engine.Operation, parser.Errors) {
	var ops []*engine.Operation
	for _, op := range e.ops {
		c := *op
		ops = append(ops, &c)
	}
	var errs parser.Errors
	for _, er := range e.errs {
		c := *er
		if c.Pos.File == e.file {
			c.Pos.File = file
		}
		errs = append(errs, &c)
	}
	return ops, errs
}

// parseSpecCached is parseSpec through specCache.
func parseSpecCached(file string, src []byte, queryTemplates bool) ([]*engine.Operation, parser.Errors) {
	e := specEntryFor(file, src, queryTemplates)
	e.parse(src, queryTemplates)
	return e.copyFor(file)
}

// parseSpecAsync starts parseSpecCached in the background, at most
// GOMAXPROCS at once, and returns a function that waits for its result.
func parseSpecAsync(file string, src []byte, queryTemplates bool) func() ([]*engine.Operation, parser.Errors) {
	e := specEntryFor(file, src, queryTemplates)
	done := make(chan struct{})
	go func() {
		defer close(done)
		specParsers <- struct{}{}
		defer func() { <-specParsers }()
		e.parse(src, queryTemplates)
	}()
	return func() ([]*engine.Operation, parser.Errors) {
		<-done
		return e.copyFor(file)
	}
}
