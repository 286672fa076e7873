package dotnet

import (
	"fmt"
	"testing"
)

// txCall resolves an overload the way the compiler would for these simple
// cases (arity, then the most specific static parameter types) and runs it.
func txCall(t *testing.T, typ *Type, static bool, name string, recv any, args ...any) (any, error) {
	t.Helper()
	ms := typ.Methods[name]
	if static {
		ms = typ.Static[name]
	}
	if name == ".ctor" {
		ms = typ.Ctors
	}
	var best *Method
	var bestArgs []any
	bestScore := -100
	for _, m := range ms {
		ps := m.Params
		call := args
		if n := len(ps); n > 0 && ps[n-1].Params {
			if len(args) < n-1 {
				continue
			}
			rest := append([]any{}, args[n-1:]...)
			call = append(append([]any{}, args[:n-1]...), rest)
		} else if len(ps) != len(args) {
			continue
		}
		score, ok := 0, true
		for i, p := range ps {
			a := call[i]
			switch {
			case p.Params, p.Out:
			case p.Type == nil:
			case a == nil:
				score++
			case TypeOf(a) == p.Type:
				score += 3
			case TypeOf(a).AssignableTo(p.Type):
				score += 2
			case TypeOf(a).Generic == Array && p.Type.Generic == Array:
				score++
			default:
				ok = false
			}
		}
		if n := len(ps); n > 0 && ps[n-1].Params {
			score--
		}
		if ok && score > bestScore {
			best, bestArgs, bestScore = m, call, score
		}
	}
	if best == nil {
		t.Fatalf("no overload %s.%s for %v", typ.Name, name, args)
	}
	return best.Fn(recv, bestArgs)
}

// txShow renders a result for comparison: errors as "!Type: message",
// arrays as [a|b|c].
func txShow(v any, err error) string {
	if err != nil {
		if e, ok := err.(*Exception); ok {
			return "!" + e.Type + ": " + e.Message
		}
		return "!" + err.Error()
	}
	switch x := v.(type) {
	case []string:
		s := "["
		for i, e := range x {
			if i > 0 {
				s += "|"
			}
			s += e
		}
		return s + "]"
	case []any:
		s := "["
		for i, e := range x {
			if i > 0 {
				s += "|"
			}
			s += ToString(e)
		}
		return s + "]"
	case []byte:
		return fmt.Sprint(x)
	case string:
		return x
	}
	return fmt.Sprintf("%s:%s", TypeOf(v).Name, txText(v))
}

