package fleet

import (
	"bytes"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// FS returns the snapshot's files as a read-only file system (the
// loader reads a snapshot from memory through it).
func (s *Snapshot) FS() fs.FS {
	// kids: folder → its entries. A file's folders are registered
	// walking up until one that already is (whose own folders are, too).
	kids := map[string][]memInfo{".": nil}
	known := make(map[string]bool, len(s.Files)/2)
	for p, b := range s.Files {
		dir := path.Dir(p)
		kids[dir] = append(kids[dir], memInfo{path.Base(p), int64(len(b)), false})
		for dir != "." && !known[dir] {
			known[dir] = true
			parent := path.Dir(dir)
			kids[parent] = append(kids[parent], memInfo{path.Base(dir), 0, true})
			dir = parent
		}
	}
	m := &memFS{files: s.Files, ents: make(map[string][]fs.DirEntry, len(kids))}
	for d, infos := range kids {
		slices.SortFunc(infos, func(a, b memInfo) int { return strings.Compare(a.name, b.name) })
		ents := make([]fs.DirEntry, len(infos))
		for i := range infos {
			ents[i] = &infos[i]
		}
		m.ents[d] = ents
	}
	return m
}

type memFS struct {
	files map[string][]byte
	ents  map[string][]fs.DirEntry // folder → its entries, sorted by name
}

type memInfo struct {
	name string
	size int64
	dir  bool
}

func (i memInfo) Name() string { return i.name }
func (i memInfo) Size() int64  { return i.size }
func (i memInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o500
	}
	return 0o400
}
func (i memInfo) ModTime() time.Time         { return time.Time{} }
func (i memInfo) IsDir() bool                { return i.dir }
func (i memInfo) Sys() any                   { return nil }
func (i memInfo) Type() fs.FileMode          { return i.Mode().Type() }
func (i memInfo) Info() (fs.FileInfo, error) { return i, nil }

func (m *memFS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	if b, ok := m.files[name]; ok {
		return memInfo{path.Base(name), int64(len(b)), false}, nil
	}
	if _, ok := m.ents[name]; ok {
		return memInfo{path.Base(name), 0, true}, nil
	}
	return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

func (m *memFS) ReadFile(name string) ([]byte, error) {
	if b, ok := m.files[name]; ok && fs.ValidPath(name) {
		return bytes.Clone(b), nil
	}
	return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
}

func (m *memFS) ReadDir(name string) ([]fs.DirEntry, error) {
	ents, ok := m.ents[name]
	if !ok || !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return slices.Clone(ents), nil
}

func (m *memFS) Open(name string) (fs.File, error) {
	st, err := m.Stat(name)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		ents, _ := m.ReadDir(name)
		return &memDir{info: st, ents: ents}, nil
	}
	return &memFile{info: st, r: bytes.NewReader(m.files[name])}, nil
}

type memFile struct {
	info fs.FileInfo
	r    *bytes.Reader
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *memFile) Close() error               { return nil }

type memDir struct {
	info fs.FileInfo
	ents []fs.DirEntry
}

func (d *memDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *memDir) Read([]byte) (int, error)   { return 0, io.EOF }
func (d *memDir) Close() error               { return nil }
func (d *memDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if n <= 0 {
		e := d.ents
		d.ents = nil
		return e, nil
	}
	if len(d.ents) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(d.ents))
	e := d.ents[:n]
	d.ents = d.ents[n:]
	return e, nil
}
