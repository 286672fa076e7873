// Package syntax is the lexer and parser for the C# subset used in APIM
// policy expressions. It produces a tree of Node values whose positions are
// byte offsets into the expression source (the text between the policy's
// "@(" ... ")" or "@{" ... "}", delimiters included).
package syntax

// Pos is a byte offset into the expression source.
type Pos int

// Node is any syntax tree node.
type Node interface {
	Pos() Pos // offset of the node's first byte
	End() Pos // offset just past the node's last byte
}

// Span is embedded by every node to carry its position.
type Span struct{ From, To Pos }

// Pos returns the offset of the node's first byte.
func (s Span) Pos() Pos { return s.From }

// End returns the offset just past the node's last byte.
func (s Span) End() Pos { return s.To }

// Expr is an expression node.
type Expr interface {
	Node
	exprNode()
}

// Stmt is a statement node.
type Stmt interface {
	Node
	stmtNode()
}

// TypeRef names a type as written: "string", "int?", "JObject", "List<string>",
// "string[]", "System.Net.WebUtility", "Dictionary<string, object>".
type TypeRef struct {
	Span
	Name     string     // dotted name without type arguments: "List", "System.String", "int"
	Args     []*TypeRef // generic type arguments
	Nullable bool       // trailing "?"
	Rank     int        // number of "[]" suffixes (array rank 1 each)
}

// ---- expressions ----

// LitKind tells which kind of literal a Literal is.
type LitKind int

// Literal kinds.
const (
	LitNull LitKind = iota
	LitBool
	LitInt    // int, uint, long, ulong (see Suffix)
	LitReal   // double, float, decimal (see Suffix)
	LitChar   // Value holds the decoded rune as a string of one rune
	LitString // regular or verbatim string; Value is the decoded text
)

// Literal is a literal value. Value is the decoded value: nil, bool, the
// literal's digits as written (for numbers, without suffix and underscores;
// hex keeps its 0x prefix), or the decoded string/char text.
type Literal struct {
	Span
	Kind   LitKind
	Value  any
	Suffix string // lower-cased numeric suffix: "", "l", "u", "ul", "f", "d", "m"
}

// Interpolated is $"..." (or $@"..."/@$"..."): literal parts and holes in order.
type Interpolated struct {
	Span
	Parts []InterpPart
}

// InterpPart is one piece of an interpolated string: either literal Text or a
// hole with an expression, optional alignment and format ({x,5:N2}).
type InterpPart struct {
	Text      string
	Expr      Expr // nil for a literal part
	Alignment Expr // optional
	Format    string
}

// Ident is a simple name: a local, a parameter, "context", a type or namespace
// name at the start of a dotted chain.
type Ident struct {
	Span
	Name string
}

// Member is X.Name or X?.Name (Optional). TypeArgs is set for generic method
// names used as callees: x.As<JObject>.
type Member struct {
	Span
	X        Expr
	Name     string
	NamePos  Pos
	Optional bool
	TypeArgs []*TypeRef
}

// GenericName is a simple name with type arguments used as a callee:
// GetValueOrDefault<string>(...) without receiver is rare, but "new List<int>()"
// uses TypeRef instead. Kept for completeness.
type GenericName struct {
	Span
	Name     string
	TypeArgs []*TypeRef
}

// Arg is a call argument: positional or named (name: value), possibly
// "out x", "out var x", "out string x" or "ref x".
type Arg struct {
	Name  string // named argument, "" if positional
	Value Expr   // for out declarations: an *OutVar
	Out   bool
	Ref   bool
}

// OutVar is an out-variable declaration used as an argument: out var x,
// out string x.
type OutVar struct {
	Span
	Type *TypeRef // nil for "var"
	Name string
}

// Call is Fun(Args...). Fun is usually *Member or *Ident or *GenericName.
type Call struct {
	Span
	Fun  Expr
	Args []Arg
}

// Index is X[Args...] or X?[Args...].
type Index struct {
	Span
	X        Expr
	Args     []Expr
	Optional bool
}

// Unary is a prefix operator: - + ! ~ ++ -- (prefix).
type Unary struct {
	Span
	Op string
	X  Expr
}

// Postfix is x++ or x--.
type Postfix struct {
	Span
	Op string
	X  Expr
}

// Binary is X Op Y for + - * / % << >> < > <= >= == != & | ^ && || ??.
type Binary struct {
	Span
	Op   string
	X, Y Expr
}

