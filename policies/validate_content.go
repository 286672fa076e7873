package policies

import (
	"bytes"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// validate-content validates the size and the body of the request
// (inbound) or response (outbound, on-error) against the operation's
// schema in the API's OpenAPI document, or a schema of the configuration.
//
//	<validate-content unspecified-content-type-action="ignore | prevent | detect"
//	    max-size="bytes" size-exceeded-action="ignore | prevent | detect"
//	    errors-variable-name="name">
//	    <content-type-map any-content-type-value="type" missing-content-type-value="type">
//	        <type from="type" | when="@(bool)" to="type" />
//	    </content-type-map>
//	    <content type="type" validate-as="json | xml | soap" schema-id="id" schema-ref="#/path"
//	        action="ignore | prevent | detect" allow-additional-properties="true | false"
//	        case-insensitive-property-names="true | false" />
//	</validate-content>
//
// JSON bodies are decoded (decodeJSONTree, encoding/json's tree) and
// validated by kin-openapi (openapi3's schema validator). XML and SOAP
// bodies are checked for well-formedness and the SOAP envelope
// (validate_content_xml.go), but not against an XML schema, which needs an
// engine PolicyGate does not have: such a <content> is a load warning, and
// a body that passes those checks fails closed (500) when its action is
// prevent. An empty body is not validated (only its size).
type validateContent struct {
	unspecified, sizeAction actionValue
	maxSize                 *Value
	varName                 string
	anyType, missingType    string
	typeMap                 []contentTypeMapping
	contents                []*contentRule
}

type contentTypeMapping struct {
	from string
	when *Value
	to   string
}

type contentRule struct {
	typ        string // "" applies to every content type of the schema
	validateAs string
	schemaID   string
	schemaRef  string
	action     actionValue
	allowExtra *bool
	caseFold   bool
	variants   sync.Map // *openapi3.Schema → *openapi3.Schema (schema-id schemas only)
	direction  sync.Map // *openapi3.Schema → bool: bodySchemaOptions
}

var _ Step = (*validateContent)(nil)

func init() { Register("validate-content", compileValidateContent) }

// maxValidatedSize is APIM's limit on max-size.
const maxValidatedSize = 102400

func compileValidateContent(el *parser.Element, c *Compiler) (Step, error) {
	s := &validateContent{
		unspecified: c.action(el, "unspecified-content-type-action"),
		sizeAction:  c.action(el, "size-exceeded-action"),
		maxSize:     c.Attr(el, "max-size", KindInt),
		varName:     literalAttr(el, "errors-variable-name"),
	}
	for _, n := range []string{"unspecified-content-type-action", "max-size", "size-exceeded-action"} {
		if el.Attr(n) == nil {
			c.Errorf(el.Pos, parser.CodeBadAttribute, "<validate-content> needs %s", n)
		}
	}
	if lit, ok := s.maxSize.Literal(); ok && s.maxSize.Present && !hasUnknownNamedValue(lit) {
		if n, err := strconv.Atoi(strings.TrimSpace(lit)); err != nil || n < 0 {
			c.Errorf(s.maxSize.Pos(), parser.CodeBadAttribute, "max-size must be a number of bytes, not %q", lit)
		} else if n > maxValidatedSize {
			c.Warnf(s.maxSize.Pos(), parser.CodeBadAttribute, "max-size %d is above APIM's limit of %d bytes", n, maxValidatedSize)
		}
	}
	for _, ch := range el.Children {
		switch ch.Name {
		case "content-type-map":
			s.anyType = strings.ToLower(literalAttr(ch, "any-content-type-value"))
			s.missingType = strings.ToLower(literalAttr(ch, "missing-content-type-value"))
			for _, t := range ch.Children {
				if t.Name != "type" {
					continue
				}
				m := contentTypeMapping{from: strings.ToLower(literalAttr(t, "from")), to: strings.ToLower(literalAttr(t, "to"))}
				if t.Attr("when") != nil {
					m.when = c.Attr(t, "when", KindBool)
				}
				if m.to == "" || (m.from == "" && m.when == nil) {
					c.Errorf(t.Pos, parser.CodeBadAttribute, "<type> needs to and one of from or when")
				}
				s.typeMap = append(s.typeMap, m)
			}
		case "content":
			cr := &contentRule{
				typ:        strings.ToLower(literalAttr(ch, "type")),
				validateAs: strings.ToLower(literalAttr(ch, "validate-as")),
				schemaID:   literalAttr(ch, "schema-id"),
				schemaRef:  literalAttr(ch, "schema-ref"),
				action:     c.action(ch, "action"),
				caseFold:   strings.EqualFold(literalAttr(ch, "case-insensitive-property-names"), "true"),
			}
			if a := literalAttr(ch, "allow-additional-properties"); a != "" {
				b := strings.EqualFold(a, "true")
				cr.allowExtra = &b
			}
			switch cr.validateAs {
			case "json":
			case "xml", "soap":
				if w := xmlContentWarning(cr.validateAs, cr.schemaID); w != "" {
					c.Warnf(ch.Pos, parser.CodeNotImplemented, "%s", w)
				}
			case "":
				c.Errorf(ch.Pos, parser.CodeBadAttribute, "<content> needs validate-as")
			default:
				c.Errorf(ch.Pos, parser.CodeBadAttribute, "validate-as must be json, xml or soap, not %q", cr.validateAs)
			}
			s.contents = append(s.contents, cr)
		}
	}
	return s, nil
}

// literalAttr returns an attribute's literal text ("" when absent).
func literalAttr(el *parser.Element, name string) string {
	if a := el.Attr(name); a != nil && a.Value != nil {
		return strings.TrimSpace(a.Value.Text)
	}
	return ""
}

// Exec validates the section's body.
func (s *validateContent) Exec(r *Run) error {
	v := &validationRun{policy: "validate-content", varName: s.varName}
	r.openAPI()
	err := s.run(r, v)
	v.flush(r)
	return err
}

func (s *validateContent) run(r *Run, v *validationRun) error {
	request := r.IsRequestSection()
	kind, what := "ResponseBody", "response"
	var hdr *expressions.Headers
	status := 0
	if request {
		kind, what = "RequestBody", "request"
		if r.Ctx.Request != nil {
			hdr = r.Ctx.Request.Headers
		}
	} else if r.Ctx.Response != nil {
		hdr = r.Ctx.Response.Headers
		status = int(r.Ctx.Response.StatusCode)
	}
	var body []byte
	if b := targetBody(r); b != nil {
		body = b.Bytes()
	}
	maxSize, err := s.maxSize.Int(r, 0)
	if err != nil {
		return err
	}
	if maxSize > 0 && len(body) > maxSize {
		act, err := s.sizeAction.get(r, actIgnore)
		if err != nil {
			return err
		}
		size, limit := strconv.Itoa(len(body)), strconv.Itoa(maxSize)
		e := validationError{Type: kind, Rule: "SizeLimit",
			Details: upperFirst(what) + "'s body is " + size + " bytes long and it exceeds the configured limit of " + limit + " bytes."}
		if request {
			e.Public = "Request's body is " + size + " bytes long and it exceeds the limit of " + limit + " bytes."
		}
		if err := v.add(r, act, e); err != nil {
			return err
		}
	}
	if len(body) == 0 {
		return nil
	}
	ct, err := s.contentType(r, hdr)
	if err != nil {
		return err
	}
	spec := r.Spec
	var content openapi3.Content
	if spec != nil {
		if request {
			if spec.RequestBody != nil {
				content = spec.RequestBody.Content
			}
		} else if resp := spec.Response(status); resp != nil {
			content = resp.Content
		}
	}
	var mt *openapi3.MediaType
	if content != nil && ct != "" {
		mt = content.Get(ct)
	}
	rule := s.rule(ct)
	if mt == nil && (rule == nil || rule.schemaID == "") {
		if spec == nil {
			acts := []string{}
			for _, a := range append([]actionValue{s.unspecified}, s.actions()...) {
				act, err := a.get(r, actIgnore)
				if err != nil {
					return err
				}
				acts = append(acts, act)
			}
			return v.add(r, strongest(acts...), noSchema())
		}
		act, err := s.unspecified.get(r, actIgnore)
		if err != nil {
			return err
		}
		e := validationError{Name: ct, Type: kind, Rule: "Unspecified", Details: "Unspecified content type " + ct + " is not allowed."}
		if request {
			e.Public = e.Details
		}
		return v.add(r, act, e)
	}
	if rule == nil {
		return nil
	}
	act, err := rule.action.get(r, actIgnore)
	if err != nil || act == actIgnore {
		return err
	}
	if rule.validateAs != "json" {
		return s.validateXML(r, v, rule, act, body, ct, kind, what, mt)
	}
	schema, def := s.schema(r, rule, mt)
	if schema == nil {
		return v.add(r, act, validationError{Name: ct, Type: kind, Rule: "MissingDefinition",
			Details: "API's schema does not contain definition " + def + ", which is associated with the content type " + ct + "."})
	}
	value, ok := decodeJSONTree(body)
	if !ok {
		value, err = openapi3filter.JSONBodyDecoder(bytes.NewReader(body), nil, nil, nil)
	}
	prefix := "Body of the " + what + " does not conform to the definition " + def + ", which is associated with the content type " + ct + ". "
	if err != nil {
		e := validationError{Name: ct, Type: kind, Rule: "IncorrectMessage", Details: prefix + "The body is not valid JSON: " + err.Error()}
		if request {
			e.Public = e.Details
		}
		return v.add(r, act, e)
	}
	if rule.caseFold {
		value = foldPropertyNames(value, schema, map[*openapi3.Schema]int{})
	}
	if verr := schema.VisitJSON(value, bodySchemaOptions(spec, schema, request, &rule.direction)...); verr != nil {
		msg, ptr := schemaMessage(verr)
		line, pos := jsonPosition(body, ptr)
		if line == 0 {
			line, pos = 1, 1
		}
		e := validationError{Name: ct, Type: kind, Rule: "IncorrectMessage",
			Details: prefix + msg + " Line: " + strconv.Itoa(line) + ", Position: " + strconv.Itoa(pos)}
		if request {
			e.Public = e.Details
		}
		return v.add(r, act, e)
	}
	return nil
}

func (s *validateContent) actions() []actionValue {
	out := make([]actionValue, len(s.contents))
	for i, c := range s.contents {
		out[i] = c.action
	}
	return out
}

// contentType is the message's media type after content-type-map.
func (s *validateContent) contentType(r *Run, h *expressions.Headers) (string, error) {
	ct := ""
	if h != nil {
		if vs, ok := h.Values("Content-Type"); ok && len(vs) > 0 {
			ct = vs[0]
		}
	}
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.ToLower(strings.TrimSpace(ct))
	for _, m := range s.typeMap {
		if m.when != nil {
			ok, err := m.when.Bool(r, false)
			if err != nil {
				return "", err
			}
			if ok {
				return m.to, nil
			}
			continue
		}
		if m.from == ct {
			return m.to, nil
		}
	}
	if s.anyType != "" {
		return s.anyType, nil
	}
	if ct == "" && s.missingType != "" {
		return s.missingType, nil
	}
	return ct, nil
}

// rule is the <content> for ct: one naming it, else one without a type.
func (s *validateContent) rule(ct string) *contentRule {
	var any *contentRule
	for _, c := range s.contents {
		if c.typ == ct {
			return c
		}
		if c.typ == "" && any == nil {
			any = c
		}
	}
	return any
}

// schema picks the schema a rule validates against and its definition name.
func (s *validateContent) schema(r *Run, rule *contentRule, mt *openapi3.MediaType) (*openapi3.Schema, string) {
	if rule.schemaID != "" {
		var sch *openapi3.Schema
		if r.Env != nil && r.Env.Schemas != nil {
			sch = r.Env.Schemas(rule.schemaID, rule.schemaRef)
		}
		def := rule.schemaID
		if rule.schemaRef != "" {
			def += rule.schemaRef
		}
		if sch == nil || rule.allowExtra == nil {
			return sch, def
		}
		if c, ok := rule.variants.Load(sch); ok {
			return c.(*openapi3.Schema), def
		}
		c, _ := rule.variants.LoadOrStore(sch, withAdditional(sch, *rule.allowExtra))
		return c.(*openapi3.Schema), def
	}
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil, "(none)"
	}
	def := mt.Schema.Ref
	if i := strings.LastIndexByte(def, '/'); i >= 0 {
		def = def[i+1:]
	}
	if def == "" {
		def = "inline"
		if r.Spec != nil && r.Spec.ID != "" {
			def = r.Spec.ID
		}
	}
	return r.Spec.Schema(mt.Schema.Value, rule.allowExtra), def
}

// foldPropertyNames renames the members of decoded JSON objects to the
// schema's spelling when they differ only in case
// (case-insensitive-property-names).
func foldPropertyNames(v any, s *openapi3.Schema, depth map[*openapi3.Schema]int) any {
	if s == nil || depth[s] > 32 {
		return v
	}
	depth[s]++
	defer func() { depth[s]-- }()
	switch x := v.(type) {
	case map[string]any:
		for k, pv := range x {
			if _, ok := s.Properties[k]; ok {
				x[k] = foldPropertyNames(pv, s.Properties[k].Value, depth)
				continue
			}
			for name, pr := range s.Properties {
				if strings.EqualFold(name, k) {
					if _, taken := x[name]; !taken {
						delete(x, k)
						x[name] = foldPropertyNames(pv, pr.Value, depth)
					}
					break
				}
			}
		}
	case []any:
		if s.Items != nil {
			for i := range x {
				x[i] = foldPropertyNames(x[i], s.Items.Value, depth)
			}
		}
	}
	for _, sub := range append(append(append(openapi3.SchemaRefs{}, s.AllOf...), s.AnyOf...), s.OneOf...) {
		if sub != nil {
			v = foldPropertyNames(v, sub.Value, depth)
		}
	}
	return v
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
