package gateway

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway/demo"
	"github.com/policygate/policygate/policies"
)

func noDotSegments(t *testing.T, what, p string) {
	t.Helper()
	for _, s := range strings.Split(p, "/") {
		if policies.DotSegment(s) != 0 {
			t.Fatalf("%s %q keeps the dot segment %q", what, p, s)
		}
	}
}

// fuzzRoutes is a routing table with every kind of URL template.
func fuzzRoutes() *routes {
	api := func(id, path string, tmpls ...string) *engine.API {
		a := &engine.API{ID: id, Name: id, Path: path, ServiceURL: "http://backend.test/base/" + id, IsCurrent: true, Revision: "1"}
		for i, t := range tmpls {
			a.Operations = append(a.Operations, op(id+string(rune('a'+i)), "*", t))
		}
		return a
	}
	return buildRoutes(&engine.Config{APIs: []*engine.API{
		api("echo", "echo", "/*"),
		api("items", "shop/items", "/{id}", "/{id}/parts/{part}", "/{id}/files/*", "/search?q={q}", "/list?kind=all"),
		api("root", "", "/status"),
	}}, nil)
}

// FuzzRoutePath checks path normalisation and URL-template matching on
// any path: a refused path or a clean one (no dot segments, idempotent),
// a route whose operation-relative path is clean, never a panic.
func FuzzRoutePath(f *testing.F) {
	for _, s := range []string{"/echo/../admin", "/echo/a/./b/../c", "/shop/items/1/parts/%2e%2e", "/shop/Items/7/files/a/b?x=1",
		"/shop/items/search?q=a&q=b", "/%2fecho", "/echo/;rev=2/x", "//echo//x", "/echo/%zz", "/a%00", `/a\b`, "/shop/items/1;rev=1/parts/2"} {
		f.Add(s)
	}
	rt := fuzzRoutes()
	f.Fuzz(func(t *testing.T, target string) {
		noDotSegments(t, "CleanPath", policies.CleanPath(target))
		if c := policies.CleanPath(target); policies.CleanPath(c) != c {
			t.Fatalf("CleanPath is not idempotent on %q", target)
		}
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return
		}
		req := &http.Request{Method: "GET", URL: u, Host: "gw", Header: http.Header{}}
		clean, err := withCleanPath(req)
		if err != nil {
			return
		}
		p := clean.URL.EscapedPath()
		noDotSegments(t, "the routed path", p)
		for _, bad := range []string{"%2f", "%2F", "%5c", "%5C", "\\", "%00"} {
			if strings.Contains(p, bad) {
				t.Fatalf("routed path %q keeps %q", p, bad)
			}
		}
		if again, err := cleanRequestPath(p); err != nil || again != p {
			t.Fatalf("normalising %q again gives %q, %v", p, again, err)
		}
		if r, ok := rt.find(clean); ok {
			noDotSegments(t, "the operation-relative path", r.rel)
			if !strings.HasPrefix(policies.JoinPath(r.api.serviceURL.Path, policies.CleanPath(r.rel)), r.api.serviceURL.Path) {
				t.Fatalf("backend path for %q leaves %q", target, r.api.serviceURL.Path)
			}
		}
	})
}

// FuzzGatewayHandler sends any method, path, header and body through the
// demo configuration (plus an API with templates and a body-reading
// policy): never a panic, never a 5xx that no policy chose.
func FuzzGatewayHandler(f *testing.F) {
	be, err := demo.StartBackend()
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { be.Close() })
	cfg := demo.Config(be.URL)
	cfg.APIs = append(cfg.APIs, &engine.API{
		ID: "items", Name: "Items", Path: "shop/items", ServiceURL: be.URL + "/items", IsCurrent: true, Revision: "1",
		Operations: []*engine.Operation{op("get", "GET", "/{id}"), op("parts", "*", "/{id}/parts/*"), op("search", "GET", "/search?q={q}"), op("post", "POST", "/")},
		Policy: doc(`<policies><inbound><base /><set-variable name="b" value="@(context.Request.Body?.As&lt;string&gt;(preserveContent: true) ?? &quot;&quot;)" />
<choose><when condition="@(context.Request.Headers.GetValueOrDefault(&quot;X-Mode&quot;, &quot;&quot;) == &quot;deny&quot;)"><return-response><set-status code="403" reason="Forbidden" /></return-response></when></choose>
<rewrite-uri template="/v2/{id}" /><set-header name="X-Len" exists-action="override"><value>@(((string)context.Variables[&quot;b&quot;]).Length.ToString())</value></set-header></inbound>
<backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`),
	})
	logs := &lockedBuf{}
	var last engine.Outcome // the handler runs one request at a time here
	g, errs := New(cfg, WithLogger(slog.New(slog.NewTextHandler(logs, nil))), WithObserver(func(_ *policies.Run, out engine.Outcome) { last = out }), WithMaxBody(1<<16))
	if g == nil {
		f.Fatal(errs)
	}
	for _, s := range [][4]string{
		{"GET", "/echo/hello?x=1", "X-A", "1"}, {"POST", "/shop/items/", "Content-Type", "application/json"},
		{"GET", "/shop/items/42", "X-Mode", "deny"}, {"PUT", "/shop/items/1/parts/a/b", "Host", "x:99999999999"},
		{"GET", "/shop/items/search?q=%zz", "Ocp-Apim-Subscription-Key", "k"}, {"DELETE", "/echo/../shop/items/1", "", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3], []byte(`{"a":1}`))
	}
	f.Fuzz(func(t *testing.T, method, target, hname, hvalue string, body []byte) {
		if !httpguts.ValidHeaderFieldName(method) || len(target) == 0 || target[0] != '/' {
			return
		}
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return
		}
		req := &http.Request{Method: method, URL: u, RequestURI: target, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Host: "gw", RemoteAddr: "127.0.0.1:5000", Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
		if hname != "" && httpguts.ValidHeaderFieldName(hname) && httpguts.ValidHeaderFieldValue(hvalue) {
			if strings.EqualFold(hname, "Host") {
				req.Host = hvalue
			} else {
				req.Header.Set(hname, hvalue)
			}
		}
		rec := httptest.NewRecorder()
		logs.Reset()
		last = engine.Outcome{}
		g.ServeHTTP(rec, req)
		if l := logs.String(); strings.Contains(l, "panic") {
			t.Fatalf("%s %q: %s", method, target, l)
		}
		if rec.Code >= 500 {
			if out := last; out.Failure == nil || out.Failure.Err == nil || out.Failure.Err.Source == "gateway" || out.Failure.Err.Source == "configuration" {
				t.Fatalf("%s %q → %d %s", method, target, rec.Code, rec.Body.String())
			}
		}
	})
}
