package policies

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/parser"
)

// Compiler turns policy elements into statements at load time, collecting
// every positioned error instead of stopping at the first.
type Compiler struct {
	// NamedValues resolves {{name}}; nil means no configuration (unknown
	// names are warnings and stand for an unknown value).
	NamedValues namedvalues.LookupFunc
	// Strict makes policies that are not implemented errors; otherwise they
	// are skipped with a warning, as the self-hosted gateway skips
	// unsupported policies.
	Strict bool
	// Scope of the document being compiled.
	Scope Scope
	// Fragments returns a parsed policy fragment by id.
	Fragments func(id string) (*parser.Document, bool)
	// Backends reports whether a backend id exists (nil: any).
	Backends func(id string) bool

	Errs      parser.Errors
	section   Section
	fragments []string // include-fragment nesting, for cycle detection
	path      string   // LastError path of the statement being compiled
	reads     BodyUse  // bodies the statement being compiled may read
	forwards  int      // forward-request statements in it
}

// Path is the LastError path of the statement being compiled; containers
// compile their children under it: c.Statements(c.Path()+`\when[1]`, …).
func (c *Compiler) Path() string { return c.path }

// Errorf records a positioned error.
func (c *Compiler) Errorf(pos parser.Pos, code, format string, args ...any) {
	c.Errs = append(c.Errs, &parser.Error{Pos: pos, Code: code, Msg: fmt.Sprintf(format, args...)})
}

// Warnf records a positioned warning.
func (c *Compiler) Warnf(pos parser.Pos, code, format string, args ...any) {
	c.Errs = append(c.Errs, &parser.Error{Pos: pos, Code: code, Msg: fmt.Sprintf(format, args...), Severity: parser.SeverityWarning})
}

// Section is the section being compiled.
func (c *Compiler) Section() Section { return c.section }

// Section compiles the statements of one section.
func (c *Compiler) SectionStmts(sec Section, els []*parser.Element) []*Stmt {
	c.section = sec
	return c.Statements("", els)
}

// Statements compiles policy statements (a section's, or a container's
// children: when, otherwise, retry …). parent is the container's LastError
// path ("" at section level).
func (c *Compiler) Statements(parent string, els []*parser.Element) []*Stmt {
	return c.statements(parent, els, map[string]int{})
}

