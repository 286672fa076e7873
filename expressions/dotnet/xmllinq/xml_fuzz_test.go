package xmllinq

import (
	"strings"
	"testing"

	"github.com/policygate/policygate/expressions/dotnet"
)

func FuzzXMLParse(f *testing.F) {
	for _, s := range []string{`<a><b x="1">t</b></a>`, `<a`, `<a xmlns="u"><b/></a>`, `<?xml version="1.0"?><r/>`,
		`<p:a xmlns:p="u"><p:b><c xmlns="v">t<![CDATA[x]]></c></p:b></p:a>`,
		strings.Repeat("<a>", MaxXMLDepth) + strings.Repeat("</a>", MaxXMLDepth),
		strings.Repeat("<a>", MaxXMLDepth+1) + strings.Repeat("</a>", MaxXMLDepth+1),
		strings.Repeat("<a>", 100_000) + strings.Repeat("</a>", 100_000),
		"<r>" + strings.Repeat("<c>v</c>", 10_000) + "</r>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseXDocument(s)
		if err != nil {
			return
		}
		if depth := xmlDepth(d.Root()); depth > MaxXMLDepth {
			t.Fatalf("parsed a document %d deep", depth)
		}
		for _, indent := range []bool{true, false} {
			out, err := XMLStringErr(d, indent)
			if err != nil {
				continue // over the string cap: an OutOfMemoryException, not a crash
			}
			if len(out) > dotnet.MaxStringLength {
				t.Fatalf("ToString gave %d characters", len(out))
			}
			if _, err := ParseXDocument(out); err != nil {
				t.Fatalf("ToString(%v) of %q is not XML: %v\n%s", indent, s, err, out)
			}
		}
		_ = d.Root().String()
	})
}

func xmlDepth(e *XElement) int {
	most := 0
	for _, k := range e.Elements(nil) {
		most = max(most, xmlDepth(k))
	}
	return most + 1
}
