package namedvalues

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/policygate/policygate/parser"
)

func testStore(t *testing.T) *Store {
	t.Helper()
	s, errs := FromMap(map[string]string{
		"host":     "example.com",
		"Greeting": "hi",
		"self":     "{{host}}",
		"expr":     `@(context.Request.Url.Path)`,
		"a.b-c_d":  "X",
	}, WithEnv(nil))
	if len(errs) != 0 {
		t.Fatalf("FromMap: %v", errs)
	}
	if err := s.Set(NamedValue{Name: "pw", Value: "s3cret", Secret: true}); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestExpand(t *testing.T) {
	t.Parallel()
	s := testStore(t)
	type prob struct {
		Offset   int
		Code     string
		Severity parser.Severity
	}
	tests := []struct {
		name  string
		in    string
		opts  Options
		want  string
		probs []prob
	}{
		{name: "no refs", in: "plain text", want: "plain text"},
		{name: "empty", in: "", want: ""},
		{name: "whole", in: "{{host}}", want: "example.com"},
		{name: "embedded", in: "https://{{host}}/api", want: "https://example.com/api"},
		{name: "two", in: "{{host}}{{a.b-c_d}}", want: "example.comX"},
		{name: "in C# string", in: `@("{{host}}".Length)`, want: `@("example.com".Length)`},
		{name: "in statement block", in: `@{ return "{{host}}"; }`, want: `@{ return "example.com"; }`},
		{name: "value not re-expanded", in: "{{self}}", want: "{{host}}"},
		{name: "spaces not a reference", in: "{{ host }}", want: "{{ host }}"},
		{name: "leading space", in: "{{ host}}", want: "{{ host}}"},
		{name: "single braces", in: "{host}", want: "{host}"},
		{name: "triple braces", in: "{{{host}}}", want: "{example.com}"},
		{name: "quadruple braces", in: "{{{{host}}}}", want: "{{example.com}}"},
		{name: "unterminated", in: "{{host}", want: "{{host}"},
		{name: "empty name", in: "{{}}", want: "{{}}"},
		{name: "C# initializer", in: `@{ var d = new Dictionary<string,int>{{"a",1}}; }`, want: `@{ var d = new Dictionary<string,int>{{"a",1}}; }`},
		{name: "indexer not a name", in: `{{context.Request.MatchedParameters["e"]}}`, want: `{{context.Request.MatchedParameters["e"]}}`},
		{name: "pipe not a name", in: "{{queue|topic}}", want: "{{queue|topic}}"},
		{name: "expression value", in: "{{expr}}", want: "@(context.Request.Url.Path)"},
		{name: "secret substituted", in: "k={{pw}}", want: "k=s3cret"},
		{
			name: "case mismatch warns", in: "{{HOST}}", want: "example.com",
			probs: []prob{{0, CodeNameCase, parser.SeverityWarning}},
		},
		{
			name: "unknown lenient", in: "x {{nope}} y", want: "x {{nope}} y",
			probs: []prob{{2, parser.CodeUnknownNamed, parser.SeverityWarning}},
		},
		{
			name: "unknown strict", in: "x {{nope}} {{host}} {{nope2}}", opts: Options{Strict: true},
			want:  "x {{nope}} example.com {{nope2}}",
			probs: []prob{{2, parser.CodeUnknownNamed, parser.SeverityError}, {20, parser.CodeUnknownNamed, parser.SeverityError}},
		},
		{
			name: "liquid leaves unknown alone", in: "<a>{{body.firstName}}</a>{{host}}", opts: Options{Strict: true, Liquid: true},
			want: "<a>{{body.firstName}}</a>example.com",
		},
		{name: "liquid with spaces", in: "{{ body.x }}", opts: Options{Liquid: true}, want: "{{ body.x }}"},
		{name: "multibyte around", in: "é{{host}}ü", want: "éexample.comü"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, probs := Expand(tt.in, s.Lookup, tt.opts)
			if got.Text != tt.want {
				t.Errorf("Text = %q, want %q", got.Text, tt.want)
			}
			var gotProbs []prob
			for _, p := range probs {
				gotProbs = append(gotProbs, prob{p.Offset, p.Code, p.Severity})
			}
			if diff := cmp.Diff(tt.probs, gotProbs); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			checkMap(t, tt.in, got)
		})
	}
}

// checkMap asserts the mapping invariants: one entry per byte plus the
// end, non-decreasing, within the original, and bytes copied from the
// original map to themselves.
func checkMap(t *testing.T, in string, e Expansion) {
	t.Helper()
	if len(e.Map) != len(e.Text)+1 {
		t.Fatalf("len(Map) = %d, want len(Text)+1 = %d", len(e.Map), len(e.Text)+1)
	}
	if e.Map[len(e.Text)] != len(in) {
		t.Errorf("Map[end] = %d, want %d", e.Map[len(e.Text)], len(in))
	}
	for i, o := range e.Map {
		if o < 0 || o > len(in) {
			t.Fatalf("Map[%d] = %d out of range", i, o)
		}
		if i > 0 && o < e.Map[i-1] {
			t.Fatalf("Map not monotonic at %d: %d < %d", i, o, e.Map[i-1])
		}
	}
}

