package policies

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAuthenticationBasic(t *testing.T) {
	enc := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name, src string
		in        http.Header
		want      http.Header
	}{
		{"sets header", `<authentication-basic username="alice" password="s3cret" />`, nil,
			http.Header{"Authorization": {enc("alice:s3cret")}}},
		{"replaces caller's header in any case", `<authentication-basic username="alice" password="s3cret" />`,
			http.Header{"authorization": {"Bearer caller"}, "X-Keep": {"1"}},
			http.Header{"Authorization": {enc("alice:s3cret")}, "X-Keep": {"1"}}},
		{"UTF-8 credentials and colon in password", `<authentication-basic username="jürgen" password="a:b" />`, nil,
			http.Header{"Authorization": {enc("jürgen:a:b")}}},
		{"expressions", `<authentication-basic username="@(&quot;svc-&quot; + context.Request.Method)" password="@(&quot;p&quot;)" />`, nil,
			http.Header{"Authorization": {enc("svc-POST:p")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := authCompile(t, tt.src)
			r := authRun("POST", tt.in)
			if err := s.Exec(r); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, r.Ctx.Request.Headers.H); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
	if _, errs := authCompileErrs(`<authentication-basic username="a" />`); len(errs) == 0 {
		t.Error("missing password was accepted")
	}
}
