package syntax

import (
	"reflect"
	"testing"
)

var nodeType = reflect.TypeFor[Node]()

// children returns the nodes directly reachable from v (through plain
// structs and slices, not through other nodes).
func children(v reflect.Value, out *[]Node) {
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.Type().Implements(nodeType) {
			*out = append(*out, v.Interface().(Node))
			return
		}
		children(v.Elem(), out)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).Name == "Span" {
				continue
			}
			children(v.Field(i), out)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			children(v.Index(i), out)
		}
	}
}

// checkSpans asserts that every node lies within src and within its parent.
func checkSpans(t *testing.T, src string, n Node) {
	t.Helper()
	var walk func(n Node, from, to Pos)
	walk = func(n Node, from, to Pos) {
		if n.Pos() < from || n.End() > to || n.Pos() > n.End() {
			t.Errorf("%T %s span [%d,%d) outside parent [%d,%d)", n, Dump(n), n.Pos(), n.End(), from, to)
			return
		}
		var kids []Node
		children(reflect.ValueOf(n).Elem(), &kids)
		for _, k := range kids {
			walk(k, n.Pos(), n.End())
		}
	}
	walk(n, 0, Pos(len(src)))
}
