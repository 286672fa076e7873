package xmllinq

import (
	"reflect"
	"strings"

	"github.com/policygate/policygate/expressions/dotnet"
)

// The LINQ-to-XML types (System.Xml.Linq).
var (
	// XObjectT is System.Xml.Linq.XObject, the base of nodes and attributes.
	XObjectT = dotnet.Register(dotnet.NewType("XObject", "System.Xml.Linq.XObject", dotnet.Object, nil))
	// XNodeT is System.Xml.Linq.XNode.
	XNodeT = dotnet.Register(dotnet.NewType("XNode", "System.Xml.Linq.XNode", XObjectT, nil))
	// XContainerT is System.Xml.Linq.XContainer (XElement, XDocument).
	XContainerT = dotnet.Register(dotnet.NewType("XContainer", "System.Xml.Linq.XContainer", XNodeT, nil))
	// XElementT is System.Xml.Linq.XElement (Go *XElement).
	XElementT = dotnet.Register(dotnet.NewType("XElement", "System.Xml.Linq.XElement", XContainerT, reflect.TypeOf((*XElement)(nil))))
	// XDocumentT is System.Xml.Linq.XDocument (Go *XDocument).
	XDocumentT = dotnet.Register(dotnet.NewType("XDocument", "System.Xml.Linq.XDocument", XContainerT, reflect.TypeOf((*XDocument)(nil))))
	// XAttributeT is System.Xml.Linq.XAttribute (Go *XAttribute).
	XAttributeT = dotnet.Register(dotnet.NewType("XAttribute", "System.Xml.Linq.XAttribute", XObjectT, reflect.TypeOf((*XAttribute)(nil))))
	// XTextT is System.Xml.Linq.XText (Go *XText).
	XTextT = dotnet.Register(dotnet.NewType("XText", "System.Xml.Linq.XText", XNodeT, reflect.TypeOf((*XText)(nil))))
	// XCDataT is System.Xml.Linq.XCData (Go *XText with CData set).
	XCDataT = dotnet.Register(dotnet.NewType("XCData", "System.Xml.Linq.XCData", XTextT, nil))
	// XCommentT is System.Xml.Linq.XComment (Go *XComment).
	XCommentT = dotnet.Register(dotnet.NewType("XComment", "System.Xml.Linq.XComment", XNodeT, reflect.TypeOf((*XComment)(nil))))
	// XProcessingInstructionT is System.Xml.Linq.XProcessingInstruction.
	XProcessingInstructionT = dotnet.Register(dotnet.NewType("XProcessingInstruction", "System.Xml.Linq.XProcessingInstruction", XNodeT, reflect.TypeOf((*XProcessingInstruction)(nil))))
	// XNameT is System.Xml.Linq.XName (Go XName).
	XNameT = dotnet.Register(dotnet.NewType("XName", "System.Xml.Linq.XName", dotnet.Object, reflect.TypeOf(XName{})))
	// XNamespaceT is System.Xml.Linq.XNamespace (Go XNamespace).
	XNamespaceT = dotnet.Register(dotnet.NewType("XNamespace", "System.Xml.Linq.XNamespace", dotnet.Object, reflect.TypeOf(XNamespace{})))
	// SaveOptionsT is the System.Xml.Linq.SaveOptions enum (Go XMLSaveOptions).
	SaveOptionsT = dotnet.Register(dotnet.NewEnumType("SaveOptions", "System.Xml.Linq.SaveOptions", XMLSaveOptions(0)))
	// LoadOptionsT is the System.Xml.Linq.LoadOptions enum (Go XMLLoadOptions).
	LoadOptionsT = dotnet.Register(dotnet.NewEnumType("LoadOptions", "System.Xml.Linq.LoadOptions", XMLLoadOptions(0)))
	// XmlNodeTypeT is the System.Xml.XmlNodeType enum (Go XMLNodeType).
	XmlNodeTypeT = dotnet.Register(dotnet.NewEnumType("XmlNodeType", "System.Xml.XmlNodeType", XMLNodeType(0)))
)