// Assign is X Op Y with Op one of = += -= *= /= %= &= |= ^= <<= >>= ??=.
type Assign struct {
	Span
	Op   string
	X, Y Expr
}

// Conditional is Cond ? Then : Else.
type Conditional struct {
	Span
	Cond, Then, Else Expr
}

// Cast is (Type)X.
type Cast struct {
	Span
	Type *TypeRef
	X    Expr
}

// Is is X is Type, or X is Type name (pattern with a designation), or X is null.
type Is struct {
	Span
	X     Expr
	Type  *TypeRef // nil when matching a constant (x is null)
	Name  string   // declared pattern variable, "" if none
	Not   bool     // "is not"
	Const Expr     // constant pattern (null, literal) when Type is nil
}

// As is X as Type.
type As struct {
	Span
	X    Expr
	Type *TypeRef
}

// TypeOf is typeof(Type).
type TypeOf struct {
	Span
	Type *TypeRef
}

// Default is default(Type) or the bare literal default (Type nil).
type Default struct {
	Span
	Type *TypeRef
}

// NameOf is nameof(X).
type NameOf struct {
	Span
	X Expr
}

// New is object creation: new Type(args) { initializer }, new Type[] {...},
// new[] {...}, new Type[n], and anonymous new { A = 1, B }. For array
// creation Type is the array type itself (Rank >= 1): new int[3] has Type
// int[] and Size 3.
type New struct {
	Span
	Type *TypeRef // nil for new[] {...} and anonymous types
	Args []Arg    // constructor arguments
	// Array is true for array creation (new T[n], new T[] {...}, new[] {...}).
	Array bool
	// Size holds the dimension expression of new T[n].
	Size Expr
	// Init is the initializer, nil if absent.
	Init *Initializer
}

// InitKind says what an Initializer holds.
type InitKind int

// Initializer kinds.
const (
	InitCollection InitKind = iota // { a, b, c } or { {k, v}, {k, v} } (each Elems[i] may be *InitList)
	InitObject                     // { Prop = v, [key] = v }
	InitAnonymous                  // new { A = 1, B } : Members
)

// Initializer is the brace part of a creation expression.
type Initializer struct {
	Span
	Kind    InitKind
	Elems   []Expr       // collection/array elements
	Members []MemberInit // object and anonymous initializers
}

// InitList is a nested brace list inside a collection initializer: {k, v}.
type InitList struct {
	Span
	Elems []Expr
}

// MemberInit is Name = Value, or [Key] = Value (Index non-nil), or a bare
// expression in an anonymous type (Name taken from it).
type MemberInit struct {
	Name  string
	Index []Expr
	Value Expr
}

// Lambda is (a, b) => body, x => body, (string x) => body. Body is either an
// Expr (Expr non-nil) or a *Block.
type Lambda struct {
	Span
	Params []LambdaParam
	Expr   Expr
	Block  *Block
}

// LambdaParam is one lambda parameter with an optional explicit type.
type LambdaParam struct {
	Name string
	Type *TypeRef
}

// TypeExpr is a type used in expression position where the parser could only
// read it as a type: int.Parse (predefined type keyword), string.Join.
// Dotted names like JObject.Parse or System.Text.Encoding.UTF8 are left as
// Ident/Member chains; the binder resolves them.
type TypeExpr struct {
	Span
	Type *TypeRef
}

// Paren is (X). Kept so positions and casts disambiguate cleanly.
type Paren struct {
	Span
	X Expr
}

// Switch expression: X switch { pattern => value, _ => value }.
type SwitchExpr struct {
	Span
	X    Expr
	Arms []SwitchArm
}

// SwitchArm is one arm of a switch expression; Pattern nil means discard "_".
type SwitchArm struct {
	Pattern Expr     // constant expression, or nil for _
	Type    *TypeRef // type pattern
	Name    string
	When    Expr
	Value   Expr
}

// Throw as an expression: x ?? throw new Exception().
type ThrowExpr struct {
	Span
	X Expr
}

// ---- statements ----

// Block is { stmts }.
type Block struct {
	Span
	Stmts []Stmt
}

// VarDecl declares one or more locals: var x = 1; string a, b = "";
// int[] arr; Type is nil for var.
type VarDecl struct {
	Span
	Type  *TypeRef
	Names []VarName
	Const bool // declared with "const"
}

// VarName is one declarator of a VarDecl.
type VarName struct {
	Name    string
	NamePos Pos
	Init    Expr // nil if absent
}

