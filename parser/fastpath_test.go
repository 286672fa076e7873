package parser

import (
	"bytes"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Parse takes two shortcuts: it skips the XML check where xmlClean vouches
// for it, and split reuses the lexer's expression scans. These tests hold
// the results equal to the ones without the shortcuts, on the golden
// inputs, the corpus and mutations of both.

// checkFastPath checks src and reports whether the XML check was skipped.
func checkFastPath(t *testing.T, src []byte) bool {
	t.Helper()
	d, errs := parse("in.xml", src, false)
	fast := renderResult(d, errs)
	slow := renderResult(parse("in.xml", src, true))
	if fast != slow {
		t.Fatalf("input %q:\nwithout the XML check:\n%s\nwith it:\n%s", src, fast, slow)
	}
	if d != nil {
		Walk(d.Root, func(e *Element) bool {
			for _, a := range e.Attrs {
				checkSplit(t, src, a.Value)
			}
			checkSplit(t, src, e.Text)
			return true
		})
	}
	src = bytes.TrimPrefix(src, bom)
	l := newLexer(&Document{Source: src, str: string(src)}, 0, len(src))
	l.top.el = &Element{Name: SnippetRoot}
	l.run(0)
	return len(l.errs) == 0 && l.xmlClean()
}

// checkSplit checks v's parts against a split that scans for itself.
func checkSplit(t *testing.T, src []byte, v *Value) {
	t.Helper()
	if v == nil {
		return
	}
	w := *v
	w.split(v.liquid, nil, -1)
	if !reflect.DeepEqual(v.Parts, w.Parts) {
		t.Fatalf("input %q: value %q: parts %+v, scanning %+v", src, v.Text, v.Parts, w.Parts)
	}
}

// fastPathInserts are mutations aimed at what the XML parser rejects and the
// lexer lets through.
var fastPathInserts = []string{
	"<", ">", "</a>", "<a>", "</>", "</ >", "&", "&#65;", "&#0;", "&#xD800;", "\x00", "\x01", "\xff", "\xed\xa0\x80",
	"\uFFFE", "\u00d7", "é", "]]>", "]]", "<![CDATA[x]]>", "<!-- c -->", "<?pi x?>", "@(1)", ":", "p:", "a:b:",
	` b=@(1)`, ` b= @(1) `, `@(1)`, `@{ return 1; }`, `@(")`, ` @(a) x`, "\u00a0",
	` xmlns:p="u"`, ` xmlns="x"`, ` p:a="1"`, ` :a="1"`, ` a:="1"`, ` a:b:c="1"`, "<p:x/>", "<x:/>", "<:x/>",
}

func mutate(r *rand.Rand, s string) string {
	k := r.Intn(len(s) + 1)
	switch r.Intn(3) {
	case 0:
		return s[:k] + s[min(len(s), k+1+r.Intn(3)):]
	case 1:
		// Just after a tag name, where attributes go.
		if j := strings.IndexAny(s[k:], " />"); j >= 0 {
			k += j
		}
	}
	return s[:k] + fastPathInserts[r.Intn(len(fastPathInserts))] + s[k:]
}

func TestFastPathSameResult(t *testing.T) {
	var inputs []string
	golden, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	for _, path := range golden {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		in, _, _ := strings.Cut(string(data), goldenSep)
		inputs = append(inputs, in)
	}
	if _, err := os.Stat(filepath.Join(corpusDir, "FILES.tsv")); err == nil {
		for _, cf := range loadCorpus(t) {
			data, err := os.ReadFile(filepath.Join(corpusDir, cf.path))
			if err != nil {
				t.Fatal(err)
			}
			inputs = append(inputs, string(data))
		}
	}
	for _, s := range benchDocs {
		inputs = append(inputs, s)
	}
	r := rand.New(rand.NewSource(1))
	mutations := 6
	if testing.Short() {
		mutations = 1
	}
	fast, total := 0, 0
	for _, in := range inputs {
		for k := 0; k <= mutations; k++ {
			src := in
			for j := 0; k > 0 && j <= r.Intn(3); j++ {
				src = mutate(r, src)
			}
			total++
			if checkFastPath(t, []byte(src)) {
				fast++
			}
		}
	}
	t.Logf("%d inputs, %d without the XML check", total, fast)
}

func FuzzFastPath(f *testing.F) {
	for _, s := range benchDocs {
		f.Add([]byte(s))
	}
	for _, s := range fastPathInserts {
		f.Add([]byte("<a b=\"1\">" + s + "</a>"))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		checkFastPath(t, src)
	})
}
