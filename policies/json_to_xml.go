package policies

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"unicode"

	"github.com/policygate/policygate/expressions"

	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/expressions/dotnet/xmllinq"
	"github.com/policygate/policygate/parser"
)

// json-to-xml converts the request body (inbound) or the response body
// (outbound, on-error) from JSON to XML:
//
//	<json-to-xml apply="always|content-type-json"
//	    consider-accept-header="true|false"
//	    parse-date="true|false"
//	    namespace-separator="_" namespace-prefix="xmlns"
//	    attribute-block-name="#attrs" />
//
// The conversion follows Newtonsoft's DeserializeXmlNode with the root
// element <Document> (spec policies.md §2.37):
//
//   - an object property becomes an element named after it; a null or an
//     empty object becomes an empty element <name />;
//   - an array repeats the element once per item (an empty array writes
//     nothing); a top-level array writes one <Array> per item;
//   - names that are not XML names are encoded as XmlConvert.EncodeName
//     does ("first name" → first_x0020_name, "1a" → _x0031_a);
//   - properties named "@x" and the properties of the attribute-block-name
//     object become attributes of the enclosing element, "#text" becomes
//     its text;
//   - with namespace-prefix set, properties whose names start with it become
//     namespace declarations (xmlns…); a name "p<sep>local" whose prefix p
//     is declared in scope becomes the qualified name p:local;
//   - booleans are true/false, numbers as written; ISO-8601 date strings
//     are read as dates (an offset moves the instant to the gateway's zone,
//     UTC) and written in ISO 8601, unless parse-date="false", which copies
//     them as written.
//
// The result is compact XML without a declaration, Content-Type becomes
// application/xml. A body that is not JSON is left unchanged (APIM's
// behaviour is not documented; project decision) and a warning is logged.
type jsonToXML struct {
	apply, acceptHeader, sep, nsPrefix, attrBlock *Value
	parseDate                                     bool
}

var _ Step = (*jsonToXML)(nil)

func init() { Register("json-to-xml", newJSONToXML) }

func newJSONToXML(el *parser.Element, c *Compiler) (Step, error) {
	s := &jsonToXML{
		apply:        c.Attr(el, "apply", KindString),
		acceptHeader: c.Attr(el, "consider-accept-header", KindBool),
		sep:          c.Attr(el, "namespace-separator", KindString),
		nsPrefix:     c.Attr(el, "namespace-prefix", KindString),
		attrBlock:    c.Attr(el, "attribute-block-name", KindString),
		parseDate:    true,
	}
	if v := c.Attr(el, "parse-date", KindBool); v.Present {
		if lit, ok := v.Literal(); ok {
			s.parseDate = !strings.EqualFold(lit, "false")
		}
	}
	return s, nil
}

func (s *jsonToXML) Exec(r *Run) error {
	apply, err := s.apply.StringOr(r, "always")
	if err != nil {
		return err
	}
	considerAccept, err := s.acceptHeader.Bool(r, true)
	if err != nil {
		return err
	}
	m := bodyMessageOf(r)
	if len(m.bodyBytes()) == 0 {
		return nil
	}
	if strings.EqualFold(apply, "content-type-json") && !strings.Contains(strings.ToLower(m.contentType()), "json") {
		return nil
	}
	if considerAccept && !acceptAsks(r, "xml") {
		return nil
	}
	sep, err := s.sep.StringOr(r, "_")
	if err != nil {
		return err
	}
	prefix, err := s.nsPrefix.StringOr(r, "")
	if err != nil {
		return err
	}
	block, err := s.attrBlock.StringOr(r, "")
	if err != nil {
		return err
	}
	in := m.bodyBytes()
	tok, err := dotnet.ParseJSON(string(in), dotnet.ParseJToken)
	if err != nil {
		logConversionFailure(r, "json-to-xml", err)
		return nil
	}
	cv := &jsonXMLWriter{sep: sep, prefix: prefix, block: block, ctx: r.Context}
	if !s.parseDate {
		cv.dates = originalDates(in, tok)
	}
	cv.document(tok)
	if cv.err != nil {
		return requestGone(r, cv.err)
	}
	m.set([]byte(cv.b.String()), "application/xml")
	return nil
}

// jsonXMLWriter writes XML text while walking a JSON token tree.
type jsonXMLWriter struct {
	b                  strings.Builder
	sep, prefix, block string
	scopes             []map[string]bool // declared namespace prefixes per open element
	// dates maps date values to their text as written (parse-date="false").
	dates map[*dotnet.JValue]string
	// ctx is the request's: the writer stops (err) when it ends.
	ctx  context.Context
	seen int
	err  error
}

func (w *jsonXMLWriter) document(t dotnet.JToken) {
	switch x := t.(type) {
	case *dotnet.JArray:
		w.b.WriteString("<Document>")
		for _, it := range x.Items() {
			w.element("Array", it)
		}
		w.b.WriteString("</Document>")
	default:
		w.element("Document", t)
	}
}

