package policies

import (
	"strings"
	"testing"

	"github.com/policygate/policygate/policies/xslt"
)

// A stylesheet that does not compile is a load error at its line in the
// policy file; a well-formed one loads without a not-supported warning.
func TestXSLTransformLoadErrors(t *testing.T) {
	if !xslt.Available {
		t.Skip("built without cgo: xsl-transform is unsupported in this build")
	}
	src := "<xsl-transform>\n" +
		"  <parameter name=\"p\">@(context.Request.Method)</parameter>\n" +
		"  <xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\">\n" +
		"    <xsl:template match=\"/\">\n" +
		"      <xsl:value-of select=\"(\" />\n" +
		"    </xsl:template>\n" +
		"  </xsl:stylesheet>\n" +
		"</xsl-transform>"
	diags := LintFile("t.xml", []byte(src), LintOptions{Scope: ScopeAPI}).Problems
	if len(diags) != 1 || diags[0].Pos.Line != 5 || !strings.Contains(diags[0].Msg, "does not compile") || !strings.Contains(diags[0].Msg, "value-of") {
		t.Fatalf("got %v, want one error at line 5", diags)
	}
	good := strings.Replace(src, `select="("`, `select="count(*)"`, 1)
	if d := LintFile("t.xml", []byte(good), LintOptions{Scope: ScopeAPI}).Problems; len(d) != 0 {
		t.Fatalf("good stylesheet: %v", d)
	}
	for _, bad := range []string{
		"<xsl-transform><parameter>x</parameter><xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\"/></xsl-transform>",
		"<xsl-transform><parameter name=\"a\">x</parameter></xsl-transform>",
	} {
		d := LintFile("t.xml", []byte(bad), LintOptions{Scope: ScopeAPI}).Problems
		if !d.HasErrors() {
			t.Errorf("%s: accepted", bad)
		}
	}
}
