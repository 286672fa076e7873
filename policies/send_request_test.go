package policies

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// ---- helpers shared by the flow-control tests (flow* names) ----

// flowLogBuf is a log sink safe for the goroutines of send-one-way-request.
type flowLogBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *flowLogBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *flowLogBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// flowCompile compiles a snippet holding one statement.
func flowCompile(t *testing.T, sec Section, src string) *Stmt {
	t.Helper()
	d, errs := parser.Parse("t.xml", []byte(src))
	if d == nil || errs.HasErrors() {
		t.Fatalf("parse %q: %v", src, errs)
	}
	c := &Compiler{}
	stmts := c.SectionStmts(sec, d.Root.Children)
	if c.Errs.HasErrors() || len(stmts) != 1 {
		t.Fatalf("compile %q: %d statements, %v", src, len(stmts), c.Errs)
	}
	return stmts[0]
}

// flowCompileErrs returns the diagnostics of compiling a snippet.
func flowCompileErrs(t *testing.T, src string) parser.Errors {
	t.Helper()
	d, errs := parser.Parse("t.xml", []byte(src))
	if d == nil || errs.HasErrors() {
		t.Fatalf("parse %q: %v", src, errs)
	}
	c := &Compiler{}
	c.SectionStmts(Inbound, d.Root.Children)
	return c.Errs
}

// flowRun is a run of an inbound POST request with a body and a log sink.
func flowRun(sec Section, log *flowLogBuf) *Run {
	if log == nil {
		log = &flowLogBuf{}
	}
	return &Run{
		Context: context.Background(),
		Ctx: &expressions.Context{
			Request: &expressions.Request{
				Method:  "POST",
				URL:     &expressions.URL{Scheme: "http", Host: "backend.test", Port: 80, Path: "/orders/7", Query: expressions.ParseQuery("a=1")},
				Headers: expressions.NewHeaders(http.Header{"X-Client": {"c1"}, "Connection": {"X-Hop"}, "X-Hop": {"h"}, "Content-Type": {"text/plain"}}),
				Body:    expressions.NewBody([]byte("client body")),
			},
			Response:  &expressions.Response{StatusCode: 200, Headers: expressions.NewHeaders(nil)},
			Variables: expressions.NewVariables(),
		},
		Section: sec,
		Env:     &Env{Client: &http.Client{}, Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))},
	}
}

// flowSeen is one request a test server received.
type flowSeen struct {
	Method, Path, Query, Host string
	Header                    http.Header
	Body                      string
}

// flowRecorder is a loopback server that records requests and answers with
// status (200 when 0) and body "answer".
type flowRecorder struct {
	*httptest.Server
	mu     sync.Mutex
	seen   []flowSeen
	status int
}

func newFlowRecorder(t *testing.T, status int) *flowRecorder {
	f := &flowRecorder{status: status}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.seen = append(f.seen, flowSeen{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Host: r.Host, Header: r.Header.Clone(), Body: string(b)})
		f.mu.Unlock()
		w.Header().Set("X-Answer", "yes")
		w.Header().Set("Content-Type", "application/json")
		if f.status != 0 {
			w.WriteHeader(f.status)
		}
		io.WriteString(w, `{"answer":true}`)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *flowRecorder) calls() []flowSeen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]flowSeen(nil), f.seen...)
}

// flowClosedURL is a loopback URL nothing listens on.
func flowClosedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// flowHang is a loopback server whose handler blocks until the client gives
// up or release is closed.
func flowHang(t *testing.T) (srv *httptest.Server, release func()) {
	ch := make(chan struct{})
	var once sync.Once
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-ch:
			io.WriteString(w, "late")
		case <-r.Context().Done():
		}
	}))
	release = func() { once.Do(func() { close(ch) }) }
	t.Cleanup(func() { release(); srv.Close() })
	return srv, release
}

// flowReason returns the policy error behind err.
func flowReason(t *testing.T, err error) *Error {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a policy error", err, err)
	}
	return pe
}

func flowResponse(t *testing.T, r *Run, name string) *expressions.Response {
	t.Helper()
	v, ok := r.Ctx.Variables.Get(name)
	if !ok {
		t.Fatalf("variable %q not set", name)
	}
	resp, ok := v.(*expressions.Response)
	if !ok {
		t.Fatalf("variable %q is %T, want *expressions.Response", name, v)
	}
	return resp
}

// ---- send-request ----

