package apiops

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway/doclimit"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
)

// specNames are the OpenAPI file names the extractor writes, tried in order.
var specNames = []string{"specification.yaml", "specification.yml", "specification.json"}

// otherSpecs are specification files that are not read.
var otherSpecs = []string{"specification.wadl", "specification.wsdl", "specification.xml"}

// methods are the operation keys of an OpenAPI path item, in the order
// operations of one path are listed.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// loadSpec fills api.Operations from the API's OpenAPI specification.
func (l *loader) loadSpec(dir, folder string, api *engine.API, apiType string, queryTemplates bool) {
	var file string
	var src []byte
	for _, n := range specNames {
		b, err := l.readFile(filepath.Join(dir, n))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			l.ioError(filepath.Join(dir, n), err)
			return
		}
		if file != "" {
			l.errorf(parser.Pos{File: filepath.Join(dir, n), Line: 1, Col: 1}, CodeBadConfig, "API %q has two specifications: keep %s or %s", folder, filepath.Base(file), n)
			return
		}
		file, src = filepath.Join(dir, n), b
	}
	if file == "" {
		if gql := filepath.Join(dir, "specification.graphql"); l.fileExists(gql) {
			l.loadGraphQL(gql, api)
			l.loadResolvers(dir, api)
			return
		}
		for _, n := range otherSpecs {
			if _, err := l.files.Stat(filepath.Join(dir, n)); err == nil {
				l.warnf(parser.Pos{File: filepath.Join(dir, n), Line: 1, Col: 1}, CodeUnsupported, "API %q: %s is not read; the API has no operations", folder, n)
				return
			}
		}
		if apiType != "" && apiType != "http" {
			l.warnf(parser.Pos{File: filepath.Join(dir, "apiInformation.json"), Line: 1, Col: 1}, CodeUnsupported, "API %q: type %q without an OpenAPI specification has no operations", folder, apiType)
		} else {
			l.warnf(parser.Pos{File: filepath.Join(dir, "apiInformation.json"), Line: 1, Col: 1}, CodeUnsupported, "API %q has no specification; it has no operations", folder)
		}
		return
	}
	wait := parseSpecAsync(file, src, queryTemplates, l.opts.lazy, l.opts.tables)
	l.finish = append(l.finish, func() {
		ops, errs := wait()
		l.errs = append(l.errs, errs...)
		api.Operations = ops
	})
}

// ParseSpec reads an OpenAPI 2 or 3 document (YAML or JSON, named by file)
// into operations, as an API folder's specification is read.
func ParseSpec(file string, src []byte) ([]*engine.Operation, parser.Errors) {
	return parseSpec(file, src, true)
}

// specOp is one operation found in the specification's text, in order.
type specOp struct {
	path, method string
	pos          parser.Pos
}

// scannedSpec is what routing needs of a specification, read from its
// YAML tree without the OpenAPI library: the operations in definition
// order (id, name, method, URL template; no examples or definition) and
// the problems found. failed says the document has no operations to give.
type scannedSpec struct {
	ops    []*engine.Operation
	order  []specOp // order[i] is where ops[i] is defined
	errs   parser.Errors
	failed bool
	// swagger says OpenAPI 2 (else 3); top is where the document's
	// mapping starts.
	swagger bool
	top     parser.Pos
}

// opDetail is what the OpenAPI library makes of one operation.
type opDetail struct {
	examples map[int]map[string][]byte
	spec     *policies.OperationSpec
}

// parseSpec reads an OpenAPI 2 or 3 document (YAML or JSON) into
// operations, in definition order, with their examples and definitions.
func parseSpec(file string, src []byte, queryTemplates bool) ([]*engine.Operation, parser.Errors) {
	top, s := scanSpec(file, src, queryTemplates)
	if s.failed {
		return nil, s.errs
	}
	details, errs := specDetail(file, src, top, &s)
	if errs.HasErrors() {
		return nil, errs
	}
	for i, op := range s.ops {
		op.Examples, op.Spec = details[i].examples, details[i].spec
	}
	return s.ops, append(errs, s.errs...)
}

