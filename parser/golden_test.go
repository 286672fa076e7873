package parser

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const goldenSep = "----------\n"

// render is what a golden file expects for src: the diagnostics, one per
// line, then the dump of the document (if any).
func render(name string, src []byte) string {
	return renderResult(Parse(name, src))
}

func renderResult(d *Document, errs Errors) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString(e.Error())
		b.WriteByte('\n')
	}
	if d != nil {
		b.WriteString(Dump(d))
	}
	return b.String()
}

// TestGolden runs every testdata/*.txt file: the input, a "----------" line,
// then the expected diagnostics and dump. Run with -update to rewrite them.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files in testdata")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// Golden files are stored with LF; a "\r" written as the two
			// characters `\r` before a line end stands for a CR byte, so CRLF
			// input can be tested without fragile files.
			in, want, ok := bytes.Cut(data, []byte(goldenSep))
			if !ok {
				t.Fatalf("%s: no %q separator", path, strings.TrimSpace(goldenSep))
			}
			src := bytes.ReplaceAll(in, []byte(`\r`+"\n"), []byte("\r\n"))
			src = bytes.ReplaceAll(src, []byte(`\ufeff`), bom)
			got := render(strings.TrimSuffix(filepath.Base(path), ".txt")+".xml", src)
			if *update {
				out := append(append(in[:len(in):len(in)], goldenSep...), got...)
				if err := os.WriteFile(path, out, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
			}
		})
	}
}
