package xmllinq

import (
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/policygate/policygate/expressions/dotnet"
)

// XName is System.Xml.Linq.XName: a namespace URI and a local name.
type XName struct {
	Namespace string
	Local     string
}

// String is XName.ToString(): "{namespace}local", or the local name alone.
func (n XName) String() string {
	if n.Namespace == "" {
		return n.Local
	}
	return "{" + n.Namespace + "}" + n.Local
}

// XNamespace is System.Xml.Linq.XNamespace.
type XNamespace struct{ URI string }

// String returns the namespace URI.
func (n XNamespace) String() string { return n.URI }

// ParseXName reads "{ns}local" or "local" as XName.Get does.
func ParseXName(s string) XName {
	if strings.HasPrefix(s, "{") {
		if i := strings.IndexByte(s, '}'); i > 0 {
			return XName{Namespace: s[1:i], Local: s[i+1:]}
		}
	}
	return XName{Local: s}
}

const (
	xmlnsURI = "http://www.w3.org/2000/xmlns/"
	xmlURI   = "http://www.w3.org/XML/1998/namespace"
)

// XNode is a node of a LINQ-to-XML tree: *XElement, *XText, *XComment or
// *XProcessingInstruction.
type XNode interface {
	xmlParentRef() *xmlContainer
	String() string
}

// xmlContainer is what XElement and XDocument share: child nodes.
type xmlContainer struct {
	owner any // *XElement or *XDocument
	nodes []XNode
}

// XElement is System.Xml.Linq.XElement.
type XElement struct {
	xmlContainer
	parent *xmlContainer
	name   XName
	attrs  []*XAttribute
	// open marks an element without child nodes that still prints as
	// <a></a> (its value was set to ""), not <a />.
	open bool
}

// XDocument is System.Xml.Linq.XDocument.
type XDocument struct {
	xmlContainer
	// Declaration is the text of the <?xml ...?> declaration, if any.
	Declaration string
}

// XAttribute is System.Xml.Linq.XAttribute.
type XAttribute struct {
	parent *XElement
	name   XName
	value  string
}

// XText is System.Xml.Linq.XText (CData marks an XCData).
type XText struct {
	parent *xmlContainer
	Value  string
	CData  bool
}

// XComment is System.Xml.Linq.XComment.
type XComment struct {
	parent *xmlContainer
	Value  string
}

// XProcessingInstruction is System.Xml.Linq.XProcessingInstruction.
type XProcessingInstruction struct {
	parent *xmlContainer
	Target string
	Data   string
}

func (e *XElement) xmlParentRef() *xmlContainer               { return e.parent }
func (d *XDocument) xmlParentRef() *xmlContainer              { return nil }
func (t *XText) xmlParentRef() *xmlContainer                  { return t.parent }
func (c *XComment) xmlParentRef() *xmlContainer               { return c.parent }
func (p *XProcessingInstruction) xmlParentRef() *xmlContainer { return p.parent }

func xmlSetParent(n XNode, p *xmlContainer) {
	switch x := n.(type) {
	case *XElement:
		x.parent = p
	case *XText:
		x.parent = p
	case *XComment:
		x.parent = p
	case *XProcessingInstruction:
		x.parent = p
	}
}

// NewXElement returns an empty element.
func NewXElement(name XName) *XElement {
	e := &XElement{name: name}
	e.owner = e
	return e
}

// NewXDocument returns an empty document.
func NewXDocument() *XDocument {
	d := &XDocument{}
	d.owner = d
	return d
}

// Name returns the element's name.
func (e *XElement) Name() XName { return e.name }

// Parent returns the parent element, or nil (also under a document).
func (e *XElement) Parent() *XElement { return xmlParentElement(e.parent) }

func xmlParentElement(c *xmlContainer) *XElement {
	if c == nil {
		return nil
	}
	e, _ := c.owner.(*XElement)
	return e
}

// Value is XElement.Value: the concatenated text of all descendants.
func (e *XElement) Value() string {
	var b strings.Builder
	var walk func(c *xmlContainer)
	walk = func(c *xmlContainer) {
		for _, n := range c.nodes {
			switch x := n.(type) {
			case *XText:
				b.WriteString(x.Value)
			case *XElement:
				walk(&x.xmlContainer)
			}
		}
	}
	walk(&e.xmlContainer)
	return b.String()
}

// SetValue replaces the content with text ("" keeps <a></a>).
func (e *XElement) SetValue(s string) {
	e.removeNodes()
	e.open = true
	if s != "" {
		e.appendNode(&XText{Value: s})
	}
}

