package fleet

import (
	"bytes"
	"io"
	"io/fs"
	"path"
	"slices"
	"time"
)

// FS returns the snapshot's files as a read-only file system (the
// loader reads a snapshot from memory through it).
func (s *Snapshot) FS() fs.FS {
	m := &memFS{files: s.Files, dirs: map[string][]string{".": nil}}
	seen := map[string]bool{}
	for p := range s.Files {
		for child, dir := p, path.Dir(p); ; child, dir = dir, path.Dir(dir) {
			if !seen[child] {
				seen[child] = true
				m.dirs[dir] = append(m.dirs[dir], path.Base(child))
			}
			if dir == "." {
				break
			}
			if _, ok := m.dirs[dir]; !ok {
				m.dirs[dir] = nil
			}
		}
	}
	m.ents = make(map[string][]fs.DirEntry, len(m.dirs))
	for d, kids := range m.dirs {
		slices.Sort(kids)
		ents := make([]fs.DirEntry, len(kids))
		infos := make([]memInfo, len(kids))
		for i, k := range kids {
			full := k
			if d != "." {
				full = d + "/" + k
			}
			if b, ok := m.files[full]; ok {
				infos[i] = memInfo{k, int64(len(b)), false}
			} else {
				infos[i] = memInfo{k, 0, true}
			}
			ents[i] = &infos[i]
		}
		m.ents[d] = ents
	}
	return m
}

type memFS struct {
	files map[string][]byte
	dirs  map[string][]string // folder → sorted child names
	ents  map[string][]fs.DirEntry
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
	if _, ok := m.dirs[name]; ok {
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
