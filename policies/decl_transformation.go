package policies

// Declarations of the transformation policies (policies.md §1.6, §2.1–§2.7,
// §2.10, §2.11, §2.36–§2.38, §3).

// existsAction is the exists-action attribute shared by set-header and
// set-query-parameter.
var existsAction = enum("exists-action", true, "override", "override", "skip", "append", "delete")

var declSetHeader = &Decl{
	ElemDecl: ElemDecl{
		Name:     "set-header",
		Attrs:    []AttrDecl{reqStr("name", true), existsAction},
		Children: []*ElemDecl{textElem("value", true, 0, 0)},
	},
	Sections: allSec, Priority: "P0", Category: "transformation",
}

var declSetQueryParameter = &Decl{
	ElemDecl: ElemDecl{
		Name:     "set-query-parameter",
		Attrs:    []AttrDecl{reqStr("name", true), existsAction},
		Children: []*ElemDecl{textElem("value", true, 0, 0)},
	},
	Sections: secs(Inbound, Backend), Priority: "P0", Category: "transformation",
}

var declSetVariable = &Decl{
	ElemDecl: ElemDecl{
		Name: "set-variable",
		Attrs: []AttrDecl{
			reqStr("name", false),
			// value is required, as the attribute or as a <value> child (both
			// forms occur; Groups checks that exactly one is there).
			{Name: "value", Kind: KindAny, Expr: true},
		},
		Children: []*ElemDecl{{Name: "value", Max: 1, Text: true, TextExpr: true, TextKind: KindAny}},
		Groups:   []Group{{Rule: ExactlyOne, Names: []string{"value"}, Either: true}},
	},
	Sections: allSec, Priority: "P0", Category: "transformation",
}

// set-body: on-error is accepted too (project decision, policies.md §1.6).
var declSetBody = &Decl{
	ElemDecl: ElemDecl{
		Name: "set-body",
		Attrs: []AttrDecl{
			// "none" is accepted by the service (deployed samples use it) though
			// the reference lists only liquid.
			enum("template", false, "", "liquid", "none"),
			enum("xsi-nil", false, "blank", "blank", "null"),
			boolean("parse-date", false, "true"),
		},
		Text: true, TextExpr: true, TextKind: KindString, Opaque: true,
	},
	Sections: allSec, Priority: "P0", Category: "transformation",
}

var declSetMethod = &Decl{
	ElemDecl: ElemDecl{
		Name: "set-method",
		Text: true, TextExpr: true, TextKind: KindString, TextRequired: true,
	},
	Sections: secs(Inbound, OnError), Priority: "P0", Category: "transformation",
}

var declSetStatus = &Decl{
	ElemDecl: ElemDecl{
		Name: "set-status",
		Attrs: []AttrDecl{
			req(integer("code", true, "")),
			// The reference marks reason required, but the service accepts it
			// missing (many deployed samples omit it); real APIM wins.
			str("reason", true),
		},
	},
	Sections: allSec, Priority: "P0", Category: "transformation",
}

var declRewriteURI = &Decl{
	ElemDecl: ElemDecl{
		Name: "rewrite-uri",
		Attrs: []AttrDecl{
			reqStr("template", true),
			boolean("copy-unmatched-params", false, "true"),
		},
	},
	Sections: secs(Inbound), Priority: "P0", Category: "transformation",
}

var declJSONToXML = &Decl{
	ElemDecl: ElemDecl{
		Name: "json-to-xml",
		Attrs: []AttrDecl{
			req(enum("apply", true, "", "always", "content-type-json")),
			boolean("consider-accept-header", true, "true"),
			boolean("parse-date", false, "true"),
			str("namespace-separator", true),
			str("namespace-prefix", true),
			str("attribute-block-name", true),
		},
	},
	Sections: secs(Inbound, Outbound, OnError), Priority: "P0", Category: "transformation",
}

var declXMLToJSON = &Decl{
	ElemDecl: ElemDecl{
		Name: "xml-to-json",
		Attrs: []AttrDecl{
			req(enum("kind", true, "", "javascript-friendly", "direct")),
			req(enum("apply", true, "", "always", "content-type-xml")),
			boolean("consider-accept-header", true, "true"),
			boolean("always-array-child-elements", true, "false"),
		},
	},
	Sections: secs(Inbound, Outbound, OnError), Priority: "P0", Category: "transformation",
}

var declFindAndReplace = &Decl{
	ElemDecl: ElemDecl{
		Name:  "find-and-replace",
		Attrs: []AttrDecl{reqStr("from", true), reqStr("to", true)},
	},
	Sections: allSec, Priority: "P0", Category: "transformation",
}

var declReturnResponse = &Decl{
	ElemDecl: ElemDecl{
		Name:  "return-response",
		Attrs: []AttrDecl{str("response-variable-name", false)},
		Children: []*ElemDecl{
			asChild(declSetStatus, 0, 1),
			asChild(declSetHeader, 0, 0),
			asChild(declSetBody, 0, 1),
		},
		Ordered: true,
	},
	Sections: allSec, Priority: "P0", Category: "transformation",
}

// mock-response: whether attributes take expressions is undocumented
// ([gap]); literals only until shown otherwise.
var declMockResponse = &Decl{
	ElemDecl: ElemDecl{
		Name: "mock-response",
		Attrs: []AttrDecl{
			integer("status-code", false, "200"),
			str("content-type", false),
			integer("index", false, ""),
		},
	},
	Sections: secs(Inbound, Outbound, OnError), Priority: "P0", Category: "transformation",
}

var declRedirectContentURLs = &Decl{
	ElemDecl: ElemDecl{Name: "redirect-content-urls"},
	Sections: secs(Inbound, Outbound), Priority: "P1", Category: "transformation",
}

// xsl-transform: the parser treats the content as opaque (parameters plus
// the stylesheet), so Children documents the shape only.
var declXSLTransform = &Decl{
	ElemDecl: ElemDecl{
		Name: "xsl-transform",
		Children: []*ElemDecl{
			{Name: "parameter", Attrs: []AttrDecl{reqStr("name", false)}, Text: true, TextExpr: true},
		},
		Text: true, Opaque: true, AnyChildren: true,
	},
	Sections: secs(Inbound, Outbound), Priority: "P1", Category: "transformation",
}

func init() {
	for _, d := range []*Decl{
		declSetHeader, declSetQueryParameter, declSetVariable, declSetBody,
		declSetMethod, declSetStatus, declRewriteURI, declJSONToXML,
		declXMLToJSON, declFindAndReplace, declReturnResponse,
		declMockResponse, declRedirectContentURLs, declXSLTransform,
	} {
		Declare(d)
	}
}