func TestSendRequestNew(t *testing.T) {
	srv := newFlowRecorder(t, 201)
	r := flowRun(Inbound, nil)
	r.Ctx.Variables.Set("tok", "t-1")
	st := flowCompile(t, Inbound, `<send-request mode="new" response-variable-name="resp" timeout="5">
		<set-url>@("`+srv.URL+`/lookup?id=" + context.Request.Method)</set-url>
		<set-method>PUT</set-method>
		<set-header name="X-Token" exists-action="override"><value>@((string)context.Variables["tok"])</value></set-header>
		<set-header name="X-Multi" exists-action="append"><value>a</value><value>b</value></set-header>
		<set-header name="X-Multi" exists-action="skip"><value>ignored</value></set-header>
		<set-header name="Content-Length" exists-action="override"><value>999</value></set-header>
		<set-header name="Host" exists-action="override"><value>virtual.example</value></set-header>
		<set-body>@("{\"m\":\"" + context.Request.Method + "\"}")</set-body>
		<authentication-basic username="u" password="p" />
	</send-request>`)
	if err := st.Exec(r); err != nil {
		t.Fatal(err)
	}
	got := srv.calls()
	if len(got) != 1 {
		t.Fatalf("%d calls, want 1", len(got))
	}
	c := got[0]
	if c.Method != "PUT" || c.Path != "/lookup" || c.Query != "id=POST" || c.Host != "virtual.example" {
		t.Errorf("request %s %s?%s host %s", c.Method, c.Path, c.Query, c.Host)
	}
	if c.Header.Get("X-Token") != "t-1" || c.Header.Get("X-Multi") != "a,b" || c.Header.Get("X-Client") != "" {
		t.Errorf("headers %v", c.Header)
	}
	if c.Header.Get("Authorization") != "Basic dTpw" {
		t.Errorf("Authorization %q", c.Header.Get("Authorization"))
	}
	if c.Body != `{"m":"POST"}` {
		t.Errorf("body %q", c.Body)
	}
	resp := flowResponse(t, r, "resp")
	if resp.StatusCode != 201 || resp.StatusReason != "Created" || string(resp.Body.Bytes()) != `{"answer":true}` {
		t.Errorf("response %d %q %q", resp.StatusCode, resp.StatusReason, resp.Body.Bytes())
	}
	if vs, _ := resp.Headers.Values("x-answer"); len(vs) != 1 || vs[0] != "yes" {
		t.Errorf("response headers %v", resp.Headers.H)
	}
}

func TestSendRequestCopy(t *testing.T) {
	srv := newFlowRecorder(t, 0)
	for _, tt := range []struct {
		sec  Section
		body string
	}{{Inbound, "client body"}, {Outbound, ""}} {
		t.Run(string(tt.sec), func(t *testing.T) {
			r := flowRun(tt.sec, nil)
			u, _ := url.Parse(srv.URL)
			r.Ctx.Request.URL.Host = u.Hostname()
			r.Ctx.Request.URL.Port = flowPort(u)
			st := flowCompile(t, tt.sec, `<send-request mode="copy" response-variable-name="c">
				<set-header name="X-Client" exists-action="delete" />
				<set-header name="X-Added" exists-action="skip"><value>1</value></set-header>
			</send-request>`)
			if err := st.Exec(r); err != nil {
				t.Fatal(err)
			}
			got := srv.calls()
			c := got[len(got)-1]
			if c.Method != "POST" || c.Path != "/orders/7" || c.Query != "a=1" {
				t.Errorf("request %s %s?%s", c.Method, c.Path, c.Query)
			}
			if c.Header.Get("X-Client") != "" || c.Header.Get("X-Hop") != "" || c.Header.Get("X-Added") != "1" || c.Header.Get("Content-Type") != "text/plain" {
				t.Errorf("headers %v", c.Header)
			}
			if c.Body != tt.body {
				t.Errorf("body %q, want %q", c.Body, tt.body)
			}
			if resp := flowResponse(t, r, "c"); resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
		})
	}
}

func flowPort(u *url.URL) int32 {
	var n int32
	for _, c := range u.Port() {
		n = n*10 + int32(c-'0')
	}
	return n
}

func TestSendRequestNon2xxIsNotAnError(t *testing.T) {
	srv := newFlowRecorder(t, 503)
	r := flowRun(Backend, nil)
	st := flowCompile(t, Backend, `<send-request response-variable-name="r"><set-url>`+srv.URL+`</set-url><set-method>GET</set-method></send-request>`)
	if err := st.Exec(r); err != nil {
		t.Fatalf("a 503 answer failed the policy: %v", err)
	}
	if resp := flowResponse(t, r, "r"); resp.StatusCode != 503 {
		t.Errorf("status %d", resp.StatusCode)
	}
}

