package parser

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// lcOf renders a position as line:col for compact comparisons.
func lcOf(p Pos) string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

func mustParse(t *testing.T, src string) *Document {
	t.Helper()
	d, errs := Parse("t.xml", []byte(src))
	if errs.HasErrors() {
		t.Fatalf("unexpected errors:\n%v", errs)
	}
	if d == nil {
		t.Fatal("nil document")
	}
	return d
}

// find returns the first element named name.
func find(d *Document, name string) *Element {
	var found *Element
	Walk(d.Root, func(e *Element) bool {
		if found == nil && e.Name == name {
			found = e
		}
		return found == nil
	})
	return found
}

func TestPosAt(t *testing.T) {
	t.Parallel()
	d := &Document{File: "f", Source: []byte("ab\r\nçé€x\n\nz")}
	tests := []struct {
		offset int
		want   string
	}{
		{0, "1:1"},
		{2, "1:3"},  // the '\r' ends line 1
		{4, "2:1"},  // after CRLF
		{6, "2:2"},  // é after the 2-byte ç
		{8, "2:3"},  // € after é
		{11, "2:4"}, // x after the 3-byte €
		{13, "3:1"}, // the empty line
		{14, "4:1"},
		{15, "4:2"}, // the end of the source
		{99, "4:2"}, // clamped
	}
	for _, tt := range tests {
		p := d.PosAt(tt.offset)
		if got := lcOf(p); got != tt.want {
			t.Errorf("PosAt(%d) = %s, want %s", tt.offset, got, tt.want)
		}
		if p.File != "f" {
			t.Errorf("PosAt(%d).File = %q", tt.offset, p.File)
		}
	}
}

func TestPosAtLongLines(t *testing.T) {
	t.Parallel()
	for _, n := range []int{runeBlock/2 - 1, runeBlock / 2, runeBlock, 5*runeBlock + 1} {
		src := []byte(strings.Repeat("é", n) + "\n" + strings.Repeat("€x", n))
		d, _ := Parse("l", src)
		if d != nil {
			t.Fatalf("text without elements gave a document")
		}
		d = &Document{Source: src}
		d.indexLines()
		for off := 0; off <= len(src); off++ {
			line, start := 1, 0
			if nl := strings.IndexByte(string(src), '\n'); off > nl {
				line, start = 2, nl+1
			}
			want := fmt.Sprintf("%d:%d", line, utf8.RuneCount(src[start:off])+1)
			if !utf8.RuneStart(src[min(off, len(src)-1)]) && off < len(src) {
				continue // inside a character
			}
			if got := lcOf(d.PosAt(off)); got != want {
				t.Fatalf("n=%d: PosAt(%d) = %s, want %s", n, off, got, want)
			}
		}
	}
}

func TestPosAtBlockEnd(t *testing.T) {
	t.Parallel()
	d := &Document{Source: []byte(strings.Repeat("é", runeBlock/2))} // exactly one block
	if got := lcOf(d.PosAt(len(d.Source))); got != fmt.Sprintf("1:%d", runeBlock/2+1) {
		t.Errorf("PosAt(end) = %s", got)
	}
}

func TestPosOf(t *testing.T) {
	t.Parallel()
	src := "\ufeff<policies>\r\n  <inbound>\r\n" +
		"    <set-header name=\"é&amp;x\" exists-action=\"override\">\r\n" +
		"      <value>€<![CDATA[<c>]]>&#x41;\r\n  {{nv}}</value>\r\n" +
		"    </set-header>\r\n  </inbound>\r\n</policies>\r\n"
	d := mustParse(t, src)
	sh := find(d, "set-header")
	name := sh.Attr("name").Value
	if name.Text != "é&x" || name.Raw != "é&amp;x" {
		t.Fatalf("name = %q raw %q", name.Text, name.Raw)
	}
	val := find(d, "value").Text
	if want := "€<c>A\n  {{nv}}"; val.Text != want { // CRLF reads as LF
		t.Fatalf("value = %q, want %q", val.Text, want)
	}
	tests := []struct {
		v    *Value
		i    int
		want string
	}{
		{name, 0, "3:23"}, // é
		{name, 2, "3:24"}, // & from &amp;, after the 2-byte é
		{name, 3, "3:29"}, // x after &amp;
		{name, 4, "3:30"}, // the end: the closing quote
		{val, 0, "4:14"},  // €
		{val, 3, "4:24"},  // '<' inside CDATA, after "€<![CDATA["
		{val, 5, "4:26"},  // 'c>' ... '>'
		{val, 6, "4:30"},  // 'A' from &#x41;
		{val, 7, "4:37"},  // the '\n' of CRLF
		{val, 8, "5:1"},   // after CRLF
		{val, 10, "5:3"},  // {{nv}}
		{val, len(val.Text), "5:9"},
	}
	for _, tt := range tests {
		if got := lcOf(tt.v.PosOf(tt.i)); got != tt.want {
			t.Errorf("PosOf(%d) of %q = %s, want %s", tt.i, tt.v.Text, got, tt.want)
		}
	}
	refs := val.NamedRefs()
	if len(refs) != 1 || refs[0].Name != "nv" || lcOf(refs[0].Pos) != "5:3" || refs[0].Offset != 10 {
		t.Errorf("NamedRefs = %+v", refs)
	}
	// Offsets count from the byte after the BOM.
	if got := sh.Pos.Offset; got != strings.Index(src, "<set-header")-3 {
		t.Errorf("set-header offset %d", got)
	}
}

