package policies

// Declarations of the integration and external-communication policies
// (policies.md §1.8, §2.28, §2.40, §3).

// requestChildren are the configuration children of send-request and
// send-one-way-request, in the documented order.
func requestChildren() []*ElemDecl {
	setMethod := asChild(declSetMethod, 0, 1)
	setMethod.TextExpr = false // no expressions here, per the send-request page
	return []*ElemDecl{
		{Name: "set-url", Max: 1, Text: true, TextExpr: true, TextRequired: true},
		setMethod,
		asChild(declSetHeader, 0, 0),
		asChild(declSetBody, 0, 1),
		asChild(declAuthenticationCertificate, 0, 1),
		asChild(declAuthenticationManagedIdentity, 0, 1),
		asChild(declAuthenticationBasic, 0, 1),
		asChild(declProxy, 0, 1),
	}
}

var sendMode = enum("mode", true, "new", "new", "copy")

var declSendRequest = &Decl{
	ElemDecl: ElemDecl{
		Name: "send-request",
		Attrs: []AttrDecl{
			sendMode,
			// The reference requires it, but its own examples (the managed
			// identity page) omit it: the response is then discarded.
			str("response-variable-name", true),
			integer("timeout", true, "60"),
			boolean("ignore-error", false, "false"),
		},
		Children: requestChildren(),
		Ordered:  true,
	},
	Sections: allSec, Priority: "P0", Category: "integration",
}

var declSendOneWayRequest = &Decl{
	ElemDecl: ElemDecl{
		Name:     "send-one-way-request",
		Attrs:    []AttrDecl{sendMode, integer("timeout", true, "60")},
		Children: requestChildren(),
		Ordered:  true,
	},
	Sections: allSec, Priority: "P1", Category: "integration",
}

var declLogToEventHub = &Decl{
	ElemDecl: ElemDecl{
		Name: "log-to-eventhub",
		Attrs: []AttrDecl{
			reqStr("logger-id", true),
			str("partition-id", false),
			str("partition-key", true),
		},
		Text: true, TextExpr: true, TextKind: KindString,
		Groups: []Group{{Rule: AtMostOne, Names: []string{"partition-id", "partition-key"}}},
	},
	Sections: allSec, Priority: "P0", Category: "integration",
}

var declSendServiceBusMessage = &Decl{
	ElemDecl: ElemDecl{
		Name: "send-service-bus-message",
		Attrs: []AttrDecl{
			str("queue-name", true),
			str("topic-name", true),
			str("namespace", true),
			str("client-id", true),
		},
		Children: []*ElemDecl{
			{
				Name: "message-properties", Max: 1,
				Children: []*ElemDecl{{
					Name: "message-property", Attrs: []AttrDecl{reqStr("name", true)},
					Text: true, TextExpr: true,
				}},
			},
			{Name: "payload", Min: 1, Max: 1, Text: true, TextExpr: true},
		},
		Groups:      []Group{{Rule: ExactlyOne, Names: []string{"queue-name", "topic-name"}}},
		AnyChildren: true,
	},
	Sections: secs(Inbound, Outbound, OnError), Priority: "P2", Category: "integration",
}

// daprAttrs are shared by publish-to-dapr and invoke-dapr-binding.
func daprAttrs(first ...AttrDecl) []AttrDecl {
	return append(first,
		boolean("ignore-error", false, "false"),
		str("response-variable-name", false),
		integer("timeout", true, ""),
		enum("template", false, "", "liquid"),
		str("content-type", false),
	)
}

var declPublishToDapr = &Decl{
	ElemDecl: ElemDecl{
		Name: "publish-to-dapr",
		Attrs: daprAttrs(
			reqStr("topic", true),
			str("pubsub-name", true),
			str("pub-sub-name", true), // toolkit spelling, alias
		),
		Text: true, TextExpr: true,
		Groups:      []Group{{Rule: AtMostOne, Names: []string{"pubsub-name", "pub-sub-name"}}},
		AnyChildren: true,
	},
	Sections: secs(Inbound, Outbound, OnError), Priority: "P2", Category: "integration",
}

var declInvokeDaprBinding = &Decl{
	ElemDecl: ElemDecl{
		Name:  "invoke-dapr-binding",
		Attrs: daprAttrs(reqStr("name", true), str("operation", true)),
		Children: []*ElemDecl{
			{
				Name: "metadata", Max: 1,
				Children: []*ElemDecl{{
					Name: "item", Attrs: []AttrDecl{reqStr("key", false)},
					Text: true, TextExpr: true,
				}},
			},
			{Name: "data", Max: 1, Text: true, TextExpr: true},
		},
		AnyChildren: true,
	},
	Sections: secs(Inbound, Outbound, OnError), Priority: "P2", Category: "integration",
}

func init() {
	for _, d := range []*Decl{
		declSendRequest, declSendOneWayRequest, declLogToEventHub,
		declSendServiceBusMessage, declPublishToDapr, declInvokeDaprBinding,
	} {
		Declare(d)
	}
}
