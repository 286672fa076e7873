package parser

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// corpusDir is the shared corpus of real-world policy files: $POLICYGATE_CORPUS,
// or ../../shared/corpus relative to the package directory (one level further
// up when the repository is a worktree nested one level deeper). Tests that
// need it skip when it is absent.
var corpusDir = findCorpus()

func findCorpus() string {
	if dir := os.Getenv("POLICYGATE_CORPUS"); dir != "" {
		return dir
	}
	for _, dir := range []string{"../../shared/corpus", "../../../shared/corpus"} {
		if _, err := os.Stat(filepath.Join(dir, "FILES.tsv")); err == nil {
			return dir
		}
	}
	return "../../shared/corpus"
}

// corpusFile is one row of the corpus's FILES.tsv.
type corpusFile struct {
	path        string // relative to corpusDir
	kind        string // document, fragment, snippet, "snippet (syntax template)"
	tolerantOK  bool   // the corpus's tolerant scan accepted the file
	expressions int    // policy expressions counted by the corpus script
	namedRefs   int    // {{name}} references counted by the corpus script
}

func loadCorpus(tb testing.TB) []corpusFile {
	tb.Helper()
	f, err := os.Open(filepath.Join(corpusDir, "FILES.tsv"))
	if err != nil {
		tb.Skipf("corpus not available: %v", err)
	}
	defer f.Close()
	var files []corpusFile
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var col map[string]int
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if col == nil {
			col = map[string]int{}
			for i, name := range fields {
				col[name] = i
			}
			for _, name := range []string{"file", "kind", "tolerant_scan_ok", "expressions", "named_value_refs"} {
				if _, ok := col[name]; !ok {
					tb.Fatalf("FILES.tsv has no column %q", name)
				}
			}
			continue
		}
		atoi := func(name string) int {
			n, err := strconv.Atoi(fields[col[name]])
			if err != nil {
				tb.Fatalf("FILES.tsv: %s: bad %s: %v", fields[0], name, err)
			}
			return n
		}
		files = append(files, corpusFile{
			path:        fields[col["file"]],
			kind:        fields[col["kind"]],
			tolerantOK:  atoi("tolerant_scan_ok") == 1,
			expressions: atoi("expressions"),
			namedRefs:   atoi("named_value_refs"),
		})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(files) == 0 {
		tb.Fatal("FILES.tsv lists no files")
	}
	return files
}

// corpusBroken lists corpus files that the corpus's own tolerant scan
// accepts but that are genuinely broken, with the reason.
var corpusBroken = map[string]string{
	"Azure-Samples__ai-hub-gateway-solution-accelerator/guides/apim-configuration.md.block03.xml":                           "Markdown extract with a literal \"...\" elision between statements",
	"Azure-Samples__ai-hub-gateway-solution-accelerator/guides/apim-configuration.md.block07.xml":                           "Markdown extract with literal \"....\" and \"...\" elisions between statements",
	"MicrosoftDocs__azure-docs/articles/api-management/include-fragment-policy.md.block02.xml":                              "docs example ending in a literal \"[...]\" after the root element",
	"MicrosoftDocs__azure-docs/articles/api-management/rewrite-uri-policy.md.block02.xml":                                   "raw '&' in an attribute value (\"?City=city&State=state\"), not an entity reference",
	"MicrosoftDocs__azure-docs/articles/api-management/validate-jwt-policy.md.block05.xml":                                  "placeholders <tenant-name> and <tenant-id> written as raw '<' inside an attribute value",
	"Azure__api-management-policy-snippets/_deleted_from_master/Backend OAuth2 access token from AAD with Cache.policy.xml": "a comment opened inside another comment: '--' inside a comment is not XML",
	"Azure__api-management-policy-snippets/examples/Filter response content based on product name.policy.xml":               "a comment opened inside another comment: '--' inside a comment is not XML",
}

// corpusExprDiffs lists the files where our count of whole-value expressions
// differs from the corpus script's, with the reason (and our count).
var corpusExprDiffs = map[string]struct {
	got    int
	reason string
}{
	// The corpus script skips expressions inside CDATA; we count the set-body
	// CDATA expression as APIM evaluates it.
	"Azure-Samples__Apim-Samples/shared/apim-policies/fragments/pf-ensure-stream-include-usage.xml": {5, "expression inside CDATA"},
	// xsl-transform is opaque: its <parameter> children stay in its Text.
	"Azure-Samples__AI-Gateway/.github/skills/apim-policies/references/policy-reference.md.block29.xml": {0, "expression in an xsl-transform parameter"},
	// The docs pad these bodies with U+00A0; ASCII trimming leaves them
	// literal, and Parse warns.
	"MicrosoftDocs__azure-docs/articles/api-management/set-body-policy.md.block04.xml": {0, "padded with U+00A0"},
	"MicrosoftDocs__azure-docs/articles/api-management/set-body-policy.md.block08.xml": {0, "padded with U+00A0"},
	"MicrosoftDocs__azure-docs/articles/api-management/set-body-policy.md.block09.xml": {0, "padded with U+00A0"},
}

