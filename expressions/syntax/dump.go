package syntax

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Dump renders a node as a deterministic S-expression for tests and
// debugging. Positions are not included. Operators head their operands
// ("(+ a b)", "(! x)", "(post++ i)", "(?: c a b)"), member access is
// "(. x Name)" or "(?. x Name)", types print as C# ("List<string>", "int?[]"),
// literals print decoded and Go-quoted, and statements use their keyword
// ("(if c then else)", "(decl var x=1)", "(return x)").
func Dump(n Node) string {
	var b strings.Builder
	dump(&b, n)
	return b.String()
}

// String renders a type reference as C# source: "List<string>", "int?[]".
func (t *TypeRef) String() string {
	if t == nil {
		return "var"
	}
	var b strings.Builder
	b.WriteString(t.Name)
	if len(t.Args) > 0 {
		b.WriteByte('<')
		for i, a := range t.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(a.String())
		}
		b.WriteByte('>')
	}
	if t.Nullable {
		b.WriteByte('?')
	}
	for i := 0; i < t.Rank; i++ {
		b.WriteString("[]")
	}
	return b.String()
}

func typeArgs(args []*TypeRef) string {
	s := make([]string, len(args))
	for i, a := range args {
		s[i] = a.String()
	}
	return "<" + strings.Join(s, ", ") + ">"
}

func dumpList(b *strings.Builder, head string, xs ...any) {
	b.WriteByte('(')
	b.WriteString(head)
	for _, x := range xs {
		b.WriteByte(' ')
		switch x := x.(type) {
		case string:
			b.WriteString(x)
		case Node:
			dump(b, x)
		}
	}
	b.WriteByte(')')
}

func dumpArgs(b *strings.Builder, args []Arg) {
	for _, a := range args {
		b.WriteByte(' ')
		if a.Name != "" {
			b.WriteString(a.Name + ": ")
		}
		switch {
		case a.Out:
			dumpList(b, "out", a.Value)
		case a.Ref:
			dumpList(b, "ref", a.Value)
		default:
			dump(b, a.Value)
		}
	}
}

func dumpExprs(b *strings.Builder, xs []Expr) {
	for _, x := range xs {
		b.WriteByte(' ')
		dump(b, x)
	}
}

func dumpStmts(b *strings.Builder, ss []Stmt) {
	for _, s := range ss {
		b.WriteByte(' ')
		dump(b, s)
	}
}

