package dotnet

import (
	"reflect"
	"slices"
	"sort"
)

// Indexers: a getter is registered as a Method named "Get" whose Params are
// the indexes; the setter is named "Set" and takes the value last.

func init() {
	collRegisterList()
	collRegisterDictionary()
	collRegisterSets()
	collRegisterArray()
	collRegisterMisc()
	collRegisterInterfaces()
}

// collRegisterInterfaces gives the collection interfaces (IList<T>,
// ICollection<T>, IReadOnlyCollection<T>, ISet<T>) their members. Each one
// dispatches on the receiver's runtime type to the class's member with the
// same name and arity, so an IList<string> holding a *List works as
// .NET's interface call does. The methods are registered as extension
// methods so that, by C#'s rule that instance methods win, they never
// compete with List<T>.Add and friends when the static type is the class.
func collRegisterInterfaces() {
	virtual := func(name string, nparams int, result *Type, resultOf func(*Type, []*Type) *Type) *Method {
		params := make([]Param, nparams+1)
		params[0] = collParam("collection", ICollectionT)
		for i := 1; i <= nparams; i++ {
			params[i] = collParam("arg"+string(rune('0'+i)), nil)
		}
		return &Method{Name: name, Params: params, Extension: true, Result: result, ResultOf: resultOf, Fn: func(r any, a []any) (any, error) {
			if r == nil {
				return nil, NullReference()
			}
			for _, m := range TypeOf(r).FindMethods(name) {
				if !m.Extension && len(m.Params) == nparams && m.Fn != nil {
					return m.Fn(r, a)
				}
			}
			return nil, Throw("System.NotSupportedException", "Specified method is not supported.")
		}}
	}
	count := &Prop{Name: "Count", Type: Int32, Get: func(r any) (any, error) {
		if r == nil {
			return nil, NullReference()
		}
		if p := TypeOf(r).FindProp("Count"); p != nil && p.Get != nil {
			return p.Get(r)
		}
		return nil, Throw("System.NotSupportedException", "Specified method is not supported.")
	}}
	for _, t := range []*Type{ICollectionT, IReadOnlyCollectionT, IListT, ISetT} {
		t.AddProp(count)
	}
	for _, t := range []*Type{ICollectionT, IListT, ISetT} {
		t.AddMethod(
			virtual("Add", 1, Void, nil),
			virtual("Remove", 1, Boolean, nil),
			virtual("Contains", 1, Boolean, nil),
			virtual("Clear", 0, Void, nil),
		)
	}
	IListT.AddMethod(
		virtual("IndexOf", 1, Int32, nil),
		virtual("Insert", 2, Void, nil),
		virtual("RemoveAt", 1, Void, nil),
	)
	ISetT.AddMethod(virtual("UnionWith", 1, Void, nil), virtual("ExceptWith", 1, Void, nil), virtual("IntersectWith", 1, Void, nil))
	IListT.Indexers = append(IListT.Indexers,
		&Method{Name: "Get", Params: []Param{collParam("index", Int32)}, ResultOf: collArgT(0), Fn: func(r any, a []any) (any, error) {
			if ix := TypeOf(r).FindIndexers(); len(ix) > 0 {
				return ix[0].Fn(r, a)
			}
			return nil, NullReference()
		}},
		&Method{Name: "Set", Params: []Param{collParam("index", Int32), collParam("value", nil)}, Result: Void, Fn: func(r any, a []any) (any, error) {
			for _, m := range TypeOf(r).FindIndexers() {
				if m.Name == "Set" {
					return m.Fn(r, a)
				}
			}
			return nil, NullReference()
		}},
	)
}

func collAsList(recv any) (*List, error) {
	l, ok := recv.(*List)
	if !ok || l == nil {
		return nil, NullReference()
	}
	return l, nil
}

func collTypeArg(ts []*Type, i int) *Type {
	if i < len(ts) && ts[i] != nil {
		return ts[i]
	}
	return Object
}

// collRuntimeElem guesses the element type of an enumerable value at run time.
func collRuntimeElem(v any) *Type {
	switch x := v.(type) {
	case *List:
		return x.Elem
	case *HashSet:
		return x.Elem
	case *Queue:
		return x.Elem
	case *Stack:
		return x.Elem
	case *Sequence:
		return x.Elem
	case *Ordered:
		return x.Elem
	case *Dictionary:
		return KVPType(x.Key, x.Val)
	case string:
		return CharT
	}
	return ElemType(TypeOf(v))
}

func collIndex(l int, v any) (int, error) {
	i, err := collInt(v)
	if err != nil {
		return 0, err
	}
	if i < 0 || i >= l {
		return 0, OutOfRange("index")
	}
	return i, nil
}

