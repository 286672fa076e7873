package dotnet

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ctLinq(t testing.TB, name string, recv any, args ...any) (any, error) {
	t.Helper()
	return ctExt(t, IEnumerable, name, recv, args...)
}

func TestLinqOperators(t *testing.T) {
	t.Parallel()
	nums := []int32{5, 3, 8, 1, 3}
	words := []string{"pear", "Apple", "fig", "apple", "kiwi"}
	isOdd := ctFn1(func(x any) any { return x.(int32)%2 == 1 })
	tests := []struct {
		name string
		recv any
		op   string
		args []any
		want any
	}{
		{"Where", nums, "Where", []any{isOdd}, []any{int32(5), int32(3), int32(1), int32(3)}},
		{"Where index", nums, "Where", []any{ctLam{2, func(a ...any) (any, error) { return a[1].(int32)%2 == 0, nil }}}, []any{int32(5), int32(8), int32(3)}},
		{"Select", words, "Select", []any{ctFn1(func(x any) any { return strings.ToUpper(x.(string)) })}, []any{"PEAR", "APPLE", "FIG", "APPLE", "KIWI"}},
		{"SelectMany", []any{[]string{"a", "b"}, []string{}, []string{"c"}}, "SelectMany", []any{ctFn1(func(x any) any { return x })}, []any{"a", "b", "c"}},
		{"Skip", nums, "Skip", []any{int32(3)}, []any{int32(1), int32(3)}},
		{"Take", nums, "Take", []any{int32(2)}, []any{int32(5), int32(3)}},
		{"Take negative", nums, "Take", []any{int32(-1)}, []any{}},
		{"SkipWhile", nums, "SkipWhile", []any{isOdd}, []any{int32(8), int32(1), int32(3)}},
		{"TakeWhile", nums, "TakeWhile", []any{isOdd}, []any{int32(5), int32(3)}},
		{"Distinct", nums, "Distinct", nil, []any{int32(5), int32(3), int32(8), int32(1)}},
		{"Distinct ignore case", words, "Distinct", []any{OrdinalIgnoreCaseComparer}, []any{"pear", "Apple", "fig", "kiwi"}},
		{"Reverse", nums, "Reverse", nil, []any{int32(3), int32(1), int32(8), int32(3), int32(5)}},
		{"Concat", []string{"a"}, "Concat", []any{[]string{"b"}}, []any{"a", "b"}},
		{"Except", nums, "Except", []any{[]int32{3}}, []any{int32(5), int32(8), int32(1)}},
		{"Intersect", nums, "Intersect", []any{[]int32{3, 1, 9}}, []any{int32(3), int32(1)}},
		{"Union", []int32{1, 2}, "Union", []any{[]int32{2, 3}}, []any{int32(1), int32(2), int32(3)}},
		{"DefaultIfEmpty int", []int32{}, "DefaultIfEmpty", nil, []any{int32(0)}},
		{"OrderBy stable", words, "OrderBy", []any{ctFn1(func(x any) any { return int32(len(x.(string))) })}, []any{"fig", "pear", "kiwi", "Apple", "apple"}},
		{"OrderByDescending", nums, "OrderByDescending", []any{ctFn1(func(x any) any { return x })}, []any{int32(8), int32(5), int32(3), int32(3), int32(1)}},
		{"OrderBy culture strings", words, "OrderBy", []any{ctFn1(func(x any) any { return x })}, []any{"apple", "Apple", "fig", "kiwi", "pear"}},
		{"OrderBy comparer", words, "OrderBy", []any{ctFn1(func(x any) any { return x }), OrdinalIgnoreCaseComparer}, []any{"Apple", "apple", "fig", "kiwi", "pear"}},
		{"Zip", []int32{1, 2, 3}, "Zip", []any{[]string{"a", "b"}, ctFn2(func(a, b any) any { return ToString(a) + b.(string) })}, []any{"1a", "2b"}},
		{"OfType", []any{"a", int32(1), nil, "b"}, "OfType", []any{String}, []any{"a", "b"}},
		{"Cast", []any{"a", nil}, "Cast", []any{String}, []any{"a", nil}},
		{"string is IEnumerable<char>", "ab", "Select", []any{ctFn1(func(x any) any { return x })}, []any{Char('a'), Char('b')}},
		{"Dictionary pairs", func() any { d := NewDictionary(String, Int32, nil); _ = d.Add("k", int32(1)); return d }(), "Select", []any{ctFn1(func(x any) any { return x.(KeyValuePair).Key })}, []any{"k"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ctLinq(t, tt.op, tt.recv, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ctSlice(t, got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLinqScalars(t *testing.T) {
	t.Parallel()
	nums := []int32{5, 3, 8, 1, 3}
	big := ctFn1(func(x any) any { return x.(int32) > 4 })
	none := ctFn1(func(any) any { return false })
	tests := []struct {
		name    string
		recv    any
		op      string
		args    []any
		want    any
		wantErr string
	}{
		{"First", nums, "First", nil, int32(5), ""},
		{"First pred", nums, "First", []any{ctFn1(func(x any) any { return x.(int32) < 4 })}, int32(3), ""},
		{"First empty", []int32{}, "First", nil, nil, "Sequence contains no elements"},
		{"First no match", nums, "First", []any{none}, nil, "Sequence contains no matching element"},
		{"FirstOrDefault int empty", []int32{}, "FirstOrDefault", nil, int32(0), ""},
		{"FirstOrDefault string", []string{}, "FirstOrDefault", nil, nil, ""},
		{"FirstOrDefault pred", []string{"x", "sap-XSRF=1"}, "FirstOrDefault", []any{ctFn1(func(x any) any { return strings.Contains(x.(string), "sap-XSRF") })}, "sap-XSRF=1", ""},
		{"Last", nums, "Last", nil, int32(3), ""},
		{"Last pred", nums, "Last", []any{big}, int32(8), ""},
		{"LastOrDefault", []int32{}, "LastOrDefault", []any{big}, int32(0), ""},
		{"Single", []int32{7}, "Single", nil, int32(7), ""},
		{"Single many", nums, "Single", nil, nil, "Sequence contains more than one element"},
		{"Single pred many", nums, "Single", []any{big}, nil, "Sequence contains more than one matching element"},
		{"SingleOrDefault empty", []int32{}, "SingleOrDefault", nil, int32(0), ""},
		{"SingleOrDefault many", nums, "SingleOrDefault", nil, nil, "Sequence contains more than one element"},
		{"ElementAt", nums, "ElementAt", []any{int32(2)}, int32(8), ""},
		{"ElementAtOrDefault", nums, "ElementAtOrDefault", []any{int32(9)}, int32(0), ""},
		{"Any", nums, "Any", nil, true, ""},
		{"Any empty", []int32{}, "Any", nil, false, ""},
		{"Any pred", nums, "Any", []any{big}, true, ""},
		{"All", nums, "All", []any{big}, false, ""},
		{"All empty", []int32{}, "All", []any{big}, true, ""},
		{"Count", nums, "Count", nil, int32(5), ""},
		{"Count pred", nums, "Count", []any{big}, int32(2), ""},
		{"LongCount", nums, "LongCount", nil, int64(5), ""},
		{"Contains", nums, "Contains", []any{int32(8)}, true, ""},
		{"Contains long vs int", nums, "Contains", []any{int64(8)}, false, ""},
		{"Contains ignore case", []string{"Finance"}, "Contains", []any{"finance", OrdinalIgnoreCaseComparer}, true, ""},
		{"Sum int", nums, "Sum", nil, int32(20), ""},
		{"Sum empty", []int32{}, "Sum", nil, int32(0), ""},
		{"Sum selector", []string{"ab", "c"}, "Sum", []any{ctFn1(func(x any) any { return int32(len(x.(string))) })}, int32(3), ""},
		{"Sum doubles", []any{1.5, 2.25}, "Sum", nil, 3.75, ""},
		{"Sum long", []any{int64(1), int64(2)}, "Sum", nil, int64(3), ""},
		{"Sum overflow", []int32{2147483647, 1}, "Sum", nil, nil, "Arithmetic operation resulted in an overflow."},
		{"Average ints", nums, "Average", nil, 4.0, ""},
		{"Average empty", []int32{}, "Average", nil, nil, "Sequence contains no elements"},
		{"Min", nums, "Min", nil, int32(1), ""},
		{"Max", nums, "Max", nil, int32(8), ""},
		{"Max selector", []string{"ab", "abc"}, "Max", []any{ctFn1(func(x any) any { return int32(len(x.(string))) })}, int32(3), ""},
		{"Min strings", []string{"b", "a"}, "Min", nil, "a", ""},
		{"Min empty strings", []string{}, "Min", nil, nil, ""},
		{"Max empty ints", []int32{}, "Max", nil, nil, "Sequence contains no elements"},
		{"Aggregate", []string{"a", "b", "c"}, "Aggregate", []any{ctFn2(func(a, b any) any { return a.(string) + "," + b.(string) })}, "a,b,c", ""},
		{"Aggregate seed", nums, "Aggregate", []any{int32(100), ctFn2(func(a, b any) any { return a.(int32) - b.(int32) })}, int32(80), ""},
		{"SequenceEqual", nums, "SequenceEqual", []any{[]any{int32(5), int32(3), int32(8), int32(1), int32(3)}}, true, ""},
		{"SequenceEqual differs", nums, "SequenceEqual", []any{[]int32{5}}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ctLinq(t, tt.op, tt.recv, tt.args...)
			if tt.wantErr != "" {
				var e *Exception
				if !errors.As(err, &e) || e.Message != tt.wantErr {
					t.Fatalf("got %v, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLinqDeferredOrder(t *testing.T) {
	t.Parallel()
	var log []string
	where := ctFn1(func(x any) any { log = append(log, "w"+ToString(x)); return x.(int32) != 2 })
	sel := ctFn1(func(x any) any { log = append(log, "s"+ToString(x)); return x })
	src := NewList(Int32, int32(1), int32(2), int32(3))
	w := ctMust(ctLinq(t, "Where", src, where))
	s := ctMust(ctLinq(t, "Select", w, sel))
	if len(log) != 0 {
		t.Fatalf("Where/Select must be deferred, ran %v", log)
	}
	src.Items = append(src.Items, int32(4)) // seen: the query runs later
	first := ctMust(ctLinq(t, "First", s, ctFn1(func(x any) any { return x.(int32) > 2 })))
	if first != int32(3) {
		t.Errorf("First = %v", first)
	}
	if diff := cmp.Diff([]string{"w1", "s1", "w2", "w3", "s3"}, log); diff != "" {
		t.Errorf("lambda order (-want +got):\n%s", diff)
	}
	log = nil
	if got := ctSlice(t, s); len(got) != 3 {
		t.Errorf("re-enumeration = %v", got)
	}
	if len(log) != 7 {
		t.Errorf("re-enumeration must call lambdas again: %v", log)
	}

	// A lambda error surfaces from the consuming operator.
	boom := errors.New("boom")
	bad := ctMust(ctLinq(t, "Select", src, ctLam{1, func(...any) (any, error) { return nil, boom }}))
	if _, err := ctLinq(t, "ToList", bad); !errors.Is(err, boom) {
		t.Errorf("ToList error = %v", err)
	}
	// Take stops pulling once satisfied.
	calls := 0
	counted := ctMust(ctLinq(t, "Select", src, ctFn1(func(x any) any { calls++; return x })))
	ctMust(ctLinq(t, "ToList", ctMust(ctLinq(t, "Take", counted, int32(2)))))
	if calls != 2 {
		t.Errorf("Take(2) pulled %d elements", calls)
	}
}

func TestLinqConversions(t *testing.T) {
	t.Parallel()
	words := []string{"b", "a", "b"}
	sel := ctMust(ctLinq(t, "Select", words, ctFn1(func(x any) any { return x.(string) + "!" })))
	arr := ctMust(ctLinq(t, "ToArray", sel))
	if diff := cmp.Diff([]string{"b!", "a!", "b!"}, arr); diff != "" {
		t.Errorf("ToArray of strings infers string[] (-want +got):\n%s", diff)
	}
	l := ctMust(ctLinq(t, "ToList", ctMust(ctLinq(t, "Where", words, ctFn1(func(x any) any { return true }))))).(*List)
	if l.Elem != String || len(l.Items) != 3 {
		t.Errorf("ToList = %v %v", l.Elem, l.Items)
	}
	set := ctMust(ctLinq(t, "ToHashSet", words)).(*HashSet)
	if set.Len() != 2 {
		t.Errorf("ToHashSet len %d", set.Len())
	}
	_, err := ctLinq(t, "ToDictionary", words, ctFn1(func(x any) any { return x }))
	ctWantExc(t, err, "System.ArgumentException", "An item with the same key has already been added. Key: b")
	d := ctMust(ctLinq(t, "ToDictionary", []string{"a=1", "b=2"},
		ctFn1(func(x any) any { return strings.Split(x.(string), "=")[0] }),
		ctFn1(func(x any) any { return strings.Split(x.(string), "=")[1] }))).(*Dictionary)
	if v, _ := d.Get("b"); v != "2" {
		t.Errorf("ToDictionary value %v", v)
	}
	groups := ctSlice(t, ctMust(ctLinq(t, "GroupBy", []string{"ab", "c", "de", "f"}, ctFn1(func(x any) any { return int32(len(x.(string))) }))))
	if len(groups) != 2 {
		t.Fatalf("groups %v", groups)
	}
	g := groups[0].(*Grouping)
	if ctProp(t, g, "Key") != int32(2) || !cmp.Equal(ctSlice(t, g), []any{"ab", "de"}) {
		t.Errorf("group 0 = %v %v", g.Key, g.Items)
	}
	if n := ctMust(ctLinq(t, "Count", g)); n != int32(2) {
		t.Errorf("group Count %v", n)
	}
	ordered := ctMust(ctLinq(t, "OrderBy", []string{"bb", "a", "ab", "b"}, ctFn1(func(x any) any { return int32(len(x.(string))) })))
	then := ctMust(ctLinq(t, "ThenByDescending", ordered, ctFn1(func(x any) any { return x })))
	if diff := cmp.Diff([]any{"b", "a", "bb", "ab"}, ctSlice(t, then)); diff != "" {
		t.Errorf("ThenByDescending (-want +got):\n%s", diff)
	}
}

func TestLinqEnumerableStatics(t *testing.T) {
	t.Parallel()
	r := ctMust(ctStatic(t, EnumerableT, "Range", int32(3), int32(3)))
	if diff := cmp.Diff([]any{int32(3), int32(4), int32(5)}, ctSlice(t, r)); diff != "" {
		t.Errorf("Range (-want +got):\n%s", diff)
	}
	rep := ctMust(ctStatic(t, EnumerableT, "Repeat", "x", int32(2)))
	if diff := cmp.Diff([]string{"x", "x"}, ctMust(ctLinq(t, "ToArray", rep))); diff != "" {
		t.Errorf("Repeat (-want +got):\n%s", diff)
	}
	e := ctMust(ctStatic(t, EnumerableT, "Empty", String))
	if got := ctMust(ctLinq(t, "ToArray", e)); !cmp.Equal(got, []string{}) {
		t.Errorf("Empty<string>().ToArray() = %#v", got)
	}
	w := ctMust(ctStatic(t, EnumerableT, "Where", []int32{1, 2}, ctFn1(func(x any) any { return x == int32(2) })))
	if got := ctSlice(t, w); !cmp.Equal(got, []any{int32(2)}) {
		t.Errorf("Enumerable.Where = %v", got)
	}
}

func TestLinqResultTypes(t *testing.T) {
	t.Parallel()
	find := func(name string, params int) *Method {
		for _, m := range IEnumerable.Methods[name] {
			if len(m.Params) == params+1 {
				return m
			}
		}
		t.Fatalf("no %s/%d", name, params)
		return nil
	}
	listS := Instantiate(ListT, String)
	tests := []struct {
		name string
		m    *Method
		recv *Type
		ts   []*Type
		want string
	}{
		{"First on List<string>", find("First", 0), listS, nil, "string"},
		{"Where on string[]", find("Where", 1), ArrayOf(String), nil, "IEnumerable<string>"},
		{"Select with hint", find("Select", 1), listS, []*Type{ArrayOf(String)}, "IEnumerable<string[]>"},
		{"Select without hint", find("Select", 1), listS, nil, "IEnumerable<object>"},
		{"ToArray", find("ToArray", 0), Instantiate(IEnumerable, Int32), nil, "int[]"},
		{"ToList", find("ToList", 0), ArrayOf(String), nil, "List<string>"},
		{"Count", find("Count", 0), listS, nil, "int"},
		{"Sum", find("Sum", 0), ArrayOf(Int32), nil, "int"},
		{"Average", find("Average", 0), ArrayOf(Int32), nil, "double"},
		{"OrderBy", find("OrderBy", 1), listS, nil, "IOrderedEnumerable<string>"},
		{"FirstOrDefault on dictionary", find("FirstOrDefault", 0), Instantiate(DictionaryT, String, Int32), nil, "KeyValuePair<string, int>"},
		{"Last on string", find("Last", 0), String, nil, "char"},
		{"GroupBy", find("GroupBy", 1), listS, []*Type{Int32}, "IEnumerable<IGrouping<int, string>>"},
	}
	for _, tt := range tests {
		got := tt.m.Result
		if tt.m.ResultOf != nil {
			got = tt.m.ResultOf(tt.recv, tt.ts)
		}
		if got.String() != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	if !ArrayOf(String).AssignableTo(IEnumerable) || !Instantiate(ListT, String).AssignableTo(IEnumerable) {
		t.Error("arrays and lists must reach IEnumerable's extension methods")
	}
	if len(ArrayOf(String).FindMethods("Where")) == 0 || len(String.FindMethods("Any")) == 0 {
		t.Error("FindMethods must find LINQ on arrays and strings")
	}
}
