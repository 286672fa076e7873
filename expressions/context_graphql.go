package expressions

import (
	"github.com/policygate/policygate/expressions/dotnet"
)

// GraphQLContext is context.GraphQL inside a GraphQL resolver: the parent
// object of the field being resolved and the field's arguments, both
// JObjects (configure-graphql-resolver: context.GraphQL.Parent,
// context.GraphQL.Arguments). A root field's parent is an empty object.
type GraphQLContext struct {
	Parent    *dotnet.JObject
	Arguments *dotnet.JObject
}

// GraphQLType is the type of context.GraphQL; ParentResultType is the type
// of context.ParentResult, the preview set-graphql-resolver policy's view
// of the same parent (ParentResult.AsJObject()).
var (
	GraphQLType      = newModelType("IGraphQLContext", "Microsoft.ApiManagement.IGraphQLContext", (*GraphQLContext)(nil))
	ParentResultType = newModelType("IGraphQLParentResult", "Microsoft.ApiManagement.IGraphQLParentResult", (*graphqlParent)(nil))
)

// graphqlParent is context.ParentResult.
type graphqlParent struct{ obj *dotnet.JObject }

// graphqlOf is context.GraphQL, or nil outside a resolver.
func graphqlOf(c *Context) any {
	if g, ok := c.GraphQL.(*GraphQLContext); ok && g != nil {
		return g
	}
	return nil
}

func init() {
	dotnet.Register(GraphQLType)
	dotnet.Register(ParentResultType)
	GraphQLType.AddProp(
		getter("Parent", dotnet.JObjectT, func(g *GraphQLContext) any { return orNil(g.Parent) }),
		getter("Arguments", dotnet.JObjectT, func(g *GraphQLContext) any { return orNil(g.Arguments) }),
	)
	ParentResultType.AddMethod(method("AsJObject", dotnet.JObjectT, func(r any, _ []any) (any, error) {
		return orNil(r.(*graphqlParent).obj), nil
	}))
	ContextType.AddProp(getter("ParentResult", ParentResultType, func(c *Context) any {
		if g, ok := c.GraphQL.(*GraphQLContext); ok && g != nil {
			return &graphqlParent{obj: g.Parent}
		}
		return nil
	}))
}