// XMLSaveOptions is System.Xml.Linq.SaveOptions.
type XMLSaveOptions int

// String returns the member name.
func (o XMLSaveOptions) String() string {
	return map[XMLSaveOptions]string{0: "None", 1: "DisableFormatting", 2: "OmitDuplicateNamespaces"}[o]
}

// XMLLoadOptions is System.Xml.Linq.LoadOptions.
type XMLLoadOptions int

// String returns the member name.
func (o XMLLoadOptions) String() string {
	return map[XMLLoadOptions]string{0: "None", 1: "PreserveWhitespace", 2: "SetBaseUri", 4: "SetLineInfo"}[o]
}

// XMLNodeType is System.Xml.XmlNodeType.
type XMLNodeType int

var xmlNodeTypeNames = map[XMLNodeType]string{0: "None", 1: "Element", 2: "Attribute", 3: "Text", 4: "CDATA",
	7: "ProcessingInstruction", 8: "Comment", 9: "Document", 13: "Whitespace", 17: "XmlDeclaration"}

// String returns the member name.
func (t XMLNodeType) String() string { return xmlNodeTypeNames[t] }

func xmlNodeType(v any) XMLNodeType {
	switch x := v.(type) {
	case *XElement:
		return 1
	case *XAttribute:
		return 2
	case *XText:
		if x.CData {
			return 4
		}
		return 3
	case *XProcessingInstruction:
		return 7
	case *XComment:
		return 8
	case *XDocument:
		return 9
	}
	return 0
}

// xmlArgName reads an XName argument: an XName, or a string converted as
// the implicit operator does.
func xmlArgName(v any) (XName, error) {
	switch x := v.(type) {
	case XName:
		return x, nil
	case string:
		if x == "" {
			return XName{}, dotnet.Throw("System.ArgumentException", "The empty string '' is not a valid local name.")
		}
		return ParseXName(x), nil
	case nil:
		return XName{}, dotnet.ArgumentNull("name")
	}
	return ParseXName(dotnet.ToString(v)), nil
}

func xmlCont(r any) *xmlContainer {
	switch x := r.(type) {
	case *XElement:
		return &x.xmlContainer
	case *XDocument:
		return &x.xmlContainer
	}
	return nil
}

