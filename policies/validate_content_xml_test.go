package policies

import (
	"strings"
	"testing"

	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies/xsd"
)

func TestCheckXML(t *testing.T) {
	const env11 = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">`
	const env12 = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">`
	for _, tc := range []struct {
		name, body string
		soap       bool
		want       string // "" for accepted; else a part of the message
		line, col  int
	}{
		{"plain", `<?xml version="1.0"?><a x="1"><b>t</b><c/></a>`, false, "", 0, 0},
		{"declared Latin-1", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xe9</a>", false, "", 0, 0},
		{"unclosed", "<a>\n  <b></a>", false, "not well-formed XML: element <b> closed by </a>", 2, 10},
		{"two roots", "<a/>\n<b/>", false, "multiple root elements", 2, 2},
		{"text after the root", "<a/> x", false, "text outside the root element", 1, 6},
		{"no root", "  ", false, "no root element", 1, 3},
		{"DTD", `<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`, false, "DTD", 1, 2},
		{"unknown entity", `<a>&x;</a>`, false, "not well-formed XML", 1, 7},
		{"too deep", strings.Repeat("<a>", 65) + strings.Repeat("</a>", 65), false, "nested more than 64 deep", 1, 194},
		{"64 deep", strings.Repeat("<a>", 64) + strings.Repeat("</a>", 64), false, "", 0, 0},
		{"SOAP 1.1", env11 + `<s:Header/><s:Body><m:Get xmlns:m="urn:x"/></s:Body></s:Envelope>`, true, "", 0, 0},
		{"SOAP 1.2 without Header", env12 + "\n <s:Body><m:Get xmlns:m=\"urn:x\"/></s:Body>\n</s:Envelope>", true, "", 0, 0},
		{"SOAP 1.1 element after Body", env11 + `<s:Body/><x:Extra xmlns:x="urn:x"/></s:Envelope>`, true, "", 0, 0},
		{"SOAP 1.2 element after Body", env12 + `<s:Body/><x:Extra xmlns:x="urn:x"/></s:Envelope>`, true, "{urn:x}Extra is not allowed", 1, 73},
		{"not an envelope", `<Envelope><Body/></Envelope>`, true, "The root element is Envelope, not a SOAP Envelope", 1, 2},
		{"wrong namespace", `<s:Envelope xmlns:s="urn:other"><s:Body/></s:Envelope>`, true, "{urn:other}Envelope, not a SOAP Envelope", 1, 2},
		{"no Body", env11 + `<s:Header/></s:Envelope>`, true, "no Body element", 1, 89},
		{"two Bodies", env11 + `<s:Body/><s:Body/></s:Envelope>`, true, "more than one Body", 1, 75},
		{"Header after Body", env11 + `<s:Body/><s:Header/></s:Envelope>`, true, "Header element must come once, before the Body", 1, 75},
		{"text in the envelope", env11 + `hello<s:Body/></s:Envelope>`, true, "text directly inside the SOAP Envelope", 1, 65},
		{"malformed SOAP", env11 + `<s:Body></s:Envelope>`, true, "not well-formed XML", 1, 86},
	} {
		p := checkXML([]byte(tc.body), tc.soap)
		switch {
		case tc.want == "" && p != nil:
			t.Errorf("%s: refused: %s (line %d, position %d)", tc.name, p.msg, p.line, p.col)
		case tc.want != "" && p == nil:
			t.Errorf("%s: accepted, want %q", tc.name, tc.want)
		case p != nil && (!strings.Contains(p.msg, tc.want) || p.line != tc.line || p.col != tc.col):
			t.Errorf("%s: got %q at %d:%d, want %q at %d:%d", tc.name, p.msg, p.line, p.col, tc.want, tc.line, tc.col)
		}
	}
}

// TestValidateContentXMLWarnsAtLoad checks the load warning of xml and soap
// <content> elements, with the position of each.
func TestValidateContentXMLWarnsAtLoad(t *testing.T) {
	src := "<validate-content unspecified-content-type-action=\"prevent\" max-size=\"1024\" size-exceeded-action=\"prevent\">\n" +
		"  <content type=\"application/xml\" validate-as=\"xml\" action=\"prevent\" />\n" +
		"  <content type=\"text/xml\" validate-as=\"soap\" schema-id=\"s\" action=\"detect\" />\n" +
		"  <content type=\"application/json\" validate-as=\"json\" action=\"prevent\" />\n</validate-content>"
	diags := LintFile("t.xml", []byte(src), LintOptions{Scope: ScopeAPI}).Problems
	type want struct {
		line int
		text string
	}
	wants := []want{{2, `validate-as="xml": PolicyGate checks that the body is well-formed XML, but validation against the API's own definition (WSDL or OpenAPI) is not supported; give a schema-id`}}
	if !xsd.Available { // the schema-id of the soap content cannot be used either
		wants = []want{{2, `validate-as="xml": PolicyGate checks that the body is well-formed XML, but validation against an XML schema is not supported by this build`},
			{3, `validate-as="soap": PolicyGate checks that the body is a well-formed SOAP 1.1 or 1.2 envelope, but validation against an XML schema is not supported by this build`}}
	}
	if len(diags) != len(wants) {
		t.Fatalf("diagnostics %v, want %d warnings", diags, len(wants))
	}
	for i, want := range wants {
		d := diags[i]
		if d.Severity != parser.SeverityWarning || d.Code != parser.CodeNotImplemented || d.Pos.Line != want.line || d.Pos.Col != 3 || !strings.Contains(d.Msg, want.text) {
			t.Errorf("diagnostic %d: %v, want a not_implemented warning at %d:3 saying %q", i, d, want.line, want.text)
		}
	}
}

// FuzzCheckXML: any body gets an answer (never a panic), a refusal has a
// position inside the body, and a body accepted as SOAP has an Envelope
// root in a SOAP namespace.
func FuzzCheckXML(f *testing.F) {
	for _, s := range []string{`<a/>`, `<a><b>t</b></a>`, `<!DOCTYPE a><a/>`, "<a>\n<b></a>",
		`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/><s:Body><x/></s:Body></s:Envelope>`,
		`<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, soap bool) {
		p := checkXML(body, soap)
		if p == nil {
			if soap && !strings.Contains(string(body), "Envelope") {
				t.Fatalf("%q accepted as a SOAP envelope", body)
			}
			return
		}
		lines := 1 + strings.Count(string(body), "\n")
		if p.line < 1 || p.line > lines || p.col < 1 || p.msg == "" {
			t.Fatalf("%q: problem %+v outside the body (%d lines)", body, p, lines)
		}
	})
}
