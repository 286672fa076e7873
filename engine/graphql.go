package engine

import (
	"fmt"
	"strings"

	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
)

// Resolver is a managed GraphQL resolver of an API (APIOps
// apis/<api>/resolvers/<name>/: resolverInformation.json and policy.xml):
// the field it resolves and its policy, an <http-data-source>.
type Resolver struct {
	Name string // the resolver's name (its folder)
	// Path is "Type/field", as resolverInformation.json's properties.path.
	Path string
	// At is where Path was read (resolverInformation.json), for errors.
	At     parser.Pos
	Policy *PolicyDoc
}

// compileGraphQL compiles the managed resolvers of every GraphQL API and
// gives the API's pipelines their executor. A resolver whose type or field
// is not in the schema is not linked: APIM never invokes it, so it loads
// with a warning.
func (e *Engine) compileGraphQL(lookup namedvalues.LookupFunc, strict bool) parser.Errors {
	var errs parser.Errors
	for _, api := range e.Config.APIs {
		if len(api.Resolvers) == 0 {
			continue
		}
		var schema *policies.GraphQLSchema
		for _, op := range api.Operations {
			if op.Spec != nil && op.Spec.GraphQL != nil {
				schema = op.Spec.GraphQL
			}
		}
		if schema == nil {
			errs = append(errs, &parser.Error{Pos: api.Resolvers[0].At, Code: parser.CodeBadStructure, Severity: parser.SeverityWarning,
				Msg: fmt.Sprintf("API %q has GraphQL resolvers but no GraphQL schema: they are not used", api.ID)})
			continue
		}
		x := &policies.GraphQLExecutor{Schema: schema, Resolvers: map[string]*policies.GraphQLResolver{}}
		for _, res := range api.Resolvers {
			typ, field, ok := strings.Cut(strings.TrimSpace(res.Path), "/")
			if !ok || typ == "" || field == "" || strings.Contains(field, "/") {
				errs = append(errs, &parser.Error{Pos: res.At, Code: parser.CodeBadStructure,
					Msg: fmt.Sprintf("resolver %q of API %q: path %q must be Type/field", res.Name, api.ID, res.Path)})
				continue
			}
			if !schema.HasField(typ, field) {
				errs = append(errs, &parser.Error{Pos: res.At, Code: parser.CodeBadStructure, Severity: parser.SeverityWarning,
					Msg: fmt.Sprintf("resolver %q of API %q is not linked: the schema has no field %s.%s", res.Name, api.ID, typ, field)})
				continue
			}
			if res.Policy == nil {
				errs = append(errs, &parser.Error{Pos: res.At, Code: parser.CodeBadStructure,
					Msg: fmt.Sprintf("resolver %q of API %q has no policy.xml", res.Name, api.ID)})
				continue
			}
			if _, dup := x.Resolvers[typ+"/"+field]; dup {
				errs = append(errs, &parser.Error{Pos: res.At, Code: parser.CodeBadStructure,
					Msg: fmt.Sprintf("resolver %q of API %q: another resolver already resolves %s", res.Name, api.ID, res.Path)})
				continue
			}
			compiled, cerrs := e.compileResolver(res.Policy, lookup, strict)
			errs = append(errs, cerrs...)
			if compiled != nil {
				x.Resolvers[typ+"/"+field] = compiled
			}
		}
		for _, op := range api.Operations {
			for key, p := range e.byOp {
				if key.op == op && p != nil {
					e.byOp[key] = &Pipeline{Sections: p.Sections, graphql: x}
				}
			}
		}
	}
	return errs
}

// compileResolver parses, validates and compiles one resolver policy.
func (e *Engine) compileResolver(pd *PolicyDoc, lookup namedvalues.LookupFunc, strict bool) (*policies.GraphQLResolver, parser.Errors) {
	doc, errs := parser.Parse(pd.File, pd.Source)
	if doc == nil {
		return nil, errs
	}
	if doc.Kind != parser.KindSnippet || len(doc.Root.Children) != 1 {
		return nil, append(errs, &parser.Error{Pos: doc.Root.Pos, Code: parser.CodeBadStructure, Msg: "a resolver policy must be one <http-data-source> element"})
	}
	errs = append(errs, policies.Validate(doc, policies.ValidateOptions{Strict: strict})...)
	c := &policies.Compiler{NamedValues: lookup, Strict: strict, Scope: policies.ScopeAPI,
		Fragments: func(id string) (*parser.Document, bool) { d, ok := e.frags[id]; return d, ok },
		Backends:  func(id string) bool { _, ok := e.Config.Backends[id]; return ok },
	}
	res := policies.CompileGraphQLResolver(doc.Root.Children[0], c)
	return res, append(errs, c.Errs...)
}
