package apiops

import (
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/parser"
)

// VersionSet is one version set (versionSetInformation.json).
type VersionSet struct {
	ID          string
	Name        string
	Scheme      engine.VersionScheme
	QueryName   string // Query scheme: the parameter, default "api-version"
	HeaderName  string // Header scheme: the header
	Description string
}

type versionSetInfo struct {
	Properties struct {
		DisplayName       string `json:"displayName"`
		Description       string `json:"description"`
		VersioningScheme  string `json:"versioningScheme"`
		VersionQueryName  string `json:"versionQueryName"`
		VersionHeaderName string `json:"versionHeaderName"`
	} `json:"properties"`
}

// loadVersionSets reads the version sets, by folder name.
func (l *loader) loadVersionSets() {
	root := l.findDir(versionSetsDirs)
	for _, name := range l.subdirs(root) {
		var in versionSetInfo
		f, ok := l.readJSON(filepath.Join(root, name, "versionSetInformation.json"), &in)
		if !ok {
			continue
		}
		p := in.Properties
		vs := &VersionSet{ID: name, Name: p.DisplayName, Description: p.Description}
		if vs.Name == "" {
			vs.Name = name
		}
		switch strings.ToLower(p.VersioningScheme) {
		case "segment", "path":
			vs.Scheme = engine.VersionPath
		case "query":
			vs.Scheme = engine.VersionQuery
			vs.QueryName = p.VersionQueryName
			if vs.QueryName == "" {
				vs.QueryName = "api-version"
			}
		case "header":
			vs.Scheme = engine.VersionHeader
			vs.HeaderName = p.VersionHeaderName
			if vs.HeaderName == "" {
				l.errorf(f.keyPos("versioningScheme"), CodeBadConfig, "version set %q: versioningScheme Header needs versionHeaderName", name)
				continue
			}
		case "":
			l.errorf(f.keyPos("properties"), CodeBadConfig, "version set %q has no versioningScheme (Segment, Query or Header)", name)
			continue
		default:
			l.errorf(f.keyPos("versioningScheme"), CodeBadConfig, "version set %q: unknown versioningScheme %q (want Segment, Query or Header)", name, p.VersioningScheme)
			continue
		}
		l.versionSets[name] = vs
		l.extra.VersionSets[name] = vs
	}
}

// apiInfo is apiInformation.json.
type apiInfo struct {
	Properties struct {
		DisplayName                   *string  `json:"displayName"`
		Description                   string   `json:"description"`
		Path                          *string  `json:"path"`
		ServiceURL                    string   `json:"serviceUrl"`
		Protocols                     []string `json:"protocols"`
		SubscriptionRequired          *bool    `json:"subscriptionRequired"`
		SubscriptionKeyParameterNames *struct {
			Header string `json:"header"`
			Query  string `json:"query"`
		} `json:"subscriptionKeyParameterNames"`
		APIVersion                       string `json:"apiVersion"`
		APIVersionSetID                  string `json:"apiVersionSetId"`
		APIRevision                      string `json:"apiRevision"`
		IsCurrent                        *bool  `json:"isCurrent"`
		Type                             string `json:"type"`
		TranslateRequiredQueryParameters string `json:"translateRequiredQueryParameters"`
	} `json:"properties"`
}

// apiRev is one API folder being loaded.
type apiRev struct {
	api    *engine.API
	folder string
	info   *jsonFile
	isCur  *bool
	hasRev bool // folder name carries ;rev=
}

// loadAPIs reads every API folder, then decides the current revision of
// each API and appends them to the configuration, sorted by id and revision.
func (l *loader) loadAPIs() {
	root := l.findDir(apisDirs)
	byID := map[string][]*apiRev{}
	var seed []byte
	if l.opts.cache != nil {
		seed = l.versionSetsSum()
	}
	for _, folder := range l.subdirs(root) {
		dir := filepath.Join(root, folder)
		r, done := (*apiRev)(nil), false
		if l.opts.cache != nil {
			r, done = l.loadAPICached(dir, folder, seed)
		}
		if !done {
			r = l.loadAPI(dir, folder)
		}
		if r != nil {
			byID[r.api.ID] = append(byID[r.api.ID], r)
		}
	}
	for _, f := range l.finish {
		f()
	}
	l.finish = nil
	ids := slices.Sorted(maps.Keys(byID))
	for _, id := range ids {
		revs := byID[id]
		sort.Slice(revs, func(i, j int) bool { return revLess(revs[i].api.Revision, revs[j].api.Revision) })
		l.pickCurrent(id, revs)
		for _, r := range revs {
			l.cfg.APIs = append(l.cfg.APIs, r.api)
			l.apis[id] = append(l.apis[id], r.api)
		}
	}
}

