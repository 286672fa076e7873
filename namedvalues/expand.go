package namedvalues

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/policygate/policygate/parser"
)

// Diagnostic codes of this package, beside parser.CodeUnknownNamed.
const (
	// CodeNameCase is the warning for a reference found only by a
	// case-insensitive match.
	CodeNameCase = "named_value_case"
	// CodeUnresolved is the warning for a Key Vault-backed value that has
	// not been fetched yet; it expands to the empty string.
	CodeUnresolved = "named_value_unresolved"
	// CodeBadNamedValue is the error for an invalid named value file.
	CodeBadNamedValue = "bad_named_value"
)

// LookupFunc finds a named value. Store.Lookup is one.
type LookupFunc func(name string) (nv NamedValue, found, caseMismatch bool)

// Options control Expand.
type Options struct {
	// Strict makes an unknown name an error (code unknown_named_value), as
	// when validating policies against a configuration. Otherwise it is a
	// warning and the reference is left in the text as written.
	//
	// Leaving "{{name}}" in place, rather than substituting the empty
	// string, keeps the most policies valid: the text stays what the author
	// wrote, a reference inside a C# string literal keeps the literal
	// well-formed, Liquid templates keep working, and the unresolved
	// reference is visible in whatever the gateway produces.
	Strict bool
	// Liquid tells that the text is a Liquid template (set-body
	// template="liquid"), where {{ x }} is template syntax: unknown names
	// are left alone with no diagnostic, whatever Strict says. Known names
	// are still substituted, as APIM does.
	Liquid bool
}

// Problem is a diagnostic about one reference.
type Problem struct {
	Offset   int    // byte offset of the reference's "{{" in the original text
	Name     string // the name as written
	Code     string // parser.CodeUnknownNamed, CodeNameCase or CodeUnresolved
	Severity parser.Severity
	Msg      string
}

// Error renders the problem as "offset N: code: msg".
func (p Problem) Error() string {
	return fmt.Sprintf("offset %d: %s: %s", p.Offset, p.Code, p.Msg)
}

// Ref is one reference found by Expand.
type Ref struct {
	Name     string // as written
	Resolved string // the stored name it matched; empty when unknown
	Offset   int    // byte offset of "{{" in the original text
	Found    bool
	Secret   bool // the substituted value is secret
}

// Expansion is the result of Expand.
type Expansion struct {
	// Text is the text with references substituted.
	Text string
	// Map maps every byte offset of Text to a byte offset of the original
	// text; len(Map) == len(Text)+1, the last entry being the original's
	// length. Bytes of a substituted value map to the offset of their
	// reference's "{{", so an error inside them points at the reference.
	Map []int
	// Refs lists the references in order of appearance.
	Refs []Ref
}

// Orig maps an offset of Text to an offset of the original text. Offsets
// out of range are clamped.
func (e Expansion) Orig(off int) int {
	if len(e.Map) == 0 {
		return 0
	}
	off = max(0, min(off, len(e.Map)-1))
	return e.Map[off]
}

// Secret reports whether any substituted value is secret, in which case
// Text must go through Store.Redact before it is shown.
func (e Expansion) Secret() bool {
	for _, r := range e.Refs {
		if r.Secret {
			return true
		}
	}
	return false
}

