package apiops

import (
	"path/filepath"
	"sort"
	"strings"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/expressions/dotnet/cryptography"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
)

// loadCertificates reads certificates/<id>.pem|.pfx|.p12 (PolicyGate's own
// folder: APIM never exports certificates). The id is the file name without
// its extension; a PFX password comes from the environment variable
// POLICYGATE_CERT_<ID>_PASSWORD (CertificatePasswordEnv). Each file is parsed
// here, so a bad certificate or password is a load error at its file.
func (l *loader) loadCertificates() {
	dir := filepath.Join(l.dir, "certificates")
	entries, err := l.files.ReadDir(dir)
	if err != nil {
		return // no certificates folder
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || (ext != ".pem" && ext != ".pfx" && ext != ".p12") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		id := strings.TrimSuffix(e.Name(), filepath.Ext(e.Name()))
		data, err := l.files.ReadFile(path)
		if err != nil {
			l.ioError(path, err)
			continue
		}
		pw, _ := l.opts.env(CertificatePasswordEnv(id))
		pos := parser.Pos{File: path, Line: 1, Col: 1}
		if _, err := policies.ParseClientCertificate(data, pw); err != nil {
			// A certificate without a key (a CA for validate-client-certificate
			// issuer-certificate-id) is fine; authentication-certificate
			// cannot use it.
			if c, perr := cryptography.ParseX509(data, pw); perr != nil || c.Key != nil {
				l.errorf(pos, CodeBadConfig, "certificate %q: %v (a PFX password comes from %s)", id, err, CertificatePasswordEnv(id))
				continue
			}
		}
		if l.cfg.Certificates == nil {
			l.cfg.Certificates = map[string]*engine.Certificate{}
		}
		l.cfg.Certificates[id] = &engine.Certificate{File: path, Data: data, Password: pw}
	}
}

// CertificatePasswordEnv names the environment variable holding the PFX
// password of certificate id.
func CertificatePasswordEnv(id string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(id) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return "POLICYGATE_CERT_" + b.String() + "_PASSWORD"
}