// statements compiles els under parent; counts numbers the siblings by
// element name and is shared with inlined fragments, whose statements
// continue the including list's numbering (spec pipeline.md §4).
func (c *Compiler) statements(parent string, els []*parser.Element, counts map[string]int) []*Stmt {
	var out []*Stmt
	for _, el := range els {
		counts[el.Name]++
		path := fmt.Sprintf("%s[%d]", el.Name, counts[el.Name])
		if parent != "" {
			path = parent + `\` + path
		}
		if el.Name == "include-fragment" {
			out = append(out, c.includeFragment(parent, el, counts)...)
			continue
		}
		if s := c.Statement(path, el); s != nil {
			out = append(out, s)
		}
	}
	return out
}

// Statement compiles one policy element.
func (c *Compiler) Statement(path string, el *parser.Element) *Stmt {
	if el.Name == "base" {
		return nil // spliced by the engine
	}
	f := FactoryFor(el.Name)
	if f == nil {
		if Lookup(el.Name) == nil {
			c.Errorf(el.Pos, parser.CodeUnknownPolicy, "unknown policy <%s>", el.Name)
			return nil
		}
		if c.Strict {
			c.Errorf(el.Pos, parser.CodeNotImplemented, "policy <%s> is not implemented", el.Name)
			return nil
		}
		c.Warnf(el.Pos, parser.CodeNotImplemented, "%s", unsupportedWarning(el.Name))
		f = func(el *parser.Element, _ *Compiler) (Step, error) { return &unsupported{name: el.Name}, nil }
	}
	before := len(c.Errs)
	saved, savedReads, savedForwards := c.path, c.reads, c.forwards
	c.path, c.reads, c.forwards = path, 0, 0
	step, err := f(el, c)
	reads, forwards := c.reads|inherentBodyUse(el), c.forwards
	if el.Name == "forward-request" {
		forwards++
	}
	c.path, c.reads, c.forwards = saved, savedReads|reads, savedForwards+forwards
	if err != nil {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "%v", err)
		return nil
	}
	if step == nil || len(c.Errs) > before && c.Errs[len(c.Errs)-1].Severity == parser.SeverityError {
		return nil
	}
	s := &Stmt{Name: el.Name, Path: path, Scope: c.Scope, Pos: el.Pos, Step: step, Reads: reads, Forwards: forwards}
	if a := el.Attr("id"); a != nil && a.Value != nil {
		s.ID = a.Value.Text
	}
	return s
}

func (c *Compiler) includeFragment(parent string, el *parser.Element, counts map[string]int) []*Stmt {
	a := el.Attr("fragment-id")
	if a == nil || a.Value == nil || a.Value.Text == "" {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<include-fragment> needs a fragment-id")
		return nil
	}
	id := a.Value.Text
	for _, f := range c.fragments {
		if f == id {
			c.Errorf(el.Pos, parser.CodeBadStructure, "policy fragment %q includes itself (%s → %s)", id, strings.Join(c.fragments, " → "), id)
			return nil
		}
	}
	if c.Fragments == nil {
		c.Errorf(a.Pos, parser.CodeBadAttribute, "policy fragment %q not found", id)
		return nil
	}
	doc, ok := c.Fragments(id)
	if !ok {
		c.Errorf(a.Pos, parser.CodeBadAttribute, "policy fragment %q not found", id)
		return nil
	}
	c.fragments = append(c.fragments, id)
	defer func() { c.fragments = c.fragments[:len(c.fragments)-1] }()
	// The fragment's statements continue the including list, as if inlined.
	return c.statements(parent, doc.Root.Children, counts)
}

// ---- values ----

// Value is an attribute value or element text compiled at load time: a
// literal (named values expanded) or a policy expression.
type Value struct {
	Present bool
	lit     string
	prog    *expressions.Program
	pos     parser.Pos
	failed  bool // did not compile (its errors are reported)
	secret  bool // an expression whose text holds a secret named value
}

// Literal reports whether the value is fixed at load time, and its text. A
// value that failed to compile is not a literal, so factories do not report
// a second, misleading error about it.
func (v *Value) Literal() (string, bool) {
	if v == nil || v.prog != nil || v.failed {
		return "", false
	}
	return v.lit, true
}

// Attr compiles the attribute name of el as a value of kind k; a missing
// attribute gives a Value with Present false.
func (c *Compiler) Attr(el *parser.Element, name string, k ValueKind) *Value {
	a := el.Attr(name)
	if a == nil || a.Value == nil {
		return &Value{pos: el.Pos}
	}
	return c.Value(a.Value, k, false)
}

// Text compiles the text of el as a value of kind k (trimmed unless raw).
func (c *Compiler) Text(el *parser.Element, k ValueKind, raw bool) *Value {
	if el == nil || el.Text == nil {
		return &Value{}
	}
	return c.Value(el.Text, k, raw)
}

// Value compiles a parsed value. raw keeps surrounding whitespace of a
// literal (bodies); other literals are trimmed (spec pipeline.md §7).
func (c *Compiler) Value(pv *parser.Value, k ValueKind, raw bool) *Value {
	v, errs := CompileValue(pv, k, c.NamedValues, false)
	c.Errs = append(c.Errs, errs...)
	if v == nil {
		return &Value{Present: true, pos: pv.Pos, failed: true}
	}
	if !raw && v.prog == nil {
		v.lit = strings.TrimSpace(v.lit)
	}
	if v.prog != nil {
		c.reads |= v.prog.Reads()
	}
	return v
}

func expectType(k ValueKind) *dotnet.Type {
	switch k {
	case KindBool:
		return dotnet.Boolean
	case KindInt:
		return dotnet.Int32
	}
	return nil
}

// CompileValue expands named values in pv and compiles it when it is an
// expression. With lookup nil, unknown names are warnings and stand for an
// unknown value; liquid leaves {{ }} that are not known named values alone.
func CompileValue(pv *parser.Value, k ValueKind, lookup namedvalues.LookupFunc, liquid bool) (*Value, parser.Errors) {
	strict := lookup != nil
	if lookup == nil {
		lookup = func(string) (namedvalues.NamedValue, bool, bool) { return namedvalues.NamedValue{}, false, false }
	}
	exp, errs := namedvalues.ExpandValue(pv, lookup, namedvalues.Options{Strict: strict, Liquid: liquid}, pv.PosOf)
	if liquid || !expressions.IsExpression(exp.Text) {
		return &Value{Present: true, lit: exp.Text, pos: pv.Pos}, errs
	}
	text, back := exp.Text, func(i int) int { return i }
	if !strict {
		text, back = placeholders(exp)
	}
	prog, err := compileExpression(text, expectType(k))
	if err != nil {
		var ces expressions.Errors
		if !errors.As(err, &ces) {
			ces = expressions.Errors{{Code: parser.CodeExpression, Msg: err.Error()}}
		}
		for _, ce := range ces {
			orig := exp.Orig(back(ce.Offset))
			errs = append(errs, &parser.Error{Pos: pv.PosOf(orig), Code: ce.Code, Msg: secretSafeMessage(exp, lookup, orig, ce.Msg)})
		}
		return nil, errs
	}
	return &Value{Present: true, prog: prog, pos: pv.Pos, secret: exp.Secret()}, errs
}

// exprFailure is the policy error of an expression that threw.
func exprFailure(err error) error {
	var ex *dotnet.Exception
	msg := err.Error()
	if errors.As(err, &ex) {
		msg = ex.Message
	}
	return &Error{Reason: ReasonExpression, Message: "Expression evaluation failed. " + msg, Status: 500, Err: err}
}

// Eval returns the value: the literal text, or what the expression returned.
func (v *Value) Eval(r *Run) (any, error) {
	if v == nil || !v.Present {
		return nil, nil
	}
	if v.prog == nil {
		return v.lit, nil
	}
	out, err := v.prog.Eval(r.Ctx)
	if err != nil {
		var ex *dotnet.Exception
		if v.secret && errors.As(err, &ex) {
			r.Taint(ex.Message) // the message may be built from the secret
		}
		return nil, exprFailure(err)
	}
	if v.secret && out != nil {
		r.Taint(dotnet.ToString(out)) // derived from a secret: secret too
	}
	return out, nil
}

// String evaluates the value as text (null is "").
func (v *Value) String(r *Run) (string, error) {
	if v != nil && v.prog == nil {
		return v.lit, nil // no boxing for the common literal case
	}
	out, err := v.Eval(r)
	if err != nil {
		return "", err
	}
	return dotnet.ToString(out), nil
}

// StringOr evaluates the value as text, or returns def when it is absent.
func (v *Value) StringOr(r *Run, def string) (string, error) {
	if v == nil || !v.Present {
		return def, nil
	}
	return v.String(r)
}

// Bool evaluates the value as a boolean; def when absent.
func (v *Value) Bool(r *Run, def bool) (bool, error) {
	if v == nil || !v.Present {
		return def, nil
	}
	out, err := v.Eval(r)
	if err != nil {
		return false, err
	}
	switch b := out.(type) {
	case bool:
		return b, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(b)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, &Error{Reason: ReasonExpression, Message: fmt.Sprintf("Expression evaluation failed. The value %q is not a Boolean.", dotnet.ToString(out)), Status: 500}
}

// Int evaluates the value as an integer; def when absent.
func (v *Value) Int(r *Run, def int) (int, error) {
	if v == nil || !v.Present {
		return def, nil
	}
	out, err := v.Eval(r)
	if err != nil {
		return 0, err
	}
	if s, ok := out.(string); ok {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return 0, &Error{Reason: ReasonExpression, Message: fmt.Sprintf("Expression evaluation failed. The value %q is not an integer.", s), Status: 500}
		}
		return n, nil
	}
	n, err := dotnet.ToInt32(out)
	if err != nil {
		return 0, exprFailure(err)
	}
	return int(n), nil
}

// Pos is the position of the value's first character.
func (v *Value) Pos() parser.Pos { return v.pos }
