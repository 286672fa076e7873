package dotnet

import (
	"iter"
	"math"
	"reflect"
	"strings"
	"sync"
)

// Collection interfaces and types of System.Collections.Generic. Generic
// definitions are registered under their arity names ("List`1"); the
// compiler constructs List<string> with Instantiate.
var (
	// ICollectionT is ICollection<T>.
	ICollectionT = Register(collIface("ICollection`1", "System.Collections.Generic.ICollection`1", IEnumerable))
	// IReadOnlyCollectionT is IReadOnlyCollection<T>.
	IReadOnlyCollectionT = Register(collIface("IReadOnlyCollection`1", "System.Collections.Generic.IReadOnlyCollection`1", IEnumerable))
	// IListT is IList<T>.
	IListT = Register(collIface("IList`1", "System.Collections.Generic.IList`1", ICollectionT, IEnumerable))
	// ISetT is ISet<T>.
	ISetT = Register(collIface("ISet`1", "System.Collections.Generic.ISet`1", ICollectionT, IEnumerable))
	// IEnumeratorT is IEnumerator<T>.
	IEnumeratorT = Register(collIface("IEnumerator`1", "System.Collections.Generic.IEnumerator`1"))
	// IDictionaryT is IDictionary<TKey, TValue>.
	IDictionaryT = Register(collIface("IDictionary`2", "System.Collections.Generic.IDictionary`2", ICollectionT, IEnumerable))
	// IReadOnlyDictionaryT is IReadOnlyDictionary<TKey, TValue>.
	IReadOnlyDictionaryT = Register(collIface("IReadOnlyDictionary`2", "System.Collections.Generic.IReadOnlyDictionary`2", IReadOnlyCollectionT, IEnumerable))
	// IEqualityComparerT is IEqualityComparer<T>.
	IEqualityComparerT = Register(collIface("IEqualityComparer`1", "System.Collections.Generic.IEqualityComparer`1"))
	// IComparerT is IComparer<T>.
	IComparerT = Register(collIface("IComparer`1", "System.Collections.Generic.IComparer`1"))

	// ListT is List<T>; values are *List.
	ListT = Register(collClass("List`1", "System.Collections.Generic.List`1", reflect.TypeOf((*List)(nil)), IListT, ICollectionT, IReadOnlyCollectionT, IEnumerable))
	// DictionaryT is Dictionary<TKey, TValue>; values are *Dictionary.
	DictionaryT = Register(collClass("Dictionary`2", "System.Collections.Generic.Dictionary`2", reflect.TypeOf((*Dictionary)(nil)), IDictionaryT, IReadOnlyDictionaryT, ICollectionT, IEnumerable))
	// HashSetT is HashSet<T>; values are *HashSet.
	HashSetT = Register(collClass("HashSet`1", "System.Collections.Generic.HashSet`1", reflect.TypeOf((*HashSet)(nil)), ISetT, ICollectionT, IReadOnlyCollectionT, IEnumerable))
	// QueueT is Queue<T>; values are *Queue.
	QueueT = Register(collClass("Queue`1", "System.Collections.Generic.Queue`1", reflect.TypeOf((*Queue)(nil)), IReadOnlyCollectionT, IEnumerable))
	// StackT is Stack<T>; values are *Stack.
	StackT = Register(collClass("Stack`1", "System.Collections.Generic.Stack`1", reflect.TypeOf((*Stack)(nil)), IReadOnlyCollectionT, IEnumerable))
	// KeyValuePairT is KeyValuePair<TKey, TValue>; values are KeyValuePair.
	KeyValuePairT = Register(collStruct("KeyValuePair`2", "System.Collections.Generic.KeyValuePair`2", reflect.TypeOf(KeyValuePair{})))
	// TupleT is System.Tuple: the static Create methods and the Item1..Item7
	// properties of its instances (*Tuple).
	TupleT = Register(collClass("Tuple", "System.Tuple", reflect.TypeOf((*Tuple)(nil))))
	// StringComparerT is System.StringComparer with its static comparers.
	StringComparerT = Register(collClass("StringComparer", "System.StringComparer", reflect.TypeOf((*StringComparer)(nil)), IEqualityComparerT, IComparerT))
)

func collIface(name, full string, ifaces ...*Type) *Type {
	t := NewType(name, full, nil, nil)
	t.Base = nil
	t.Interface = true
	t.Ifaces = ifaces
	return t
}

func collClass(name, full string, gt reflect.Type, ifaces ...*Type) *Type {
	t := NewType(name, full, Object, gt)
	t.Ifaces = ifaces
	t.Is = collIsGo(gt)
	return t
}

func collStruct(name, full string, gt reflect.Type) *Type {
	t := NewType(name, full, Object, gt)
	t.ValueType = true
	t.Is = collIsGo(gt)
	return t
}

