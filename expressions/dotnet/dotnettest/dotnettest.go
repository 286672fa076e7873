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
