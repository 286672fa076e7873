package gateway

import (
	"strings"
	"testing"
)

// TestGlobalCrossDomain: a bare /crossdomain.xml, outside every API, gets
// the global cross-domain policy; without one it is the usual 404.
func TestGlobalCrossDomain(t *testing.T) {
	backend := newBackend(t)
	cfg := baseConfig(backend.URL)
	cfg.Global = doc(`<policies><inbound><cross-domain><cross-domain-policy><allow-access-from domain="*.contoso.com" /></cross-domain-policy></cross-domain><base /></inbound><backend><forward-request /></backend><outbound /><on-error /></policies>`)
	gw := newGW(t, cfg)
	got := call(t, "GET", gw.URL+"/crossdomain.xml", nil, "")
	if got.status != 200 || got.header.Get("Content-Type") != "text/xml" ||
		!strings.Contains(got.body, `<cross-domain-policy><allow-access-from domain="*.contoso.com" /></cross-domain-policy>`) {
		t.Errorf("global file: %d %q %s", got.status, got.header.Get("Content-Type"), got.body)
	}
	if got := call(t, "POST", gw.URL+"/crossdomain.xml", nil, "x"); got.status != 404 {
		t.Errorf("POST: %d, want 404", got.status)
	}
	if got := call(t, "GET", gw.URL+"/other.xml", nil, ""); got.status != 404 {
		t.Errorf("other path: %d, want 404", got.status)
	}
	// Without a global cross-domain policy nothing changes.
	plain := newGW(t, baseConfig(backend.URL))
	if got := call(t, "GET", plain.URL+"/crossdomain.xml", nil, ""); got.status != 404 {
		t.Errorf("no policy: %d, want 404", got.status)
	}
}
