package dotnet

import "fmt"

// Delegate types lambdas can be stored in: Func<...>, Action<...>,
// Predicate<T>, Comparison<T>. Their values are Func.
func init() {
	isFunc := func(v any) bool { _, ok := v.(Func); return ok }
	invoke := &Method{Name: "Invoke", Params: []Param{{Name: "args", Type: ArrayOf(Object), Params: true}},
		Fn: func(r any, a []any) (any, error) { return r.(Func).Call(a[0].([]any)...) }}
	add := func(name string, arity int) {
		full := "System." + name
		if arity > 0 {
			name = fmt.Sprintf("%s`%d", name, arity)
			full = fmt.Sprintf("%s`%d", full, arity)
		}
		t := &Type{Name: name, FullName: full, Base: Object, Is: isFunc,
			Methods: map[string][]*Method{"Invoke": {invoke}}, Props: map[string]*Prop{}}
		Register(t)
	}
	for n := 1; n <= 5; n++ {
		add("Func", n)
	}
	add("Action", 0)
	for n := 1; n <= 4; n++ {
		add("Action", n)
	}
	add("Predicate", 1)
	add("Comparison", 1)
}

// IsDelegate reports whether t is one of the delegate types.
func IsDelegate(t *Type) bool {
	if t == nil {
		return false
	}
	if t.Generic != nil {
		t = t.Generic
	}
	switch t.FullName {
	case "System.Action", "System.Action`1", "System.Action`2", "System.Action`3", "System.Action`4",
		"System.Func`1", "System.Func`2", "System.Func`3", "System.Func`4", "System.Func`5",
		"System.Predicate`1", "System.Comparison`1":
		return true
	}
	return false
}
