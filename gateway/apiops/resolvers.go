package apiops

import (
	"path/filepath"
	"strings"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/parser"
)

// resolverInfo is resolverInformation.json: the ARM resolver contract,
// whose path names the field ("Type/field").
type resolverInfo struct {
	Properties struct {
		DisplayName string `json:"displayName"`
		Path        string `json:"path"`
		Description string `json:"description"`
	} `json:"properties"`
}

// loadResolvers reads a GraphQL API's managed resolvers,
// apis/<api>/resolvers/<name>/resolverInformation.json and policy.xml, as
// APIOps extracts them.
func (l *loader) loadResolvers(apiDir string, api *engine.API) {
	dir := filepath.Join(apiDir, "resolvers")
	for _, name := range l.subdirs(dir) {
		infoFile := filepath.Join(dir, name, "resolverInformation.json")
		var in resolverInfo
		f, ok := l.readJSON(infoFile, &in)
		if f == nil {
			l.errorf(parser.Pos{File: infoFile, Line: 1, Col: 1}, CodeBadConfig, "resolver folder %q of API %q has no resolverInformation.json", name, api.ID)
			continue
		}
		if !ok {
			continue
		}
		path := strings.TrimSpace(in.Properties.Path)
		if path == "" {
			l.errorf(f.keyPos("properties"), CodeBadConfig, "resolver %q of API %q has no path (\"Type/field\")", name, api.ID)
			continue
		}
		api.Resolvers = append(api.Resolvers, &engine.Resolver{Name: name, Path: path, At: f.keyPos("path"),
			Policy: l.policy(filepath.Join(dir, name, "policy.xml"))})
	}
}
