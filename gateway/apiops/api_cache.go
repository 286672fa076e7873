package apiops

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"maps"
	"path/filepath"
	"slices"
	"sync"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/parser"
)

// Cache keeps the API folders read by one Load for the next Load of the
// same folder, so that a configuration in which one API changed reads
// that API again and reuses the others. An API folder is reused when
// every file below it (names and bytes) and the version sets are the
// same as when it was read: what an API folder loads into depends on
// nothing else (its policy documents are compiled later, by the engine,
// with the named values and fragments of their own configuration).
// Folders that had errors are not kept; folders the last Load did not see
// are dropped.
//
// A reused API shares its operations (and their policy documents and
// specifications) with the configuration it was first read into; they
// are not modified after Load. Each Load gets its own engine.API.
//
// A Cache is for one folder (one Reloader, one configuration client);
// Loads through it run one at a time.
type Cache struct {
	mu   sync.Mutex
	apis map[string]*apiEntry // by folder path
	// Hits and Misses count the API folders of the last Load.
	Hits, Misses int
}

// apiEntry is one API folder as Load read it.
type apiEntry struct {
	sum  [sha256.Size]byte
	seed []byte // the version sets' part of sum
	// rev is what loadAPI returned, its API as it was after the
	// operations were attached (nil: not an API folder).
	rev  *apiRev
	api  engine.API
	errs parser.Errors // its warnings
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{apis: map[string]*apiEntry{}} }

// WithCache makes Load reuse the API folders of the previous Load through
// c that did not change.
func WithCache(c *Cache) Option {
	return func(o *options) { o.cache = c }
}

// WithUnchanged tells a Load through a Cache which API folders are byte
// for byte what the previous Load through it read: unchanged(dir), dir
// named as Load names it (below Load's dir), says nothing below dir was
// added, removed or changed. Such a folder is reused without reading or
// hashing it. For a caller that knows what changed, such as a
// configuration client comparing snapshots.
func WithUnchanged(unchanged func(dir string) bool) Option {
	return func(o *options) { o.unchanged = unchanged }
}

// versionSetsSum is the version sets' part of every API folder's key.
func (l *loader) versionSetsSum() []byte {
	h := sha256.New()
	for _, id := range slices.Sorted(maps.Keys(l.versionSets)) {
		fmt.Fprintf(h, "%q %+v\n", id, *l.versionSets[id])
	}
	return h.Sum(nil)
}

// hashFolder reads every file below dir, in name order, into one hash
// and into files (by path). ok is false when anything cannot be read;
// the folder is then loaded without the cache, which reports the problem.
func (l *loader) hashFolder(dir string, seed []byte) (sum [sha256.Size]byte, files folderFiles, ok bool) {
	h := sha256.New()
	h.Write(seed)
	if !l.hashInto(h, dir, "", &files.list) {
		return sum, folderFiles{}, false
	}
	if len(files.list) > 16 {
		files.index = make(map[string][]byte, len(files.list))
		for _, f := range files.list {
			files.index[f.path] = f.src
		}
	}
	h.Sum(sum[:0])
	return sum, files, true
}

// folderFiles are the files of one folder as read to hash them: usually
// a few, searched in order; many are indexed.
type folderFiles struct {
	list  []folderFile
	index map[string][]byte
}

type folderFile struct {
	path string
	src  []byte
}

func (f *folderFiles) get(path string) ([]byte, bool) {
	if f.index != nil {
		src, ok := f.index[path]
		return src, ok
	}
	for _, x := range f.list {
		if x.path == path {
			return x.src, true
		}
	}
	return nil, false
}

func (l *loader) hashInto(h hash.Hash, dir, rel string, files *[]folderFile) bool {
	entries, err := l.files.ReadDir(dir)
	if err != nil {
		return false
	}
	var n [8]byte
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		r := rel + "/" + e.Name()
		if e.IsDir() {
			h.Write([]byte("d"))
			h.Write([]byte(r))
			h.Write([]byte{0})
			if !l.hashInto(h, p, r, files) {
				return false
			}
			continue
		}
		src, err := l.readFile(p)
		if err != nil {
			return false
		}
		*files = append(*files, folderFile{p, src})
		h.Write([]byte("f"))
		h.Write([]byte(r))
		h.Write([]byte{0})
		binary.LittleEndian.PutUint64(n[:], uint64(len(src)))
		h.Write(n[:])
		h.Write(src)
	}
	return true
}

// loadAPICached is loadAPI through the cache: an unchanged folder gives
// its earlier result; another is read (from the bytes hashed) and kept
// once its operations are attached, if it had no errors. done reports
// whether it handled the folder (false: load it without the cache).
func (l *loader) loadAPICached(dir, folder string, seed []byte) (r *apiRev, done bool) {
	c := l.opts.cache
	hit := func(e *apiEntry) (*apiRev, bool) {
		c.Hits++
		l.seen[dir] = e
		l.errs = append(l.errs, e.errs...)
		if e.rev == nil {
			return nil, true
		}
		api := e.api
		cp := *e.rev
		cp.api = &api
		return &cp, true
	}
	if e := c.apis[dir]; e != nil && l.opts.unchanged != nil && bytes.Equal(e.seed, seed) && l.opts.unchanged(dir) {
		return hit(e)
	}
	sum, files, ok := l.hashFolder(dir, seed)
	if !ok {
		return nil, false
	}
	if e := c.apis[dir]; e != nil && e.sum == sum {
		return hit(e)
	}
	c.Misses++
	saved, savedFinish := l.errs, l.finish
	l.errs, l.finish = nil, nil
	l.pre = files
	r = l.loadAPI(dir, folder)
	l.pre = folderFiles{}
	own, steps := l.errs, l.finish
	l.errs, l.finish = append(saved, own...), savedFinish
	e := &apiEntry{sum: sum, seed: seed, rev: r, errs: own}
	l.finish = append(l.finish, func() {
		saved := l.errs
		l.errs = nil
		l.pre = files
		for _, f := range steps {
			f()
		}
		l.pre = folderFiles{}
		e.errs = append(e.errs, l.errs...)
		l.errs = append(saved, l.errs...)
		if e.errs.HasErrors() {
			return
		}
		if r != nil {
			// Before pickCurrent: the copy is the API as read.
			e.api = *r.api
			cp := *r
			cp.api = nil
			e.rev = &cp
		}
		l.seen[dir] = e
	})
	return r, true
}

// endCache keeps the folders this Load saw.
func (l *loader) endCache() {
	if c := l.opts.cache; c != nil {
		c.apis = l.seen
	}
}

// beginCache starts a Load through the cache (locked until endCache's
// caller unlocks).
func (l *loader) beginCache() {
	c := l.opts.cache
	c.Hits, c.Misses = 0, 0
	l.seen = map[string]*apiEntry{}
}