func TestNewValue(t *testing.T) {
	t.Parallel()
	p := Pos{File: "nv", Line: 3, Col: 5, Offset: 40}
	v := NewValue("ü {{a}} @(x)", p)
	if got := lcOf(v.PosOf(3)); got != "3:7" {
		t.Errorf("PosOf(3) = %s, want 3:7", got)
	}
	if got := v.PosOf(3).Offset; got != 43 {
		t.Errorf("PosOf(3).Offset = %d, want 43", got)
	}
	want := []Part{
		{Kind: PartLiteral, Text: "ü ", Pos: p, Offset: 0},
		{Kind: PartNamedValue, Text: "a", Pos: Pos{File: "nv", Line: 3, Col: 7, Offset: 43}, Offset: 3},
		{Kind: PartLiteral, Text: " @(x)", Pos: Pos{File: "nv", Line: 3, Col: 12, Offset: 48}, Offset: 8},
	}
	if diff := cmp.Diff(want, v.Parts); diff != "" {
		t.Errorf("parts (-want +got):\n%s", diff)
	}
	e := NewValue(" @{ return \"{{k}}\"; } ", p)
	x, ok := e.Expression()
	if !ok || x.Text != `@{ return "{{k}}"; }` || x.Offset != 1 || lcOf(x.Pos) != "3:6" {
		t.Errorf("Expression() = %+v, %v", x, ok)
	}
	if refs := e.NamedRefs(); len(refs) != 1 || refs[0].Name != "k" || lcOf(refs[0].Pos) != "3:17" {
		t.Errorf("NamedRefs() = %+v", refs)
	}
}

func TestParts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want string // kinds and texts of the parts
	}{
		{"", ""},
		{"plain", "lit(plain)"},
		{"@(a)", "expr(@(a))"},
		{" \t\n@{ return 1; }\r\n", "expr(@{ return 1; })"},
		{"@(a) b", "lit(@(a) b)"},
		{"@(a)@(b)", "lit(@(a)@(b))"},
		{"x @(a)", "lit(x @(a))"},
		{"@(a", "lit(@(a)"},
		{"\u00a0@(a)", "lit(\u00a0@(a))"},
		{"{{a}}", "named(a)"},
		{"x{{a.b_c-1}}y{{b}}", "lit(x) named(a.b_c-1) lit(y) named(b)"},
		{"{{ a }}{{}}{{a b}}", "lit({{ a }}{{}}{{a b}})"},
		{"{{{a}}}", "lit({) named(a) lit(})"},
		{"@(\"{{a}}\")", "expr(@(\"{{a}}\"))"},
	}
	for _, tt := range tests {
		v := NewValue(tt.text, Pos{Line: 1, Col: 1})
		var got []string
		for _, p := range v.Parts {
			kind := map[PartKind]string{PartLiteral: "lit", PartExpression: "expr", PartNamedValue: "named"}[p.Kind]
			got = append(got, kind+"("+p.Text+")")
		}
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("parts of %q = %s, want %s", tt.text, g, tt.want)
		}
	}
}

func TestLiquidHasNoNamedRefs(t *testing.T) {
	t.Parallel()
	d := mustParse(t, `<set-body template="liquid">{"a":"{{body.a}}"}</set-body>`)
	v := d.Root.Children[0].Text
	if !v.IsLiquid() || v.NamedRefs() != nil || len(v.Parts) != 1 || v.Parts[0].Kind != PartLiteral {
		t.Errorf("liquid value: liquid=%v refs=%v parts=%+v", v.IsLiquid(), v.NamedRefs(), v.Parts)
	}
}