// Expand substitutes the {{name}} references of text using lookup.
//
// A reference is "{{", one or more characters of [A-Za-z0-9._-], and "}}";
// anything else between double braces, spaces included ("{{ x }}"), is not a
// reference and is left alone. References are found left to right, and a
// run of braces such as "{{{x}}}" holds the reference "{{x}}". References
// inside policy expressions are substituted as text too, since APIM does so
// before the expression is parsed. A substituted value is never expanded
// again: "{{y}}" inside the value of x stays literal.
//
// Expand never fails; it reports unknown names, case-mismatched names and
// unresolved Key Vault values as problems (see Options).
func Expand(text string, lookup LookupFunc, opts Options) (Expansion, []Problem) {
	var (
		b     strings.Builder
		m     []int
		refs  []Ref
		probs []Problem
		last  int // start of the pending literal run
	)
	for i := 0; i+4 <= len(text); {
		j := strings.Index(text[i:], "{{")
		if j < 0 {
			break
		}
		i += j
		name, ok := refAt(text, i)
		if !ok {
			i++
			continue
		}
		end := i + len(name) + 4
		var nv NamedValue
		found, mismatch := false, false
		if lookup != nil {
			nv, found, mismatch = lookup(name)
		}
		ref := Ref{Name: name, Offset: i, Found: found}
		if !found {
			refs = append(refs, ref)
			switch {
			case opts.Liquid:
			case opts.Strict:
				probs = append(probs, Problem{Offset: i, Name: name, Code: parser.CodeUnknownNamed,
					Severity: parser.SeverityError, Msg: fmt.Sprintf("unknown named value %q", name)})
			default:
				probs = append(probs, Problem{Offset: i, Name: name, Code: parser.CodeUnknownNamed,
					Severity: parser.SeverityWarning, Msg: fmt.Sprintf("unknown named value %q left as written", name)})
			}
			i = end
			continue
		}
		ref.Resolved, ref.Secret = nv.Name, nv.Secret || nv.KeyVault != nil
		refs = append(refs, ref)
		if mismatch {
			probs = append(probs, Problem{Offset: i, Name: name, Code: CodeNameCase, Severity: parser.SeverityWarning,
				Msg: fmt.Sprintf("named value %q matched %q ignoring case", name, nv.Name)})
		}
		if nv.Value == "" && nv.KeyVault != nil {
			probs = append(probs, Problem{Offset: i, Name: name, Code: CodeUnresolved, Severity: parser.SeverityWarning,
				Msg: fmt.Sprintf("key vault named value %q has no value yet", nv.Name)})
		}
		if m == nil {
			m = make([]int, 0, len(text)+len(nv.Value))
		}
		// literal run before the reference
		b.WriteString(text[last:i])
		for k := last; k < i; k++ {
			m = append(m, k)
		}
		b.WriteString(nv.Value)
		for range len(nv.Value) {
			m = append(m, i)
		}
		last, i = end, end
	}
	if m == nil {
		// nothing substituted: identity map
		m = make([]int, len(text)+1)
		for k := range m {
			m[k] = k
		}
		return Expansion{Text: text, Map: m, Refs: refs}, probs
	}
	b.WriteString(text[last:])
	for k := last; k <= len(text); k++ {
		m = append(m, k)
	}
	return Expansion{Text: b.String(), Map: m, Refs: refs}, probs
}

// refAt returns the name of the reference whose "{{" is at s[i].
func refAt(s string, i int) (string, bool) {
	k := i + 2
	for k < len(s) && nameByte(s[k]) {
		k++
	}
	if k == i+2 || !strings.HasPrefix(s[k:], "}}") {
		return "", false
	}
	return s[i+2 : k], true
}

// References returns the names referenced in text, in order of appearance,
// each once (compared exactly). The compiler uses it to know which values a
// policy depends on.
func References(text string) []string {
	var names []string
	seen := map[string]bool{}
	for i := 0; i+4 <= len(text); i++ {
		j := strings.Index(text[i:], "{{")
		if j < 0 {
			break
		}
		i += j
		if name, ok := refAt(text, i); ok {
			if !seen[name] {
				seen[name] = true
				names = append(names, name)
			}
			i += len(name) + 3
		}
	}
	return names
}

// PosFunc maps a byte offset of a parser.Value's Text to a source position.
type PosFunc func(textOffset int) parser.Pos

// ExpandValue expands v.Text and reports the problems as positioned
// diagnostics. pos maps an offset of v.Text to a source position; pass the
// parser's exact mapping when there is one. When pos is nil, positions are
// computed from v.Pos by counting lines and runes of v.Text, which is exact
// unless entities or CDATA markers precede the offset on the same value.
func ExpandValue(v *parser.Value, lookup LookupFunc, opts Options, pos PosFunc) (Expansion, parser.Errors) {
	if v == nil {
		return Expansion{Map: []int{0}}, nil
	}
	if pos == nil {
		pos = ApproxPos(v)
	}
	exp, probs := Expand(v.Text, lookup, opts)
	var errs parser.Errors
	for _, p := range probs {
		errs = append(errs, &parser.Error{Pos: pos(p.Offset), Code: p.Code, Msg: p.Msg, Severity: p.Severity})
	}
	return exp, errs.Sort()
}

// ApproxPos returns a PosFunc that walks v.Text from v.Pos: a newline starts
// a new line at column 1, every other rune advances the column by one, and
// the file offset advances by the byte count.
func ApproxPos(v *parser.Value) PosFunc {
	return func(off int) parser.Pos {
		p := v.Pos
		off = max(0, min(off, len(v.Text)))
		for i := 0; i < off; {
			r, size := utf8.DecodeRuneInString(v.Text[i:])
			if r == '\n' {
				p.Line++
				p.Col = 1
			} else {
				p.Col++
			}
			i += size
		}
		p.Offset += off
		return p
	}
}