func xmlElems(es []*XElement) []any {
	out := make([]any, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

func xmlOrNil[T comparable](v T) any {
	var zero T
	if v == zero {
		return nil
	}
	return v
}

func xmlNamed(fn func(c *xmlContainer, n *XName) []*XElement) func(r any, a []any) (any, error) {
	return func(r any, a []any) (any, error) {
		if len(a) == 0 {
			return xmlElems(fn(xmlCont(r), nil)), nil
		}
		n, err := xmlArgName(a[0])
		if err != nil {
			return nil, err
		}
		return xmlElems(fn(xmlCont(r), &n)), nil
	}
}

func xmlParamsArg(a []any) []any {
	if len(a) == 0 || a[0] == nil {
		return nil
	}
	if s, ok := a[0].([]any); ok {
		return s
	}
	return []any{a[0]}
}

// xmlNodeSiblings returns the parent's nodes and n's index.
func xmlNodeSiblings(n XNode) ([]XNode, int) {
	p := n.xmlParentRef()
	if p == nil {
		return nil, -1
	}
	for i, x := range p.nodes {
		if x == n {
			return p.nodes, i
		}
	}
	return nil, -1
}

func init() {
	seq := func(t *dotnet.Type) *dotnet.Type { return dotnet.Instantiate(dotnet.IEnumerable, t) }
	str := func(name string) dotnet.Param { return dotnet.ParamOf(name, dotnet.String) }
	nameP := dotnet.ParamOf("name", XNameT)

	XCDataT.Is = func(v any) bool { t, ok := v.(*XText); return ok && t.CData }

	XObjectT.AddProp(
		dotnet.NewProp("Parent", XElementT, func(r any) (any, error) {
			switch x := r.(type) {
			case *XAttribute:
				return xmlOrNil(x.parent), nil
			case XNode:
				return xmlOrNil(xmlParentElement(x.xmlParentRef())), nil
			}
			return nil, nil
		}),
		dotnet.NewProp("Document", XDocumentT, func(r any) (any, error) {
			var c *xmlContainer
			switch x := r.(type) {
			case *XAttribute:
				if x.parent != nil {
					c = x.parent.parent
				}
			case *XDocument:
				return x, nil
			case XNode:
				c = x.xmlParentRef()
			}
			for c != nil {
				if d, ok := c.owner.(*XDocument); ok {
					return d, nil
				}
				c = c.owner.(*XElement).parent
			}
			return nil, nil
		}),
		dotnet.NewProp("NodeType", XmlNodeTypeT, func(r any) (any, error) { return xmlNodeType(r), nil }),
	)
	XNodeT.AddProp(
		dotnet.NewProp("NextNode", XNodeT, func(r any) (any, error) {
			ns, i := xmlNodeSiblings(r.(XNode))
			if i < 0 || i+1 >= len(ns) {
				return nil, nil
			}
			return ns[i+1], nil
		}),
		dotnet.NewProp("PreviousNode", XNodeT, func(r any) (any, error) {
			ns, i := xmlNodeSiblings(r.(XNode))
			if i <= 0 {
				return nil, nil
			}
			return ns[i-1], nil
		}),
	)
	XNodeT.AddMethod(
		dotnet.MethodOf("Remove", dotnet.Void, func(r any, _ []any) (any, error) { return nil, XMLRemove(r.(XNode)) }),
		dotnet.MethodOf("ToString", dotnet.String, func(r any, _ []any) (any, error) { return XMLStringErr(r, true) }),
		dotnet.MethodOf("ToString", dotnet.String, func(r any, a []any) (any, error) {
			o, _ := a[0].(XMLSaveOptions)
			return XMLStringErr(r, o&1 == 0)
		}, dotnet.ParamOf("options", SaveOptionsT)),
		dotnet.MethodOf("AddAfterSelf", dotnet.Void, func(r any, a []any) (any, error) { return nil, xmlAddBeside(r.(XNode), 1, xmlParamsArg(a)) }, dotnet.ParamsArray("content", dotnet.Object)),
		dotnet.MethodOf("AddBeforeSelf", dotnet.Void, func(r any, a []any) (any, error) { return nil, xmlAddBeside(r.(XNode), 0, xmlParamsArg(a)) }, dotnet.ParamsArray("content", dotnet.Object)),
		dotnet.MethodOf("ReplaceWith", dotnet.Void, func(r any, a []any) (any, error) {
			n := r.(XNode)
			if err := xmlAddBeside(n, 1, xmlParamsArg(a)); err != nil {
				return nil, err
			}
			return nil, XMLRemove(n)
		}, dotnet.ParamsArray("content", dotnet.Object)),
		dotnet.MethodOf("Ancestors", seq(XElementT), func(r any, a []any) (any, error) {
			var out []any
			for e := xmlParentElement(r.(XNode).xmlParentRef()); e != nil; e = e.Parent() {
				out = append(out, e)
			}
			return out, nil
		}),
		dotnet.MethodOf("ElementsAfterSelf", seq(XElementT), func(r any, _ []any) (any, error) {
			ns, i := xmlNodeSiblings(r.(XNode))
			var out []any
			for k := i + 1; i >= 0 && k < len(ns); k++ {
				if e, ok := ns[k].(*XElement); ok {
					out = append(out, e)
				}
			}
			return out, nil
		}),
	)

	addContent := func(r any, a []any) (any, error) {
		for _, c := range xmlParamsArg(a) {
			if err := XMLAdd(xmlCont(r), c); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	XContainerT.AddProp(
		dotnet.NewProp("FirstNode", XNodeT, func(r any) (any, error) {
			if ns := xmlCont(r).nodes; len(ns) > 0 {
				return ns[0], nil
			}
			return nil, nil
		}),
		dotnet.NewProp("LastNode", XNodeT, func(r any) (any, error) {
			if ns := xmlCont(r).nodes; len(ns) > 0 {
				return ns[len(ns)-1], nil
			}
			return nil, nil
		}),
	)
	XContainerT.AddMethod(
		dotnet.MethodOf("Add", dotnet.Void, addContent, dotnet.ParamOf("content", dotnet.Object)),
		dotnet.MethodOf("Add", dotnet.Void, addContent, dotnet.ParamsArray("content", dotnet.Object)),
		dotnet.MethodOf("AddFirst", dotnet.Void, func(r any, a []any) (any, error) {
			k := 0
			c := xmlCont(r)
			for _, x := range xmlParamsArg(a) {
				before := len(c.nodes)
				if err := xmlAddAt(c, k, x); err != nil {
					return nil, err
				}
				k += len(c.nodes) - before
			}
			return nil, nil
		}, dotnet.ParamsArray("content", dotnet.Object)),
		dotnet.MethodOf("Element", XElementT, func(r any, a []any) (any, error) {
			n, err := xmlArgName(a[0])
			if err != nil {
				return nil, err
			}
			return xmlOrNil(xmlCont(r).Element(n)), nil
		}, nameP),
		dotnet.MethodOf("Elements", seq(XElementT), xmlNamed((*xmlContainer).Elements)),
		dotnet.MethodOf("Elements", seq(XElementT), xmlNamed((*xmlContainer).Elements), nameP),
		dotnet.MethodOf("Descendants", seq(XElementT), xmlNamed((*xmlContainer).Descendants)),
		dotnet.MethodOf("Descendants", seq(XElementT), xmlNamed((*xmlContainer).Descendants), nameP),
		dotnet.MethodOf("Nodes", seq(XNodeT), func(r any, _ []any) (any, error) {
			ns := xmlCont(r).nodes
			out := make([]any, len(ns))
			for i, n := range ns {
				out[i] = n
			}
			return out, nil
		}),
		dotnet.MethodOf("RemoveNodes", dotnet.Void, func(r any, _ []any) (any, error) { xmlCont(r).removeNodes(); return nil, nil }),
		dotnet.MethodOf("ReplaceNodes", dotnet.Void, func(r any, a []any) (any, error) {
			xmlCont(r).removeNodes()
			return addContent(r, a)
		}, dotnet.ParamsArray("content", dotnet.Object)),
	)

	X := XElementT
	newElement := func(_ any, a []any) (any, error) {
		n, err := xmlArgName(a[0])
		if err != nil {
			return nil, err
		}
		e := NewXElement(n)
		if len(a) > 1 {
			if _, err := addContent(e, a[1:]); err != nil {
				return nil, err
			}
		}
		return e, nil
	}
	X.Ctors = append(X.Ctors,
		dotnet.MethodOf(".ctor", XElementT, newElement, nameP),
		dotnet.MethodOf(".ctor", XElementT, func(_ any, a []any) (any, error) { return newElement(nil, []any{a[0], []any{a[1]}}) }, nameP, dotnet.ParamOf("content", dotnet.Object)),
		dotnet.MethodOf(".ctor", XElementT, newElement, nameP, dotnet.ParamsArray("content", dotnet.Object)),
		dotnet.MethodOf(".ctor", XElementT, func(_ any, a []any) (any, error) { return xmlCloneNode(a[0].(*XElement)), nil }, dotnet.ParamOf("other", XElementT)),
	)
	X.AddProp(
		&dotnet.Prop{Name: "Name", Type: XNameT, Get: func(r any) (any, error) { return r.(*XElement).name, nil },
			Set: func(r any, v any) error {
				n, err := xmlArgName(v)
				if err == nil {
					r.(*XElement).name = n
				}
				return err
			}},
		&dotnet.Prop{Name: "Value", Type: dotnet.String, Get: func(r any) (any, error) { return r.(*XElement).Value(), nil },
			Set: func(r any, v any) error {
				if v == nil {
					return dotnet.ArgumentNull("value")
				}
				r.(*XElement).SetValue(XMLText(v))
				return nil
			}},
		dotnet.NewProp("HasAttributes", dotnet.Boolean, func(r any) (any, error) { return len(r.(*XElement).attrs) > 0, nil }),
		dotnet.NewProp("HasElements", dotnet.Boolean, func(r any) (any, error) { return len(r.(*XElement).Elements(nil)) > 0, nil }),
		dotnet.NewProp("IsEmpty", dotnet.Boolean, func(r any) (any, error) { e := r.(*XElement); return len(e.nodes) == 0 && !e.open, nil }),
		dotnet.NewProp("FirstAttribute", XAttributeT, func(r any) (any, error) {
			if as := r.(*XElement).attrs; len(as) > 0 {
				return as[0], nil
			}
			return nil, nil
		}),
		dotnet.NewProp("LastAttribute", XAttributeT, func(r any) (any, error) {
			if as := r.(*XElement).attrs; len(as) > 0 {
				return as[len(as)-1], nil
			}
			return nil, nil
		}),
	)
	attrs := func(r any, a []any) (any, error) {
		var out []any
		var want *XName
		if len(a) > 0 {
			n, err := xmlArgName(a[0])
			if err != nil {
				return nil, err
			}
			want = &n
		}
		for _, at := range r.(*XElement).attrs {
			if want == nil || at.name == *want {
				out = append(out, at)
			}
		}
		return out, nil
	}
	selfAnd := func(fn func(c *xmlContainer, n *XName) []*XElement) func(r any, a []any) (any, error) {
		return func(r any, a []any) (any, error) {
			e := r.(*XElement)
			var want *XName
			if len(a) > 0 {
				n, err := xmlArgName(a[0])
				if err != nil {
					return nil, err
				}
				want = &n
			}
			var out []any
			if want == nil || e.name == *want {
				out = append(out, e)
			}
			return append(out, xmlElems(fn(&e.xmlContainer, want))...), nil
		}
	}
	X.AddMethod(
		dotnet.MethodOf("Attribute", XAttributeT, func(r any, a []any) (any, error) {
			n, err := xmlArgName(a[0])
			if err != nil {
				return nil, err
			}
			return xmlOrNil(r.(*XElement).Attribute(n)), nil
		}, nameP),
		dotnet.MethodOf("Attributes", seq(XAttributeT), attrs),
		dotnet.MethodOf("Attributes", seq(XAttributeT), attrs, nameP),
		dotnet.MethodOf("SetAttributeValue", dotnet.Void, func(r any, a []any) (any, error) {
			n, err := xmlArgName(a[0])
			if err != nil {
				return nil, err
			}
			r.(*XElement).SetAttributeValue(n, a[1])
			return nil, nil
		}, nameP, dotnet.ParamOf("value", dotnet.Object)),
		dotnet.MethodOf("SetElementValue", dotnet.Void, func(r any, a []any) (any, error) {
			n, err := xmlArgName(a[0])
			if err != nil {
				return nil, err
			}
			e := r.(*XElement)
			child := e.Element(n)
			switch {
			case a[1] == nil && child != nil:
				return nil, XMLRemove(child)
			case a[1] == nil:
			case child != nil:
				child.SetValue(XMLText(a[1]))
			default:
				c := NewXElement(n)
				c.SetValue(XMLText(a[1]))
				e.appendNode(c)
			}
			return nil, nil
		}, nameP, dotnet.ParamOf("value", dotnet.Object)),
		dotnet.MethodOf("SetValue", dotnet.Void, func(r any, a []any) (any, error) {
			if a[0] == nil {
				return nil, dotnet.ArgumentNull("value")
			}
			r.(*XElement).SetValue(XMLText(a[0]))
			return nil, nil
		}, dotnet.ParamOf("value", dotnet.Object)),
		dotnet.MethodOf("RemoveAttributes", dotnet.Void, func(r any, _ []any) (any, error) {
			e := r.(*XElement)
			for _, at := range append([]*XAttribute(nil), e.attrs...) {
				at.Remove()
			}
			return nil, nil
		}),
		dotnet.MethodOf("RemoveAll", dotnet.Void, func(r any, _ []any) (any, error) {
			e := r.(*XElement)
			for _, at := range append([]*XAttribute(nil), e.attrs...) {
				at.Remove()
			}
			e.removeNodes()
			return nil, nil
		}),
		dotnet.MethodOf("AncestorsAndSelf", seq(XElementT), func(r any, _ []any) (any, error) {
			var out []any
			for e := r.(*XElement); e != nil; e = e.Parent() {
				out = append(out, e)
			}
			return out, nil
		}),
		dotnet.MethodOf("DescendantsAndSelf", seq(XElementT), selfAnd((*xmlContainer).Descendants)),
		dotnet.MethodOf("DescendantsAndSelf", seq(XElementT), selfAnd((*xmlContainer).Descendants), nameP),
	)
	parseElement := func(_ any, a []any) (any, error) { return ParseXElement(dotnet.ToStringArg(a[0])) }
	X.AddStatic(
		dotnet.MethodOf("Parse", XElementT, parseElement, str("text")),
		dotnet.MethodOf("Parse", XElementT, parseElement, str("text"), dotnet.ParamOf("options", LoadOptionsT)),
	)

	D := XDocumentT
	D.Ctors = append(D.Ctors,
		dotnet.MethodOf(".ctor", XDocumentT, func(_ any, _ []any) (any, error) { return NewXDocument(), nil }),
		dotnet.MethodOf(".ctor", XDocumentT, func(_ any, a []any) (any, error) {
			d := NewXDocument()
			_, err := addContent(d, a)
			return d, err
		}, dotnet.ParamsArray("content", dotnet.Object)),
	)
	D.AddProp(dotnet.NewProp("Root", XElementT, func(r any) (any, error) { return xmlOrNil(r.(*XDocument).Root()), nil }))
	parseDoc := func(_ any, a []any) (any, error) { return ParseXDocument(dotnet.ToStringArg(a[0])) }
	D.AddStatic(
		dotnet.MethodOf("Parse", XDocumentT, parseDoc, str("text")),
		dotnet.MethodOf("Parse", XDocumentT, parseDoc, str("text"), dotnet.ParamOf("options", LoadOptionsT)),
	)

	A := XAttributeT
	A.Ctors = append(A.Ctors, dotnet.MethodOf(".ctor", XAttributeT, func(_ any, a []any) (any, error) {
		n, err := xmlArgName(a[0])
		if err != nil {
			return nil, err
		}
		if a[1] == nil {
			return nil, dotnet.ArgumentNull("value")
		}
		return &XAttribute{name: n, value: XMLText(a[1])}, nil
	}, nameP, dotnet.ParamOf("value", dotnet.Object)))
	A.AddProp(
		dotnet.NewProp("Name", XNameT, func(r any) (any, error) { return r.(*XAttribute).name, nil }),
		&dotnet.Prop{Name: "Value", Type: dotnet.String, Get: func(r any) (any, error) { return r.(*XAttribute).value, nil },
			Set: func(r any, v any) error {
				if v == nil {
					return dotnet.ArgumentNull("value")
				}
				r.(*XAttribute).value = XMLText(v)
				return nil
			}},
		dotnet.NewProp("IsNamespaceDeclaration", dotnet.Boolean, func(r any) (any, error) {
			n := r.(*XAttribute).name
			return n.Namespace == xmlnsURI || n.Namespace == "" && n.Local == "xmlns", nil
		}),
	)
	A.AddMethod(
		dotnet.MethodOf("Remove", dotnet.Void, func(r any, _ []any) (any, error) {
			a := r.(*XAttribute)
			if a.parent == nil {
				return nil, dotnet.Throw("System.InvalidOperationException", "The parent is missing.")
			}
			a.Remove()
			return nil, nil
		}),
		dotnet.MethodOf("SetValue", dotnet.Void, func(r any, a []any) (any, error) {
			if a[0] == nil {
				return nil, dotnet.ArgumentNull("value")
			}
			r.(*XAttribute).value = XMLText(a[0])
			return nil, nil
		}, dotnet.ParamOf("value", dotnet.Object)),
		dotnet.MethodOf("ToString", dotnet.String, func(r any, _ []any) (any, error) { return r.(*XAttribute).String(), nil }),
	)

	textValue := &dotnet.Prop{Name: "Value", Type: dotnet.String, Get: func(r any) (any, error) { return r.(*XText).Value, nil },
		Set: func(r any, v any) error { r.(*XText).Value = dotnet.ToStringArg(v); return nil }}
	XTextT.AddProp(textValue)
	XTextT.Ctors = append(XTextT.Ctors, dotnet.MethodOf(".ctor", XTextT, func(_ any, a []any) (any, error) { return &XText{Value: dotnet.ToStringArg(a[0])}, nil }, str("value")))
	XCDataT.Ctors = append(XCDataT.Ctors, dotnet.MethodOf(".ctor", XCDataT, func(_ any, a []any) (any, error) {
		return &XText{Value: dotnet.ToStringArg(a[0]), CData: true}, nil
	}, str("value")))
	XCommentT.AddProp(&dotnet.Prop{Name: "Value", Type: dotnet.String, Get: func(r any) (any, error) { return r.(*XComment).Value, nil },
		Set: func(r any, v any) error { r.(*XComment).Value = dotnet.ToStringArg(v); return nil }})
	XCommentT.Ctors = append(XCommentT.Ctors, dotnet.MethodOf(".ctor", XCommentT, func(_ any, a []any) (any, error) { return &XComment{Value: dotnet.ToStringArg(a[0])}, nil }, str("value")))
	XProcessingInstructionT.AddProp(
		dotnet.NewProp("Target", dotnet.String, func(r any) (any, error) { return r.(*XProcessingInstruction).Target, nil }),
		dotnet.NewProp("Data", dotnet.String, func(r any) (any, error) { return r.(*XProcessingInstruction).Data, nil }),
	)

	XNameT.ValueType = false
	XNameT.AddProp(
		dotnet.NewProp("LocalName", dotnet.String, func(r any) (any, error) { return r.(XName).Local, nil }),
		dotnet.NewProp("NamespaceName", dotnet.String, func(r any) (any, error) { return r.(XName).Namespace, nil }),
		dotnet.NewProp("Namespace", XNamespaceT, func(r any) (any, error) { return XNamespace{URI: r.(XName).Namespace}, nil }),
	)
	XNameT.AddMethod(dotnet.MethodOf("ToString", dotnet.String, func(r any, _ []any) (any, error) { return r.(XName).String(), nil }))
	XNameT.AddStatic(
		dotnet.MethodOf("Get", XNameT, func(_ any, a []any) (any, error) { return xmlArgName(a[0]) }, str("expandedName")),
		dotnet.MethodOf("Get", XNameT, func(_ any, a []any) (any, error) {
			return XName{Local: dotnet.ToStringArg(a[0]), Namespace: dotnet.ToStringArg(a[1])}, nil
		}, str("localName"), str("namespaceName")),
	)
	XNamespaceT.AddProp(dotnet.NewProp("NamespaceName", dotnet.String, func(r any) (any, error) { return r.(XNamespace).URI, nil }))
	XNamespaceT.AddMethod(
		dotnet.MethodOf("GetName", XNameT, func(r any, a []any) (any, error) {
			return XName{Namespace: r.(XNamespace).URI, Local: dotnet.ToStringArg(a[0])}, nil
		}, str("localName")),
		dotnet.MethodOf("ToString", dotnet.String, func(r any, _ []any) (any, error) { return r.(XNamespace).URI, nil }),
	)
	XNamespaceT.AddStatic(
		dotnet.MethodOf("Get", XNamespaceT, func(_ any, a []any) (any, error) { return XNamespace{URI: dotnet.ToStringArg(a[0])}, nil }, str("namespaceName")),
		// op_Addition is XNamespace + string, which yields an XName.
		dotnet.MethodOf("op_Addition", XNameT, func(_ any, a []any) (any, error) {
			ns, _ := a[0].(XNamespace)
			return XName{Namespace: ns.URI, Local: dotnet.ToStringArg(a[1])}, nil
		}, dotnet.ParamOf("ns", XNamespaceT), str("localName")),
	)
	for name, v := range map[string]XNamespace{"None": {}, "Xml": {URI: xmlURI}, "Xmlns": {URI: xmlnsURI}} {
		XNamespaceT.AddStaticProp(&dotnet.Prop{Name: name, Type: XNamespaceT, Get: func(any) (any, error) { return v, nil }})
	}
	for n, s := range map[XMLSaveOptions]string{0: "None", 1: "DisableFormatting", 2: "OmitDuplicateNamespaces"} {
		SaveOptionsT.AddStaticProp(&dotnet.Prop{Name: s, Type: SaveOptionsT, Get: func(any) (any, error) { return n, nil }})
	}
	for n, s := range map[XMLLoadOptions]string{0: "None", 1: "PreserveWhitespace", 2: "SetBaseUri", 4: "SetLineInfo"} {
		LoadOptionsT.AddStaticProp(&dotnet.Prop{Name: s, Type: LoadOptionsT, Get: func(any) (any, error) { return n, nil }})
	}
	for n, s := range xmlNodeTypeNames {
		XmlNodeTypeT.AddStaticProp(&dotnet.Prop{Name: s, Type: XmlNodeTypeT, Get: func(any) (any, error) { return n, nil }})
	}

	// Implicit string -> XName / XNamespace, and the explicit conversions
	// (string)element, (int)attribute, ...
	dotnet.AddConversion(dotnet.String, XNameT, func(v any) (any, error) {
		if v == nil {
			return nil, nil
		}
		return xmlArgName(v)
	})
	dotnet.AddConversion(dotnet.String, XNamespaceT, func(v any) (any, error) { return XNamespace{URI: dotnet.ToStringArg(v)}, nil })
	for _, from := range []*dotnet.Type{XElementT, XAttributeT} {
		for _, n := range []string{"String", "Boolean", "Int32", "Int64", "Double", "Decimal", "DateTime", "Guid", "TimeSpan"} {
			to := dotnet.Lookup(n)
			if to == nil {
				continue
			}
			dotnet.AddConversion(from, to, func(v any) (any, error) { return XMLConvert(v, to) })
			if to.ValueType {
				nt := dotnet.NullableOf(to)
				dotnet.AddConversion(from, nt, func(v any) (any, error) { return XMLConvert(v, nt) })
			}
		}
	}
}

// XMLConvert is the explicit conversion of an XElement or XAttribute to a
// .NET type ((string)element, (int?)attribute, ...), reading the value as
// XmlConvert does.
func XMLConvert(v any, target *dotnet.Type) (any, error) {
	under := target
	if target.Nullable && len(target.Args) == 1 {
		under = target.Args[0]
	}
	var s string
	switch x := v.(type) {
	case nil:
		if target.Nullable || !target.ValueType {
			return nil, nil
		}
		return nil, dotnet.ArgumentNull("element")
	case *XElement:
		s = x.Value()
	case *XAttribute:
		s = x.value
	default:
		return nil, dotnet.InvalidCast(dotnet.TypeOf(v).FullName, target.FullName)
	}
	switch under.FullName {
	case "System.String":
		return s, nil
	case "System.Boolean":
		switch strings.TrimSpace(s) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, dotnet.FormatError("The string '" + s + "' is not a valid Boolean value.")
	case "System.Double":
		switch strings.TrimSpace(s) {
		case "INF":
			return dotnet.InvariantChangeType("Infinity", under)
		case "-INF":
			return dotnet.InvariantChangeType("-Infinity", under)
		}
	}
	return dotnet.InvariantChangeType(s, under)
}

// xmlAddBeside inserts content after (delta 1) or before (delta 0) n.
func xmlAddBeside(n XNode, delta int, content []any) error {
	p := n.xmlParentRef()
	if p == nil {
		return dotnet.Throw("System.InvalidOperationException", "The parent is missing.")
	}
	_, i := xmlNodeSiblings(n)
	at := i + delta
	for _, c := range content {
		before := len(p.nodes)
		if err := xmlAddAt(p, at, c); err != nil {
			return err
		}
		at += len(p.nodes) - before
	}
	return nil
}
