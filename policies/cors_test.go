package policies

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/policygate/policygate/expressions"
)

func TestCORSPreflight(t *testing.T) {
	const full = `<cors allow-credentials="true">
	<allowed-origins><origin>https://app.example</origin><origin>http://localhost:3000</origin></allowed-origins>
	<allowed-methods preflight-result-max-age="300"><method>GET</method><method>PUT</method></allowed-methods>
	<allowed-headers><header>Content-Type</header><header>X-Trace</header></allowed-headers>
	<expose-headers><header>X-Total</header></expose-headers>
</cors>`
	const star = `<cors>
	<allowed-origins><origin>*</origin></allowed-origins>
	<allowed-methods><method>*</method></allowed-methods>
	<allowed-headers><header>*</header></allowed-headers>
</cors>`
	const defaults = `<cors><allowed-origins><origin>https://app.example</origin></allowed-origins></cors>`
	const starCreds = `<cors allow-credentials="@(true)">
	<allowed-origins><origin>*</origin></allowed-origins>
	<allowed-methods preflight-result-max-age="@(60)"><method>@("DEL" + "ETE")</method></allowed-methods>
	<allowed-headers><header>a</header></allowed-headers>
</cors>`
	empty := http.Header{}
	tests := []struct {
		name, src string
		req       http.Header
		want      http.Header
	}{
		{"match", full,
			http.Header{"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"PUT"}, "Access-Control-Request-Headers": {"content-type, x-trace"}},
			http.Header{
				"Access-Control-Allow-Origin":      {"https://app.example"},
				"Access-Control-Allow-Credentials": {"true"},
				"Access-Control-Allow-Methods":     {"GET,PUT"},
				"Access-Control-Allow-Headers":     {"Content-Type,X-Trace"},
				"Access-Control-Max-Age":           {"300"},
				"Vary":                             {"Origin"},
			}},
		{"explicit default port matches", full,
			http.Header{"Origin": {"https://APP.example:443"}, "Access-Control-Request-Method": {"GET"}},
			http.Header{
				"Access-Control-Allow-Origin":      {"https://APP.example:443"},
				"Access-Control-Allow-Credentials": {"true"},
				"Access-Control-Allow-Methods":     {"GET,PUT"},
				"Access-Control-Allow-Headers":     {"Content-Type,X-Trace"},
				"Access-Control-Max-Age":           {"300"},
				"Vary":                             {"Origin"},
			}},
		{"origin not allowed", full, http.Header{"Origin": {"https://evil.example"}, "Access-Control-Request-Method": {"GET"}}, empty},
		{"other port not allowed", full, http.Header{"Origin": {"http://localhost:3001"}, "Access-Control-Request-Method": {"GET"}}, empty},
		{"method not allowed", full, http.Header{"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"DELETE"}}, empty},
		{"header not allowed", full, http.Header{"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"GET"}, "Access-Control-Request-Headers": {"x-other"}}, empty},
		{"wildcards", star,
			http.Header{"Origin": {"https://any.example"}, "Access-Control-Request-Method": {"PATCH"}, "Access-Control-Request-Headers": {"x-a,x-b"}},
			http.Header{
				"Access-Control-Allow-Origin":  {"*"},
				"Access-Control-Allow-Methods": {"PATCH"},
				"Access-Control-Allow-Headers": {"x-a,x-b"},
			}},
		{"default methods are GET and POST", defaults,
			http.Header{"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"POST"}},
			http.Header{"Access-Control-Allow-Origin": {"https://app.example"}, "Access-Control-Allow-Methods": {"GET,POST"}, "Vary": {"Origin"}}},
		{"default methods reject PUT", defaults, http.Header{"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"PUT"}}, empty},
		{"no allowed-headers rejects requested headers", defaults, http.Header{"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"GET"}, "Access-Control-Request-Headers": {"x-a"}}, empty},
		{"star with credentials echoes origin; expressions", starCreds,
			http.Header{"Origin": {"https://x.example"}, "Access-Control-Request-Method": {"DELETE"}},
			http.Header{
				"Access-Control-Allow-Origin":      {"https://x.example"},
				"Access-Control-Allow-Credentials": {"true"},
				"Access-Control-Allow-Methods":     {"DELETE"},
				"Access-Control-Allow-Headers":     {"a"},
				"Access-Control-Max-Age":           {"60"},
				"Vary":                             {"Origin"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := authCompile(t, tt.src)
			r := authRun("OPTIONS", tt.req)
			err := s.Exec(r)
			if !errors.Is(err, ErrReturnResponse) {
				t.Fatalf("err = %v, want ErrReturnResponse", err)
			}
			if r.Ctx.Response == nil || r.Ctx.Response.StatusCode != 200 {
				t.Fatalf("response %+v, want 200", r.Ctx.Response)
			}
			if diff := cmp.Diff(tt.want, r.Ctx.Response.Headers.H); diff != "" {
				t.Errorf("headers (-want +got)\n%s", diff)
			}
			if n := len(r.Ctx.Response.Body.Bytes()); n != 0 {
				t.Errorf("body has %d bytes, want none", n)
			}
		})
	}
}

func TestCORSActualRequests(t *testing.T) {
	const src = `<cors allow-credentials="true" terminate-unmatched-request="%s">
	<allowed-origins><origin>https://app.example</origin></allowed-origins>
	<expose-headers><header>X-Total</header><header>X-Page</header></expose-headers>
</cors>`
	const star = `<cors><allowed-origins><origin>*</origin></allowed-origins></cors>`
	tests := []struct {
		name, src, method string
		req               http.Header
		operation         string
		wantReturn        bool
		want              http.Header // response headers after ApplyCORS on a backend answer
	}{
		{"simple GET match", strings.Replace(src, "%s", "true", 1), "GET", http.Header{"Origin": {"https://app.example"}}, "", false,
			http.Header{"Content-Type": {"text/plain"}, "Access-Control-Allow-Origin": {"https://app.example"}, "Access-Control-Allow-Credentials": {"true"}, "Access-Control-Expose-Headers": {"X-Total,X-Page"}, "Vary": {"Origin"}}},
		{"actual PUT match", strings.Replace(src, "%s", "true", 1), "PUT", http.Header{"Origin": {"https://app.example"}}, "", false,
			http.Header{"Content-Type": {"text/plain"}, "Access-Control-Allow-Origin": {"https://app.example"}, "Access-Control-Allow-Credentials": {"true"}, "Access-Control-Expose-Headers": {"X-Total,X-Page"}, "Vary": {"Origin"}}},
		{"no Origin: untouched", strings.Replace(src, "%s", "true", 1), "GET", nil, "", false,
			http.Header{"Content-Type": {"text/plain"}}},
		{"unmatched, terminate: empty 200", strings.Replace(src, "%s", "true", 1), "GET", http.Header{"Origin": {"https://evil.example"}}, "", true, nil},
		{"unmatched, default terminates", `<cors><allowed-origins><origin>https://app.example</origin></allowed-origins></cors>`, "GET", http.Header{"Origin": {"https://evil.example"}}, "", true, nil},
		{"unmatched, no terminate: goes on without headers", strings.Replace(src, "%s", "false", 1), "GET", http.Header{"Origin": {"https://evil.example"}}, "", false,
			http.Header{"Content-Type": {"text/plain"}}},
		{"star origin", star, "GET", http.Header{"Origin": {"https://x.example"}}, "", false,
			http.Header{"Content-Type": {"text/plain"}, "Access-Control-Allow-Origin": {"*"}}},
		{"OPTIONS operation is processed normally", star, "OPTIONS", http.Header{"Origin": {"https://x.example"}, "Access-Control-Request-Method": {"GET"}}, "OPTIONS", false,
			http.Header{"Content-Type": {"text/plain"}, "Access-Control-Allow-Origin": {"*"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := authCompile(t, tt.src)
			r := authRun(tt.method, tt.req)
			if tt.operation != "" {
				r.Ctx.Operation = &expressions.Operation{Method: tt.operation}
			}
			err := s.Exec(r)
			if tt.wantReturn {
				if !errors.Is(err, ErrReturnResponse) {
					t.Fatalf("err = %v, want ErrReturnResponse", err)
				}
				if r.Ctx.Response.StatusCode != 200 || len(r.Ctx.Response.Headers.H) != 0 {
					t.Errorf("answer %d %v, want an empty 200", r.Ctx.Response.StatusCode, r.Ctx.Response.Headers.H)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// the backend answers; the gateway applies CORS before writing
			r.Ctx.Response = &expressions.Response{StatusCode: 200, Headers: expressions.NewHeaders(http.Header{"Content-Type": {"text/plain"}})}
			ApplyCORS(r)
			if diff := cmp.Diff(tt.want, r.Ctx.Response.Headers.H); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestCORSCompileErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"bad origin", `<cors><allowed-origins><origin>app.example</origin></allowed-origins></cors>`, "not * or an absolute URI"},
		{"bad bool", `<cors allow-credentials="yes"><allowed-origins><origin>*</origin></allowed-origins></cors>`, "not true or false"},
		{"no origins", `<cors><allowed-methods><method>GET</method></allowed-methods></cors>`, "needs <allowed-origins>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := authCompileErrs(tt.src)
			if len(errs) == 0 || !strings.Contains(errs.Error(), tt.want) {
				t.Fatalf("errors %v, want one containing %q", errs, tt.want)
			}
		})
	}
}