// readSpecYAML parses src (YAML or JSON) into its top mapping.
func readSpecYAML(file string, src []byte) (*yaml.Node, *parser.Error) {
	fail := func(p parser.Pos, code, format string, args ...any) (*yaml.Node, *parser.Error) {
		return nil, &parser.Error{Pos: p, Code: code, Msg: fmt.Sprintf(format, args...)}
	}
	at := func(line, col int) parser.Pos { return parser.Pos{File: file, Line: line, Col: col} }
	if strings.HasSuffix(file, ".json") {
		// yaml.v3 reads JSON too, but its errors are worse: check first.
		if err := json.Unmarshal(src, new(json.RawMessage)); err != nil {
			jf := &jsonFile{path: file, src: src}
			p := jf.pos(len(src))
			var se *json.SyntaxError
			if errors.As(err, &se) {
				p = jf.pos(int(se.Offset) - 1)
			}
			return fail(p, parser.CodeParse, "invalid JSON: %v", err)
		}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		line := 1
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		return fail(at(line, 1), parser.CodeParse, "invalid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if err := doclimit.CheckYAML(&root); err != nil {
		de := err.(*doclimit.Error)
		return fail(at(de.Line, de.Col), parser.CodeParse, "invalid YAML: %s", de.Msg)
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return fail(at(1, 1), CodeBadConfig, "specification is not an OpenAPI document")
	}
	top := root.Content[0]
	if mapGet(top, "openapi") == nil && mapGet(top, "swagger") == nil {
		return fail(at(top.Line, top.Column), CodeBadConfig, "specification has neither \"openapi\" nor \"swagger\"")
	}
	return top, nil
}

// scanSpec finds the operations of a specification in its YAML tree,
// which it returns for specDetail.
func scanSpec(file string, src []byte, queryTemplates bool) (*yaml.Node, scannedSpec) {
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	top, perr := readSpecYAML(file, src)
	if perr != nil {
		return nil, scannedSpec{errs: parser.Errors{perr}, failed: true}
	}
	at := func(n *yaml.Node) parser.Pos { return parser.Pos{File: file, Line: n.Line, Col: n.Column} }
	s := scannedSpec{swagger: mapGet(top, "openapi") == nil, top: at(top)}
	if x := mapKey(top, "x-ms-paths"); x != nil {
		s.errs = append(s.errs, &parser.Error{Pos: at(x), Code: CodeUnsupported, Severity: parser.SeverityWarning,
			Msg: "x-ms-paths is not read; put query templates in the path keys of paths"})
	}
	paths := mapGet(top, "paths")
	if paths == nil || paths.Kind != yaml.MappingNode {
		return top, s
	}
	ids := map[string]bool{}
	for i := 0; i+1 < len(paths.Content); i += 2 {
		path, item := paths.Content[i].Value, paths.Content[i+1]
		if item.Kind != yaml.MappingNode || paths.Content[i].ShortTag() != "!!str" {
			continue // a key such as 200 is not a path, nor read as written
		}
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, o := item.Content[j], item.Content[j+1]
			m := strings.ToLower(k.Value)
			if !contains(methods, m) || o.Kind != yaml.MappingNode {
				continue
			}
			op := &engine.Operation{ID: scalar(mapGet(o, "operationId")), Name: scalar(mapGet(o, "summary")), Method: strings.ToUpper(m), URLTemplate: path}
			if op.ID == "" {
				op.ID = generatedID(m, path)
			}
			if op.Name == "" {
				op.Name = op.ID
			}
			if ids[op.ID] {
				s.errs = append(s.errs, &parser.Error{Pos: at(k), Code: CodeBadConfig, Msg: fmt.Sprintf("operationId %q is used twice", op.ID)})
				continue
			}
			ids[op.ID] = true
			if queryTemplates && !strings.Contains(path, "?") {
				op.URLTemplate += queryTemplate(specParams(top, mapGet(item, "parameters")), specParams(top, mapGet(o, "parameters")))
			}
			s.ops = append(s.ops, op)
			s.order = append(s.order, specOp{path: path, method: m, pos: at(k)})
		}
	}
	return top, s
}

