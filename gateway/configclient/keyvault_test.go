package configclient_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/policygate/policygate/gateway"
	"github.com/policygate/policygate/gateway/apiops"
	"github.com/policygate/policygate/gateway/configclient"
	"github.com/policygate/policygate/namedvalues"
)

// vault resolves every secret to its current value and counts fetches.
type vault struct {
	v       atomic.Value
	fetches atomic.Int64
}

func (v *vault) Resolve(context.Context, namedvalues.KeyVaultRef) (string, error) {
	v.fetches.Add(1)
	return v.v.Load().(string), nil
}

// A fleet gateway refreshes its Key Vault named values on the refresh
// timer, as run --config does: a rotated secret is served without a new
// snapshot, and neither value appears in a log line.
func TestFleetKeyVaultRefresh(t *testing.T) {
	f := newFleet(t)
	f.write("namedValues/kv-nv/namedValueInformation.json", `{"properties": {"displayName": "kv-nv", "secret": true, "keyVault": {"secretIdentifier": "https://v.vault.azure.net/secrets/nv"}}}`)
	f.write("apis/api-x/policy.xml", `<policies><inbound><base /><return-response><set-status code="200" />
<set-header name="x-nv" exists-action="override"><value>{{kv-nv}}</value></set-header><set-body>x</set-body></return-response></inbound>
<backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`)
	kv := &vault{}
	kv.v.Store("kv-first-value-not-logged")
	f.secrets = append(f.secrets, "kv-first-value-not-logged", "kv-rotated-value-not-logged")
	f.assign("gw1", "api-x")
	tok := f.token("gw1", f.keysFor("gw1", "").Primary, time.Now().Add(24*time.Hour))
	f.start()
	g := f.gatewayWith("gw1", func(s *gateway.ServiceSettings) { s.Auth = tok }, func(o *configclient.Options) {
		o.Refresh = 30 * time.Millisecond
		o.LoadOptions = []apiops.Option{apiops.WithNamedValueOptions(namedvalues.WithResolver(kv))}
	})
	nv := func() string { _, _, v := g.get(t, "/x/hello"); return v }
	eventually(t, 5*time.Second, "gateway serves the Key Vault value", func() bool { return nv() == "kv-first-value-not-logged" })
	version := g.c.Current().Version()
	kv.v.Store("kv-rotated-value-not-logged")
	eventually(t, 3*time.Second, "rotated Key Vault value served", func() bool { return nv() == "kv-rotated-value-not-logged" })
	if v := g.c.Current().Version(); v != version {
		t.Errorf("snapshot changed from %s to %s; the refresh alone should have done it", version, v)
	}
	if n := kv.fetches.Load(); n < 2 {
		t.Errorf("%d Key Vault fetches; want the first and timer refreshes", n)
	}
	if !strings.Contains(f.logs.String(), "a Key Vault named value changed; recompiling") {
		t.Error("recompile not logged")
	}
}
