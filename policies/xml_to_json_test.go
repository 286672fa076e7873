package policies

import (
	"bytes"
	"testing"
)

func TestXMLToJSON(t *testing.T) {
	const soap = `<?xml version="1.0"?><s:Envelope xmlns:s="urn:s"><s:Body><r id="7">hi</r></s:Body></s:Envelope>`
	tests := []convCase{
		{
			name:   "direct: repeated children, attributes, empty elements",
			policy: `<xml-to-json kind="direct" apply="always" consider-accept-header="false" />`,
			body:   "<order id=\"1\">\n  <item>a</item>\n  <item>b</item>\n  <note/>\n  <total>3</total>\n</order>",
			sec:    Outbound,
			want:   `{"order":{"@id":"1","item":["a","b"],"note":null,"total":"3"}}`,
			wantCT: "application/json",
		},
		{
			name:   "direct keeps prefixes and declarations",
			policy: `<xml-to-json kind="direct" apply="always" consider-accept-header="false" />`,
			body:   soap,
			sec:    Outbound,
			want:   `{"s:Envelope":{"@xmlns:s":"urn:s","s:Body":{"r":{"@id":"7","#text":"hi"}}}}`,
			wantCT: "application/json",
		},
		{
			name:   "javascript-friendly drops prefixes, declarations and @",
			policy: `<xml-to-json kind="javascript-friendly" apply="always" consider-accept-header="false" />`,
			body:   soap,
			sec:    Outbound,
			want:   `{"Envelope":{"Body":{"r":{"id":"7","#text":"hi"}}}}`,
			wantCT: "application/json",
		},
		{
			name:   "always-array-child-elements",
			policy: `<xml-to-json kind="javascript-friendly" apply="always" consider-accept-header="false" always-array-child-elements="true" />`,
			body:   `<a><b>1</b><c><d>2</d><d>3</d></c></a>`,
			sec:    Outbound,
			want:   `{"a":{"b":["1"],"c":[{"d":["2","3"]}]}}`,
			wantCT: "application/json",
		},
		{
			name:   "three repeated children stay one array",
			policy: `<xml-to-json kind="direct" apply="always" consider-accept-header="false" />`,
			body:   `<a><b>1</b><c/><b>2</b><b>3</b></a>`,
			sec:    Outbound,
			want:   `{"a":{"b":["1","2","3"],"c":null}}`,
			wantCT: "application/json",
		},
		{
			name:   "root text only",
			policy: `<xml-to-json kind="direct" apply="always" consider-accept-header="false" />`,
			body:   `<a>x &amp; y</a>`,
			sec:    Inbound,
			want:   `{"a":"x & y"}`,
			wantCT: "application/json",
		},
		{
			name:   "content-type-xml skips json",
			policy: `<xml-to-json kind="direct" apply="content-type-xml" consider-accept-header="false" />`,
			body:   `<a/>`, ct: "application/json",
			sec:    Outbound,
			want:   `<a/>`,
			wantCT: "application/json",
		},
		{
			name:   "content-type-xml converts text/xml",
			policy: `<xml-to-json kind="direct" apply="content-type-xml" consider-accept-header="false" />`,
			body:   `<a/>`, ct: "text/xml; charset=utf-8",
			sec:    Outbound,
			want:   `{"a":null}`,
			wantCT: "application/json",
		},
		{
			name:   "accept asks for json",
			policy: `<xml-to-json kind="direct" apply="always" />`,
			body:   `<a>1</a>`, accept: "application/json",
			sec:    Outbound,
			want:   `{"a":"1"}`,
			wantCT: "application/json",
		},
		{
			name:   "accept does not ask for json",
			policy: `<xml-to-json kind="direct" apply="always" consider-accept-header="true" />`,
			body:   `<a>1</a>`, accept: "application/xml",
			sec:    Outbound,
			want:   `<a>1</a>`,
			wantCT: "application/xml",
		},
		{
			name:   "invalid XML passes unchanged",
			policy: `<xml-to-json kind="direct" apply="always" consider-accept-header="false" />`,
			body:   `<a><b></a>`,
			sec:    Outbound,
			want:   `<a><b></a>`,
			wantCT: "application/xml",
		},
	}
	runConvCases(t, "application/xml", tests)
}

func TestXMLToJSONOnErrorActsOnResponse(t *testing.T) {
	var buf bytes.Buffer
	r := convTestRun(OnError, &buf)
	convSetBody(r, true, `<req/>`, "application/xml")
	convSetBody(r, false, `<resp/>`, "application/xml")
	if err := convCompileOne(t, OnError, `<xml-to-json kind="direct" apply="always" consider-accept-header="false" />`).Exec(r); err != nil {
		t.Fatal(err)
	}
	if got := string(r.Ctx.Request.Body.Bytes()); got != `<req/>` {
		t.Errorf("request body changed: %s", got)
	}
	if got := string(r.Ctx.Response.Body.Bytes()); got != `{"resp":null}` {
		t.Errorf("response body %s", got)
	}
}
