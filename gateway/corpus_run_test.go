package gateway

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
)

type staticToken struct{}

func (staticToken) Token(context.Context, string, string) (string, time.Time, error) {
	return "eyJhbGciOiJub25lIn0.e30.", time.Now().Add(time.Hour), nil
}

// TestCorpusRuns sends a request through every corpus policy document that
// compiles, as the API policy of a one-operation API: no request may end in
// a panic (an "internal error" 500). Every connection the policies open —
// backends, send-request, OpenID metadata — goes to a loopback stub, and
// managed identity tokens come from a static source, so nothing leaves the
// machine.
func TestCorpusRuns(t *testing.T) {
	dir := corpusRunSetup(t)

	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":1,"name":"x","items":[{"a":1}],"choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`)
	}))
	defer stub.Close()
	client := loopbackClient(stub.Listener.Addr().String())

	files := corpusDocuments(t, dir)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	why := map[string]int{}
	var compiled, ran int
	panics := map[string]string{}
	for _, f := range files {
		src, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		store := namedvalues.NewStore()
		for _, n := range namedvalues.References(string(src)) {
			_ = store.Set(namedvalues.NamedValue{Name: n, Value: sampleNamedValue(n)})
		}
		op := &engine.Operation{ID: "op", Method: "*", URLTemplate: "/*"}
		cfg := &engine.Config{
			Backends:    map[string]*engine.Backend{},
			Fragments:   map[string]*engine.PolicyDoc{},
			NamedValues: store,
			APIs: []*engine.API{{ID: "api", Name: "api", Path: "api", ServiceURL: "http://backend.test/", IsCurrent: true,
				Operations: []*engine.Operation{op}, Policy: &engine.PolicyDoc{File: f, Source: src}}},
		}
		// The backends and fragments a document refers to exist, as in the
		// configuration it was written for.
		for _, m := range backendRef.FindAllStringSubmatch(string(src), -1) {
			id := m[1]
			if exp, _ := namedvalues.Expand(id, store.Lookup, namedvalues.Options{}); exp.Text != "" {
				id = exp.Text // backend-id="{{name}}"
			}
			cfg.Backends[id] = &engine.Backend{ID: id, URL: "http://backend.test/b"}
		}
		for _, m := range fragmentRef.FindAllStringSubmatch(string(src), -1) {
			cfg.Fragments[m[1]] = &engine.PolicyDoc{File: m[1] + ".xml", Source: []byte(`<fragment><set-variable name="fragment" value="` + m[1] + `" /></fragment>`)}
		}
		var out engine.Outcome
		g, errs := New(cfg, WithClient(client), WithLogger(quiet), WithObserver(func(_ *policies.Run, o engine.Outcome) { out = o }))
		if g == nil {
			for _, e := range errs {
				if e.Severity == parser.SeverityError {
					why[e.Code+": "+firstWords(e.Msg)]++
					if os.Getenv("CORPUS_RUN_DEBUG") != "" {
						t.Logf("%s: %v", f, e)
					}
					break
				}
			}
			continue
		}
		compiled++
		req := httptest.NewRequest("POST", "http://gw/api/x?api-version=1", strings.NewReader(`{"messages":[{"role":"user","content":"hi"}],"stream":false}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer x.y.z")
		w := httptest.NewRecorder()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		g.ServeHTTP(w, req.WithContext(ctx))
		cancel()
		ran++
		if out.Failure != nil && strings.HasPrefix(out.Failure.Err.Message, "internal error") {
			panics[f] = out.Failure.Error()
		}
		if out.Failure != nil && os.Getenv("CORPUS_RUN_DEBUG") != "" {
			t.Logf("run failure %s: %s", f, out.Failure.Err.Error())
		}
	}
	t.Logf("%d corpus documents: %d compiled, %d requests run, %d panics", len(files), compiled, ran, len(panics))
	for k, n := range why {
		t.Logf("not compiled: %d × %s", n, k)
	}
	names := slices.Sorted(maps.Keys(panics))
	for _, f := range names {
		t.Errorf("%s: a request panicked: %s", f, panics[f])
	}
}

// corpusDocuments lists the corpus files FILES.tsv calls full documents.
// corpusRunSetup finds ../shared/corpus (skipping the test when it is absent)
// and gives managed identity a static token for the test's duration.
func corpusRunSetup(t *testing.T) string {
	t.Helper()
	dir := ""
	for _, d := range []string{"../../shared/corpus", "../../../shared/corpus"} {
		if _, err := os.Stat(filepath.Join(d, "FILES.tsv")); err == nil {
			dir = d
		}
	}
	if dir == "" {
		t.Skip("../shared/corpus not present")
	}
	policies.SetTokenSource(staticToken{})
	t.Cleanup(func() { policies.SetTokenSource(nil) })
	return dir
}

// loopbackClient is an HTTP client whose every host, plain or TLS, reaches
// addr on loopback.
func loopbackClient(addr string) *http.Client {
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: dial, DialTLSContext: dial}}
}

func corpusDocuments(t *testing.T, dir string) []string {
	t.Helper()
	fh, err := os.Open(filepath.Join(dir, "FILES.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []string
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) > 1 && cols[1] == "document" {
			out = append(out, cols[0])
		}
	}
	return out
}

func firstWords(s string) string {
	if i := strings.IndexAny(s, "\"'"); i > 0 {
		return s[:i]
	}
	return s
}

var (
	backendRef  = regexp.MustCompile(`backend-id="([^"@]+)"`)
	fragmentRef = regexp.MustCompile(`fragment-id="([^"@]+)"`)
)

// sampleNamedValue guesses a value of the right shape from a named value's
// name: URLs for *url*/*endpoint*, a Base64 key for *key*/*secret*, else 1.
func sampleNamedValue(name string) string {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "url") || strings.Contains(n, "endpoint") || strings.Contains(n, "uri"):
		return "http://backend.test/nv"
	case strings.Contains(n, "key") || strings.Contains(n, "secret"):
		return "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	}
	return "1"
}