// Attribute returns the named attribute, or nil.
func (e *XElement) Attribute(n XName) *XAttribute {
	for _, a := range e.attrs {
		if a.name == n {
			return a
		}
	}
	return nil
}

// Attributes returns the attributes in order.
func (e *XElement) Attributes() []*XAttribute { return e.attrs }

// SetAttributeValue sets, adds or (for nil) removes an attribute.
func (e *XElement) SetAttributeValue(n XName, v any) {
	a := e.Attribute(n)
	if v == nil {
		if a != nil {
			a.Remove()
		}
		return
	}
	s := XMLText(v)
	if a != nil {
		a.value = s
		return
	}
	e.attrs = append(e.attrs, &XAttribute{parent: e, name: n, value: s})
}

// Name returns the attribute's name.
func (a *XAttribute) Name() XName { return a.name }

// Value returns the attribute's value.
func (a *XAttribute) Value() string { return a.value }

// Parent returns the owning element.
func (a *XAttribute) Parent() *XElement { return a.parent }

// Remove detaches the attribute from its element.
func (a *XAttribute) Remove() {
	if a.parent == nil {
		return
	}
	e := a.parent
	for i, x := range e.attrs {
		if x == a {
			e.attrs = append(e.attrs[:i:i], e.attrs[i+1:]...)
			break
		}
	}
	a.parent = nil
}

// String is XAttribute.ToString(): name="value".
func (a *XAttribute) String() string {
	var b strings.Builder
	b.WriteString(xmlAttrName(a.parent, a.name))
	b.WriteString(`="`)
	xmlEscape(&b, a.value, true)
	b.WriteByte('"')
	return b.String()
}

func (c *xmlContainer) appendNode(n XNode) { c.insertNode(len(c.nodes), n) }

func (c *xmlContainer) insertNode(i int, n XNode) {
	if t, ok := n.(*XText); ok && !t.CData {
		// adjacent text merges, as in .NET
		if i > 0 {
			if prev, ok := c.nodes[i-1].(*XText); ok && !prev.CData {
				prev.Value += t.Value
				return
			}
		}
	}
	if n.xmlParentRef() != nil {
		n = xmlCloneNode(n)
	}
	xmlSetParent(n, c)
	c.nodes = append(c.nodes, nil)
	copy(c.nodes[i+1:], c.nodes[i:])
	c.nodes[i] = n
}

// ChildNodes returns the container's child nodes (not a copy).
func (c *xmlContainer) ChildNodes() []XNode { return c.nodes }

func (c *xmlContainer) removeNodes() {
	for _, n := range c.nodes {
		xmlSetParent(n, nil)
	}
	c.nodes = nil
}

// XMLRemove removes a node from its parent (XNode.Remove()).
func XMLRemove(n XNode) error {
	p := n.xmlParentRef()
	if p == nil {
		return dotnet.Throw("System.InvalidOperationException", "The parent is missing.")
	}
	for i, x := range p.nodes {
		if x == n {
			p.nodes = append(p.nodes[:i:i], p.nodes[i+1:]...)
			break
		}
	}
	xmlSetParent(n, nil)
	return nil
}

// Elements returns the child elements, all or those named n.
func (c *xmlContainer) Elements(n *XName) []*XElement {
	var out []*XElement
	for _, x := range c.nodes {
		if e, ok := x.(*XElement); ok && (n == nil || e.name == *n) {
			out = append(out, e)
		}
	}
	return out
}

// Element returns the first child element named n, or nil.
func (c *xmlContainer) Element(n XName) *XElement {
	if es := c.Elements(&n); len(es) > 0 {
		return es[0]
	}
	return nil
}

// Descendants returns the descendant elements in document order, all or
// those named n.
func (c *xmlContainer) Descendants(n *XName) []*XElement {
	var out []*XElement
	var walk func(c *xmlContainer)
	walk = func(c *xmlContainer) {
		for _, x := range c.nodes {
			if e, ok := x.(*XElement); ok {
				if n == nil || e.name == *n {
					out = append(out, e)
				}
				walk(&e.xmlContainer)
			}
		}
	}
	walk(c)
	return out
}

// Root returns the document element.
func (d *XDocument) Root() *XElement {
	for _, n := range d.nodes {
		if e, ok := n.(*XElement); ok {
			return e
		}
	}
	return nil
}

