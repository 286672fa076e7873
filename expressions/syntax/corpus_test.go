package syntax

import (
	"bufio"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// corpusDir is where the shared corpus lives relative to this package in the
// main checkout; worktrees sit one level deeper, so that is tried as well.
var corpusDir = func() string {
	for _, d := range []string{"../../../shared/corpus", "../../../../shared/corpus"} {
		if _, err := os.Stat(d); err == nil {
			return d
		}
	}
	return "../../../shared/corpus"
}()

// corpusExpr is one expression found in a corpus file.
type corpusExpr struct {
	file string
	line int
	src  string
	err  string // extraction error, if any
}

var (
	xmlComment = regexp.MustCompile(`(?s)<!--.*?-->`)
	namedValue = regexp.MustCompile(`\{\{([A-Za-z0-9._-]+)\}\}`)
	xmlEntity  = strings.NewReplacer("&quot;", `"`, "&lt;", "<", "&gt;", ">", "&amp;", "&", "&apos;", "'")
)

// corpusTemplates reads FILES.tsv and returns the files whose kind is a
// template (placeholders, not real C#).
func corpusTemplates() map[string]bool {
	skip := map[string]bool{}
	f, err := os.Open(filepath.Join(corpusDir, "FILES.tsv"))
	if err != nil {
		return skip
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) > 1 && strings.Contains(cols[1], "template") {
			skip[filepath.FromSlash(cols[0])] = true
		}
	}
	return skip
}

// extractExprs finds every @(...) and @{...} that starts an attribute value or
// element text. Entities are decoded first, so escaped and unescaped forms are
// handled alike.
func extractExprs(file, text string) []corpusExpr {
	text = xmlComment.ReplaceAllStringFunc(text, func(s string) string {
		return strings.Repeat(" ", strings.Count(s, "\n")) + strings.Repeat("\n", strings.Count(s, "\n"))
	})
	text = xmlEntity.Replace(text)
	var out []corpusExpr
	for i := 0; i+1 < len(text); i++ {
		if text[i] != '@' || text[i+1] != '(' && text[i+1] != '{' {
			continue
		}
		// Only at the start of a value: after a quote or '>' (whitespace allowed).
		j := i - 1
		for j >= 0 {
			if strings.ContainsRune(" \t\r\n", rune(text[j])) {
				j--
			} else if j >= 1 && text[j-1:j+1] == "\u00a0" {
				j -= 2 // no-break space, found in copied docs
			} else {
				break
			}
		}
		if j < 0 || !strings.ContainsRune(`"'>`, rune(text[j])) {
			continue
		}
		line := strings.Count(text[:i], "\n") + 1
		end, ok := scanBalanced(text, i+1)
		if !ok {
			n := min(len(text), i+80)
			out = append(out, corpusExpr{file: file, line: line, src: text[i:n], err: "extract: unbalanced"})
			continue
		}
		out = append(out, corpusExpr{file: file, line: line, src: text[i:end]})
		i = end - 1
	}
	return out
}

// scanBalanced returns the offset just past the bracket matching the one at
// open, skipping C# string, char and comment contents.
func scanBalanced(s string, open int) (int, bool) {
	depth := 0
	i := open
	for i < len(s) {
		c := s[i]
		switch {
		case c == '(' || c == '[' || c == '{':
			depth++
			i++
		case c == ')' || c == ']' || c == '}':
			depth--
			i++
			if depth == 0 {
				return i, true
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '/':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			k := strings.Index(s[i+2:], "*/")
			if k < 0 {
				return 0, false
			}
			i += k + 4
		case c == '"' || c == '\'' || c == '@' || c == '$':
			n, ok := skipLiteral(s, i)
			if !ok {
				return 0, false
			}
			i = n
		default:
			i++
		}
	}
	return 0, false
}

// skipLiteral skips a string/char literal starting at i (or a lone '@'/'$').
func skipLiteral(s string, i int) (int, bool) {
	verbatim, interp := false, false
	for i < len(s) && (s[i] == '@' || s[i] == '$') {
		if s[i] == '@' {
			verbatim = true
		} else {
			interp = true
		}
		i++
	}
	if i >= len(s) {
		return i, true
	}
	q := s[i]
	if q != '"' && q != '\'' {
		return i, true // @ident or stray '$'
	}
	i++
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\\' && !verbatim:
			i += 2
		case c == q && verbatim && i+1 < len(s) && s[i+1] == q:
			i += 2
		case c == q:
			return i + 1, true
		case c == '\n' && !verbatim:
			return 0, false
		case interp && c == '{' && i+1 < len(s) && s[i+1] == '{':
			i += 2
		case interp && c == '{':
			n, ok := scanBalanced(s, i)
			if !ok {
				return 0, false
			}
			i = n
		default:
			i++
		}
	}
	return 0, false
}

