package dotnet

import (
	"errors"
	"testing"
)

// tmCall runs the only overload of a member with the given arity.
func tmCall(t *testing.T, ms []*Method, recv any, args ...any) (any, error) {
	t.Helper()
	for _, m := range ms {
		if len(m.Params) == len(args) {
			return m.Fn(recv, args)
		}
	}
	t.Fatalf("no overload with %d parameters", len(args))
	return nil, nil
}

func excType(err error) string {
	var e *Exception
	if errors.As(err, &e) {
		return e.Type
	}
	return ""
}
