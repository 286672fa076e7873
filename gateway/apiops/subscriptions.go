package apiops

import (
	"path/filepath"
	"strings"

	"github.com/policygate/policygate/engine"
)

// SubscriptionKeyEnv returns the environment variables that supply the
// primary and secondary keys of the subscription whose folder is name:
// POLICYGATE_SUBSCRIPTION_<NAME>_PRIMARY_KEY and _SECONDARY_KEY, with
// <NAME> upper-cased and every character other than an ASCII letter or
// digit replaced by '_'.
func SubscriptionKeyEnv(name string) (primary, secondary string) {
	b := []byte(strings.ToUpper(name))
	for i, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	base := "POLICYGATE_SUBSCRIPTION_" + string(b)
	return base + "_PRIMARY_KEY", base + "_SECONDARY_KEY"
}

type subscriptionInfo struct {
	Properties struct {
		DisplayName  string `json:"displayName"`
		Scope        string `json:"scope"`
		State        string `json:"state"`
		OwnerID      string `json:"ownerId"`
		PrimaryKey   string `json:"primaryKey"`
		SecondaryKey string `json:"secondaryKey"`
	} `json:"properties"`
}

// loadSubscriptions reads subscriptions/<name>/subscriptionInformation.json.
func (l *loader) loadSubscriptions() {
	root := l.findDir(subsDirs)
	for _, name := range l.subdirs(root) {
		var in subscriptionInfo
		f, ok := l.readJSON(filepath.Join(root, name, "subscriptionInformation.json"), &in)
		if !ok {
			continue
		}
		p := in.Properties
		sub := &engine.Subscription{ID: name, Name: p.DisplayName, PrimaryKey: p.PrimaryKey, SecondaryKey: p.SecondaryKey}
		if sub.Name == "" {
			sub.Name = name
		}
		if p.OwnerID != "" {
			sub.UserID = lastSegment(p.OwnerID)
		}
		scope, ok := l.subscriptionScope(p.Scope)
		if !ok {
			l.errorf(f.keyPos("scope"), CodeBadConfig, "subscription %q: scope %q is not /apis, /apis/<id> or /products/<id> of this configuration", name, p.Scope)
			continue
		}
		sub.Scope = scope
		switch strings.ToLower(p.State) {
		case "active":
			sub.Active = true
		case "suspended", "submitted", "rejected", "cancelled", "expired":
		case "":
			l.warnf(f.keyPos("properties"), CodeSkipped, "subscription %q has no state; APIM's default (submitted) is not active", name)
		default:
			l.errorf(f.keyPos("state"), CodeBadConfig, "subscription %q: unknown state %q", name, p.State)
			continue
		}
		pv, sv := SubscriptionKeyEnv(name)
		if sub.PrimaryKey == "" {
			sub.PrimaryKey, _ = l.opts.env(pv)
		}
		if sub.SecondaryKey == "" {
			sub.SecondaryKey, _ = l.opts.env(sv)
		}
		if sub.PrimaryKey == "" && sub.SecondaryKey == "" {
			l.warnf(f.pos(0), CodeSkipped, "subscription %q has no keys and is skipped: set %s or %s", name, pv, sv)
			continue
		}
		l.cfg.Subscriptions = append(l.cfg.Subscriptions, sub)
	}
}

// subscriptionScope maps an ARM scope ("/products/starter", "/apis/echo",
// "/apis", or a full resource id ending so) to the engine's form; a service
// id or "/" is the all-access scope "all".
func (l *loader) subscriptionScope(scope string) (string, bool) {
	s := strings.TrimRight(scope, "/")
	segs := strings.Split(s, "/")
	n := len(segs)
	switch {
	case s == "" && scope != "":
		return "all", true
	case n >= 1 && strings.EqualFold(segs[n-1], "apis"):
		return "all", true
	case n >= 2 && strings.EqualFold(segs[n-2], "products"):
		if _, ok := l.cfg.Products[segs[n-1]]; ok {
			return "product/" + segs[n-1], true
		}
	case n >= 2 && strings.EqualFold(segs[n-2], "apis"):
		id, _, _ := strings.Cut(segs[n-1], ";rev=")
		if _, ok := l.apis[id]; ok {
			return "api/" + id, true
		}
	case n >= 2 && strings.EqualFold(segs[n-2], "service"):
		return "all", true
	}
	return "", false
}
