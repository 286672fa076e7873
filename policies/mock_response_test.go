package policies

import (
	"errors"
	"testing"
)

func TestMockResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, wantCT, wantBody string
		status                      int32
		examples                    bool
	}{
		{"defaults", `<mock-response />`, "application/json", "", 200, false},
		{"status and content type", `<mock-response status-code="404" content-type="text/plain" />`, "text/plain", "", 404, false},
		{"example body", `<mock-response status-code="201" />`, "application/json", `{"id":1}`, 201, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRun(Inbound)
			if tt.examples {
				r.Env.OperationExamples = func(_ *Run, status int, ct string) ([]byte, string, bool) {
					if status == 201 && ct == "application/json" {
						return []byte(`{"id":1}`), "application/json", true
					}
					return nil, "", false
				}
			}
			err := execSnippet(t, r, tt.src+`<set-header name="x-after"><value>1</value></set-header>`)
			if !errors.Is(err, ErrReturnResponse) {
				t.Fatal(err)
			}
			resp := r.Ctx.Response
			if resp.StatusCode != tt.status || resp.Headers.H.Get("Content-Type") != tt.wantCT || string(resp.Body.Bytes()) != tt.wantBody {
				t.Errorf("got %d %q %q", resp.StatusCode, resp.Headers.H.Get("Content-Type"), resp.Body.Bytes())
			}
			if _, ok := r.Ctx.Request.Headers.Values("x-after"); ok {
				t.Error("a statement after mock-response ran")
			}
		})
	}
}
