package policies

import (
	"net/http"
	"strings"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// cross-domain answers Adobe Flash and Microsoft Silverlight clients'
// request for /crossdomain.xml with the policy file the element holds.
//
//	<cross-domain>
//	    <cross-domain-policy>
//	        <allow-http-request-headers-from domain="*" headers="*" />
//	    </cross-domain-policy>
//	</cross-domain>
//
// A request whose path ends in /crossdomain.xml gets 200 text/xml with the
// <cross-domain-policy> document (its markup as written); any other request
// goes on. Only requests that reach a policy document run it; the bare
// /crossdomain.xml, which matches no API, is answered by the gateway with
// the global document's inbound cross-domain (GlobalCrossDomain).
type crossDomain struct{ body []byte }

var _ Step = (*crossDomain)(nil)

func init() { Register("cross-domain", compileCrossDomain) }

func compileCrossDomain(el *parser.Element, c *Compiler) (Step, error) {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\n<!DOCTYPE cross-domain-policy SYSTEM \"http://www.adobe.com/xml/dtds/cross-domain-policy.dtd\">\n")
	found := false
	for _, ch := range el.Children {
		if ch.Name == "cross-domain-policy" {
			writeElement(&b, ch)
			found = true
		}
	}
	if !found {
		c.Errorf(el.Pos, parser.CodeBadStructure, "<cross-domain> needs a <cross-domain-policy>")
	}
	return &crossDomain{body: []byte(b.String())}, nil
}

// writeElement writes an element back as XML, attribute values and text as
// written in the source.
func writeElement(b *strings.Builder, el *parser.Element) {
	b.WriteString("<" + el.Name)
	for _, a := range el.Attrs {
		if a.Value != nil {
			b.WriteString(" " + a.Name + "=\"" + strings.ReplaceAll(a.Value.Raw, `"`, "&quot;") + "\"")
		}
	}
	if len(el.Children) == 0 && (el.Text == nil || strings.TrimSpace(el.Text.Raw) == "") {
		b.WriteString(" />")
		return
	}
	b.WriteString(">")
	if el.Text != nil && len(el.Children) == 0 {
		b.WriteString(el.Text.Raw)
	}
	for _, ch := range el.Children {
		writeElement(b, ch)
	}
	b.WriteString("</" + el.Name + ">")
}

// Exec answers a policy file request.
func (s *crossDomain) Exec(r *Run) error {
	req := r.Ctx.Request
	if req == nil || req.OriginalURL == nil || !strings.HasSuffix(strings.ToLower(req.OriginalURL.Path), "/crossdomain.xml") {
		return nil
	}
	r.Ctx.Response = &expressions.Response{StatusCode: http.StatusOK, StatusReason: "OK",
		Headers: expressions.NewHeaders(http.Header{"Content-Type": {"text/xml"}}),
		Body:    expressions.NewBody(append([]byte(nil), s.body...))}
	return ErrReturnResponse
}

// GlobalCrossDomain returns the policy file of the first <cross-domain> in
// the inbound section of a global policy document (nil when it has none),
// for the gateway's answer to a bare /crossdomain.xml no API matches.
func GlobalCrossDomain(doc *parser.Document) []byte {
	if doc == nil || doc.Root == nil {
		return nil
	}
	for _, sec := range doc.Root.Children {
		if sec.Name != "inbound" {
			continue
		}
		for _, el := range sec.Children {
			if el.Name == "cross-domain" {
				st, _ := compileCrossDomain(el, &Compiler{})
				return st.(*crossDomain).body
			}
		}
	}
	return nil
}
