package namedvalues

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/policygate/policygate/parser"
)

func TestLoadDirSample(t *testing.T) {
	t.Parallel()
	dir := sharedPath("apiops-sample/SampleArtifacts")
	if dir == "" {
		t.Skip("shared/apiops-sample not present")
	}
	s, errs := LoadDir(dir, WithEnv(nil))
	if len(errs) != 0 {
		t.Fatalf("LoadDir: %v", errs)
	}
	want := []string{"allowed-ip-address", "environment-name", "intranet-proxy-url", "rewrite-search-term"}
	if diff := cmp.Diff(want, s.Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
	nv, found, _ := s.Lookup("intranet-proxy-url")
	if !found || nv.Value != "https://httpbin.org" || nv.Secret || !strings.HasSuffix(nv.Source, filepath.Join("named values", "intranet-proxy-url", InfoFile)) {
		t.Errorf("Lookup = %+v", nv)
	}
}

// sharedPath finds shared/<sub> in the package directory's ancestors: the
// shared folder sits beside the main checkout (../../shared from the module
// root) and one level higher from a worktree under /work/wt.
func sharedPath(sub string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for range 5 {
		p := filepath.Join(dir, "shared", filepath.FromSlash(sub))
		if _, err := os.Stat(p); err == nil {
			return p
		}
		dir = filepath.Dir(dir)
	}
	return ""
}

// TestSamplePolicies expands every policy of the APIOps sample against the
// sample's named values: all references must resolve.
func TestSamplePolicies(t *testing.T) {
	t.Parallel()
	dir := sharedPath("apiops-sample/SampleArtifacts")
	if dir == "" {
		t.Skip("shared/apiops-sample not present")
	}
	s, errs := LoadDir(dir, WithEnv(nil))
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	refs := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".xml" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		exp, probs := Expand(string(b), s.Lookup, Options{Strict: true})
		for _, p := range probs {
			t.Errorf("%s: %v", path, p)
		}
		if strings.Contains(exp.Text, "{{environment-name}}") {
			t.Errorf("%s: reference left in %q", path, exp.Text)
		}
		refs += len(exp.Refs)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if refs == 0 {
		t.Error("no references found in the sample policies")
	}
}

func writeNV(t *testing.T, root, folder, body string) string {
	t.Helper()
	d := filepath.Join(root, folder)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(d, InfoFile)
	if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLoadDirFixture(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	nvd := filepath.Join(root, "namedValues")
	writeNV(t, nvd, "plain", `{"properties":{"displayName":"Plain","value":"p","secret":false,"tags":["x"]}}`)
	writeNV(t, nvd, "no-display", "\xef\xbb\xbf"+`{"properties":{"value":"folder name used"}}`)
	writeNV(t, nvd, "secret-env", `{"properties":{"displayName":"secret-env","secret":true}}`)
	missing := writeNV(t, nvd, "secret-missing", "{\n  \"properties\": {\n    \"displayName\": \"secret-missing\",\n    \"secret\": true\n  }\n}")
	writeNV(t, nvd, "kv", `{"properties":{"displayName":"kv","secret":true,"keyVault":{"secretIdentifier":"https://v.vault.azure.net/secrets/s","identityClientId":"cid"}}}`)
	broken := writeNV(t, nvd, "broken", "{\n  \"properties\": {\n    \"value\": \"x\",,\n  }\n}")
	blank := writeNV(t, nvd, "blank", "{\n  \"properties\": {\n    \"displayName\": \"blank\",\n    \"value\": \"   \"\n  }\n}")
	badName := writeNV(t, nvd, "bad", "{\n  \"properties\": {\n    \"displayName\": \"bad name\",\n    \"value\": \"v\"\n  }\n}")
	dup := writeNV(t, nvd, "zz-dup", "{\n  \"properties\": {\n    \"displayName\": \"PLAIN\",\n    \"value\": \"v\"\n  }\n}")
	novalue := writeNV(t, nvd, "novalue", "{\n  \"properties\": {\n    \"displayName\": \"novalue\"\n  }\n}")
	typeErr := writeNV(t, nvd, "typeerr", "{\n  \"properties\": {\n    \"secret\": \"yes\"\n  }\n}")
	if err := os.MkdirAll(filepath.Join(nvd, "empty-folder"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nvd, "stray.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}

	env := mapEnv(map[string]string{"POLICYGATE_NV_SECRET_ENV": "hunter2"})
	s, errs := LoadDir(root, WithEnv(env))

	var got []string
	for _, err := range errs {
		var pe *parser.Error
		if !errors.As(err, &pe) {
			t.Fatalf("error %v is not a *parser.Error", err)
		}
		got = append(got, pe.Pos.String()+" "+pe.Code)
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error shows a secret: %v", err)
		}
	}
	want := []string{
		badName + ":3:5 " + CodeBadNamedValue,
		blank + ":4:5 " + CodeBadNamedValue,
		broken + ":3:18 " + parser.CodeParse,
		novalue + ":1:1 " + CodeBadNamedValue,
		missing + ":4:5 " + CodeBadNamedValue,
		typeErr + ":3:5 " + parser.CodeParse,
		dup + ":3:5 " + CodeBadNamedValue,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	for _, err := range errs {
		if strings.Contains(err.Error(), "secret-missing") && !strings.Contains(err.Error(), "POLICYGATE_NV_SECRET_MISSING") {
			t.Errorf("missing secret error does not name its variable: %v", err)
		}
	}

	if diff := cmp.Diff([]string{"Plain", "kv", "no-display", "secret-env"}, s.Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
	nv, _, _ := s.Lookup("secret-env")
	if nv.Value != "hunter2" || !nv.Secret || nv.Source != "env:POLICYGATE_NV_SECRET_ENV" {
		t.Errorf("secret-env = %+v", nv)
	}
	kv, _, _ := s.Lookup("kv")
	wantKV := NamedValue{Name: "kv", Secret: true, Source: filepath.Join(nvd, "kv", InfoFile),
		KeyVault: &KeyVaultRef{SecretIdentifier: "https://v.vault.azure.net/secrets/s", IdentityClientID: "cid"}}
	if diff := cmp.Diff(wantKV, kv); diff != "" {
		t.Errorf("kv (-want +got):\n%s", diff)
	}
	if got := s.Redact("pw=hunter2"); got != "pw=***" {
		t.Errorf("Redact = %q", got)
	}
}

func TestLoadDirSpellings(t *testing.T) {
	t.Parallel()
	for _, folder := range []string{"named values", "namedValues", ""} {
		root := t.TempDir()
		writeNV(t, filepath.Join(root, folder), "a", `{"properties":{"displayName":"a","value":"1"}}`)
		s, errs := LoadDir(root, WithEnv(nil))
		if len(errs) != 0 || s.Len() != 1 {
			t.Errorf("folder %q: %d values, errors %v", folder, s.Len(), errs)
		}
	}
	s, errs := LoadDir(t.TempDir())
	if len(errs) != 0 || s.Len() != 0 {
		t.Errorf("empty dir: %d values, errors %v", s.Len(), errs)
	}
}
