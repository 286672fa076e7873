// Package parser reads APIM policy text — documents (<policies>), fragments
// (<fragment>) and snippets (bare policy statements) — into a tree of
// elements with source positions. Policy expressions (@(...), @{...}) are
// found by a C#-aware scanner before the XML is parsed, because APIM accepts
// expressions that are not well-formed XML (raw quotes, <, > and && inside).
//
// How it works: a lexer walks the source once, recording every tag,
// attribute, text run, CDATA section and comment with its byte span; at each
// "@(" or "@{" in an attribute value or text it runs the C# scanner, which
// treats entity references as the characters they stand for, so the raw and
// the escaped forms both scan. Each expression is then masked with a
// same-length placeholder and the whole input, wrapped in one root, is
// checked by xmlquery, whose tree gives the final element shape; the
// lexer's spans give positions and values. When the lexer finds errors the
// lexer's own, error-tolerant tree is returned with them.
//
// Decisions worth knowing:
//   - Offsets count from the byte after a UTF-8 byte order mark; columns
//     count runes.
//   - Decoded text (Value.Text) resolves entity and character references,
//     unwraps CDATA and, as XML does, reads CRLF and a lone CR as LF. Raw
//     keeps the source as written. Attribute values are not white-space
//     normalised, so multi-line expressions keep their line breaks.
//   - An element with child elements gets Text only if some of its text is
//     not white space.
//   - Opaque elements (set-body, xsl-transform) with child markup keep the
//     inner source verbatim in Text (no entity decoding, line ends
//     normalised); without child markup their text is decoded like any
//     other. Element.Content parses the content when markup is wanted (the
//     <parameter> children of xsl-transform).
//   - An "@(" or "@{" that does not close is an error only where it starts a
//     value; elsewhere it is literal text. A value that starts with an
//     expression but continues with text, or is padded with non-ASCII white
//     space, is literal text and draws a warning.
package parser

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a source position: file, 1-based line and column (columns count
// runes), and the byte offset into the file.
type Pos struct {
	File   string
	Line   int
	Col    int
	Offset int
}

// String renders the position as file:line:col.
func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Kind tells what a Document holds.
type Kind int

// Document kinds.
const (
	KindDocument Kind = iota // <policies> with sections
	KindFragment             // <fragment> with policy statements
	KindSnippet              // one or more bare policy statements
)

// String names the kind: document, fragment or snippet.
func (k Kind) String() string {
	switch k {
	case KindDocument:
		return "document"
	case KindFragment:
		return "fragment"
	}
	return "snippet"
}

// SnippetRoot is the Name of the synthetic root element that holds the
// statements of a snippet.
const SnippetRoot = "#snippet"

// Document is one parsed policy file.
type Document struct {
	File   string
	Kind   Kind
	Root   *Element // <policies>, <fragment>, or the synthetic SnippetRoot
	Source []byte   // the file's bytes as read (BOM removed)
	lines  []int    // byte offsets of line starts, for PosAt
	runes  []int32  // runes before each runeBlock-byte block, for PosAt on non-ASCII lines
	str    string   // Source as a string, which names and values share
}

// Element is an XML element of a policy document.
type Element struct {
	Name     string
	Pos      Pos // position of the '<' of the start tag
	Attrs    []*Attr
	Children []*Element
	// Text is the element's character content (text and CDATA of direct
	// children joined, comments dropped). For opaque elements (set-body,
	// xsl-transform) it is the whole inner source, child markup included,
	// and Children is empty. Nil when the element has no text at all.
	Text *Value
	// Opaque is set for elements whose content is a payload, not policy
	// markup (set-body, xsl-transform).
	Opaque bool

	content [2]int    // span of the content between the tags (Content)
	doc     *Document // the document, for Content
}

// Attr is an attribute with its value.
type Attr struct {
	Name  string
	Pos   Pos // position of the attribute name
	Value *Value
}

// Value is an attribute value or element text, decoded, with the positions
// needed to map any offset of Text back to the source.
type Value struct {
	Raw   string // source text as written (between the quotes, or the element's inner text)
	Text  string // decoded: entities resolved, CDATA unwrapped
	Pos   Pos    // position of Text[0]: the first character after the opening quote, or of the text
	Parts []Part // Text split into literal, expression and named-value parts
	// offsets maps a byte offset of Text to a byte offset of the file: for each
	// i, Text[i] came from file offset offsets[i] (len(offsets) == len(Text)+1).
	offsets []int
	span    [2]int // instead of offsets: Text[i] came from span[0]+i
	doc     *Document
	liquid  bool // a Liquid template body: {{ }} are not named values
}

// PartKind tells what a Part holds.
type PartKind int

// Part kinds.
const (
	PartLiteral    PartKind = iota // literal text
	PartExpression                 // a whole-value policy expression "@(...)" or "@{...}"
	PartNamedValue                 // a {{name}} reference in literal text
)

// Part is a piece of a Value. For PartExpression, Text is the exact
// expression source from "@" to its closing delimiter (decoded), and it is
// the only part: the whole value, leading and trailing ASCII whitespace
// aside, is the expression. {{name}} references inside an expression stay in
// its Text; NamedRefs lists them. For PartNamedValue, Text is the name.
type Part struct {
	Kind   PartKind
	Text   string
	Pos    Pos // position of the part's first character ("@" or "{{")
	Offset int // byte offset of the part in Value.Text
}

// NamedRef is one {{name}} reference anywhere in a value, expressions
// included.
type NamedRef struct {
	Name   string
	Pos    Pos // position of "{{"
	Offset int // byte offset of "{{" in Value.Text
}

// Severity of a diagnostic.
type Severity int

// Severities.
const (
	SeverityError Severity = iota
	SeverityWarning
)

// String names the severity: error or warning.
func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// Stable diagnostic codes; tests assert on them.
const (
	CodeParse          = "parse_error"
	CodeUnknownPolicy  = "unknown_policy"
	CodeBadAttribute   = "bad_attribute"
	CodeUnknownNamed   = "unknown_named_value"
	CodeExpression     = "expression_error"
	CodeType           = "type_error"
	CodeBadStructure   = "bad_structure"
	CodeNotImplemented = "not_implemented"
)

// Error is a positioned diagnostic.
type Error struct {
	Pos      Pos
	Code     string
	Msg      string
	Severity Severity
	Err      error
}

// Error renders the diagnostic as file:line:col: code: msg.
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.Pos, e.Code, e.Msg)
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// MaxErrors caps how many diagnostics one file reports.
const MaxErrors = 100

// Errors is a list of diagnostics, kept sorted by position.
type Errors []*Error

// Error renders the diagnostics one per line.
func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Sort orders the diagnostics by file, offset, code and message, and caps
// them at MaxErrors.
func (es Errors) Sort() Errors {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Msg < b.Msg
	})
	if len(es) > MaxErrors {
		es = es[:MaxErrors]
	}
	return es
}

// HasErrors reports whether any diagnostic is an error (not a warning).
func (es Errors) HasErrors() bool {
	for _, e := range es {
		if e.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Attr returns the attribute named name, or nil.
func (e *Element) Attr(name string) *Attr {
	for _, a := range e.Attrs {
		if a.Name == name {
			return a
		}
	}
	return nil
}
