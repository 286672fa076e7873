package policies

// Declarations of the rate-limiting and quota policies (policies.md §1.1,
// §2.23–§2.27, §2.42).

// limitHeaderAttrs are the optional header/variable name attributes shared
// by rate-limit and rate-limit-by-key.
func limitHeaderAttrs() []AttrDecl {
	return []AttrDecl{
		{Name: "retry-after-header-name", Kind: KindString, Default: "Retry-After"},
		str("retry-after-variable-name", false),
		str("remaining-calls-header-name", false),
		str("remaining-calls-variable-name", false),
		str("total-calls-header-name", false),
	}
}

// limitTarget declares the api/operation children of rate-limit and quota.
func limitTarget(name string, bandwidth bool, children ...*ElemDecl) *ElemDecl {
	e := &ElemDecl{
		Name: name,
		Attrs: []AttrDecl{
			str("name", false),
			str("id", false),
			integer("calls", false, ""),
			integer("renewal-period", false, ""),
		},
		Children: children,
		Groups:   []Group{{Rule: AtLeastOne, Names: []string{"name", "id"}}},
	}
	if bandwidth {
		e.Attrs = append(e.Attrs, integer("bandwidth", false, ""))
		e.Groups = append(e.Groups, Group{Rule: AtLeastOne, Names: []string{"calls", "bandwidth"}})
	} else {
		e.Attrs[2].Required = true
	}
	// renewal-period of an <api>/<operation> child defaults to the parent's:
	// Microsoft's policy toolkit writes quota children without it.
	return e
}

var declRateLimit = &Decl{
	ElemDecl: ElemDecl{
		Name: "rate-limit",
		Attrs: append([]AttrDecl{
			req(integer("calls", false, "")),
			req(integer("renewal-period", false, "")),
		}, limitHeaderAttrs()...),
		Children: []*ElemDecl{limitTarget("api", false, limitTarget("operation", false))},
	},
	Sections: secs(Inbound), Scopes: []Scope{ScopeProduct, ScopeAPI, ScopeOperation},
	OncePerDocument: true, Priority: "P0", Category: "rate-limiting",
}

var declRateLimitByKey = &Decl{
	ElemDecl: ElemDecl{
		Name: "rate-limit-by-key",
		Attrs: append([]AttrDecl{
			req(integer("calls", true, "")),
			req(integer("renewal-period", true, "")),
			reqStr("counter-key", true),
			{Name: "increment-condition", Kind: KindBool, Expr: true},
			integer("increment-count", true, "1"),
			// Toolkit-only attributes ([gap]); accepted without effect.
			boolean("increment-after-response", true, ""),
			boolean("flexible-retry-window", true, ""),
		}, limitHeaderAttrs()...),
	},
	Sections: secs(Inbound), Priority: "P0", Category: "rate-limiting",
}

var declQuota = &Decl{
	ElemDecl: ElemDecl{
		Name: "quota",
		Attrs: []AttrDecl{
			integer("calls", false, ""),
			integer("bandwidth", false, ""),
			req(integer("renewal-period", false, "")),
		},
		Children: []*ElemDecl{limitTarget("api", true, limitTarget("operation", true))},
		Groups:   []Group{{Rule: AtLeastOne, Names: []string{"calls", "bandwidth"}}},
	},
	Sections: secs(Inbound), Scopes: []Scope{ScopeProduct},
	OncePerDocument: true, Priority: "P0", Category: "rate-limiting",
}

var declQuotaByKey = &Decl{
	ElemDecl: ElemDecl{
		Name: "quota-by-key",
		Attrs: []AttrDecl{
			integer("calls", false, ""),
			integer("bandwidth", false, ""),
			reqStr("counter-key", true),
			{Name: "increment-condition", Kind: KindBool, Expr: true},
			integer("increment-count", true, "1"),
			req(integer("renewal-period", false, "")),
			{Name: "first-period-start", Kind: KindString, Default: "0001-01-01T00:00:00Z"},
		},
		Groups: []Group{{Rule: AtLeastOne, Names: []string{"calls", "bandwidth"}}},
	},
	Sections: secs(Inbound), Priority: "P0", Category: "rate-limiting",
}

var declLimitConcurrency = &Decl{
	ElemDecl: ElemDecl{
		Name: "limit-concurrency",
		Attrs: []AttrDecl{
			reqStr("key", true),
			req(integer("max-count", false, "")),
		},
		Statements: true,
	},
	Sections: allSec, Priority: "P0", Category: "rate-limiting",
}

// tokenLimitElem is shared by llm-token-limit and azure-openai-token-limit.
func tokenLimitElem(name string) ElemDecl {
	return ElemDecl{
		Name: name,
		Attrs: []AttrDecl{
			reqStr("counter-key", true),
			integer("tokens-per-minute", true, ""),
			integer("token-quota", false, ""),
			enum("token-quota-period", false, "", "Hourly", "Daily", "Weekly", "Monthly", "Yearly"),
			boolean("estimate-prompt-tokens", true, ""),
			boolean("estimate-prompt-token", true, ""), // toolkit spelling, alias
			{Name: "retry-after-header-name", Kind: KindString, Default: "Retry-After"},
			str("retry-after-variable-name", false),
			str("remaining-quota-tokens-header-name", false),
			str("remaining-quota-tokens-variable-name", false),
			str("remaining-tokens-header-name", false),
			str("remaining-tokens-variable-name", false),
			str("tokens-consumed-header-name", false),
			str("tokens-consumed-variable-name", false),
		},
		Groups: []Group{
			{Rule: AtLeastOne, Names: []string{"tokens-per-minute", "token-quota"}},
			// Optional in practice: the reference's own example omits it.
			{Rule: AtMostOne, Names: []string{"estimate-prompt-tokens", "estimate-prompt-token"}},
		},
	}
}

var declLLMTokenLimit = &Decl{
	ElemDecl: tokenLimitElem("llm-token-limit"),
	Sections: secs(Inbound), Priority: "P0", Category: "rate-limiting",
}

var declAzureOpenAITokenLimit = &Decl{
	ElemDecl: tokenLimitElem("azure-openai-token-limit"),
	Sections: secs(Inbound), Priority: "P0", Category: "rate-limiting",
}

func init() {
	for _, d := range []*Decl{
		declRateLimit, declRateLimitByKey, declQuota, declQuotaByKey,
		declLimitConcurrency, declLLMTokenLimit, declAzureOpenAITokenLimit,
	} {
		Declare(d)
	}
}
