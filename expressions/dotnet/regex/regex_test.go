package regex

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/expressions/dotnet/dotnettest"
)

// rxFunc is a test lambda.
type rxFunc func(args ...any) (any, error)

func (f rxFunc) Call(args ...any) (any, error) { return f(args...) }
func (f rxFunc) Arity() int                    { return 1 }

func rxStaticCall(t *testing.T, name string, args ...any) any {
	t.Helper()
	v, err := rxTryStatic(t, name, args...)
	if err != nil {
		t.Fatalf("Regex.%s: %v", name, err)
	}
	return v
}

func rxTryStatic(t *testing.T, name string, args ...any) (any, error) {
	t.Helper()
	for _, m := range RegexT.Static[name] {
		if len(m.Params) != len(args) {
			continue
		}
		if _, isFn := args[len(args)-1].(dotnet.Func); len(args) >= 3 && (m.Params[2].Type == MatchEvaluatorT) != isFn && m.Params[2].Name != "options" {
			continue
		}
		return m.Fn(nil, args)
	}
	t.Fatalf("no Regex.%s overload with %d parameters", name, len(args))
	return nil, nil
}

func rxGroupIdx(t *testing.T, m *Match, key any) *Group {
	t.Helper()
	gc, _ := MatchT.FindProp("Groups").Get(m)
	for _, ix := range GroupCollectionT.Indexers {
		_, wantStr := key.(string)
		if (ix.Params[0].Type == dotnet.String) == wantStr {
			g, err := ix.Fn(gc, []any{key})
			if err != nil {
				t.Fatal(err)
			}
			return g.(*Group)
		}
	}
	t.Fatal("no indexer")
	return nil
}

func TestRegexMatchGroups(t *testing.T) {
	m := rxStaticCall(t, "Match", "max-age=60", `max-age=(?<maxAge>\d+)`).(*Match)
	if g := rxGroupIdx(t, m, "maxAge"); g.Value != "60" || !g.Success || g.Index != 8 || g.Length != 2 || g.Name != "maxAge" {
		t.Errorf("Groups[maxAge] = %+v", g)
	}
	if g := rxGroupIdx(t, m, "missing"); g.Success || g.Value != "" {
		t.Errorf("Groups[missing] = %+v", g)
	}
	if g := rxGroupIdx(t, m, int32(1)); g.Value != "60" {
		t.Errorf("Groups[1] = %+v", g)
	}
	if g := rxGroupIdx(t, m, int32(7)); g.Success {
		t.Errorf("Groups[7] = %+v", g)
	}
	if v, _ := MatchT.FindProp("Value").Get(m); v != "max-age=60" {
		t.Errorf("Value = %v", v)
	}
	if v, _ := MatchT.FindProp("Success").Get(m); v != true {
		t.Errorf("Success = %v", v)
	}
	gc, _ := MatchT.FindProp("Groups").Get(m)
	if n, _ := GroupCollectionT.Props["Count"].Get(gc); n != int32(2) {
		t.Errorf("Groups.Count = %v", n)
	}
	var names []string
	seq, ok := dotnet.Iterate(gc)
	if !ok {
		t.Fatal("GroupCollection not iterable")
	}
	for g := range seq {
		names = append(names, g.(*Group).Name)
	}
	if diff := cmp.Diff([]string{"0", "maxAge"}, names); diff != "" {
		t.Errorf("group names (-want +got):\n%s", diff)
	}

	// .NET numbers unnamed groups before named ones.
	m = rxStaticCall(t, "Match", "ab", `(?<x>a)(b)`).(*Match)
	if g := rxGroupIdx(t, m, int32(1)); g.Value != "b" {
		t.Errorf("Groups[1] = %q, want b", g.Value)
	}
	if g := rxGroupIdx(t, m, int32(2)); g.Value != "a" || g.Name != "x" {
		t.Errorf("Groups[2] = %+v", g)
	}

	// A failed match: empty, and its groups exist but are unmatched.
	m = rxStaticCall(t, "Match", "xyz", `(\d)+`).(*Match)
	if m.Success || m.Value != "" || m.Index != 0 {
		t.Errorf("failed match = %+v", m.Group)
	}
	gc, _ = MatchT.FindProp("Groups").Get(m)
	if n, _ := GroupCollectionT.Props["Count"].Get(gc); n != int32(2) {
		t.Errorf("failed Groups.Count = %v", n)
	}

	// Captures of a repeated group.
	m = rxStaticCall(t, "Match", "a1b2c3", `(?:([a-z])\d)+`).(*Match)
	g := rxGroupIdx(t, m, int32(1))
	if g.Value != "c" || len(g.Captures) != 3 || g.Captures[1].Value != "b" || g.Captures[1].Index != 2 {
		t.Errorf("captures = %+v", g)
	}
}

