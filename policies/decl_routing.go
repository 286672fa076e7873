package policies

// Declarations of the routing policies (policies.md §1.4, §2.8, §2.9, §3).

var declForwardRequest = &Decl{
	ElemDecl: ElemDecl{
		Name: "forward-request",
		Attrs: []AttrDecl{
			integer("timeout", true, "300"),
			integer("timeout-ms", true, ""),
			integer("continue-timeout", true, ""),
			enum("http-version", false, "1", "1", "2", "2or1"),
			boolean("follow-redirects", true, "false"),
			boolean("buffer-request-body", false, "false"),
			boolean("buffer-response", false, "true"),
			boolean("fail-on-error-status-code", false, "false"),
		},
		Groups: []Group{{Rule: AtMostOne, Names: []string{"timeout", "timeout-ms"}}},
	},
	Sections: secs(Backend), Priority: "P0", Category: "routing",
}

var declSetBackendService = &Decl{
	ElemDecl: ElemDecl{
		Name: "set-backend-service",
		Attrs: []AttrDecl{
			str("base-url", true),
			str("backend-id", true),
			str("sf-resolve-condition", true),
			str("sf-service-instance-name", true),
			str("sf-partition-key", true),
			str("sf-listener-name", true),
			enum("sf-replica-type", true, "", "primary", "secondary"),
			str("dapr-app-id", true),
			str("dapr-method", true),
			str("dapr-namespace", true),
		},
		Groups: []Group{{Rule: ExactlyOne, Names: []string{"base-url", "backend-id"}}},
	},
	Sections: secs(Inbound, Backend), Priority: "P0", Category: "routing",
}

var declProxy = &Decl{
	ElemDecl: ElemDecl{
		Name: "proxy",
		Attrs: []AttrDecl{
			reqStr("url", true),
			str("username", true),
			str("password", true),
		},
	},
	Sections: secs(Inbound), Priority: "P1", Category: "routing",
}

func init() {
	for _, d := range []*Decl{declForwardRequest, declSetBackendService, declProxy} {
		Declare(d)
	}
}
