package apiops

import (
	"encoding/json"
	"path/filepath"
	"strings"

	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
	"github.com/policygate/policygate/policies/xsd"
)

// loadSchemas reads the service's schemas (schemas/<id>/schemaInformation.json,
// APIM's global schema resource) that validate-content schema-id names.
// JSON schemas (properties.schemaType "json", the schema in
// properties.document or as text in properties.value) and XML schemas
// ("xml", the XSD text in properties.value; libxml2 through cgo) are
// compiled here, so a bad one is a load error at its file; in a build
// without cgo XML schemas are kept out with a warning.
func (l *loader) loadSchemas() {
	dir := filepath.Join(l.dir, "schemas")
	for _, sub := range l.subdirs(dir) {
		path := filepath.Join(dir, sub, "schemaInformation.json")
		var info struct {
			Name       string `json:"name"`
			Properties struct {
				SchemaType string          `json:"schemaType"`
				Document   json.RawMessage `json:"document"`
				Value      string          `json:"value"`
			} `json:"properties"`
		}
		if _, ok := l.readJSON(path, &info); !ok {
			continue
		}
		id := info.Name
		if id == "" {
			id = sub
		}
		pos := parser.Pos{File: path, Line: 1, Col: 1}
		p := info.Properties
		if strings.EqualFold(p.SchemaType, "xml") && xsd.Available {
			xs, err := xsd.Compile([]byte(p.Value))
			if err != nil {
				l.errorf(pos, CodeBadConfig, "schema %q: %v", id, err)
				continue
			}
			if l.cfg.XMLSchemas == nil {
				l.cfg.XMLSchemas = map[string]*xsd.Schema{}
			}
			l.cfg.XMLSchemas[id] = xs
			continue
		}
		if !strings.EqualFold(p.SchemaType, "json") {
			l.warnf(pos, CodeUnsupported, "schema %q: schemaType %q is not supported (json, and xml in a build with cgo and libxml2); validate-content cannot use it", id, p.SchemaType)
			continue
		}
		data := []byte(p.Document)
		if len(data) == 0 || string(data) == "null" {
			data = []byte(p.Value)
		}
		s, err := policies.CompileJSONSchema(data)
		if err != nil {
			l.errorf(pos, CodeBadConfig, "schema %q: %v", id, err)
			continue
		}
		if l.cfg.Schemas == nil {
			l.cfg.Schemas = map[string]*policies.JSONSchema{}
		}
		l.cfg.Schemas[id] = s
	}
}
