package apiops

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/policygate/policygate/engine"
)

const aiBackend = `{"properties": {"url": "https://contoso.openai.azure.com/openai", "protocol": "http"%s}}`

func TestLoadBackendAuth(t *testing.T) {
	tests := []struct {
		name, info, auth string
		want             func(dir string) *engine.BackendAuth
	}{
		{
			name: "APIM managedIdentity",
			info: `, "credentials": {"managedIdentity": {"resource": " https://cognitiveservices.azure.com ", "clientId": "uami-1"}}`,
			want: func(string) *engine.BackendAuth {
				return &engine.BackendAuth{Kind: engine.AuthManagedIdentity, Resource: "https://cognitiveservices.azure.com", ClientID: "uami-1"}
			},
		},
		{
			name: "api-key",
			auth: `{"kind": "api-key", "key": "{{openai-key}}"}`,
			want: func(string) *engine.BackendAuth {
				return &engine.BackendAuth{Kind: engine.AuthAPIKey, Key: "{{openai-key}}"}
			},
		},
		{
			name: "managed-identity extension",
			auth: `{"kind": "Managed-Identity", "scope": "api://llm/.default"}`,
			want: func(string) *engine.BackendAuth {
				return &engine.BackendAuth{Kind: engine.AuthManagedIdentity, Scope: "api://llm/.default"}
			},
		},
		{
			name: "client-secret",
			auth: `{"kind": "client-secret", "tenantId": "t1", "clientId": "c1", "clientSecret": "{{sp-secret}}",
			        "resource": "https://cognitiveservices.azure.com", "authorityHost": "https://login.microsoftonline.us/"}`,
			want: func(string) *engine.BackendAuth {
				return &engine.BackendAuth{Kind: engine.AuthClientSecret, TenantID: "t1", ClientID: "c1", ClientSecret: "{{sp-secret}}",
					Resource: "https://cognitiveservices.azure.com", AuthorityHost: "https://login.microsoftonline.us/"}
			},
		},
		{
			name: "client-certificate, relative path",
			auth: `{"kind": "client-certificate", "tenantId": "t1", "clientId": "c1", "certificatePath": "sp.pfx", "certificatePassword": "{{pfx-pw}}", "scope": "s/.default"}`,
			want: func(dir string) *engine.BackendAuth {
				return &engine.BackendAuth{Kind: engine.AuthClientCertificate, TenantID: "t1", ClientID: "c1",
					CertificatePath: filepath.Join(dir, "backends", "ai", "sp.pfx"), CertificatePassword: "{{pfx-pw}}", Scope: "s/.default"}
			},
		},
		{
			name: "workload-identity",
			auth: `{"kind": "workload-identity", "scope": "https://cognitiveservices.azure.com/.default"}`,
			want: func(string) *engine.BackendAuth {
				return &engine.BackendAuth{Kind: engine.AuthWorkloadIdentity, Scope: "https://cognitiveservices.azure.com/.default"}
			},
		},
		{
			name: "client-assertion",
			auth: `{"kind": "client-assertion", "tenantId": "t1", "clientId": "c1", "tokenFile": "/var/run/assertion", "scope": "s/.default"}`,
			want: func(string) *engine.BackendAuth {
				return &engine.BackendAuth{Kind: engine.AuthClientAssertion, TenantID: "t1", ClientID: "c1", TokenFile: "/var/run/assertion", Scope: "s/.default"}
			},
		},
		{name: "none", auth: `{"kind": "none"}`, want: func(string) *engine.BackendAuth { return nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyFixture(t, false)
			write(t, dir, "backends/ai/backendInformation.json", strings.Replace(aiBackend, "%s", tc.info, 1))
			if tc.auth != "" {
				write(t, dir, "backends/ai/"+AuthFile, tc.auth)
			}
			cfg, errs := Load(dir, env(fixtureEnv))
			if cfg == nil {
				t.Fatalf("Load failed:\n%v", errs)
			}
			b := cfg.Backends["ai"]
			if b == nil {
				t.Fatal("backend ai not loaded")
			}
			if diff := cmp.Diff(tc.want(dir), b.Auth); diff != "" {
				t.Errorf("Auth (-want +got):\n%s", diff)
			}
			if cfg.Backends["b1"].Auth != nil {
				t.Error("b1 has no authentication")
			}
		})
	}
}

func TestLoadBackendAuthErrors(t *testing.T) {
	tests := []struct {
		name, info, auth, want string
	}{
		{"unknown kind", "", `{"kind": "kerberos"}`, `backends/ai/policygateAuth.json:1:10: bad_config: backend "ai": policygateAuth.json: unknown kind "kerberos"`},
		{"misspelt property", "", `{"kind": "api-key",
  "kee": "x"}`, `backends/ai/policygateAuth.json:2:10: bad_config: backend "ai": policygateAuth.json: unknown property "kee"`},
		{"missing settings", "", `{"kind": "client-secret", "tenantId": "t"}`, `bad_config: backend "ai": policygateAuth.json: client-secret needs clientId, clientSecret, scope or resource`},
		{"api-key without key", "", `{"kind": "api-key", "header": "api-key"}`, `api-key needs key`},
		{"managedIdentity without resource", `, "credentials": {"managedIdentity": {"clientId": "c"}}`, "", `backend "ai": credentials.managedIdentity needs a resource`},
		{"both forms", `, "credentials": {"managedIdentity": {"resource": "r"}}`, `{"kind": "api-key", "key": "k"}`, `both credentials.managedIdentity and policygateAuth.json set`},
		{"bad JSON", "", `{"kind": `, `policygateAuth.json:1:10: parse_error`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyFixture(t, false)
			write(t, dir, "backends/ai/backendInformation.json", strings.Replace(aiBackend, "%s", tc.info, 1))
			if tc.auth != "" {
				write(t, dir, "backends/ai/"+AuthFile, tc.auth)
			}
			cfg, errs := Load(dir, env(fixtureEnv))
			if cfg != nil {
				t.Fatal("Load accepted the configuration")
			}
			if got := strings.ReplaceAll(errs.Error(), dir+string(filepath.Separator), ""); !strings.Contains(got, tc.want) {
				t.Errorf("errors:\n%s\nwant %q", got, tc.want)
			}
		})
	}
}
