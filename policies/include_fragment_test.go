package policies

import (
	"strings"
	"testing"

	"github.com/policygate/policygate/parser"
)

func TestIncludeFragmentIsInlined(t *testing.T) {
	frag, errs := parser.Parse("f.xml", []byte(`<fragment><trace source="frag"><message>in fragment</message></trace></fragment>`))
	if frag == nil || len(errs) > 0 {
		t.Fatal(errs)
	}
	doc, errs := parser.Parse("t.xml", []byte(`<include-fragment fragment-id="f1" />`))
	if doc == nil || len(errs) > 0 {
		t.Fatal(errs)
	}
	c := &Compiler{Fragments: func(id string) (*parser.Document, bool) { return frag, id == "f1" }}
	stmts := c.SectionStmts(Inbound, doc.Root.Children)
	if len(c.Errs) != 0 || len(stmts) != 1 || stmts[0].Name != "trace" {
		t.Fatalf("statements %v, errors %v; want the fragment's trace", stmts, c.Errs)
	}
	if FactoryFor("include-fragment") == nil {
		t.Error("include-fragment not registered (validation would call it not implemented)")
	}
}

func TestIncludeFragmentFactoryRefusesDirectUse(t *testing.T) {
	doc, _ := parser.Parse("t.xml", []byte(`<include-fragment fragment-id="f1" />`))
	c := &Compiler{}
	if s := c.Statement("include-fragment[1]", doc.Root.Children[0]); s != nil {
		t.Fatal("a step was built for include-fragment")
	}
	if len(c.Errs) != 1 || !strings.Contains(c.Errs[0].Error(), "inlined by the compiler") {
		t.Errorf("errors %v", c.Errs)
	}
}
