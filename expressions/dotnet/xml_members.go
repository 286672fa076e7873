package dotnet

import (
	"reflect"
	"strings"
)

// The LINQ-to-XML types (System.Xml.Linq).
var (
	// XObjectT is System.Xml.Linq.XObject, the base of nodes and attributes.
	XObjectT = Register(NewType("XObject", "System.Xml.Linq.XObject", Object, nil))
	// XNodeT is System.Xml.Linq.XNode.
	XNodeT = Register(NewType("XNode", "System.Xml.Linq.XNode", XObjectT, nil))
	// XContainerT is System.Xml.Linq.XContainer (XElement, XDocument).
	XContainerT = Register(NewType("XContainer", "System.Xml.Linq.XContainer", XNodeT, nil))
	// XElementT is System.Xml.Linq.XElement (Go *XElement).
	XElementT = Register(NewType("XElement", "System.Xml.Linq.XElement", XContainerT, reflect.TypeOf((*XElement)(nil))))
	// XDocumentT is System.Xml.Linq.XDocument (Go *XDocument).
	XDocumentT = Register(NewType("XDocument", "System.Xml.Linq.XDocument", XContainerT, reflect.TypeOf((*XDocument)(nil))))
	// XAttributeT is System.Xml.Linq.XAttribute (Go *XAttribute).
	XAttributeT = Register(NewType("XAttribute", "System.Xml.Linq.XAttribute", XObjectT, reflect.TypeOf((*XAttribute)(nil))))
	// XTextT is System.Xml.Linq.XText (Go *XText).
	XTextT = Register(NewType("XText", "System.Xml.Linq.XText", XNodeT, reflect.TypeOf((*XText)(nil))))
	// XCDataT is System.Xml.Linq.XCData (Go *XText with CData set).
	XCDataT = Register(NewType("XCData", "System.Xml.Linq.XCData", XTextT, nil))
	// XCommentT is System.Xml.Linq.XComment (Go *XComment).
	XCommentT = Register(NewType("XComment", "System.Xml.Linq.XComment", XNodeT, reflect.TypeOf((*XComment)(nil))))
	// XProcessingInstructionT is System.Xml.Linq.XProcessingInstruction.
	XProcessingInstructionT = Register(NewType("XProcessingInstruction", "System.Xml.Linq.XProcessingInstruction", XNodeT, reflect.TypeOf((*XProcessingInstruction)(nil))))
	// XNameT is System.Xml.Linq.XName (Go XName).
	XNameT = Register(NewType("XName", "System.Xml.Linq.XName", Object, reflect.TypeOf(XName{})))
	// XNamespaceT is System.Xml.Linq.XNamespace (Go XNamespace).
	XNamespaceT = Register(NewType("XNamespace", "System.Xml.Linq.XNamespace", Object, reflect.TypeOf(XNamespace{})))
	// SaveOptionsT is the System.Xml.Linq.SaveOptions enum (Go XMLSaveOptions).
	SaveOptionsT = Register(jsonEnumType("SaveOptions", "System.Xml.Linq.SaveOptions", reflect.TypeOf(XMLSaveOptions(0))))
	// LoadOptionsT is the System.Xml.Linq.LoadOptions enum (Go XMLLoadOptions).
	LoadOptionsT = Register(jsonEnumType("LoadOptions", "System.Xml.Linq.LoadOptions", reflect.TypeOf(XMLLoadOptions(0))))
	// XmlNodeTypeT is the System.Xml.XmlNodeType enum (Go XMLNodeType).
	XmlNodeTypeT = Register(jsonEnumType("XmlNodeType", "System.Xml.XmlNodeType", reflect.TypeOf(XMLNodeType(0))))
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
			return XName{}, Throw("System.ArgumentException", "The empty string '' is not a valid local name.")
		}
		return ParseXName(x), nil
	case nil:
		return XName{}, ArgumentNull("name")
	}
	return ParseXName(ToString(v)), nil
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
	seq := func(t *Type) *Type { return Instantiate(IEnumerable, t) }
	str := func(name string) Param { return jsonParam(name, String) }
	nameP := jsonParam("name", XNameT)

	XCDataT.Is = func(v any) bool { t, ok := v.(*XText); return ok && t.CData }

	XObjectT.AddProp(
		jsonGetter("Parent", XElementT, func(r any) (any, error) {
			switch x := r.(type) {
			case *XAttribute:
				return xmlOrNil(x.parent), nil
			case XNode:
				return xmlOrNil(xmlParentElement(x.xmlParentRef())), nil
			}
			return nil, nil
		}),
		jsonGetter("Document", XDocumentT, func(r any) (any, error) {
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
		jsonGetter("NodeType", XmlNodeTypeT, func(r any) (any, error) { return xmlNodeType(r), nil }),
	)
	XNodeT.AddProp(
		jsonGetter("NextNode", XNodeT, func(r any) (any, error) {
			ns, i := xmlNodeSiblings(r.(XNode))
			if i < 0 || i+1 >= len(ns) {
				return nil, nil
			}
			return ns[i+1], nil
		}),
		jsonGetter("PreviousNode", XNodeT, func(r any) (any, error) {
			ns, i := xmlNodeSiblings(r.(XNode))
			if i <= 0 {
				return nil, nil
			}
			return ns[i-1], nil
		}),
	)
	XNodeT.AddMethod(
		jsonMethod("Remove", Void, func(r any, _ []any) (any, error) { return nil, XMLRemove(r.(XNode)) }),
		jsonMethod("ToString", String, func(r any, _ []any) (any, error) { return XMLStringErr(r, true) }),
		jsonMethod("ToString", String, func(r any, a []any) (any, error) {
			o, _ := a[0].(XMLSaveOptions)
			return XMLStringErr(r, o&1 == 0)
		}, jsonParam("options", SaveOptionsT)),
		jsonMethod("AddAfterSelf", Void, func(r any, a []any) (any, error) { return nil, xmlAddBeside(r.(XNode), 1, xmlParamsArg(a)) }, jsonParams("content", Object)),
		jsonMethod("AddBeforeSelf", Void, func(r any, a []any) (any, error) { return nil, xmlAddBeside(r.(XNode), 0, xmlParamsArg(a)) }, jsonParams("content", Object)),
		jsonMethod("ReplaceWith", Void, func(r any, a []any) (any, error) {
			n := r.(XNode)
			if err := xmlAddBeside(n, 1, xmlParamsArg(a)); err != nil {
				return nil, err
			}
			return nil, XMLRemove(n)
		}, jsonParams("content", Object)),
		jsonMethod("Ancestors", seq(XElementT), func(r any, a []any) (any, error) {
			var out []any
			for e := xmlParentElement(r.(XNode).xmlParentRef()); e != nil; e = e.Parent() {
				out = append(out, e)
			}
			return out, nil
		}),
		jsonMethod("ElementsAfterSelf", seq(XElementT), func(r any, _ []any) (any, error) {
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
		jsonGetter("FirstNode", XNodeT, func(r any) (any, error) {
			if ns := xmlCont(r).nodes; len(ns) > 0 {
				return ns[0], nil
			}
			return nil, nil
		}),
		jsonGetter("LastNode", XNodeT, func(r any) (any, error) {
			if ns := xmlCont(r).nodes; len(ns) > 0 {
				return ns[len(ns)-1], nil
			}
			return nil, nil
		}),
	)
	XContainerT.AddMethod(
		jsonMethod("Add", Void, addContent, jsonParam("content", Object)),
		jsonMethod("Add", Void, addContent, jsonParams("content", Object)),
		jsonMethod("AddFirst", Void, func(r any, a []any) (any, error) {
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
		}, jsonParams("content", Object)),
		jsonMethod("Element", XElementT, func(r any, a []any) (any, error) {
			n, err := xmlArgName(a[0])
			if err != nil {
				return nil, err
			}
			return xmlOrNil(xmlCont(r).Element(n)), nil
		}, nameP),
		jsonMethod("Elements", seq(XElementT), xmlNamed((*xmlContainer).Elements)),
		jsonMethod("Elements", seq(XElementT), xmlNamed((*xmlContainer).Elements), nameP),
		jsonMethod("Descendants", seq(XElementT), xmlNamed((*xmlContainer).Descendants)),
		jsonMethod("Descendants", seq(XElementT), xmlNamed((*xmlContainer).Descendants), nameP),
		jsonMethod("Nodes", seq(XNodeT), func(r any, _ []any) (any, error) {
			ns := xmlCont(r).nodes
			out := make([]any, len(ns))
			for i, n := range ns {
				out[i] = n
			}
			return out, nil
		}),
		jsonMethod("RemoveNodes", Void, func(r any, _ []any) (any, error) { xmlCont(r).removeNodes(); return nil, nil }),
		jsonMethod("ReplaceNodes", Void, func(r any, a []any) (any, error) {
			xmlCont(r).removeNodes()
			return addContent(r, a)
		}, jsonParams("content", Object)),
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
		jsonMethod(".ctor", XElementT, newElement, nameP),
		jsonMethod(".ctor", XElementT, func(_ any, a []any) (any, error) { return newElement(nil, []any{a[0], []any{a[1]}}) }, nameP, jsonParam("content", Object)),
		jsonMethod(".ctor", XElementT, newElement, nameP, jsonParams("content", Object)),
		jsonMethod(".ctor", XElementT, func(_ any, a []any) (any, error) { return xmlCloneNode(a[0].(*XElement)), nil }, jsonParam("other", XElementT)),
	)
	X.AddProp(
		&Prop{Name: "Name", Type: XNameT, Get: func(r any) (any, error) { return r.(*XElement).name, nil },
			Set: func(r any, v any) error {
				n, err := xmlArgName(v)
				if err == nil {
					r.(*XElement).name = n
				}
				return err
			}},
		&Prop{Name: "Value", Type: String, Get: func(r any) (any, error) { return r.(*XElement).Value(), nil },
			Set: func(r any, v any) error {
				if v == nil {
					return ArgumentNull("value")
				}
				r.(*XElement).SetValue(XMLText(v))
				return nil
			}},
		jsonGetter("HasAttributes", Boolean, func(r any) (any, error) { return len(r.(*XElement).attrs) > 0, nil }),
		jsonGetter("HasElements", Boolean, func(r any) (any, error) { return len(r.(*XElement).Elements(nil)) > 0, nil }),
		jsonGetter("IsEmpty", Boolean, func(r any) (any, error) { e := r.(*XElement); return len(e.nodes) == 0 && !e.open, nil }),
		jsonGetter("FirstAttribute", XAttributeT, func(r any) (any, error) {
			if as := r.(*XElement).attrs; len(as) > 0 {
				return as[0], nil
			}
			return nil, nil
		}),
		jsonGetter("LastAttribute", XAttributeT, func(r any) (any, error) {
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
		jsonMethod("Attribute", XAttributeT, func(r any, a []any) (any, error) {
			n, err := xmlArgName(a[0])
			if err != nil {
				return nil, err
			}
			return xmlOrNil(r.(*XElement).Attribute(n)), nil
		}, nameP),
		jsonMethod("Attributes", seq(XAttributeT), attrs),
		jsonMethod("Attributes", seq(XAttributeT), attrs, nameP),
		jsonMethod("SetAttributeValue", Void, func(r any, a []any) (any, error) {
			n, err := xmlArgName(a[0])
			if err != nil {
				return nil, err
			}
			r.(*XElement).SetAttributeValue(n, a[1])
			return nil, nil
		}, nameP, jsonParam("value", Object)),
		jsonMethod("SetElementValue", Void, func(r any, a []any) (any, error) {
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
		}, nameP, jsonParam("value", Object)),
		jsonMethod("SetValue", Void, func(r any, a []any) (any, error) {
			if a[0] == nil {
				return nil, ArgumentNull("value")
			}
			r.(*XElement).SetValue(XMLText(a[0]))
			return nil, nil
		}, jsonParam("value", Object)),
		jsonMethod("RemoveAttributes", Void, func(r any, _ []any) (any, error) {
			e := r.(*XElement)
			for _, at := range append([]*XAttribute(nil), e.attrs...) {
				at.Remove()
			}
			return nil, nil
		}),
		jsonMethod("RemoveAll", Void, func(r any, _ []any) (any, error) {
			e := r.(*XElement)
			for _, at := range append([]*XAttribute(nil), e.attrs...) {
				at.Remove()
			}
			e.removeNodes()
			return nil, nil
		}),
		jsonMethod("AncestorsAndSelf", seq(XElementT), func(r any, _ []any) (any, error) {
			var out []any
			for e := r.(*XElement); e != nil; e = e.Parent() {
				out = append(out, e)
			}
			return out, nil
		}),
		jsonMethod("DescendantsAndSelf", seq(XElementT), selfAnd((*xmlContainer).Descendants)),
		jsonMethod("DescendantsAndSelf", seq(XElementT), selfAnd((*xmlContainer).Descendants), nameP),
	)
	parseElement := func(_ any, a []any) (any, error) { return ParseXElement(jsonArgString(a[0])) }
	X.AddStatic(
		jsonMethod("Parse", XElementT, parseElement, str("text")),
		jsonMethod("Parse", XElementT, parseElement, str("text"), jsonParam("options", LoadOptionsT)),
	)

	D := XDocumentT
	D.Ctors = append(D.Ctors,
		jsonMethod(".ctor", XDocumentT, func(_ any, _ []any) (any, error) { return NewXDocument(), nil }),
		jsonMethod(".ctor", XDocumentT, func(_ any, a []any) (any, error) {
			d := NewXDocument()
			_, err := addContent(d, a)
			return d, err
		}, jsonParams("content", Object)),
	)
	D.AddProp(jsonGetter("Root", XElementT, func(r any) (any, error) { return xmlOrNil(r.(*XDocument).Root()), nil }))
	parseDoc := func(_ any, a []any) (any, error) { return ParseXDocument(jsonArgString(a[0])) }
	D.AddStatic(
		jsonMethod("Parse", XDocumentT, parseDoc, str("text")),
		jsonMethod("Parse", XDocumentT, parseDoc, str("text"), jsonParam("options", LoadOptionsT)),
	)

	A := XAttributeT
	A.Ctors = append(A.Ctors, jsonMethod(".ctor", XAttributeT, func(_ any, a []any) (any, error) {
		n, err := xmlArgName(a[0])
		if err != nil {
			return nil, err
		}
		if a[1] == nil {
			return nil, ArgumentNull("value")
		}
		return &XAttribute{name: n, value: XMLText(a[1])}, nil
	}, nameP, jsonParam("value", Object)))
	A.AddProp(
		jsonGetter("Name", XNameT, func(r any) (any, error) { return r.(*XAttribute).name, nil }),
		&Prop{Name: "Value", Type: String, Get: func(r any) (any, error) { return r.(*XAttribute).value, nil },
			Set: func(r any, v any) error {
				if v == nil {
					return ArgumentNull("value")
				}
				r.(*XAttribute).value = XMLText(v)
				return nil
			}},
		jsonGetter("IsNamespaceDeclaration", Boolean, func(r any) (any, error) {
			n := r.(*XAttribute).name
			return n.Namespace == xmlnsURI || n.Namespace == "" && n.Local == "xmlns", nil
		}),
	)
	A.AddMethod(
		jsonMethod("Remove", Void, func(r any, _ []any) (any, error) {
			a := r.(*XAttribute)
			if a.parent == nil {
				return nil, Throw("System.InvalidOperationException", "The parent is missing.")
			}
			a.Remove()
			return nil, nil
		}),
		jsonMethod("SetValue", Void, func(r any, a []any) (any, error) {
			if a[0] == nil {
				return nil, ArgumentNull("value")
			}
			r.(*XAttribute).value = XMLText(a[0])
			return nil, nil
		}, jsonParam("value", Object)),
		jsonMethod("ToString", String, func(r any, _ []any) (any, error) { return r.(*XAttribute).String(), nil }),
	)

	textValue := &Prop{Name: "Value", Type: String, Get: func(r any) (any, error) { return r.(*XText).Value, nil },
		Set: func(r any, v any) error { r.(*XText).Value = jsonArgString(v); return nil }}
	XTextT.AddProp(textValue)
	XTextT.Ctors = append(XTextT.Ctors, jsonMethod(".ctor", XTextT, func(_ any, a []any) (any, error) { return &XText{Value: jsonArgString(a[0])}, nil }, str("value")))
	XCDataT.Ctors = append(XCDataT.Ctors, jsonMethod(".ctor", XCDataT, func(_ any, a []any) (any, error) {
		return &XText{Value: jsonArgString(a[0]), CData: true}, nil
	}, str("value")))
	XCommentT.AddProp(&Prop{Name: "Value", Type: String, Get: func(r any) (any, error) { return r.(*XComment).Value, nil },
		Set: func(r any, v any) error { r.(*XComment).Value = jsonArgString(v); return nil }})
	XCommentT.Ctors = append(XCommentT.Ctors, jsonMethod(".ctor", XCommentT, func(_ any, a []any) (any, error) { return &XComment{Value: jsonArgString(a[0])}, nil }, str("value")))
	XProcessingInstructionT.AddProp(
		jsonGetter("Target", String, func(r any) (any, error) { return r.(*XProcessingInstruction).Target, nil }),
		jsonGetter("Data", String, func(r any) (any, error) { return r.(*XProcessingInstruction).Data, nil }),
	)

	XNameT.ValueType = false
	XNameT.AddProp(
		jsonGetter("LocalName", String, func(r any) (any, error) { return r.(XName).Local, nil }),
		jsonGetter("NamespaceName", String, func(r any) (any, error) { return r.(XName).Namespace, nil }),
		jsonGetter("Namespace", XNamespaceT, func(r any) (any, error) { return XNamespace{URI: r.(XName).Namespace}, nil }),
	)
	XNameT.AddMethod(jsonMethod("ToString", String, func(r any, _ []any) (any, error) { return r.(XName).String(), nil }))
	XNameT.AddStatic(
		jsonMethod("Get", XNameT, func(_ any, a []any) (any, error) { return xmlArgName(a[0]) }, str("expandedName")),
		jsonMethod("Get", XNameT, func(_ any, a []any) (any, error) {
			return XName{Local: jsonArgString(a[0]), Namespace: jsonArgString(a[1])}, nil
		}, str("localName"), str("namespaceName")),
	)
	XNamespaceT.AddProp(jsonGetter("NamespaceName", String, func(r any) (any, error) { return r.(XNamespace).URI, nil }))
	XNamespaceT.AddMethod(
		jsonMethod("GetName", XNameT, func(r any, a []any) (any, error) {
			return XName{Namespace: r.(XNamespace).URI, Local: jsonArgString(a[0])}, nil
		}, str("localName")),
		jsonMethod("ToString", String, func(r any, _ []any) (any, error) { return r.(XNamespace).URI, nil }),
	)
	XNamespaceT.AddStatic(
		jsonMethod("Get", XNamespaceT, func(_ any, a []any) (any, error) { return XNamespace{URI: jsonArgString(a[0])}, nil }, str("namespaceName")),
		// op_Addition is XNamespace + string, which yields an XName.
		jsonMethod("op_Addition", XNameT, func(_ any, a []any) (any, error) {
			ns, _ := a[0].(XNamespace)
			return XName{Namespace: ns.URI, Local: jsonArgString(a[1])}, nil
		}, jsonParam("ns", XNamespaceT), str("localName")),
	)
	for name, v := range map[string]XNamespace{"None": {}, "Xml": {URI: xmlURI}, "Xmlns": {URI: xmlnsURI}} {
		XNamespaceT.AddStaticProp(&Prop{Name: name, Type: XNamespaceT, Get: func(any) (any, error) { return v, nil }})
	}
	for n, s := range map[XMLSaveOptions]string{0: "None", 1: "DisableFormatting", 2: "OmitDuplicateNamespaces"} {
		SaveOptionsT.AddStaticProp(&Prop{Name: s, Type: SaveOptionsT, Get: func(any) (any, error) { return n, nil }})
	}
	for n, s := range map[XMLLoadOptions]string{0: "None", 1: "PreserveWhitespace", 2: "SetBaseUri", 4: "SetLineInfo"} {
		LoadOptionsT.AddStaticProp(&Prop{Name: s, Type: LoadOptionsT, Get: func(any) (any, error) { return n, nil }})
	}
	for n, s := range xmlNodeTypeNames {
		XmlNodeTypeT.AddStaticProp(&Prop{Name: s, Type: XmlNodeTypeT, Get: func(any) (any, error) { return n, nil }})
	}

	// Implicit string -> XName / XNamespace, and the explicit conversions
	// (string)element, (int)attribute, ...
	AddConversion(String, XNameT, func(v any) (any, error) {
		if v == nil {
			return nil, nil
		}
		return xmlArgName(v)
	})
	AddConversion(String, XNamespaceT, func(v any) (any, error) { return XNamespace{URI: jsonArgString(v)}, nil })
	for _, from := range []*Type{XElementT, XAttributeT} {
		for _, n := range []string{"String", "Boolean", "Int32", "Int64", "Double", "Decimal", "DateTime", "Guid", "TimeSpan"} {
			to := Lookup(n)
			if to == nil {
				continue
			}
			AddConversion(from, to, func(v any) (any, error) { return XMLConvert(v, to) })
			if to.ValueType {
				nt := NullableOf(to)
				AddConversion(from, nt, func(v any) (any, error) { return XMLConvert(v, nt) })
			}
		}
	}
}

// XMLConvert is the explicit conversion of an XElement or XAttribute to a
// .NET type ((string)element, (int?)attribute, ...), reading the value as
// XmlConvert does.
func XMLConvert(v any, target *Type) (any, error) {
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
		return nil, ArgumentNull("element")
	case *XElement:
		s = x.Value()
	case *XAttribute:
		s = x.value
	default:
		return nil, InvalidCast(TypeOf(v).FullName, target.FullName)
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
		return nil, FormatError("The string '" + s + "' is not a valid Boolean value.")
	case "System.Double":
		switch strings.TrimSpace(s) {
		case "INF":
			return jsonChangeType("Infinity", under)
		case "-INF":
			return jsonChangeType("-Infinity", under)
		}
	}
	return jsonChangeType(s, under)
}

// xmlAddBeside inserts content after (delta 1) or before (delta 0) n.
func xmlAddBeside(n XNode, delta int, content []any) error {
	p := n.xmlParentRef()
	if p == nil {
		return Throw("System.InvalidOperationException", "The parent is missing.")
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