// collIsGo tests a value's Go type. Constructed types share it with their
// definition (Instantiate copies Is), so a *List is a List<string> whatever
// its element type: casts to List<T> do not check T.
func collIsGo(gt reflect.Type) func(any) bool {
	if gt == nil {
		return nil
	}
	return func(v any) bool { return v != nil && reflect.TypeOf(v) == gt }
}

// ---- Go values ----

// List is List<T>.
type List struct {
	Elem  *Type // T; Object when unknown
	Items []any
}

// NewList returns an empty List<elem>.
func NewList(elem *Type, items ...any) *List {
	if elem == nil {
		elem = Object
	}
	return &List{Elem: elem, Items: items}
}

// Iter enumerates the list.
func (l *List) Iter() iter.Seq[any] { return collSliceSeq(l.Items) }

// String is what List<T>.ToString() prints.
func (l *List) String() string {
	return "System.Collections.Generic.List`1[" + collTypeFull(l.Elem) + "]"
}

// Dictionary is Dictionary<TKey, TValue>: enumeration follows insertion
// order, with freed slots reused as .NET reuses them.
type Dictionary struct {
	Key, Val *Type
	t        *collTable
	// Missing, when set, makes reading a missing key add Missing() under it
	// (the form dictionary of AsFormUrlEncodedContent).
	Missing func() any
}

// NewDictionary returns an empty Dictionary<key, val> using cmp for keys
// (DefaultEquality when nil).
func NewDictionary(key, val *Type, cmp EqualityComparer) *Dictionary {
	if key == nil {
		key = Object
	}
	if val == nil {
		val = Object
	}
	return &Dictionary{Key: key, Val: val, t: newCollTable(cmp)}
}

func (d *Dictionary) tab() *collTable {
	if d.t == nil {
		d.t = newCollTable(nil)
	}
	return d.t
}

// Comparer returns the key comparer.
func (d *Dictionary) Comparer() EqualityComparer { return d.tab().eq }

// Len is Count.
func (d *Dictionary) Len() int { return d.tab().n }

// Get returns the value for key.
func (d *Dictionary) Get(key any) (any, bool) {
	if i := d.tab().find(key); i >= 0 {
		return d.t.vals[i], true
	}
	return nil, false
}

// Set is the indexer setter: it adds or overwrites.
func (d *Dictionary) Set(key, val any) error {
	if key == nil {
		return ArgumentNull("key")
	}
	d.tab().put(key, val, true)
	return nil
}

// Add adds a new key, failing as .NET does on a duplicate.
func (d *Dictionary) Add(key, val any) error {
	if key == nil {
		return ArgumentNull("key")
	}
	if !d.tab().put(key, val, false) {
		return collArgError("An item with the same key has already been added. Key: " + ToString(key))
	}
	return nil
}

// Remove removes a key and reports whether it was present.
func (d *Dictionary) Remove(key any) bool { return d.tab().remove(key) }

// Keys returns the keys in enumeration order.
func (d *Dictionary) Keys() []any {
	out := make([]any, 0, d.Len())
	d.tab().each(func(k, _ any) bool { out = append(out, k); return true })
	return out
}

// Values returns the values in enumeration order.
func (d *Dictionary) Values() []any {
	out := make([]any, 0, d.Len())
	d.tab().each(func(_, v any) bool { out = append(out, v); return true })
	return out
}

// Iter enumerates KeyValuePair values.
func (d *Dictionary) Iter() iter.Seq[any] {
	return func(yield func(any) bool) {
		d.tab().each(func(k, v any) bool { return yield(KeyValuePair{k, v}) })
	}
}

// String is what Dictionary<K,V>.ToString() prints.
func (d *Dictionary) String() string {
	return "System.Collections.Generic.Dictionary`2[" + collTypeFull(d.Key) + "," + collTypeFull(d.Val) + "]"
}

// KeyValuePair is KeyValuePair<TKey, TValue>.
type KeyValuePair struct {
	Key, Value any
}

// String is KeyValuePair.ToString(): "[key, value]".
func (p KeyValuePair) String() string { return "[" + ToString(p.Key) + ", " + ToString(p.Value) + "]" }

// HashSet is HashSet<T>.
type HashSet struct {
	Elem *Type
	t    *collTable
}

// NewHashSet returns an empty HashSet<elem> under cmp (DefaultEquality when nil).
func NewHashSet(elem *Type, cmp EqualityComparer) *HashSet {
	if elem == nil {
		elem = Object
	}
	return &HashSet{Elem: elem, t: newCollTable(cmp)}
}

func (s *HashSet) tab() *collTable {
	if s.t == nil {
		s.t = newCollTable(nil)
	}
	return s.t
}

// Add adds v and reports whether it was new.
func (s *HashSet) Add(v any) bool { return s.tab().put(v, nil, false) }

