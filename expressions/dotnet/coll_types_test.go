package dotnet

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestListMembers(t *testing.T) {
	t.Parallel()
	l := ctCtor(t, ListT, String).(*List)
	if l.Elem != String {
		t.Fatalf("Elem = %v", l.Elem)
	}
	for _, s := range []string{"b", "a", "c", "a"} {
		ctMust(ctInst(t, "Add", l, s))
	}
	steps := []struct {
		name string
		run  func() (any, error)
		want any
	}{
		{"Count", func() (any, error) { return ctProp(t, l, "Count"), nil }, int32(4)},
		{"Contains", func() (any, error) { return ctInst(t, "Contains", l, "c") }, true},
		{"IndexOf", func() (any, error) { return ctInst(t, "IndexOf", l, "a") }, int32(1)},
		{"LastIndexOf", func() (any, error) { return ctInst(t, "LastIndexOf", l, "a") }, int32(3)},
		{"Remove first match", func() (any, error) { return ctInst(t, "Remove", l, "a") }, true},
		{"Remove missing", func() (any, error) { return ctInst(t, "Remove", l, "zz") }, false},
		{"after Remove", func() (any, error) { return l.Items, nil }, []any{"b", "c", "a"}},
		{"Insert", func() (any, error) { _, err := ctInst(t, "Insert", l, int32(0), "x"); return l.Items, err }, []any{"x", "b", "c", "a"}},
		{"RemoveAt", func() (any, error) { _, err := ctInst(t, "RemoveAt", l, int32(1)); return l.Items, err }, []any{"x", "c", "a"}},
		{"Sort default", func() (any, error) { _, err := ctInst(t, "Sort", l); return l.Items, err }, []any{"a", "c", "x"}},
		{"Sort comparison desc", func() (any, error) {
			_, err := ctInst(t, "Sort", l, ctFn2(func(a, b any) any { n, _ := Compare(b, a); return int32(n) }))
			return l.Items, err
		}, []any{"x", "c", "a"}},
		{"Reverse", func() (any, error) { _, err := ctInst(t, "Reverse", l); return l.Items, err }, []any{"a", "c", "x"}},
		{"Find", func() (any, error) { return ctInst(t, "Find", l, ctFn1(func(x any) any { return x.(string) > "b" })) }, "c"},
		{"Find none", func() (any, error) { return ctInst(t, "Find", l, ctFn1(func(x any) any { return false })) }, nil},
		{"FindAll", func() (any, error) {
			r, err := ctInst(t, "FindAll", l, ctFn1(func(x any) any { return x != "c" }))
			return r.(*List).Items, err
		}, []any{"a", "x"}},
		{"Exists", func() (any, error) { return ctInst(t, "Exists", l, ctFn1(func(x any) any { return x == "x" })) }, true},
		{"ConvertAll", func() (any, error) {
			r, err := ctInst(t, "ConvertAll", l, Int32, ctFn1(func(x any) any { return int32(len(x.(string))) }))
			return r.(*List).Items, err
		}, []any{int32(1), int32(1), int32(1)}},
		{"ToArray is string[]", func() (any, error) { return ctInst(t, "ToArray", l) }, []string{"a", "c", "x"}},
		{"indexer get", func() (any, error) { return l.Items[0], nil }, "a"},
		{"AddRange", func() (any, error) { _, err := ctInst(t, "AddRange", l, []string{"y", "z"}); return len(l.Items), err }, 5},
		{"RemoveAll", func() (any, error) {
			return ctInst(t, "RemoveAll", l, ctFn1(func(x any) any { return x.(string) >= "x" }))
		}, int32(3)},
		{"after RemoveAll", func() (any, error) { return l.Items, nil }, []any{"a", "c"}},
		{"ToString", func() (any, error) { return ToString(l), nil }, "System.Collections.Generic.List`1[System.String]"},
		{"Clear", func() (any, error) { _, err := ctInst(t, "Clear", l); return len(l.Items), err }, 0},
	}
	for _, s := range steps {
		got, err := s.run()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Fatalf("%s (-want +got):\n%s", s.name, diff)
		}
	}
}

func TestListErrors(t *testing.T) {
	t.Parallel()
	l := ctCtor(t, ListT, Int32, []int32{3, 1, 2}).(*List)
	get := ListT.Indexers[0]
	_, err := get.Fn(l, []any{int32(3)})
	ctWantExc(t, err, "System.ArgumentOutOfRangeException", "Index was out of range. Must be non-negative and less than the size of the collection. (Parameter 'index')")
	set := ListT.Indexers[1]
	if _, err := set.Fn(l, []any{int32(0), int32(9)}); err != nil || l.Items[0] != int32(9) {
		t.Fatalf("indexer set: %v %v", err, l.Items)
	}
	l.Items = append(l.Items, "mixed")
	_, err = ctInst(t, "Sort", l)
	ctWantExc(t, err, "System.InvalidOperationException", "Failed to compare two elements in the array.")
	if got := get.ResultOf(Instantiate(ListT, String), nil); got != String {
		t.Errorf("List<string>[i] type = %v", got)
	}
}

