package dotnet

// System.Object's members, which every value has.
func init() {
	Object.AddMethod(
		&Method{Name: "ToString", Result: String, Fn: func(r any, _ []any) (any, error) { return ToString(r), nil }},
		&Method{Name: "Equals", Params: []Param{{Name: "obj"}}, Result: Boolean, Fn: func(r any, a []any) (any, error) {
			return Equals(r, a[0]), nil
		}},
		&Method{Name: "GetHashCode", Result: Int32, Fn: func(r any, _ []any) (any, error) {
			return int32(hashString(ToString(r))), nil
		}},
	)
	Object.AddStatic(
		&Method{Name: "Equals", Params: []Param{{Name: "objA"}, {Name: "objB"}}, Result: Boolean, Fn: func(_ any, a []any) (any, error) {
			return Equals(a[0], a[1]), nil
		}},
		&Method{Name: "ReferenceEquals", Params: []Param{{Name: "objA"}, {Name: "objB"}}, Result: Boolean, Fn: func(_ any, a []any) (any, error) {
			return a[0] == a[1], nil
		}},
	)
}

func hashString(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}