// Contains reports membership.
func (s *HashSet) Contains(v any) bool { return s.tab().find(v) >= 0 }

// Remove removes v and reports whether it was present.
func (s *HashSet) Remove(v any) bool { return s.tab().remove(v) }

// Len is Count.
func (s *HashSet) Len() int { return s.tab().n }

// Iter enumerates the set.
func (s *HashSet) Iter() iter.Seq[any] {
	return func(yield func(any) bool) {
		s.tab().each(func(k, _ any) bool { return yield(k) })
	}
}

// String is what HashSet<T>.ToString() prints.
func (s *HashSet) String() string {
	return "System.Collections.Generic.HashSet`1[" + collTypeFull(s.Elem) + "]"
}

// Queue is Queue<T>; Items[0] is the head.
type Queue struct {
	Elem  *Type
	Items []any
}

// Iter enumerates from head to tail.
func (q *Queue) Iter() iter.Seq[any] { return collSliceSeq(q.Items) }

// String is what Queue<T>.ToString() prints.
func (q *Queue) String() string {
	return "System.Collections.Generic.Queue`1[" + collTypeFull(q.Elem) + "]"
}

// Stack is Stack<T>; the top is the last item.
type Stack struct {
	Elem  *Type
	Items []any
}

// Iter enumerates from top to bottom, as .NET does.
func (s *Stack) Iter() iter.Seq[any] {
	return func(yield func(any) bool) {
		for i := len(s.Items) - 1; i >= 0; i-- {
			if !yield(s.Items[i]) {
				return
			}
		}
	}
}

// String is what Stack<T>.ToString() prints.
func (s *Stack) String() string {
	return "System.Collections.Generic.Stack`1[" + collTypeFull(s.Elem) + "]"
}

// Tuple is System.Tuple<T1..T7>.
type Tuple struct {
	Items []any
}

