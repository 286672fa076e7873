package engine

import (
	"strings"
	"testing"

	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
)

func graphqlConfig(t *testing.T, resolvers ...*Resolver) *Config {
	t.Helper()
	g, perr := policies.CompileGraphQLSchema("s.graphql", "type Query { users: [User] }\ntype User { id: ID! name: String }")
	if perr != nil {
		t.Fatal(perr)
	}
	op := &Operation{ID: "graphql", Name: "graphql", Method: "*", URLTemplate: "/*", Spec: &policies.OperationSpec{ID: "graphql", GraphQL: g}}
	return &Config{APIs: []*API{{ID: "gql", Name: "gql", Path: "gql", Revision: "1", IsCurrent: true, Operations: []*Operation{op}, Resolvers: resolvers}}}
}

func resolverAt(name, path, policy string) *Resolver {
	at := parser.Pos{File: name + "/resolverInformation.json", Line: 1, Col: 30}
	r := &Resolver{Name: name, Path: path, At: at}
	if policy != "" {
		r.Policy = &PolicyDoc{File: name + "/policy.xml", Source: []byte(policy)}
	}
	return r
}

const okResolver = `<http-data-source><http-request><set-url>http://127.0.0.1/users</set-url></http-request></http-data-source>`

func TestGraphQLResolverLoadProblems(t *testing.T) {
	tests := []struct {
		name    string
		res     []*Resolver
		want    string
		warning bool
	}{
		{"not linked", []*Resolver{resolverAt("r1", "Query/nope", okResolver)}, `r1/resolverInformation.json:1:30: bad_structure: resolver "r1" of API "gql" is not linked: the schema has no field Query.nope`, true},
		{"bad path", []*Resolver{resolverAt("r1", "users", okResolver)}, `r1/resolverInformation.json:1:30: bad_structure: resolver "r1" of API "gql": path "users" must be Type/field`, false},
		{"no policy", []*Resolver{resolverAt("r1", "Query/users", "")}, `resolver "r1" of API "gql" has no policy.xml`, false},
		{"twice", []*Resolver{resolverAt("r1", "Query/users", okResolver), resolverAt("r2", "Query/users", okResolver)}, `resolver "r2" of API "gql": another resolver already resolves Query/users`, false},
		{"bad policy", []*Resolver{resolverAt("r1", "User/name", `<http-data-source><http-request><set-url>@(context.GraphQL.Nope)</set-url></http-request></http-data-source>`)}, `r1/policy.xml:1:`, false},
		{"not a resolver", []*Resolver{resolverAt("r1", "User/name", `<policies><inbound/></policies>`)}, `r1/policy.xml:1:1: bad_structure: a resolver policy must be one <http-data-source> element`, false},
	}
	for _, tc := range tests {
		e, errs := Compile(graphqlConfig(t, tc.res...), Options{})
		if tc.warning {
			if e == nil || !strings.Contains(e.Warnings.Error(), tc.want) {
				t.Errorf("%s: engine %v, warnings %v, want the warning %q", tc.name, e != nil, errs, tc.want)
			}
			continue
		}
		if e != nil || !strings.Contains(errs.Error(), tc.want) {
			t.Errorf("%s: got %v, want the error %q", tc.name, errs, tc.want)
		}
	}
	e, errs := Compile(graphqlConfig(t, resolverAt("r1", "Query/users", okResolver)), Options{})
	if e == nil {
		t.Fatal(errs)
	}
	api := e.Config.APIs[0]
	if p := e.Pipeline(api.Operations[0], ""); p == nil || p.graphql == nil || p.graphql.Resolvers["Query/users"] == nil || len(p.Sections[policies.Backend]) != 1 {
		t.Errorf("the API's pipeline must carry its resolvers and keep its sections: %+v", p)
	}
}
