package apiops

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindArtifacts(t *testing.T) {
	mk := func(t *testing.T, root string, paths ...string) {
		t.Helper()
		for _, p := range paths {
			full := filepath.Join(root, p)
			if strings.HasSuffix(p, "/") {
				if err := os.MkdirAll(full, 0o755); err != nil {
					t.Fatal(err)
				}
				continue
			}
			os.MkdirAll(filepath.Dir(full), 0o755)
			if err := os.WriteFile(full, []byte("env:\n  API_MANAGEMENT_SERVICE_OUTPUT_FOLDER_PATH: prod-artifacts\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := []struct {
		name    string
		layout  []string
		want    string // relative to the root; "." for the root itself
		why     string
		wantErr string
	}{
		{"artifact folder itself", []string{"apis/", "policy.xml"}, ".", "", ""},
		{"one below", []string{"SampleArtifacts/apis/", "README.md"}, "SampleArtifacts", "the only folder below", ""},
		{"two levels down", []string{"infra/apim/apis/"}, "infra/apim", "the only folder below", ""},
		{"several, pipeline names one", []string{"dev-artifacts/apis/", "prod-artifacts/apis/", ".github/workflows/run-publisher.yaml"}, "prod-artifacts", "named by API_MANAGEMENT_SERVICE_OUTPUT_FOLDER_PATH in .github/workflows/run-publisher.yaml", ""},
		{"several, no hint", []string{"a/apis/", "b/apis/"}, "", "", "several APIOps artifact folders (a, b)"},
		{"none", []string{"docs/"}, "", "", "not an APIOps artifact folder"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			mk(t, root, c.layout...)
			got, why, err := FindArtifacts(root)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rel, _ := filepath.Rel(root, got); rel != c.want || !strings.Contains(why, c.why) {
				t.Errorf("got %s (%q), want %s (%q)", rel, why, c.want, c.why)
			}
		})
	}
	if dir := sampleDir(t); dir != "" {
		got, why, err := FindArtifacts(filepath.Dir(dir))
		if err != nil || got != dir || why == "" {
			t.Errorf("sample repository root: %s %q %v", got, why, err)
		}
	}
}
