package policies

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"golang.org/x/net/html/charset"

	"github.com/policygate/policygate/policies/xsd"
)

// validate-as="xml" and validate-as="soap".
//
// What PolicyGate checks, for every body a <content> of these kinds applies
// to: that it is well-formed XML (one root element, no DTD, nesting at most
// maxValidatedXMLDepth deep) and, for soap, that it is a SOAP 1.1 or 1.2
// envelope (an Envelope root in the SOAP namespace, at most one Header
// before exactly one Body, nothing but whitespace as text). A body that
// fails is an IncorrectMessage error with its line and position, under the
// <content>'s action.
//
// With schema-id, the body (for soap: each element inside the Body) is
// then validated against that XML schema of the configuration (libxml2,
// package xsd); an invalid one is an IncorrectMessage error with libxml2's
// message and line (Position 0 when libxml2 gives none).
//
// What it does not do: validate against the API's own definition (a WSDL,
// which the APIOps loader does not read, or an OpenAPI document, whose
// schemas are JSON schemas), nor against any schema in a build without
// cgo. Such a body does not pass silently: with prevent it fails closed
// (500, LastError Source validate-content, Reason NotSupported), with
// detect it is logged (and put in errors-variable-name) as a
// ValidationException.

// maxValidatedXMLDepth bounds the element nesting of a validated body, as
// the JSON reader's MaxDepth (64) does for JSON.
const maxValidatedXMLDepth = 64

// The SOAP envelope namespaces.
const (
	soap11Namespace = "http://schemas.xmlsoap.org/soap/envelope/"
	soap12Namespace = "http://www.w3.org/2003/05/soap-envelope"
)

// xmlProblem is why a body is not acceptable XML, and where.
type xmlProblem struct {
	msg       string
	line, col int
}

// validateXML runs one xml or soap <content> rule on a non-empty body.
func (s *validateContent) validateXML(r *Run, v *validationRun, rule *contentRule, act string, body []byte, ct, kind, what string, mt *openapi3.MediaType) error {
	def := rule.schemaID + rule.schemaRef
	if def == "" {
		def = "(none)"
		if mt != nil && mt.Schema != nil {
			def = mediaTypeDefinition(r, mt.Schema)
		}
	}
	if p := checkXML(body, rule.validateAs == "soap"); p != nil {
		e := validationError{Name: ct, Type: kind, Rule: "IncorrectMessage",
			Details: "Body of the " + what + " does not conform to the definition " + def + ", which is associated with the content type " + ct + ". " +
				p.msg + " Line: " + strconv.Itoa(p.line) + ", Position: " + strconv.Itoa(p.col)}
		if r.IsRequestSection() {
			e.Public = e.Details
		}
		return v.add(r, act, e)
	}
	if rule.schemaID != "" && xsd.Available {
		var sch *xsd.Schema
		if r.Env != nil && r.Env.XMLSchemas != nil {
			sch = r.Env.XMLSchemas(rule.schemaID)
		}
		if sch == nil {
			return v.add(r, act, validationError{Name: ct, Type: kind, Rule: "MissingDefinition",
				Details: "API's schema does not contain definition " + def + ", which is associated with the content type " + ct + "."})
		}
		err := sch.Validate(body, rule.validateAs == "soap")
		if err == nil {
			return nil
		}
		msg, line, col := err.Error(), 0, 0
		var xe *xsd.Error
		if errors.As(err, &xe) {
			msg, line, col = xe.Msg, xe.Line, xe.Col
		}
		e := validationError{Name: ct, Type: kind, Rule: "IncorrectMessage",
			Details: "Body of the " + what + " does not conform to the definition " + def + ", which is associated with the content type " + ct + ". " +
				msg + " Line: " + strconv.Itoa(line) + ", Position: " + strconv.Itoa(col)}
		if r.IsRequestSection() {
			e.Public = e.Details
		}
		return v.add(r, act, e)
	}
	if rule.schemaID == "" && (mt == nil || mt.Schema == nil) {
		return v.add(r, act, validationError{Name: ct, Type: kind, Rule: "MissingDefinition",
			Details: "API's schema does not contain definition (none), which is associated with the content type " + ct + "."})
	}
	e := validationError{Name: ct, Type: kind, Rule: "ValidationException",
		Details: "Body of the " + what + " cannot be validated for the content type " + ct + ". " + xmlSchemaUnsupported(rule.validateAs)}
	if act == actPrevent {
		v.errs = append(v.errs, validationError{Name: e.Name, Type: e.Type, Rule: e.Rule, Details: e.Details, Action: act})
		return &Error{Source: "validate-content", Reason: "NotSupported", Message: e.Details, Status: http.StatusInternalServerError}
	}
	return v.add(r, act, e)
}

// xmlSchemaUnsupported says what was checked and what was not.
func xmlSchemaUnsupported(as string) string {
	checked := "well-formed"
	if as == "soap" {
		checked = "a well-formed SOAP envelope"
	}
	if xsd.Available {
		return "The body is " + checked + ", but validation against the API's own definition is not supported by PolicyGate (only a schema-id XML schema)."
	}
	return "The body is " + checked + ", but validation against an XML schema is not supported by this build of PolicyGate (built without cgo and libxml2)."
}

