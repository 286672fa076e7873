// Package dotnettest holds helpers for the tests of the .NET namespace
// packages under expressions/dotnet: calling registered members without the
// expression compiler, and reading the .NET exception an error carries.
// Package dotnet's own tests keep their in-package copies (a package's tests
// cannot import a package that imports it).
package dotnettest

import (
	"errors"
	"testing"

	"github.com/policygate/policygate/expressions/dotnet"
)

// Call runs the only overload of a member with the given arity.
func Call(t testing.TB, ms []*dotnet.Method, recv any, args ...any) (any, error) {
	t.Helper()
	for _, m := range ms {
		if len(m.Params) == len(args) {
			return m.Fn(recv, args)
		}
	}
	t.Fatalf("no overload with %d parameters", len(args))
	return nil, nil
}

// ExceptionType is the .NET type name of the exception err carries, or "".
func ExceptionType(err error) string {
	var e *dotnet.Exception
	if errors.As(err, &e) {
		return e.Type
	}
	return ""
}

// MustCall calls the static (recv nil) or instance method name of typ whose
// parameter count, type parameters included, matches args, failing the test
// on an error.
func MustCall(t testing.TB, typ *dotnet.Type, recv any, name string, args ...any) any {
	t.Helper()
	var ms []*dotnet.Method
	if recv == nil {
		ms = typ.Static[name]
	} else {
		ms = typ.FindMethods(name)
	}
	for _, m := range ms {
		if len(m.Params)+m.TypeParams == len(args) {
			v, err := m.Fn(recv, args)
			if err != nil {
				t.Fatalf("%s.%s: %v", typ.Name, name, err)
			}
			return v
		}
	}
	t.Fatalf("%s.%s/%d not found", typ.Name, name, len(args))
	return nil
}

// MustNew runs the constructor of typ that takes args (not the copy
// constructor; a trailing []any goes to a params parameter), failing the
// test on an error.
func MustNew(t testing.TB, typ *dotnet.Type, args ...any) any {
	t.Helper()
	for _, m := range typ.Ctors {
		n := len(m.Params)
		if n != len(args) || n == 1 && m.Params[0].Type == typ {
			continue // wrong arity, or the copy constructor
		}
		if n > 0 {
			_, isSlice := args[n-1].([]any)
			if m.Params[n-1].Params != isSlice {
				continue
			}
		}
		v, err := m.Fn(nil, args)
		if err != nil {
			t.Fatalf("new %s: %v", typ.Name, err)
		}
		return v
	}
	t.Fatalf("no ctor for %s/%d", typ.Name, len(args))
	return nil
}
