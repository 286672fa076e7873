package dotnet

import (
	"iter"
	"reflect"
	"slices"
	"sort"
)

// LINQ (System.Linq.Enumerable). The operators are extension methods on
// IEnumerable<T>: Params[0] is the source, which the runtime passes as recv.
// The same methods are reachable statically (Enumerable.Where(src, f)).
//
// Where, Select, Skip, Take, SkipWhile and TakeWhile are deferred, as in
// .NET: they build a *Sequence pipeline that runs each element through all
// stages before the next one is pulled, so lambdas are called in .NET's
// order, First/Any stop early and a later Add to the source list is seen.
// The other operators run eagerly and return slice-backed values.
//
// Selector result types: for operators that take a selector (Select,
// SelectMany, Sum/Min/Max/Average with a selector, ToDictionary, GroupBy,
// Zip, Aggregate with a seed) ResultOf reads the selector lambda's result
// type from typeArgs[0] (and the element selector's from typeArgs[1]) when
// the compiler supplies it, and uses object otherwise. Fn skips any leading
// *Type arguments, so the compiler may pass them at run time or not.
var (
	// EnumerableT is the static class System.Linq.Enumerable.
	EnumerableT = Register(collClass("Enumerable", "System.Linq.Enumerable", nil))
	// IOrderedEnumerableT is IOrderedEnumerable<T>, the result of OrderBy.
	IOrderedEnumerableT = Register(collIface("IOrderedEnumerable`1", "System.Linq.IOrderedEnumerable`1", IEnumerable))
	// IGroupingT is IGrouping<TKey, TElement>; values are *Grouping.
	IGroupingT = Register(collIface("IGrouping`2", "System.Linq.IGrouping`2", IEnumerable))
	// SequenceT is the runtime type of deferred and materialised LINQ
	// results (*Sequence).
	SequenceT = Register(collClass("Iterator`1", "System.Linq.Enumerable+Iterator`1", reflect.TypeOf((*Sequence)(nil)), IEnumerable))
	// OrderedT is the runtime type of OrderBy results (*Ordered).
	OrderedT = Register(collClass("OrderedEnumerable`1", "System.Linq.OrderedEnumerable`1", reflect.TypeOf((*Ordered)(nil)), IOrderedEnumerableT, IEnumerable))
	// GroupingT is the runtime type of groups (*Grouping).
	GroupingT = Register(collClass("Grouping`2", "System.Linq.Grouping`2", reflect.TypeOf((*Grouping)(nil)), IGroupingT, IEnumerable))
)

// ---- runtime values ----

type lqStageKind uint8

const (
	lqWhere lqStageKind = iota
	lqSelect
	lqSkip
	lqTake
	lqSkipWhile
	lqTakeWhile
)

type lqStage struct {
	kind lqStageKind
	f    any // the lambda
	n    int // Skip/Take count
}

// Sequence is an IEnumerable<T> produced by LINQ: a source enumerable and
// the deferred stages to run over it (none for materialised results).
type Sequence struct {
	Elem   *Type // element type; nil when unknown (ToArray then infers)
	src    any
	stages []lqStage
}

// NewSequence returns a materialised sequence of items.
func NewSequence(elem *Type, items []any) *Sequence {
	if items == nil {
		items = []any{}
	}
	return &Sequence{Elem: elem, src: items}
}

// Iter enumerates the sequence. A lambda that fails while running deferred
// stages panics with its error; use Enumerate or ToSlice to get it back.
func (s *Sequence) Iter() iter.Seq[any] {
	return func(yield func(any) bool) {
		err := s.run(func(x any) (bool, error) { return yield(x), nil })
		if err != nil {
			panic(err)
		}
	}
}

// String is what ToString() prints for a LINQ iterator.
func (s *Sequence) String() string {
	return "System.Linq.Enumerable+Iterator`1[" + collTypeFull(s.Elem) + "]"
}

// Items runs the sequence and collects its elements.
func (s *Sequence) Items() ([]any, error) {
	g, _ := s.src.(*lqGenerator)
	if g != nil && len(s.stages) == 0 && g.n > MaxCollectionLength {
		return nil, CollectionTooLong()
	}
	var out []any
	err := s.run(func(x any) (bool, error) {
		if len(out) == MaxCollectionLength {
			return false, CollectionTooLong()
		}
		out = append(out, x)
		return true, nil
	})
	return out, err
}