// String is Tuple.ToString(): "(a, b)".
func (t *Tuple) String() string {
	parts := make([]string, len(t.Items))
	for i, x := range t.Items {
		parts[i] = ToString(x)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// EqualsValue gives tuples structural equality, as System.Tuple has.
func (t *Tuple) EqualsValue(o any) bool {
	u, ok := o.(*Tuple)
	if !ok || len(u.Items) != len(t.Items) {
		return false
	}
	for i := range t.Items {
		if !Equals(t.Items[i], u.Items[i]) {
			return false
		}
	}
	return true
}

// HashKey is consistent with EqualsValue for tuples of hashable items.
func (t *Tuple) HashKey() any {
	type tk struct {
		n     int
		first any
	}
	if len(t.Items) == 0 {
		return tk{}
	}
	return tk{len(t.Items), HashKey(t.Items[0])}
}

func collTypeFull(t *Type) string {
	if t == nil {
		return "System.Object"
	}
	if t.Generic == Array && len(t.Args) == 1 {
		return collTypeFull(t.Args[0]) + "[]"
	}
	return t.FullName
}

func collSliceSeq(items []any) iter.Seq[any] {
	return func(yield func(any) bool) {
		for _, x := range items {
			if !yield(x) {
				return
			}
		}
	}
}

// ---- static element types ----

// ElemType returns the element type of an enumerable static type: T for
// T[], List<T>, IEnumerable<T> and the other generic collections,
// KeyValuePair<K,V> for dictionaries, char for string, JToken for the JSON
// containers, and object otherwise. The compiler uses it to type lambda
// parameters of LINQ operators and foreach variables.
func ElemType(t *Type) *Type {
	if t == nil {
		return Object
	}
	if t == String {
		return CharT
	}
	if t.Nullable {
		return Object
	}
	switch t.Name {
	case "JObject":
		// foreach over a JObject uses its public GetEnumerator:
		// KeyValuePair<string, JToken>.
		if jt := Lookup("JToken"); jt != nil {
			return KVPType(String, jt)
		}
		return KVPType(String, Object)
	case "JArray", "JToken", "JContainer", "JEnumerable`1", "IJEnumerable`1", "JProperty", "JConstructor":
		if t.Generic != nil && len(t.Args) == 1 {
			return t.Args[0]
		}
		if jt := Lookup("JToken"); jt != nil {
			return jt
		}
		return Object
	}
	for x := t; x != nil; x = x.Base {
		if e := collElemOfGeneric(x); e != nil {
			return e
		}
		for _, i := range x.Ifaces {
			// An interface constructed with its arguments (IEnumerable<JToken>)
			// names the element type directly.
			if i.Generic == IEnumerable && len(i.Args) == 1 {
				return i.Args[0]
			}
		}
	}
	return Object
}

func collElemOfGeneric(t *Type) *Type {
	def := t.Generic
	if def == nil {
		return nil
	}
	switch def {
	case Array:
		return t.Arg(0)
	case DictionaryT, IDictionaryT, IReadOnlyDictionaryT:
		return KVPType(t.Arg(0), t.Arg(1))
	case IGroupingT:
		return t.Arg(1)
	case ListT, IEnumerable, HashSetT, QueueT, StackT, IListT, ICollectionT, IReadOnlyCollectionT, ISetT, IEnumeratorT, IOrderedEnumerableT, SequenceT:
		return t.Arg(0)
	}
	return nil
}

var (
	collSpecMu    sync.Mutex
	collSpecCache = map[*Type]*Type{}
)

// KVPType returns KeyValuePair<k, v> with its Key and Value properties typed
// (k and v) so that the compiler can check kv.Key.Length.
func KVPType(k, v *Type) *Type {
	return collSpecialize(Instantiate(KeyValuePairT, k, v), map[string]*Type{"Key": k, "Value": v})
}

// GroupingType returns IGrouping<k, e> with its Key property typed.
func GroupingType(k, e *Type) *Type {
	return collSpecialize(Instantiate(IGroupingT, k, e), map[string]*Type{"Key": k})
}

// TupleType returns a constructed Tuple with Item1..ItemN typed.
func TupleType(items ...*Type) *Type {
	m := map[string]*Type{}
	for i, t := range items {
		m["Item"+string(rune('1'+i))] = t
	}
	return collSpecialize(Instantiate(TupleT, items...), m)
}

// collSpecialize returns a copy of the constructed generic type t with its
// own property table, the type arguments substituted (Prop has no ResultOf
// hook). The copy is cached here, never written into Instantiate's cache:
// types the compiler is reading are not mutated, so there is no race. The
// copy has the same Generic and Args, so AssignableTo treats it as t.
func collSpecialize(t *Type, types map[string]*Type) *Type {
	collSpecMu.Lock()
	defer collSpecMu.Unlock()
	if c, ok := collSpecCache[t]; ok {
		return c
	}
	def := t.Generic
	if def == nil || len(def.Props) == 0 {
		return t // not yet populated (too early in init)
	}
	props := make(map[string]*Prop, len(def.Props))
	for n, p := range def.Props {
		if typ, ok := types[n]; ok {
			q := *p
			q.Type = typ
			p = &q
		}
		props[n] = p
	}
	c := *t
	c.Props = props
	collSpecCache[t] = &c
	return &c
}

// lqEnumOf returns IEnumerable<elem>.
func lqEnumOf(elem *Type) *Type { return Instantiate(IEnumerable, elem) }

// ---- argument helpers ----

// collInt converts an integral argument to int.
func collInt(v any) (int, error) {
	switch x := v.(type) {
	case int32:
		return int(x), nil
	case int64:
		if x > math.MaxInt32 || x < math.MinInt32 {
			return 0, Throw("System.OverflowException", "Arithmetic operation resulted in an overflow.")
		}
		return int(x), nil
	case int:
		return x, nil
	case int16:
		return int(x), nil
	case int8:
		return int(x), nil
	case uint8:
		return int(x), nil
	case uint16:
		return int(x), nil
	case uint32:
		return int(x), nil
	case Char:
		return int(x), nil
	case nil:
		return 0, NullReference()
	}
	return 0, InvalidCast(TypeOf(v).FullName, "System.Int32")
}

// collTypeArgs splits leading *Type arguments (generic type arguments supplied by
// the compiler) from the rest.
func collTypeArgs(args []any) ([]*Type, []any) {
	var ts []*Type
	for len(args) > 0 {
		t, ok := args[0].(*Type)
		if !ok {
			break
		}
		ts = append(ts, t)
		args = args[1:]
	}
	return ts, args
}

// lqCall invokes a lambda with the element (and its index when the lambda
// takes two parameters).
func lqCall(f any, x any, i int) (any, error) {
	fn, ok := f.(Func)
	if !ok {
		if f == nil {
			return nil, ArgumentNull("predicate")
		}
		return nil, InvalidCast(TypeOf(f).FullName, "System.Func")
	}
	if fn.Arity() >= 2 {
		return fn.Call(x, int32(i))
	}
	return fn.Call(x)
}

// lqTruth converts a predicate result.
func lqTruth(v any, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, InvalidCast(TypeOf(v).FullName, "System.Boolean")
	}
	return b, nil
}

func collParam(name string, t *Type) Param { return Param{Name: name, Type: t} }

func collOutParam(name string, t *Type) Param { return Param{Name: name, Type: t, Out: true} }

func collArgT(i int) func(*Type, []*Type) *Type {
	return func(r *Type, _ []*Type) *Type { return r.Arg(i) }
}

// collSetOut assigns an out argument.
func collSetOut(ref any, v any) {
	if p, ok := ref.(*any); ok && p != nil {
		*p = v
	}
}