func xmlCloneNode(n XNode) XNode {
	switch x := n.(type) {
	case *XElement:
		e := NewXElement(x.name)
		e.open = x.open
		for _, a := range x.attrs {
			e.attrs = append(e.attrs, &XAttribute{parent: e, name: a.name, value: a.value})
		}
		for _, k := range x.nodes {
			e.appendNode(xmlCloneNode(k))
		}
		return e
	case *XText:
		return &XText{Value: x.Value, CData: x.CData}
	case *XComment:
		return &XComment{Value: x.Value}
	case *XProcessingInstruction:
		return &XProcessingInstruction{Target: x.Target, Data: x.Data}
	}
	return n
}

// XMLAdd is XContainer.Add(content): nodes are added (copied when they
// have a parent), attributes set on an element, enumerables add each item,
// null is ignored, other values become text.
func XMLAdd(c *xmlContainer, content any) error { return xmlAddAt(c, -1, content) }

func xmlAddAt(c *xmlContainer, i int, content any) error {
	if i < 0 {
		i = len(c.nodes)
	}
	switch x := content.(type) {
	case nil:
		return nil
	case *XDocument:
		return dotnet.Throw("System.ArgumentException", "An XDocument cannot be added as content.")
	case XNode:
		c.insertNode(i, x)
		return nil
	case *XAttribute:
		e, ok := c.owner.(*XElement)
		if !ok {
			return dotnet.Throw("System.ArgumentException", "An attribute cannot be added to content.")
		}
		if e.Attribute(x.name) != nil {
			return dotnet.Throw("System.InvalidOperationException", "Duplicate attribute.")
		}
		if x.parent != nil {
			x = &XAttribute{name: x.name, value: x.value}
		}
		x.parent = e
		e.attrs = append(e.attrs, x)
		return nil
	case string:
		c.insertNode(i, &XText{Value: x})
		return nil
	}
	if _, isBytes := content.([]byte); !isBytes {
		if items, ok := dotnet.Iterate(content); ok {
			k := 0
			for it := range items {
				before := len(c.nodes)
				if err := xmlAddAt(c, i+k, it); err != nil {
					return err
				}
				k += len(c.nodes) - before
			}
			return nil
		}
	}
	c.insertNode(i, &XText{Value: XMLText(content)})
	return nil
}

// XMLText is how LINQ to XML turns a value into text (XmlConvert):
// "true"/"false", invariant numbers, ISO dates.
func XMLText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case float64:
		return xmlFloat(x, 64)
	case float32:
		return xmlFloat(float64(x), 32)
	case dotnet.DateTime:
		return dotnet.ISODate(x)
	case dotnet.DateTimeOffset:
		return dotnet.ISODateOffset(x)
	case dotnet.TimeSpan:
		return dotnet.TimeSpanText(x)
	case dotnet.Guid:
		return dotnet.GuidText(x)
	case dotnet.Decimal:
		return dotnet.DecimalText(x)
	case XName:
		return x.String()
	}
	return dotnet.ToString(v)
}

func xmlFloat(f float64, bits int) string {
	switch {
	case math.IsInf(f, 1):
		return "INF"
	case math.IsInf(f, -1):
		return "-INF"
	}
	return dotnet.FormatDouble(f, bits)
}

// ---- parsing ----

// ParseXElement is XElement.Parse: the text must hold one element;
// whitespace-only text between elements is dropped.
func ParseXElement(s string) (*XElement, error) {
	d, err := ParseXDocument(s)
	if err != nil {
		return nil, err
	}
	r := d.Root()
	r.parent = nil
	return r, nil
}

func xmlError(msg string) *dotnet.Exception {
	return dotnet.Throw("System.Xml.XmlException", "%s", msg)
}

// MaxXMLDepth bounds the element nesting of parsed XML, as the JSON
// reader's MaxDepth (64) does for JSON.
const MaxXMLDepth = 64

