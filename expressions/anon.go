package expressions

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/policygate/policygate/expressions/dotnet"
)

// Anonymous types: each shape (member names and static types) is one type
// deriving from AnonType, with a read-only property per member, so members
// bind statically (o => o.v in OrderBy) and two new { } of the same shape
// share a type, as in C#.
var (
	anonTypes sync.Map // shape key → *dotnet.Type
	anonCount atomic.Int64
)

func anonTypeOf(names []string, types []*dotnet.Type) *dotnet.Type {
	var key strings.Builder
	for i, n := range names {
		key.WriteString(n + ":" + types[i].String() + ";")
	}
	if t, ok := anonTypes.Load(key.String()); ok {
		return t.(*dotnet.Type)
	}
	// A distinct name per shape: constructed types (arrays, IEnumerable<T>)
	// are cached by their arguments' names.
	name := fmt.Sprintf("%s%d", AnonType.Name, anonCount.Add(1)-1)
	t := dotnet.NewType(name, name, AnonType, AnonType.GoType)
	for i, n := range names {
		n := n
		t.AddProp(&dotnet.Prop{Name: n, Type: types[i], Get: func(r any) (any, error) {
			o, ok := r.(*AnonObject)
			if !ok || o == nil {
				return nil, dotnet.NullReference()
			}
			v, _ := o.Get(n)
			return v, nil
		}})
	}
	actual, _ := anonTypes.LoadOrStore(key.String(), t)
	return actual.(*dotnet.Type)
}

// EqualsValue is an anonymous type's Equals: the same members, equal values.
func (o *AnonObject) EqualsValue(v any) bool {
	p, ok := v.(*AnonObject)
	if !ok || len(p.Names) != len(o.Names) {
		return false
	}
	for i, n := range o.Names {
		if p.Names[i] != n || !dotnet.Equals(o.Values[i], p.Values[i]) {
			return false
		}
	}
	return true
}