func TestListCapacityAndInitializer(t *testing.T) {
	t.Parallel()
	l := ctCtor(t, ListT, String, int32(10)).(*List)
	if len(l.Items) != 0 || cap(l.Items) != 10 {
		t.Fatalf("capacity ctor: %d/%d", len(l.Items), cap(l.Items))
	}
	if !IsInstance(l, IEnumerable) || !IsInstance(l, ListT) {
		t.Fatal("List must be IEnumerable")
	}
}

func TestDictionaryMembers(t *testing.T) {
	t.Parallel()
	d := ctCtor(t, DictionaryT, String, Int32).(*Dictionary)
	add := func(k string, v int32) error { _, err := ctInst(t, "Add", d, k, v); return err }
	for i, k := range []string{"b", "a", "c"} {
		if err := add(k, int32(i)); err != nil {
			t.Fatal(err)
		}
	}
	ctWantExc(t, add("a", 9), "System.ArgumentException", "An item with the same key has already been added. Key: a")
	get, set := DictionaryT.Indexers[0], DictionaryT.Indexers[1]
	if v := ctMust(get.Fn(d, []any{"a"})); v != int32(1) {
		t.Errorf("d[a] = %v", v)
	}
	_, err := get.Fn(d, []any{"zz"})
	ctWantExc(t, err, "System.Collections.Generic.KeyNotFoundException", "The given key 'zz' was not present in the dictionary.")
	ctMust(set.Fn(d, []any{"a", int32(5)}))
	ctMust(set.Fn(d, []any{"d", int32(7)}))

	var out any
	if ok := ctMust(ctInst(t, "TryGetValue", d, "a", &out)); ok != true || out != int32(5) {
		t.Errorf("TryGetValue(a) = %v, %v", ok, out)
	}
	if ok := ctMust(ctInst(t, "TryGetValue", d, "q", &out)); ok != false || out != int32(0) {
		t.Errorf("TryGetValue(q) = %v, %v (want default int)", ok, out)
	}
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"ContainsKey", ctMust(ctInst(t, "ContainsKey", d, "c")), true},
		{"ContainsKey case", ctMust(ctInst(t, "ContainsKey", d, "C")), false},
		{"ContainsValue", ctMust(ctInst(t, "ContainsValue", d, int32(7))), true},
		{"Count", ctProp(t, d, "Count"), int32(4)},
		{"Keys order", ctProp(t, d, "Keys").(*List).Items, []any{"b", "a", "c", "d"}},
		{"Values order", ctProp(t, d, "Values").(*List).Items, []any{int32(0), int32(5), int32(2), int32(7)}},
		{"GetValueOrDefault missing", ctMust(ctInst(t, "GetValueOrDefault", d, "zz", int32(42))), int32(42)},
		{"TryAdd existing", ctMust(ctInst(t, "TryAdd", d, "a", int32(1))), false},
		{"Remove", ctMust(ctInst(t, "Remove", d, "a")), true},
		{"Remove again", ctMust(ctInst(t, "Remove", d, "a")), false},
		{"TryAdd reuses slot", ctMust(ctInst(t, "TryAdd", d, "e", int32(8))), true},
		{"order after remove+add", ctProp(t, d, "Keys").(*List).Items, []any{"b", "e", "c", "d"}},
		{"enumerates pairs", ctSlice(t, d)[0], KeyValuePair{"b", int32(0)}},
		{"KeyValuePair.Key", ctProp(t, ctSlice(t, d)[1], "Key"), "e"},
		{"ToString", ToString(d), "System.Collections.Generic.Dictionary`2[System.String,System.Int32]"},
		{"kvp ToString", ToString(KeyValuePair{"a", int32(1)}), "[a, 1]"},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
	ctMust(ctInst(t, "Clear", d))
	if d.Len() != 0 {
		t.Error("Clear")
	}
}

