package apiops

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/parser"
)

type productInfo struct {
	Properties struct {
		DisplayName          string `json:"displayName"`
		SubscriptionRequired *bool  `json:"subscriptionRequired"`
		State                string `json:"state"`
	} `json:"properties"`
}

// memberList is the older apis.json (or an API's products.json): a list of
// names, or of objects with a "name".
type memberList []string

var _ json.Unmarshaler = (*memberList)(nil)

// UnmarshalJSON accepts ["a", {"name": "b"}].
func (m *memberList) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	for _, r := range raw {
		var s string
		if err := json.Unmarshal(r, &s); err == nil {
			*m = append(*m, s)
			continue
		}
		var o struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(r, &o); err != nil {
			return err
		}
		*m = append(*m, o.Name)
	}
	return nil
}

// loadProducts reads the products and their API membership, from any of
// products/<p>/apis/<api>/, products/<p>/apis.json and apis/<api>/products.json.
func (l *loader) loadProducts() {
	root := l.findDir(productsDirs)
	for _, name := range l.subdirs(root) {
		dir := filepath.Join(root, name)
		var in productInfo
		f, ok := l.readJSON(filepath.Join(dir, "productInformation.json"), &in)
		if !ok {
			continue
		}
		p := in.Properties
		prod := &engine.Product{
			ID:                   name,
			Name:                 p.DisplayName,
			SubscriptionRequired: p.SubscriptionRequired == nil || *p.SubscriptionRequired,
			State:                p.State,
			Policy:               l.policy(filepath.Join(dir, "policy.xml")),
		}
		if prod.Name == "" {
			prod.Name = name
		}
		switch strings.ToLower(prod.State) {
		case "":
			prod.State = "notPublished" // the ARM default
		case "published":
			prod.State = "published"
		case "notpublished":
			prod.State = "notPublished"
		default:
			l.errorf(f.keyPos("state"), CodeBadConfig, "product %q: unknown state %q (want published or notPublished)", name, p.State)
			continue
		}
		for _, api := range l.subdirs(filepath.Join(dir, "apis")) {
			l.addMember(prod, api, func() parser.Pos { return parser.Pos{File: filepath.Join(dir, "apis", api), Line: 1, Col: 1} })
		}
		var list memberList
		if lf, ok := l.readJSON(filepath.Join(dir, "apis.json"), &list); ok {
			for _, api := range list {
				l.addMember(prod, api, func() parser.Pos { return lf.strPos(api) })
			}
		}
		l.cfg.Products[name] = prod
	}
	// The per-API form: apis/<api>/products.json.
	apisRoot := l.findDir(apisDirs)
	for _, folder := range l.subdirs(apisRoot) {
		var list memberList
		lf, ok := l.readJSON(filepath.Join(apisRoot, folder, "products.json"), &list)
		if !ok {
			continue
		}
		id, _, _ := strings.Cut(folder, ";rev=")
		for _, pn := range list {
			prod, ok := l.cfg.Products[pn]
			if !ok {
				l.errorf(lf.strPos(pn), CodeBadConfig, "API %q: product %q not found", folder, pn)
				continue
			}
			l.addMember(prod, id, func() parser.Pos { return lf.strPos(pn) })
		}
	}
	for _, prod := range l.cfg.Products {
		sort.Strings(prod.APIs)
	}
}

// addMember adds API id (without ;rev=) to prod once; it must exist. The
// position is only looked up for an error (a search of the file: a
// product listing every API of a large configuration would otherwise
// cost a search per member).
func (l *loader) addMember(prod *engine.Product, api string, pos func() parser.Pos) {
	api, _, _ = strings.Cut(api, ";rev=")
	if _, ok := l.apis[api]; !ok {
		l.errorf(pos(), CodeBadConfig, "product %q: API %q not found", prod.ID, api)
		return
	}
	for _, a := range prod.APIs {
		if a == api {
			return
		}
	}
	prod.APIs = append(prod.APIs, api)
}