func collRegisterList() {
	T := ListT
	self := func(r *Type, _ []*Type) *Type { return r }
	T.Ctors = append(T.Ctors,
		&Method{Name: ".ctor", Fn: func(_ any, args []any) (any, error) {
			ts, _ := collTypeArgs(args)
			return NewList(collTypeArg(ts, 0)), nil
		}},
		&Method{Name: ".ctor", Params: []Param{collParam("capacity", Int32)}, Fn: func(_ any, args []any) (any, error) {
			ts, args := collTypeArgs(args)
			n, err := collInt(args[0])
			if err != nil {
				return nil, err
			}
			if n < 0 {
				return nil, Throw("System.ArgumentOutOfRangeException", "Non-negative number required. (Parameter 'capacity')")
			}
			return &List{Elem: collTypeArg(ts, 0), Items: make([]any, 0, n)}, nil
		}},
		&Method{Name: ".ctor", Params: []Param{collParam("collection", IEnumerable)}, Fn: func(_ any, args []any) (any, error) {
			ts, args := collTypeArgs(args)
			items, err := ToSlice(args[0])
			if err != nil {
				return nil, ArgumentNull("collection")
			}
			e := collTypeArg(ts, 0)
			if len(ts) == 0 {
				e = collRuntimeElem(args[0])
			}
			return &List{Elem: e, Items: items}, nil
		}},
	)
	T.AddProp(
		&Prop{Name: "Count", Type: Int32, Get: func(r any) (any, error) {
			l, err := collAsList(r)
			if err != nil {
				return nil, err
			}
			return int32(len(l.Items)), nil
		}},
		&Prop{Name: "Capacity", Type: Int32, Get: func(r any) (any, error) {
			l, err := collAsList(r)
			if err != nil {
				return nil, err
			}
			return int32(cap(l.Items)), nil
		}},
	)
	T.Indexers = append(T.Indexers,
		&Method{Name: "Get", Params: []Param{collParam("index", Int32)}, ResultOf: collArgT(0), Fn: func(r any, a []any) (any, error) {
			l, err := collAsList(r)
			if err != nil {
				return nil, err
			}
			i, err := collIndex(len(l.Items), a[0])
			if err != nil {
				return nil, err
			}
			return l.Items[i], nil
		}},
		&Method{Name: "Set", Params: []Param{collParam("index", Int32), collParam("value", nil)}, Result: Void, Fn: func(r any, a []any) (any, error) {
			l, err := collAsList(r)
			if err != nil {
				return nil, err
			}
			i, err := collIndex(len(l.Items), a[0])
			if err != nil {
				return nil, err
			}
			l.Items[i] = a[1]
			return nil, nil
		}},
	)
	lm := func(name string, params []Param, result *Type, fn func(l *List, a []any) (any, error)) *Method {
		return &Method{Name: name, Params: params, Result: result, Fn: func(r any, a []any) (any, error) {
			l, err := collAsList(r)
			if err != nil {
				return nil, err
			}
			return fn(l, a)
		}}
	}
	withRes := func(m *Method, rf func(*Type, []*Type) *Type) *Method { m.ResultOf = rf; return m }
	T.AddMethod(
		lm("Add", []Param{collParam("item", nil)}, Void, func(l *List, a []any) (any, error) {
			l.Items = append(l.Items, a[0])
			return nil, nil
		}),
		lm("AddRange", []Param{collParam("collection", IEnumerable)}, Void, func(l *List, a []any) (any, error) {
			items, err := ToSlice(a[0])
			if err != nil {
				return nil, ArgumentNull("collection")
			}
			l.Items = append(l.Items, items...)
			return nil, nil
		}),
		lm("Insert", []Param{collParam("index", Int32), collParam("item", nil)}, Void, func(l *List, a []any) (any, error) {
			i, err := collInt(a[0])
			if err != nil {
				return nil, err
			}
			if i < 0 || i > len(l.Items) {
				return nil, Throw("System.ArgumentOutOfRangeException", "Index must be within the bounds of the List. (Parameter 'index')")
			}
			l.Items = slices.Insert(l.Items, i, a[1])
			return nil, nil
		}),
		lm("InsertRange", []Param{collParam("index", Int32), collParam("collection", IEnumerable)}, Void, func(l *List, a []any) (any, error) {
			i, err := collInt(a[0])
			if err != nil {
				return nil, err
			}
			if i < 0 || i > len(l.Items) {
				return nil, Throw("System.ArgumentOutOfRangeException", "Index must be within the bounds of the List. (Parameter 'index')")
			}
			items, err := ToSlice(a[1])
			if err != nil {
				return nil, ArgumentNull("collection")
			}
			l.Items = slices.Insert(l.Items, i, items...)
			return nil, nil
		}),
		lm("Remove", []Param{collParam("item", nil)}, Boolean, func(l *List, a []any) (any, error) {
			for i, x := range l.Items {
				if Equals(x, a[0]) {
					l.Items = slices.Delete(l.Items, i, i+1)
					return true, nil
				}
			}
			return false, nil
		}),
		lm("RemoveAt", []Param{collParam("index", Int32)}, Void, func(l *List, a []any) (any, error) {
			i, err := collIndex(len(l.Items), a[0])
			if err != nil {
				return nil, err
			}
			l.Items = slices.Delete(l.Items, i, i+1)
			return nil, nil
		}),
		lm("RemoveRange", []Param{collParam("index", Int32), collParam("count", Int32)}, Void, func(l *List, a []any) (any, error) {
			i, err := collInt(a[0])
			if err != nil {
				return nil, err
			}
			n, err := collInt(a[1])
			if err != nil {
				return nil, err
			}
			if i < 0 || n < 0 || i+n > len(l.Items) {
				return nil, collArgError("Offset and length were out of bounds for the array or count is greater than the number of elements from index to the end of the source collection.")
			}
			l.Items = slices.Delete(l.Items, i, i+n)
			return nil, nil
		}),
		lm("RemoveAll", []Param{collParam("match", nil)}, Int32, func(l *List, a []any) (any, error) {
			keep := l.Items[:0:0]
			removed := 0
			for _, x := range l.Items {
				b, err := lqTruth(lqCall(a[0], x, -1))
				if err != nil {
					return nil, err
				}
				if b {
					removed++
				} else {
					keep = append(keep, x)
				}
			}
			l.Items = keep
			return int32(removed), nil
		}),
		lm("Clear", nil, Void, func(l *List, _ []any) (any, error) { l.Items = l.Items[:0:0]; return nil, nil }),
		lm("Contains", []Param{collParam("item", nil)}, Boolean, func(l *List, a []any) (any, error) {
			return slices.ContainsFunc(l.Items, func(x any) bool { return Equals(x, a[0]) }), nil
		}),
		lm("IndexOf", []Param{collParam("item", nil)}, Int32, func(l *List, a []any) (any, error) {
			return int32(slices.IndexFunc(l.Items, func(x any) bool { return Equals(x, a[0]) })), nil
		}),
		lm("LastIndexOf", []Param{collParam("item", nil)}, Int32, func(l *List, a []any) (any, error) {
			for i := len(l.Items) - 1; i >= 0; i-- {
				if Equals(l.Items[i], a[0]) {
					return int32(i), nil
				}
			}
			return int32(-1), nil
		}),
		withRes(lm("ToArray", nil, nil, func(l *List, _ []any) (any, error) {
			return collMakeArray(l.Elem, l.Items), nil
		}), func(r *Type, _ []*Type) *Type { return ArrayOf(r.Arg(0)) }),
		lm("Sort", nil, Void, func(l *List, _ []any) (any, error) { return nil, collSort(l.Items, DefaultOrder) }),
		lm("Sort", []Param{collParam("comparison", nil)}, Void, func(l *List, a []any) (any, error) {
			return nil, collSort(l.Items, collComparison(a[0]))
		}),
		lm("Reverse", nil, Void, func(l *List, _ []any) (any, error) { slices.Reverse(l.Items); return nil, nil }),
		withRes(lm("Find", []Param{collParam("match", nil)}, nil, func(l *List, a []any) (any, error) {
			for _, x := range l.Items {
				b, err := lqTruth(lqCall(a[0], x, -1))
				if err != nil || b {
					return x, err
				}
			}
			return DefaultValue(l.Elem), nil
		}), collArgT(0)),
		withRes(lm("FindLast", []Param{collParam("match", nil)}, nil, func(l *List, a []any) (any, error) {
			for i := len(l.Items) - 1; i >= 0; i-- {
				b, err := lqTruth(lqCall(a[0], l.Items[i], -1))
				if err != nil || b {
					return l.Items[i], err
				}
			}
			return DefaultValue(l.Elem), nil
		}), collArgT(0)),
		lm("FindIndex", []Param{collParam("match", nil)}, Int32, func(l *List, a []any) (any, error) {
			for i, x := range l.Items {
				b, err := lqTruth(lqCall(a[0], x, -1))
				if err != nil {
					return nil, err
				}
				if b {
					return int32(i), nil
				}
			}
			return int32(-1), nil
		}),
		withRes(lm("FindAll", []Param{collParam("match", nil)}, nil, func(l *List, a []any) (any, error) {
			out := &List{Elem: l.Elem, Items: []any{}}
			for _, x := range l.Items {
				b, err := lqTruth(lqCall(a[0], x, -1))
				if err != nil {
					return nil, err
				}
				if b {
					out.Items = append(out.Items, x)
				}
			}
			return out, nil
		}), self),
		lm("Exists", []Param{collParam("match", nil)}, Boolean, func(l *List, a []any) (any, error) {
			for _, x := range l.Items {
				b, err := lqTruth(lqCall(a[0], x, -1))
				if err != nil || b {
					return b, err
				}
			}
			return false, nil
		}),
		lm("TrueForAll", []Param{collParam("match", nil)}, Boolean, func(l *List, a []any) (any, error) {
			for _, x := range l.Items {
				b, err := lqTruth(lqCall(a[0], x, -1))
				if err != nil || !b {
					return b, err
				}
			}
			return true, nil
		}),
		lm("ForEach", []Param{collParam("action", nil)}, Void, func(l *List, a []any) (any, error) {
			for _, x := range slices.Clone(l.Items) {
				if _, err := lqCall(a[0], x, -1); err != nil {
					return nil, err
				}
			}
			return nil, nil
		}),
		withRes(&Method{Name: "ConvertAll", Params: []Param{collParam("converter", nil)}, Fn: func(r any, a []any) (any, error) {
			ts, a := collTypeArgs(a)
			l, err := collAsList(r)
			if err != nil {
				return nil, err
			}
			out := &List{Elem: collTypeArg(ts, 0), Items: make([]any, 0, len(l.Items))}
			for _, x := range l.Items {
				y, err := lqCall(a[0], x, -1)
				if err != nil {
					return nil, err
				}
				out.Items = append(out.Items, y)
			}
			return out, nil
		}}, func(_ *Type, ts []*Type) *Type { return Instantiate(ListT, collTypeArg(ts, 0)) }),
		withRes(lm("GetRange", []Param{collParam("index", Int32), collParam("count", Int32)}, nil, func(l *List, a []any) (any, error) {
			i, err := collInt(a[0])
			if err != nil {
				return nil, err
			}
			n, err := collInt(a[1])
			if err != nil {
				return nil, err
			}
			if i < 0 || n < 0 || i+n > len(l.Items) {
				return nil, collArgError("Offset and length were out of bounds for the array or count is greater than the number of elements from index to the end of the source collection.")
			}
			return &List{Elem: l.Elem, Items: slices.Clone(l.Items[i : i+n])}, nil
		}), self),
	)
}

