package conformance

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestConformance runs every case file of the project's
// testdata/conformance through the real gateway: one subtest per file, one
// per case.
func TestConformance(t *testing.T) {
	files, err := Expand([]string{"../testdata/conformance"})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no case files under ../testdata/conformance")
	}
	for _, path := range files {
		rel, _ := filepath.Rel("../testdata/conformance", path)
		t.Run(filepath.ToSlash(strings.TrimSuffix(rel, filepath.Ext(rel))), func(t *testing.T) {
			f, err := LoadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s, err := f.Start(Options{Trace: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for _, c := range f.Cases {
				t.Run(c.Name, func(t *testing.T) {
					cr := s.RunCase(c)
					if !cr.Passed {
						t.Errorf("%s\n%s", cr.Line(), strings.Join(cr.Details(), "\n"))
					}
				})
			}
		})
	}
}