func TestSendRequestFailures(t *testing.T) {
	hang, _ := flowHang(t)
	closed := flowClosedURL(t)
	tests := []struct {
		name, src, reason string
		status            int
		nullVar           bool
	}{
		{name: "connection refused", src: `<send-request response-variable-name="v"><set-url>` + closed + `/x</set-url></send-request>`, reason: ReasonBackend, status: 500},
		{name: "connection refused ignored", src: `<send-request response-variable-name="v" ignore-error="true"><set-url>` + closed + `/x</set-url></send-request>`, nullVar: true},
		{name: "timeout", src: `<send-request response-variable-name="v" timeout="1"><set-url>` + hang.URL + `</set-url></send-request>`, reason: ReasonTimeout, status: ForwardTimeoutStatus},
		{name: "timeout ignored", src: `<send-request response-variable-name="v" timeout="1" ignore-error="true"><set-url>` + hang.URL + `</set-url></send-request>`, nullVar: true},
		{name: "URL not absolute", src: `<send-request response-variable-name="v"><set-url>@("/relative")</set-url></send-request>`, reason: ReasonBackend, status: 500},
		{name: "URL not absolute ignored", src: `<send-request response-variable-name="v" ignore-error="true"><set-url>@("ftp://x/y")</set-url></send-request>`, nullVar: true},
		{name: "expression failure is not ignored", src: `<send-request response-variable-name="v" ignore-error="true"><set-url>@(((string)null).Trim())</set-url></send-request>`, reason: ReasonExpression, status: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := flowRun(Inbound, nil)
			st := flowCompile(t, Inbound, tt.src)
			start := time.Now()
			err := st.Exec(r)
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
			v, ok := r.Ctx.Variables.Get("v")
			if tt.nullVar {
				if err != nil || !ok || v != nil {
					t.Fatalf("err %v, variable %v (set %v); want no error and a null variable", err, v, ok)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			pe := flowReason(t, err)
			if pe.Reason != tt.reason || pe.Status != tt.status || pe.Source != "send-request" {
				t.Errorf("error %s/%s status %d, want send-request/%s %d", pe.Source, pe.Reason, pe.Status, tt.reason, tt.status)
			}
			if ok {
				t.Errorf("variable set to %v on error", v)
			}
		})
	}
}

func TestSendRequestClientGone(t *testing.T) {
	hang, _ := flowHang(t)
	r := flowRun(Inbound, nil)
	ctx, cancel := context.WithCancel(context.Background())
	r.Context = ctx
	time.AfterFunc(50*time.Millisecond, cancel)
	st := flowCompile(t, Inbound, `<send-request response-variable-name="v" ignore-error="true"><set-url>`+hang.URL+`</set-url></send-request>`)
	err := st.Exec(r)
	if pe := flowReason(t, err); pe.Reason != "ClientConnectionFailure" {
		t.Errorf("reason %q", pe.Reason)
	}
	if _, ok := r.Ctx.Variables.Get("v"); ok {
		t.Error("variable set although the request was cancelled")
	}
}

func TestSendRequestCompileErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"empty variable", `<send-request response-variable-name=""><set-url>http://x</set-url></send-request>`, "response-variable-name"},
		{"new without URL", `<send-request response-variable-name="v" />`, "needs a <set-url>"},
		{"bad mode", `<send-request mode="clone" response-variable-name="v"><set-url>http://x</set-url></send-request>`, "mode must be"},
		{"bad timeout", `<send-request response-variable-name="v" timeout="0"><set-url>http://x</set-url></send-request>`, "timeout must be"},
		{"bad method", `<send-request response-variable-name="v"><set-url>http://x</set-url><set-method>GE T</set-method></send-request>`, "not an HTTP method"},
		{"unknown child", `<send-request response-variable-name="v"><set-url>http://x</set-url><rewrite-uri template="/" /></send-request>`, "not allowed inside"},
		{"bad exists-action", `<send-request response-variable-name="v"><set-url>http://x</set-url><set-header name="a" exists-action="replace" /></send-request>`, "exists-action must be"},
		{"one-way new without URL", `<send-one-way-request />`, "needs a <set-url>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := flowCompileErrs(t, tt.src)
			if !errs.HasErrors() || !strings.Contains(errs.Error(), tt.want) {
				t.Errorf("errors %v, want one containing %q", errs, tt.want)
			}
		})
	}
	// Unsupported children are warnings; copy mode needs no URL; without a
	// response variable the answer is discarded.
	errs := flowCompileErrs(t, `<send-request mode="copy" response-variable-name="v"><proxy url="http://p" /><authentication-managed-identity resource="r" /></send-request>`)
	if errs.HasErrors() || len(errs) != 1 || errs[0].Severity != parser.SeverityWarning || !strings.Contains(errs[0].Msg, "proxy") {
		t.Errorf("diagnostics %v, want one warning for <proxy>", errs)
	}
	if errs := flowCompileErrs(t, `<send-request><set-url>http://x</set-url></send-request>`); len(errs) != 0 {
		t.Errorf("send-request without response-variable-name: %v", errs)
	}
}

// Not parallel: sets the process environment and the token source.
func TestSendRequestManagedIdentity(t *testing.T) {
	m := newMIEndpoint(t)
	useIdentity(t)
	rec := newFlowRecorder(t, 0)
	res := uniqueResource("https://vault.example")
	st := flowCompile(t, Inbound, `<send-request mode="new" response-variable-name="v"><set-url>`+rec.URL+`/secret</set-url>`+
		`<authentication-managed-identity resource="`+res+`" /></send-request>`)
	for i := 0; i < 3; i++ {
		if err := st.Exec(flowRun(Inbound, nil)); err != nil {
			t.Fatal(err)
		}
	}
	want := "Bearer " + m.token(res, "")
	calls := rec.calls()
	if len(calls) != 3 {
		t.Fatalf("%d calls, want 3", len(calls))
	}
	if got := calls[2].Header.Get("Authorization"); got != want || m.token(res, "") == "" {
		t.Errorf("the sent request carries %q, want the issued token %q", got, want)
	}
	if n := m.requests.Load(); n != 1 {
		t.Errorf("%d token requests for 3 sends, want 1 (cached)", n)
	}
}
