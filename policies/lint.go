package policies

import (
	"os"
	"strings"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/parser"
)

// LintOptions configures LintFile.
type LintOptions struct {
	// NamedValues validates {{name}} references against a configuration;
	// nil means no configuration: unknown names are warnings.
	NamedValues *namedvalues.Store
	// Strict makes policies that are not implemented yet errors.
	Strict bool
	// Scope the document is checked for ("" for any).
	Scope Scope
}

// FileReport is the outcome of checking one policy file.
type FileReport struct {
	Path        string
	Kind        parser.Kind
	Problems    parser.Errors
	Expressions int // expression sites found
	Compiled    int // of those, how many compiled
}

// Valid reports whether the file has no error (warnings are fine).
func (r *FileReport) Valid() bool { return !r.Problems.HasErrors() }

// LintPath reads and checks one file.
func LintPath(path string, opts LintOptions) *FileReport {
	src, err := os.ReadFile(path)
	if err != nil {
		return &FileReport{Path: path, Problems: parser.Errors{{
			Pos: parser.Pos{File: path, Line: 1, Col: 1}, Code: parser.CodeParse, Msg: err.Error(),
		}}}
	}
	return LintFile(path, src, opts)
}

// LintFile checks one policy file: XML and structure, named values, and every
// expression compiled against the context model with the type its site needs.
func LintFile(path string, src []byte, opts LintOptions) *FileReport {
	r := &FileReport{Path: path}
	doc, errs := parser.Parse(path, src)
	r.Problems = append(r.Problems, errs...)
	if doc == nil {
		r.Problems = r.Problems.Sort()
		return r
	}
	r.Kind = doc.Kind
	r.Problems = append(r.Problems, Validate(doc, ValidateOptions{Scope: opts.Scope, Strict: opts.Strict})...)
	if !opts.Strict {
		r.Problems = append(r.Problems, unsupportedUses(doc.Root)...)
	}
	r.Problems = append(r.Problems, lintXSLTransforms(doc.Root)...)
	var lookup namedvalues.LookupFunc
	if opts.NamedValues != nil {
		lookup = opts.NamedValues.Lookup
	}
	for _, s := range Sites(doc) {
		r.Problems = append(r.Problems, r.checkSite(s, lookup, opts)...)
	}
	r.Problems = r.Problems.Sort()
	return r
}

func (r *FileReport) checkSite(s Site, lookup namedvalues.LookupFunc, opts LintOptions) parser.Errors {
	liquid := s.Attr == nil && isLiquid(s.Elem)
	if opts.NamedValues == nil {
		lookup = nil
	}
	if liquid {
		c := &Compiler{NamedValues: lookup}
		compileLiquid(s.Elem, c) // named values and the template's syntax
		return c.Errs
	}
	if !liquid && s.ExprAllowed {
		if exp, _ := namedvalues.Expand(s.Value.Text, lookupOrNone(lookup), namedvalues.Options{}); expressions.IsExpression(exp.Text) {
			r.Expressions++
			v, errs := CompileValue(s.Value, s.Kind, lookup, false)
			if v != nil {
				r.Compiled++
			}
			return errs
		}
	}
	_, errs := CompileValue(s.Value, KindString, lookup, liquid)
	if !liquid && expressions.IsExpression(s.Value.Text) {
		r.Expressions++ // reported by Validate: expressions are not allowed here
	}
	return errs
}

func lookupOrNone(l namedvalues.LookupFunc) namedvalues.LookupFunc {
	if l != nil {
		return l
	}
	return func(string) (namedvalues.NamedValue, bool, bool) { return namedvalues.NamedValue{}, false, false }
}

// isLiquid reports whether e is a set-body (or publish-to-dapr) whose text
// is a Liquid template.
func isLiquid(e *parser.Element) bool {
	if e.Name == "publish-to-dapr" {
		a := e.Attr("template")
		return a != nil && a.Value != nil && strings.EqualFold(strings.TrimSpace(a.Value.Text), "liquid")
	}
	if e.Name != "set-body" {
		return false
	}
	a := e.Attr("template")
	return a != nil && a.Value != nil && a.Value.Text == "liquid"
}

// placeholders replaces the {{name}} references that no configuration
// resolved with expressions.UnresolvedNamedValue, so the rest of the
// expression can be checked without knowing their values (inside a string
// literal it is just text). back maps an offset of the result to one of exp.Text.
func placeholders(exp namedvalues.Expansion) (string, func(int) int) {
	unknown := map[string]bool{}
	for _, r := range exp.Refs {
		if r.Resolved == "" {
			unknown[r.Name] = true
		}
	}
	if len(unknown) == 0 {
		return exp.Text, func(i int) int { return i }
	}
	const lit = expressions.UnresolvedNamedValue
	var b strings.Builder
	var starts, origins []int // piecewise map: result offset starts[i] comes from origins[i]
	src := exp.Text
	for i := 0; i < len(src); {
		if strings.HasPrefix(src[i:], "{{") {
			if end := strings.Index(src[i+2:], "}}"); end >= 0 && unknown[src[i+2:i+2+end]] {
				starts, origins = append(starts, b.Len()), append(origins, i)
				b.WriteString(lit)
				i += end + 4
				starts, origins = append(starts, b.Len()), append(origins, i)
				continue
			}
		}
		b.WriteByte(src[i])
		i++
	}
	return b.String(), func(off int) int {
		base, orig := 0, 0
		for k, st := range starts {
			if st > off {
				break
			}
			base, orig = st, origins[k]
		}
		if k := sortSearch(starts, off); k%2 == 1 { // inside a placeholder: its "{{"
			return origins[k-1]
		}
		return orig + off - base
	}
}

// sortSearch returns how many starts are <= off.
func sortSearch(starts []int, off int) int {
	n := 0
	for _, st := range starts {
		if st <= off {
			n++
		}
	}
	return n
}