// collComparison turns a Comparison<T> lambda or an IComparer into an Orderer.
func collComparison(v any) Orderer {
	if o, ok := v.(Orderer); ok {
		return o
	}
	if f, ok := v.(Func); ok {
		return collFuncOrder{f}
	}
	return DefaultOrder
}

type collFuncOrder struct{ f Func }

func (o collFuncOrder) Compare(a, b any) (int, error) {
	r, err := o.f.Call(a, b)
	if err != nil {
		return 0, err
	}
	n, err := collInt(r)
	return n, err
}

// collSort sorts in place (stably: .NET's introsort is not stable, so only
// the order of equal elements may differ), wrapping a comparer failure as
// .NET does.
func collSort(items []any, o Orderer) error {
	var first error
	sort.SliceStable(items, func(i, j int) bool {
		if first != nil {
			return false
		}
		c, err := o.Compare(items[i], items[j])
		if err != nil {
			first = err
			return false
		}
		return c < 0
	})
	if first != nil {
		return &Exception{Type: "System.InvalidOperationException", Message: "Failed to compare two elements in the array.", Inner: first}
	}
	return nil
}

// DefaultValue returns default(T): zero for value types, null otherwise.
func DefaultValue(t *Type) any {
	if t == nil || t.Nullable || !t.ValueType {
		return nil
	}
	switch t {
	case Boolean:
		return false
	case CharT:
		return Char(0)
	case SByte:
		return int8(0)
	case Byte:
		return uint8(0)
	case Int16:
		return int16(0)
	case UInt16:
		return uint16(0)
	case Int32:
		return int32(0)
	case UInt32:
		return uint32(0)
	case Int64:
		return int64(0)
	case UInt64:
		return uint64(0)
	case Single:
		return float32(0)
	case Double:
		return float64(0)
	}
	if t.GoType != nil && t.GoType.Kind() != reflect.Pointer && t.GoType.Kind() != reflect.Interface {
		return reflect.Zero(t.GoType).Interface()
	}
	return nil
}

// collMakeArray builds a T[] value: []string, []byte and []int32 for those
// element types, []any otherwise.
func collMakeArray(elem *Type, items []any) any {
	switch elem {
	case String:
		out := make([]string, len(items))
		for i, x := range items {
			if s, ok := x.(string); ok {
				out[i] = s
			} else if x != nil {
				return slices.Clone(items)
			}
		}
		if slices.Contains(items, nil) {
			return slices.Clone(items) // []string cannot hold null
		}
		return out
	case Byte:
		out := make([]byte, len(items))
		for i, x := range items {
			b, ok := x.(uint8)
			if !ok {
				return slices.Clone(items)
			}
			out[i] = b
		}
		return out
	case Int32:
		out := make([]int32, len(items))
		for i, x := range items {
			n, ok := x.(int32)
			if !ok {
				return slices.Clone(items)
			}
			out[i] = n
		}
		return out
	}
	if items == nil {
		return []any{}
	}
	return slices.Clone(items)
}

func collAsDict(recv any) (*Dictionary, error) {
	d, ok := recv.(*Dictionary)
	if !ok || d == nil {
		return nil, NullReference()
	}
	return d, nil
}

