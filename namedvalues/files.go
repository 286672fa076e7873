package namedvalues

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Files is where a loader reads a configuration folder: the disk (FS nil)
// or FS, whose root stands for the folder Root. Paths stay file paths
// below Root either way, so positions name the same files.
type Files struct {
	FS   fs.FS
	Root string
}

// fsName maps a path below Root to a name in FS.
func (f Files) fsName(p string) (string, error) {
	// The loaders join their paths below Root: take the short way, which
	// gives what filepath.Rel gives for those.
	if f.Root == "." && filepath.IsLocal(p) {
		return filepath.ToSlash(filepath.Clean(p)), nil
	}
	if rest, ok := strings.CutPrefix(p, f.Root+string(filepath.Separator)); ok && f.Root != "" && filepath.Clean(f.Root) == f.Root && filepath.IsLocal(rest) {
		return filepath.ToSlash(filepath.Clean(rest)), nil
	}
	rel, err := filepath.Rel(f.Root, p)
	if err != nil || !filepath.IsLocal(rel) && rel != "." {
		return "", fs.ErrNotExist
	}
	return filepath.ToSlash(rel), nil
}

// ReadFile reads a file.
func (f Files) ReadFile(p string) ([]byte, error) {
	if f.FS == nil {
		return os.ReadFile(p)
	}
	n, err := f.fsName(p)
	if err != nil {
		return nil, err
	}
	return fs.ReadFile(f.FS, n)
}

// ReadDir lists a folder.
func (f Files) ReadDir(p string) ([]fs.DirEntry, error) {
	if f.FS == nil {
		return os.ReadDir(p)
	}
	n, err := f.fsName(p)
	if err != nil {
		return nil, err
	}
	return fs.ReadDir(f.FS, n)
}

// Stat describes a file or folder.
func (f Files) Stat(p string) (fs.FileInfo, error) {
	if f.FS == nil {
		return os.Stat(p)
	}
	n, err := f.fsName(p)
	if err != nil {
		return nil, err
	}
	return fs.Stat(f.FS, n)
}

// WithFiles makes LoadDir read through f instead of the disk.
func WithFiles(f Files) Option {
	return func(c *config) { c.files = f }
}