// revLess orders revisions numerically when they are numbers.
func revLess(a, b string) bool {
	x, errA := strconv.Atoi(a)
	y, errB := strconv.Atoi(b)
	if errA == nil && errB == nil {
		return x < y
	}
	return a < b
}

// pickCurrent marks the current revision: the one with "isCurrent": true;
// failing that, the one whose folder has no ;rev= suffix; failing that, when
// there is a single revision, that one.
func (l *loader) pickCurrent(id string, revs []*apiRev) {
	var marked []*apiRev
	for _, r := range revs {
		if r.isCur != nil && *r.isCur {
			marked = append(marked, r)
		}
	}
	switch {
	case len(marked) == 1:
		marked[0].api.IsCurrent = true
		return
	case len(marked) > 1:
		for _, r := range marked[1:] {
			l.errorf(r.info.keyPos("isCurrent"), CodeBadConfig, "API %q: revisions %s and %s are both marked current", id, marked[0].api.Revision, r.api.Revision)
		}
		return
	}
	var plain []*apiRev
	seen := map[string]*apiRev{}
	for _, r := range revs {
		if prev, ok := seen[r.api.Revision]; ok {
			l.errorf(r.info.keyPos("apiRevision"), CodeBadConfig, "API %q: revision %s is defined twice (folders %q and %q)", id, r.api.Revision, prev.folder, r.folder)
		}
		seen[r.api.Revision] = r
		if !r.hasRev {
			plain = append(plain, r)
		}
	}
	switch {
	case len(plain) == 1:
		plain[0].api.IsCurrent = true
	case len(revs) == 1:
		revs[0].api.IsCurrent = true
	default:
		l.errorf(revs[0].info.pos(0), CodeBadConfig, "API %q has %d revisions and none is current: set \"isCurrent\": true in one apiInformation.json", id, len(revs))
	}
}