// xmlContentWarning is the load warning of an xml or soap <content>, or ""
// when everything it asks for is done.
func xmlContentWarning(as, schemaID string) string {
	if as != "xml" && as != "soap" || schemaID != "" && xsd.Available {
		return ""
	}
	return xmlValidationWarning(as)
}

// mediaTypeDefinition names a media type's schema as the JSON path does.
func mediaTypeDefinition(r *Run, ref *openapi3.SchemaRef) string {
	def := ref.Ref
	if i := strings.LastIndexByte(def, '/'); i >= 0 {
		def = def[i+1:]
	}
	if def == "" {
		def = "inline"
		if r.Spec != nil && r.Spec.ID != "" {
			def = r.Spec.ID
		}
	}
	return def
}

// checkXML returns why body is not well-formed XML (or, with soap, not a
// SOAP envelope), or nil.
func checkXML(body []byte, soap bool) *xmlProblem {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	dec.CharsetReader = charset.NewReaderLabel
	at := func(off int64) (int, int) { return lineCol(body, off) }
	fail := func(off int64, msg string) *xmlProblem {
		l, c := at(off)
		return &xmlProblem{msg: msg, line: l, col: c}
	}
	depth, roots := 0, 0
	var env soapState
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			msg := err.Error()
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				msg = se.Msg
			}
			return fail(dec.InputOffset(), "The body is not well-formed XML: "+msg+".")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
				if roots > 1 {
					return fail(tagOffset(body, start), "The body is not well-formed XML: there are multiple root elements.")
				}
			}
			depth++
			if depth > maxValidatedXMLDepth {
				return fail(tagOffset(body, start), "The body is not accepted: elements are nested more than "+strconv.Itoa(maxValidatedXMLDepth)+" deep.")
			}
			if soap {
				if msg := env.start(t, depth); msg != "" {
					return fail(tagOffset(body, start), msg)
				}
			}
		case xml.EndElement:
			depth--
			if soap && depth == 1 && t.Name.Local == "Body" && t.Name.Space == env.ns {
				env.bodyDone = true
			}
		case xml.CharData:
			if depth == 0 || soap && depth == 1 {
				if len(bytes.TrimSpace(t)) > 0 {
					where := "outside the root element"
					if depth == 1 {
						where = "directly inside the SOAP Envelope"
					}
					return fail(textOffset(body, start), "The body is not accepted: it has text "+where+".")
				}
			}
		case xml.Directive:
			if bytes.HasPrefix(bytes.TrimSpace(t), []byte("DOCTYPE")) {
				return fail(tagOffset(body, start), "The body is not accepted: it has a DTD (<!DOCTYPE>), which is refused for security reasons.")
			}
		}
	}
	if roots == 0 {
		return fail(int64(len(body)), "The body is not well-formed XML: it has no root element.")
	}
	if soap && !env.body {
		return fail(int64(len(body)), "The SOAP envelope has no Body element.")
	}
	return nil
}

// soapState follows the children of a SOAP Envelope.
type soapState struct {
	ns                     string // the envelope's namespace
	header, body, bodyDone bool
}

// start checks a start tag at depth (1 is the root); "" means it is fine.
func (e *soapState) start(t xml.StartElement, depth int) string {
	switch depth {
	case 1:
		if t.Name.Local != "Envelope" || t.Name.Space != soap11Namespace && t.Name.Space != soap12Namespace {
			return "The root element is " + xmlName(t.Name) + ", not a SOAP Envelope (namespace " + soap11Namespace + " for SOAP 1.1, " + soap12Namespace + " for SOAP 1.2)."
		}
		e.ns = t.Name.Space
	case 2:
		switch {
		case t.Name.Space == e.ns && t.Name.Local == "Header":
			if e.header || e.body {
				return "The SOAP Header element must come once, before the Body."
			}
			e.header = true
		case t.Name.Space == e.ns && t.Name.Local == "Body":
			if e.body {
				return "The SOAP envelope has more than one Body element."
			}
			e.body = true
		case e.bodyDone && e.ns == soap11Namespace && t.Name.Space != "":
			// SOAP 1.1 allows namespace-qualified elements after the Body.
		default:
			return "The element " + xmlName(t.Name) + " is not allowed in a SOAP Envelope, which holds an optional Header and a Body."
		}
	}
	return ""
}

func xmlName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return "{" + n.Space + "}" + n.Local
}

// tagOffset is the offset of the name of the tag that starts at or after
// off (after any whitespace before its '<'), the place .NET reports.
func tagOffset(body []byte, off int64) int64 {
	i := int(off)
	for i < len(body) && body[i] != '<' {
		i++
	}
	if i < len(body) {
		i++
	}
	return int64(i)
}

// textOffset is the offset of the first non-space byte at or after off.
func textOffset(body []byte, off int64) int64 {
	i := int(off)
	for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n') {
		i++
	}
	return int64(i)
}

// lineCol turns a byte offset into a 1-based line and position (in
// characters, as .NET's LinePosition counts).
func lineCol(body []byte, off int64) (int, int) {
	if off > int64(len(body)) {
		off = int64(len(body))
	}
	b := body[:off]
	line := 1 + bytes.Count(b, []byte{'\n'})
	last := b[bytes.LastIndexByte(b, '\n')+1:]
	return line, 1 + len([]rune(string(last)))
}
