package policies

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/policygate/policygate/parser"
)

// ValidateOptions tunes Validate.
type ValidateOptions struct {
	// Scope of the document; policies not allowed at that scope are errors.
	// Empty skips the scope check.
	Scope Scope
	// Strict makes policies without an execution half errors
	// (not_implemented) instead of being accepted silently.
	Strict bool
}

// Validate checks the structure of one parsed document against the
// catalogue: section layout, <base/> placement, known policies and where
// they may appear, attributes (required, unknown, literal values, whether
// expressions are allowed), child elements and their counts, and
// once-per-document/section rules within the document. It never evaluates
// anything; every diagnostic carries the position of the element or
// attribute concerned. The result is sorted and capped.
//
// Fragments may hold statements only (no sections, no <base/>, no
// include-fragment). Snippets are checked as if each statement could stand
// in any section. Rules that need the effective (merged) policy, such as
// once-per-document across scopes, are the engine's job.
func Validate(doc *parser.Document, opts ValidateOptions) parser.Errors {
	if doc == nil || doc.Root == nil {
		return nil
	}
	v := &validator{opts: opts, docCount: map[string]int{}, secCount: map[string]int{}}
	root := doc.Root
	switch doc.Kind {
	case parser.KindDocument:
		if root.Name != "policies" {
			v.errorf(root.Pos, parser.CodeBadStructure, "document root must be <policies>, not <%s>", root.Name)
			break
		}
		v.noAttrs(root)
		v.document(root)
	case parser.KindFragment:
		if root.Name != "fragment" {
			v.errorf(root.Pos, parser.CodeBadStructure, "fragment root must be <fragment>, not <%s>", root.Name)
			break
		}
		v.noAttrs(root)
		for _, c := range root.Children {
			switch {
			case sectionIndex(c.Name) >= 0:
				v.errorf(c.Pos, parser.CodeBadStructure, "a fragment must not contain sections (<%s>)", c.Name)
			case c.Name == "base":
				v.errorf(c.Pos, parser.CodeBadStructure, "a fragment must not contain <base/>")
			case c.Name == "include-fragment":
				// The reference says fragments cannot nest "currently"; PolicyGate
				// runs nested fragments (with cycle detection), so this is a
				// warning that the service may refuse the fragment.
				v.warnf(c.Pos, parser.CodeBadStructure, "a fragment that includes another fragment may be refused by APIM (nested fragments are not documented)")
			default:
				v.statement(c, "", nil, "")
			}
		}
	default:
		for _, c := range root.Children {
			switch {
			case sectionIndex(c.Name) >= 0:
				v.section(c, Section(c.Name))
			case c.Name == "base":
				v.noAttrs(c)
			default:
				v.statement(c, "", nil, "")
			}
		}
	}
	return v.errs.Sort()
}

type validator struct {
	opts     ValidateOptions
	errs     parser.Errors
	docCount map[string]int // once-per-document policies seen
	secCount map[string]int // once-per-section policies seen, keyed section/name
}

