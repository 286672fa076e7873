package gateway

import (
	"net/url"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/expressions"
)

// contextProducts builds context.Product for every product once per
// configuration: Apis holds IApi objects (Id, Name, Path, ...) of the
// product's APIs (their current revisions), as APIM's model does.
func contextProducts(cfg *engine.Config, byAPI map[string][]*engine.Product) map[*engine.Product]*expressions.Product {
	apis := map[string]*expressions.API{}
	for _, ar := range cfg.APIs {
		if _, seen := apis[ar.ID]; seen && !(ar.IsCurrent || ar.Revision == "") {
			continue
		}
		su := &expressions.URL{}
		if r, err := url.Parse(ar.ServiceURL); err == nil {
			su = urlOf(r)
		}
		apis[ar.ID] = &expressions.API{
			ID: ar.ID, Name: ar.Name, Path: ar.Path, Revision: orDefault(ar.Revision, "1"), Version: ar.Version,
			Protocols: ar.Protocols, IsCurrentRevision: ar.IsCurrent || ar.Revision == "", ServiceURL: su,
			SubscriptionKeyHeader: orDefault(ar.KeyHeader, defaultKeyHeader),
			KeyQueryParam:         orDefault(ar.KeyQuery, defaultKeyQuery),
		}
	}
	out := map[*engine.Product]*expressions.Product{}
	for _, ps := range byAPI {
		for _, p := range ps {
			if out[p] != nil {
				continue
			}
			cp := productOf(p)
			cp.APIs = cp.APIs[:0]
			for _, id := range p.APIs {
				if a := apis[id]; a != nil {
					cp.APIs = append(cp.APIs, a)
				}
			}
			out[p] = cp
		}
	}
	return out
}

// contextProduct is context.Product for p.
func (rt *routes) contextProduct(p *engine.Product) *expressions.Product {
	if cp := rt.ctxProducts[p]; cp != nil {
		return cp
	}
	return productOf(p)
}