// corpusExprs reads every expression of the non-template corpus files; it
// returns nil when the corpus is absent.
func corpusExprs() ([]corpusExpr, error) {
	if _, err := os.Stat(corpusDir); err != nil {
		return nil, nil
	}
	skip := corpusTemplates()
	var all []corpusExpr
	err := filepath.WalkDir(corpusDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".xml") || strings.HasSuffix(path, ".xml.example")) {
			return err
		}
		rel, _ := filepath.Rel(corpusDir, path)
		if skip[rel] {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		all = append(all, extractExprs(rel, string(b))...)
		return nil
	})
	return all, err
}

func loadCorpus(t *testing.T) []corpusExpr {
	t.Helper()
	all, err := corpusExprs()
	if err != nil {
		t.Fatal(err)
	}
	if all == nil {
		t.Skip("corpus not available")
	}
	return all
}

func TestCorpus(t *testing.T) {
	exprs := loadCorpus(t)
	if len(exprs) == 0 {
		t.Skip("no expressions in corpus")
	}
	byMsg := map[string][]string{}
	failed, viaNamedValues := 0, 0
	for _, e := range exprs {
		msg := e.err
		if msg == "" {
			n, err := parseAnySrc(e.src)
			if err == nil {
				checkSpans(t, e.src, n)
			} else {
				// Named values are substituted before parsing in the gateway.
				if sub := namedValue.ReplaceAllString(e.src, "nv_$1"); sub != e.src && parseOK(sub) {
					viaNamedValues++
					continue
				}
				se := err.(*Error)
				near := e.src[min(int(se.Pos), len(e.src)):]
				if len(near) > 40 {
					near = near[:40]
				}
				msg = se.Msg
				e.src = e.src + "\n        at " + near
			}
		}
		if msg != "" {
			failed++
			byMsg[msg] = append(byMsg[msg], e.file+":"+strconv.Itoa(e.line)+": "+shorten(e.src))
		}
	}
	msgs := slices.Sorted(maps.Keys(byMsg))
	for _, m := range msgs {
		t.Logf("%s (%d):", m, len(byMsg[m]))
		for _, s := range byMsg[m] {
			t.Logf("    %s", s)
		}
	}
	rate := float64(len(exprs)-failed) / float64(len(exprs)) * 100
	t.Logf("corpus: %d expressions, %d failed, %.2f%% parsed (%d only after substituting {{named values}})",
		len(exprs), failed, rate, viaNamedValues)
	if rate < 99 {
		t.Errorf("corpus parse rate %.2f%% < 99%%", rate)
	}
}

func shorten(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

func parseOK(src string) bool {
	_, err := parseAnySrc(src)
	return err == nil
}

func TestExtractExprs(t *testing.T) {
	t.Parallel()
	xml := `<policies>
  <set-header name="a"><value>@(context.Request.Headers.GetValueOrDefault("a", ")"))</value></set-header>
  <choose><when condition="@(x &lt; 3 &amp;&amp; s == &quot;}&quot;)" /></choose>
  <!-- <when condition="@(commented)" /> -->
  <set-body>` + "\u00a0" + `
@{ var s = $"{(a ? "}" : "{")}"; return s; }
  </set-body>
  <set-variable name="v" value="mail@(not-an-expression)" />
</policies>`
	var got []string
	for _, e := range extractExprs("f.xml", xml) {
		if e.err != "" {
			t.Errorf("line %d: %s", e.line, e.err)
		}
		got = append(got, e.src)
	}
	want := []string{
		`@(context.Request.Headers.GetValueOrDefault("a", ")"))`,
		`@(x < 3 && s == "}")`,
		`@{ var s = $"{(a ? "}" : "{")}"; return s; }`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("extract (-want +got):\n%s", diff)
	}
}