// ExprStmt is an expression used as a statement (call, assignment, ++).
type ExprStmt struct {
	Span
	X Expr
}

// If is if (Cond) Then else Else.
type If struct {
	Span
	Cond Expr
	Then Stmt
	Else Stmt // nil if absent
}

// ForEach is foreach (Type Name in X) Body; Type nil for var.
type ForEach struct {
	Span
	Type *TypeRef
	Name string
	X    Expr
	Body Stmt
}

// For is for (Init; Cond; Post) Body. Init is a *VarDecl or expression
// statements; Cond may be nil.
type For struct {
	Span
	Init []Stmt
	Cond Expr
	Post []Expr
	Body Stmt
}

// While is while (Cond) Body.
type While struct {
	Span
	Cond Expr
	Body Stmt
}

// DoWhile is do Body while (Cond);
type DoWhile struct {
	Span
	Body Stmt
	Cond Expr
}

// SwitchStmt is switch (X) { case ...: stmts }.
type SwitchStmt struct {
	Span
	X     Expr
	Cases []SwitchCase
}

// SwitchCase is one section: its labels (nil Expr in Labels = default) and body.
type SwitchCase struct {
	Labels []Expr // constant labels; nil element means "default"
	Body   []Stmt
}

// Return is return X; (X nil for a bare return).
type Return struct {
	Span
	X Expr
}

// Break is break;
type Break struct{ Span }

// Continue is continue;
type Continue struct{ Span }

// Throw is throw X; (X nil to rethrow inside catch).
type Throw struct {
	Span
	X Expr
}

// Try is try Block catch (Type Name) when (Filter) Block ... finally Block.
type Try struct {
	Span
	Body    *Block
	Catches []Catch
	Finally *Block
}

// Catch is one catch clause; Type nil for a bare catch.
type Catch struct {
	Type   *TypeRef
	Name   string
	Filter Expr
	Body   *Block
}

// Empty is a lone semicolon.
type Empty struct{ Span }

// LocalFunc is a local function declaration; the binder rejects it but the
// parser reads it so the error has a good position.
type LocalFunc struct {
	Span
	Name   string
	Result *TypeRef      // declared return type ("void" for none)
	Params []LambdaParam // parameters; Type is always set
	Block  *Block        // block body, or nil
	Expr   Expr          // expression body (=> expr;), or nil
}

func (*Literal) exprNode()      {}
func (*Interpolated) exprNode() {}
func (*Ident) exprNode()        {}
func (*Member) exprNode()       {}
func (*GenericName) exprNode()  {}
func (*OutVar) exprNode()       {}
func (*Call) exprNode()         {}
func (*Index) exprNode()        {}
func (*Unary) exprNode()        {}
func (*Postfix) exprNode()      {}
func (*Binary) exprNode()       {}
func (*Assign) exprNode()       {}
func (*Conditional) exprNode()  {}
func (*Cast) exprNode()         {}
func (*Is) exprNode()           {}
func (*As) exprNode()           {}
func (*TypeOf) exprNode()       {}
func (*Default) exprNode()      {}
func (*NameOf) exprNode()       {}
func (*New) exprNode()          {}
func (*InitList) exprNode()     {}
func (*Lambda) exprNode()       {}
func (*TypeExpr) exprNode()     {}
func (*Paren) exprNode()        {}
func (*SwitchExpr) exprNode()   {}
func (*ThrowExpr) exprNode()    {}

func (*Block) stmtNode()      {}
func (*VarDecl) stmtNode()    {}
func (*ExprStmt) stmtNode()   {}
func (*If) stmtNode()         {}
func (*ForEach) stmtNode()    {}
func (*For) stmtNode()        {}
func (*While) stmtNode()      {}
func (*DoWhile) stmtNode()    {}
func (*SwitchStmt) stmtNode() {}
func (*Return) stmtNode()     {}
func (*Break) stmtNode()      {}
func (*Continue) stmtNode()   {}
func (*Throw) stmtNode()      {}
func (*Try) stmtNode()        {}
func (*Empty) stmtNode()      {}
func (*LocalFunc) stmtNode()  {}

// Error is a syntax error at an offset of the expression source.
type Error struct {
	Pos Pos
	Msg string
}

// Error returns the message without the position; callers that know the
// expression's place in the policy document add file:line:col.
func (e *Error) Error() string { return e.Msg }