func TestStringMembers(t *testing.T) {
	t.Parallel()
	sc := func(c StringComparison) any { return c }
	tests := []struct {
		name string
		recv any
		args []any
		want string
	}{
		{"Substring", "hello", []any{int32(1)}, "ello"},
		{"Substring", "hello", []any{int32(1), int32(3)}, "ell"},
		{"Substring", "hello", []any{int32(5)}, ""},
		{"Substring", "hello", []any{int32(6)}, "!System.ArgumentOutOfRangeException: startIndex cannot be larger than length of string. (Parameter 'startIndex')"},
		{"Substring", "hello", []any{int32(2), int32(4)}, "!System.ArgumentOutOfRangeException: Index and length must refer to a location within the string. (Parameter 'length')"},
		{"Substring", "hello", []any{int32(-1)}, "!System.ArgumentOutOfRangeException: StartIndex cannot be less than zero. (Parameter 'startIndex')"},
		{"Substring", "h😀llo", []any{int32(1), int32(2)}, "😀"},
		{"Substring", "héllo", []any{int32(2)}, "llo"},
		{"IndexOf", "hello", []any{"l"}, "Int32:2"},
		{"IndexOf", "hello", []any{Char('l'), int32(3)}, "Int32:3"},
		{"IndexOf", "h😀llo", []any{"l"}, "Int32:3"},
		{"IndexOf", "hello", []any{"L", sc(StringComparisonOrdinalIgnoreCase)}, "Int32:2"},
		{"IndexOf", "hello", []any{""}, "Int32:0"},
		{"IndexOf", "hello", []any{"z"}, "Int32:-1"},
		{"LastIndexOf", "hello", []any{"l"}, "Int32:3"},
		{"LastIndexOf", "hello", []any{Char('l'), int32(2)}, "Int32:2"},
		{"LastIndexOf", "a/b/c", []any{Char('/')}, "Int32:3"},
		{"LastIndexOf", "abab", []any{"ab", int32(2)}, "Int32:0"},
		{"LastIndexOf", "abab", []any{"ab", int32(3)}, "Int32:2"},
		{"LastIndexOf", "hello", []any{""}, "Int32:5"}, // .NET 5+
		{"Contains", "Hello", []any{"ell"}, "Boolean:True"},
		{"Contains", "Hello", []any{"ELL", sc(StringComparisonOrdinalIgnoreCase)}, "Boolean:True"},
		{"Contains", "Hello", []any{Char('z')}, "Boolean:False"},
		{"StartsWith", "Bearer abc", []any{"Bearer "}, "Boolean:True"},
		{"StartsWith", "bearer abc", []any{"Bearer", sc(StringComparisonOrdinalIgnoreCase)}, "Boolean:True"},
		{"EndsWith", "file.json", []any{".JSON", sc(StringComparison(3))}, "Boolean:True"},
		{"Replace", "a-b-c", []any{"-", "+"}, "a+b+c"},
		{"Replace", "a-b-c", []any{Char('-'), Char('_')}, "a_b_c"},
		{"Replace", "a-b-c", []any{"-", nil}, "abc"},
		{"Replace", "abc", []any{"", "x"}, "!System.ArgumentException: String cannot be of zero length. (Parameter 'oldValue')"},
		{"Split", "a,b,,c", []any{Char(',')}, "[a|b||c]"},
		{"Split", "a,b,,c", []any{Char(','), SplitRemoveEmptyEntries}, "[a|b|c]"},
		{"Split", "a, b ,c", []any{Char(','), SplitTrimEntries}, "[a|b|c]"},
		{"Split", "a,b,c", []any{[]any{Char(',')}, int32(2)}, "[a|b,c]"},
		{"Split", "a;b,c", []any{Char(';'), Char(',')}, "[a|b|c]"},
		{"Split", "a::b::c", []any{"::", SplitNone}, "[a|b|c]"},
		{"Split", "a::b", []any{"::"}, "[a|b]"},
		{"Split", "a b\tc", []any{}, "[a|b|c]"},
		{"Split", "Bearer xyz", []any{Char(' ')}, "[Bearer|xyz]"},
		{"Split", ",,a,,b", []any{[]any{Char(',')}, int32(2), SplitRemoveEmptyEntries}, "[a|b]"},
		{"Split", "a,b", []any{[]string{","}, SplitNone}, "[a|b]"},
		{"Trim", "  x  ", []any{}, "x"},
		{"Trim", "--x--", []any{Char('-')}, "x"},
		{"TrimStart", "/a/b/", []any{Char('/')}, "a/b/"},
		{"TrimEnd", "/a/b/", []any{Char('/')}, "/a/b"},
		{"TrimEnd", "x\r\n", []any{}, "x"},
		{"ToUpper", "abc", []any{}, "ABC"},
		{"ToLowerInvariant", "ABC", []any{}, "abc"},
		{"PadLeft", "7", []any{int32(3), Char('0')}, "007"},
		{"PadRight", "ab", []any{int32(4)}, "ab  "},
		{"Insert", "ac", []any{int32(1), "b"}, "abc"},
		{"Remove", "abcdef", []any{int32(3)}, "abc"},
		{"Remove", "abcdef", []any{int32(1), int32(2)}, "adef"},
		{"Equals", "abc", []any{"ABC", sc(StringComparisonOrdinalIgnoreCase)}, "Boolean:True"},
		{"Equals", "abc", []any{"ABC"}, "Boolean:False"},
		{"CompareTo", "a", []any{"b"}, "Int32:-1"},
		{"CompareTo", "a", []any{"A"}, "Int32:-1"},
		{"CompareTo", "b", []any{"A"}, "Int32:1"},
		{"ToCharArray", "ab", []any{}, "[a|b]"},
		{"ToString", "ab", []any{}, "ab"},
	}
	for _, tt := range tests {
		got := txShow(txCall(t, String, false, tt.name, tt.recv, tt.args...))
		if got != tt.want {
			t.Errorf("%q.%s%v = %q, want %q", tt.recv, tt.name, tt.args, got, tt.want)
		}
	}
	if n, _ := String.Props["Length"].Get("h😀"); n != int32(3) {
		t.Errorf(`"h😀".Length = %v, want 3`, n)
	}
	if c, _ := String.Indexers[0].Fn("abc", []any{int32(1)}); c != Char('b') {
		t.Errorf(`"abc"[1] = %v`, c)
	}
}

