package configclient_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/policygate/policygate/gateway"
	"github.com/policygate/policygate/gateway/configclient"
	"github.com/policygate/policygate/gateway/fleet"
)

// Three gateways, one per way of giving the token (inline, key + value,
// key + file), all assigned api-x: an edit on the server is served by all
// three within 2 s, the secret named value arrives, and the server sees
// three in-sync instances.
func TestFleetEditReachesThreeGateways(t *testing.T) {
	f := newFleet(t)
	var toks []string
	for _, n := range []string{"gw1", "gw2", "gw3"} {
		f.assign(n, "api-x")
		toks = append(toks, f.token(n, f.keysFor(n, "").Primary, time.Now().Add(24*time.Hour)))
	}
	f.start()
	file := filepath.Join(t.TempDir(), "token")
	os.WriteFile(file, []byte(toks[2]+"\n"), 0o600)
	gws := []*gw{
		f.gateway("gw1", func(s *gateway.ServiceSettings) { s.Auth = toks[0] }),
		f.gateway("gw2", func(s *gateway.ServiceSettings) { s.Auth, s.Key = "key", toks[1] }),
		f.gateway("", func(s *gateway.ServiceSettings) { s.Auth, s.KeyPath = "key", file }),
	}
	for _, g := range gws {
		eventually(t, 5*time.Second, "gateway serves x-v1", g.serves(t, "/x/hello", "x-v1"))
		if _, _, nv := g.get(t, "/x/hello"); nv != secretNV {
			t.Errorf("x-nv = %q, want the secret named value", nv)
		}
	}
	start := time.Now()
	f.setBody("api-x", "x-v2")
	for _, g := range gws {
		eventually(t, 2*time.Second-time.Since(start), "edit served by every gateway within 2 s", g.serves(t, "/x/hello", "x-v2"))
	}
	t.Logf("edit to served on 3 gateways: %v", time.Since(start))

	// heartbeats: every gateway in sync, on GET /gateways as well
	eventually(t, 3*time.Second, "three in-sync instances", func() bool {
		n := 0
		for _, g := range f.srv.Status() {
			for _, in := range g.Instances {
				if in.InSync && in.ConfigVersion != "" && in.Hostname != "" {
					n++
				}
			}
		}
		return n == 3
	})
	resp, err := http.Get("http://" + f.admin + "/gateways")
	if err != nil {
		t.Fatal(err)
	}
	var st []fleet.GatewayStatus
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if len(st) != 3 || st[0].Name != "gw1" || st[0].Location != "edge-gw1" || len(st[0].APIs) != 1 || st[0].APIs[0] != "api-x" || len(st[0].Instances) != 1 {
		t.Errorf("GET /gateways = %+v", st)
	}
	resp, _ = http.Get("http://" + f.admin + "/metrics")
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(m), "policygate_config_server_connected_instances 3") {
		t.Errorf("metrics lack 3 connected instances:\n%s", grep(string(m), "policygate_config_server"))
	}
}

// A gateway serves its assigned APIs only; one without an assignment
// serves nothing but answers its probes and says why.
func TestFleetAssignment(t *testing.T) {
	f := newFleet(t)
	f.assign("only-x", "api-x")
	tx := f.token("only-x", f.keysFor("only-x", "").Primary, time.Now().Add(time.Hour))
	tn := f.token("none", f.keysFor("none", "").Primary, time.Now().Add(time.Hour))
	f.start()
	gx := f.gateway("only-x", func(s *gateway.ServiceSettings) { s.Auth = tx })
	gn := f.gateway("none", func(s *gateway.ServiceSettings) { s.Auth = tn })
	eventually(t, 5*time.Second, "only-x serves x", gx.serves(t, "/x/hello", "x-v1"))
	if st, _, _ := gx.get(t, "/y/hello"); st != 404 {
		t.Errorf("only-x answered /y/hello with %d, want 404", st)
	}
	if sn := gx.c.Current(); sn.Files["apis/api-y/policy.xml"] != nil || sn.Files["namedValues/unused/namedValueInformation.json"] != nil {
		t.Errorf("the snapshot carries what the gateway does not need: %v", keys(sn.Files))
	}
	eventually(t, 5*time.Second, "unassigned gateway ready", func() bool { st, _, _ := gn.get(t, gateway.StatusPath); return st == 200 })
	if st, _, _ := gn.get(t, "/x/hello"); st != 404 {
		t.Errorf("unassigned gateway answered /x/hello with %d, want 404", st)
	}
	if !strings.Contains(f.logs.String(), "no API is assigned to this gateway (the server has no gateways/none/apis.json)") {
		t.Error("no log line says the gateway has no assignment")
	}
}

