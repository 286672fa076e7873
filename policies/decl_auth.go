package policies

// Declarations of the authentication and authorization policies
// (policies.md §1.2, §2.15–§2.22, §3).

// keyElem declares a key of issuer-signing-keys / decryption-keys: Base64
// text, or certificate-id, or RSA n + e.
func keyElem() *ElemDecl {
	return &ElemDecl{
		Name: "key",
		Attrs: []AttrDecl{
			str("id", false),
			str("certificate-id", false),
			str("n", false),
			str("e", false),
		},
		Text: true, TextExpr: true,
	}
}

// claimsElem declares required-claims/claim (validate-jwt and
// validate-azure-ad-token).
func claimsElem() *ElemDecl {
	return &ElemDecl{
		Name: "required-claims", Max: 1,
		Children: []*ElemDecl{{
			Name: "claim",
			Attrs: []AttrDecl{
				reqStr("name", false),
				enum("match", false, "all", "all", "any"),
				str("separator", false),
			},
			Children: []*ElemDecl{textElem("value", true, 0, 0)},
		}},
	}
}

func listElem(name, item string, expr bool) *ElemDecl {
	return &ElemDecl{Name: name, Max: 1, Children: []*ElemDecl{textElem(item, expr, 1, 0)}}
}

var declCheckHeader = &Decl{
	ElemDecl: ElemDecl{
		Name: "check-header",
		Attrs: []AttrDecl{
			reqStr("name", true),
			req(integer("failed-check-httpcode", true, "")),
			reqStr("failed-check-error-message", true),
			req(boolean("ignore-case", true, "")),
		},
		Children: []*ElemDecl{textElem("value", true, 0, 0)},
	},
	Sections: secs(Inbound), Priority: "P0", Category: "auth",
}

var declIPFilter = &Decl{
	ElemDecl: ElemDecl{
		Name:  "ip-filter",
		Attrs: []AttrDecl{req(enum("action", true, "", "allow", "forbid"))},
		Children: []*ElemDecl{
			{Name: "address", Text: true, TextExpr: true, TextRequired: true},
			{Name: "address-range", Attrs: []AttrDecl{reqStr("from", true), reqStr("to", true)}},
		},
		Groups: []Group{{Rule: AtLeastOne, Names: []string{"address", "address-range"}, Children: true}},
	},
	Sections: secs(Inbound), Priority: "P0", Category: "auth",
}

var declValidateJWT = &Decl{
	ElemDecl: ElemDecl{
		Name: "validate-jwt",
		Attrs: []AttrDecl{
			str("header-name", true),
			str("query-parameter-name", true),
			str("token-value", true),
			integer("failed-validation-httpcode", true, "401"),
			str("failed-validation-error-message", true),
			boolean("require-expiration-time", true, "true"),
			str("require-scheme", true),
			boolean("require-signed-tokens", true, "true"),
			integer("clock-skew", true, "0"),
			str("output-token-variable-name", false),
		},
		Children: []*ElemDecl{
			// url may be an expression: deployed solutions build it per tenant.
			{Name: "openid-config", Attrs: []AttrDecl{reqStr("url", true), boolean("validate-connectivity", false, "")}},
			{Name: "issuer-signing-keys", Max: 1, Children: []*ElemDecl{keyElem()}},
			{Name: "decryption-keys", Max: 1, Children: []*ElemDecl{keyElem()}},
			listElem("audiences", "audience", true),
			listElem("issuers", "issuer", true),
			claimsElem(),
		},
		Groups:  []Group{{Rule: ExactlyOne, Names: []string{"header-name", "query-parameter-name", "token-value"}}},
		Ordered: true,
	},
	Sections: secs(Inbound), Priority: "P0", Category: "auth",
}

