package policies

// Declarations of the cross-domain policies (policies.md §1.7, §2.17, §3).

var declCORS = &Decl{
	ElemDecl: ElemDecl{
		Name: "cors",
		Attrs: []AttrDecl{
			boolean("allow-credentials", true, "false"),
			boolean("terminate-unmatched-request", true, "true"),
		},
		Children: []*ElemDecl{
			{Name: "allowed-origins", Min: 1, Max: 1, Children: []*ElemDecl{textElem("origin", false, 1, 0)}},
			{
				Name: "allowed-methods", Max: 1,
				Attrs:    []AttrDecl{integer("preflight-result-max-age", true, "0")},
				Children: []*ElemDecl{textElem("method", true, 1, 0)},
			},
			{Name: "allowed-headers", Max: 1, Children: []*ElemDecl{textElem("header", false, 1, 0)}},
			{Name: "expose-headers", Max: 1, Children: []*ElemDecl{textElem("header", false, 0, 0)}},
		},
		Ordered: true,
	},
	Sections: secs(Inbound), OncePerSection: true, Priority: "P0", Category: "cross-domain",
}

// cross-domain: the <cross-domain-policy> child is Flash crossdomain.xml
// content and is not checked.
var declCrossDomain = &Decl{
	ElemDecl: ElemDecl{
		Name:     "cross-domain",
		Children: []*ElemDecl{{Name: "cross-domain-policy", Max: 1, Opaque: true, AnyAttrs: true}},
	},
	Sections: secs(Inbound), Priority: "P1", Category: "cross-domain",
}

var declJSONP = &Decl{
	ElemDecl: ElemDecl{
		Name:  "jsonp",
		Attrs: []AttrDecl{reqStr("callback-parameter-name", false)},
	},
	Sections: secs(Outbound), Priority: "P1", Category: "cross-domain",
}

func init() {
	for _, d := range []*Decl{declCORS, declCrossDomain, declJSONP} {
		Declare(d)
	}
}