func (v *validator) add(pos parser.Pos, code string, sev parser.Severity, format string, args ...any) {
	v.errs = append(v.errs, &parser.Error{Pos: pos, Code: code, Severity: sev, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) errorf(pos parser.Pos, code, format string, args ...any) {
	v.add(pos, code, parser.SeverityError, format, args...)
}

func (v *validator) warnf(pos parser.Pos, code, format string, args ...any) {
	v.add(pos, code, parser.SeverityWarning, format, args...)
}

// sectionIndex returns the position of a section name in document order,
// or -1.
func sectionIndex(name string) int {
	for i, s := range AllSections {
		if string(s) == name {
			return i
		}
	}
	return -1
}

// document checks <policies>: the four sections, each at most once, in
// order (another order is a warning).
func (v *validator) document(root *parser.Element) {
	seen := map[string]bool{}
	last := -1
	for _, c := range root.Children {
		i := sectionIndex(c.Name)
		if i < 0 {
			if Lookup(c.Name) != nil {
				v.errorf(c.Pos, parser.CodeBadStructure, "policy <%s> must be inside a section (inbound, backend, outbound, on-error)", c.Name)
			} else {
				v.errorf(c.Pos, parser.CodeBadStructure, "unexpected element <%s> in <policies>; expected inbound, backend, outbound or on-error", c.Name)
			}
			continue
		}
		if seen[c.Name] {
			v.errorf(c.Pos, parser.CodeBadStructure, "duplicate section <%s>", c.Name)
		} else if i < last {
			v.warnf(c.Pos, parser.CodeBadStructure, "section <%s> should come before <%s>", c.Name, AllSections[last])
		}
		seen[c.Name] = true
		last = max(last, i)
		v.section(c, Section(c.Name))
	}
}

// section checks the statements of one section.
func (v *validator) section(el *parser.Element, sec Section) {
	v.noAttrs(el)
	bases := 0
	for _, c := range el.Children {
		if c.Name == "base" {
			bases++
			if bases > 1 {
				v.errorf(c.Pos, parser.CodeBadStructure, "<base/> may appear only once in section %s", sec)
			}
			v.noAttrs(c)
			if len(c.Children) > 0 {
				v.errorf(c.Pos, parser.CodeBadStructure, "<base/> must be empty")
			}
			continue
		}
		v.statement(c, sec, nil, "")
	}
}

// noAttrs warns about attributes on structural elements.
func (v *validator) noAttrs(el *parser.Element) {
	for _, a := range el.Attrs {
		if ignoredAttr(a.Name) {
			continue
		}
		v.warnf(a.Pos, parser.CodeBadAttribute, "unknown attribute %q on <%s>", a.Name, el.Name)
	}
}

// ignoredAttr reports attributes that are never checked: namespace
// declarations and other prefixed names.
func ignoredAttr(name string) bool {
	return name == "xmlns" || strings.Contains(name, ":")
}

// statement checks a policy statement found in section sec ("" when the
// section is unknown: fragments and snippets). only restricts the accepted
// statements of a container (wait), named by container.
func (v *validator) statement(el *parser.Element, sec Section, only []string, container string) {
	if el.Name == "base" {
		v.errorf(el.Pos, parser.CodeBadStructure, "<base/> is only allowed as a direct child of a section")
		return
	}
	if sectionIndex(el.Name) >= 0 {
		v.errorf(el.Pos, parser.CodeBadStructure, "section <%s> cannot be nested inside a policy", el.Name)
		return
	}
	d := Lookup(el.Name)
	if d == nil {
		msg := fmt.Sprintf("unknown policy <%s>", el.Name)
		if s := closest(el.Name); s != "" {
			msg += fmt.Sprintf("; did you mean <%s>?", s)
		}
		v.errorf(el.Pos, parser.CodeUnknownPolicy, "%s", msg)
		return
	}
	if len(only) > 0 && !contains(only, el.Name) {
		v.errorf(el.Pos, parser.CodeBadStructure, "policy <%s> is not allowed inside <%s>; allowed: %s", el.Name, container, strings.Join(only, ", "))
	}
	switch {
	case d.ResolverOnly && sec != "":
		v.errorf(el.Pos, parser.CodeBadStructure, "policy <%s> is a GraphQL resolver policy and cannot be used in section %s", el.Name, sec)
	case sec != "" && !d.AllowedIn(sec):
		v.errorf(el.Pos, parser.CodeBadStructure, "policy <%s> is not allowed in section %s; allowed in: %s", el.Name, sec, joinSections(d.Sections))
	}
	if !d.AllowedAt(v.opts.Scope) {
		v.errorf(el.Pos, parser.CodeBadStructure, "policy <%s> is not allowed at %s scope; allowed at: %s", el.Name, v.opts.Scope, joinScopes(d.Scopes))
	}
	if v.opts.Strict && !IsImplemented(d) {
		v.errorf(el.Pos, parser.CodeNotImplemented, "policy <%s> is not implemented", el.Name)
	}
	// Once-per rules count statements at section level only: the service
	// accepts the same policy in several containers (the wait reference
	// example rate-limits two branches; the policy toolkit emits a
	// cache-store per <when>).
	if d.OncePerDocument && container == "" {
		v.docCount[d.Name]++
		if v.docCount[d.Name] > 1 {
			v.errorf(el.Pos, parser.CodeBadStructure, "policy <%s> may appear only once per policy document", el.Name)
		}
	}
	if d.OncePerSection && container == "" {
		k := string(sec) + "/" + d.Name
		v.secCount[k]++
		if v.secCount[k] > 1 {
			where := "section " + string(sec)
			if sec == "" {
				where = "section"
			}
			v.errorf(el.Pos, parser.CodeBadStructure, "policy <%s> may appear only once per %s", el.Name, where)
		}
	}
	v.elem(el, &d.ElemDecl, sec, true)
}

// elem checks attributes, text and children of el against e.
func (v *validator) elem(el *parser.Element, e *ElemDecl, sec Section, policy bool) {
	if e.OwnContext {
		sec = ""
	}
	for _, a := range el.Attrs {
		ad := e.Attr(a.Name)
		if ad == nil {
			if (policy && a.Name == "id") || ignoredAttr(a.Name) || e.AnyAttrs {
				continue
			}
			v.warnf(a.Pos, parser.CodeBadAttribute, "unknown attribute %q on <%s>%s", a.Name, el.Name, closestAttr(a.Name, e))
			continue
		}
		v.value(a.Value, a.Pos, ad.Kind, ad.Enum, ad.Expr, fmt.Sprintf("attribute %q of <%s>", a.Name, el.Name))
	}
	for _, ad := range e.Attrs {
		if ad.Required && el.Attr(ad.Name) == nil {
			v.errorf(el.Pos, parser.CodeBadAttribute, "<%s> is missing required attribute %q", el.Name, ad.Name)
		}
	}
	for _, g := range e.Groups {
		v.group(el, g)
	}

	hasText := el.Text != nil && strings.TrimSpace(el.Text.Text) != ""
	switch {
	case e.Text && hasText:
		pos := el.Text.Pos
		if pos.Line == 0 {
			pos = el.Pos
		}
		v.value(el.Text, pos, e.TextKind, nil, e.TextExpr, fmt.Sprintf("the text of <%s>", el.Name))
	case e.Text && e.TextRequired:
		v.errorf(el.Pos, parser.CodeBadStructure, "<%s> needs a value as its text", el.Name)
	case e.TextOr != "" && !hasChild(el, e.TextOr):
		v.errorf(el.Pos, parser.CodeBadStructure, "<%s> needs a <%s> element (or the %s as its text)", el.Name, e.TextOr, e.TextOr)
	case hasText && !e.Opaque && !e.AnyChildren:
		v.warnf(el.Pos, parser.CodeBadStructure, "unexpected text in <%s>", el.Name)
	}
	if e.Opaque {
		return
	}

	counts := map[*ElemDecl]int{}
	last, lastName := -1, ""
	for _, c := range el.Children {
		if cd := e.Child(c.Name); cd != nil {
			counts[cd]++
			if e.Ordered {
				i := childIndex(e, cd)
				if i < last {
					v.warnf(c.Pos, parser.CodeBadStructure, "<%s> should come before <%s> in <%s>", c.Name, lastName, el.Name)
				} else {
					last, lastName = i, c.Name
				}
			}
			v.elem(c, cd, sec, Lookup(c.Name) != nil)
			continue
		}
		switch {
		case e.Statements:
			v.statement(c, sec, e.StatementNames, el.Name)
		case e.AnyChildren:
			v.warnf(c.Pos, parser.CodeBadStructure, "unknown element <%s> in <%s>", c.Name, el.Name)
		default:
			v.errorf(c.Pos, parser.CodeBadStructure, "unknown element <%s> in <%s>%s", c.Name, el.Name, expected(e))
		}
	}
	for _, cd := range e.Children {
		n := counts[cd]
		if n < cd.Min {
			v.errorf(el.Pos, parser.CodeBadStructure, "<%s> needs at least %d <%s> element(s), has %d", el.Name, cd.Min, cd.Name, n)
		}
		if cd.Max > 0 && n > cd.Max {
			v.errorf(el.Pos, parser.CodeBadStructure, "<%s> allows at most %d <%s> element(s), has %d", el.Name, cd.Max, cd.Name, n)
		}
	}
}

// group checks one attribute or child group of el.
func (v *validator) group(el *parser.Element, g Group) {
	n := 0
	for _, name := range g.Names {
		if g.Either {
			if el.Attr(name) != nil {
				n++
			}
			for _, c := range el.Children {
				if c.Name == name {
					n++
					break
				}
			}
			continue
		}
		if g.Children {
			for _, c := range el.Children {
				if c.Name == name {
					n++
					break
				}
			}
		} else if el.Attr(name) != nil {
			n++
		}
	}
	what := "attributes"
	code := parser.CodeBadAttribute
	if g.Children {
		what, code = "elements", parser.CodeBadStructure
	}
	list := strings.Join(g.Names, ", ")
	if g.Either {
		what = "attributes or elements"
	}
	switch {
	case g.Rule == ExactlyOne && n != 1:
		v.errorf(el.Pos, code, "<%s> needs exactly one of the %s %s, has %d", el.Name, what, list, n)
	case g.Rule == AtLeastOne && n == 0:
		v.errorf(el.Pos, code, "<%s> needs at least one of the %s %s", el.Name, what, list)
	case g.Rule == AtMostOne && n > 1:
		v.errorf(el.Pos, code, "<%s> accepts only one of the %s %s", el.Name, what, list)
	}
}

// value checks one attribute value or element text: expressions where
// they are not allowed, and literal Bool/Int/Number/Enum values.
// Expressions and values holding {{named}} references skip the literal
// check (they are only known later).
func (v *validator) value(val *parser.Value, pos parser.Pos, kind ValueKind, enum []string, expr bool, what string) {
	if val == nil {
		return
	}
	named := false
	for _, p := range val.Parts {
		switch p.Kind {
		case parser.PartExpression:
			if !expr {
				v.errorf(pos, parser.CodeBadAttribute, "policy expressions are not allowed in %s", what)
			}
			return
		case parser.PartNamedValue:
			named = true
		}
	}
	if named {
		return
	}
	s := strings.TrimSpace(val.Text)
	switch kind {
	case KindBool:
		if !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false") {
			v.errorf(pos, parser.CodeBadAttribute, "%s must be true or false, not %q", what, s)
		}
	case KindInt:
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			v.errorf(pos, parser.CodeBadAttribute, "%s must be an integer, not %q", what, s)
		}
	case KindNumber:
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			v.errorf(pos, parser.CodeBadAttribute, "%s must be a number, not %q", what, s)
		}
	case KindEnum:
		for _, e := range enum {
			if strings.EqualFold(s, e) {
				return
			}
		}
		v.errorf(pos, parser.CodeBadAttribute, "%s must be one of %s, not %q", what, strings.Join(enum, ", "), s)
	}
}

func childIndex(e *ElemDecl, c *ElemDecl) int {
	for i, x := range e.Children {
		if x == c {
			return i
		}
	}
	return -1
}

// expected lists the declared children of e for a diagnostic.
func expected(e *ElemDecl) string {
	if len(e.Children) == 0 {
		return "; it takes no child elements"
	}
	names := make([]string, len(e.Children))
	for i, c := range e.Children {
		names[i] = c.Name
	}
	return "; expected " + strings.Join(names, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func joinSections(s []Section) string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = string(x)
	}
	return strings.Join(out, ", ")
}

func joinScopes(s []Scope) string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = string(x)
	}
	return strings.Join(out, ", ")
}

func hasChild(el *parser.Element, name string) bool {
	for _, c := range el.Children {
		if c.Name == name {
			return true
		}
	}
	return false
}
