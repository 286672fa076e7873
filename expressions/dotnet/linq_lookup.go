package dotnet

import (
	"iter"
	"reflect"
)

// LinqLookup is ToLookup's ILookup<TKey, TElement>: groups in first-seen order;
// indexing a missing key gives an empty sequence.
type LinqLookup struct {
	Key, Elem *Type
	groups    []*Grouping
	eq        EqualityComparer
}

// Iter enumerates the groupings.
func (l *LinqLookup) Iter() iter.Seq[any] {
	return func(yield func(any) bool) {
		for _, g := range l.groups {
			if !yield(g) {
				return
			}
		}
	}
}

func (l *LinqLookup) find(key any) *Grouping {
	for _, g := range l.groups {
		if (g.Key == nil && key == nil) || (g.Key != nil && key != nil && l.eq.Equal(g.Key, key)) {
			return g
		}
	}
	return nil
}

// Types of ToLookup.
var (
	ILookupT = Register(collIface("ILookup`2", "System.Linq.ILookup`2", IEnumerable))
	LookupT  = Register(collClass("Lookup`2", "System.Linq.Lookup`2", reflect.TypeOf((*LinqLookup)(nil)), ILookupT, IEnumerable))
)

func init() {
	lookupOf := func(r *Type, ts []*Type) *Type {
		return Instantiate(LookupT, collTypeArg(ts, 0), ElemType(r))
	}
	build := func(src any, ts []*Type, keyFn any, eq EqualityComparer) (any, error) {
		if eq == nil {
			eq = DefaultEquality
		}
		seq, err := lqGroupBy(src, keyFn, nil, eq, lqHint(ts, 0), lqElemOrNil(src))
		if err != nil {
			return nil, err
		}
		l := &LinqLookup{Key: lqHint(ts, 0), Elem: lqElemOrNil(src), eq: eq}
		err = Enumerate(seq, func(g any) (bool, error) {
			l.groups = append(l.groups, g.(*Grouping))
			return true, nil
		})
		return l, err
	}
	regLinq("ToLookup", []Param{collParam("keySelector", nil)}, nil, lookupOf, func(src any, ts []*Type, a []any) (any, error) {
		return build(src, ts, a[0], nil)
	})
	regLinq("ToLookup", []Param{collParam("keySelector", nil), collParam("comparer", IEqualityComparerT)}, nil, lookupOf, func(src any, ts []*Type, a []any) (any, error) {
		return build(src, ts, a[0], collEqOf(a[1]))
	})
	get := &Method{Name: "Get", Params: []Param{collParam("key", nil)}, Fn: func(r any, a []any) (any, error) {
		l := r.(*LinqLookup)
		if g := l.find(a[0]); g != nil {
			return NewSequence(l.Elem, g.Items), nil
		}
		return NewSequence(l.Elem, nil), nil
	}}
	get.ResultOf = func(r *Type, _ []*Type) *Type { return lqEnumOf(collTypeArg(r.Args, 1)) }
	LookupT.Indexers = append(LookupT.Indexers, get)
	ILookupT.Indexers = append(ILookupT.Indexers, get)
	count := &Prop{Name: "Count", Type: Int32, Get: func(r any) (any, error) { return int32(len(r.(*LinqLookup).groups)), nil }}
	LookupT.AddProp(count)
	ILookupT.AddProp(count)
	contains := &Method{Name: "Contains", Params: []Param{collParam("key", nil)}, Result: Boolean, Fn: func(r any, a []any) (any, error) {
		return r.(*LinqLookup).find(a[0]) != nil, nil
	}}
	LookupT.AddMethod(contains)
	ILookupT.AddMethod(contains)
}
