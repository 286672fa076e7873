package policies

import (
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/policygate/policygate/expressions"
)

func TestReturnResponse(t *testing.T) {
	t.Parallel()
	for _, sec := range AllSections {
		r := newTestRun(sec)
		r.Ctx.Response.Headers.H.Set("X-Old", "1")
		r.Ctx.Response.Body = expressions.NewBody([]byte("old"))
		src := `<return-response>
    <set-status code="401" reason="Unauthorized" />
    <set-header name="WWW-Authenticate" exists-action="override"><value>Bearer error="invalid_token"</value></set-header>
    <set-body>@("{\"section\":\"" + context.Request.Method + "\"}")</set-body>
</return-response>
<set-header name="x-after"><value>1</value></set-header>`
		err := execSnippet(t, r, src)
		if !errors.Is(err, ErrReturnResponse) {
			t.Fatalf("%s: err %v", sec, err)
		}
		if r.Section != sec {
			t.Errorf("section not restored: %s", r.Section)
		}
		resp := r.Ctx.Response
		if resp.StatusCode != 401 || resp.StatusReason != "Unauthorized" {
			t.Errorf("%s: status %d %q", sec, resp.StatusCode, resp.StatusReason)
		}
		want := http.Header{"Www-Authenticate": {`Bearer error="invalid_token"`}}
		if d := cmp.Diff(want, resp.Headers.H); d != "" {
			t.Errorf("%s: headers (-want +got):\n%s", sec, d)
		}
		if got := string(resp.Body.Bytes()); got != `{"section":"GET"}` {
			t.Errorf("%s: body %q", sec, got)
		}
		if _, ok := r.Ctx.Request.Headers.Values("x-after"); ok {
			t.Errorf("%s: a statement after return-response ran", sec)
		}
	}
}

func TestReturnResponseDefault(t *testing.T) {
	t.Parallel()
	r := newTestRun(Inbound)
	r.Ctx.Response.StatusCode = 500
	if err := execSnippet(t, r, `<return-response />`); !errors.Is(err, ErrReturnResponse) {
		t.Fatal(err)
	}
	if r.Ctx.Response.StatusCode != 200 || r.Ctx.Response.StatusReason != "OK" || r.Ctx.Response.Body != nil || len(r.Ctx.Response.Headers.H) != 0 {
		t.Errorf("default response %+v", r.Ctx.Response)
	}
}

func TestReturnResponseFromVariable(t *testing.T) {
	t.Parallel()
	r := newTestRun(Inbound)
	stored := &expressions.Response{StatusCode: 201, StatusReason: "Created", Headers: expressions.NewHeaders(http.Header{"X-From": {"send-request"}}), Body: expressions.NewBody([]byte("payload"))}
	r.Ctx.Variables.Set("resp", stored)
	err := execSnippet(t, r, `<return-response response-variable-name="resp"><set-header name="x-added"><value>1</value></set-header></return-response>`)
	if !errors.Is(err, ErrReturnResponse) {
		t.Fatal(err)
	}
	resp := r.Ctx.Response
	want := http.Header{"X-From": {"send-request"}, "X-Added": {"1"}}
	if d := cmp.Diff(want, resp.Headers.H); d != "" {
		t.Errorf("headers (-want +got):\n%s", d)
	}
	if resp.StatusCode != 201 || string(resp.Body.Bytes()) != "payload" {
		t.Errorf("response %d %q", resp.StatusCode, resp.Body.Bytes())
	}
	if _, ok := stored.Headers.H["X-Added"]; ok {
		t.Error("the stored response was changed")
	}
}

func TestReturnResponseErrors(t *testing.T) {
	t.Parallel()
	r := newTestRun(Inbound)
	err := execSnippet(t, r, `<return-response response-variable-name="missing" />`)
	wantFailure(t, err, "return-response", ReasonExpression, "return-response[1]")

	r = newTestRun(Inbound)
	before := r.Ctx.Response
	stmts, _ := compileSnippet(t, Inbound, `<return-response><set-status code="400" reason="Bad"/><set-body>@(((string)null).Trim())</set-body></return-response>`)
	r.Stmt = stmts[0]
	err = stmts[0].Step.Exec(r)
	f := wantFailure(t, err, "set-body", ReasonExpression, `return-response[1]\set-body[1]`)
	if f.Section != Inbound {
		t.Errorf("section %s", f.Section)
	}
	if r.Ctx.Response != before || r.Section != Inbound {
		t.Error("response or section not restored after a failure")
	}
}