// ParseXDocument is XDocument.Parse (LoadOptions.None). Text nested deeper
// than MaxXMLDepth is an XmlException.
func ParseXDocument(s string) (*XDocument, error) {
	doc := NewXDocument()
	dec := xml.NewDecoder(strings.NewReader(s))
	dec.Strict = true
	var stack []*xmlContainer
	cur := &doc.xmlContainer
	sawRoot := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, xmlError(xmlSyntaxMessage(se.Msg) + " Line " + strconv.Itoa(se.Line) + ".")
			}
			return nil, xmlError(err.Error())
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && sawRoot {
				return nil, xmlError("There are multiple root elements.")
			}
			sawRoot = true
			if len(stack) >= MaxXMLDepth {
				line, _ := dec.InputPos()
				return nil, xmlError("The XML is nested deeper than the maximum depth of " + strconv.Itoa(MaxXMLDepth) + ". Line " + strconv.Itoa(line) + ".")
			}
			e := NewXElement(XName{Namespace: t.Name.Space, Local: t.Name.Local})
			for _, a := range t.Attr {
				n := XName{Namespace: a.Name.Space, Local: a.Name.Local}
				if a.Name.Space == "xmlns" {
					n.Namespace = xmlnsURI
				}
				e.attrs = append(e.attrs, &XAttribute{parent: e, name: n, value: a.Value})
			}
			off := int(dec.InputOffset())
			e.open = !(off >= 2 && s[off-2:off] == "/>")
			cur.appendNode(e)
			stack = append(stack, cur)
			cur = &e.xmlContainer
		case xml.EndElement:
			cur = stack[len(stack)-1]
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			cur.appendNode(&XText{Value: string(t)})
		case xml.Comment:
			cur.appendNode(&XComment{Value: string(t)})
		case xml.ProcInst:
			if t.Target == "xml" && len(stack) == 0 {
				doc.Declaration = "<?xml " + string(t.Inst) + "?>"
				continue
			}
			cur.appendNode(&XProcessingInstruction{Target: t.Target, Data: string(t.Inst)})
		}
	}
	if !sawRoot {
		return nil, xmlError("Root element is missing.")
	}
	xmlDropWhitespace(&doc.xmlContainer)
	return doc, nil
}

func xmlSyntaxMessage(m string) string {
	if m == "" {
		return "Invalid XML."
	}
	return strings.ToUpper(m[:1]) + m[1:] + "."
}

// xmlDropWhitespace removes whitespace-only text nodes: XElement.Parse
// reads with IgnoreWhitespace unless whitespace is preserved.
func xmlDropWhitespace(c *xmlContainer) {
	kept := c.nodes[:0]
	for _, n := range c.nodes {
		if t, ok := n.(*XText); ok && !t.CData && strings.Trim(t.Value, " \t\r\n") == "" {
			t.parent = nil
			continue
		}
		if e, ok := n.(*XElement); ok {
			xmlDropWhitespace(&e.xmlContainer)
		}
		kept = append(kept, n)
	}
	c.nodes = kept
}

// ---- writing ----

// XMLString writes a node as .NET's ToString() does: indented by two
// spaces unless the content is mixed (or indent is false), no declaration.
//
// A result longer than MaxStringLength panics with OutOfMemoryException
// (the evaluation recovers it); XMLStringErr returns it instead.
func XMLString(n any, indent bool) string {
	var b strings.Builder
	switch x := n.(type) {
	case *XDocument:
		first := true
		for _, k := range x.nodes {
			if !first && indent {
				b.WriteString(dotnet.JSONNewLine)
			}
			first = false
			xmlWriteNode(&b, k, 0, indent, "")
		}
	case XNode:
		def := ""
		if e, ok := x.(*XElement); ok {
			def = xmlDefaultNS(e.Parent())
		}
		xmlWriteNode(&b, x, 0, indent, def)
	case *XAttribute:
		return x.String()
	}
	return b.String()
}

// XMLStringErr is XMLString with the OutOfMemoryException of a result
// longer than MaxStringLength returned.
func XMLStringErr(n any, indent bool) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			ex, ok := r.(*dotnet.Exception)
			if !ok || ex.Type != "System.OutOfMemoryException" {
				panic(r)
			}
			out, err = "", ex
		}
	}()
	return XMLString(n, indent), nil
}

// xmlIndent writes the line break and indentation of depth, checking the
// string cap first: indentation makes deep documents grow quadratically.
func xmlIndent(b *strings.Builder, depth int) {
	if b.Len()+2*depth > dotnet.MaxStringLength {
		panic(dotnet.StringTooLong())
	}
	b.WriteString(dotnet.JSONNewLine)
	for ; depth > 0; depth-- {
		b.WriteString("  ")
	}
}

// String is XElement.ToString(): indented XML.
func (e *XElement) String() string { return XMLString(e, true) }

// String is XDocument.ToString(): indented XML without the declaration.
func (d *XDocument) String() string { return XMLString(d, true) }

// String is the escaped text.
func (t *XText) String() string {
	var b strings.Builder
	xmlWriteNode(&b, t, 0, false, "")
	return b.String()
}

// String is "<!--value-->".
func (c *XComment) String() string { return "<!--" + c.Value + "-->" }

