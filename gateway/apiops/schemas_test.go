package apiops

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies/xsd"
)

func TestLoadSchemas(t *testing.T) {
	dir := t.TempDir()
	write := func(id, info string) {
		p := filepath.Join(dir, "schemas", id)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "schemaInformation.json"), []byte(info), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("address", `{"name":"address","properties":{"schemaType":"json","document":{"type":"object","required":["zip"],"definitions":{"zip":{"type":"string"}}}}}`)
	write("as-text", `{"properties":{"schemaType":"json","value":"{\"type\":\"integer\"}"}}`)
	write("soap", `{"properties":{"schemaType":"xml","value":"<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"><xs:element name=\"a\"/></xs:schema>"}}`)
	cfg, errs := Load(dir)
	if cfg == nil {
		t.Fatal(errs)
	}
	if s := cfg.Schemas["address"]; s == nil || s.At("") == nil || len(s.At("").Required) != 1 || s.At("#/definitions/zip") == nil || s.At("#/nope") != nil {
		t.Errorf("address schema not read: %+v", s)
	}
	if s := cfg.Schemas["as-text"]; s == nil || s.At("").Type == nil || !s.At("").Type.Is("integer") {
		t.Errorf("schema given as text not read")
	}
	if xsd.Available {
		if cfg.Schemas["soap"] != nil || cfg.XMLSchemas["soap"] == nil || cfg.XMLSchemas["soap"].Validate([]byte(`<a/>`), false) != nil {
			t.Errorf("an XML schema: %v", errs)
		}
		write("broken-xsd", `{"properties":{"schemaType":"xml","value":"<xs:schema/>"}}`)
		if _, errs := Load(dir); !hasDiag(errs, "broken-xsd", parser.SeverityError, "is not a schema document") {
			t.Errorf("a broken XML schema: %v", errs)
		}
		if err := os.RemoveAll(filepath.Join(dir, "schemas", "broken-xsd")); err != nil {
			t.Fatal(err)
		}
	} else if cfg.XMLSchemas["soap"] != nil || !hasDiag(errs, "soap", parser.SeverityWarning, "not supported") {
		t.Errorf("an XML schema without cgo: %v", errs)
	}
	write("broken", `{"properties":{"schemaType":"json","value":"{"}}`)
	if _, errs := Load(dir); !hasDiag(errs, "broken", parser.SeverityError, "invalid JSON") {
		t.Errorf("a broken schema: %v", errs)
	}
}

func hasDiag(errs parser.Errors, file string, sev parser.Severity, text string) bool {
	for _, e := range errs {
		if strings.Contains(e.Pos.File, file) && e.Severity == sev && strings.Contains(e.Msg, text) {
			return true
		}
	}
	return false
}
