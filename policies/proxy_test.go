package policies

import (
	"net/http"
	"strings"
	"testing"
)

func TestProxyCompile(t *testing.T) {
	for src, want := range map[string]string{
		`<proxy url="https://proxy.test:8443" />`: "only http proxies are supported",
		`<proxy url="proxy.test" />`:              "is not of the form http://host:port",
		`<proxy />`:                               "needs url",
	} {
		if _, errs := authCompileErrs(src); len(errs) == 0 || !strings.Contains(errs.Error(), want) {
			t.Errorf("%s: %v, want %q", src, errs, want)
		}
	}
	s := authCompile(t, `<proxy url="http://proxy.test:3128" username="u" password="p" />`)
	base := &http.Client{Transport: &http.Transport{}}
	r := authRun("GET", nil)
	r.Env = &Env{Client: base}
	shared := r.Env
	if err := s.Exec(r); err != nil {
		t.Fatal(err)
	}
	tr, ok := r.Env.Client.Transport.(*http.Transport)
	if !ok || tr.Proxy == nil || shared.Client != base {
		t.Fatalf("client not switched to a proxied copy (shared env changed: %v)", shared.Client != base)
	}
	req, _ := http.NewRequest("GET", "http://backend.test/x", nil)
	if u, err := tr.Proxy(req); err != nil || u.String() != "http://u:p@proxy.test:3128" {
		t.Errorf("proxy %v %v", u, err)
	}
	r2 := authRun("GET", nil)
	r2.Env = &Env{Client: base}
	if err := s.Exec(r2); err != nil || r2.Env.Client != r.Env.Client {
		t.Errorf("the proxied client is not reused (%v)", err)
	}
	r3 := authRun("GET", nil)
	r3.Env = &Env{Client: &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, nil })}}
	if err := s.Exec(r3); err == nil {
		t.Error("a custom round tripper was silently not proxied")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
