package policies

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A throwaway EC certificate made for these tests (CN
// policygate-backend-client), as PEM with its key and as a legacy PFX with
// the password "pfx-pass".
const (
	testCertThumbprint = "3E7D1D207FC21264424B1A8A25AE2A31880AEBC9"
	testCertPEM        = `-----BEGIN CERTIFICATE-----
MIIBnjCCAUWgAwIBAgIURGDp+2h1/0dGwGTcEHaVo0gktgEwCgYIKoZIzj0EAwIw
JDEiMCAGA1UEAwwZcG9saWN5Z2F0ZS1iYWNrZW5kLWNsaWVudDAgFw0yNjExMjIw
NTI0MDJaGA8yMTI2MTAyOTA1MjQwMlowJDEiMCAGA1UEAwwZcG9saWN5Z2F0ZS1i
YWNrZW5kLWNsaWVudDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABIXAKke9bV22
rRDfGxZ6nTei8FbfWo8pTCfteZJY6S4oJTzpQBhGhEzfOMEoNPIAOlH8gt4Shebf
lSX6+ArIj3KjUzBRMB0GA1UdDgQWBBRxjSoyaoyXfTRm+z6pQI8Q8YhYqDAfBgNV
HSMEGDAWgBRxjSoyaoyXfTRm+z6pQI8Q8YhYqDAPBgNVHRMBAf8EBTADAQH/MAoG
CCqGSM49BAMCA0cAMEQCIAGSdOEOm6YEWEykAd7fr7zn2QJ4rSVShDi7NISMoKvy
AiBV6WW/4+hlVon146r1vT5nR013Mz8RQuiNZHoHqStw9A==
-----END CERTIFICATE-----
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgqFl4W1FvGtGz+UBx
J0Jpk5zki53RTMraanqVLDSH89KhRANCAASFwCpHvW1dtq0Q3xsWep03ovBW31qP
KUwn7XmSWOkuKCU86UAYRoRM3zjBKDTyADpR/ILeEoXm35Ul+vgKyI9y
-----END PRIVATE KEY-----
`
	testCertPFXBase64 = "" +
		"MIIDogIBAzCCA2gGCSqGSIb3DQEHAaCCA1kEggNVMIIDUTCCAkcGCSqGSIb3DQEHBqCCAjgwggI0AgEAMIICLQYJKoZIhvcNAQcB" +
		"MBwGCiqGSIb3DQEMAQYwDgQI1DMWjxlvOzQCAggAgIICANFl0D7QBu5FF4BnTwpmsB4vuuPW4ENNmwq8fXvqZ/nOn3/na0hHZTsa" +
		"xN35H/gnxZ5m80PnuqACM17i+PjW28ed11i7CjtF0z8efRTC+BKAj0TgU9QQac3KX+9biOxPbLjdMJZrSR7z3JL7xeOFw+36XQmj" +
		"Q3YDnnrKLQ3U6QaeCRtZaTb4UiGFW838JAVUmdgrI72npYO3v21xibxh6SffHmEFuHiOWWUvM3XKo+7rEGbuIa3MLxVj+kehtj/9" +
		"p2T08UpbM1mTN1CgkWAkCZxW408XqAXaUJ25Iz+F2CWZqqo/CCldpvvVeYhC95oi+uLMcywU5EECkZnlR1ZABY2qmb2AkvTISLGF" +
		"dvIYMdQAvE8Ib82flshKeStP6Dhwm8zbbXY8NLVbjmJbVhgLqTz8077FWv9Ttqez73iYCd6nNCWPsi0vrXDCLCXCIT/kLUOdZHJq" +
		"XLHSXjl+gCaqrbyai4nkfeFTW24oX5rl2fndCipgjm32geyEpLDipEfVgApmUwIPaSTk+ZDMPVACI8a58Fe8E/eNlIRxhMOS6s4b" +
		"/WvE1JxgisLSdB+phUpgNNAnzZPINZB2rfHxCuLs3+G5bTOHl0W3/ztVt1RdB/W/GANYltZdDCMvGWFNTN/41maaFMe8CSmiokzQ" +
		"KqAiSPco0jKG5QfFU5aqdHBARGZ3MIIBAgYJKoZIhvcNAQcBoIH0BIHxMIHuMIHrBgsqhkiG9w0BDAoBAqCBtDCBsTAcBgoqhkiG" +
		"9w0BDAEDMA4ECIyQbTBCpHGbAgIIAASBkMZ0iCVG4YG/58yqImKzQwpTldofcWXEnhIMIqkFuAJYVRoY2MDS/sfBWIaFV8eGeEI6" +
		"CKPtiK9f1z50lC21nwwoBv90CgN4OAaVIAKLJ1oAM2bX4ltd74XFu48+3ja6H0RC0b8b/UdpvwvdOQLrb/3YKTUGj7BhojQDIsXK" +
		"r9UkPp6CUBwj7acb0C8EUsoT4DElMCMGCSqGSIb3DQEJFTEWBBQ+fR0gf8ISZEJLGoolrioxiArryTAxMCEwCQYFKw4DAhoFAAQU" +
		"oA3chR0KuEdD0B0bTw0/C+7D9xgECCAFy8jQIeMHAgIIAA=="
)

func testPFX(t testing.TB) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(testCertPFXBase64)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseClientCertificate(t *testing.T) {
	for name, load := range map[string]func() (*tls.Certificate, error){
		"PEM": func() (*tls.Certificate, error) { return ParseClientCertificate([]byte(testCertPEM), "") },
		"PFX": func() (*tls.Certificate, error) { return ParseClientCertificate(testPFX(t), "pfx-pass") },
		"PEM key first": func() (*tls.Certificate, error) {
			i := strings.Index(testCertPEM, "-----BEGIN PRIVATE")
			return ParseClientCertificate([]byte(testCertPEM[i:]+testCertPEM[:i]), "")
		},
	} {
		c, err := load()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := Thumbprint(c); got != testCertThumbprint {
			t.Errorf("%s: thumbprint %s, want %s", name, got, testCertThumbprint)
		}
	}
	if _, err := ParseClientCertificate(testPFX(t), "wrong"); err == nil {
		t.Error("PFX opened with the wrong password")
	}
	if _, err := ParseClientCertificate([]byte("junk"), ""); err == nil {
		t.Error("junk accepted")
	}
}

// Not parallel: the certificate store is process-wide.
func TestAuthenticationCertificate(t *testing.T) {
	store := NewCertificateStore()
	tp, err := store.Add("backend-client", testPFX(t), "pfx-pass")
	if err != nil || tp != testCertThumbprint {
		t.Fatalf("Add = %s, %v", tp, err)
	}
	SetCertificateStore(store)
	t.Cleanup(func() { SetCertificateStore(nil) })

	tests := []struct {
		name, src string
		vars      map[string]any
		want      *authFailure
	}{
		{"thumbprint", `<authentication-certificate thumbprint="` + testCertThumbprint + `" />`, nil, nil},
		{"thumbprint lower case with colons", `<authentication-certificate thumbprint="3e:7d:1d:20:7f:c2:12:64:42:4b:1a:8a:25:ae:2a:31:88:0a:eb:c9" />`, nil, nil},
		{"certificate-id", `<authentication-certificate certificate-id="Backend-Client" />`, nil, nil},
		{"certificate-id expression", `<authentication-certificate certificate-id="@(&quot;backend-&quot; + &quot;client&quot;)" />`, nil, nil},
		{"body PFX bytes with password", `<authentication-certificate body="@((byte[])context.Variables[&quot;pfx&quot;])" password="pfx-pass" />`, map[string]any{"pfx": testPFX(t)}, nil},
		{"body Base64 PFX", `<authentication-certificate body="@((string)context.Variables[&quot;pfx&quot;])" password="@(&quot;pfx-pass&quot;)" />`, map[string]any{"pfx": testCertPFXBase64}, nil},
		{"body PEM text", `<authentication-certificate body="@((string)context.Variables[&quot;pem&quot;])" />`, map[string]any{"pem": testCertPEM}, nil},
		{"unknown thumbprint", `<authentication-certificate thumbprint="0000" />`, nil,
			&authFailure{"authentication-certificate", "CertificateNotFound", "Certificate with thumbprint 0000 was not found.", "", 500}},
		{"unknown id", `<authentication-certificate certificate-id="nope" />`, nil,
			&authFailure{"authentication-certificate", "CertificateNotFound", "Certificate with id nope was not found.", "", 500}},
		{"body wrong password", `<authentication-certificate body="@((string)context.Variables[&quot;pfx&quot;])" password="bad" />`, map[string]any{"pfx": testCertPFXBase64},
			&authFailure{"authentication-certificate", "CertificateInvalid", "Certificate body could not be read.", "", 500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := authCompile(t, tt.src)
			r := authRun("GET", nil)
			for k, v := range tt.vars {
				r.Ctx.Variables.Set(k, v)
			}
			got := authFailureOf(authPolicyError(t, s.Exec(r)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("(-want +got)\n%s", diff)
			}
			c := ClientCertificate(r)
			if tt.want != nil {
				if c != nil {
					t.Error("a certificate was recorded despite the failure")
				}
				return
			}
			if Thumbprint(c) != testCertThumbprint {
				t.Errorf("recorded certificate %s, want %s", Thumbprint(c), testCertThumbprint)
			}
		})
	}
	if _, errs := authCompileErrs(`<authentication-certificate thumbprint="a" certificate-id="b" />`); len(errs) == 0 {
		t.Error("two certificate sources accepted")
	}
	if _, errs := authCompileErrs(`<authentication-certificate password="a" />`); len(errs) == 0 {
		t.Error("no certificate source accepted")
	}
}

// The recorded certificate is what a backend that requires client
// certificates sees in the TLS handshake.
func TestClientCertificateInHandshake(t *testing.T) {
	backend := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) == 0 {
			http.Error(w, "no client certificate", 403)
			return
		}
		io.WriteString(w, r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	backend.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	backend.StartTLS()
	defer backend.Close()

	s := authCompile(t, `<authentication-certificate body="@((string)context.Variables[&quot;pem&quot;])" />`)
	r := authRun("GET", nil)
	r.Ctx.Variables.Set("pem", testCertPEM)
	if err := s.Exec(r); err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(backend.Certificate())
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: roots,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			if c := ClientCertificate(r); c != nil {
				return c, nil
			}
			return &tls.Certificate{}, nil
		},
	}}}
	resp, err := client.Get(backend.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "policygate-backend-client" {
		t.Errorf("backend answered %d %q", resp.StatusCode, body)
	}
}