func TestRegexOptionsAndMembers(t *testing.T) {
	tests := []struct {
		input, pattern string
		opts           RegexOptions
		want           bool
	}{
		{"HELLO", "hello", RegexIgnoreCase, true},
		{"HELLO", "hello", RegexNone, false},
		{"a\nb", "^b$", RegexMultiline, true},
		{"a\nb", "^b$", RegexNone, false},
		{"a\nb", "a.b", RegexSingleline, true},
		{"a\nb", "a.b", RegexNone, false},
		{"ab", "a b # comment", RegexIgnorePatternWhitespace, true},
		{"foobar", `foo(?=bar)`, RegexNone, true},
		{"foobaz", `foo(?!baz)`, RegexNone, false},
		{"price: 42", `(?<=: )\d+`, RegexNone, true},
		{"%2F", `%[0-9A-Fa-f]{2}`, RegexNone, true},
		{"abc", "c", RegexRightToLeft, true},
		{"2024-01-02", `^\d{4}-\d{2}-\d{2}$`, RegexECMAScript, true},
	}
	for _, tc := range tests {
		got := rxStaticCall(t, "IsMatch", tc.input, tc.pattern, tc.opts)
		if got != tc.want {
			t.Errorf("IsMatch(%q, %q, %v) = %v, want %v", tc.input, tc.pattern, tc.opts, got, tc.want)
		}
	}
	if s := (RegexIgnoreCase | RegexMultiline).String(); s != "IgnoreCase, Multiline" {
		t.Errorf("options string = %q", s)
	}

	r, err := dotnettest.Call(t, RegexT.Ctors, nil, `(?<k>\w+)=(?<v>\w+)`)
	if err != nil {
		t.Fatal(err)
	}
	mc, err := dotnettest.Call(t, RegexT.Methods["Matches"], r, "a=1; b=2;c=3")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for m := range mc.(*MatchCollection).Iter() {
		mm := m.(*Match)
		s, _ := mm.Result("${v}:$1:$k:$$:$&")
		got = append(got, s)
	}
	if diff := cmp.Diff([]string{"1:a:$k:$:a=1", "2:b:$k:$:b=2", "3:c:$k:$:c=3"}, got); diff != "" {
		t.Errorf("Result (-want +got):\n%s", diff)
	}
	if n, _ := MatchCollectionT.Props["Count"].Get(mc); n != int32(3) {
		t.Errorf("Count = %v", n)
	}
	third, err := MatchCollectionT.Indexers[0].Fn(mc, []any{int32(2)})
	if err != nil || third.(*Match).Index != 9 {
		t.Errorf("mc[2] = %v, %v", third, err)
	}
	if _, err := MatchCollectionT.Indexers[0].Fn(mc, []any{int32(3)}); dotnettest.ExceptionType(err) != "System.ArgumentOutOfRangeException" {
		t.Errorf("mc[3] error = %v", err)
	}
	first, _ := dotnettest.Call(t, RegexT.Methods["Match"], r, "a=1; b=2")
	next, _ := dotnettest.Call(t, MatchT.Methods["NextMatch"], first)
	if next.(*Match).Value != "b=2" {
		t.Errorf("NextMatch = %q", next.(*Match).Value)
	}
	last, _ := dotnettest.Call(t, MatchT.Methods["NextMatch"], next)
	if last.(*Match).Success {
		t.Errorf("NextMatch past the end succeeded")
	}
	if v, _ := dotnettest.Call(t, RegexT.Methods["ToString"], r); v != `(?<k>\w+)=(?<v>\w+)` {
		t.Errorf("ToString = %v", v)
	}
	if _, err := dotnettest.Call(t, RegexT.Ctors, nil, `(unclosed`); dotnettest.ExceptionType(err) != "System.ArgumentException" {
		t.Errorf("bad pattern error = %v", err)
	}
	if _, err := dotnettest.Call(t, RegexT.Ctors, nil, nil); dotnettest.ExceptionType(err) != "System.ArgumentNullException" {
		t.Errorf("null pattern error = %v", err)
	}
	if _, err := dotnettest.Call(t, RegexT.Ctors, nil, "a", RegexOptions(4096)); dotnettest.ExceptionType(err) != "System.ArgumentOutOfRangeException" {
		t.Errorf("bad options error = %v", err)
	}
}