// specDetail loads the document s scanned with the OpenAPI library (top
// is its YAML tree, or nil) and prepares its operations: examples for
// mock-response, definitions for the validation policies. A document the
// library cannot load is an error; one that does not validate, a warning.
func specDetail(file string, src []byte, top *yaml.Node, s *scannedSpec) ([]opDetail, parser.Errors) {
	doc, errs := libraryDoc(file, src, top, s)
	if doc == nil {
		return nil, errs
	}
	details := make([]opDetail, len(s.order))
	for i, so := range s.order {
		item := doc.Paths.Value(so.path)
		if item == nil {
			continue
		}
		o := item.GetOperation(strings.ToUpper(so.method))
		if o == nil {
			continue
		}
		details[i] = opDetail{examples: examples(o), spec: policies.NewOperationSpec(doc, item, o)}
	}
	return details, errs
}

// libraryDoc loads the document s scanned with the OpenAPI library and
// validates it. An OpenAPI 2 document goes through its YAML tree: top, or
// read again when nil.
func libraryDoc(file string, src []byte, top *yaml.Node, s *scannedSpec) (*openapi3.T, parser.Errors) {
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	if s.swagger && top == nil {
		var perr *parser.Error
		if top, perr = readSpecYAML(file, src); perr != nil {
			return nil, parser.Errors{perr}
		}
	}
	pos := s.top
	var doc *openapi3.T
	var err error
	if !s.swagger {
		err = libraryGuard(func() (err error) {
			loader := openapi3.NewLoader()
			loader.IsExternalRefsAllowed = false
			doc, err = loader.LoadFromData(src)
			return err
		})
	} else {
		var v any
		if err = top.Decode(&v); err == nil {
			var b []byte
			if b, err = json.Marshal(stringKeys(v)); err == nil {
				var d2 openapi2.T
				if err = json.Unmarshal(b, &d2); err == nil {
					err = libraryGuard(func() (err error) {
						doc, err = openapi2conv.ToV3(&d2)
						return err
					})
				}
			}
		}
	}
	if err != nil {
		return nil, parser.Errors{{Pos: pos, Code: CodeBadConfig, Msg: "invalid OpenAPI document: " + err.Error()}}
	}
	var errs parser.Errors
	if verr := libraryGuard(func() error { return doc.Validate(context.Background(), openapi3.DisableExamplesValidation()) }); verr != nil {
		// APIM accepts many documents that are not strictly valid; the
		// operations are still usable.
		errs = append(errs, &parser.Error{Pos: pos, Code: CodeUnsupported, Severity: parser.SeverityWarning,
			Msg: "OpenAPI document does not validate: " + verr.Error()})
	}
	return doc, errs
}

// scalar is a scalar node's text, "" for anything else.
func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// specParam is a parameter as the query template needs it.
type specParam struct {
	name, in string
	required bool
}

// specParams reads a parameter list, following local references
// ("#/parameters/p", "#/components/parameters/p") within doc.
func specParams(doc, list *yaml.Node) []specParam {
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil
	}
	var out []specParam
	for _, p := range list.Content {
		for hops := 0; p != nil && hops < 8; hops++ {
			ref := mapGet(p, "$ref")
			if ref == nil {
				break
			}
			p = localRef(doc, scalar(ref))
		}
		if p == nil || p.Kind != yaml.MappingNode || mapGet(p, "$ref") != nil {
			continue
		}
		req := mapGet(p, "required")
		out = append(out, specParam{name: scalar(mapGet(p, "name")), in: scalar(mapGet(p, "in")),
			required: req != nil && req.Kind == yaml.ScalarNode && req.ShortTag() == "!!bool" && strings.EqualFold(req.Value, "true")})
	}
	return out
}

// localRef resolves a JSON pointer into doc ("#/a/b"), or nil.
func localRef(doc *yaml.Node, ref string) *yaml.Node {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	n := doc
	for _, tok := range strings.Split(rest, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		if n = mapGet(n, tok); n == nil {
			return nil
		}
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		}
	}
	return n
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// queryTemplate returns "?a={a}&b={b}" for the required query parameters,
// path-item ones first, in the order written; an operation parameter
// overrides a path-item one of the same name.
func queryTemplate(pathParams, opParams []specParam) string {
	byOp := map[string]specParam{}
	for _, p := range opParams {
		if p.in == "query" {
			byOp[p.name] = p
		}
	}
	var names []string
	seen := map[string]bool{}
	for _, ps := range [][]specParam{pathParams, opParams} {
		for _, p := range ps {
			if p.in != "query" || seen[p.name] {
				continue
			}
			seen[p.name] = true
			if o, ok := byOp[p.name]; ok {
				p = o
			}
			if p.required {
				names = append(names, p.name)
			}
		}
	}
	if len(names) == 0 {
		return ""
	}
	var b strings.Builder
	for i, n := range names {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		fmt.Fprintf(&b, "%s={%s}", n, n)
	}
	return b.String()
}