// loadAPI reads one API folder; nil when it is not one or is broken.
func (l *loader) loadAPI(dir, folder string) *apiRev {
	var in apiInfo
	f, ok := l.readJSON(filepath.Join(dir, "apiInformation.json"), &in)
	if f == nil {
		if l.hasAny(dir, "policy.xml", "specification.yaml", "specification.json") {
			l.errorf(parser.Pos{File: filepath.Join(dir, "apiInformation.json"), Line: 1, Col: 1}, CodeBadConfig, "API folder %q has no apiInformation.json", folder)
		}
		return nil
	}
	if !ok {
		return nil
	}
	id, folderRev, hasRev := strings.Cut(folder, ";rev=")
	p := in.Properties
	api := &engine.API{
		ID:                   id,
		Name:                 id,
		ServiceURL:           strings.TrimSpace(p.ServiceURL),
		Description:          p.Description,
		SubscriptionRequired: p.SubscriptionRequired == nil || *p.SubscriptionRequired,
		Version:              p.APIVersion,
		Revision:             p.APIRevision,
	}
	if p.DisplayName != nil && *p.DisplayName != "" {
		api.Name = *p.DisplayName
	}
	bad := false
	if p.Path == nil {
		l.errorf(f.keyPos("properties"), CodeBadConfig, "API %q has no path (use \"\" for the root)", folder)
		bad = true
	} else {
		api.Path = strings.Trim(*p.Path, "/")
	}
	if api.ServiceURL == "" && strings.EqualFold(p.Type, "graphql") {
		// a synthetic GraphQL API: its resolvers answer
	} else if api.ServiceURL == "" {
		l.errorf(f.keyPos("properties"), CodeBadConfig, "API %q has no serviceUrl", folder)
		bad = true
	} else if !strings.HasPrefix(api.ServiceURL, "http://") && !strings.HasPrefix(api.ServiceURL, "https://") &&
		!strings.HasPrefix(api.ServiceURL, "ws://") && !strings.HasPrefix(api.ServiceURL, "wss://") {
		l.errorf(f.keyPos("serviceUrl"), CodeBadConfig, "API %q: serviceUrl %q is not an absolute http(s) URL", folder, api.ServiceURL)
		bad = true
	}
	for _, pr := range p.Protocols {
		pr = strings.ToLower(pr)
		switch pr {
		case "http", "https":
			api.Protocols = append(api.Protocols, pr)
		case "ws", "wss":
			l.warnf(f.keyPos("protocols"), CodeUnsupported, "API %q: protocol %q is not served", folder, pr)
		default:
			l.errorf(f.keyPos("protocols"), CodeBadConfig, "API %q: unknown protocol %q", folder, pr)
			bad = true
		}
	}
	if len(p.Protocols) == 0 {
		api.Protocols = []string{"https"}
	}
	if k := p.SubscriptionKeyParameterNames; k != nil {
		api.KeyHeader, api.KeyQuery = k.Header, k.Query
	}
	if hasRev {
		if api.Revision == "" {
			api.Revision = folderRev
		} else if api.Revision != folderRev {
			l.errorf(f.keyPos("apiRevision"), CodeBadConfig, "API %q: apiRevision %q does not match the folder name", folder, api.Revision)
			bad = true
		}
	}
	if api.Revision == "" {
		api.Revision = "1"
	}
	if n, err := strconv.Atoi(api.Revision); err != nil || n < 1 {
		l.errorf(f.keyPos("apiRevision"), CodeBadConfig, "API %q: apiRevision %q is not a positive number", folder, api.Revision)
		bad = true
	}
	if p.APIVersionSetID != "" {
		vsID := lastSegment(p.APIVersionSetID)
		vs, ok := l.versionSets[vsID]
		if !ok {
			l.errorf(f.keyPos("apiVersionSetId"), CodeBadConfig, "API %q: version set %q not found", folder, vsID)
			bad = true
		} else {
			api.VersionSet, api.VersionScheme = vs.ID, vs.Scheme
			switch vs.Scheme {
			case engine.VersionPath:
				if api.Version != "" && strings.HasSuffix("/"+api.Path, "/"+api.Version) {
					l.warnf(f.keyPos("path"), CodeUnsupported, "API %q: path %q already ends with version %q; the Segment scheme adds the version after the path", folder, api.Path, api.Version)
				}
			case engine.VersionQuery:
				api.VersionName = vs.QueryName
			case engine.VersionHeader:
				api.VersionName = vs.HeaderName
			}
		}
	} else if p.APIVersion != "" {
		l.warnf(f.keyPos("apiVersion"), CodeUnsupported, "API %q: apiVersion without apiVersionSetId is ignored", folder)
	}
	api.Policy = l.policy(filepath.Join(dir, "policy.xml"))
	l.loadSpec(dir, folder, api, p.Type, p.TranslateRequiredQueryParameters != "query")
	l.finish = append(l.finish, func() { l.loadOperationPolicies(dir, folder, api) })
	if bad {
		return nil
	}
	return &apiRev{api: api, folder: folder, info: f, isCur: p.IsCurrent, hasRev: hasRev}
}

// loadOperationPolicies attaches operations/<operationId>/policy.xml.
func (l *loader) loadOperationPolicies(dir, folder string, api *engine.API) {
	opsDir := filepath.Join(dir, "operations")
	for _, name := range l.subdirs(opsDir) {
		file := filepath.Join(opsDir, name, "policy.xml")
		doc := l.policy(file)
		if doc == nil {
			continue
		}
		var op *engine.Operation
		for _, o := range api.Operations {
			if o.ID == name {
				op = o
				break
			}
		}
		if op == nil {
			l.errorf(parser.Pos{File: file, Line: 1, Col: 1}, CodeBadConfig, "API %q has no operation %q (from its specification)", folder, name)
			continue
		}
		op.Policy = doc
	}
}

// hasAny reports whether any of the files exists in dir.
func (l *loader) hasAny(dir string, names ...string) bool {
	for _, n := range names {
		if _, err := l.files.Stat(filepath.Join(dir, n)); err == nil {
			return true
		}
	}
	return false
}