// countExpressions counts the whole-value expressions and named-value
// references of a document.
func countExpressions(d *Document) (exprs, refs int) {
	count := func(v *Value) {
		if v == nil {
			return
		}
		if _, ok := v.Expression(); ok {
			exprs++
		}
		refs += len(v.NamedRefs())
	}
	Walk(d.Root, func(e *Element) bool {
		for _, a := range e.Attrs {
			count(a.Value)
		}
		count(e.Text)
		return true
	})
	return exprs, refs
}

var (
	commentRe  = regexp.MustCompile(`(?s)<!--.*?-->`)
	namedRefRe = regexp.MustCompile(`\{\{[A-Za-z0-9._-]+\}\}`)
)

// commentRefs counts the {{name}} references inside XML comments.
func commentRefs(src []byte) int {
	n := 0
	for _, c := range commentRe.FindAll(src, -1) {
		n += len(namedRefRe.FindAll(c, -1))
	}
	return n
}

// TestCorpus parses every corpus file that the corpus's tolerant scan
// accepts (syntax templates aside) and expects no diagnostics. It also
// compares the number of expressions and named-value references with the
// corpus's own counts and logs the differences.
func TestCorpus(t *testing.T) {
	files := loadCorpus(t)
	var tried, ok, exprMismatch, refMismatch, totalExprs int
	for _, cf := range files {
		if !cf.tolerantOK || strings.Contains(cf.kind, "template") {
			continue
		}
		tried++
		d, errs := ParseFile(filepath.Join(corpusDir, cf.path))
		reason, broken := corpusBroken[cf.path]
		switch {
		case errs.HasErrors() && broken:
			t.Logf("%s: known broken (%s): %v", cf.path, reason, errs[0])
			continue
		case errs.HasErrors():
			t.Errorf("%s:\n%v", cf.path, errs)
			continue
		case broken:
			t.Errorf("%s: listed as broken (%s) but parses cleanly", cf.path, reason)
		}
		for _, e := range errs {
			t.Logf("%s: %v", cf.path, e)
		}
		if d == nil {
			t.Errorf("%s: nil document without diagnostics", cf.path)
			continue
		}
		ok++
		want := map[string]Kind{"document": KindDocument, "fragment": KindFragment, "snippet": KindSnippet}[cf.kind]
		if d.Kind != want {
			t.Errorf("%s: kind %v, corpus says %s", cf.path, d.Kind, cf.kind)
		}
		exprs, refs := countExpressions(d)
		// The corpus script also counts {{name}} in XML comments.
		refs += commentRefs(d.Source)
		totalExprs += exprs
		if diff, known := corpusExprDiffs[cf.path]; known {
			exprMismatch++
			if exprs != diff.got {
				t.Errorf("%s: %d expressions, want %d (corpus counts %d: %s)", cf.path, exprs, diff.got, cf.expressions, diff.reason)
			}
		} else if exprs != cf.expressions {
			t.Errorf("%s: %d expressions, corpus counts %d", cf.path, exprs, cf.expressions)
		}
		if refs != cf.namedRefs {
			refMismatch++
			t.Errorf("%s: %d named-value references, corpus counts %d", cf.path, refs, cf.namedRefs)
		}
	}
	t.Logf("corpus: %d of %d files parse cleanly (%d known broken); %d expressions; expression count differs (known) in %d, named-value count in %d",
		ok, tried, len(corpusBroken), totalExprs, exprMismatch, refMismatch)
}

// TestCorpusRejected checks that the files the corpus's tolerant scan
// rejects (broken at their source) get a diagnostic from us too, and logs
// the overall figure for every file, syntax templates included.
func TestCorpusRejected(t *testing.T) {
	files := loadCorpus(t)
	clean := 0
	for _, cf := range files {
		_, errs := ParseFile(filepath.Join(corpusDir, cf.path))
		if !errs.HasErrors() {
			clean++
		}
		if cf.tolerantOK {
			continue
		}
		if !errs.HasErrors() {
			t.Errorf("%s: rejected by the corpus scan, accepted by Parse", cf.path)
			continue
		}
		t.Logf("%s: %v", cf.path, errs[0])
	}
	t.Logf("all %d corpus files: %d parse without errors", len(files), clean)
}
