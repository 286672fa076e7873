package namedvalues

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusSeeds returns lines containing "{{" from the shared policy corpus,
// when it is present.
func corpusSeeds(max int) []string {
	var seeds []string
	root := sharedPath("corpus")
	if root == "" {
		return nil
	}
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || len(seeds) >= max {
			return fs.SkipDir
		}
		if d.IsDir() || !(strings.HasSuffix(path, ".xml") || strings.HasSuffix(path, ".cshtml") || strings.HasSuffix(path, ".policy")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "{{") && len(seeds) < max {
				seeds = append(seeds, line)
			}
		}
		return nil
	})
	return seeds
}

func FuzzNamedValues(f *testing.F) {
	for _, s := range []string{
		"", "{{", "}}", "{{a}}", "{{{a}}}", "{{ a }}", "x{{A}}y{{b.c-d_e}}z", "{{a}", "é{{a}}ü",
		`@("{{secret}}")`, "{{missing}}", "{{{{a}}}}", "{{a}}{{a}}", "\xff{{a}}\xfe",
	} {
		f.Add(s, false)
	}
	for _, s := range corpusSeeds(200) {
		f.Add(s, true)
	}
	s, errs := FromMap(map[string]string{"a": "AAA", "b.c-d_e": "{{a}}", "secret": "s"}, WithEnv(nil))
	if len(errs) != 0 {
		f.Fatal(errs)
	}
	f.Fuzz(func(t *testing.T, in string, strict bool) {
		exp, probs := Expand(in, s.Lookup, Options{Strict: strict})
		if len(exp.Map) != len(exp.Text)+1 {
			t.Fatalf("len(Map) = %d, len(Text) = %d", len(exp.Map), len(exp.Text))
		}
		if exp.Map[len(exp.Text)] != len(in) {
			t.Fatalf("Map[end] = %d, want %d", exp.Map[len(exp.Text)], len(in))
		}
		for i, o := range exp.Map {
			if o < 0 || o > len(in) || (i > 0 && o < exp.Map[i-1]) {
				t.Fatalf("bad Map[%d] = %d", i, o)
			}
		}
		for _, p := range probs {
			if p.Offset < 0 || p.Offset+2 > len(in) || in[p.Offset:p.Offset+2] != "{{" {
				t.Fatalf("problem offset %d does not point at {{", p.Offset)
			}
		}
		for _, r := range exp.Refs {
			if !strings.HasPrefix(in[r.Offset:], "{{"+r.Name+"}}") {
				t.Fatalf("ref %q at %d does not match the input", r.Name, r.Offset)
			}
		}
		if len(exp.Refs) == 0 && exp.Text != in {
			t.Fatalf("text changed without references: %q → %q", in, exp.Text)
		}
		// a second pass only finds references the values brought in
		if len(References(in)) == 0 && len(exp.Refs) != 0 {
			t.Fatalf("References found nothing, Expand found %d", len(exp.Refs))
		}
		_ = IsExpression(in)
		_ = s.Redact(in)
	})
}