// Each Entra ID mode end to end, and a token for the wrong audience or
// from an application that is not allowed is refused with its reason.
func TestFleetEntraID(t *testing.T) {
	f := newFleet(t)
	for _, n := range []string{"gw-secret", "gw-cert", "gw-wi", "gw-aud", "gw-app", "gw-role"} {
		f.assign(n, "api-x")
		f.keysFor(n, "")
	}
	const secret = "client-s3cret-do-not-log"
	f.secrets = append(f.secrets, secret)
	f.idp.secrets["app-secret"] = secret
	f.idp.secrets["app-other"] = secret
	certFile := filepath.Join(t.TempDir(), "client.pem")
	os.WriteFile(certFile, f.idp.clientCert(t, "app-cert"), 0o600)
	fedFile := filepath.Join(t.TempDir(), "sa-token")
	const fed = "k8s-projected-sa-token-do-not-log"
	f.secrets = append(f.secrets, fed)
	os.WriteFile(fedFile, []byte(fed), 0o600)
	f.idp.federated["app-wi"] = fed
	f.allowApp("gw-secret", "app-secret")
	f.allowApp("gw-cert", "app-cert")
	f.allowApp("gw-wi", "app-wi")
	f.allowApp("gw-aud", "app-secret")
	f.allowApp("gw-app", "app-secret")
	f.allow("gw-role", nil, []string{"Gateway Configuration Reader"})
	f.idp.secrets["app-role"] = secret
	f.idp.roles["app-role"] = []string{"Gateway Configuration Reader"}
	f.start()
	entra := func(s *gateway.ServiceSettings) {
		s.Auth, s.TenantID, s.Authority, s.TokenAudience = "azureAdApp", "tenant-1", f.idp.srv.URL, "https://azure-api.net/configuration"
	}
	gs := f.gateway("gw-secret", func(s *gateway.ServiceSettings) { entra(s); s.ClientID, s.ClientSecret = "app-secret", secret })
	gc := f.gateway("gw-cert", func(s *gateway.ServiceSettings) { entra(s); s.ClientID, s.CertificatePath = "app-cert", certFile })
	t.Setenv("AZURE_CLIENT_ID", "app-wi")
	t.Setenv("AZURE_TENANT_ID", "tenant-1")
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", fedFile)
	t.Setenv("AZURE_AUTHORITY_HOST", f.idp.srv.URL)
	gwi := f.gateway("gw-wi", func(s *gateway.ServiceSettings) {
		s.Auth, s.TokenAudience = "workloadIdentity", "https://azure-api.net/configuration"
	})
	ga := f.gateway("gw-aud", func(s *gateway.ServiceSettings) {
		entra(s)
		s.ClientID, s.ClientSecret, s.TokenAudience = "app-secret", secret, "https://azure-api.net/other"
	})
	gp := f.gateway("gw-app", func(s *gateway.ServiceSettings) { entra(s); s.ClientID, s.ClientSecret = "app-other", secret })
	gr := f.gateway("gw-role", func(s *gateway.ServiceSettings) { entra(s); s.ClientID, s.ClientSecret = "app-role", secret })
	for name, g := range map[string]*gw{"client secret": gs, "certificate": gc, "workload identity": gwi, "app role": gr} {
		eventually(t, 10*time.Second, name+": gateway serves x", g.serves(t, "/x/hello", "x-v1"))
	}
	for reason, g := range map[string]*gw{fleet.ReasonWrongAudience: ga, fleet.ReasonNotAllowed: gp} {
		eventually(t, 5*time.Second, "refused with "+reason, func() bool {
			return strings.Contains(g.c.LastError(), reason) && strings.Contains(f.logs.String(), "reason="+reason)
		})
		if st, _, _ := g.get(t, gateway.StatusPath); st != 503 {
			t.Errorf("%s: readiness %d before any snapshot, want 503", reason, st)
		}
	}
	f.idp.mu.Lock()
	f.secrets = append(f.secrets, f.idp.issued...)
	f.idp.mu.Unlock()
}