func collRegisterDictionary() {
	T := DictionaryT
	newDict := func(args []any) (*Dictionary, []any) {
		ts, rest := collTypeArgs(args)
		return NewDictionary(collTypeArg(ts, 0), collTypeArg(ts, 1), nil), rest
	}
	fill := func(d *Dictionary, src any) error {
		if src == nil {
			return ArgumentNull("dictionary")
		}
		seq, ok := Iterate(src)
		if !ok {
			return InvalidCast(TypeOf(src).FullName, "System.Collections.Generic.IDictionary`2")
		}
		for x := range seq {
			kv, ok := x.(KeyValuePair)
			if !ok {
				return InvalidCast(TypeOf(x).FullName, "System.Collections.Generic.KeyValuePair`2")
			}
			if err := d.Add(kv.Key, kv.Value); err != nil {
				return err
			}
		}
		return nil
	}
	T.Ctors = append(T.Ctors,
		&Method{Name: ".ctor", Fn: func(_ any, args []any) (any, error) {
			d, _ := newDict(args)
			return d, nil
		}},
		&Method{Name: ".ctor", Params: []Param{collParam("capacity", Int32)}, Fn: func(_ any, args []any) (any, error) {
			d, _ := newDict(args)
			return d, nil
		}},
		&Method{Name: ".ctor", Params: []Param{collParam("comparer", IEqualityComparerT)}, Fn: func(_ any, args []any) (any, error) {
			d, rest := newDict(args)
			d.t = newCollTable(collEqOf(rest[0]))
			return d, nil
		}},
		&Method{Name: ".ctor", Params: []Param{collParam("capacity", Int32), collParam("comparer", IEqualityComparerT)}, Fn: func(_ any, args []any) (any, error) {
			d, rest := newDict(args)
			d.t = newCollTable(collEqOf(rest[1]))
			return d, nil
		}},
		&Method{Name: ".ctor", Params: []Param{collParam("dictionary", IEnumerable)}, Fn: func(_ any, args []any) (any, error) {
			d, rest := newDict(args)
			if src, ok := rest[0].(*Dictionary); ok && len(args) == len(rest) {
				d.Key, d.Val = src.Key, src.Val
			}
			return d, fill(d, rest[0])
		}},
		&Method{Name: ".ctor", Params: []Param{collParam("dictionary", IEnumerable), collParam("comparer", IEqualityComparerT)}, Fn: func(_ any, args []any) (any, error) {
			d, rest := newDict(args)
			d.t = newCollTable(collEqOf(rest[1]))
			return d, fill(d, rest[0])
		}},
	)
	dm := func(name string, params []Param, result *Type, fn func(d *Dictionary, a []any) (any, error)) *Method {
		return &Method{Name: name, Params: params, Result: result, Fn: func(r any, a []any) (any, error) {
			d, err := collAsDict(r)
			if err != nil {
				return nil, err
			}
			return fn(d, a)
		}}
	}
	get := dm("Get", []Param{collParam("key", nil)}, nil, func(d *Dictionary, a []any) (any, error) {
		if a[0] == nil {
			return nil, ArgumentNull("key")
		}
		v, ok := d.Get(a[0])
		if !ok {
			if d.Missing != nil {
				v = d.Missing()
				return v, d.Set(a[0], v)
			}
			return nil, KeyNotFound(ToString(a[0]))
		}
		return v, nil
	})
	get.ResultOf = collArgT(1)
	set := dm("Set", []Param{collParam("key", nil), collParam("value", nil)}, Void, func(d *Dictionary, a []any) (any, error) {
		return nil, d.Set(a[0], a[1])
	})
	T.Indexers = append(T.Indexers, get, set)
	// Read-only views share the getter.
	IDictionaryT.Indexers = append(IDictionaryT.Indexers, get, set)
	IReadOnlyDictionaryT.Indexers = append(IReadOnlyDictionaryT.Indexers, get)

	count := &Prop{Name: "Count", Type: Int32, Get: func(r any) (any, error) {
		d, err := collAsDict(r)
		if err != nil {
			return nil, err
		}
		return int32(d.Len()), nil
	}}
	// Keys and Values are typed ICollection<T> without the element type:
	// Prop has no hook to substitute the dictionary's type arguments.
	keys := &Prop{Name: "Keys", Type: ICollectionT, Get: func(r any) (any, error) {
		d, err := collAsDict(r)
		if err != nil {
			return nil, err
		}
		return &List{Elem: d.Key, Items: d.Keys()}, nil
	}}
	values := &Prop{Name: "Values", Type: ICollectionT, Get: func(r any) (any, error) {
		d, err := collAsDict(r)
		if err != nil {
			return nil, err
		}
		return &List{Elem: d.Val, Items: d.Values()}, nil
	}}
	comparer := &Prop{Name: "Comparer", Type: IEqualityComparerT, Get: func(r any) (any, error) {
		d, err := collAsDict(r)
		if err != nil {
			return nil, err
		}
		return d.Comparer(), nil
	}}
	for _, t := range []*Type{DictionaryT, IDictionaryT, IReadOnlyDictionaryT} {
		t.AddProp(count, keys, values)
	}
	T.AddProp(comparer)

	tryGet := dm("TryGetValue", []Param{collParam("key", nil), collOutParam("value", nil)}, Boolean, func(d *Dictionary, a []any) (any, error) {
		if a[0] == nil {
			return nil, ArgumentNull("key")
		}
		v, ok := d.Get(a[0])
		if !ok {
			v = DefaultValue(d.Val)
		}
		collSetOut(a[1], v)
		return ok, nil
	})
	containsKey := dm("ContainsKey", []Param{collParam("key", nil)}, Boolean, func(d *Dictionary, a []any) (any, error) {
		if a[0] == nil {
			return nil, ArgumentNull("key")
		}
		_, ok := d.Get(a[0])
		return ok, nil
	})
	gvod1 := dm("GetValueOrDefault", []Param{collParam("key", nil)}, nil, func(d *Dictionary, a []any) (any, error) {
		if v, ok := d.Get(a[0]); ok {
			return v, nil
		}
		return DefaultValue(d.Val), nil
	})
	gvod1.ResultOf = collArgT(1)
	gvod2 := dm("GetValueOrDefault", []Param{collParam("key", nil), collParam("defaultValue", nil)}, nil, func(d *Dictionary, a []any) (any, error) {
		if v, ok := d.Get(a[0]); ok {
			return v, nil
		}
		return a[1], nil
	})
	gvod2.ResultOf = collArgT(1)
	// APIM's overload for multi-valued string maps (Jwt.Claims, headers kept
	// as string[]): the values joined with ",".
	gvodJoin := dm("GetValueOrDefault", []Param{collParam("key", String), collParam("defaultValue", String)}, nil, func(d *Dictionary, a []any) (any, error) {
		v, ok := d.Get(a[0])
		if !ok {
			return a[1], nil
		}
		if d.Val != String && ElemType(d.Val) == String {
			return collJoinValues(v), nil // string[] / IEnumerable<string> values
		}
		return v, nil // Dictionary<string, object> and the like: the value itself
	})
	gvodJoin.ResultOf = func(r *Type, _ []*Type) *Type {
		if v := r.Arg(1); v == String || ElemType(v) == String {
			return String
		}
		return r.Arg(1)
	}
	for _, t := range []*Type{DictionaryT, IDictionaryT, IReadOnlyDictionaryT} {
		t.AddMethod(tryGet, containsKey, gvod1, gvod2, gvodJoin)
	}
	T.AddMethod(
		dm("Add", []Param{collParam("key", nil), collParam("value", nil)}, Void, func(d *Dictionary, a []any) (any, error) {
			return nil, d.Add(a[0], a[1])
		}),
		dm("TryAdd", []Param{collParam("key", nil), collParam("value", nil)}, Boolean, func(d *Dictionary, a []any) (any, error) {
			if a[0] == nil {
				return nil, ArgumentNull("key")
			}
			return d.tab().put(a[0], a[1], false), nil
		}),
		dm("ContainsValue", []Param{collParam("value", nil)}, Boolean, func(d *Dictionary, a []any) (any, error) {
			return slices.ContainsFunc(d.Values(), func(x any) bool { return Equals(x, a[0]) }), nil
		}),
		dm("Remove", []Param{collParam("key", nil)}, Boolean, func(d *Dictionary, a []any) (any, error) {
			if a[0] == nil {
				return nil, ArgumentNull("key")
			}
			return d.Remove(a[0]), nil
		}),
		dm("Remove", []Param{collParam("key", nil), collOutParam("value", nil)}, Boolean, func(d *Dictionary, a []any) (any, error) {
			if a[0] == nil {
				return nil, ArgumentNull("key")
			}
			v, ok := d.Get(a[0])
			if !ok {
				v = DefaultValue(d.Val)
			}
			collSetOut(a[1], v)
			return d.Remove(a[0]), nil
		}),
		dm("Clear", nil, Void, func(d *Dictionary, _ []any) (any, error) { d.tab().clear(); return nil, nil }),
	)
	IDictionaryT.AddMethod(T.Methods["Add"]...)
	IDictionaryT.AddMethod(T.Methods["Remove"]...)
	IDictionaryT.AddMethod(T.Methods["Clear"]...)

	KeyValuePairT.AddProp(
		&Prop{Name: "Key", Get: func(r any) (any, error) { return kvpOf(r).Key, nil }},
		&Prop{Name: "Value", Get: func(r any) (any, error) { return kvpOf(r).Value, nil }},
	)
	KeyValuePairT.Ctors = append(KeyValuePairT.Ctors, &Method{Name: ".ctor", Params: []Param{collParam("key", nil), collParam("value", nil)},
		Fn: func(_ any, args []any) (any, error) {
			_, a := collTypeArgs(args)
			return KeyValuePair{a[0], a[1]}, nil
		}})
}