func dump(b *strings.Builder, n Node) {
	switch n := n.(type) {
	case nil:
		b.WriteString("<nil>")
	case *TypeRef:
		b.WriteString(n.String())
	case *Literal:
		switch n.Kind {
		case LitNull:
			b.WriteString("null")
		case LitBool:
			fmt.Fprint(b, n.Value)
		case LitInt, LitReal:
			b.WriteString(n.Value.(string))
			b.WriteString(n.Suffix)
		case LitChar:
			r, _ := utf8.DecodeRuneInString(n.Value.(string))
			b.WriteString(strconv.QuoteRune(r))
		case LitString:
			b.WriteString(strconv.Quote(n.Value.(string)))
		}
	case *Interpolated:
		b.WriteString("(interp")
		for _, p := range n.Parts {
			b.WriteByte(' ')
			if p.Expr == nil {
				b.WriteString(strconv.Quote(p.Text))
				continue
			}
			b.WriteString("{")
			dump(b, p.Expr)
			if p.Alignment != nil {
				b.WriteString(",")
				dump(b, p.Alignment)
			}
			if p.Format != "" {
				b.WriteString(":" + p.Format)
			}
			b.WriteString("}")
		}
		b.WriteByte(')')
	case *Ident:
		b.WriteString(n.Name)
	case *Member:
		op := "."
		if n.Optional {
			op = "?."
		}
		name := n.Name
		if n.TypeArgs != nil {
			name += typeArgs(n.TypeArgs)
		}
		dumpList(b, op, n.X, name)
	case *GenericName:
		b.WriteString(n.Name + typeArgs(n.TypeArgs))
	case *OutVar:
		dumpList(b, "var", n.Type.String(), n.Name)
	case *Call:
		b.WriteString("(call ")
		dump(b, n.Fun)
		dumpArgs(b, n.Args)
		b.WriteByte(')')
	case *Index:
		head := "index"
		if n.Optional {
			head = "?index"
		}
		b.WriteString("(" + head + " ")
		dump(b, n.X)
		dumpExprs(b, n.Args)
		b.WriteByte(')')
	case *Unary:
		dumpList(b, n.Op, n.X)
	case *Postfix:
		dumpList(b, "post"+n.Op, n.X)
	case *Binary:
		dumpList(b, n.Op, n.X, n.Y)
	case *Assign:
		dumpList(b, n.Op, n.X, n.Y)
	case *Conditional:
		dumpList(b, "?:", n.Cond, n.Then, n.Else)
	case *Cast:
		dumpList(b, "cast", n.Type.String(), n.X)
	case *Is:
		head := "is"
		if n.Not {
			head = "is-not"
		}
		if n.Type == nil {
			dumpList(b, head, n.X, n.Const)
		} else if n.Name != "" {
			dumpList(b, head, n.X, n.Type.String(), n.Name)
		} else {
			dumpList(b, head, n.X, n.Type.String())
		}
	case *As:
		dumpList(b, "as", n.X, n.Type.String())
	case *TypeOf:
		dumpList(b, "typeof", n.Type.String())
	case *Default:
		if n.Type == nil {
			b.WriteString("default")
		} else {
			dumpList(b, "default", n.Type.String())
		}
	case *NameOf:
		dumpList(b, "nameof", n.X)
	case *New:
		b.WriteString("(new")
		switch {
		case n.Type != nil:
			b.WriteString(" " + n.Type.String())
		case n.Array:
			b.WriteString(" []")
		}
		if n.Size != nil {
			b.WriteString(" [")
			dump(b, n.Size)
			b.WriteString("]")
		}
		if n.Args != nil {
			b.WriteString(" (args")
			dumpArgs(b, n.Args)
			b.WriteString(")")
		}
		if n.Init != nil {
			b.WriteByte(' ')
			dump(b, n.Init)
		}
		b.WriteByte(')')
	case *Initializer:
		switch n.Kind {
		case InitCollection:
			b.WriteString("{coll")
			dumpExprs(b, n.Elems)
		case InitObject, InitAnonymous:
			if n.Kind == InitObject {
				b.WriteString("{obj")
			} else {
				b.WriteString("{anon")
			}
			for _, m := range n.Members {
				b.WriteByte(' ')
				if m.Index != nil {
					b.WriteString("[")
					for i, x := range m.Index {
						if i > 0 {
							b.WriteByte(' ')
						}
						dump(b, x)
					}
					b.WriteString("]")
				} else {
					b.WriteString(m.Name)
				}
				b.WriteString("=")
				dump(b, m.Value)
			}
		}
		b.WriteByte('}')
	case *InitList:
		b.WriteString("{")
		for i, x := range n.Elems {
			if i > 0 {
				b.WriteByte(' ')
			}
			dump(b, x)
		}
		b.WriteString("}")
	case *Lambda:
		b.WriteString("(lambda (")
		for i, p := range n.Params {
			if i > 0 {
				b.WriteByte(' ')
			}
			if p.Type != nil {
				b.WriteString(p.Type.String() + " ")
			}
			b.WriteString(p.Name)
		}
		b.WriteString(") ")
		if n.Block != nil {
			dump(b, n.Block)
		} else {
			dump(b, n.Expr)
		}
		b.WriteByte(')')
	case *TypeExpr:
		dumpList(b, "type", n.Type.String())
	case *Paren:
		dumpList(b, "paren", n.X)
	case *SwitchExpr:
		b.WriteString("(switch ")
		dump(b, n.X)
		for _, a := range n.Arms {
			b.WriteString(" (arm ")
			switch {
			case a.Type != nil:
				b.WriteString(a.Type.String() + " " + a.Name)
			case a.Pattern == nil:
				b.WriteString("_")
			default:
				dump(b, a.Pattern)
			}
			if a.When != nil {
				b.WriteString(" when ")
				dump(b, a.When)
			}
			b.WriteString(" => ")
			dump(b, a.Value)
			b.WriteByte(')')
		}
		b.WriteByte(')')
	case *ThrowExpr:
		dumpList(b, "throw", n.X)

	case *Block:
		b.WriteString("(block")
		dumpStmts(b, n.Stmts)
		b.WriteByte(')')
	case *VarDecl:
		b.WriteString("(decl ")
		if n.Const {
			b.WriteString("const ")
		}
		b.WriteString(n.Type.String())
		for _, v := range n.Names {
			b.WriteString(" " + v.Name)
			if v.Init != nil {
				b.WriteString("=")
				dump(b, v.Init)
			}
		}
		b.WriteByte(')')
	case *ExprStmt:
		dumpList(b, "expr", n.X)
	case *If:
		if n.Else == nil {
			dumpList(b, "if", n.Cond, n.Then)
		} else {
			dumpList(b, "if", n.Cond, n.Then, n.Else)
		}
	case *ForEach:
		dumpList(b, "foreach", n.Type.String(), n.Name, n.X, n.Body)
	case *For:
		b.WriteString("(for (")
		for i, s := range n.Init {
			if i > 0 {
				b.WriteByte(' ')
			}
			dump(b, s)
		}
		b.WriteString(") ")
		dump(b, n.Cond)
		b.WriteString(" (")
		for i, x := range n.Post {
			if i > 0 {
				b.WriteByte(' ')
			}
			dump(b, x)
		}
		b.WriteString(") ")
		dump(b, n.Body)
		b.WriteByte(')')
	case *While:
		dumpList(b, "while", n.Cond, n.Body)
	case *DoWhile:
		dumpList(b, "do", n.Body, n.Cond)
	case *SwitchStmt:
		b.WriteString("(switch ")
		dump(b, n.X)
		for _, c := range n.Cases {
			b.WriteString(" (case")
			for _, l := range c.Labels {
				b.WriteByte(' ')
				if l == nil {
					b.WriteString("default")
				} else {
					dump(b, l)
				}
			}
			b.WriteString(" :")
			dumpStmts(b, c.Body)
			b.WriteByte(')')
		}
		b.WriteByte(')')
	case *Return:
		if n.X == nil {
			b.WriteString("(return)")
		} else {
			dumpList(b, "return", n.X)
		}
	case *Break:
		b.WriteString("(break)")
	case *Continue:
		b.WriteString("(continue)")
	case *Throw:
		if n.X == nil {
			b.WriteString("(throw)")
		} else {
			dumpList(b, "throw", n.X)
		}
	case *Try:
		b.WriteString("(try ")
		dump(b, n.Body)
		for _, c := range n.Catches {
			b.WriteString(" (catch")
			if c.Type != nil {
				b.WriteString(" " + c.Type.String())
			}
			if c.Name != "" {
				b.WriteString(" " + c.Name)
			}
			if c.Filter != nil {
				b.WriteString(" when ")
				dump(b, c.Filter)
			}
			b.WriteByte(' ')
			dump(b, c.Body)
			b.WriteByte(')')
		}
		if n.Finally != nil {
			b.WriteString(" (finally ")
			dump(b, n.Finally)
			b.WriteByte(')')
		}
		b.WriteByte(')')
	case *Empty:
		b.WriteString("(empty)")
	case *CheckedExpr:
		if n.Unchecked {
			dumpList(b, "unchecked", n.X)
		} else {
			dumpList(b, "checked", n.X)
		}
	case *CheckedStmt:
		if n.Unchecked {
			dumpList(b, "unchecked", n.Body)
		} else {
			dumpList(b, "checked", n.Body)
		}
	case *Using:
		b.WriteString("(using ")
		if n.Decl != nil {
			dump(b, n.Decl)
		} else {
			dump(b, n.X)
		}
		b.WriteByte(' ')
		dump(b, n.Body)
		b.WriteByte(')')
	case *LocalFunc:
		b.WriteString("(localfunc " + n.Result.String() + " " + n.Name + " (")
		for i, p := range n.Params {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(p.Type.String() + " " + p.Name)
		}
		b.WriteString(") ")
		if n.Block != nil {
			dump(b, n.Block)
		} else {
			dump(b, n.Expr)
		}
		b.WriteByte(')')
	default:
		fmt.Fprintf(b, "<%T>", n)
	}
}
