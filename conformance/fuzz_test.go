package conformance

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseCase: the case-file loader reports bad input as errors, never
// panics. Seeded with the project's own case files.
func FuzzParseCase(f *testing.F) {
	paths, _ := filepath.Glob("../testdata/conformance/*/*.yaml")
	for i, p := range paths {
		if i >= 40 {
			break
		}
		if src, err := os.ReadFile(p); err == nil {
			f.Add(string(src))
		}
	}
	f.Add("suite: x\ncases:\n  - name: a\n    request: {url: /a}\n    expect: {status: 200}\n")
	f.Fuzz(func(t *testing.T, src string) {
		file, err := Parse("fuzz.yaml", []byte(src))
		if err == nil && file == nil {
			t.Fatal("Parse returned neither a file nor an error")
		}
	})
}
