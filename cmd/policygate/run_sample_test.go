package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/policygate/policygate/gateway"
	"github.com/policygate/policygate/gateway/demo"
)

// sampleRoot is ../shared/apiops-sample (the repository root, whose
// artifacts are in SampleArtifacts/), or "" when it is absent.
func sampleRoot(t *testing.T) string {
	t.Helper()
	dir, _ := filepath.Abs(filepath.Join("..", "..", "..", "shared", "apiops-sample"))
	if st, err := os.Stat(filepath.Join(dir, "SampleArtifacts")); err != nil || !st.IsDir() {
		return ""
	}
	return dir
}

// TestRunSampleRepositoryOverDevCertificate serves the real APIOps export
// from its repository root and calls an https-only operation over the
// generated development certificate, checking the certificate against the
// fingerprint the server logged.
func TestRunSampleRepositoryOverDevCertificate(t *testing.T) {
	root := sampleRoot(t)
	if root == "" {
		t.Skip("../shared/apiops-sample not found")
	}
	backend := startEchoBackend(t)
	// the revision 2 API sends its calls to {{intranet-proxy-url}}: point it
	// at the loopback backend (its get-revision-details operation has no
	// policy of its own, so the API's runs).
	t.Setenv("POLICYGATE_NV_INTRANET_PROXY_URL", backend)
	t.Setenv("POLICYGATE_SUBSCRIPTION_SUBSCRIPTION1_PRIMARY_KEY", "sample-key-1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &lockedBuffer{}
	code := make(chan int, 1)
	go func() {
		code <- runServer([]string{"--config", root, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
			"--set", "net.server.https.listen=127.0.0.1:0"},
			io.Discard, stderr, func(string) (string, bool) { return "", false }, ctx)
	}()
	httpsRE := regexp.MustCompile(`msg=listening addr=(\S+) tls=true admin=false`)
	httpRE := regexp.MustCompile(`msg=listening addr=(\S+) tls=false admin=false`)
	adminRE := regexp.MustCompile(`msg=listening addr=(\S+) tls=false admin=true`)
	fpRE := regexp.MustCompile(`development certificate for localhost" sha256=([0-9A-F:]{95})`)
	var httpsAddr, httpAddr, adminAddr, fp string
	deadline := time.Now().Add(10 * time.Second)
	for httpsAddr == "" || httpAddr == "" || adminAddr == "" || fp == "" || !strings.Contains(stderr.String(), "configuration 1 applied") {
		logs := stderr.String()
		if m := httpsRE.FindStringSubmatch(logs); m != nil {
			httpsAddr = m[1]
		}
		if m := httpRE.FindStringSubmatch(logs); m != nil {
			httpAddr = m[1]
		}
		if m := adminRE.FindStringSubmatch(logs); m != nil {
			adminAddr = m[1]
		}
		if m := fpRE.FindStringSubmatch(logs); m != nil {
			fp = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start over HTTPS:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(stderr.String(), "using the APIOps artifact folder "+filepath.Join(root, "SampleArtifacts")) {
		t.Errorf("the chosen artifact folder is not logged:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "configuration 1 applied: 8 apis, 8 operations") {
		t.Errorf("no applied line for the sample's 8 APIs:\n%s", stderr.String())
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true, // verified below against the logged fingerprint
		VerifyConnection: func(cs tls.ConnectionState) error {
			leaf := cs.PeerCertificates[0]
			if gateway.Fingerprint(leaf.Raw) != fp {
				return errors.New("the served certificate is not the one whose fingerprint was logged")
			}
			pool := x509.NewCertPool()
			pool.AddCert(leaf)
			_, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "127.0.0.1"})
			return err
		},
	}}}
	t.Cleanup(client.CloseIdleConnections)
	call := func(base string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/revisioned-api;rev=2/revision/details", nil)
		req.Header.Set("Ocp-Apim-Subscription-Key", "sample-key-1")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := call("https://" + httpsAddr)
	if resp.StatusCode != 200 {
		t.Fatalf("https call: %d %s\n%s", resp.StatusCode, body, stderr.String())
	}
	var echo struct {
		Path    string              `json:"path"`
		Headers map[string][]string `json:"headers"`
	}
	if err := json.Unmarshal([]byte(body), &echo); err != nil {
		t.Fatalf("backend answer %q: %v", body, err)
	}
	if echo.Path != "/revision/details" {
		t.Errorf("backend path %q", echo.Path)
	}
	if got := echo.Headers["X-Api-Revision"]; len(got) != 1 || got[0] != "2" {
		t.Errorf("the revision 2 policy did not run: headers %v", echo.Headers)
	}
	// the same call over plain HTTP is a 404 that says why
	resp, _ = call("http://" + httpAddr)
	if resp.StatusCode != 404 {
		t.Errorf("http call: %d, want 404 (the API allows only https)", resp.StatusCode)
	}
	if !strings.Contains(stderr.String(), "matches this path but allows only https, and the request came over http") {
		t.Errorf("the 404 is not explained:\n%s", stderr.String())
	}
	// the admin listener lists the routes
	r, err := http.Get("http://" + adminAddr + "/routes?format=json")
	if err != nil {
		t.Fatal(err)
	}
	var routes []gateway.RouteInfo
	err = json.NewDecoder(r.Body).Decode(&routes)
	r.Body.Close()
	if err != nil || len(routes) != 8 {
		t.Fatalf("/routes: %d routes, %v", len(routes), err)
	}
	cancel()
	if c := <-code; c != 0 {
		t.Errorf("exit code %d\n%s", c, stderr.String())
	}
}

// startEchoBackend starts the demo echo server on loopback.
func startEchoBackend(t *testing.T) string {
	t.Helper()
	be, err := demo.StartBackend()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	return be.URL
}
