package fleet

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/policygate/policygate/gateway/apiops"
)

func TestTokenFormat(t *testing.T) {
	exp := time.Date(2026, 12, 31, 23, 59, 30, 0, time.UTC)
	tok := MintToken("edge-1", "k3y", exp)
	m := hmac.New(sha512.New, []byte("k3y"))
	m.Write([]byte("edge-1\n202612312359"))
	want := "GatewayKey edge-1&202612312359&" + base64.StdEncoding.EncodeToString(m.Sum(nil))
	if tok != want {
		t.Fatalf("token\n got %s\nwant %s", tok, want)
	}
}

func TestTokenVerify(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	keys := GatewayKeys{Primary: "p", Secondary: "s"}
	tests := []struct {
		name, token, reason string
	}{
		{"primary", MintToken("g", "p", now.Add(time.Hour)), ""},
		{"secondary", MintToken("g", "s", now.Add(time.Hour)), ""},
		{"without scheme", strings.TrimPrefix(MintToken("g", "p", now.Add(time.Hour)), "GatewayKey "), ""},
		{"30 days", MintToken("g", "p", now.Add(30*24*time.Hour)), ""},
		{"other key", MintToken("g", "x", now.Add(time.Hour)), ReasonBadSignature},
		{"expired", MintToken("g", "p", now.Add(-time.Minute)), ReasonExpired},
		{"expires now", MintToken("g", "p", now), ReasonExpired},
		{"31 days", MintToken("g", "p", now.Add(31*24*time.Hour)), ReasonTooLong},
		{"two parts", "GatewayKey g&202612011300", ReasonMalformed},
		{"bad time", "GatewayKey g&2026-12-01&AAAA", ReasonMalformed},
		{"bad base64", "GatewayKey g&202612011300&!!", ReasonMalformed},
		{"empty name", "GatewayKey &202612011300&AAAA", ReasonMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := ParseToken(tt.token)
			if err == nil {
				err = tok.Verify(keys, now)
			}
			if got := Reason(err); got != tt.reason {
				t.Errorf("reason %q, want %q (err %v)", got, tt.reason, err)
			}
		})
	}
}

func TestRegenerateInvalidatesOnlyThatKey(t *testing.T) {
	now := time.Now()
	kf := &KeysFile{Gateways: map[string]GatewayKeys{}}
	kf.Regenerate("g", "", now)
	old := kf.Gateways["g"]
	if old.Primary == "" || old.Secondary == "" || old.Primary == old.Secondary {
		t.Fatalf("keys %+v", old)
	}
	tp, _ := ParseToken(MintToken("g", old.Primary, now.Add(time.Hour)))
	ts, _ := ParseToken(MintToken("g", old.Secondary, now.Add(time.Hour)))
	kf.Regenerate("g", "primary", now)
	k := kf.Gateways["g"]
	if k.Primary == old.Primary || k.Secondary != old.Secondary {
		t.Fatalf("regenerate primary changed %+v → %+v", old, k)
	}
	if Reason(tp.Verify(k, now)) != ReasonBadSignature || ts.Verify(k, now) != nil {
		t.Error("after regenerating the primary key: primary tokens must fail, secondary ones work")
	}
	if err := kf.Regenerate("g", "tertiary", now); err == nil {
		t.Error("unknown key name accepted")
	}
	path := filepath.Join(t.TempDir(), "keys.json")
	if err := kf.Write(path); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("keys file mode %v, want 0600", st.Mode().Perm())
	}
	back, err := ReadKeys(path)
	if err != nil || back.Gateways["g"].Primary != k.Primary {
		t.Errorf("read back %+v, %v", back, err)
	}
}

