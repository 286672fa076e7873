// Package policies holds the APIM policy catalogue and the policies
// themselves. This file defines the declaration half of every policy: the
// plain data (sections, scopes, attribute schema, child elements) that is
// checked before any policy code runs. Implementations register their
// execution half separately.
package policies

import (
	"fmt"
	"sort"
	"sync"

	"github.com/policygate/policygate/expressions"
)

// Section is one of the four sections of a policy document.
type Section string

// The four sections, in the order a document must list them.
const (
	Inbound  Section = "inbound"
	Backend  Section = "backend"
	Outbound Section = "outbound"
	OnError  Section = "on-error"
)

// AllSections lists the sections in document order.
var AllSections = []Section{Inbound, Backend, Outbound, OnError}

// Scope is a level of the policy hierarchy that may own a policy document.
type Scope string

// Scopes, broadest first.
const (
	ScopeGlobal    Scope = "global"
	ScopeWorkspace Scope = "workspace"
	ScopeProduct   Scope = "product"
	ScopeAPI       Scope = "api"
	ScopeOperation Scope = "operation"
)

// AllScopes lists the scopes, broadest first.
var AllScopes = []Scope{ScopeGlobal, ScopeWorkspace, ScopeProduct, ScopeAPI, ScopeOperation}

// ValueKind tells what an attribute value or element text must convert to.
type ValueKind int

// Value kinds.
const (
	KindString ValueKind = iota // any text
	KindBool                    // true/false (case-insensitive)
	KindInt                     // a whole number
	KindNumber                  // a floating-point number (double)
	KindEnum                    // one of AttrDecl.Enum (case-insensitive)
	KindAny                     // any value an expression may return (set-variable/@value)
)

func (k ValueKind) String() string {
	switch k {
	case KindBool:
		return "bool"
	case KindInt:
		return "int"
	case KindNumber:
		return "number"
	case KindEnum:
		return "enum"
	case KindAny:
		return "any"
	}
	return "string"
}

// AttrDecl declares one attribute of a policy or child element.
type AttrDecl struct {
	Name     string
	Kind     ValueKind
	Expr     bool     // the value may be a policy expression
	Required bool     // the attribute must be present
	Default  string   // documentation of the default value; not applied by Validate
	Enum     []string // allowed literal values when Kind is KindEnum
}

// GroupRule tells how many members of a Group must be present.
type GroupRule int

// Group rules.
const (
	ExactlyOne GroupRule = iota // exactly one member present
	AtLeastOne                  // one or more members present
	AtMostOne                   // members exclude each other
)

// Group constrains a set of attributes (or child elements) of one element,
// e.g. validate-jwt's header-name / query-parameter-name / token-value.
type Group struct {
	Rule     GroupRule
	Names    []string
	Children bool // Names are child element names rather than attribute names
	// Either counts each name as an attribute or a child element
	// (set-variable's value="…" or <value>…</value>).
	Either bool
}

// ElemDecl declares an element: a policy statement or a configuration child.
type ElemDecl struct {
	Name     string
	Attrs    []AttrDecl
	Children []*ElemDecl
	// Min and Max bound how often the element occurs under its parent;
	// Max 0 means no upper bound. Ignored for top-level policy statements.
	Min, Max int
	// Text is set when the element carries a value as its text.
	Text         bool
	TextExpr     bool      // the text may be a policy expression
	TextKind     ValueKind // what the text must convert to
	TextRequired bool      // the text must not be empty
	// TextOr names a child that may carry the value instead of the text; one
	// of the two is required (trace: <message> or the older text form).
	TextOr string
	// Opaque elements hold a payload (set-body, xsl-transform): their content
	// is not policy markup and is not checked.
	Opaque bool
	// Statements is set for containers whose children are policy statements
	// (when, otherwise, retry, limit-concurrency, wait …). Declared Children
	// are matched first; any other child is validated as a statement.
	Statements bool
	// StatementNames restricts which statements a Statements container
	// accepts (wait: send-request, cache-lookup-value, choose). Empty = any.
	StatementNames []string
	// AnyChildren makes undeclared child elements a warning instead of an
	// error (lenient declarations of policies the spec describes vaguely).
	AnyChildren bool
	// AnyAttrs accepts undeclared attributes without a warning.
	AnyAttrs bool
	// OwnContext marks an element whose statements run on a context of
	// their own (a GraphQL resolver's http-data-source), outside the
	// enclosing section: they are checked as in no section.
	OwnContext bool
	// Ordered asks for children in the declared order; another order is a
	// warning (policies.md §0.1).
	Ordered bool
	Groups  []Group
}

// Decl declares one policy statement: its element schema plus where it may
// be used.
type Decl struct {
	ElemDecl
	Sections        []Section // sections where the policy may appear
	Scopes          []Scope   // scopes whose documents may use it
	OncePerDocument bool      // at most once in a document
	OncePerSection  bool      // at most once in each section
	ResolverOnly    bool      // GraphQL resolver policy: never in a section
	Priority        string    // "P0", "P1" or "P2"
	Implemented     bool      // the execution half exists (see SetImplemented)
	Category        string    // spec index group, e.g. "transformation"
}

