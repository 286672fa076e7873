package policies

import (
	"testing"

	"github.com/policygate/policygate/expressions/dotnet"
)

func TestExpressionCacheSharesByTextAndType(t *testing.T) {
	const src = `@(context.Request.Method == "POST")`
	a, err := compileExpression(src, dotnet.Boolean)
	if err != nil {
		t.Fatal(err)
	}
	b, err := compileExpression(src, dotnet.Boolean)
	if err != nil || b != a {
		t.Fatalf("same text and type: %p, %p (%v); want one program", a, b, err)
	}
	if c, err := compileExpression(src, nil); err != nil || c == a {
		t.Errorf("no expected type: got the bool-checked program (%v)", err)
	}
	const bad = `@(context.Request.NoSuchMember)`
	for range 2 {
		if p, err := compileExpression(bad, nil); err == nil || p != nil {
			t.Fatalf("bad expression compiled: %v", p)
		}
	}
	exprCache.Lock()
	_, kept := exprCache.m[exprKey{bad, nil}]
	exprCache.Unlock()
	if kept {
		t.Error("a failed compile was kept")
	}
}