func TestScanner(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src string
		raw bool
		end int    // expected end offset, or -1 for an error
		err string // expected error message
	}{
		{`@(a)`, false, 4, ""},
		{`@(f("x)", ')'))rest`, false, 15, ""},
		{`@{ return "}"; }x`, false, 16, ""},
		{`@(@"a\" + ""b"" )")`, false, 17, ""},
		{`@($"{a}{{x}}{(b ? "}" : "{")}}")`, false, 32, ""},
		{`@($"{d:yyyy}")`, false, 14, ""},
		{`@($@"{a}""")`, false, 12, ""},
		{`@(@$"{"a"}")`, false, 12, ""},
		{"@(a // )\n)", false, 10, ""},
		{`@(a /* ) */ )`, false, 13, ""},
		{`@('\'' + ')')`, false, 13, ""},
		{`@(&quot;)&quot;)`, true, 16, ""},
		{`@(a &lt; b &amp;&amp; &apos;)&apos; == c)`, true, 41, ""},
		{`@(&quot;)&quot;)`, false, 9, ""}, // decoded text: no entities
		{`@(a`, false, -1, `missing ')'`},
		{`@(a]`, false, -1, `unexpected ']', expected ')'`},
		{`@("abc)`, false, -1, "unterminated string literal"},
		{`@(/* a)`, false, -1, "unterminated comment"},
		{`@($"{a")`, false, -1, "unterminated string literal"},
		{"@('a\n')", false, -1, "unterminated character literal"},
		{"@(" + strings.Repeat("(", maxNesting+1), false, -1, "expression nested too deeply"},
	}
	for _, tt := range tests {
		sc := exprScanner{s: []byte(tt.src), raw: tt.raw}
		end, err := sc.scan(0)
		switch {
		case tt.end < 0 && err == nil:
			t.Errorf("scan(%q) = %d, want error %q", tt.src, end, tt.err)
		case tt.end < 0 && err.msg != tt.err:
			t.Errorf("scan(%q) error %q, want %q", tt.src, err.msg, tt.err)
		case tt.end >= 0 && err != nil:
			t.Errorf("scan(%q) error %q, want end %d", tt.src, err.msg, tt.end)
		case tt.end >= 0 && end != tt.end:
			t.Errorf("scan(%q) = %d, want %d", tt.src, end, tt.end)
		}
	}
}

func TestKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		kind Kind
		root string
	}{
		{"<policies/>", KindDocument, "policies"},
		{"<?xml version=\"1.0\"?>\n<!-- c --><fragment><base/></fragment>", KindFragment, "fragment"},
		{"<!-- c -->\n<base/>", KindSnippet, SnippetRoot},
		{"<inbound><base/></inbound>", KindSnippet, SnippetRoot},
	}
	for _, tt := range tests {
		d := mustParse(t, tt.src)
		if d.Kind != tt.kind || d.Root.Name != tt.root {
			t.Errorf("%q: kind %v root %s, want %v %s", tt.src, d.Kind, d.Root.Name, tt.kind, tt.root)
		}
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src     string
		want    []string // line:col code of each error
		wantDoc bool
	}{
		{"", []string{"1:1 parse_error"}, false},
		{"  \n ", []string{"1:1 parse_error"}, false},
		{"<!-- only a comment -->", []string{"1:1 parse_error"}, false},
		{"<policies>\n  <inbound>\n</policies>", []string{"3:1 parse_error"}, true},
		{"<policies>\n  <inbound>", []string{"1:1 parse_error", "2:3 parse_error"}, true},
		{"<a>\n <b c=\"@(x(\" />\n</a>", []string{"2:8 parse_error"}, true},
		{"<a>\n <b c />\n</a>", []string{"2:5 parse_error"}, true},
		{"<a>\n <b c=d />\n</a>", []string{"2:7 parse_error"}, true},
		{"<a>\n <b c=\"1\"d=\"2\" />\n</a>", []string{"2:10 parse_error"}, true},
		{"<a>x &bogus; y</a>", []string{"1:6 parse_error"}, true},
		{"</a>", []string{"1:1 parse_error"}, false},
		{"<a></b>", []string{"1:4 parse_error"}, true},
		{"<a><!-- x", []string{"1:1 parse_error", "1:4 parse_error"}, true},
		{"<a><![CDATA[x", []string{"1:1 parse_error", "1:4 parse_error"}, true},
		{"<a b=\"x", []string{"1:1 parse_error", "1:6 parse_error"}, true},
		{"<a><b", []string{"1:1 parse_error", "1:4 parse_error"}, true},
	}
	for _, tt := range tests {
		d, errs := Parse("e.xml", []byte(tt.src))
		var got []string
		for _, e := range errs {
			got = append(got, lcOf(e.Pos)+" "+e.Code)
			if e.Pos.File != "e.xml" || e.Msg == "" || e.Msg != strings.TrimSuffix(e.Msg, ".") {
				t.Errorf("%q: bad diagnostic %v", tt.src, e)
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%q: errors (-want +got):\n%s\n%v", tt.src, diff, errs)
		}
		if (d != nil) != tt.wantDoc {
			t.Errorf("%q: document %v, want one: %v", tt.src, d != nil, tt.wantDoc)
		}
	}
}

