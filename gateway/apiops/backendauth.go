package apiops

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"

	"github.com/policygate/policygate/engine"
)

// AuthFile is the PolicyGate extension beside backendInformation.json that
// configures how the gateway authenticates to a backend (see the package
// documentation, "Backend authentication").
const AuthFile = "policygateAuth.json"

// authFile is the content of AuthFile.
type authFile struct {
	Kind                string `json:"kind"`
	Header              string `json:"header"`
	Key                 string `json:"key"`
	Resource            string `json:"resource"`
	Scope               string `json:"scope"`
	TenantID            string `json:"tenantId"`
	ClientID            string `json:"clientId"`
	ClientSecret        string `json:"clientSecret"`
	CertificatePath     string `json:"certificatePath"`
	Certificate         string `json:"certificate"`
	CertificatePassword string `json:"certificatePassword"`
	TokenFile           string `json:"tokenFile"`
	AuthorityHost       string `json:"authorityHost"`
}

// loadBackendAuth reads dir/AuthFile. It returns nil when there is none,
// and false when the file is wrong (the problems are recorded).
func (l *loader) loadBackendAuth(dir, name string) (*engine.BackendAuth, bool) {
	var in authFile
	f, ok := l.readJSON(filepath.Join(dir, AuthFile), &in)
	if f == nil {
		return nil, true // no file
	}
	if !ok {
		return nil, false
	}
	// Unknown properties are mistakes (a misspelt "clientSecret" would
	// otherwise authenticate with nothing).
	dec := json.NewDecoder(bytes.NewReader(f.src))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&authFile{}); err != nil {
		prop := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		l.errorf(f.keyPos(prop), CodeBadConfig, "backend %q: %s: unknown property %q", name, AuthFile, prop)
		return nil, false
	}
	a := &engine.BackendAuth{
		Kind: engine.BackendAuthKind(strings.ToLower(strings.TrimSpace(in.Kind))), Header: in.Header, Key: in.Key,
		Resource: in.Resource, Scope: in.Scope, TenantID: in.TenantID, ClientID: in.ClientID, ClientSecret: in.ClientSecret,
		CertificatePath: in.CertificatePath, Certificate: in.Certificate, CertificatePassword: in.CertificatePassword,
		TokenFile: in.TokenFile, AuthorityHost: in.AuthorityHost,
	}
	if a.CertificatePath != "" && !filepath.IsAbs(a.CertificatePath) && !strings.Contains(a.CertificatePath, "{{") {
		a.CertificatePath = filepath.Join(dir, a.CertificatePath)
	}
	if a.TokenFile != "" && !filepath.IsAbs(a.TokenFile) && !strings.Contains(a.TokenFile, "{{") {
		a.TokenFile = filepath.Join(dir, a.TokenFile)
	}
	var need []string
	scope := a.Scope != "" || a.Resource != ""
	switch a.Kind {
	case "none":
		return nil, true
	case engine.AuthAPIKey:
		if a.Key == "" {
			need = append(need, "key")
		}
	case engine.AuthManagedIdentity, engine.AuthWorkloadIdentity:
	case engine.AuthClientSecret:
		need = missing(need, "tenantId", a.TenantID, "clientId", a.ClientID, "clientSecret", a.ClientSecret)
	case engine.AuthClientCertificate:
		need = missing(need, "tenantId", a.TenantID, "clientId", a.ClientID, "certificatePath or certificate", a.CertificatePath+a.Certificate)
	case engine.AuthClientAssertion:
		need = missing(need, "tenantId", a.TenantID, "clientId", a.ClientID, "tokenFile", a.TokenFile)
	default:
		l.errorf(f.keyPos("kind"), CodeBadConfig, "backend %q: %s: unknown kind %q (want none, api-key, managed-identity, client-secret, client-certificate, workload-identity or client-assertion)", name, AuthFile, in.Kind)
		return nil, false
	}
	if a.Kind != engine.AuthAPIKey && !scope {
		need = append(need, "scope or resource")
	}
	if len(need) > 0 {
		l.errorf(f.keyPos("kind"), CodeBadConfig, "backend %q: %s: %s needs %s", name, AuthFile, a.Kind, strings.Join(need, ", "))
		return nil, false
	}
	return a, true
}

// missing appends the names (of name, value pairs) whose value is empty.
func missing(out []string, pairs ...string) []string {
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			out = append(out, pairs[i])
		}
	}
	return out
}
