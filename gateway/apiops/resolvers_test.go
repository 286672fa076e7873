package apiops

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadGraphQLResolvers(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "apis/gql/apiInformation.json", `{"properties": {"path": "gql", "type": "graphql", "protocols": ["https"]}}`)
	write(t, dir, "apis/gql/specification.graphql", "type Query { users: [String] }")
	write(t, dir, "apis/gql/resolvers/users-resolver/resolverInformation.json", `{"properties": {"displayName": "users", "path": "Query/users"}}`)
	write(t, dir, "apis/gql/resolvers/users-resolver/policy.xml", `<http-data-source><http-request><set-url>https://data.example/users</set-url></http-request></http-data-source>`)
	cfg, errs := Load(dir)
	if cfg == nil {
		t.Fatalf("a GraphQL API without serviceUrl must load: %v", errs)
	}
	api := cfg.APIs[0]
	if len(api.Resolvers) != 1 {
		t.Fatalf("resolvers: %+v", api.Resolvers)
	}
	r := api.Resolvers[0]
	if r.Name != "users-resolver" || r.Path != "Query/users" || r.Policy == nil || !strings.HasSuffix(r.Policy.File, filepath.FromSlash("users-resolver/policy.xml")) ||
		r.At.Line != 1 || r.At.Col != 49 {
		t.Errorf("resolver %+v at %v", r, r.At)
	}

	write(t, dir, "apis/gql/resolvers/broken/resolverInformation.json", `{"properties": {"displayName": "broken"}}`)
	write(t, dir, "apis/gql/resolvers/orphan/policy.xml", `<http-data-source/>`)
	write(t, dir, "apis/rest/apiInformation.json", `{"properties": {"path": "rest", "protocols": ["https"]}}`)
	_, errs = Load(dir)
	for _, want := range []string{
		`resolver "broken" of API "gql" has no path ("Type/field")`,
		`resolver folder "orphan" of API "gql" has no resolverInformation.json`,
		`API "rest" has no serviceUrl`,
	} {
		if !strings.Contains(errs.Error(), want) {
			t.Errorf("missing %q in %v", want, errs)
		}
	}
}
