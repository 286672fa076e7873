//go:build cgo

package xsd

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const orderXSD = `<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:orders" xmlns="urn:orders" elementFormDefault="qualified">
  <xs:element name="order">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="id" type="xs:int"/>
        <xs:element name="note" type="xs:string" minOccurs="0"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>`

func TestValidate(t *testing.T) {
	s, err := Compile([]byte(orderXSD))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, doc string
		soap      bool
		want      string
		line      int
	}{
		{"valid", `<order xmlns="urn:orders"><id>1</id></order>`, false, "", 0},
		{"bad type", "<order xmlns=\"urn:orders\">\n<id>x</id></order>", false, "'x' is not a valid value of the atomic type 'xs:int'", 2},
		{"unknown element", `<order xmlns="urn:orders"><id>1</id><extra/></order>`, false, "This element is not expected", 1},
		{"no declaration for the root", `<other/>`, false, "No matching global declaration available for the validation root", 1},
		{"SOAP body valid", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><h/></s:Header><s:Body><order xmlns="urn:orders"><id>7</id></order></s:Body></s:Envelope>`, true, "", 0},
		{"SOAP body invalid", "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>\n\n<order xmlns=\"urn:orders\"><id>x</id></order></s:Body></s:Envelope>", true, "not a valid value", 3},
	} {
		err := s.Validate([]byte(tc.doc), tc.soap)
		var e *Error
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (!errors.As(err, &e) || !strings.Contains(e.Msg, tc.want) || e.Line != tc.line):
			t.Errorf("%s: got %v, want %q at line %d", tc.name, err, tc.want, tc.line)
		}
	}
}

// TestSchemasLoadNothing checks that a schema cannot read a file through
// xs:include (nor, with the same loader, a URL).
func TestSchemasLoadNothing(t *testing.T) {
	dir := t.TempDir()
	inc := filepath.Join(dir, "inc.xsd")
	if err := os.WriteFile(inc, []byte(`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a"/></xs:schema>`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, loc := range []string{inc, "file://" + inc, "http://127.0.0.1:1/x.xsd"} {
		s, err := Compile([]byte(`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:include schemaLocation="` + loc + `"/><xs:element name="b"/></xs:schema>`))
		if err == nil && s.Validate([]byte(`<a/>`), false) == nil {
			t.Errorf("%s: the included file was read", loc)
		}
	}
	// the same include reads the file when the loader allows it: the test
	// above would notice a loader that stopped refusing
	if s, err := Compile([]byte(`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a"/></xs:schema>`)); err != nil || s.Validate([]byte(`<a/>`), false) != nil {
		t.Fatalf("a schema declaring a does not accept <a/>: %v", err)
	}
	if _, err := Compile([]byte(`<xs:schema`)); err == nil {
		t.Error("a schema that is not XML compiled")
	}
}

func TestConcurrentValidations(t *testing.T) {
	s, err := Compile([]byte(orderXSD))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				ok := (i+j)%2 == 0
				doc := `<order xmlns="urn:orders"><id>1</id></order>`
				if !ok {
					doc = `<order xmlns="urn:orders"><id>no</id></order>`
				}
				if err := s.Validate([]byte(doc), false); (err == nil) != ok {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent validation: %v", err)
	}
}

// FuzzValidate: libxml2 answers any document, as a whole or as a SOAP
// envelope, without crashing the process; a valid answer is only given to
// a document the schema can accept.
func FuzzValidate(f *testing.F) {
	s, err := Compile([]byte(orderXSD))
	if err != nil {
		f.Fatal(err)
	}
	for _, d := range []string{`<order xmlns="urn:orders"><id>1</id></order>`, `<order xmlns="urn:orders"><id>x</id></order>`, `<a`, ``,
		`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><order xmlns="urn:orders"><id>7</id></order></s:Body></s:Envelope>`} {
		f.Add([]byte(d), false)
		f.Add([]byte(d), true)
	}
	f.Fuzz(func(t *testing.T, doc []byte, soap bool) {
		if s.Validate(doc, soap) == nil && !soap && !strings.Contains(string(doc), "order") {
			t.Fatalf("%q is valid against a schema whose only root is order", doc)
		}
	})
}
