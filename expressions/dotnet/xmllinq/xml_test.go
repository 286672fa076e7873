package xmllinq

import (
	"strings"
	"testing"

	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/expressions/dotnet/dotnettest"
)

func mustXML(t *testing.T, s string) *XElement {
	t.Helper()
	e, err := ParseXElement(s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return e
}

func TestXMLToString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"indented children", `<a><b>1</b><c x="y"/></a>`, "<a>\n  <b>1</b>\n  <c x=\"y\" />\n</a>"},
		{"insignificant whitespace dropped", "<a>\n   <b> x </b>\n   <c></c>\n<d>  </d></a>", "<a>\n  <b> x </b>\n  <c></c>\n  <d></d>\n</a>"},
		{"mixed content not indented", `<a>text<b><c/></b>tail</a>`, `<a>text<b><c /></b>tail</a>`},
		{"escaping", `<a t="&quot;&lt;&amp;&gt;">1 &lt; 2 &amp;&amp; 3 &gt; 2</a>`, `<a t="&quot;&lt;&amp;&gt;">1 &lt; 2 &amp;&amp; 3 &gt; 2</a>`},
		{"prefixes kept", `<soap:Envelope xmlns:soap="http://s"><soap:Body><x xmlns="urn:x"><y/></x></soap:Body></soap:Envelope>`,
			"<soap:Envelope xmlns:soap=\"http://s\">\n  <soap:Body>\n    <x xmlns=\"urn:x\">\n      <y />\n    </x>\n  </soap:Body>\n</soap:Envelope>"},
		{"comments", `<a><!-- c --><b/></a>`, "<a>\n  <!-- c -->\n  <b />\n</a>"},
		{"cdata becomes text", `<a><![CDATA[x<y]]></a>`, `<a>x&lt;y</a>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustXML(t, tc.in).String(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
	d, err := ParseXDocument("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<r><v>1</v></r>")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.String(), "<r>\n  <v>1</v>\n</r>"; got != want {
		t.Errorf("XDocument.ToString() = %q, want %q", got, want)
	}
	if d.Declaration != `<?xml version="1.0" encoding="utf-8"?>` || d.Root().Name().Local != "r" {
		t.Errorf("declaration %q root %v", d.Declaration, d.Root())
	}
	if got := XMLString(mustXML(t, `<a><b>1</b></a>`), false); got != `<a><b>1</b></a>` {
		t.Errorf("DisableFormatting: %q", got)
	}
}

func TestXMLParseErrors(t *testing.T) {
	for _, in := range []string{"", "  ", "<a>", "<a></b>", "<a/><b/>", "text"} {
		t.Run(in, func(t *testing.T) {
			_, err := ParseXElement(in)
			e, ok := err.(*dotnet.Exception)
			if !ok || e.Type != "System.Xml.XmlException" {
				t.Fatalf("got %v, want an XmlException", err)
			}
		})
	}
	if _, err := ParseXElement(""); err.(*dotnet.Exception).Message != "Root element is missing." {
		t.Errorf("empty: %v", err)
	}
}

func TestXMLMembers(t *testing.T) {
	doc := dotnettest.MustCall(t, XDocumentT, nil, "Parse", `<r xmlns="urn:u"><Value>1</Value><k a="5"><Value>2</Value></k></r>`).(*XDocument)
	root := doc.Root()
	if dotnettest.MustCall(t, XElementT, root, "Element", "Value") != nil {
		t.Error("Element(\"Value\") must not match a namespaced element")
	}
	if e := dotnettest.MustCall(t, XElementT, root, "Element", "{urn:u}Value"); e == nil || e.(*XElement).Value() != "1" {
		t.Errorf("Element({urn:u}Value) = %v", e)
	}
	all := dotnettest.MustCall(t, XElementT, root, "Descendants").([]any)
	var locals []string
	for _, e := range all {
		n, _ := XNameT.FindProp("LocalName").Get(e.(*XElement).Name())
		locals = append(locals, n.(string))
	}
	if strings.Join(locals, ",") != "Value,k,Value" {
		t.Errorf("Descendants: %v", locals)
	}
	if v, _ := XElementT.FindProp("Value").Get(root); v != "12" {
		t.Errorf("Value = %v", v)
	}
	k := root.Elements(nil)[1]
	attr := dotnettest.MustCall(t, XElementT, k, "Attribute", "a")
	if n, err := dotnet.FindConversion(XAttributeT, dotnet.Int32)(attr); err != nil || n != int32(5) {
		t.Errorf("(int)attr = %v, %v", n, err)
	}
	if s, err := dotnet.FindConversion(XElementT, dotnet.String)(k); err != nil || s != "2" {
		t.Errorf("(string)element = %v, %v", s, err)
	}
	if s, err := dotnet.FindConversion(XElementT, dotnet.String)(nil); err != nil || s != nil {
		t.Errorf("(string)null = %v, %v", s, err)
	}
	if p, _ := XObjectT.FindProp("Parent").Get(k); p != root {
		t.Error("Parent")
	}

	// Building elements in code.
	e := dotnettest.MustNew(t, XElementT, "root", []any{
		dotnettest.MustNew(t, XElementT, "a", []any{int32(1)}),
		dotnettest.MustNew(t, XAttributeT, "id", true),
		[]any{dotnettest.MustNew(t, XElementT, "b", []any{2.5}), dotnettest.MustNew(t, XElementT, "c")},
	}).(*XElement)
	dotnettest.MustCall(t, XElementT, e, "SetAttributeValue", "x", "q\"")
	dotnettest.MustCall(t, XElementT, e, "SetElementValue", "d", "text")
	dotnettest.MustCall(t, XElementT, e, "SetElementValue", "a", nil)
	want := "<root id=\"true\" x=\"q&quot;\">\n  <b>2.5</b>\n  <c />\n  <d>text</d>\n</root>"
	if got := e.String(); got != want {
		t.Errorf("built:\n%s\nwant\n%s", got, want)
	}
	c := e.Element(XName{Local: "c"})
	if err := XElementT.FindProp("Value").Set(c, ""); err != nil || c.String() != "<c></c>" {
		t.Errorf("Value = \"\": %s %v", c, err)
	}
	if err := XMLRemove(c); err != nil || e.Element(XName{Local: "c"}) != nil {
		t.Error("Remove")
	}
	ns := XName{Namespace: "urn:n", Local: "x"}
	built := NewXElement(ns)
	built.appendNode(NewXElement(XName{Namespace: "urn:n", Local: "y"}))
	built.appendNode(NewXElement(XName{Local: "z"}))
	if got, want := built.String(), "<x xmlns=\"urn:n\">\n  <y />\n  <z xmlns=\"\" />\n</x>"; got != want {
		t.Errorf("namespaces:\n%s\nwant\n%s", got, want)
	}
	if len(built.Attributes()) != 0 {
		t.Error("writing must not add attributes")
	}
}