func (s *Sequence) run(fn func(any) (bool, error)) error {
	if len(s.stages) == 0 {
		return Enumerate(s.src, fn)
	}
	for _, st := range s.stages {
		if st.kind == lqTake && st.n <= 0 {
			return nil // Take(0) never enumerates its source
		}
	}
	idx := make([]int, len(s.stages))
	done := make([]bool, len(s.stages))
	return Enumerate(s.src, func(x any) (bool, error) {
		stop := false
		for i, st := range s.stages {
			switch st.kind {
			case lqWhere:
				ok, err := lqTruth(lqCall(st.f, x, idx[i]))
				idx[i]++
				if err != nil {
					return false, err
				}
				if !ok {
					return !stop, nil
				}
			case lqSelect:
				y, err := lqCall(st.f, x, idx[i])
				idx[i]++
				if err != nil {
					return false, err
				}
				x = y
			case lqSkip:
				if idx[i] < st.n {
					idx[i]++
					return !stop, nil
				}
			case lqTake:
				idx[i]++
				if idx[i] >= st.n {
					stop = true
				}
			case lqSkipWhile:
				if !done[i] {
					ok, err := lqTruth(lqCall(st.f, x, idx[i]))
					idx[i]++
					if err != nil {
						return false, err
					}
					if ok {
						return !stop, nil
					}
					done[i] = true
				}
			case lqTakeWhile:
				ok, err := lqTruth(lqCall(st.f, x, idx[i]))
				idx[i]++
				if err != nil {
					return false, err
				}
				if !ok {
					return false, nil
				}
			}
		}
		cont, err := fn(x)
		return cont && !stop, err
	})
}

// Ordered is the result of OrderBy/ThenBy: the source in its original order
// and the sort keys computed per criterion.
type Ordered struct {
	Elem   *Type
	items  []any
	keys   [][]any
	desc   []bool
	ords   []Orderer
	sorted []any
}

// Iter enumerates in sorted order.
func (o *Ordered) Iter() iter.Seq[any] { return collSliceSeq(o.sorted) }