// Regenerating a key makes its tokens fail (the gateway keeps serving and
// logs the reason); a token rotated into the key file is picked up without
// a restart; an expired token fails; a token about to expire is warned
// about and measured.
func TestFleetKeyRegenerationExpiryAndRotation(t *testing.T) {
	f := newFleet(t)
	f.assign("gw", "api-x")
	f.assign("old", "api-x")
	k := f.keysFor("gw", "")
	f.keysFor("old", "")
	file := filepath.Join(t.TempDir(), "token")
	os.WriteFile(file, []byte(f.token("gw", k.Primary, time.Now().Add(2*24*time.Hour))), 0o600)
	expired := f.token("old", f.keysFor("old", "").Primary, time.Now().Add(-time.Minute))
	f.start()
	g := f.gateway("gw", func(s *gateway.ServiceSettings) { s.Auth, s.KeyPath = "key", file })
	eventually(t, 5*time.Second, "gateway serves x", g.serves(t, "/x/hello", "x-v1"))
	if !strings.Contains(f.logs.String(), "expires soon") {
		t.Error("no warning for a token expiring within 7 days")
	}
	if ttl := gaugeValue(t, g.srv, "policygate_config_service_token_expiry_seconds"); ttl < 24*3600 || ttl > 2*24*3600 {
		t.Errorf("token expiry gauge %v s, want about 2 days", ttl)
	}

	k = f.keysFor("gw", "primary")
	f.setBody("api-x", "x-v2")
	eventually(t, 5*time.Second, "refused with bad_signature", func() bool { return strings.Contains(g.c.LastError(), fleet.ReasonBadSignature) })
	if st, b, _ := g.get(t, "/x/hello"); st != 200 || b != "x-v1" {
		t.Errorf("after the key was regenerated the gateway answers %d %q, want the last configuration", st, b)
	}
	if st, _, _ := g.get(t, gateway.StatusPath); st != 200 {
		t.Errorf("readiness %d while fail static, want 200", st)
	}
	os.WriteFile(file, []byte(f.token("gw", k.Secondary, time.Now().Add(20*24*time.Hour))), 0o600)
	eventually(t, 8*time.Second, "rotated token picked up", g.serves(t, "/x/hello", "x-v2"))

	ge := f.gateway("old", func(s *gateway.ServiceSettings) { s.Auth = expired })
	eventually(t, 5*time.Second, "expired token refused", func() bool { return strings.Contains(ge.c.LastError(), fleet.ReasonExpired) })
	if !strings.Contains(f.logs.String(), "reason="+fleet.ReasonExpired) {
		t.Error("the gateway did not log the reason")
	}
}

// The server stops: gateways keep serving (no failed request) and stay
// ready; a gateway restarted meanwhile serves from its backup; a damaged
// backup is ignored with an error; once the server is back the newest
// snapshot is pulled.
func TestFleetFailStatic(t *testing.T) {
	f := newFleet(t)
	f.assign("gw", "api-x")
	tok := f.token("gw", f.keysFor("gw", "").Primary, time.Now().Add(time.Hour))
	f.start()
	backup := t.TempDir()
	set := func(s *gateway.ServiceSettings) { s.Auth, s.BackupPath = tok, backup }
	g := f.gateway("gw", set)
	eventually(t, 5*time.Second, "gateway serves x", g.serves(t, "/x/hello", "x-v1"))
	eventually(t, 2*time.Second, "backup written", func() bool {
		_, err := os.Stat(filepath.Join(backup, configclient.BackupFile))
		return err == nil
	})

	var failed, sent atomic.Int64
	stopLoad := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stopLoad:
					return
				default:
				}
				sent.Add(1)
				if st, b, _ := g.get(t, "/x/hello"); st != 200 || b != "x-v1" {
					failed.Add(1)
				}
			}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	f.halt()
	time.Sleep(700 * time.Millisecond)
	close(stopLoad)
	wg.Wait()
	if failed.Load() != 0 || sent.Load() < 10 {
		t.Errorf("while the server was down: %d of %d requests failed", failed.Load(), sent.Load())
	}
	if st, _, _ := g.get(t, gateway.StatusPath); st != 200 {
		t.Errorf("readiness %d while the server is down, want 200", st)
	}

	g.halt()
	g2 := f.gateway("gw", set)
	eventually(t, 3*time.Second, "restarted gateway serves from the backup", g2.serves(t, "/x/hello", "x-v1"))

	damaged := t.TempDir()
	sn, err := fleet.ReadBackup(filepath.Join(backup, configclient.BackupFile))
	if err != nil {
		t.Fatal(err)
	}
	sn.Files["apis/api-x/policy.xml"] = []byte(strings.Replace(string(sn.Files["apis/api-x/policy.xml"]), "x-v1", "x-v9", 1))
	b, _ := json.Marshal(sn) // the content changed, the checksum did not
	os.WriteFile(filepath.Join(damaged, configclient.BackupFile), b, 0o600)
	g3 := f.gateway("gw", func(s *gateway.ServiceSettings) { s.Auth, s.BackupPath = tok, damaged })
	time.Sleep(300 * time.Millisecond)
	if st, _, _ := g3.get(t, gateway.StatusPath); st != 503 {
		t.Errorf("readiness %d with a damaged backup and no server, want 503", st)
	}
	if !strings.Contains(f.logs.String(), "config: backup ignored") {
		t.Error("the damaged backup was not reported")
	}

	f.setBody("api-x", "x-v3")
	f.start()
	for _, gg := range []*gw{g2, g3} {
		eventually(t, 8*time.Second, "newest snapshot after reconnect", gg.serves(t, "/x/hello", "x-v3"))
	}
}

