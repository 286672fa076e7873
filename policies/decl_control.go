package policies

// Declarations of the policy-control and flow policies (policies.md §1.11,
// §2.12–§2.14, §2.29, §2.30).

// declBase is <base/>. Validate handles it structurally: only as a direct
// child of a section, at most once per section, never in a fragment.
var declBase = &Decl{
	ElemDecl: ElemDecl{Name: "base"},
	Sections: allSec, Priority: "P0", Category: "control",
}

var declChoose = &Decl{
	ElemDecl: ElemDecl{
		Name: "choose",
		Children: []*ElemDecl{
			{
				Name:       "when",
				Attrs:      []AttrDecl{{Name: "condition", Kind: KindBool, Expr: true, Required: true}},
				Min:        1,
				Statements: true,
			},
			{Name: "otherwise", Max: 1, Statements: true},
		},
		Ordered: true,
	},
	Sections: allSec, Priority: "P0", Category: "control",
}

var declIncludeFragment = &Decl{
	ElemDecl: ElemDecl{
		Name:  "include-fragment",
		Attrs: []AttrDecl{reqStr("fragment-id", false)},
	},
	Sections: allSec, Priority: "P0", Category: "control",
}

var declRetry = &Decl{
	ElemDecl: ElemDecl{
		Name: "retry",
		Attrs: []AttrDecl{
			{Name: "condition", Kind: KindBool, Expr: true, Required: true},
			req(integer("count", true, "")),
			req(integer("interval", true, "")),
			integer("max-interval", true, ""),
			integer("delta", true, ""),
			boolean("first-fast-retry", true, "false"),
		},
		Statements: true,
	},
	Sections: allSec, Priority: "P0", Category: "control",
}

var declWait = &Decl{
	ElemDecl: ElemDecl{
		Name:           "wait",
		Attrs:          []AttrDecl{enum("for", true, "all", "all", "any")},
		Statements:     true,
		StatementNames: []string{"send-request", "cache-lookup-value", "choose"},
	},
	Sections: secs(Inbound, Backend, Outbound), Priority: "P0", Category: "control",
}

func init() {
	for _, d := range []*Decl{declBase, declChoose, declIncludeFragment, declRetry, declWait} {
		Declare(d)
	}
}
