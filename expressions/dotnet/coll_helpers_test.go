package dotnet

import (
	"errors"
	"testing"
)

// ctLam is a test lambda.
type ctLam struct {
	n int
	f func(args ...any) (any, error)
}

func (l ctLam) Call(args ...any) (any, error) { return l.f(args...) }
func (l ctLam) Arity() int                    { return l.n }

func ctFn1(f func(x any) any) Func {
	return ctLam{1, func(a ...any) (any, error) { return f(a[0]), nil }}
}

func ctFn2(f func(x, y any) any) Func {
	return ctLam{2, func(a ...any) (any, error) { return f(a[0], a[1]), nil }}
}

// ctPick selects the overload of ms whose parameters accept args
// (leading *Type arguments excluded), as a simplified compiler would.
func ctPick(t testing.TB, ms []*Method, skip int, args []any) *Method {
	t.Helper()
	_, rest := collTypeArgs(args)
	var best *Method
	bestScore := -1
	for _, m := range ms {
		ps := m.Params[skip:]
		if len(ps) != len(rest) {
			continue
		}
		score, ok := 0, true
		for i, p := range ps {
			if p.Type == nil || p.Out {
				continue
			}
			if rest[i] == nil || IsInstance(rest[i], p.Type) {
				score++
				continue
			}
			ok = false
		}
		if ok && score > bestScore {
			best, bestScore = m, score
		}
	}
	if best == nil {
		t.Fatalf("no overload of %d args", len(rest))
	}
	return best
}

// ctExt calls a LINQ (or other extension) method registered on on.
func ctExt(t testing.TB, on *Type, name string, recv any, args ...any) (any, error) {
	t.Helper()
	return ctPick(t, on.Methods[name], 1, args).Fn(recv, args)
}

// ctInst calls an instance method found on the receiver's type.
func ctInst(t testing.TB, name string, recv any, args ...any) (any, error) {
	t.Helper()
	var ms []*Method
	for _, m := range TypeOf(recv).FindMethods(name) {
		if !m.Extension {
			ms = append(ms, m)
		}
	}
	return ctPick(t, ms, 0, args).Fn(recv, args)
}

func ctStatic(t testing.TB, on *Type, name string, args ...any) (any, error) {
	t.Helper()
	return ctPick(t, on.Static[name], 0, args).Fn(nil, args)
}

func ctCtor(t testing.TB, on *Type, args ...any) any {
	t.Helper()
	v, err := ctPick(t, on.Ctors, 0, args).Fn(nil, args)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func ctProp(t testing.TB, recv any, name string) any {
	t.Helper()
	pr := TypeOf(recv).FindProp(name)
	if pr == nil {
		t.Fatalf("no property %s on %s", name, TypeOf(recv))
	}
	v, err := pr.Get(recv)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// ctMust returns v, failing the test (by panicking) on err; it takes the two
// results of a call directly.
func ctMust(v any, err error) any {
	if err != nil {
		panic(err)
	}
	return v
}

func ctSlice(t testing.TB, v any) []any {
	t.Helper()
	var out []any
	if err := Enumerate(v, func(x any) (bool, error) { out = append(out, x); return true, nil }); err != nil {
		t.Fatal(err)
	}
	if out == nil {
		out = []any{}
	}
	return out
}

// ctWantExc asserts err is a .NET exception of type typ with message msg
// (msg "" skips the message check).
func ctWantExc(t testing.TB, err error, typ, msg string) {
	t.Helper()
	var e *Exception
	if !errors.As(err, &e) {
		t.Fatalf("got error %v, want %s", err, typ)
	}
	if e.Type != typ || (msg != "" && e.Message != msg) {
		t.Fatalf("got %s: %q, want %s: %q", e.Type, e.Message, typ, msg)
	}
}