// A snapshot that does not compile on the gateway is rejected with its
// position in the log and the heartbeat; the previous one keeps serving.
func TestFleetRejectsSnapshotThatDoesNotCompile(t *testing.T) {
	f := newFleet(t)
	f.assign("gw", "api-x")
	tok := f.token("gw", f.keysFor("gw", "").Primary, time.Now().Add(time.Hour))
	f.start()
	g := f.gateway("gw", func(s *gateway.ServiceSettings) { s.Auth = tok })
	eventually(t, 5*time.Second, "gateway serves x", g.serves(t, "/x/hello", "x-v1"))
	f.write("apis/api-x/policy.xml", "<policies>\n  <inbound>\n    <set-header name=\"a\" exists-action=\"sometimes\" />\n  </inbound>\n</policies>")
	eventually(t, 5*time.Second, "rejection in the heartbeat", func() bool {
		for _, s := range f.srv.Status() {
			for _, in := range s.Instances {
				if strings.Contains(in.LastError, "apis/api-x/policy.xml:3:") {
					return true
				}
			}
		}
		return false
	})
	if !strings.Contains(f.logs.String(), "pos=apis/api-x/policy.xml:3:") {
		t.Error("the log lacks the error's position")
	}
	if st, b, _ := g.get(t, "/x/hello"); st != 200 || b != "x-v1" {
		t.Errorf("after a broken snapshot: %d %q, want the previous configuration", st, b)
	}
}

func gaugeValue(t testing.TB, srv *gateway.Server, name string) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	srv.Metrics().Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			var f float64
			json.Unmarshal([]byte(v), &f)
			return f
		}
	}
	t.Fatalf("metric %s not found", name)
	return 0
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A gateway routes from the operation tables the server sends and builds
// what the validation policies and mock-response read from the
// specification on first use: both work as from a folder.
func TestFleetSpecificationOnFirstUse(t *testing.T) {
	f := newFleet(t)
	f.write("apis/api-v/apiInformation.json", `{"properties": {"displayName": "v", "path": "v", "serviceUrl": "http://127.0.0.1:9", "protocols": ["http"], "subscriptionRequired": false}}`)
	f.write("apis/api-v/specification.yaml", `openapi: 3.0.1
info: {title: v, version: '1'}
paths:
  /items:
    get:
      operationId: list
      parameters: [{name: n, in: query, schema: {type: integer}}]
      responses:
        '200':
          description: ok
          content: {application/json: {example: {from: spec}}}
`)
	f.write("apis/api-v/policy.xml", `<policies><inbound><base />
  <validate-parameters specified-parameter-action="prevent" unspecified-parameter-action="ignore" />
  <mock-response status-code="200" content-type="application/json" />
</inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`)
	f.assign("gw", "api-v")
	tok := f.token("gw", f.keysFor("gw", "").Primary, time.Now().Add(time.Hour))
	f.start()
	g := f.gateway("gw", func(s *gateway.ServiceSettings) { s.Auth = tok })
	eventually(t, 5*time.Second, "gateway serves the spec's example", g.serves(t, "/v/items?n=5", `{"from":"spec"}`))
	if st, b, _ := g.get(t, "/v/items?n=five"); st != 400 || !strings.Contains(b, "n") {
		t.Errorf("invalid parameter: %d %q, want validate-parameters' 400", st, b)
	}
	sn := g.c.Current()
	if len(sn.Operations) != 1 {
		t.Fatalf("snapshot carries %d operation tables, want 1", len(sn.Operations))
	}
	for _, tab := range sn.Operations {
		if len(tab.Ops) != 1 || tab.Ops[0].ID != "list" || tab.Ops[0].Path != "/items" {
			t.Errorf("operation table %+v", tab)
		}
	}
}