func TestDictionaryComparerAndCopy(t *testing.T) {
	t.Parallel()
	cmpProp := StringComparerT.StaticProps["OrdinalIgnoreCase"]
	c := ctMust(cmpProp.Get(nil))
	d := ctCtor(t, DictionaryT, String, String, c).(*Dictionary)
	ctMust(ctInst(t, "Add", d, "Content-Type", "json"))
	if v, ok := d.Get("content-type"); !ok || v != "json" {
		t.Fatalf("ignore-case lookup: %v %v", v, ok)
	}
	_, err := ctInst(t, "Add", d, "CONTENT-TYPE", "x")
	ctWantExc(t, err, "System.ArgumentException", "An item with the same key has already been added. Key: CONTENT-TYPE")

	cp := ctCtor(t, DictionaryT, d).(*Dictionary)
	if cp.Len() != 1 || cp.Key != String {
		t.Fatalf("copy: %d %v", cp.Len(), cp.Key)
	}
	if _, ok := cp.Get("content-type"); ok {
		t.Error("copy without comparer must be ordinal")
	}
	_, err = DictionaryT.Indexers[0].Fn(d, []any{nil})
	ctWantExc(t, err, "System.ArgumentNullException", "Value cannot be null. (Parameter 'key')")
}

func TestDictionaryClaimsGetValueOrDefault(t *testing.T) {
	t.Parallel()
	d := NewDictionary(String, ArrayOf(String), nil)
	_ = d.Set("roles", []string{"a", "b"})
	ct := ClaimsType()
	var join, generic *Method
	for _, m := range ct.FindMethods("GetValueOrDefault") {
		if len(m.Params) == 2 && m.Params[1].Type == String {
			join = m
		} else if len(m.Params) == 2 {
			generic = m
		}
	}
	if join == nil || generic == nil {
		t.Fatal("GetValueOrDefault overloads missing")
	}
	if got := ctMust(join.Fn(d, []any{"roles", "n/a"})); got != "a,b" {
		t.Errorf("joined = %v", got)
	}
	if got := ctMust(join.Fn(d, []any{"email", "n/a"})); got != "n/a" {
		t.Errorf("default = %v", got)
	}
	if got := join.ResultOf(ct, nil); got != String {
		t.Errorf("join result type %v", got)
	}
	if got := ctMust(generic.Fn(d, []any{"roles", []string{}})); !cmp.Equal(got, []string{"a", "b"}) {
		t.Errorf("generic = %v", got)
	}
	if got := generic.ResultOf(ct, nil); got.String() != "string[]" {
		t.Errorf("generic result type %v", got)
	}
	if got := ElemType(ct).String(); got != "KeyValuePair<string, string[]>" {
		t.Errorf("ElemType(claims) = %s", got)
	}
	if got := ElemType(ct).FindProp("Value").Type.String(); got != "string[]" {
		t.Errorf("kvp Value type = %s", got)
	}
}

func TestCollHashSetQueueStackTuple(t *testing.T) {
	t.Parallel()
	s := ctCtor(t, HashSetT, String).(*HashSet)
	if ctMust(ctInst(t, "Add", s, "a")) != true || ctMust(ctInst(t, "Add", s, "a")) != false {
		t.Fatal("HashSet.Add result")
	}
	ctMust(ctInst(t, "UnionWith", s, []string{"b", "a", "c"}))
	if diff := cmp.Diff([]any{"a", "b", "c"}, ctSlice(t, s)); diff != "" {
		t.Errorf("set order (-want +got):\n%s", diff)
	}
	ctMust(ctInst(t, "IntersectWith", s, []string{"c", "a"}))
	if diff := cmp.Diff([]any{"a", "c"}, ctSlice(t, s)); diff != "" {
		t.Errorf("intersect (-want +got):\n%s", diff)
	}
	if ctProp(t, s, "Count") != int32(2) || ctMust(ctInst(t, "Contains", s, "b")) != false {
		t.Error("Count/Contains")
	}
	ic := ctCtor(t, HashSetT, String, OrdinalIgnoreCaseComparer).(*HashSet)
	ic.Add("A")
	if !ic.Contains("a") {
		t.Error("ignore-case set")
	}

	q := ctCtor(t, QueueT, Int32).(*Queue)
	ctMust(ctInst(t, "Enqueue", q, int32(1)))
	ctMust(ctInst(t, "Enqueue", q, int32(2)))
	if ctMust(ctInst(t, "Dequeue", q)) != int32(1) || ctMust(ctInst(t, "Peek", q)) != int32(2) {
		t.Error("queue order")
	}
	ctMust(ctInst(t, "Dequeue", q))
	_, err := ctInst(t, "Dequeue", q)
	ctWantExc(t, err, "System.InvalidOperationException", "Queue empty.")

	st := ctCtor(t, StackT, Int32).(*Stack)
	for i := int32(1); i <= 3; i++ {
		ctMust(ctInst(t, "Push", st, i))
	}
	if diff := cmp.Diff([]any{int32(3), int32(2), int32(1)}, ctSlice(t, st)); diff != "" {
		t.Errorf("stack enumeration (-want +got):\n%s", diff)
	}
	if ctMust(ctInst(t, "Pop", st)) != int32(3) {
		t.Error("Pop")
	}

	tup := ctMust(ctStatic(t, TupleT, "Create", "a", int32(2))).(*Tuple)
	if ctProp(t, tup, "Item2") != int32(2) || ToString(tup) != "(a, 2)" {
		t.Errorf("tuple %v", tup)
	}
	if TupleType(String, Int32).FindProp("Item1").Type != String {
		t.Error("typed tuple property")
	}
}

