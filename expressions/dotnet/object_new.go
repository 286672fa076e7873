package dotnet

// PlainObject is an instance made by new object(): an identity with no
// state (often a lock or a sentinel).
type PlainObject struct{ _ byte } // not zero-sized: every instance has its own address

// String is object.ToString().
func (*PlainObject) String() string { return "System.Object" }

func init() {
	Object.Ctors = append(Object.Ctors, &Method{Name: ".ctor", Result: Object, Fn: func(any, []any) (any, error) {
		return &PlainObject{}, nil
	}})
}
