package parser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics and that what it returns is
// consistent: positions inside the source, value offsets that map back,
// sorted and capped diagnostics.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"",
		"<policies><inbound><base /></inbound></policies>",
		`<set-variable name="a" value="@(context.Request.Headers.GetValueOrDefault("x",""))" />`,
		"<set-body>@{ var j = context.Request.Body.As<JObject>(); return j[\"a\"] != null && true; }</set-body>",
		`<a b="@($@"{x}""{{y}}"" {{z}}")">@(&quot;&lt;&quot;)</a>`,
		"\ufeff<?xml version=\"1.0\"?>\r\n<fragment><!-- c --><value><![CDATA[@(1)]]>&#x41;</value></fragment>",
		`<set-body template="liquid">{{body.x}}</set-body><x y=z w/>`,
		"<a>@{ /* ) */ return \"}\"; // }\n }</a></b>",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	// A handful of real files, when the corpus is around.
	if files, err := filepath.Glob(filepath.Join(corpusDir, "Azure__api-management-policy-snippets", "examples", "*.xml")); err == nil {
		for i, path := range files {
			if i >= 12 {
				break
			}
			if data, err := os.ReadFile(path); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		d, errs := Parse("fuzz.xml", src)
		if len(errs) > MaxErrors {
			t.Fatalf("%d diagnostics, more than MaxErrors", len(errs))
		}
		for i := 1; i < len(errs); i++ {
			a, b := errs[i-1].Pos, errs[i].Pos
			if a.Line > b.Line || a.Line == b.Line && a.Col > b.Col {
				t.Fatalf("diagnostics not sorted: %v before %v", a, b)
			}
		}
		if d == nil {
			return
		}
		_ = Dump(d)
		n := len(d.Source)
		check := func(v *Value) {
			if v == nil {
				return
			}
			if len(v.offsets) != len(v.Text)+1 && (v.offsets != nil || v.span[1]-v.span[0] != len(v.Text)) {
				t.Fatalf("value %q has %d offsets, span %v", v.Text, len(v.offsets), v.span)
			}
			for i := 0; i <= len(v.Text); i++ {
				p := v.PosOf(i)
				if p.Offset < 0 || p.Offset > n || p.Line < 1 || p.Col < 1 {
					t.Fatalf("PosOf(%d) of %q = %+v out of range", i, v.Text, p)
				}
			}
			for _, p := range v.Parts {
				if !strings.HasPrefix(v.Text[p.Offset:], map[PartKind]string{PartLiteral: p.Text, PartExpression: p.Text, PartNamedValue: "{{" + p.Text + "}}"}[p.Kind]) {
					t.Fatalf("part %+v does not match text %q", p, v.Text)
				}
			}
			for _, r := range v.NamedRefs() {
				if !strings.HasPrefix(v.Text[r.Offset:], "{{"+r.Name+"}}") {
					t.Fatalf("ref %+v does not match text %q", r, v.Text)
				}
			}
			if utf8.ValidString(v.Raw) && v.Raw == "" && v.Text != "" {
				t.Fatalf("empty raw for text %q", v.Text)
			}
		}
		Walk(d.Root, func(e *Element) bool {
			if e.Pos.Offset < 0 || e.Pos.Offset > n {
				t.Fatalf("element %s at %+v out of range", e.Name, e.Pos)
			}
			for _, a := range e.Attrs {
				check(a.Value)
			}
			check(e.Text)
			return true
		})
	})
}

// BenchmarkParseCorpus parses every corpus file; ns/op and allocs/op are per
// file (the loop body parses one file, cycling through the corpus).
func BenchmarkParseCorpus(b *testing.B) {
	files := loadCorpus(b)
	var srcs [][]byte
	var total int
	for _, cf := range files {
		data, err := os.ReadFile(filepath.Join(corpusDir, cf.path))
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, data)
		total += len(data)
	}
	b.SetBytes(int64(total / len(srcs)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Parse("bench.xml", srcs[i%len(srcs)])
		i++
	}
}