// element writes <name>value</name> (arrays are expanded by the caller).
func (w *jsonXMLWriter) element(name string, t dotnet.JToken) {
	if w.seen++; w.seen&1023 == 0 && w.ctx != nil && w.err == nil {
		w.err = w.ctx.Err()
	}
	if w.err != nil {
		return
	}
	if a, ok := t.(*dotnet.JArray); ok {
		for _, it := range a.Items() {
			w.element(name, it)
		}
		return
	}
	obj, _ := t.(*dotnet.JObject)
	var attrs [][2]string
	decl := map[string]bool{}
	var text *string
	var children []*dotnet.JProperty
	if obj != nil {
		for _, p := range obj.Properties() {
			n := p.Name()
			switch {
			case w.block != "" && n == w.block:
				if b, ok := p.Value().(*dotnet.JObject); ok {
					for _, q := range b.Properties() {
						attrs = append(attrs, [2]string{q.Name(), w.text(q.Value())})
					}
					continue
				}
				children = append(children, p)
			case w.prefix != "" && strings.HasPrefix(n, w.prefix):
				rest := strings.TrimPrefix(n, w.prefix)
				if w.sep != "" {
					rest = strings.TrimPrefix(rest, w.sep)
				}
				rest = strings.TrimPrefix(rest, ":")
				an := "xmlns"
				if rest != "" {
					an += ":" + rest
					decl[rest] = true
				}
				attrs = append(attrs, [2]string{an, w.text(p.Value())})
			case strings.HasPrefix(n, "@") && len(n) > 1:
				an := n[1:]
				if p, ok := strings.CutPrefix(an, "xmlns:"); ok {
					decl[p] = true
				}
				attrs = append(attrs, [2]string{an, w.text(p.Value())})
			case n == "#text":
				s := w.text(p.Value())
				text = &s
			default:
				children = append(children, p)
			}
		}
	}
	w.scopes = append(w.scopes, decl)
	defer func() { w.scopes = w.scopes[:len(w.scopes)-1] }()
	qn := w.xmlName(name)
	w.b.WriteString("<" + qn)
	for _, a := range attrs {
		w.b.WriteString(" " + w.xmlName(a[0]) + `="`)
		xmlEscapeTo(&w.b, a[1], true)
		w.b.WriteByte('"')
	}
	var content string
	if obj == nil {
		content = w.text(t)
	}
	if len(children) == 0 && text == nil && content == "" {
		w.b.WriteString(" />")
		return
	}
	w.b.WriteByte('>')
	if text != nil {
		xmlEscapeTo(&w.b, *text, false)
	}
	xmlEscapeTo(&w.b, content, false)
	for _, p := range children {
		w.element(p.Name(), p.Value())
	}
	w.b.WriteString("</" + qn + ">")
}

func (w *jsonXMLWriter) declared(prefix string) bool {
	if prefix == "xmlns" || prefix == "xml" {
		return true
	}
	for _, s := range w.scopes {
		if s[prefix] {
			return true
		}
	}
	return false
}

// xmlName turns a JSON property name into an XML name: a declared prefix
// (before ":" or the namespace separator) is kept, everything else is
// encoded as XmlConvert.EncodeLocalName does.
func (w *jsonXMLWriter) xmlName(n string) string {
	for _, sep := range []string{":", w.sep} {
		if sep == "" {
			continue
		}
		if p, local, ok := strings.Cut(n, sep); ok && p != "" && local != "" && w.declared(p) {
			return encodeXMLName(p) + ":" + encodeXMLName(local)
		}
	}
	return encodeXMLName(n)
}

// encodeXMLName is XmlConvert.EncodeLocalName: characters that cannot
// appear in an XML name become _xHHHH_.
func encodeXMLName(n string) string {
	if n == "" {
		return "_"
	}
	var b strings.Builder
	for i, c := range n {
		ok := unicode.IsLetter(c) || c == '_'
		if i > 0 {
			ok = ok || unicode.IsDigit(c) || c == '.' || c == '-' || unicode.Is(unicode.Mn, c)
		}
		if ok {
			b.WriteRune(c)
			continue
		}
		if c > 0xFFFF {
			fmt.Fprintf(&b, "_x%08X_", c)
		} else {
			fmt.Fprintf(&b, "_x%04X_", c)
		}
	}
	return b.String()
}

// text is the text of a JSON value inside an element or attribute.
func (w *jsonXMLWriter) text(t dotnet.JToken) string {
	v, ok := t.(*dotnet.JValue)
	if !ok {
		if t == nil {
			return ""
		}
		return dotnet.JSONString(t, dotnet.FormattingNone)
	}
	switch v.Type() {
	case dotnet.JTokenNull, dotnet.JTokenUndefined:
		return ""
	case dotnet.JTokenDate:
		if raw, ok := w.dates[v]; ok {
			return raw
		}
		return xmllinq.XMLText(v.Value())
	case dotnet.JTokenBoolean, dotnet.JTokenFloat:
		return xmllinq.XMLText(v.Value())
	}
	return v.String()
}