// collJoinValues renders a multi-valued entry as APIM's GetValueOrDefault does.
func collJoinValues(v any) any {
	switch x := v.(type) {
	case []string:
		return collJoinStrings(x)
	case string, nil:
		return x
	}
	if items, err := ToSlice(v); err == nil {
		s := make([]string, len(items))
		for i, it := range items {
			s[i] = ToString(it)
		}
		return collJoinStrings(s)
	}
	return ToString(v)
}

func collJoinStrings(s []string) string {
	n := 0
	for _, x := range s {
		n += len(x) + 1
	}
	b := make([]byte, 0, n)
	for i, x := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, x...)
	}
	return string(b)
}

func collRegisterSets() {
	hs := func(r any) (*HashSet, error) {
		s, ok := r.(*HashSet)
		if !ok || s == nil {
			return nil, NullReference()
		}
		return s, nil
	}
	sm := func(name string, params []Param, result *Type, fn func(s *HashSet, a []any) (any, error)) *Method {
		return &Method{Name: name, Params: params, Result: result, Fn: func(r any, a []any) (any, error) {
			s, err := hs(r)
			if err != nil {
				return nil, err
			}
			return fn(s, a)
		}}
	}
	withItems := func(s *HashSet, src any) error {
		items, err := ToSlice(src)
		if err != nil {
			return ArgumentNull("collection")
		}
		for _, x := range items {
			s.Add(x)
		}
		return nil
	}
	HashSetT.Ctors = append(HashSetT.Ctors,
		&Method{Name: ".ctor", Fn: func(_ any, args []any) (any, error) {
			ts, _ := collTypeArgs(args)
			return NewHashSet(collTypeArg(ts, 0), nil), nil
		}},
		&Method{Name: ".ctor", Params: []Param{collParam("comparer", IEqualityComparerT)}, Fn: func(_ any, args []any) (any, error) {
			ts, a := collTypeArgs(args)
			return NewHashSet(collTypeArg(ts, 0), collEqOf(a[0])), nil
		}},
		&Method{Name: ".ctor", Params: []Param{collParam("collection", IEnumerable)}, Fn: func(_ any, args []any) (any, error) {
			ts, a := collTypeArgs(args)
			s := NewHashSet(collTypeArg(ts, 0), nil)
			return s, withItems(s, a[0])
		}},
		&Method{Name: ".ctor", Params: []Param{collParam("collection", IEnumerable), collParam("comparer", IEqualityComparerT)}, Fn: func(_ any, args []any) (any, error) {
			ts, a := collTypeArgs(args)
			s := NewHashSet(collTypeArg(ts, 0), collEqOf(a[1]))
			return s, withItems(s, a[0])
		}},
	)
	HashSetT.AddProp(&Prop{Name: "Count", Type: Int32, Get: func(r any) (any, error) {
		s, err := hs(r)
		if err != nil {
			return nil, err
		}
		return int32(s.Len()), nil
	}})
	other := func(a any) ([]any, error) {
		items, err := ToSlice(a)
		if err != nil {
			return nil, ArgumentNull("other")
		}
		return items, nil
	}
	otherSet := func(s *HashSet, a any) (*HashSet, error) {
		items, err := other(a)
		if err != nil {
			return nil, err
		}
		o := NewHashSet(s.Elem, s.tab().eq)
		for _, x := range items {
			o.Add(x)
		}
		return o, nil
	}
	HashSetT.AddMethod(
		sm("Add", []Param{collParam("item", nil)}, Boolean, func(s *HashSet, a []any) (any, error) { return s.Add(a[0]), nil }),
		sm("Contains", []Param{collParam("item", nil)}, Boolean, func(s *HashSet, a []any) (any, error) { return s.Contains(a[0]), nil }),
		sm("Remove", []Param{collParam("item", nil)}, Boolean, func(s *HashSet, a []any) (any, error) { return s.Remove(a[0]), nil }),
		sm("Clear", nil, Void, func(s *HashSet, _ []any) (any, error) { s.tab().clear(); return nil, nil }),
		sm("UnionWith", []Param{collParam("other", IEnumerable)}, Void, func(s *HashSet, a []any) (any, error) {
			items, err := other(a[0])
			for _, x := range items {
				s.Add(x)
			}
			return nil, err
		}),
		sm("ExceptWith", []Param{collParam("other", IEnumerable)}, Void, func(s *HashSet, a []any) (any, error) {
			items, err := other(a[0])
			for _, x := range items {
				s.Remove(x)
			}
			return nil, err
		}),
		sm("IntersectWith", []Param{collParam("other", IEnumerable)}, Void, func(s *HashSet, a []any) (any, error) {
			o, err := otherSet(s, a[0])
			if err != nil {
				return nil, err
			}
			for _, x := range s.tab().keysSnapshot() {
				if !o.Contains(x) {
					s.Remove(x)
				}
			}
			return nil, nil
		}),
		sm("SymmetricExceptWith", []Param{collParam("other", IEnumerable)}, Void, func(s *HashSet, a []any) (any, error) {
			o, err := otherSet(s, a[0])
			if err != nil {
				return nil, err
			}
			for _, x := range o.tab().keysSnapshot() {
				if !s.Remove(x) {
					s.Add(x)
				}
			}
			return nil, nil
		}),
		sm("IsSubsetOf", []Param{collParam("other", IEnumerable)}, Boolean, func(s *HashSet, a []any) (any, error) {
			o, err := otherSet(s, a[0])
			if err != nil {
				return nil, err
			}
			return collSubset(s, o), nil
		}),
		sm("IsSupersetOf", []Param{collParam("other", IEnumerable)}, Boolean, func(s *HashSet, a []any) (any, error) {
			o, err := otherSet(s, a[0])
			if err != nil {
				return nil, err
			}
			return collSubset(o, s), nil
		}),
		sm("Overlaps", []Param{collParam("other", IEnumerable)}, Boolean, func(s *HashSet, a []any) (any, error) {
			items, err := other(a[0])
			return slices.ContainsFunc(items, s.Contains), err
		}),
		sm("SetEquals", []Param{collParam("other", IEnumerable)}, Boolean, func(s *HashSet, a []any) (any, error) {
			o, err := otherSet(s, a[0])
			if err != nil {
				return nil, err
			}
			return collSubset(s, o) && collSubset(o, s), nil
		}),
	)

	// Queue<T> and Stack<T>.
	qs := func(r any) (*Queue, error) {
		q, ok := r.(*Queue)
		if !ok || q == nil {
			return nil, NullReference()
		}
		return q, nil
	}
	ss := func(r any) (*Stack, error) {
		s, ok := r.(*Stack)
		if !ok || s == nil {
			return nil, NullReference()
		}
		return s, nil
	}
	empty := func(kind string) error { return collInvalidOp(kind + " empty.") }
	QueueT.Ctors = append(QueueT.Ctors,
		&Method{Name: ".ctor", Fn: func(_ any, args []any) (any, error) {
			ts, _ := collTypeArgs(args)
			return &Queue{Elem: collTypeArg(ts, 0)}, nil
		}},
		&Method{Name: ".ctor", Params: []Param{collParam("collection", IEnumerable)}, Fn: func(_ any, args []any) (any, error) {
			ts, a := collTypeArgs(args)
			items, err := ToSlice(a[0])
			return &Queue{Elem: collTypeArg(ts, 0), Items: items}, err
		}},
	)
	StackT.Ctors = append(StackT.Ctors,
		&Method{Name: ".ctor", Fn: func(_ any, args []any) (any, error) {
			ts, _ := collTypeArgs(args)
			return &Stack{Elem: collTypeArg(ts, 0)}, nil
		}},
		&Method{Name: ".ctor", Params: []Param{collParam("collection", IEnumerable)}, Fn: func(_ any, args []any) (any, error) {
			ts, a := collTypeArgs(args)
			items, err := ToSlice(a[0])
			return &Stack{Elem: collTypeArg(ts, 0), Items: items}, err
		}},
	)
	QueueT.AddProp(&Prop{Name: "Count", Type: Int32, Get: func(r any) (any, error) {
		q, err := qs(r)
		if err != nil {
			return nil, err
		}
		return int32(len(q.Items)), nil
	}})
	StackT.AddProp(&Prop{Name: "Count", Type: Int32, Get: func(r any) (any, error) {
		s, err := ss(r)
		if err != nil {
			return nil, err
		}
		return int32(len(s.Items)), nil
	}})
	QueueT.AddMethod(
		&Method{Name: "Enqueue", Params: []Param{collParam("item", nil)}, Result: Void, Fn: func(r any, a []any) (any, error) {
			q, err := qs(r)
			if err != nil {
				return nil, err
			}
			q.Items = append(q.Items, a[0])
			return nil, nil
		}},
		&Method{Name: "Dequeue", ResultOf: collArgT(0), Fn: func(r any, _ []any) (any, error) {
			q, err := qs(r)
			if err != nil {
				return nil, err
			}
			if len(q.Items) == 0 {
				return nil, empty("Queue")
			}
			x := q.Items[0]
			q.Items = q.Items[1:]
			return x, nil
		}},
		&Method{Name: "Peek", ResultOf: collArgT(0), Fn: func(r any, _ []any) (any, error) {
			q, err := qs(r)
			if err != nil {
				return nil, err
			}
			if len(q.Items) == 0 {
				return nil, empty("Queue")
			}
			return q.Items[0], nil
		}},
		&Method{Name: "Contains", Params: []Param{collParam("item", nil)}, Result: Boolean, Fn: func(r any, a []any) (any, error) {
			q, err := qs(r)
			if err != nil {
				return nil, err
			}
			return slices.ContainsFunc(q.Items, func(x any) bool { return Equals(x, a[0]) }), nil
		}},
		&Method{Name: "Clear", Result: Void, Fn: func(r any, _ []any) (any, error) {
			q, err := qs(r)
			if err == nil {
				q.Items = nil
			}
			return nil, err
		}},
	)
	StackT.AddMethod(
		&Method{Name: "Push", Params: []Param{collParam("item", nil)}, Result: Void, Fn: func(r any, a []any) (any, error) {
			s, err := ss(r)
			if err != nil {
				return nil, err
			}
			s.Items = append(s.Items, a[0])
			return nil, nil
		}},
		&Method{Name: "Pop", ResultOf: collArgT(0), Fn: func(r any, _ []any) (any, error) {
			s, err := ss(r)
			if err != nil {
				return nil, err
			}
			if len(s.Items) == 0 {
				return nil, empty("Stack")
			}
			x := s.Items[len(s.Items)-1]
			s.Items = s.Items[:len(s.Items)-1]
			return x, nil
		}},
		&Method{Name: "Peek", ResultOf: collArgT(0), Fn: func(r any, _ []any) (any, error) {
			s, err := ss(r)
			if err != nil {
				return nil, err
			}
			if len(s.Items) == 0 {
				return nil, empty("Stack")
			}
			return s.Items[len(s.Items)-1], nil
		}},
		&Method{Name: "Contains", Params: []Param{collParam("item", nil)}, Result: Boolean, Fn: func(r any, a []any) (any, error) {
			s, err := ss(r)
			if err != nil {
				return nil, err
			}
			return slices.ContainsFunc(s.Items, func(x any) bool { return Equals(x, a[0]) }), nil
		}},
		&Method{Name: "Clear", Result: Void, Fn: func(r any, _ []any) (any, error) {
			s, err := ss(r)
			if err == nil {
				s.Items = nil
			}
			return nil, err
		}},
	)
}

