package expressions

import (
	"reflect"

	"github.com/policygate/policygate/expressions/dotnet"
)

// Reference equality: C# compiles == on two reference types that define no
// operator == (object, JToken, IPAddress, List<T>, ...) as an identity test,
// so two equal boxes or two equal JValues are not ==.
var (
	fnRefEq = fn("_refeq", func(a ...any) (any, error) { return referenceEqual(a[0], a[1]), nil })
	fnRefNe = fn("_refne", func(a ...any) (any, error) { return !referenceEqual(a[0], a[1]), nil })
)

// usesReferenceEquality reports whether == on static types x and y is C#'s
// reference comparison.
func usesReferenceEquality(x, y *dotnet.Type) bool {
	if x == nil || y == nil {
		return false
	}
	if x == dotnet.Object || y == dotnet.Object {
		return x == y
	}
	return isPlainReference(x) && isPlainReference(y)
}

// isPlainReference is a class type without operator ==.
func isPlainReference(t *dotnet.Type) bool {
	if t.ValueType || t.Nullable || t.Enum || t.Interface || t == dotnet.String || dotnet.IsDelegate(t) {
		return false
	}
	switch t.FullName {
	case "System.Uri", "System.Version":
		return false
	}
	return t.GoType != nil && (t.GoType.Kind() == reflect.Pointer || t.GoType.Kind() == reflect.Slice)
}

func referenceEqual(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	switch {
	case va.Kind() != vb.Kind() || va.Type() != vb.Type():
		return false
	case va.Kind() == reflect.Pointer || va.Kind() == reflect.Map || va.Kind() == reflect.Func:
		return va.Pointer() == vb.Pointer()
	case va.Kind() == reflect.Slice:
		return va.Pointer() == vb.Pointer() && va.Len() == vb.Len()
	case va.Kind() == reflect.String:
		// Strings through object: equal text stands for an interned string.
		return a == b
	}
	// A boxed value type: every boxing makes a new object.
	return false
}

// String concatenation: + with a string operand is string.Concat, which
// reads null as "" and never yields null.
var fnStrAdd = fn("_stradd", func(a ...any) (any, error) {
	s := dotnet.ToString(a[0]) + dotnet.ToString(a[1])
	if len(s) > MaxStringLength {
		return nil, tooLong()
	}
	return s, nil
})