func TestMaxErrors(t *testing.T) {
	t.Parallel()
	src := "<a>" + strings.Repeat("<b c />", 2*MaxErrors) + "</a>"
	_, errs := Parse("m.xml", []byte(src))
	if len(errs) != MaxErrors {
		t.Errorf("%d errors, want the cap %d", len(errs), MaxErrors)
	}
}

func TestWalk(t *testing.T) {
	t.Parallel()
	d := mustParse(t, "<policies><inbound><choose><when condition=\"@(true)\"><set-body>"+
		"<x><y/></x></set-body></when></choose><base/></inbound></policies>")
	var names []string
	Walk(d.Root, func(e *Element) bool {
		names = append(names, e.Name)
		return e.Name != "choose"
	})
	want := []string{"policies", "inbound", "choose", "base"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("walk order (-want +got):\n%s", diff)
	}
	names = nil
	Walk(d.Root, func(e *Element) bool { names = append(names, e.Name); return true })
	want = []string{"policies", "inbound", "choose", "when", "set-body", "base"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("full walk, opaque content skipped (-want +got):\n%s", diff)
	}
	Walk(nil, func(*Element) bool { t.Error("called on nil"); return true })
}

func TestContent(t *testing.T) {
	t.Parallel()
	d := mustParse(t, "<policies><outbound>\n  <xsl-transform>\n"+
		"    <parameter parameter-name=\"p\">@(context.Variables[\"v\"])</parameter>\n"+
		"    <xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\">"+
		"<xsl:template match=\"/\"><set-body>x<y/></set-body></xsl:template></xsl:stylesheet>\n"+
		"  </xsl-transform>\n  <set-body/>\n</outbound></policies>")
	xt := find(d, "xsl-transform")
	if !xt.Opaque || len(xt.Children) != 0 {
		t.Fatalf("xsl-transform: opaque %v, %d children", xt.Opaque, len(xt.Children))
	}
	els, errs := xt.Content()
	if errs != nil || len(els) != 2 {
		t.Fatalf("Content() = %d elements, %v", len(els), errs)
	}
	p := els[0]
	if p.Name != "parameter" || lcOf(p.Pos) != "3:5" || lcOf(p.Attr("parameter-name").Value.Pos) != "3:32" {
		t.Errorf("parameter %s at %s", p.Name, lcOf(p.Pos))
	}
	if x, ok := p.Text.Expression(); !ok || x.Text != `@(context.Variables["v"])` || lcOf(x.Pos) != "3:35" {
		t.Errorf("parameter expression %+v %v", x, ok)
	}
	if sb := els[1].Children[0].Children[0]; sb.Name != "set-body" || !sb.Opaque || sb.Text.Text != "x<y/>" {
		t.Errorf("nested set-body: %s opaque %v", sb.Name, sb.Opaque)
	}
	if els, errs := find(d, "set-body").Content(); els != nil || errs != nil {
		t.Errorf("empty set-body Content() = %v, %v", els, errs)
	}
	if els, errs := (&Element{Name: "x"}).Content(); els != nil || errs != nil {
		t.Errorf("zero element Content() = %v, %v", els, errs)
	}
}

func TestDeclarations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want string // line:col of the error, or "" for none
	}{
		{"  <?xml version=\"1.0\"?><policies/>", ""},
		{"<?xml version=\"1.0\"?><!DOCTYPE policies><policies><?pi x?></policies>", ""},
		{"<policies/>\n<?xml version=\"1.0\"?>", "2:1"},
		{"<policies><!DOCTYPE x></policies>", "1:11"},
		{"<policies><!ELEMENT x></policies>", "1:11"},
	}
	for _, tt := range tests {
		_, errs := Parse("d.xml", []byte(tt.src))
		got := ""
		if len(errs) > 0 {
			got = lcOf(errs[0].Pos)
		}
		if got != tt.want || len(errs) > 1 {
			t.Errorf("%q: errors %v, want one at %q", tt.src, errs, tt.want)
		}
	}
}