// validate-azure-ad-token: header-name defaults to Authorization, so the
// token-source group is "at most one".
var declValidateAzureADToken = &Decl{
	ElemDecl: ElemDecl{
		Name: "validate-azure-ad-token",
		Attrs: []AttrDecl{
			reqStr("tenant-id", true),
			{Name: "header-name", Kind: KindString, Expr: true, Default: "Authorization"},
			str("query-parameter-name", true),
			str("token-value", true),
			str("authentication-endpoint", true),
			integer("failed-validation-httpcode", true, "401"),
			str("failed-validation-error-message", true),
			str("output-token-variable-name", false),
		},
		Children: []*ElemDecl{
			listElem("backend-application-ids", "application-id", true),
			listElem("client-application-ids", "application-id", true),
			listElem("audiences", "audience", true),
			claimsElem(),
			{Name: "decryption-keys", Max: 1, Children: []*ElemDecl{keyElem()}},
		},
		Groups: []Group{{Rule: AtMostOne, Names: []string{"header-name", "query-parameter-name", "token-value"}}},
	},
	Sections: secs(Inbound), Priority: "P0", Category: "auth",
}

var declAuthenticationBasic = &Decl{
	ElemDecl: ElemDecl{
		Name:  "authentication-basic",
		Attrs: []AttrDecl{reqStr("username", true), reqStr("password", true)},
	},
	Sections: secs(Inbound), Priority: "P0", Category: "auth",
}

var declAuthenticationCertificate = &Decl{
	ElemDecl: ElemDecl{
		Name: "authentication-certificate",
		Attrs: []AttrDecl{
			str("thumbprint", true),
			str("certificate-id", true),
			str("body", true),
			str("password", true),
		},
		Groups: []Group{{Rule: ExactlyOne, Names: []string{"thumbprint", "certificate-id", "body"}}},
	},
	Sections: secs(Inbound), Priority: "P0", Category: "auth",
}

var declAuthenticationManagedIdentity = &Decl{
	ElemDecl: ElemDecl{
		Name: "authentication-managed-identity",
		Attrs: []AttrDecl{
			reqStr("resource", true),
			str("client-id", false),
			str("output-token-variable-name", false),
			boolean("ignore-error", false, "false"),
		},
	},
	// The reference lists inbound only; deployed samples acquire tokens in
	// outbound too (with output-token-variable-name), so the service accepts it.
	Sections: secs(Inbound, Outbound), Priority: "P0", Category: "auth",
}

var declValidateClientCertificate = &Decl{
	ElemDecl: ElemDecl{
		Name: "validate-client-certificate",
		Attrs: []AttrDecl{
			boolean("validate-revocation", false, "true"),
			boolean("validate-trust", false, "true"),
			boolean("validate-not-before", false, "true"),
			boolean("validate-not-after", false, "true"),
			boolean("ignore-error", false, "false"),
		},
		Children: []*ElemDecl{{
			Name: "identities", Max: 1,
			Children: []*ElemDecl{{
				Name: "identity",
				Attrs: []AttrDecl{
					str("thumbprint", false), str("serial-number", false),
					str("common-name", false), str("subject", false),
					str("dns-name", false), str("issuer-subject", false),
					str("issuer-thumbprint", false), str("issuer-certificate-id", false),
				},
			}},
		}},
		AnyChildren: true,
	},
	Sections: secs(Inbound), Priority: "P1", Category: "auth",
}

var declGetAuthorizationContext = &Decl{
	ElemDecl: ElemDecl{
		Name: "get-authorization-context",
		Attrs: []AttrDecl{
			reqStr("provider-id", true),
			reqStr("authorization-id", true),
			reqStr("context-variable-name", false),
			enum("identity-type", false, "managed", "managed", "jwt"),
			str("identity", true),
			boolean("ignore-error", false, "false"),
		},
	},
	Sections: secs(Inbound), Priority: "P2", Category: "auth",
}

func init() {
	for _, d := range []*Decl{
		declCheckHeader, declIPFilter, declValidateJWT, declValidateAzureADToken,
		declAuthenticationBasic, declAuthenticationCertificate,
		declAuthenticationManagedIdentity, declValidateClientCertificate,
		declGetAuthorizationContext,
	} {
		Declare(d)
	}
}