func TestRegexReplaceSplit(t *testing.T) {
	repl := []struct {
		input, pattern, replacement, want string
	}{
		{"hello world", `o`, "0", "hell0 w0rld"},
		{"John Smith", `(\w+) (\w+)`, "$2, $1", "Smith, John"},
		{"John Smith", `(?<first>\w+) (?<last>\w+)`, "${last} ${first}", "Smith John"},
		{"abc", `b`, "[$0]", "a[b]c"},
		{"abc", `b`, "$$", "a$c"},
		{"abc", `b`, "$3", "a$3c"},
		{"a.b.c", `\.`, "", "abc"},
		{"/api/v1/users", `^/api/v\d+`, "", "/users"},
	}
	for _, tc := range repl {
		if got := rxStaticCall(t, "Replace", tc.input, tc.pattern, tc.replacement); got != tc.want {
			t.Errorf("Replace(%q, %q, %q) = %q, want %q", tc.input, tc.pattern, tc.replacement, got, tc.want)
		}
	}
	upper := rxFunc(func(a ...any) (any, error) { return strings.ToUpper(a[0].(*Match).Value), nil })
	if got := rxStaticCall(t, "Replace", "a1b2", `[a-z]`, dotnet.Func(upper)); got != "A1B2" {
		t.Errorf("Replace with evaluator = %q", got)
	}
	r, _ := CompileRegex(`\d`, RegexNone)
	if got, _ := r.Replace("1234", "x", 2, -1); got != "xx34" {
		t.Errorf("Replace count 2 = %q", got)
	}
	if got, _ := r.Replace("1234", "x", 0, -1); got != "1234" {
		t.Errorf("Replace count 0 = %q", got)
	}
	if got, _ := r.Replace("1234", "x", -1, 2); got != "12xx" {
		t.Errorf("Replace startat 2 = %q", got)
	}
	rtl, _ := CompileRegex(`\d`, RegexRightToLeft)
	if got, _ := rtl.Replace("1234", "x", 1, -1); got != "123x" {
		t.Errorf("RightToLeft Replace count 1 = %q", got)
	}
	if got, _ := r.Replace("a😀1b", "<$&$`|$'>", -1, -1); got != "a😀<1a😀|b>b" {
		t.Errorf("Replace specials = %q", got)
	}
	if got, _ := r.Replace("a1", "$_$+$9${x}$", -1, -1); got != "aa11$9${x}$" {
		t.Errorf("Replace literals = %q", got)
	}
	if _, err := r.Replace("1", "x", -2, -1); dotnettest.ExceptionType(err) != "System.ArgumentOutOfRangeException" {
		t.Errorf("Replace count -2 = %v", err)
	}

	splits := []struct {
		input, pattern string
		want           []string
	}{
		{"a,b,,c", ",", []string{"a", "b", "", "c"}},
		{"a1b2c", `(\d)`, []string{"a", "1", "b", "2", "c"}},
		{"abc", "", []string{"", "a", "b", "c", ""}},
		{"abc", "x", []string{"abc"}},
	}
	for _, tc := range splits {
		got := rxStaticCall(t, "Split", tc.input, tc.pattern)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Split(%q, %q) (-want +got):\n%s", tc.input, tc.pattern, diff)
		}
	}
	if got, _ := r.Split("a1b2c3d", 2, -1); !cmp.Equal(got, []string{"a", "b2c3d"}) {
		t.Errorf("Split count 2 = %q", got)
	}

	if got := rxStaticCall(t, "Escape", "a.b*c (d) #e f"); got != `a\.b\*c\ \(d\)\ \#e\ f` {
		t.Errorf("Escape = %q", got)
	}
	if got := rxStaticCall(t, "Unescape", `a\.b\tc`); got != "a.b\tc" {
		t.Errorf("Unescape = %q", got)
	}
}

func TestRegexUTF16Indexes(t *testing.T) {
	// "😀" is two UTF-16 units in .NET.
	m := rxStaticCall(t, "Match", "😀ab", "b").(*Match)
	if m.Index != 3 || m.Length != 1 {
		t.Errorf("Index, Length = %d, %d; want 3, 1", m.Index, m.Length)
	}
	if got := rxStaticCall(t, "Split", "x😀y😀z", "😀"); !cmp.Equal(got, []string{"x", "y", "z"}) {
		t.Errorf("Split = %q", got)
	}
}

func TestRegexTimeout(t *testing.T) {
	old := RegexTimeout
	RegexTimeout = 20 * time.Millisecond
	defer func() { RegexTimeout = old }()
	input := strings.Repeat("a", 30) + "!"
	_, err := rxTryStatic(t, "IsMatch", input, `^(a+)+$`)
	if dotnettest.ExceptionType(err) != "System.Text.RegularExpressions.RegexMatchTimeoutException" {
		t.Fatalf("error = %v", err)
	}
	if !dotnet.IsInstance(err, dotnet.RegexMatchTimeoutExceptionT) || !dotnet.IsInstance(err, dotnet.ExceptionT) {
		t.Errorf("timeout exception type checks failed")
	}
	// A timeout after the first match still surfaces from Replace.
	_, err = rxTryStatic(t, "Replace", "x "+strings.Repeat("a", 30), `x|(a+)+!`, "y")
	if dotnettest.ExceptionType(err) != "System.Text.RegularExpressions.RegexMatchTimeoutException" {
		t.Errorf("Replace error = %v", err)
	}
}

func TestRegexCacheBounded(t *testing.T) {
	for i := range RegexCacheSize + 10 {
		if _, err := CompileRegex("x"+strconv.FormatInt(int64(i), 10), RegexNone); err != nil {
			t.Fatal(err)
		}
	}
	rxCache.Lock()
	n := rxCache.lru.Len()
	rxCache.Unlock()
	if n > RegexCacheSize {
		t.Errorf("cache holds %d patterns, cap %d", n, RegexCacheSize)
	}
	a, _ := CompileRegex("same", RegexNone)
	b, _ := CompileRegex("same", RegexNone)
	if a != b {
		t.Errorf("cache miss for a repeated pattern")
	}
}
