package policies

// Declarations of the content-validation policies (policies.md §1.3, §3).
// The spec only lists attribute names for these, so the declarations are
// lenient: undeclared children are warnings, nothing beyond the obvious is
// required.

var validationAction = []string{"ignore", "prevent", "detect"}

func actionAttr(name string) AttrDecl {
	return enum(name, true, "", validationAction...)
}

var declValidateContent = &Decl{
	ElemDecl: ElemDecl{
		Name: "validate-content",
		Attrs: []AttrDecl{
			actionAttr("unspecified-content-type-action"),
			integer("max-size", true, ""),
			actionAttr("size-exceeded-action"),
			str("errors-variable-name", false),
		},
		Children: []*ElemDecl{
			{
				Name: "content-type-map", Max: 1, AnyChildren: true, AnyAttrs: true,
				Children: []*ElemDecl{{Name: "type", AnyAttrs: true}},
			},
			{
				Name: "content",
				Attrs: []AttrDecl{
					str("type", false),
					enum("validate-as", false, "", "json", "xml", "soap"),
					actionAttr("action"),
					str("schema-id", false),
					str("schema-ref", false),
					boolean("allow-additional-properties", false, ""),
					boolean("case-insensitive-property-names", false, ""),
				},
			},
		},
		AnyChildren: true,
	},
	Sections: secs(Inbound, Outbound, OnError), Priority: "P1", Category: "validation",
}

func parameterList(name string) *ElemDecl {
	return &ElemDecl{
		Name: name, Max: 1,
		Attrs: []AttrDecl{
			actionAttr("specified-parameter-action"),
			actionAttr("unspecified-parameter-action"),
		},
		Children: []*ElemDecl{{
			Name:  "parameter",
			Attrs: []AttrDecl{reqStr("name", false), actionAttr("action")},
		}},
	}
}

var declValidateParameters = &Decl{
	ElemDecl: ElemDecl{
		Name: "validate-parameters",
		Attrs: []AttrDecl{
			actionAttr("specified-parameter-action"),
			actionAttr("unspecified-parameter-action"),
			str("errors-variable-name", false),
		},
		Children:    []*ElemDecl{parameterList("headers"), parameterList("query"), parameterList("path")},
		AnyChildren: true,
	},
	Sections: secs(Inbound), Priority: "P1", Category: "validation",
}

var declValidateHeaders = &Decl{
	ElemDecl: ElemDecl{
		Name: "validate-headers",
		Attrs: []AttrDecl{
			actionAttr("specified-header-action"),
			actionAttr("unspecified-header-action"),
			str("errors-variable-name", false),
		},
		Children: []*ElemDecl{{
			Name:  "header",
			Attrs: []AttrDecl{reqStr("name", false), actionAttr("action")},
		}},
		AnyChildren: true,
	},
	Sections: secs(Outbound, OnError), Priority: "P1", Category: "validation",
}

var declValidateStatusCode = &Decl{
	ElemDecl: ElemDecl{
		Name: "validate-status-code",
		Attrs: []AttrDecl{
			actionAttr("unspecified-status-code-action"),
			str("errors-variable-name", false),
			str("error-variable-name", false), // toolkit spelling, alias
		},
		Children: []*ElemDecl{{
			Name:  "status-code",
			Attrs: []AttrDecl{req(integer("code", false, "")), actionAttr("action")},
		}},
		AnyChildren: true,
	},
	Sections: secs(Outbound, OnError), Priority: "P1", Category: "validation",
}

var declValidateODataRequest = &Decl{
	ElemDecl: ElemDecl{
		Name: "validate-odata-request",
		Attrs: []AttrDecl{
			str("error-variable-name", false),
			str("default-odata-version", false),
			str("min-odata-version", false),
			str("max-odata-version", false),
			integer("max-size", false, ""),
		},
		AnyChildren: true,
	},
	Sections: secs(Inbound), Priority: "P1", Category: "validation",
}

var declValidateGraphQLRequest = &Decl{
	ElemDecl: ElemDecl{
		Name: "validate-graphql-request",
		Attrs: []AttrDecl{
			str("error-variable-name", false),
			integer("max-size", true, ""),
			integer("max-depth", true, ""),
			integer("max-total-depth", true, ""),
			integer("max-complexity", true, ""),
		},
		Children: []*ElemDecl{{
			Name: "authorize", Max: 1,
			Children: []*ElemDecl{{
				Name: "rule",
				Attrs: []AttrDecl{
					reqStr("path", false),
					{Name: "action", Kind: KindEnum, Expr: true, Required: true, Enum: []string{"allow", "remove", "reject", "ignore"}},
				},
			}},
		}},
		AnyChildren: true,
	},
	Sections: secs(Inbound), Priority: "P1", Category: "validation",
}

var declLLMContentSafety = &Decl{
	ElemDecl: ElemDecl{
		Name: "llm-content-safety",
		Attrs: []AttrDecl{
			reqStr("backend-id", false),
			boolean("shield-prompt", true, "false"),
			// newer docs, not in spec
			boolean("enforce-on-completions", false, "false"),
			integer("window-size", false, ""),
			integer("window-overlap-size", false, ""),
		},
		Children: []*ElemDecl{
			{
				Name: "categories", Max: 1,
				Attrs: []AttrDecl{str("output-type", false)},
				Children: []*ElemDecl{{
					Name:  "category",
					Attrs: []AttrDecl{reqStr("name", false), integer("threshold", true, "")},
				}},
			},
			{Name: "blocklists", Max: 1, Children: []*ElemDecl{textElem("id", true, 0, 0)}},
		},
		AnyChildren: true,
	},
	Sections: secs(Inbound), Priority: "P2", Category: "validation",
}

func init() {
	for _, d := range []*Decl{
		declValidateContent, declValidateParameters, declValidateHeaders,
		declValidateStatusCode, declValidateODataRequest, declValidateGraphQLRequest,
		declLLMContentSafety,
	} {
		Declare(d)
	}
}