// originalDates finds the text as written of every date value of tok, for
// parse-date="false": ParseJSON reads ISO-8601 strings as dates (and moves
// offsets to the gateway's zone), so their text is recovered from the
// source. The string tokens of in (names and values, in document order)
// are matched with those of the tree; when they do not line up (duplicate
// names, or JSON that only Newtonsoft's lenient reader accepts) nil is
// returned and dates are written in ISO 8601.
func originalDates(in []byte, tok dotnet.JToken) map[*dotnet.JValue]string {
	var raw []string
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	for {
		t, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil
		}
		if s, ok := t.(string); ok {
			raw = append(raw, s)
		}
	}
	dates := map[*dotnet.JValue]string{}
	i := 0
	var walk func(t dotnet.JToken) bool
	walk = func(t dotnet.JToken) bool {
		switch x := t.(type) {
		case *dotnet.JObject:
			for _, p := range x.Properties() {
				if i >= len(raw) || raw[i] != p.Name() {
					return false
				}
				i++
				if !walk(p.Value()) {
					return false
				}
			}
		case *dotnet.JArray:
			for _, it := range x.Items() {
				if !walk(it) {
					return false
				}
			}
		case *dotnet.JValue:
			switch x.Type() {
			case dotnet.JTokenString:
				if i >= len(raw) || raw[i] != x.String() {
					return false
				}
				i++
			case dotnet.JTokenDate:
				if i >= len(raw) {
					return false
				}
				dates[x] = raw[i]
				i++
			}
		}
		return true
	}
	if !walk(tok) || i != len(raw) {
		return nil
	}
	return dates
}

// xmlEscapeTo writes s escaped for element text or (attr) an attribute.
func xmlEscapeTo(b *strings.Builder, s string, attr bool) {
	for _, c := range s {
		switch {
		case c == '<':
			b.WriteString("&lt;")
		case c == '>':
			b.WriteString("&gt;")
		case c == '&':
			b.WriteString("&amp;")
		case c == '"' && attr:
			b.WriteString("&quot;")
		case (c == '\n' || c == '\r' || c == '\t') && attr:
			fmt.Fprintf(b, "&#x%X;", c)
		default:
			b.WriteRune(c)
		}
	}
}

// ---- helpers shared by json-to-xml and xml-to-json ----

// bodyMessage is the body a conversion acts on: the request's in inbound and
// backend, the response's in outbound and on-error.
type bodyMessage struct {
	r   *Run
	req bool
}

func bodyMessageOf(r *Run) bodyMessage { return bodyMessage{r: r, req: r.IsRequestSection()} }

func (m bodyMessage) headers() *expressions.Headers {
	if m.req {
		if m.r.Ctx.Request == nil {
			return nil
		}
		return m.r.Ctx.Request.Headers
	}
	if m.r.Ctx.Response == nil {
		return nil
	}
	return m.r.Ctx.Response.Headers
}

func (m bodyMessage) contentType() string {
	if h := m.headers(); h != nil {
		if v, ok := h.Values("Content-Type"); ok {
			return strings.Join(v, ",")
		}
	}
	return ""
}

// bodyBytes returns the current body, nil when there is none (or it was
// consumed by an expression without preserveContent).
func (m bodyMessage) bodyBytes() []byte {
	var b *expressions.Body
	if m.req {
		if m.r.Ctx.Request != nil {
			b = m.r.Ctx.Request.Body
		}
	} else if m.r.Ctx.Response != nil {
		b = m.r.Ctx.Response.Body
	}
	if b == nil {
		return nil
	}
	return b.Bytes()
}

// set replaces the body and its Content-Type; Content-Length is dropped
// so that whoever sends the message computes it again.
func (m bodyMessage) set(body []byte, ct string) {
	nb := expressions.NewBody(body)
	if m.req {
		m.r.Ctx.Request.Body = nb
	} else {
		m.r.Ctx.Response.Body = nb
	}
	h := m.headers()
	if h == nil {
		h = expressions.NewHeaders(nil)
		if m.req {
			m.r.Ctx.Request.Headers = h
		} else {
			m.r.Ctx.Response.Headers = h
		}
	}
	for k := range h.H {
		if strings.EqualFold(k, "Content-Type") || strings.EqualFold(k, "Content-Length") {
			delete(h.H, k)
		}
	}
	h.H.Set("Content-Type", ct)
}

// acceptAsks reports whether the client's Accept header asks for a media
// type containing kind ("xml", "json"): consider-accept-header="true"
// converts only then.
func acceptAsks(r *Run, kind string) bool {
	if r.Ctx.Request == nil || r.Ctx.Request.Headers == nil {
		return false
	}
	v, ok := r.Ctx.Request.Headers.Values("Accept")
	if !ok {
		return false
	}
	for _, a := range v {
		for _, t := range strings.Split(a, ",") {
			mt, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(t)), ";")
			if strings.HasSuffix(mt, "/"+kind) || strings.HasSuffix(mt, "+"+kind) {
				return true
			}
		}
	}
	return false
}

// logConversionFailure records a body that could not be converted (it is
// passed on unchanged).
func logConversionFailure(r *Run, policy string, err error) {
	if r.Env != nil && r.Env.Logger != nil {
		r.Env.Logger.LogAttrs(r, slog.LevelWarn, policy+": body left unchanged", slog.String("policy", policy), slog.String("error", err.Error()))
	}
}