// Attr returns the declaration of attribute name, or nil.
func (e *ElemDecl) Attr(name string) *AttrDecl {
	for i := range e.Attrs {
		if e.Attrs[i].Name == name {
			return &e.Attrs[i]
		}
	}
	return nil
}

// Child returns the declaration of child element name, or nil.
func (e *ElemDecl) Child(name string) *ElemDecl {
	for _, c := range e.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// AllowedIn reports whether the policy may appear in section s.
func (d *Decl) AllowedIn(s Section) bool {
	for _, x := range d.Sections {
		if x == s {
			return true
		}
	}
	return false
}

// AllowedAt reports whether the policy may appear in a document of scope s.
// An empty scope or an empty Scopes list allows everything.
func (d *Decl) AllowedAt(s Scope) bool {
	if s == "" || len(d.Scopes) == 0 {
		return true
	}
	for _, x := range d.Scopes {
		if x == s {
			return true
		}
	}
	return false
}

var (
	regMu       sync.RWMutex
	registry    = map[string]*Decl{}
	implemented = map[string]bool{}
)

// Declare adds a policy declaration to the catalogue. It is meant to be
// called from init and panics on a duplicate or malformed declaration.
func Declare(d *Decl) {
	if d == nil || d.Name == "" {
		panic("policies: Declare with empty declaration")
	}
	if d.ResolverOnly && len(d.Sections) > 0 {
		panic(fmt.Sprintf("policies: resolver-only policy %q declares sections", d.Name))
	}
	if !d.ResolverOnly && len(d.Sections) == 0 {
		panic(fmt.Sprintf("policies: policy %q declares no sections", d.Name))
	}
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[d.Name]; dup {
		panic(fmt.Sprintf("policies: duplicate declaration of %q", d.Name))
	}
	registry[d.Name] = d
}

// SetImplemented records that policy name has an execution half. It may be
// called from any init, before or after the policy's Declare.
func SetImplemented(name string) {
	regMu.Lock()
	defer regMu.Unlock()
	implemented[name] = true
}

// IsImplemented reports whether the declared policy has an execution half.
func IsImplemented(d *Decl) bool {
	regMu.RLock()
	defer regMu.RUnlock()
	return d.Implemented || implemented[d.Name]
}

// Lookup returns the declaration of policy name, or nil.
func Lookup(name string) *Decl {
	regMu.RLock()
	defer regMu.RUnlock()
	return registry[name]
}

// All returns every declaration, sorted by name.
func All() []*Decl {
	regMu.RLock()
	out := make([]*Decl, 0, len(registry))
	for _, d := range registry {
		out = append(out, d)
	}
	regMu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// closest returns the declared policy name nearest to name by edit
// distance, or "" when nothing is reasonably close.
func closest(name string) string {
	best, bestD := "", len(name)/2+2
	for _, d := range All() {
		if dist := expressions.EditDistance(name, d.Name); dist < bestD {
			best, bestD = d.Name, dist
		}
	}
	return best
}

// Helpers for writing declarations compactly. They return plain data.

// all is the section list of policies allowed everywhere.
var allSec = []Section{Inbound, Backend, Outbound, OnError}

func secs(s ...Section) []Section { return s }

// str declares an optional string attribute.
func str(name string, expr bool) AttrDecl { return AttrDecl{Name: name, Kind: KindString, Expr: expr} }

// reqStr declares a required string attribute.
func reqStr(name string, expr bool) AttrDecl {
	return AttrDecl{Name: name, Kind: KindString, Expr: expr, Required: true}
}

// boolean declares an optional bool attribute with a default.
func boolean(name string, expr bool, def string) AttrDecl {
	return AttrDecl{Name: name, Kind: KindBool, Expr: expr, Default: def}
}

// integer declares an optional int attribute with a default.
func integer(name string, expr bool, def string) AttrDecl {
	return AttrDecl{Name: name, Kind: KindInt, Expr: expr, Default: def}
}

// enum declares an optional enum attribute with a default.
func enum(name string, expr bool, def string, vals ...string) AttrDecl {
	return AttrDecl{Name: name, Kind: KindEnum, Expr: expr, Default: def, Enum: vals}
}

// req marks an attribute declaration required.
func req(a AttrDecl) AttrDecl { a.Required = true; return a }

// textElem declares a child element holding a string value as text.
func textElem(name string, expr bool, lo, hi int) *ElemDecl {
	return &ElemDecl{Name: name, Text: true, TextExpr: expr, TextKind: KindString, Min: lo, Max: hi}
}

// asChild copies a policy's element declaration for use as a configuration
// child (set-header inside send-request …) with the given occurrence bounds.
func asChild(d *Decl, lo, hi int) *ElemDecl {
	e := d.ElemDecl
	e.Min, e.Max = lo, hi
	return &e
}
