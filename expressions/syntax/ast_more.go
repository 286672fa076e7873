package syntax

// Nodes added after the initial contract in ast.go.

// CheckedExpr is checked(X) or unchecked(X). The distinction matters for
// constant expressions such as unchecked((int)2166136261).
type CheckedExpr struct {
	Span
	Unchecked bool
	X         Expr
}

// CheckedStmt is a checked { ... } or unchecked { ... } block. C# code is
// unchecked by default, so an unchecked block behaves like a plain block.
type CheckedStmt struct {
	Span
	Unchecked bool
	Body      *Block
}

// Using is the resource statement using (Resource) Body, where the resource
// is a declaration (Decl) or an expression (X). The parser accepts it because
// real policies use it (hash algorithms); the binder decides whether to
// support or reject it. using directives and "using var" are syntax errors.
type Using struct {
	Span
	Decl *VarDecl // non-nil for using (var x = ...)
	X    Expr     // non-nil for using (expr)
	Body Stmt
}

func (*CheckedExpr) exprNode() {}
func (*CheckedStmt) stmtNode() {}
func (*Using) stmtNode()       {}
