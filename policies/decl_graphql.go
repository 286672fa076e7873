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

var declHTTPDataSource = &Decl{
	ElemDecl: ElemDecl{
		Name:        "http-data-source",
		Children:    []*ElemDecl{resolverPart("http-request"), resolverPart("backend"), resolverPart("http-response")},
		AnyChildren: true, AnyAttrs: true,
	},
	ResolverOnly: true, Priority: "P1", Category: "graphql",
}

var declPublishEvent = &Decl{
	ElemDecl: ElemDecl{
		Name:        "publish-event",
		Children:    []*ElemDecl{{Name: "targets", Max: 1, AnyChildren: true, AnyAttrs: true}},
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
	for _, d := range []*Decl{declHTTPDataSource, declPublishEvent, declSQLDataSource, declCosmosDBDataSource} {
		Declare(d)
	}
}
