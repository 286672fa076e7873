package gateway

import (
	"testing"

	"github.com/policygate/policygate/engine"
)

const (
	bodyMissing = `{"statusCode":401,"message":"Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."}`
	bodyInvalid = `{"statusCode":401,"message":"Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."}`
)

// TestSubscriptionDecision covers every row of gateway.md §3.3's table and
// the key channels, scopes and states.
func TestSubscriptionDecision(t *testing.T) {
	be := newBackend(t)
	mkAPI := func(id string, required bool) *engine.API {
		return &engine.API{ID: id, Path: id, ServiceURL: be.URL, IsCurrent: true, SubscriptionRequired: required,
			Operations: []*engine.Operation{op(id+"-op", "GET", "/op")}}
	}
	renamed := mkAPI("renamed", true)
	renamed.KeyHeader, renamed.KeyQuery = "X-Key", "key"
	cfg := &engine.Config{
		APIs: []*engine.API{
			mkAPI("closed", true),    // row 1: all products require, API requires
			mkAPI("apiopen", false),  // row 2: all products require, API does not
			mkAPI("prodopen", true),  // row 3: open product, API requires
			mkAPI("bothopen", false), // row 4: open product, API does not
			renamed,
		},
		Products: map[string]*engine.Product{
			"gold":   {ID: "gold", SubscriptionRequired: true, APIs: []string{"closed", "apiopen", "prodopen", "bothopen", "renamed"}},
			"free":   {ID: "free", SubscriptionRequired: false, APIs: []string{"prodopen", "bothopen"}},
			"silver": {ID: "silver", SubscriptionRequired: true, APIs: []string{"other"}},
		},
		Subscriptions: []*engine.Subscription{
			{ID: "s-gold", PrimaryKey: "gold-1", SecondaryKey: "gold-2", Scope: "product/gold", Active: true, UserID: "u1"},
			{ID: "s-all", PrimaryKey: "all-1", Scope: "all", Active: true},
			{ID: "s-api", PrimaryKey: "api-closed", Scope: "api/closed", Active: true},
			{ID: "s-silver", PrimaryKey: "silver-1", Scope: "product/silver", Active: true},
			{ID: "s-off", PrimaryKey: "off-1", Scope: "all", Active: false},
		},
	}
	p := newProbe(t, cfg)
	key := func(k string) map[string]string { return map[string]string{"Ocp-Apim-Subscription-Key": k} }
	cases := []struct {
		name    string
		path    string
		hdr     map[string]string
		status  int
		body    string
		product string // context.Product.Id, "" for null
		sub     string // context.Subscription.Id, "" for null
		reason  string // LastError.Reason
	}{
		{"row1 key", "/closed/op", key("gold-1"), 200, "", "gold", "s-gold", ""},
		{"row1 secondary key", "/closed/op", key("gold-2"), 200, "", "gold", "s-gold", ""},
		{"row1 no key", "/closed/op", nil, 401, bodyMissing, "", "", "SubscriptionKeyNotFound"},
		{"row2 key", "/apiopen/op", key("gold-1"), 200, "", "gold", "s-gold", ""},
		{"row2 no key", "/apiopen/op", nil, 200, "", "", "", ""},
		{"row3 key", "/prodopen/op", key("all-1"), 200, "", "", "s-all", ""},
		{"row3 no key", "/prodopen/op", nil, 200, "", "free", "", ""},
		{"row4 key", "/bothopen/op", key("gold-1"), 200, "", "gold", "s-gold", ""},
		{"row4 no key", "/bothopen/op", nil, 200, "", "free", "", ""},
		{"query key", "/closed/op?subscription-key=all-1", nil, 200, "", "", "s-all", ""},
		{"api-scoped key", "/closed/op", key("api-closed"), 200, "", "", "s-api", ""},
		{"api-scoped key on another API", "/apiopen/op", key("api-closed"), 401, bodyInvalid, "", "", "SubscriptionKeyInvalid"},
		{"product key not containing the API", "/bothopen/op", key("silver-1"), 401, bodyInvalid, "", "", "SubscriptionKeyInvalid"},
		{"unknown key on an open API", "/apiopen/op", key("nope"), 401, bodyInvalid, "", "", "SubscriptionKeyInvalid"},
		{"inactive key", "/closed/op", key("off-1"), 401, bodyInvalid, "", "", "SubscriptionKeyInvalid"},
		{"renamed header", "/renamed/op", map[string]string{"X-Key": "all-1"}, 200, "", "", "s-all", ""},
		{"renamed query", "/renamed/op?key=all-1", nil, 200, "", "", "s-all", ""},
		{"old header after rename", "/renamed/op", key("all-1"), 401, bodyMissing, "", "", "SubscriptionKeyNotFound"},
	}
	for _, c := range cases {
		r := call(t, "GET", p.srv.URL+c.path, c.hdr, "")
		run, _ := p.obs.last(t)
		if r.status != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.name, r.status, c.status, r.body)
			continue
		}
		if c.body != "" && r.body != c.body {
			t.Errorf("%s: body %s", c.name, r.body)
		}
		prod, sub := "", ""
		if run.Ctx.Product != nil {
			prod = run.Ctx.Product.ID
		}
		if run.Ctx.Subscription != nil {
			sub = run.Ctx.Subscription.ID
		}
		if prod != c.product || sub != c.sub {
			t.Errorf("%s: product %q subscription %q, want %q %q", c.name, prod, sub, c.product, c.sub)
		}
		reason := ""
		if le := run.Ctx.LastError; le != nil {
			reason = le.Reason
			if le.Source != "authorization" {
				t.Errorf("%s: LastError.Source %q", c.name, le.Source)
			}
			if reason == "SubscriptionKeyNotFound" && le.Message != "Access denied due to missing subscription key. Make sure to include subscription key when making requests to this API." {
				t.Errorf("%s: LastError.Message %q", c.name, le.Message)
			}
		}
		if reason != c.reason {
			t.Errorf("%s: LastError.Reason %q, want %q", c.name, reason, c.reason)
		}
		if c.sub == "s-gold" && (run.Ctx.User == nil || run.Ctx.User.ID != "u1") {
			t.Errorf("%s: context.User %+v", c.name, run.Ctx.User)
		}
		if c.sub == "" && run.Ctx.User != nil {
			t.Errorf("%s: context.User should be null", c.name)
		}
	}
}