func TestBackupRoundTripAndCorruption(t *testing.T) {
	files := map[string][]byte{"policy.xml": []byte("<policies/>")}
	values := map[string]string{"POLICYGATE_NV_A": "secret"}
	s := &Snapshot{Format: Format, Gateway: "g", Sequence: 3, Files: files, Values: values, Hash: ContentHash(files, values)}
	path := filepath.Join(t.TempDir(), "b", "snapshot.json")
	if err := s.WriteBackup(path); err != nil {
		t.Fatal(err)
	}
	back, err := ReadBackup(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.Files, back.Files); diff != "" || back.Version() != s.Version() {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.tmp")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	data, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(data), `"secret"`, `"sacret"`, 1)), 0o600)
	if _, err := ReadBackup(path); !errors.Is(err, ErrCorrupt) {
		t.Errorf("tampered backup: %v, want ErrCorrupt", err)
	}
	os.WriteFile(path, data[:len(data)/2], 0o600)
	if _, err := ReadBackup(path); err == nil {
		t.Error("truncated backup accepted")
	}
	if ContentHash(map[string][]byte{"a": []byte("bc")}, nil) == ContentHash(map[string][]byte{"ab": []byte("c")}, nil) {
		t.Error("hash does not separate path from content")
	}
}

func TestCheckRefusesBadNames(t *testing.T) {
	for _, p := range []string{"../evil", "/abs", "a//b", "."} {
		files := map[string][]byte{p: []byte("x")}
		s := &Snapshot{Format: Format, Files: files, Hash: ContentHash(files, nil)}
		if err := s.Check(); err == nil {
			t.Errorf("%q accepted", p)
		}
	}
}

func TestFolderSnapshotCutsAssignedAPIs(t *testing.T) {
	f := &Folder{Files: map[string][]byte{
		"policy.xml":                                    []byte("<policies/>"),
		"apis/a/apiInformation.json":                    []byte(`{}`),
		"apis/a;rev=2/apiInformation.json":              []byte(`{}`),
		"apis/a/policy.xml":                             []byte("<policies>{{used}}</policies>"),
		"apis/b/apiInformation.json":                    []byte(`{}`),
		"apis/b/policy.xml":                             []byte("<policies>{{only-b}}</policies>"),
		"products/p/productInformation.json":            []byte(`{}`),
		"products/p/apis.json":                          []byte(`["a", {"name": "b"}]`),
		"products/q/apis/b/productApiInformation.json":  []byte(`{}`),
		"subscriptions/sa/subscriptionInformation.json": []byte(`{"properties": {"scope": "/apis/a"}}`),
		"subscriptions/sb/subscriptionInformation.json": []byte(`{"properties": {"scope": "/subscriptions/x/apis/b"}}`),
		"subscriptions/sp/subscriptionInformation.json": []byte(`{"properties": {"scope": "/products/p"}}`),
		"namedValues/used/namedValueInformation.json":   []byte(`{"properties": {"displayName": "Used", "secret": true}}`),
		"namedValues/only-b/namedValueInformation.json": []byte(`{"properties": {"displayName": "only-b", "value": "b"}}`),
		"gateways/g/gatewayInformation.json":            []byte(`{"properties": {"locationData": {"name": "edge"}}}`),
		"gateways/g/apis.json":                          []byte(`[{"name": "a"}]`),
		"gateways/other/apis.json":                      []byte(`["b"]`),
	}}
	env := map[string]string{"POLICYGATE_NV_USED": "s3", "POLICYGATE_NV_ONLY_B": "nope", "POLICYGATE_SUBSCRIPTION_SA_PRIMARY_KEY": "k"}
	s, err := f.Snapshot("g", 9, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(func(yield func(string) bool) {
		for k := range s.Files {
			if !yield(k) {
				return
			}
		}
	})
	want := []string{
		"apis/a/apiInformation.json", "apis/a/policy.xml", "apis/a;rev=2/apiInformation.json",
		"namedValues/used/namedValueInformation.json", "policy.xml", "products/p/apis.json", "products/p/productInformation.json",
		"subscriptions/sa/subscriptionInformation.json", "subscriptions/sp/subscriptionInformation.json",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files (-want +got)\n%s", diff)
	}
	if string(s.Files["products/p/apis.json"]) != "[\n  \"a\"\n]" {
		t.Errorf("product membership %s", s.Files["products/p/apis.json"])
	}
	if s.Values["POLICYGATE_NV_USED"] != "s3" || s.Values["POLICYGATE_NV_ONLY_B"] != "" || s.Values["POLICYGATE_SUBSCRIPTION_SA_PRIMARY_KEY"] != "k" {
		t.Errorf("values %v", s.Values)
	}
	if !s.Assigned || !slices.Equal(s.APIs, []string{"a"}) || s.Check() != nil {
		t.Errorf("snapshot %+v", s)
	}
	if f.Info("g").Properties.LocationData.Name != "edge" || !slices.Equal(f.Gateways(), []string{"g", "other"}) {
		t.Error("gateway information not read")
	}
	none, _ := f.Snapshot("nobody", 9, nil)
	if none.Assigned || len(none.Files) != 0 {
		t.Errorf("an unassigned gateway got %v", none.Files)
	}
}

// FuzzParseToken: tokens come from the network; parsing and verifying
// never panics and only a correctly signed token passes.
func FuzzParseToken(f *testing.F) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	f.Add(MintToken("g", "k", now.Add(time.Hour)))
	f.Add("GatewayKey g&&")
	f.Add("GatewayKey &202612010000&AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := ParseToken(s)
		if err != nil {
			if Reason(err) == "" {
				t.Fatalf("error without a reason: %v", err)
			}
			return
		}
		if tok.Verify(GatewayKeys{Primary: "k"}, now) == nil {
			want, _ := ParseToken(MintToken(tok.Gateway, "k", tok.Expiry))
			if !hmac.Equal(want.signature, tok.signature) || !tok.Expiry.After(now) {
				t.Fatalf("%q accepted without the right signature or expiry", s)
			}
		}
	})
}

