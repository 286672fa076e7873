package policies

// Declarations of the GraphQL resolver policies (policies.md §1.10). They
// are only valid inside a resolver definition, never in a section. The spec
// gives no attribute tables, so the declarations are lenient.

// resolverPart declares a resolver child container (http-request,
// http-response, response …). Its content mixes policies with resolver-only
// elements (set-url …) that the spec does not describe, so it is not checked.
func resolverPart(name string) *ElemDecl {
	return &ElemDecl{Name: name, Max: 1, Opaque: true, AnyAttrs: true}
}

// httpDataSourceElem is the element schema of http-data-source: three
// containers of policy statements; http-request also takes <set-url>.
func httpDataSourceElem() ElemDecl {
	return ElemDecl{
		Name: "http-data-source",
		Children: []*ElemDecl{
			{Name: "http-request", Max: 1, Statements: true, AnyAttrs: true,
				Children: []*ElemDecl{{Name: "set-url", Max: 1, Text: true, TextExpr: true, TextRequired: true}}},
			{Name: "backend", Max: 1, Statements: true, AnyAttrs: true},
			{Name: "http-response", Max: 1, Statements: true, AnyAttrs: true},
		},
		AnyAttrs: true, OwnContext: true,
	}
}

var declHTTPDataSource = &Decl{
	ElemDecl:     httpDataSourceElem(),
	ResolverOnly: true, Priority: "P1", Category: "graphql",
}

// declSetGraphQLResolver is the preview resolver policy of the backend
// section (set-graphql-resolver-policy.md), superseded by managed
// resolvers.
var declSetGraphQLResolver = &Decl{
	ElemDecl: ElemDecl{
		Name:     "set-graphql-resolver",
		Attrs:    []AttrDecl{{Name: "parent-type", Kind: KindString, Required: true}, {Name: "field", Kind: KindString, Required: true}},
		Children: []*ElemDecl{func() *ElemDecl { e := httpDataSourceElem(); e.Min, e.Max = 1, 1; return &e }()},
	},
	Sections: []Section{Backend}, Priority: "P2", Category: "graphql",
}

var declPublishEvent = &Decl{
	ElemDecl: ElemDecl{
		Name: "publish-event",
		Children: []*ElemDecl{{Name: "targets", Max: 1, AnyChildren: true, AnyAttrs: true,
			Children: []*ElemDecl{{Name: "graphql-subscription", AnyAttrs: true}}}},
		AnyChildren: true, AnyAttrs: true,
	},
	ResolverOnly: true, Priority: "P1", Category: "graphql",
}

var declSQLDataSource = &Decl{
	ElemDecl: ElemDecl{
		Name: "sql-data-source",
		Children: []*ElemDecl{
			{Name: "connection-info", Max: 1, Opaque: true, AnyAttrs: true},
			{Name: "request", Max: 1, Opaque: true, AnyAttrs: true},
			resolverPart("response"),
		},
		AnyChildren: true, AnyAttrs: true,
	},
	ResolverOnly: true, Priority: "P2", Category: "graphql",
}

var declCosmosDBDataSource = &Decl{
	ElemDecl: ElemDecl{
		Name: "cosmosdb-data-source",
		Children: []*ElemDecl{
			{Name: "connection-info", Max: 1, Opaque: true, AnyAttrs: true},
			{Name: "query-request", Max: 1, Opaque: true, AnyAttrs: true},
			{Name: "read-request", Max: 1, Opaque: true, AnyAttrs: true},
			{Name: "delete-request", Max: 1, Opaque: true, AnyAttrs: true},
			{Name: "write-request", Max: 1, Opaque: true, AnyAttrs: true},
			resolverPart("response"),
		},
		AnyChildren: true, AnyAttrs: true,
	},
	ResolverOnly: true, Priority: "P2", Category: "graphql",
}

func init() {
	for _, d := range []*Decl{declHTTPDataSource, declSetGraphQLResolver, declPublishEvent, declSQLDataSource, declCosmosDBDataSource} {
		Declare(d)
	}
}