func TestStringStatics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []any
		want string
	}{
		{"IsNullOrEmpty", []any{nil}, "Boolean:True"},
		{"IsNullOrEmpty", []any{""}, "Boolean:True"},
		{"IsNullOrEmpty", []any{" "}, "Boolean:False"},
		{"IsNullOrWhiteSpace", []any{" \t"}, "Boolean:True"},
		{"Join", []any{",", "a", "b"}, "a,b"},
		{"Join", []any{",", []string{"a", "b"}}, "a,b"},
		{"Join", []any{", ", []any{int32(1), nil, 2.5}}, "1, , 2.5"},
		{"Join", []any{Char('-'), "a", "b"}, "a-b"},
		{"Concat", []any{"a", "b"}, "ab"},
		{"Concat", []any{"a", int32(1), true}, "a1True"},
		{"Concat", []any{[]string{"x", "y"}}, "xy"},
		{"Format", []any{"{0}-{1:D2}", "a", int32(5)}, "a-05"},
		{"Format", []any{"{0,-5}|", "a"}, "a    |"},
		{"Equals", []any{"a", "A", StringComparisonOrdinalIgnoreCase}, "Boolean:True"},
		{"Equals", []any{nil, nil}, "Boolean:True"},
		{"Compare", []any{"a", "B"}, "Int32:-1"},
		{"Compare", []any{"a", "A", true}, "Int32:0"},
		{"Compare", []any{"a", "B", StringComparisonOrdinal}, "Int32:31"},
		{"Compare", []any{nil, "a"}, "Int32:-1"},
		{"CompareOrdinal", []any{"a", "c"}, "Int32:-2"},
	}
	for _, tt := range tests {
		got := txShow(txCall(t, String, true, tt.name, nil, tt.args...))
		if got != tt.want {
			t.Errorf("string.%s%v = %q, want %q", tt.name, tt.args, got, tt.want)
		}
	}
	if got := txShow(txCall(t, String, false, ".ctor", nil, Char('x'), int32(3))); got != "xxx" {
		t.Errorf("new string('x', 3) = %q", got)
	}
	if p := String.StaticProps["Empty"]; p == nil {
		t.Error("string.Empty missing")
	}
}

func TestCharMembers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []any
		want string
	}{
		{"IsDigit", []any{Char('5')}, "Boolean:True"},
		{"IsDigit", []any{Char('a')}, "Boolean:False"},
		{"IsLetter", []any{Char('é')}, "Boolean:True"},
		{"IsLetterOrDigit", []any{Char('_')}, "Boolean:False"},
		{"IsWhiteSpace", []any{Char('\u00a0')}, "Boolean:True"},
		{"IsUpper", []any{Char('A')}, "Boolean:True"},
		{"IsLower", []any{Char('A')}, "Boolean:False"},
		{"IsPunctuation", []any{Char('!')}, "Boolean:True"},
		{"IsDigit", []any{"a1", int32(1)}, "Boolean:True"},
		{"ToUpper", []any{Char('a')}, "Char:A"},
		{"ToLower", []any{Char('A')}, "Char:a"},
		{"GetNumericValue", []any{Char('7')}, "Double:7"},
		{"Parse", []any{"ab"}, "!System.FormatException: String must be exactly one character long."},
	}
	for _, tt := range tests {
		got := txShow(txCall(t, CharT, true, tt.name, nil, tt.args...))
		if got != tt.want {
			t.Errorf("char.%s%v = %q, want %q", tt.name, tt.args, got, tt.want)
		}
	}
}

func TestStringComparer(t *testing.T) {
	t.Parallel()
	c, _ := StringComparerT.StaticProps["OrdinalIgnoreCase"].Get(nil)
	if got := txShow(txCall(t, StringComparerT, false, "Equals", c, "ABC", "abc")); got != "Boolean:True" {
		t.Errorf("OrdinalIgnoreCase.Equals = %q", got)
	}
	o, _ := StringComparerT.StaticProps["Ordinal"].Get(nil)
	if got := txShow(txCall(t, StringComparerT, false, "Compare", o, "a", "B")); got != "Int32:31" {
		t.Errorf("Ordinal.Compare(a, B) = %q", got)
	}
	if k := OrdinalIgnoreCaseComparer.Key("Content-Type"); k != OrdinalIgnoreCaseComparer.Key("content-type") {
		t.Errorf("keys differ: %q", k)
	}
}

func TestEnumNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ  *Type
		name string
		want any
	}{
		{StringComparisonT, "OrdinalIgnoreCase", StringComparisonOrdinalIgnoreCase},
		{StringSplitOptionsT, "TrimEntries", SplitTrimEntries},
		{MidpointRoundingT, "AwayFromZero", MidpointAwayFromZero},
		{UriKindT, "Relative", UriRelative},
		{UriPartialT, "Path", UriPartialPath},
	}
	for _, tt := range tests {
		v, _ := tt.typ.StaticProps[tt.name].Get(nil)
		if v != tt.want || ToString(v) != tt.name || !IsInstance(v, tt.typ) {
			t.Errorf("%s.%s = %v (%q)", tt.typ.Name, tt.name, v, ToString(v))
		}
	}
	if s := (SplitRemoveEmptyEntries | SplitTrimEntries).String(); s != "RemoveEmptyEntries, TrimEntries" {
		t.Errorf("flags ToString = %q", s)
	}
}
