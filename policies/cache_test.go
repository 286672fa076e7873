package policies

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
)

func TestCacheValues(t *testing.T) {
	t.Parallel()
	clk := newFakeClock("2026-01-15T10:00:00Z")
	env := limitEnv(clk)
	store := limitStep(t, Outbound, `<cache-store-value key="@(&quot;profile-&quot; + &quot;42&quot;)" value="@(new JObject(new JProperty(&quot;name&quot;, &quot;ann&quot;)))" duration="60" />
<cache-store-value key="plain" value="hello" duration="60" />
<cache-store-value key="zero" value="x" duration="0" />`)
	lookup := limitStep(t, Inbound, `<cache-lookup-value key="profile-42" variable-name="profile" />
<cache-lookup-value key="plain" variable-name="plain" default-value="none" />
<cache-lookup-value key="zero" variable-name="zero" default-value="@(7)" />
<cache-lookup-value key="missing" variable-name="untouched" />`)
	w := limitRun(env)
	w.Section = Outbound
	if err := RunAll(w, store); err != nil {
		t.Fatal(err)
	}
	r := limitRun(env)
	r.Ctx.Variables.Set("untouched", "before")
	if err := RunAll(r, lookup); err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, n := range r.Ctx.Variables.Names() {
		v, _ := r.Ctx.Variables.Get(n)
		if tok, ok := v.(dotnet.JToken); ok {
			v = dotnet.JSONString(tok, dotnet.FormattingNone)
		}
		got[n] = v
	}
	want := map[string]any{"profile": `{"name":"ann"}`, "plain": "hello", "zero": int32(7), "untouched": "before"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("variables (-want +got):\n%s", d)
	}
	// The variable holds a copy: changing it leaves the cached value alone.
	v, _ := r.Ctx.Variables.Get("profile")
	bob, _ := dotnet.NewJValue("bob")
	v.(*dotnet.JObject).Set("name", bob)
	cached, _, _ := StoresOf(env).Cache.Get(valueCacheKey("profile-42"), clk.Now())
	if s := dotnet.JSONString(cached.(dotnet.JToken), dotnet.FormattingNone); s != `{"name":"ann"}` {
		t.Errorf("cached value changed to %s", s)
	}

	clk.Advance(60 * time.Second)
	r = limitRun(env)
	if err := RunAll(r, lookup); err != nil {
		t.Fatal(err)
	}
	if v, _ := r.Ctx.Variables.Get("plain"); v != "none" {
		t.Errorf("after expiry: plain = %v", v)
	}
	if _, ok := r.Ctx.Variables.Get("profile"); ok {
		t.Error("after expiry: profile set without a default")
	}
}

func TestCacheRemoveValue(t *testing.T) {
	t.Parallel()
	env := limitEnv(newFakeClock("2026-01-15T10:00:00Z"))
	stmts := limitStep(t, OnError, `<cache-store-value key="k" value="@(1)" duration="100" />
<cache-remove-value key="k" />
<cache-remove-value key="never-stored" />
<cache-lookup-value key="k" variable-name="v" default-value="gone" />`)
	r := limitRun(env)
	r.Section = OnError
	if err := RunAll(r, stmts); err != nil {
		t.Fatal(err)
	}
	if v, _ := r.Ctx.Variables.Get("v"); v != "gone" {
		t.Errorf("v = %v", v)
	}
}

// cacheRequest is a GET of path?query on env, in API orders.
func cacheRequest(env *Env, path, query string) *Run {
	r := limitRun(env)
	r.Ctx.API = &expressions.API{ID: "orders"}
	r.Ctx.Operation = &expressions.Operation{ID: "get"}
	u := &expressions.URL{Scheme: "http", Host: "gw.test", Path: path, Query: expressions.ParseQuery(query)}
	r.Ctx.Request.URL, r.Ctx.Request.OriginalURL = u, u
	return r
}

// backendAnswer is what forward-request would leave in context.Response.
func backendAnswer(r *Run, status int, body string) {
	r.Ctx.Response = &expressions.Response{
		StatusCode: int32(status), StatusReason: http.StatusText(status),
		Headers: expressions.NewHeaders(http.Header{"Content-Type": {"application/json"}, "Set-Cookie": {"s=1"}}),
		Body:    expressions.NewBody([]byte(body)),
	}
}

