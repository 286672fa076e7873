package oracle

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func load(t *testing.T) ([]Case, map[string]Result, *Baseline) {
	t.Helper()
	cases, err := LoadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join("testdata", "expected.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	expected, err := ParseResults(f)
	if err != nil {
		t.Fatal(err)
	}
	base, err := LoadBaseline(filepath.Join("testdata", "baseline.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return cases, expected, base
}

// TestOracle compares PolicyGate with the committed C# results: no case may
// newly disagree and the agreeing count may not drop below the baseline.
func TestOracle(t *testing.T) {
	cases, expected, base := load(t)
	if len(cases) < 1000 {
		t.Errorf("%d cases, want at least 1000", len(cases))
	}
	known, err := LoadKnownDifferences(filepath.Join("testdata", "known-differences.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.Exclude != "" && !known[c.Exclude] {
			t.Errorf("cases.txt:%d: exclusion %q is not documented in known-differences.md", c.Line, c.Exclude)
		}
	}
	rep := Compare(cases, expected)
	for _, c := range rep.Missing {
		t.Errorf("cases.txt:%d: %s has no C# result; run make oracle", c.Line, c.Src)
	}
	for _, d := range rep.Disagree {
		if _, listed := base.Reasons[d.Case.ID]; !listed {
			t.Errorf("cases.txt:%d: %s | %s\n  C#:         %s\n  PolicyGate: %s", d.Case.Line, d.Case.ID, d.Case.Src, show(d.CSharp), show(d.PG))
		}
	}
	if rep.Agree < base.Agree {
		t.Errorf("agreement dropped: %d agreeing cases, baseline %d", rep.Agree, base.Agree)
	}
	var sb strings.Builder
	rep.Write(&sb, base.Reasons)
	lines := strings.Split(strings.TrimSpace(sb.String()), "\n")
	t.Log(lines[len(lines)-1])
}

// TestMonoExpected checks that the committed expected values are what Mono
// computes for the current case list.
func TestMonoExpected(t *testing.T) {
	for _, tool := range []string{"mcs", "mono"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s missing: apt-get install mono-complete libnewtonsoft-json-cil-dev", tool)
			}
			t.Skipf("%s missing: install the Debian packages mono-complete and libnewtonsoft-json-cil-dev", tool)
		}
	}
	cases, expected, _ := load(t)
	got, err := RunMono(cases, filepath.Join("testdata", "Driver.cs"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		want, ok := expected[c.ID]
		if !ok {
			t.Errorf("cases.txt:%d: %s missing from expected.txt; run make oracle", c.Line, c.ID)
			continue
		}
		if g := got[c.ID]; g.Type != want.Type || (!strings.HasPrefix(g.Type, "!CS") && g.Value != want.Value) {
			t.Errorf("cases.txt:%d: %s: Mono now gives %s, expected.txt has %s; run make oracle", c.Line, c.ID, show(g), show(want))
		}
	}
}
