package policies

// Declarations of the logging and metrics policies (policies.md §1.9,
// §2.39, §2.41, §2.43).

var declTrace = &Decl{
	ElemDecl: ElemDecl{
		Name: "trace",
		Attrs: []AttrDecl{
			reqStr("source", false),
			enum("severity", false, "verbose", "verbose", "information", "error"),
		},
		Children: []*ElemDecl{
			{Name: "message", Max: 1, Text: true, TextExpr: true},
			{Name: "metadata", Attrs: []AttrDecl{reqStr("name", true), reqStr("value", true)}},
		},
		// The older form puts the message in the element's text:
		// <trace source="x">@(...)</trace>; the trace step requires one of the two.
		Text: true, TextExpr: true, TextOr: "message",
		Ordered: true,
	},
	Sections: allSec, Priority: "P0", Category: "logging",
}

// dimensionElem declares a metric dimension; value may be omitted for the
// default dimensions (checked at compile time, not here).
func dimensionElem(lo, hi int) *ElemDecl {
	return &ElemDecl{
		Name:  "dimension",
		Attrs: []AttrDecl{reqStr("name", true), str("value", true)},
		Min:   lo, Max: hi,
	}
}

var declEmitMetric = &Decl{
	ElemDecl: ElemDecl{
		Name: "emit-metric",
		Attrs: []AttrDecl{
			reqStr("name", false),
			{Name: "namespace", Kind: KindString, Default: "API Management"},
			{Name: "value", Kind: KindNumber, Expr: true, Default: "1"},
		},
		Children: []*ElemDecl{dimensionElem(1, 10)},
	},
	Sections: allSec, Priority: "P0", Category: "logging",
}

var declLLMEmitTokenMetric = &Decl{
	ElemDecl: ElemDecl{
		Name:     "llm-emit-token-metric",
		Attrs:    []AttrDecl{{Name: "namespace", Kind: KindString, Default: "API Management"}},
		Children: []*ElemDecl{dimensionElem(1, 0)},
	},
	Sections: secs(Inbound), Priority: "P0", Category: "logging",
}

// azure-openai-emit-token-metric: the page lists a value attribute of
// unclear meaning ([gap]); accepted and ignored.
var declAzureOpenAIEmitTokenMetric = &Decl{
	ElemDecl: ElemDecl{
		Name: "azure-openai-emit-token-metric",
		Attrs: []AttrDecl{
			{Name: "namespace", Kind: KindString, Default: "API Management"},
			{Name: "value", Kind: KindNumber, Expr: true, Default: "1"},
		},
		Children: []*ElemDecl{dimensionElem(1, 0)},
	},
	Sections: secs(Inbound), Priority: "P0", Category: "logging",
}

func init() {
	for _, d := range []*Decl{declTrace, declEmitMetric, declLLMEmitTokenMetric, declAzureOpenAIEmitTokenMetric} {
		Declare(d)
	}
}
