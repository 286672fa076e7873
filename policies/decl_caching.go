package policies

// Declarations of the caching policies (policies.md §1.5, §2.31–§2.35, §3).

var cachingType = enum("caching-type", false, "prefer-external", "prefer-external", "external", "internal")

var declCacheLookup = &Decl{
	ElemDecl: ElemDecl{
		Name: "cache-lookup",
		Attrs: []AttrDecl{
			req(boolean("vary-by-developer", true, "false")),
			req(boolean("vary-by-developer-groups", true, "false")),
			boolean("allow-private-response-caching", true, "false"),
			cachingType,
			enum("downstream-caching-type", true, "none", "none", "private", "public"),
			boolean("must-revalidate", true, "true"),
		},
		Children: []*ElemDecl{
			textElem("vary-by-header", false, 0, 0),
			textElem("vary-by-query-parameter", false, 0, 0),
		},
	},
	Sections: secs(Inbound), OncePerSection: true, Priority: "P0", Category: "caching",
}

var declCacheStore = &Decl{
	ElemDecl: ElemDecl{
		Name: "cache-store",
		Attrs: []AttrDecl{
			req(integer("duration", true, "")),
			boolean("cache-response", true, "false"),
		},
	},
	Sections: secs(Outbound), OncePerSection: true, Priority: "P0", Category: "caching",
}

var declCacheLookupValue = &Decl{
	ElemDecl: ElemDecl{
		Name: "cache-lookup-value",
		Attrs: []AttrDecl{
			reqStr("key", true),
			reqStr("variable-name", false),
			{Name: "default-value", Kind: KindAny, Expr: true},
			cachingType,
		},
	},
	Sections: allSec, Priority: "P0", Category: "caching",
}

var declCacheStoreValue = &Decl{
	ElemDecl: ElemDecl{
		Name: "cache-store-value",
		Attrs: []AttrDecl{
			reqStr("key", true),
			{Name: "value", Kind: KindAny, Expr: true, Required: true},
			req(integer("duration", true, "")),
			cachingType,
		},
	},
	Sections: allSec, Priority: "P0", Category: "caching",
}

var declCacheRemoveValue = &Decl{
	ElemDecl: ElemDecl{
		Name: "cache-remove-value",
		Attrs: []AttrDecl{
			reqStr("key", true),
			cachingType,
			boolean("fail-on-cache-removal-error", false, "false"), // newer docs, not in spec
		},
	},
	Sections: allSec, Priority: "P0", Category: "caching",
}

// cache-value: toolkit only ([gap]); its <value> child holds the policies
// run on a miss.
var declCacheValue = &Decl{
	ElemDecl: ElemDecl{
		Name: "cache-value",
		Attrs: []AttrDecl{
			reqStr("key", true),
			reqStr("variable-name", false),
			integer("expires-after", true, ""),
			integer("refresh-after", true, ""),
			{Name: "default-value", Kind: KindAny, Expr: true},
			cachingType,
		},
		Children:    []*ElemDecl{{Name: "value", Max: 1, Statements: true}},
		AnyChildren: true,
	},
	Sections: allSec, Priority: "P1", Category: "caching",
}

func semanticLookupElem(name string) ElemDecl {
	return ElemDecl{
		Name: name,
		Attrs: []AttrDecl{
			{Name: "score-threshold", Kind: KindNumber, Expr: true},
			str("embeddings-backend-id", true),
			str("embeddings-backend-auth", false),
			boolean("ignore-system-messages", true, "false"),
			integer("max-message-count", true, ""),
			str("cache-id", false),
		},
		Children:    []*ElemDecl{textElem("vary-by", true, 0, 0)},
		AnyChildren: true,
	}
}

func semanticStoreElem(name string) ElemDecl {
	return ElemDecl{Name: name, Attrs: []AttrDecl{
		req(integer("duration", true, "")),
		boolean("cache-response", false, "false"), // newer docs, not in spec
	}}
}

var declLLMSemanticCacheLookup = &Decl{
	ElemDecl: semanticLookupElem("llm-semantic-cache-lookup"),
	Sections: secs(Inbound), Priority: "P1", Category: "caching",
}

var declLLMSemanticCacheStore = &Decl{
	ElemDecl: semanticStoreElem("llm-semantic-cache-store"),
	Sections: secs(Outbound), Priority: "P1", Category: "caching",
}

var declAzureOpenAISemanticCacheLookup = &Decl{
	ElemDecl: semanticLookupElem("azure-openai-semantic-cache-lookup"),
	Sections: secs(Inbound), Priority: "P1", Category: "caching",
}

var declAzureOpenAISemanticCacheStore = &Decl{
	ElemDecl: semanticStoreElem("azure-openai-semantic-cache-store"),
	Sections: secs(Outbound), Priority: "P1", Category: "caching",
}

func init() {
	for _, d := range []*Decl{
		declCacheLookup, declCacheStore, declCacheLookupValue, declCacheStoreValue,
		declCacheRemoveValue, declCacheValue,
		declLLMSemanticCacheLookup, declLLMSemanticCacheStore,
		declAzureOpenAISemanticCacheLookup, declAzureOpenAISemanticCacheStore,
	} {
		Declare(d)
	}
}