func (o *Ordered) then(keyFn any, desc bool, ord Orderer) (*Ordered, error) {
	keys := make([]any, len(o.items))
	for i, x := range o.items {
		k, err := lqCall(keyFn, x, -1)
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	n := &Ordered{Elem: o.Elem, items: o.items,
		keys: append(slices.Clone(o.keys), keys), desc: append(slices.Clone(o.desc), desc), ords: append(slices.Clone(o.ords), ord)}
	perm := make([]int, len(o.items))
	for i := range perm {
		perm[i] = i
	}
	var first error
	sort.SliceStable(perm, func(a, b int) bool {
		if first != nil {
			return false
		}
		for c := range n.keys {
			r, err := n.ords[c].Compare(n.keys[c][perm[a]], n.keys[c][perm[b]])
			if err != nil {
				first = err
				return false
			}
			if r != 0 {
				if n.desc[c] {
					return r > 0
				}
				return r < 0
			}
		}
		return false
	})
	if first != nil {
		return nil, &Exception{Type: "System.InvalidOperationException", Message: "Failed to compare two elements in the array.", Inner: first}
	}
	n.sorted = make([]any, len(perm))
	for i, j := range perm {
		n.sorted[i] = o.items[j]
	}
	return n, nil
}

// Grouping is one group of GroupBy: IGrouping<TKey, TElement>.
type Grouping struct {
	Key   any
	Elem  *Type
	Items []any
}

// Iter enumerates the group's elements.
func (g *Grouping) Iter() iter.Seq[any] { return collSliceSeq(g.Items) }

// Enumerate calls fn for each element of an enumerable value until fn
// returns false or an error. Unlike Iterate it reports errors raised by
// deferred LINQ lambdas; foreach over LINQ results should use it.
func Enumerate(v any, fn func(any) (bool, error)) error {
	switch s := v.(type) {
	case nil:
		return ArgumentNull("source")
	case *Sequence:
		return s.run(fn)
	}
	seq, ok := Iterate(v)
	if !ok {
		return InvalidCast(TypeOf(v).FullName, "System.Collections.IEnumerable")
	}
	for x := range seq {
		cont, err := fn(x)
		if err != nil {
			return err
		}
		if !cont {
			break
		}
	}
	return nil
}

// lqItems materialises an enumerable argument.
func lqItems(v any) ([]any, error) {
	if s, ok := v.(*Sequence); ok {
		return s.Items()
	}
	if v == nil {
		return nil, ArgumentNull("source")
	}
	return ToSlice(v)
}

// ---- registration helpers ----

type lqFn func(src any, ts []*Type, a []any) (any, error)

func lqSrcParams(ps ...Param) []Param {
	return append([]Param{collParam("source", IEnumerable)}, ps...)
}

func lqElemRes(wrap func(*Type) *Type) func(*Type, []*Type) *Type {
	return func(r *Type, _ []*Type) *Type { return wrap(ElemType(r)) }
}

func lqHintRes(i int, wrap func(*Type) *Type) func(*Type, []*Type) *Type {
	return func(_ *Type, ts []*Type) *Type { return wrap(collTypeArg(ts, i)) }
}

func lqIdent(t *Type) *Type { return t }

// regLinq registers an extension method on IEnumerable and its static form on
// Enumerable.
func regLinq(name string, params []Param, result *Type, resultOf func(*Type, []*Type) *Type, fn lqFn) {
	regLinqN(name, 0, params, result, resultOf, fn)
}

func regLinqN(name string, typeParams int, params []Param, result *Type, resultOf func(*Type, []*Type) *Type, fn lqFn) {
	ext := &Method{Name: name, Params: lqSrcParams(params...), TypeParams: typeParams, Extension: true, Result: result, ResultOf: resultOf,
		Fn: func(recv any, args []any) (any, error) {
			if recv == nil {
				return nil, ArgumentNull("source")
			}
			ts, a := collTypeArgs(args)
			return fn(recv, ts, a)
		}}
	IEnumerable.AddMethod(ext)
	static := &Method{Name: name, Params: lqSrcParams(params...), TypeParams: typeParams, Result: result,
		Fn: func(_ any, args []any) (any, error) {
			ts, a := collTypeArgs(args)
			if len(a) == 0 || a[0] == nil {
				return nil, ArgumentNull("source")
			}
			return fn(a[0], ts, a[1:])
		}}
	if resultOf != nil {
		// Statically the receiver is the first argument; the compiler passes
		// its type as recv to ResultOf either way.
		static.ResultOf = resultOf
	}
	EnumerableT.AddStatic(static)
}

func lqDefer(src any, elem *Type, st lqStage) *Sequence {
	if s, ok := src.(*Sequence); ok {
		return &Sequence{Elem: elem, src: s.src, stages: append(slices.Clone(s.stages), st)}
	}
	return &Sequence{Elem: elem, src: src, stages: []lqStage{st}}
}

var (
	lqErrNoElements  = func() error { return collInvalidOp("Sequence contains no elements") }
	lqErrNoMatch     = func() error { return collInvalidOp("Sequence contains no matching element") }
	lqErrMoreThanOne = func() error {
		return collInvalidOp("Sequence contains more than one element")
	}
	lqErrMoreThanOneMatch = func() error {
		return collInvalidOp("Sequence contains more than one matching element")
	}
)

// lqElemOrNil returns the runtime element type if it is known.
func lqElemOrNil(v any) *Type {
	switch x := v.(type) {
	case *Sequence:
		return x.Elem
	case *Ordered:
		return x.Elem
	case *Grouping:
		return x.Elem
	}
	e := collRuntimeElem(v)
	if e == Object {
		return nil
	}
	return e
}

func lqHint(ts []*Type, i int) *Type {
	if i < len(ts) {
		return ts[i]
	}
	return nil
}

func init() {
	lqRegisterFilters()
	lqRegisterElements()

	lqRegisterSets()
	lqRegisterConversions()
	lqRegisterGenerators()
}

func lqRegisterFilters() {
	seqE := lqElemRes(lqEnumOf)
	regLinq("Where", []Param{collParam("predicate", nil)}, nil, seqE, func(src any, _ []*Type, a []any) (any, error) {
		if a[0] == nil {
			return nil, ArgumentNull("predicate")
		}
		return lqDefer(src, lqElemOrNil(src), lqStage{kind: lqWhere, f: a[0]}), nil
	})
	regLinq("Select", []Param{collParam("selector", nil)}, nil, lqHintRes(0, lqEnumOf), func(src any, ts []*Type, a []any) (any, error) {
		if a[0] == nil {
			return nil, ArgumentNull("selector")
		}
		return lqDefer(src, lqHint(ts, 0), lqStage{kind: lqSelect, f: a[0]}), nil
	})
	regLinq("Skip", []Param{collParam("count", Int32)}, nil, seqE, func(src any, _ []*Type, a []any) (any, error) {
		n, err := collInt(a[0])
		if err != nil {
			return nil, err
		}
		return lqDefer(src, lqElemOrNil(src), lqStage{kind: lqSkip, n: n}), nil
	})
	regLinq("Take", []Param{collParam("count", Int32)}, nil, seqE, func(src any, _ []*Type, a []any) (any, error) {
		n, err := collInt(a[0])
		if err != nil {
			return nil, err
		}
		return lqDefer(src, lqElemOrNil(src), lqStage{kind: lqTake, n: n}), nil
	})
	regLinq("SkipWhile", []Param{collParam("predicate", nil)}, nil, seqE, func(src any, _ []*Type, a []any) (any, error) {
		return lqDefer(src, lqElemOrNil(src), lqStage{kind: lqSkipWhile, f: a[0]}), nil
	})
	regLinq("TakeWhile", []Param{collParam("predicate", nil)}, nil, seqE, func(src any, _ []*Type, a []any) (any, error) {
		return lqDefer(src, lqElemOrNil(src), lqStage{kind: lqTakeWhile, f: a[0]}), nil
	})
	regLinq("SelectMany", []Param{collParam("selector", nil)}, nil, func(_ *Type, ts []*Type) *Type {
		return lqEnumOf(ElemType(collTypeArg(ts, 0)))
	}, func(src any, ts []*Type, a []any) (any, error) {
		var out []any
		i := 0
		err := Enumerate(src, func(x any) (bool, error) {
			inner, err := lqCall(a[0], x, i)
			i++
			if err != nil {
				return false, err
			}
			return true, Enumerate(inner, func(y any) (bool, error) { out = append(out, y); return true, nil })
		})
		var elem *Type
		if len(ts) > 0 {
			elem = ElemType(ts[0])
		}
		return NewSequence(elem, out), err
	})
	regLinq("Reverse", nil, nil, seqE, func(src any, _ []*Type, _ []any) (any, error) {
		xs, err := lqItems(src)
		slices.Reverse(xs)
		return NewSequence(lqElemOrNil(src), xs), err
	})
	regLinq("Concat", []Param{collParam("second", IEnumerable)}, nil, seqE, func(src any, _ []*Type, a []any) (any, error) {
		xs, err := lqItems(src)
		if err != nil {
			return nil, err
		}
		if a[0] == nil {
			return nil, ArgumentNull("second")
		}
		ys, err := lqItems(a[0])
		return NewSequence(lqElemOrNil(src), append(xs, ys...)), err
	})
	regLinq("Append", []Param{collParam("element", nil)}, nil, seqE, func(src any, _ []*Type, a []any) (any, error) {
		xs, err := lqItems(src)
		return NewSequence(lqElemOrNil(src), append(xs, a[0])), err
	})
	regLinq("Prepend", []Param{collParam("element", nil)}, nil, seqE, func(src any, _ []*Type, a []any) (any, error) {
		xs, err := lqItems(src)
		return NewSequence(lqElemOrNil(src), append([]any{a[0]}, xs...)), err
	})
	regLinq("DefaultIfEmpty", nil, nil, seqE, func(src any, _ []*Type, _ []any) (any, error) {
		xs, err := lqItems(src)
		if len(xs) == 0 {
			xs = []any{DefaultValue(lqElemOrNil(src))}
		}
		return NewSequence(lqElemOrNil(src), xs), err
	})
	regLinq("DefaultIfEmpty", []Param{collParam("defaultValue", nil)}, nil, seqE, func(src any, _ []*Type, a []any) (any, error) {
		xs, err := lqItems(src)
		if len(xs) == 0 {
			xs = []any{a[0]}
		}
		return NewSequence(lqElemOrNil(src), xs), err
	})
	typed := func(cast bool) lqFn {
		return func(src any, ts []*Type, _ []any) (any, error) {
			t := collTypeArg(ts, 0)
			var out []any
			err := Enumerate(src, func(x any) (bool, error) {
				if IsInstance(x, t) || (cast && x == nil && !t.ValueType) {
					out = append(out, x)
					return true, nil
				}
				if cast {
					// Cast<T> unboxes or reference-converts; user-defined
					// conversions (JToken to string) do not apply.
					return false, InvalidCast(TypeOf(x).FullName, collTypeFull(t))
				}
				return true, nil
			})
			return NewSequence(t, out), err
		}
	}
	regLinqN("Cast", 1, nil, nil, lqHintRes(0, lqEnumOf), typed(true))
	regLinqN("OfType", 1, nil, nil, lqHintRes(0, lqEnumOf), typed(false))
	regLinq("Zip", []Param{collParam("second", IEnumerable), collParam("resultSelector", nil)}, nil, lqHintRes(0, lqEnumOf), func(src any, ts []*Type, a []any) (any, error) {
		xs, err := lqItems(src)
		if err != nil {
			return nil, err
		}
		ys, err := lqItems(a[0])
		if err != nil {
			return nil, err
		}
		f, ok := a[1].(Func)
		if !ok {
			return nil, ArgumentNull("resultSelector")
		}
		out := make([]any, 0, min(len(xs), len(ys)))
		for i := 0; i < len(xs) && i < len(ys); i++ {
			r, err := f.Call(xs[i], ys[i])
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return NewSequence(lqHint(ts, 0), out), nil
	})
	order := func(desc, then bool) lqFn {
		return func(src any, _ []*Type, a []any) (any, error) {
			ord := DefaultOrder
			if len(a) > 1 {
				ord = collComparison(a[1])
			}
			if o, ok := src.(*Ordered); ok && then {
				return o.then(a[0], desc, ord)
			}
			xs, err := lqItems(src)
			if err != nil {
				return nil, err
			}
			return (&Ordered{Elem: lqElemOrNil(src), items: xs}).then(a[0], desc, ord)
		}
	}
	ordRes := lqElemRes(func(t *Type) *Type { return Instantiate(IOrderedEnumerableT, t) })
	for _, o := range []struct {
		name       string
		desc, then bool
	}{{"OrderBy", false, false}, {"OrderByDescending", true, false}, {"ThenBy", false, true}, {"ThenByDescending", true, true}} {
		regLinq(o.name, []Param{collParam("keySelector", nil)}, nil, ordRes, order(o.desc, o.then))
		regLinq(o.name, []Param{collParam("keySelector", nil), collParam("comparer", IComparerT)}, nil, ordRes, order(o.desc, o.then))
	}
	self := func(desc bool) lqFn {
		return func(src any, _ []*Type, a []any) (any, error) {
			xs, err := lqItems(src)
			if err != nil {
				return nil, err
			}
			ord := DefaultOrder
			if len(a) > 0 {
				ord = collComparison(a[0])
			}
			return (&Ordered{Elem: lqElemOrNil(src), items: xs}).then(lqIdentity{}, desc, ord)
		}
	}
	regLinq("Order", nil, nil, ordRes, self(false))
	regLinq("OrderDescending", nil, nil, ordRes, self(true))
	regLinq("GroupBy", []Param{collParam("keySelector", nil)}, nil, func(r *Type, ts []*Type) *Type {
		return lqEnumOf(GroupingType(collTypeArg(ts, 0), ElemType(r)))
	}, func(src any, ts []*Type, a []any) (any, error) {
		return lqGroupBy(src, a[0], nil, nil, lqHint(ts, 0), lqElemOrNil(src))
	})
	regLinq("GroupBy", []Param{collParam("keySelector", nil), collParam("comparer", IEqualityComparerT)}, nil, func(r *Type, ts []*Type) *Type {
		return lqEnumOf(GroupingType(collTypeArg(ts, 0), ElemType(r)))
	}, func(src any, ts []*Type, a []any) (any, error) {
		return lqGroupBy(src, a[0], nil, collEqOf(a[1]), lqHint(ts, 0), lqElemOrNil(src))
	})
	regLinq("GroupBy", []Param{collParam("keySelector", nil), collParam("elementSelector", nil)}, nil, func(_ *Type, ts []*Type) *Type {
		return lqEnumOf(GroupingType(collTypeArg(ts, 0), collTypeArg(ts, 1)))
	}, func(src any, ts []*Type, a []any) (any, error) {
		return lqGroupBy(src, a[0], a[1], nil, lqHint(ts, 0), lqHint(ts, 1))
	})
	IGroupingT.AddProp(&Prop{Name: "Key", Get: func(r any) (any, error) {
		g, ok := r.(*Grouping)
		if !ok || g == nil {
			return nil, NullReference()
		}
		return g.Key, nil
	}})
}

// lqIdentity is the x => x key selector of Order().
type lqIdentity struct{}

func (lqIdentity) Call(args ...any) (any, error) { return args[0], nil }
func (lqIdentity) Arity() int                    { return 1 }

func lqGroupBy(src, keyFn, elemFn any, eq EqualityComparer, keyT, elemT *Type) (any, error) {
	if eq == nil {
		eq = DefaultEquality
	}
	tab := newCollTable(eq)
	var groups []*Grouping
	err := Enumerate(src, func(x any) (bool, error) {
		k, err := lqCall(keyFn, x, -1)
		if err != nil {
			return false, err
		}
		v := x
		if elemFn != nil {
			if v, err = lqCall(elemFn, x, -1); err != nil {
				return false, err
			}
		}
		// null keys form a group too; the table cannot hold nil, so box it.
		key := any(collNullKey{})
		if k != nil {
			key = k
		}
		if i := tab.find(key); i >= 0 {
			g := groups[tab.vals[i].(int)]
			g.Items = append(g.Items, v)
			return true, nil
		}
		tab.put(key, len(groups), false)
		groups = append(groups, &Grouping{Key: k, Elem: elemT, Items: []any{v}})
		return true, nil
	})
	out := make([]any, len(groups))
	for i, g := range groups {
		out[i] = g
	}
	var gt *Type
	if keyT != nil && elemT != nil {
		gt = GroupingType(keyT, elemT)
	}
	return NewSequence(gt, out), err
}

type collNullKey struct{}

func lqRegisterElements() {
	E := lqElemRes(lqIdent)
	type pick struct {
		name          string
		last, single  bool
		orDefault     bool
		withPredicate bool
	}
	var picks []pick
	for _, n := range []struct {
		name         string
		last, single bool
	}{{"First", false, false}, {"Last", true, false}, {"Single", false, true}} {
		for _, od := range []bool{false, true} {
			name := n.name
			if od {
				name += "OrDefault"
			}
			picks = append(picks, pick{name, n.last, n.single, od, false}, pick{name, n.last, n.single, od, true})
		}
	}
	for _, pk := range picks {
		var params []Param
		if pk.withPredicate {
			params = []Param{collParam("predicate", nil)}
		}
		regLinq(pk.name, params, nil, E, func(src any, _ []*Type, a []any) (any, error) {
			var pred any
			if pk.withPredicate {
				if a[0] == nil {
					return nil, ArgumentNull("predicate")
				}
				pred = a[0]
			}
			var found any
			n := 0
			err := Enumerate(src, func(x any) (bool, error) {
				if pred != nil {
					ok, err := lqTruth(lqCall(pred, x, -1))
					if err != nil || !ok {
						return err == nil, err
					}
				}
				n++
				switch {
				case pk.single && n > 1:
					return false, nil
				case pk.last:
					found = x
					return true, nil
				}
				found = x
				return pk.single, nil
			})
			if err != nil {
				return nil, err
			}
			switch {
			case pk.single && n > 1:
				if pred != nil {
					return nil, lqErrMoreThanOneMatch()
				}
				return nil, lqErrMoreThanOne()
			case n == 0 && pk.orDefault:
				return DefaultValue(lqElemOrNil(src)), nil
			case n == 0 && pred != nil:
				return nil, lqErrNoMatch()
			case n == 0:
				return nil, lqErrNoElements()
			}
			return found, nil
		})
	}
	elementAt := func(orDefault bool) lqFn {
		return func(src any, _ []*Type, a []any) (any, error) {
			i, err := collInt(a[0])
			if err != nil {
				return nil, err
			}
			var found any
			ok := false
			n := 0
			if i >= 0 {
				err = Enumerate(src, func(x any) (bool, error) {
					if n == i {
						found, ok = x, true
						return false, nil
					}
					n++
					return true, nil
				})
			}
			if err != nil {
				return nil, err
			}
			if !ok {
				if orDefault {
					return DefaultValue(lqElemOrNil(src)), nil
				}
				return nil, Throw("System.ArgumentOutOfRangeException", "Index was out of range. Must be non-negative and less than the size of the collection. (Parameter 'index')")
			}
			return found, nil
		}
	}
	regLinq("ElementAt", []Param{collParam("index", Int32)}, nil, E, elementAt(false))
	regLinq("ElementAtOrDefault", []Param{collParam("index", Int32)}, nil, E, elementAt(true))
	regLinq("Any", nil, Boolean, nil, func(src any, _ []*Type, _ []any) (any, error) {
		found := false
		err := Enumerate(src, func(any) (bool, error) { found = true; return false, nil })
		return found, err
	})
	regLinq("Any", []Param{collParam("predicate", nil)}, Boolean, nil, func(src any, _ []*Type, a []any) (any, error) {
		found := false
		err := Enumerate(src, func(x any) (bool, error) {
			ok, err := lqTruth(lqCall(a[0], x, -1))
			found = ok
			return !ok, err
		})
		return found && err == nil, err
	})
	regLinq("All", []Param{collParam("predicate", nil)}, Boolean, nil, func(src any, _ []*Type, a []any) (any, error) {
		all := true
		err := Enumerate(src, func(x any) (bool, error) {
			ok, err := lqTruth(lqCall(a[0], x, -1))
			all = ok
			return ok, err
		})
		return all && err == nil, err
	})
	count := func(long bool) lqFn {
		return func(src any, _ []*Type, a []any) (any, error) {
			n := 0
			err := Enumerate(src, func(x any) (bool, error) {
				if len(a) > 0 {
					ok, err := lqTruth(lqCall(a[0], x, -1))
					if err != nil || !ok {
						return err == nil, err
					}
				}
				n++
				return true, nil
			})
			if long {
				return int64(n), err
			}
			return int32(n), err
		}
	}
	regLinq("Count", nil, Int32, nil, count(false))
	regLinq("Count", []Param{collParam("predicate", nil)}, Int32, nil, count(false))
	regLinq("LongCount", nil, Int64, nil, count(true))
	regLinq("LongCount", []Param{collParam("predicate", nil)}, Int64, nil, count(true))
	contains := func(src any, _ []*Type, a []any) (any, error) {
		eq := DefaultEquality
		if len(a) > 1 {
			eq = collEqOf(a[1])
		}
		found := false
		err := Enumerate(src, func(x any) (bool, error) {
			found = eq.Equal(x, a[0])
			return !found, nil
		})
		return found, err
	}
	regLinq("Contains", []Param{collParam("value", nil)}, Boolean, nil, contains)
	regLinq("Contains", []Param{collParam("value", nil), collParam("comparer", IEqualityComparerT)}, Boolean, nil, contains)
	regLinq("SequenceEqual", []Param{collParam("second", IEnumerable)}, Boolean, nil, func(src any, _ []*Type, a []any) (any, error) {
		xs, err := lqItems(src)
		if err != nil {
			return nil, err
		}
		if a[0] == nil {
			return nil, ArgumentNull("second")
		}
		ys, err := lqItems(a[0])
		if err != nil {
			return nil, err
		}
		return slices.EqualFunc(xs, ys, Equals), nil
	})
	regLinq("Aggregate", []Param{collParam("func", nil)}, nil, E, func(src any, _ []*Type, a []any) (any, error) {
		xs, err := lqItems(src)
		if err != nil {
			return nil, err
		}
		if len(xs) == 0 {
			return nil, lqErrNoElements()
		}
		acc := xs[0]
		for _, x := range xs[1:] {
			if acc, err = lqCall2(a[0], acc, x); err != nil {
				return nil, err
			}
		}
		return acc, nil
	})
	regLinq("Aggregate", []Param{collParam("seed", nil), collParam("func", nil)}, nil, lqHintRes(0, lqIdent), func(src any, _ []*Type, a []any) (any, error) {
		acc := a[0]
		err := Enumerate(src, func(x any) (bool, error) {
			var err error
			acc, err = lqCall2(a[1], acc, x)
			return err == nil, err
		})
		return acc, err
	})
	regLinq("Aggregate", []Param{collParam("seed", nil), collParam("func", nil), collParam("resultSelector", nil)}, nil, lqHintRes(1, lqIdent), func(src any, _ []*Type, a []any) (any, error) {
		acc := a[0]
		err := Enumerate(src, func(x any) (bool, error) {
			var err error
			acc, err = lqCall2(a[1], acc, x)
			return err == nil, err
		})
		if err != nil {
			return nil, err
		}
		return lqCall(a[2], acc, -1)
	})
}

func lqCall2(f any, x, y any) (any, error) {
	fn, ok := f.(Func)
	if !ok {
		return nil, ArgumentNull("func")
	}
	return fn.Call(x, y)
}

func lqRegisterSets() {
	seqE := lqElemRes(lqEnumOf)
	distinct := func(src any, _ []*Type, a []any) (any, error) {
		var eq EqualityComparer
		if len(a) > 0 {
			eq = collEqOf(a[0])
		}
		set := NewHashSet(nil, eq)
		var out []any
		err := Enumerate(src, func(x any) (bool, error) {
			if lqAddNullable(set, x) {
				out = append(out, x)
			}
			return true, nil
		})
		return NewSequence(lqElemOrNil(src), out), err
	}
	regLinq("Distinct", nil, nil, seqE, distinct)
	regLinq("Distinct", []Param{collParam("comparer", IEqualityComparerT)}, nil, seqE, distinct)
	setOp := func(kind string) lqFn {
		return func(src any, _ []*Type, a []any) (any, error) {
			var eq EqualityComparer
			if len(a) > 1 {
				eq = collEqOf(a[1])
			}
			if a[0] == nil {
				return nil, ArgumentNull("second")
			}
			xs, err := lqItems(src)
			if err != nil {
				return nil, err
			}
			ys, err := lqItems(a[0])
			if err != nil {
				return nil, err
			}
			seen := NewHashSet(nil, eq)
			var out []any
			switch kind {
			case "Union":
				for _, x := range append(xs, ys...) {
					if lqAddNullable(seen, x) {
						out = append(out, x)
					}
				}
			case "Except", "Intersect":
				other := NewHashSet(nil, eq)
				for _, y := range ys {
					lqAddNullable(other, y)
				}
				for _, x := range xs {
					in := lqContainsNullable(other, x)
					if in == (kind == "Intersect") && lqAddNullable(seen, x) {
						out = append(out, x)
					}
				}
			}
			return NewSequence(lqElemOrNil(src), out), nil
		}
	}
	for _, k := range []string{"Union", "Except", "Intersect"} {
		regLinq(k, []Param{collParam("second", IEnumerable)}, nil, seqE, setOp(k))
		regLinq(k, []Param{collParam("second", IEnumerable), collParam("comparer", IEqualityComparerT)}, nil, seqE, setOp(k))
	}
}

// lqAddNullable adds to a set that may also hold null.
func lqAddNullable(s *HashSet, x any) bool {
	if x == nil {
		x = collNullKey{}
	}
	return s.Add(x)
}

func lqContainsNullable(s *HashSet, x any) bool {
	if x == nil {
		x = collNullKey{}
	}
	return s.Contains(x)
}

func lqRegisterConversions() {
	regLinq("ToList", nil, nil, lqElemRes(func(t *Type) *Type { return Instantiate(ListT, t) }), func(src any, _ []*Type, _ []any) (any, error) {
		xs, err := lqItems(src)
		if xs == nil {
			xs = []any{}
		}
		e := lqElemOrNil(src)
		if e == nil {
			e = Object
		}
		return &List{Elem: e, Items: xs}, err
	})
	regLinq("ToArray", nil, nil, lqElemRes(ArrayOf), func(src any, _ []*Type, _ []any) (any, error) {
		xs, err := lqItems(src)
		if err != nil {
			return nil, err
		}
		e := lqElemOrNil(src)
		if e == nil {
			e = lqInferElem(xs)
		}
		return collMakeArray(e, xs), nil
	})
	toSet := func(src any, _ []*Type, a []any) (any, error) {
		var eq EqualityComparer
		if len(a) > 0 {
			eq = collEqOf(a[0])
		}
		s := NewHashSet(lqElemOrNil(src), eq)
		err := Enumerate(src, func(x any) (bool, error) { s.Add(x); return true, nil })
		return s, err
	}
	setRes := lqElemRes(func(t *Type) *Type { return Instantiate(HashSetT, t) })
	regLinq("ToHashSet", nil, nil, setRes, toSet)
	regLinq("ToHashSet", []Param{collParam("comparer", IEqualityComparerT)}, nil, setRes, toSet)
	toDict := func(withElem bool) lqFn {
		return func(src any, ts []*Type, a []any) (any, error) {
			var eq EqualityComparer
			if n := len(a); n > 0 {
				if c, ok := a[n-1].(EqualityComparer); ok {
					eq = c
				}
			}
			valT := lqElemOrNil(src)
			if withElem {
				valT = lqHint(ts, 1)
			}
			d := NewDictionary(lqHint(ts, 0), valT, eq)
			err := Enumerate(src, func(x any) (bool, error) {
				k, err := lqCall(a[0], x, -1)
				if err != nil {
					return false, err
				}
				v := x
				if withElem {
					if v, err = lqCall(a[1], x, -1); err != nil {
						return false, err
					}
				}
				return true, d.Add(k, v)
			})
			return d, err
		}
	}
	dictRes := func(r *Type, ts []*Type) *Type { return Instantiate(DictionaryT, collTypeArg(ts, 0), ElemType(r)) }
	dictRes2 := func(_ *Type, ts []*Type) *Type {
		return Instantiate(DictionaryT, collTypeArg(ts, 0), collTypeArg(ts, 1))
	}
	regLinq("ToDictionary", []Param{collParam("keySelector", nil)}, nil, dictRes, toDict(false))
	regLinq("ToDictionary", []Param{collParam("keySelector", nil), collParam("comparer", IEqualityComparerT)}, nil, dictRes, toDict(false))
	regLinq("ToDictionary", []Param{collParam("keySelector", nil), collParam("elementSelector", nil)}, nil, dictRes2, toDict(true))
	regLinq("ToDictionary", []Param{collParam("keySelector", nil), collParam("elementSelector", nil), collParam("comparer", IEqualityComparerT)}, nil, dictRes2, toDict(true))
	regLinq("AsEnumerable", nil, nil, lqElemRes(lqEnumOf), func(src any, _ []*Type, _ []any) (any, error) { return src, nil })
}

// lqInferElem guesses an array element type for values whose static type was
// not passed down: string[] when every element is a string.
func lqInferElem(xs []any) *Type {
	if len(xs) == 0 {
		return Object
	}
	for _, x := range xs {
		if _, ok := x.(string); !ok {
			return Object
		}
	}
	return String
}

func lqRegisterGenerators() {
	EnumerableT.AddStatic(
		&Method{Name: "Range", Params: []Param{collParam("start", Int32), collParam("count", Int32)}, Result: lqEnumOf(Int32), FnB: lqRange,
			Fn: func(r any, a []any) (any, error) { return lqRange(nil, r, a) }},
		&Method{Name: "Repeat", Params: []Param{collParam("element", nil), collParam("count", Int32)}, ResultOf: lqHintRes(0, lqEnumOf), FnB: lqRepeat,
			Fn: func(r any, a []any) (any, error) { return lqRepeat(nil, r, a) }},
		&Method{Name: "Empty", TypeParams: 1, ResultOf: lqHintRes(0, lqEnumOf), Fn: func(_ any, a []any) (any, error) {
			ts, _ := collTypeArgs(a)
			return NewSequence(collTypeArg(ts, 0), nil), nil
		}},
	)
}

// lqGenerator is the lazy source of Enumerable.Range and Repeat: nothing
// is allocated until a consumer stores the elements; enumeration observes
// the evaluation's time budget and charges each element to its memory
// budget.
type lqGenerator struct {
	start, n int
	repeat   bool
	elem     any
	budget   Budget
}

func (g *lqGenerator) Iter() iter.Seq[any] {
	return func(yield func(any) bool) {
		for i := 0; i < g.n; i++ {
			if i&1023 == 0 {
				// Every element may be kept (a List, a HashSet, a string):
				// charge it as if it were.
				if err := g.budget.Check(); err != nil {
					panic(err)
				}
				if err := g.budget.Alloc(int64(min(1024, g.n-i)) * ElemBytes); err != nil {
					panic(err)
				}
			}
			x := g.elem
			if !g.repeat {
				x = int32(g.start + i)
			}
			if !yield(x) {
				return
			}
		}
	}
}

func lqRange(b *Budget, _ any, a []any) (any, error) {
	_, a = collTypeArgs(a)
	start, err := collInt(a[0])
	if err != nil {
		return nil, err
	}
	n, err := collInt(a[1])
	if err != nil {
		return nil, err
	}
	if n < 0 || int64(start)+int64(n)-1 > 1<<31-1 {
		return nil, Throw("System.ArgumentOutOfRangeException", "Specified argument was out of the range of valid values. (Parameter 'count')")
	}
	g := &lqGenerator{start: start, n: n}
	if b != nil {
		g.budget = *b
	}
	return &Sequence{Elem: Int32, src: g}, nil
}

func lqRepeat(b *Budget, _ any, a []any) (any, error) {
	ts, a := collTypeArgs(a)
	n, err := collInt(a[1])
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, Throw("System.ArgumentOutOfRangeException", "Specified argument was out of the range of valid values. (Parameter 'count')")
	}
	g := &lqGenerator{n: n, repeat: true, elem: a[0]}
	if b != nil {
		g.budget = *b
	}
	e := lqHint(ts, 0)
	if e == nil && a[0] != nil {
		e = TypeOf(a[0])
	}
	return &Sequence{Elem: e, src: g}, nil
}
