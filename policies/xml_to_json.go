package policies

import (
	"context"
	"strings"

	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/expressions/dotnet/xmllinq"
	"github.com/policygate/policygate/parser"
)

// xml-to-json converts the request body (inbound) or the response body
// (outbound, on-error) from XML to JSON:
//
//	<xml-to-json kind="javascript-friendly|direct"
//	    apply="always|content-type-xml"
//	    consider-accept-header="true|false"
//	    always-array-child-elements="true|false" />
//
// The JSON shapes are not documented (spec policies.md §2.38 [gap]); the
// project's choice follows Newtonsoft's SerializeXmlNode:
//
//   - the root element is the single property of the top-level object;
//   - an element with neither attributes nor child elements is its text (a
//     string), or null when empty;
//   - otherwise it is an object: attributes first, then child elements in
//     document order, repeated names grouped into an array at the place
//     of the first one, and the element's own text as "#text";
//   - always-array-child-elements="true" makes every child element an array;
//   - all values stay strings (XML has no types); the XML declaration,
//     comments and processing instructions are dropped.
//
// kind="direct" keeps the XML names as written: attributes as "@name",
// prefixed names as "p:local", namespace declarations as "@xmlns:p".
// kind="javascript-friendly" drops namespace declarations and prefixes and
// writes attributes without "@", so that every name is a plain identifier.
//
// The result is compact JSON with Content-Type application/json. A body
// that is not XML is left unchanged and a warning is logged (project
// decision, as for json-to-xml).
type xmlToJSON struct {
	kind, apply, acceptHeader, alwaysArray *Value
}

var _ Step = (*xmlToJSON)(nil)

func init() { Register("xml-to-json", newXMLToJSON) }

func newXMLToJSON(el *parser.Element, c *Compiler) (Step, error) {
	return &xmlToJSON{
		kind:         c.Attr(el, "kind", KindString),
		apply:        c.Attr(el, "apply", KindString),
		acceptHeader: c.Attr(el, "consider-accept-header", KindBool),
		alwaysArray:  c.Attr(el, "always-array-child-elements", KindBool),
	}, nil
}

func (s *xmlToJSON) Exec(r *Run) error {
	kind, err := s.kind.StringOr(r, "javascript-friendly")
	if err != nil {
		return err
	}
	apply, err := s.apply.StringOr(r, "always")
	if err != nil {
		return err
	}
	considerAccept, err := s.acceptHeader.Bool(r, true)
	if err != nil {
		return err
	}
	always, err := s.alwaysArray.Bool(r, false)
	if err != nil {
		return err
	}
	m := bodyMessageOf(r)
	in := m.bodyBytes()
	if len(in) == 0 {
		return nil
	}
	if strings.EqualFold(apply, "content-type-xml") && !strings.Contains(strings.ToLower(m.contentType()), "xml") {
		return nil
	}
	if considerAccept && !acceptAsks(r, "json") {
		return nil
	}
	doc, err := xmllinq.ParseXDocument(string(in))
	if err != nil {
		logConversionFailure(r, "xml-to-json", err)
		return nil
	}
	cv := &xmlJSONConverter{direct: strings.EqualFold(kind, "direct"), always: always, ctx: r.Context}
	root := doc.Root()
	out := dotnet.NewJObject()
	v, err := cv.value(root)
	if err != nil {
		return requestGone(r, err)
	}
	out.Set(cv.name(root, root.Name(), false), v)
	m.set([]byte(dotnet.JSONString(out, dotnet.FormattingNone)), "application/json")
	return nil
}

// xmlJSONConverter converts in time linear in the document; it stops when
// the request's context ends.
type xmlJSONConverter struct {
	direct, always bool
	ctx            context.Context
	seen           int
}

const xmlnsNamespace = "http://www.w3.org/2000/xmlns/"

// name is the JSON name of an element or attribute name n found on e.
func (c *xmlJSONConverter) name(e *xmllinq.XElement, n xmllinq.XName, attr bool) string {
	local := n.Local
	if n.Namespace == xmlnsNamespace {
		local = "xmlns:" + n.Local
	} else if c.direct && n.Namespace != "" {
		if p := xmlPrefixOf(e, n.Namespace); p != "" {
			local = p + ":" + n.Local
		}
	}
	if attr && c.direct {
		return "@" + local
	}
	return local
}

// xmlPrefixOf finds the prefix declared for ns in scope of e ("" for the
// default namespace or none).
func xmlPrefixOf(e *xmllinq.XElement, ns string) string {
	for x := e; x != nil; x = x.Parent() {
		for _, a := range x.Attributes() {
			if a.Name().Namespace == xmlnsNamespace && a.Value() == ns {
				return a.Name().Local
			}
		}
	}
	return ""
}

func isXMLNSAttr(a *xmllinq.XAttribute) bool {
	n := a.Name()
	return n.Namespace == xmlnsNamespace || n.Namespace == "" && n.Local == "xmlns"
}

// ownText is the element's own text: its text and CDATA children.
func ownText(e *xmllinq.XElement) string {
	var b strings.Builder
	for _, n := range e.ChildNodes() {
		if t, ok := n.(*xmllinq.XText); ok {
			b.WriteString(t.Value)
		}
	}
	return b.String()
}

// value converts one element.
func (c *xmlJSONConverter) value(e *xmllinq.XElement) (dotnet.JToken, error) {
	if c.seen++; c.seen&1023 == 0 && c.ctx != nil {
		if err := c.ctx.Err(); err != nil {
			return nil, err
		}
	}
	var attrs []*xmllinq.XAttribute
	for _, a := range e.Attributes() {
		if !c.direct && isXMLNSAttr(a) {
			continue
		}
		attrs = append(attrs, a)
	}
	kids := e.Elements(nil)
	text := ownText(e)
	if len(kids) > 0 {
		text = strings.TrimSpace(text)
	}
	if len(attrs) == 0 && len(kids) == 0 {
		if text == "" {
			return dotnet.JNull(), nil
		}
		return dotnet.JString(text), nil
	}
	o := dotnet.NewJObject()
	for _, a := range attrs {
		o.Set(c.name(e, a.Name(), true), dotnet.JString(a.Value()))
	}
	if text != "" {
		o.Set("#text", dotnet.JString(text))
	}
	earlier := map[xmllinq.XName]int{} // siblings seen so far, by name
	for _, k := range kids {
		n := c.name(k, k.Name(), false)
		v, err := c.value(k)
		if err != nil {
			return nil, err
		}
		grouped := earlier[k.Name()] > 1
		earlier[k.Name()]++
		switch prev := o.Get(n).(type) {
		case nil:
			if c.always {
				o.Set(n, dotnet.NewJArray(v))
			} else {
				o.Set(n, v)
			}
		case *dotnet.JArray:
			if o.Property(n) != nil && (c.always || grouped) {
				prev.Append(v)
			} else {
				o.Set(n, dotnet.NewJArray(prev, v))
			}
		default:
			o.Set(n, dotnet.NewJArray(prev, v))
		}
	}
	return o, nil
}