// String is "<?target data?>".
func (p *XProcessingInstruction) String() string {
	if p.Data == "" {
		return "<?" + p.Target + "?>"
	}
	return "<?" + p.Target + " " + p.Data + "?>"
}

// xmlWriteNode writes n; def is the default namespace in effect at n's
// parent, including declarations the writer added itself.
func xmlWriteNode(b *strings.Builder, n XNode, depth int, indent bool, def string) {
	if b.Len() > dotnet.MaxStringLength {
		panic(dotnet.StringTooLong())
	}
	switch x := n.(type) {
	case *XText:
		if x.CData {
			b.WriteString("<![CDATA[" + x.Value + "]]>")
		} else {
			xmlEscape(b, x.Value, false)
		}
	case *XComment, *XProcessingInstruction:
		b.WriteString(x.String())
	case *XElement:
		own, hasOwn := "", false
		if a := x.Attribute(XName{Local: "xmlns"}); a != nil {
			own, hasOwn = a.value, true
			def = own
		}
		qn, decl := x.name.Local, ""
		switch ns := x.name.Namespace; {
		case ns == "":
			if def != "" && !hasOwn {
				decl, def = ` xmlns=""`, ""
			}
		case ns == def:
		default:
			if p, ok := xmlLookupPrefix(x, ns); ok && p != "" {
				qn = p + ":" + x.name.Local
			} else {
				var d strings.Builder
				d.WriteString(` xmlns="`)
				xmlEscape(&d, ns, true)
				d.WriteByte('"')
				decl, def = d.String(), ns
			}
		}
		b.WriteString("<" + qn)
		for _, a := range x.attrs {
			b.WriteByte(' ')
			b.WriteString(a.String())
		}
		b.WriteString(decl)
		if len(x.nodes) == 0 {
			if x.open {
				b.WriteString("></" + qn + ">")
			} else {
				b.WriteString(" />")
			}
			return
		}
		b.WriteByte('>')
		childIndent := indent
		for _, k := range x.nodes {
			if _, ok := k.(*XText); ok {
				childIndent = false
			}
		}
		for _, k := range x.nodes {
			if childIndent {
				xmlIndent(b, depth+1)
			}
			xmlWriteNode(b, k, depth+1, childIndent, def)
		}
		if childIndent {
			xmlIndent(b, depth)
		}
		b.WriteString("</" + qn + ">")
		if b.Len() > dotnet.MaxStringLength {
			panic(dotnet.StringTooLong())
		}
	}
}

// xmlLookupPrefix finds the prefix bound to ns in scope of e: "" for a
// default declaration, ok false when none is in scope.
func xmlLookupPrefix(e *XElement, ns string) (string, bool) {
	for x := e; x != nil; x = x.Parent() {
		for _, a := range x.attrs {
			if a.value != ns {
				continue
			}
			if a.name.Namespace == xmlnsURI {
				return a.name.Local, true
			}
			if a.name.Namespace == "" && a.name.Local == "xmlns" {
				return "", true
			}
		}
	}
	return "", false
}

// xmlDefaultNS returns the default namespace declared in scope of e (on e
// or an ancestor).
func xmlDefaultNS(e *XElement) string {
	for x := e; x != nil; x = x.Parent() {
		for _, a := range x.attrs {
			if a.name.Namespace == "" && a.name.Local == "xmlns" {
				return a.value
			}
		}
	}
	return ""
}

func xmlAttrName(e *XElement, n XName) string {
	switch n.Namespace {
	case "":
		return n.Local
	case xmlnsURI:
		return "xmlns:" + n.Local
	case xmlURI:
		return "xml:" + n.Local
	}
	if e != nil {
		if p, ok := xmlLookupPrefix(e, n.Namespace); ok && p != "" {
			return p + ":" + n.Local
		}
	}
	return n.Local
}

// xmlEscape escapes text (& < >) or an attribute value (also " and
// line breaks and tabs as character references), as XmlWriter does.
func xmlEscape(b *strings.Builder, s string, attr bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '&':
			b.WriteString("&amp;")
		case c == '<':
			b.WriteString("&lt;")
		case c == '>':
			b.WriteString("&gt;")
		case attr && c == '"':
			b.WriteString("&quot;")
		case attr && c == '\n':
			b.WriteString("&#xA;")
		case attr && c == '\r':
			b.WriteString("&#xD;")
		case attr && c == '\t':
			b.WriteString("&#x9;")
		default:
			b.WriteByte(c)
		}
	}
}