func TestCollArray(t *testing.T) {
	t.Parallel()
	arr := []string{"b", "a", "c"}
	if ctProp(t, arr, "Length") != int32(3) {
		t.Error("Length")
	}
	get, set := Array.Indexers[0], Array.Indexers[1]
	if ctMust(get.Fn(arr, []any{int32(1)})) != "a" {
		t.Error("get")
	}
	_, err := get.Fn(arr, []any{int32(3)})
	ctWantExc(t, err, "System.IndexOutOfRangeException", "Index was outside the bounds of the array.")
	_, err = set.Fn(arr, []any{int32(0), int32(1)})
	ctWantExc(t, err, "System.ArrayTypeMismatchException", "")
	ctMust(set.Fn(arr, []any{int32(0), "z"}))
	if arr[0] != "z" {
		t.Error("set")
	}
	if ctMust(ctStatic(t, Array, "IndexOf", arr, "c")) != int32(2) {
		t.Error("IndexOf")
	}
	ctMust(ctStatic(t, Array, "Sort", arr))
	if strings.Join(arr, "") != "acz" {
		t.Errorf("Sort: %v", arr)
	}
	e := ctMust(ctStatic(t, Array, "Empty", String))
	if s, ok := e.([]string); !ok || len(s) != 0 {
		t.Errorf("Empty<string> = %#v", e)
	}
	if got := get.ResultOf(ArrayOf(String), nil); got != String {
		t.Errorf("string[] indexer type %v", got)
	}
}

func TestCollElemType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   *Type
		want string
	}{
		{ArrayOf(String), "string"},
		{Instantiate(ListT, Int32), "int"},
		{Instantiate(IEnumerable, String), "string"},
		{Instantiate(DictionaryT, String, Int32), "KeyValuePair<string, int>"},
		{String, "char"},
		{Instantiate(HashSetT, String), "string"},
		{GroupingType(String, Int32), "int"},
		{Int32, "object"},
		{nil, "object"},
	}
	for _, tt := range tests {
		if got := ElemType(tt.in).String(); got != tt.want {
			t.Errorf("ElemType(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if KVPType(String, Int32).FindProp("Key").Type != String {
		t.Error("KeyValuePair<string,int>.Key type")
	}
	if KeyValuePairT.Props["Key"].Type != nil {
		t.Error("specialising must not touch the definition")
	}
}

func TestCollInterfaceDispatch(t *testing.T) {
	t.Parallel()
	l := NewList(String, "a")
	il := Instantiate(IListT, String)
	var add *Method
	for _, m := range il.FindMethods("Add") {
		add = m
	}
	if add == nil || !add.Extension {
		t.Fatal("IList<T>.Add must be registered as an extension-style member")
	}
	ctMust(add.Fn(l, []any{"b"}))
	if got := ctMust(il.FindProp("Count").Get(l)); got != int32(2) {
		t.Errorf("IList.Count = %v", got)
	}
	if got := ctMust(il.FindIndexers()[0].Fn(l, []any{int32(1)})); got != "b" {
		t.Errorf("IList[1] = %v", got)
	}
	for _, m := range Instantiate(ListT, String).FindMethods("Add") {
		if !m.Extension && m.Params[0].Type != nil {
			t.Error("List.Add must stay untyped and instance")
		}
	}
}

func TestCollIsInstance(t *testing.T) {
	t.Parallel()
	l := NewList(String, "a")
	d := NewDictionary(String, Object, nil)
	tests := []struct {
		v    any
		t    *Type
		want bool
	}{
		{l, Instantiate(ListT, String), true},
		{l, Instantiate(IEnumerable, String), true},
		{l, Instantiate(IListT, String), true},
		{l, Instantiate(DictionaryT, String, Object), false},
		{d, Instantiate(IReadOnlyDictionaryT, String, Object), true},
		{d, Instantiate(DictionaryT, String, Object), true},
		{KeyValuePair{"a", 1}, KVPType(String, Int32), true},
		{[]string{"a"}, Instantiate(IEnumerable, String), true},
		{nil, Instantiate(ListT, String), false},
	}
	for i, tt := range tests {
		if got := IsInstance(tt.v, tt.t); got != tt.want {
			t.Errorf("%d: IsInstance(%T, %s) = %v", i, tt.v, tt.t, got)
		}
	}
}