// examples collects the response examples of o by status and content type.
func examples(o *openapi3.Operation) map[int]map[string][]byte {
	if o.Responses == nil {
		return nil
	}
	var out map[int]map[string][]byte
	for code, rr := range o.Responses.Map() {
		status, err := strconv.Atoi(code)
		if err != nil || rr == nil || rr.Value == nil {
			continue // "default" and "2XX" name no single status
		}
		for ct, mt := range rr.Value.Content {
			if mt == nil {
				continue
			}
			v, ok := example(mt)
			if !ok {
				continue
			}
			body, ok := exampleBytes(ct, v)
			if !ok {
				continue
			}
			if out == nil {
				out = map[int]map[string][]byte{}
			}
			if out[status] == nil {
				out[status] = map[string][]byte{}
			}
			out[status][ct] = body
		}
	}
	return out
}

// example picks a media type's example: "example", else the first of
// "examples" by name, else the schema's example.
func example(mt *openapi3.MediaType) (any, bool) {
	if mt.Example != nil {
		return mt.Example, true
	}
	names := slices.Sorted(maps.Keys(mt.Examples))
	for _, n := range names {
		if e := mt.Examples[n]; e != nil && e.Value != nil && e.Value.Value != nil {
			return e.Value.Value, true
		}
	}
	if mt.Schema != nil && mt.Schema.Value != nil && mt.Schema.Value.Example != nil {
		return mt.Schema.Value.Example, true
	}
	return nil, false
}

// exampleBytes renders an example: strings as written for non-JSON types,
// everything else as JSON.
func exampleBytes(contentType string, v any) ([]byte, bool) {
	if s, ok := v.(string); ok && !strings.Contains(strings.ToLower(contentType), "json") {
		return []byte(s), true
	}
	b, err := json.Marshal(v)
	return b, err == nil
}

// generatedID makes an operation id for an operation without one, from its
// method and path: "get-items-id" for GET /items/{id}.
func generatedID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	dash := true
	for _, c := range strings.ToLower(path) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			if dash {
				b.WriteByte('-')
				dash = false
			}
			b.WriteRune(c)
		} else {
			dash = true
		}
	}
	return b.String()
}

// mapKey returns the key node of key in a YAML mapping, or nil.
func mapKey(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i]
		}
	}
	return nil
}

// mapGet returns the value of key in a YAML mapping, or nil.
func mapGet(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// stringKeys turns YAML maps with non-string keys (such as an unquoted
// response code 200) into maps with string keys, which JSON needs.
func stringKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = stringKeys(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = stringKeys(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = stringKeys(e)
		}
	}
	return v
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// libraryGuard runs a call into the OpenAPI library and turns a panic on a
// malformed document (seen in the library's 2-to-3 conversion) into an
// error.
func libraryGuard(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the document is malformed (%v)", p)
		}
	}()
	return fn()
}

func (l *loader) fileExists(path string) bool {
	st, err := l.files.Stat(path)
	return err == nil && !st.IsDir()
}

// loadGraphQL reads a GraphQL API's schema: the API gets one operation,
// "graphql", for every method and path, whose definition carries the
// schema for validate-graphql-request.
func (l *loader) loadGraphQL(file string, api *engine.API) {
	src, err := l.readFile(file)
	if err != nil {
		l.ioError(file, err)
		return
	}
	ops, perr := GraphQLOperations(file, src)
	if perr != nil {
		l.errs = append(l.errs, perr)
		return
	}
	api.Operations = ops
}

// GraphQLOperations reads a GraphQL schema (SDL) into the one operation of
// a GraphQL API.
func GraphQLOperations(file string, src []byte) ([]*engine.Operation, *parser.Error) {
	g, perr := policies.CompileGraphQLSchema(file, string(bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))))
	if perr != nil {
		return nil, perr
	}
	return []*engine.Operation{{ID: "graphql", Name: "graphql", Method: "*", URLTemplate: "/*",
		Spec: &policies.OperationSpec{ID: "graphql", GraphQL: g}}}, nil
}