func TestCacheLookupAndStore(t *testing.T) {
	t.Parallel()
	clk := newFakeClock("2026-01-15T10:00:00Z")
	env := limitEnv(clk)
	lookup := limitStep(t, Inbound, `<cache-lookup vary-by-developer="false" vary-by-developer-groups="false" downstream-caching-type="private">
	<vary-by-header>Accept</vary-by-header>
	<vary-by-query-parameter>version;lang</vary-by-query-parameter>
</cache-lookup>`)
	store := limitStep(t, Outbound, `<cache-store duration="60" />`)

	// request runs the pipeline's two halves around a backend answer; it
	// returns "hit" or "miss" and the response.
	request := func(r *Run, status int, body string) (string, *expressions.Response) {
		t.Helper()
		err := RunAll(r, lookup)
		if errors.Is(err, ErrCacheHit) {
			if !errors.Is(err, ErrReturnResponse) {
				t.Error("ErrCacheHit does not wrap ErrReturnResponse")
			}
			return "hit", r.Ctx.Response
		}
		if err != nil {
			t.Fatal(err)
		}
		backendAnswer(r, status, body)
		r.Section = Outbound
		if err := RunAll(r, store); err != nil {
			t.Fatal(err)
		}
		return "miss", r.Ctx.Response
	}
	got, resp := request(cacheRequest(env, "/items/1", "version=1&other=x"), 200, `{"v":1}`)
	if got != "miss" || resp.Headers.H.Get("Cache-Control") != "private, max-age=60, must-revalidate" {
		t.Errorf("first: %s, Cache-Control %q", got, resp.Headers.H.Get("Cache-Control"))
	}
	clk.Advance(20 * time.Second)
	// Parameters not listed do not vary the key.
	got, resp = request(cacheRequest(env, "/items/1", "version=1&other=y"), 200, `{"v":2}`)
	if got != "hit" {
		t.Fatalf("second: %s", got)
	}
	wantH := http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"private, max-age=40, must-revalidate"}}
	if d := cmp.Diff(wantH, resp.Headers.H); d != "" {
		t.Errorf("hit headers (-want +got):\n%s", d)
	}
	if string(resp.Body.Bytes()) != `{"v":1}` || resp.StatusCode != 200 {
		t.Errorf("hit response %d %s", resp.StatusCode, resp.Body.Bytes())
	}

	variants := []struct {
		name string
		run  func() *Run
	}{
		{"listed parameter", func() *Run { return cacheRequest(env, "/items/1", "version=2") }},
		{"other path", func() *Run { return cacheRequest(env, "/items/2", "version=1") }},
		{"listed header", func() *Run {
			r := cacheRequest(env, "/items/1", "version=1")
			r.Ctx.Request.Headers.H.Set("Accept", "text/xml")
			return r
		}},
	}
	for _, v := range variants {
		if got, _ := request(v.run(), 500, "err"); got != "miss" {
			t.Errorf("%s: %s", v.name, got)
		}
	}
	// A 500 was not stored.
	if got, _ := request(cacheRequest(env, "/items/2", "version=1"), 200, "ok"); got != "miss" {
		t.Errorf("a 500 was cached")
	}
	// Not GET, or with Authorization: never looked up nor stored.
	post := cacheRequest(env, "/items/1", "version=1")
	post.Ctx.Request.Method = "POST"
	if got, _ := request(post, 200, "p"); got != "miss" {
		t.Error("POST hit")
	}
	auth := cacheRequest(env, "/items/1", "version=1")
	auth.Ctx.Request.Headers.H.Set("Authorization", "Bearer x")
	if got, _ := request(auth, 200, "a"); got != "miss" {
		t.Error("request with Authorization hit")
	}
	clk.Advance(40 * time.Second)
	if got, _ := request(cacheRequest(env, "/items/1", "version=1"), 200, "new"); got != "miss" {
		t.Error("hit after the duration")
	}
}

func TestCacheLookupVaryByDeveloperAndCacheResponse(t *testing.T) {
	t.Parallel()
	env := limitEnv(newFakeClock("2026-01-15T10:00:00Z"))
	lookup := limitStep(t, Inbound, `<cache-lookup vary-by-developer="@(true)" vary-by-developer-groups="false" allow-private-response-caching="true" />`)
	store := limitStep(t, Outbound, `<cache-store duration="@(30)" cache-response="true" />`)
	as := func(user string) *Run {
		r := cacheRequest(env, "/me", "")
		r.Ctx.User = &expressions.User{ID: user}
		r.Ctx.Request.Headers.H.Set("Authorization", "Bearer "+user)
		return r
	}
	r := as("ann")
	if err := RunAll(r, lookup); err != nil {
		t.Fatal(err)
	}
	backendAnswer(r, 404, "ann's")
	if err := RunAll(r, store); err != nil {
		t.Fatal(err)
	}
	if r.Ctx.Response.Headers.H.Get("Cache-Control") != "" {
		t.Error("Cache-Control with downstream-caching-type none")
	}
	if err := RunAll(as("bob"), lookup); err != nil {
		t.Errorf("bob got ann's entry: %v", err)
	}
	hit := as("ann")
	if err := RunAll(hit, lookup); !errors.Is(err, ErrCacheHit) || hit.Ctx.Response.StatusCode != 404 {
		t.Errorf("ann: %v, status %d", err, hit.Ctx.Response.StatusCode)
	}
}

func TestCacheStoreWithoutLookup(t *testing.T) {
	t.Parallel()
	env := limitEnv(newFakeClock("2026-01-15T10:00:00Z"))
	r := cacheRequest(env, "/x", "")
	r.Section = Outbound
	if err := RunAll(r, limitStep(t, Outbound, `<cache-store duration="60" />`)); err != nil {
		t.Fatal(err)
	}
	if n := StoresOf(env).Cache.Len(); n != 0 {
		t.Errorf("%d entries stored without a lookup", n)
	}
}

func TestCacheLoadErrors(t *testing.T) {
	t.Parallel()
	if errs := compileErrs(t, Inbound, `<cache-lookup vary-by-developer="false" vary-by-developer-groups="false" downstream-caching-type="sometimes" />`); !hasError(errs) {
		t.Error("bad downstream-caching-type accepted")
	}
	if errs := compileErrs(t, Outbound, `<cache-store duration="soon" />`); !hasError(errs) {
		t.Error("bad duration accepted")
	}
	if errs := compileErrs(t, Inbound, `<cache-lookup-value key="k" />`); !hasError(errs) {
		t.Error("cache-lookup-value without variable-name accepted")
	}
}