func TestExpandMapping(t *testing.T) {
	t.Parallel()
	s := testStore(t)
	in := `ab{{host}}cd{{a.b-c_d}}`
	got, probs := Expand(in, s.Lookup, Options{Strict: true})
	if len(probs) != 0 {
		t.Fatalf("problems: %v", probs)
	}
	want := []int{0, 1}
	for range len("example.com") {
		want = append(want, 2) // offset of the first "{{"
	}
	want = append(want, 10, 11) // "cd"
	want = append(want, 12)     // "X" → second "{{"
	want = append(want, len(in))
	if diff := cmp.Diff(want, got.Map); diff != "" {
		t.Errorf("Map (-want +got):\n%s", diff)
	}
	// an error at "example" inside the substituted text points at "{{"
	if o := got.Orig(strings.Index(got.Text, "ample")); o != 2 {
		t.Errorf("Orig(inside value) = %d, want 2", o)
	}
	if o := got.Orig(strings.Index(got.Text, "cd")); in[o:o+2] != "cd" {
		t.Errorf("Orig(cd) = %d, points at %q", o, in[o:])
	}
	if got.Orig(-5) != 0 || got.Orig(1000) != len(in) {
		t.Errorf("Orig does not clamp: %d %d", got.Orig(-5), got.Orig(1000))
	}
	wantRefs := []Ref{
		{Name: "host", Resolved: "host", Offset: 2, Found: true},
		{Name: "a.b-c_d", Resolved: "a.b-c_d", Offset: 12, Found: true},
	}
	if diff := cmp.Diff(wantRefs, got.Refs); diff != "" {
		t.Errorf("Refs (-want +got):\n%s", diff)
	}
	if got.Secret() {
		t.Error("Secret() = true without secret references")
	}
	sec, _ := Expand("{{pw}}", s.Lookup, Options{})
	if !sec.Secret() {
		t.Error("Secret() = false with a secret reference")
	}
}

func TestExpandNilLookup(t *testing.T) {
	t.Parallel()
	got, probs := Expand("{{a}}", nil, Options{Strict: true})
	if got.Text != "{{a}}" || len(probs) != 1 || probs[0].Code != parser.CodeUnknownNamed {
		t.Fatalf("got %q %v", got.Text, probs)
	}
}

func TestExpandUnresolvedKeyVault(t *testing.T) {
	t.Parallel()
	s := NewStore(WithEnv(nil))
	if err := s.Set(NamedValue{Name: "kv", KeyVault: &KeyVaultRef{SecretIdentifier: "https://v.vault.azure.net/secrets/kv"}}); err != nil {
		t.Fatal(err)
	}
	got, probs := Expand("a{{kv}}b", s.Lookup, Options{Strict: true})
	if got.Text != "ab" {
		t.Errorf("Text = %q, want %q", got.Text, "ab")
	}
	if len(probs) != 1 || probs[0].Code != CodeUnresolved || probs[0].Severity != parser.SeverityWarning {
		t.Errorf("problems = %v, want one %s warning", probs, CodeUnresolved)
	}
	checkMap(t, "a{{kv}}b", got)
}

func TestExpandValue(t *testing.T) {
	t.Parallel()
	s := testStore(t)
	v := &parser.Value{
		Text: "line one\n  {{HOST}} é{{missing}}",
		Pos:  parser.Pos{File: "policy.xml", Line: 3, Col: 20, Offset: 100},
	}
	t.Run("approximate positions", func(t *testing.T) {
		t.Parallel()
		exp, errs := ExpandValue(v, s.Lookup, Options{Strict: true}, nil)
		if exp.Text != "line one\n  example.com é{{missing}}" {
			t.Errorf("Text = %q", exp.Text)
		}
		var got []string
		for _, e := range errs {
			got = append(got, e.Error()+" "+e.Severity.String())
		}
		want := []string{
			`policy.xml:4:3: named_value_case: named value "HOST" matched "host" ignoring case warning`,
			`policy.xml:4:13: unknown_named_value: unknown named value "missing" error`,
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("errors (-want +got):\n%s", diff)
		}
		if !errs.HasErrors() {
			t.Error("HasErrors() = false")
		}
		if errs[1].Pos.Offset != 100+strings.Index(v.Text, "{{missing") {
			t.Errorf("Offset = %d", errs[1].Pos.Offset)
		}
	})
	t.Run("caller positions", func(t *testing.T) {
		t.Parallel()
		_, errs := ExpandValue(v, s.Lookup, Options{Strict: true}, func(off int) parser.Pos {
			return parser.Pos{File: "f", Line: 1, Col: off}
		})
		if len(errs) != 2 || errs[1].Pos.Col != strings.Index(v.Text, "{{missing") {
			t.Errorf("errors = %v", errs)
		}
	})
	t.Run("nil value", func(t *testing.T) {
		t.Parallel()
		exp, errs := ExpandValue(nil, s.Lookup, Options{}, nil)
		if exp.Text != "" || len(exp.Map) != 1 || errs != nil {
			t.Errorf("got %+v %v", exp, errs)
		}
	})
}

func TestReferences(t *testing.T) {
	t.Parallel()
	got := References(`{{a}} {{ b }} {{c}}{{a}} @("{{d.e}}") {{{f}}}`)
	want := []string{"a", "c", "d.e", "f"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("References (-want +got):\n%s", diff)
	}
}

func TestIsExpression(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"@(DateTime.Now.ToString())", true},
		{"  @{ return 1; }\n", true},
		{`@(")")`, true},
		{`@("a" + '}')`, true},
		{`@{ var s = @"x""}"; return s; }`, true},
		{"@( /* ) */ 1)", true},
		{"@{ // }\n return 1; }", true},
		{"@(a) + @(b)", false},
		{"@(a", false},
		{"@(a]", false},
		{"x@(a)", false},
		{"@a", false},
		{"", false},
		{"plain", false},
		{"@(a))", false},
	}
	for _, tt := range tests {
		if got := IsExpression(tt.in); got != tt.want {
			t.Errorf("IsExpression(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
