package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policygate/policygate/parser"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestValidateGolden runs `policygate validate` over testdata/validate and
// compares its text output with validate.golden.
func TestValidateGolden(t *testing.T) {
	dir := filepath.Join("testdata", "validate")
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var out, errOut bytes.Buffer
	code := run([]string{"validate", "good.xml", "bad.xml", "broken.xml"}, &out, &errOut)
	if code != 1 {
		t.Errorf("exit code %d, want 1 (invalid files)", code)
	}
	golden := "validate.golden"
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("output differs from %s (-update to rewrite):\n%s", golden, out.String())
	}
}

// TestValidateTyposGolden checks the "did you mean" hints and the source
// excerpts with a caret for misspelt attributes and expression members.
func TestValidateTyposGolden(t *testing.T) {
	dir := filepath.Join("testdata", "validate-typos")
	var out, errOut bytes.Buffer
	if code := run([]string{"validate", filepath.Join(dir, "typos.xml")}, &out, &errOut); code != 1 {
		t.Errorf("exit code %d, want 1; %s", code, errOut.String())
	}
	golden := filepath.Join(dir, "typos.golden")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("output differs from %s (-update to rewrite):\n%s", golden, out.String())
	}
	// JSON output keeps the fields, without excerpts.
	out.Reset()
	run([]string{"validate", "--json", filepath.Join(dir, "typos.xml")}, &out, &errOut)
	if strings.Contains(out.String(), "^") || !strings.Contains(out.String(), "did you mean 'Method'?") {
		t.Errorf("JSON output: %s", out.String())
	}
}

func TestValidateExitCodes(t *testing.T) {
	t.Parallel()
	good := filepath.Join("testdata", "validate", "good.xml")
	var out, errOut bytes.Buffer
	if code := run([]string{"validate", good}, &out, &errOut); code != 0 {
		t.Fatalf("valid file: exit %d, output %s%s", code, out.String(), errOut.String())
	}
	if !strings.HasSuffix(out.String(), "1 files, 1 valid, 0 invalid; 2 expressions, 2 compiled\n") {
		t.Errorf("summary line: %q", out.String())
	}
	if code := run([]string{"validate"}, &out, &errOut); code != 2 {
		t.Errorf("no paths: exit %d, want 2", code)
	}
	if code := run([]string{"validate", "testdata/does-not-exist"}, &out, &errOut); code != 2 {
		t.Errorf("missing path: exit %d, want 2", code)
	}
	if code := run([]string{"frobnicate"}, &out, &errOut); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
}

func TestValidateJSON(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	code := run([]string{"validate", "--json", filepath.Join("testdata", "validate")}, &out, &errOut)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	dec := json.NewDecoder(&out)
	var rep jsonReport
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("output is not one JSON object: %v", err)
	}
	if dec.More() {
		t.Fatal("output holds more than one JSON value")
	}
	if rep.Summary.Files != 3 || rep.Summary.Valid != 1 || rep.Summary.Expressions != 4 || rep.Summary.Compiled != 2 {
		t.Errorf("summary %+v", rep.Summary)
	}
	var bad *jsonFile
	for i := range rep.Files {
		if strings.HasSuffix(rep.Files[i].Path, "bad.xml") {
			bad = &rep.Files[i]
		}
	}
	if bad == nil || bad.Valid || len(bad.Problems) != 4 {
		t.Fatalf("bad.xml report: %+v", bad)
	}
	p := bad.Problems[0]
	if p.Line != 5 || p.Col != 38 || p.Severity != "error" || p.Code != "type_error" || !strings.Contains(p.Message, "Hedaers") {
		t.Errorf("first problem: %+v", p)
	}
}

func TestValidateNamedValuesConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	nv := filepath.Join(dir, "namedValues", "greeting")
	if err := os.MkdirAll(nv, 0o755); err != nil {
		t.Fatal(err)
	}
	info := `{"properties":{"displayName":"greeting","value":"hello","secret":false}}`
	if err := os.WriteFile(filepath.Join(nv, "namedValueInformation.json"), []byte(info), 0o644); err != nil {
		t.Fatal(err)
	}
	pol := filepath.Join(dir, "policy.xml")
	src := `<policies><inbound><set-header name="x"><value>{{greeting}}</value></set-header>` +
		`<set-header name="y"><value>{{missing}}</value></set-header></inbound></policies>`
	if err := os.WriteFile(pol, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"validate", "--config", dir, pol}, &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1 for an unknown named value; %s", code, out.String())
	}
	if !strings.Contains(out.String(), `error: unknown_named_value`) || !strings.Contains(out.String(), "missing") {
		t.Errorf("output: %s", out.String())
	}
	// Without a configuration the same reference is only a warning.
	out.Reset()
	if code := run([]string{"validate", pol}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d without --config, want 0: %s", code, out.String())
	}
}

func corpusDir(t testing.TB) string {
	for _, d := range []string{"../../../shared/corpus", "../../../../shared/corpus"} {
		if _, err := os.Stat(filepath.Join(d, "FILES.tsv")); err == nil {
			return d
		}
	}
	t.Skip("../shared/corpus not present")
	return ""
}

// TestCorpus holds the compatibility yardstick: the corpus files APIM
// accepts validate clean, and the corpus expressions compile.
func TestCorpus(t *testing.T) {
	res, err := validateCorpus(corpusDir(t))
	if err != nil {
		t.Fatal(err)
	}
	clean := float64(res.ValidClean) / float64(res.Valid)
	compiled := float64(res.Compiled) / float64(res.Exprs)
	t.Logf("%d/%d accepted files clean; %d invalid at source; %d/%d of the rest clean (%.1f%%); %d/%d expressions compiled (%.1f%%)",
		res.Clean, res.Accepted, len(res.Invalid), res.ValidClean, res.Valid, 100*clean, res.Compiled, res.Exprs, 100*compiled)
	if clean < 0.98 {
		t.Errorf("%.1f%% of the accepted files validate clean, want at least 98%% (see make corpus-report)", 100*clean)
	}
	// Every file documented as invalid at source must still be reported,
	// with the documented diagnostic: the list cannot hide a regression.
	for path, inv := range res.Invalid {
		r := res.Reports[path]
		if r == nil {
			t.Errorf("%s: listed as invalid at source but not in the corpus", path)
			continue
		}
		found := false
		for _, p := range r.Problems {
			if p.Severity == parser.SeverityError && p.Code == inv.Code {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: listed as invalid at source (%s: %s) but PolicyGate no longer reports %s: %v", path, inv.Code, inv.Reason, inv.Code, r.Problems)
		}
	}
	if compiled < 0.97 {
		t.Errorf("%.1f%% of expressions compile, want at least 97%%", 100*compiled)
	}
}

// BenchmarkCorpus loads, validates and compiles the whole corpus once per
// iteration (ns/op is the time for all files).
func BenchmarkCorpus(b *testing.B) {
	dir := corpusDir(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := validateCorpus(dir); err != nil {
			b.Fatal(err)
		}
	}
}