func (t *collTable) keysSnapshot() []any {
	var out []any
	t.each(func(k, _ any) bool { out = append(out, k); return true })
	return out
}

func collSubset(a, b *HashSet) bool {
	ok := true
	a.tab().each(func(k, _ any) bool { ok = b.Contains(k); return ok })
	return ok
}

// ---- arrays ----

// ArrayLen returns the length of an array value (any Go slice).
func ArrayLen(v any) (int, bool) {
	switch x := v.(type) {
	case []any:
		return len(x), true
	case []string:
		return len(x), true
	case []byte:
		return len(x), true
	case []int32:
		return len(x), true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice {
		return rv.Len(), true
	}
	return 0, false
}

// ArrayGet returns element i of an array value.
func ArrayGet(v any, i int) (any, error) {
	n, ok := ArrayLen(v)
	if !ok {
		return nil, NullReference()
	}
	if i < 0 || i >= n {
		return nil, Throw("System.IndexOutOfRangeException", "Index was outside the bounds of the array.")
	}
	switch x := v.(type) {
	case []any:
		return x[i], nil
	case []string:
		return x[i], nil
	case []byte:
		return x[i], nil
	case []int32:
		return x[i], nil
	}
	return reflect.ValueOf(v).Index(i).Interface(), nil
}

// ArraySet stores element i of an array value; a value the array's element
// type cannot hold gives ArrayTypeMismatchException (or InvalidCast for
// primitive arrays, as the C# compiler would have required a cast).
func ArraySet(v any, i int, val any) error {
	n, ok := ArrayLen(v)
	if !ok {
		return NullReference()
	}
	if i < 0 || i >= n {
		return Throw("System.IndexOutOfRangeException", "Index was outside the bounds of the array.")
	}
	mismatch := Throw("System.ArrayTypeMismatchException", "Attempted to access an element as a type incompatible with the array.")
	switch x := v.(type) {
	case []any:
		x[i] = val
		return nil
	case []string:
		s, ok := val.(string)
		if !ok {
			return mismatch
		}
		x[i] = s
		return nil
	case []byte:
		b, ok := val.(uint8)
		if !ok {
			return mismatch
		}
		x[i] = b
		return nil
	case []int32:
		b, ok := val.(int32)
		if !ok {
			return mismatch
		}
		x[i] = b
		return nil
	}
	rv := reflect.ValueOf(v).Index(i)
	w := reflect.ValueOf(val)
	if !w.IsValid() || !w.Type().AssignableTo(rv.Type()) {
		return mismatch
	}
	rv.Set(w)
	return nil
}

// collArrayElem returns the element type of an array value.
func collArrayElem(v any) *Type {
	t := TypeOf(v)
	if t.Generic == Array {
		return t.Arg(0)
	}
	return Object
}

func collRegisterArray() {
	T := Array
	length := func(r any) (any, error) {
		n, ok := ArrayLen(r)
		if !ok {
			return nil, NullReference()
		}
		return int32(n), nil
	}
	T.AddProp(
		&Prop{Name: "Length", Type: Int32, Get: length},
		&Prop{Name: "LongLength", Type: Int64, Get: func(r any) (any, error) {
			n, err := length(r)
			if err != nil {
				return nil, err
			}
			return int64(n.(int32)), nil
		}},
		&Prop{Name: "Rank", Type: Int32, Get: func(any) (any, error) { return int32(1), nil }},
	)
	T.Indexers = append(T.Indexers,
		&Method{Name: "Get", Params: []Param{collParam("index", Int32)}, ResultOf: collArgT(0), Fn: func(r any, a []any) (any, error) {
			i, err := collInt(a[0])
			if err != nil {
				return nil, err
			}
			return ArrayGet(r, i)
		}},
		&Method{Name: "Set", Params: []Param{collParam("index", Int32), collParam("value", nil)}, Result: Void, Fn: func(r any, a []any) (any, error) {
			i, err := collInt(a[0])
			if err != nil {
				return nil, err
			}
			return nil, ArraySet(r, i, a[1])
		}},
	)
	T.AddMethod(&Method{Name: "Clone", Result: Object, Fn: func(r any, _ []any) (any, error) {
		items, err := ToSlice(r)
		if err != nil {
			return nil, NullReference()
		}
		return collMakeArray(collArrayElem(r), items), nil
	}})
	arr := func(v any) ([]any, error) {
		if v == nil {
			return nil, ArgumentNull("array")
		}
		return ToSlice(v)
	}
	writeBack := func(dst any, items []any) error {
		for i, x := range items {
			if err := ArraySet(dst, i, x); err != nil {
				return err
			}
		}
		return nil
	}
	T.AddStatic(
		&Method{Name: "IndexOf", Params: []Param{collParam("array", Array), collParam("value", nil)}, Result: Int32, Fn: func(_ any, a []any) (any, error) {
			_, a = collTypeArgs(a)
			items, err := arr(a[0])
			if err != nil {
				return nil, err
			}
			return int32(slices.IndexFunc(items, func(x any) bool { return Equals(x, a[1]) })), nil
		}},
		&Method{Name: "LastIndexOf", Params: []Param{collParam("array", Array), collParam("value", nil)}, Result: Int32, Fn: func(_ any, a []any) (any, error) {
			_, a = collTypeArgs(a)
			items, err := arr(a[0])
			if err != nil {
				return nil, err
			}
			for i := len(items) - 1; i >= 0; i-- {
				if Equals(items[i], a[1]) {
					return int32(i), nil
				}
			}
			return int32(-1), nil
		}},
		&Method{Name: "Empty", TypeParams: 1, ResultOf: func(_ *Type, ts []*Type) *Type { return ArrayOf(collTypeArg(ts, 0)) },
			Fn: func(_ any, a []any) (any, error) {
				ts, _ := collTypeArgs(a)
				return collMakeArray(collTypeArg(ts, 0), nil), nil
			}},
		&Method{Name: "Sort", Params: []Param{collParam("array", Array)}, Result: Void, Fn: func(_ any, a []any) (any, error) {
			_, a = collTypeArgs(a)
			items, err := arr(a[0])
			if err != nil {
				return nil, err
			}
			if err := collSort(items, DefaultOrder); err != nil {
				return nil, err
			}
			return nil, writeBack(a[0], items)
		}},
		&Method{Name: "Sort", Params: []Param{collParam("array", Array), collParam("comparison", nil)}, Result: Void, Fn: func(_ any, a []any) (any, error) {
			_, a = collTypeArgs(a)
			items, err := arr(a[0])
			if err != nil {
				return nil, err
			}
			if err := collSort(items, collComparison(a[1])); err != nil {
				return nil, err
			}
			return nil, writeBack(a[0], items)
		}},
		&Method{Name: "Reverse", Params: []Param{collParam("array", Array)}, Result: Void, Fn: func(_ any, a []any) (any, error) {
			_, a = collTypeArgs(a)
			items, err := arr(a[0])
			if err != nil {
				return nil, err
			}
			slices.Reverse(items)
			return nil, writeBack(a[0], items)
		}},
		&Method{Name: "Exists", Params: []Param{collParam("array", Array), collParam("match", nil)}, Result: Boolean, Fn: func(_ any, a []any) (any, error) {
			_, a = collTypeArgs(a)
			items, err := arr(a[0])
			if err != nil {
				return nil, err
			}
			for _, x := range items {
				b, err := lqTruth(lqCall(a[1], x, -1))
				if err != nil || b {
					return b, err
				}
			}
			return false, nil
		}},
		&Method{Name: "Find", Params: []Param{collParam("array", Array), collParam("match", nil)},
			ResultOf: func(_ *Type, ts []*Type) *Type { return collTypeArg(ts, 0) },
			Fn: func(_ any, a []any) (any, error) {
				_, a = collTypeArgs(a)
				items, err := arr(a[0])
				if err != nil {
					return nil, err
				}
				for _, x := range items {
					b, err := lqTruth(lqCall(a[1], x, -1))
					if err != nil || b {
						return x, err
					}
				}
				return DefaultValue(collArrayElem(a[0])), nil
			}},
	)
}

func collRegisterMisc() {
	for i := 1; i <= 7; i++ {
		n := i - 1
		TupleT.AddProp(&Prop{Name: "Item" + string(rune('0'+i)), Get: func(r any) (any, error) {
			t, ok := r.(*Tuple)
			if !ok || t == nil {
				return nil, NullReference()
			}
			if n >= len(t.Items) {
				return nil, Throw("System.MissingMemberException", "Tuple has no Item%d.", n+1)
			}
			return t.Items[n], nil
		}})
		params := make([]Param, i)
		for j := range params {
			params[j] = collParam("item"+string(rune('1'+j)), nil)
		}
		TupleT.AddStatic(&Method{Name: "Create", Params: params, Fn: func(_ any, a []any) (any, error) {
			_, a = collTypeArgs(a)
			return &Tuple{Items: slices.Clone(a)}, nil
		}})
	}
	for _, c := range []*StringComparer{OrdinalComparer, OrdinalIgnoreCaseComparer, InvariantCultureComparer,
		InvariantCultureIgnoreCaseComparer, CurrentCultureComparer, CurrentCultureIgnoreCaseComparer} {
		StringComparerT.AddStaticProp(&Prop{Name: c.Name, Type: StringComparerT, Get: func(any) (any, error) { return c, nil }})
	}
	sc := func(r any) *StringComparer {
		if c, ok := r.(*StringComparer); ok && c != nil {
			return c
		}
		return OrdinalComparer
	}
	StringComparerT.AddMethod(
		&Method{Name: "Equals", Params: []Param{collParam("x", String), collParam("y", String)}, Result: Boolean, Fn: func(r any, a []any) (any, error) {
			return sc(r).Equal(a[0], a[1]), nil
		}},
		&Method{Name: "Compare", Params: []Param{collParam("x", String), collParam("y", String)}, Result: Int32, Fn: func(r any, a []any) (any, error) {
			c, err := sc(r).Compare(a[0], a[1])
			return int32(c), err
		}},
		&Method{Name: "GetHashCode", Params: []Param{collParam("obj", String)}, Result: Int32, Fn: func(r any, a []any) (any, error) {
			if a[0] == nil {
				return nil, ArgumentNull("obj")
			}
			k, _ := sc(r).Key(a[0]).(string)
			var h int32 = 5381
			for _, u := range UTF16(k) {
				h = h*33 ^ int32(u)
			}
			return h, nil
		}},
	)
	// LINQ on string needs string to be IEnumerable<char>.
	if !slices.Contains(String.Ifaces, IEnumerable) {
		String.Ifaces = append(String.Ifaces, IEnumerable)
	}
}

// kvpOf reads a KeyValuePair, including the KeyValuePair<string, JToken>
// that enumerating a JObject yields.
func kvpOf(r any) KeyValuePair {
	if kv, ok := r.(*JSONKeyValue); ok {
		return KeyValuePair{Key: kv.Key, Value: kv.Value}
	}
	return r.(KeyValuePair)
}