func TestSnapshotFS(t *testing.T) {
	s := &Snapshot{Files: map[string][]byte{"policy.xml": []byte("p"), "apis/a/policy.xml": []byte("a"), "apis/b;rev=2/x.json": []byte("{}")}}
	if err := fstest.TestFS(s.FS(), "policy.xml", "apis/a/policy.xml", "apis/b;rev=2/x.json"); err != nil {
		t.Fatal(err)
	}
}

// A snapshot carries the operation table of each specification it holds,
// guarded like the files: a table changed in a backup is detected.
func TestSnapshotOperationTables(t *testing.T) {
	spec := "swagger: '2.0'\ninfo: {title: t, version: v1}\npaths:\n  /a:\n    get: {operationId: a, responses: {200: {description: ok}}}\n"
	f := &Folder{Files: map[string][]byte{
		"apis/one/apiInformation.json": []byte(`{"properties": {"path": "one"}}`),
		"apis/one/specification.yaml":  []byte(spec),
		"apis/two/specification.yaml":  []byte("openapi: ["),
		"gateways/g/apis.json":         []byte(`["one", "two"]`),
	}}
	f.IndexOperations(nil)
	s, err := f.Snapshot("g", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	tab := s.Operations[apiops.SpecSum([]byte(spec))]
	if len(s.Operations) != 1 || tab == nil || len(tab.Ops) != 1 || tab.Ops[0].ID != "a" {
		t.Fatalf("tables %+v: want one, for the specification that scans", s.Operations)
	}
	next := &Folder{Files: f.Files}
	next.IndexOperations(f)
	if n, _ := next.Snapshot("g", 2, nil); n.Operations[apiops.SpecSum([]byte(spec))] != tab {
		t.Error("an unchanged specification was scanned again")
	}
	path := filepath.Join(t.TempDir(), "snapshot.json")
	if err := s.WriteBackup(path); err != nil {
		t.Fatal(err)
	}
	if back, err := ReadBackup(path); err != nil || back.Operations[apiops.SpecSum([]byte(spec))].Ops[0].ID != "a" {
		t.Fatalf("read back %+v, %v", back, err)
	}
	data, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(data), `"id":"a"`, `"id":"b"`, 1)), 0o600)
	if _, err := ReadBackup(path); !errors.Is(err, ErrCorrupt) {
		t.Errorf("tampered table: %v, want ErrCorrupt", err)
	}
}
