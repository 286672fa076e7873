package policies

import (
	"strings"
	"testing"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/parser"
)

// liquidCase renders one template over a body of the given Content-Type.
type liquidCase struct {
	name  string
	sec   Section
	attrs string // extra set-body attributes
	ct    string // Content-Type of the body ("" for none)
	body  string
	tmpl  string
	want  string
	setup func(r *Run)
}

func runLiquid(t *testing.T, tc liquidCase) (string, parser.Errors) {
	t.Helper()
	src := `<set-body template="liquid"` + tc.attrs + `>` + tc.tmpl + `</set-body>`
	stmts, warns := compileSnippet(t, tc.sec, src)
	r := newTestRun(tc.sec)
	h := r.Ctx.Request.Headers
	if !r.IsRequestSection() {
		h = r.Ctx.Response.Headers
	}
	if tc.ct != "" {
		h.H.Set("Content-Type", tc.ct)
	}
	body := expressions.NewBody([]byte(tc.body))
	if r.IsRequestSection() {
		r.Ctx.Request.Body = body
	} else {
		r.Ctx.Response.Body = body
	}
	if tc.setup != nil {
		tc.setup(r)
	}
	if err := RunAll(r, stmts); err != nil {
		t.Fatalf("run: %v", err)
	}
	target := r.Ctx.Request.Body
	if !r.IsRequestSection() {
		target = r.Ctx.Response.Body
	}
	return string(target.Bytes()), warns
}

func TestSetBodyLiquidRender(t *testing.T) {
	t.Parallel()
	soapIn := `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<soap:Body><GetOpenOrdersResponse xmlns="http://tempuri.org/">` +
		`<Order id="1"><Total>10.5</Total></Order><Order id="2"><Total>3</Total></Order>` +
		`<Note xsi:nil="true"/></GetOpenOrdersResponse></soap:Body></soap:Envelope>`
	tests := []liquidCase{
		{
			name: "docs: JSON to SOAP", sec: Inbound, ct: "application/json",
			body: `{"getOpenOrders": {"cust": "C42"}}`,
			tmpl: `<soap:Envelope xmlns="http://tempuri.org/" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetOpenOrders><cust>{{body.getOpenOrders.cust}}</cust></GetOpenOrders></soap:Body></soap:Envelope>`,
			want: `<soap:Envelope xmlns="http://tempuri.org/" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetOpenOrders><cust>C42</cust></GetOpenOrders></soap:Body></soap:Envelope>`,
		},
		{
			name: "docs: reshape JSON", sec: Outbound, ct: "application/json; charset=utf-8",
			body: `{"customer": {"purchase": {"identifier": 7, "orderShortDesc": "pens"}}}`,
			tmpl: `{"order": {"id": "{{body.customer.purchase.identifier}}", "summary": "{{body.customer.purchase.orderShortDesc}}"}}`,
			want: `{"order": {"id": "7", "summary": "pens"}}`,
		},
		{
			name: "+json media type and index syntax", sec: Outbound, ct: "application/problem+json",
			body: `{"a b": [1, 2.5, true, null]}`,
			tmpl: `{{ body["a b"][0] }}|{{ body["a b"][1] }}|{{ body["a b"][2] }}|{{ body["a b"][3] }}|{{ body["a b"].size }}`,
			want: `1|2.5|true||4`,
		},
		{
			name: "docs: JSONArrayFor writes the items comma-separated", sec: Outbound, ct: "application/json",
			body: `[{"username": "a"}, {"username": "b"}]`,
			tmpl: `[{% JSONArrayFor elem in body %}{"name": "{{elem.username}}"}{% endJSONArrayFor %}]`,
			want: `[{"name": "a"},{"name": "b"}]`,
		},
		{
			name: "loop over a JSON array with conditionals", sec: Outbound, ct: "text/json",
			body: `{"items": [{"n": "a", "q": 1}, {"n": "b", "q": 0}, {"n": "c", "q": 3}]}`,
			tmpl: `[{% for it in body.items %}{% if it.q > 0 %}"{{ it.n | Upcase }}"{% unless forloop.last %},{% endunless %}{% endif %}{% endfor %}]`,
			want: `["A","C"]`,
		},
		{
			name: "member order kept when iterating an object", sec: Outbound, ct: "application/json",
			body: `{"z": 1, "a": 2, "m": 3}`,
			tmpl: `{% for p in body %}{{ p.Key }}={{ p.Value }};{% endfor %}`,
			want: `z=1;a=2;m=3;`,
		},
		{
			name: "SOAP XML to JSON", sec: Outbound, ct: "text/xml",
			body: soapIn,
			tmpl: `{% assign r = body.Envelope.Body.GetOpenOrdersResponse %}[{% for o in r.Order %}{"id": {{ o.id }}, "total": {{ o.Total }}}{% if forloop.last == false %}, {% endif %}{% endfor %}] note="{{ r.Note }}"`,
			want: `[{"id": 1, "total": 10.5}, {"id": 2, "total": 3}] note=""`,
		},
		{
			name: "xsi-nil null", sec: Outbound, ct: "application/xml", attrs: ` xsi-nil="null"`,
			body: soapIn,
			tmpl: `{% if body.Envelope.Body.GetOpenOrdersResponse.Note == nil %}null{% else %}blank{% endif %}`,
			want: `null`,
		},
		{
			name: "xsi-nil blank", sec: Outbound, ct: "application/xml", attrs: ` xsi-nil="blank"`,
			body: soapIn,
			tmpl: `{% if body.Envelope.Body.GetOpenOrdersResponse.Note == nil %}null{% else %}blank{% endif %}`,
			want: `blank`,
		},
		{
			name: "XML declaration and attributes with text", sec: Inbound, ct: "application/atom+xml",
			body: `<?xml version="1.0" encoding="utf-8"?><feed lang="en"><title type="text">Hi</title></feed>`,
			tmpl: `{{ body.feed.lang }} {{ body.feed.title.type }} {{ body.feed.title["#text"] }}`,
			want: `en text Hi`,
		},
		{
			name: "other content types bind no body", sec: Inbound, ct: "text/plain",
			body: `{"a": 1}`,
			tmpl: `[{{ body.a }}]{% if body == nil %}none{% endif %}`,
			want: `[]none`,
		},
		{
			name: "context: headers, matched parameters, query, url", sec: Inbound,
			tmpl: `{{ context.Request.Headers.Authorization }}|{{ context.Request.Headers["x-multi"] }}|` +
				`{{ context.Request.MatchedParameters["id"] }}|{{ context.Request.Url.Query.foo }}|` +
				`{{ context.Request.Url.Host }}:{{ context.Request.Url.Port }}{{ context.Request.Url.Path }}{{ context.Request.Url.QueryString }}|` +
				`{{ context.Request.Url }}|{{ context.Request.Method }}|{{ context.Request.IpAddress }}|{{ context.Request.HasBody }}`,
			want: `Bearer x|a,b|42|bar|api.test:8080/orders?foo=bar|http://api.test:8080/orders?foo=bar|POST|10.0.0.1|false`,
			setup: func(r *Run) {
				q := r.Ctx.Request
				q.Method, q.IPAddress = "POST", "10.0.0.1"
				q.Headers.H.Set("Authorization", "Bearer x")
				q.Headers.H["X-Multi"] = []string{"a", "b"}
				q.MatchedParameters = expressions.NewStringMap([]string{"id"}, map[string]string{"id": "42"})
				q.URL = &expressions.URL{Scheme: "http", Host: "api.test", Port: 8080, Path: "/orders", Query: expressions.ParseQuery("foo=bar")}
				q.Body = nil
			},
		},
		{
			name: "corpus: list all inbound headers", sec: Inbound,
			tmpl: "{% for header in context.Request.Headers %}{{- header.Key }}: {{ header.Value }}\n{% endfor %}",
			want: "Accept: */*\nHost: api.test\n",
			setup: func(r *Run) {
				r.Ctx.Request.Headers.H.Set("Host", "api.test")
				r.Ctx.Request.Headers.H.Set("Accept", "*/*")
			},
		},
		{
			name: "response status and headers in outbound", sec: Outbound, ct: "application/json", body: `{}`,
			tmpl: `{{ context.Response.StatusCode }} {{ context.Response.Headers["content-type"] }}`,
			want: `200 application/json`,
		},
		{
			name: "corpus: JObject variable", sec: Inbound,
			tmpl: `{%- assign vars = context.Variables["jsonResponse"] -%}<data val1="{{ vars['value1'] }}" />`,
			want: `<data val1="MESSAGE1_TEST1" />`,
			setup: func(r *Run) {
				o := dotnet.NewJObject()
				o.Set("value1", dotnet.JString("MESSAGE1_TEST1"))
				r.Ctx.Variables.Set("jsonResponse", o)
			},
		},
		{
			name: "string filters", sec: Outbound, ct: "application/json",
			body: `{"s": "  Hello World  ", "t": "<b>bold</b>\nline", "q": "\"'é😀"}`,
			tmpl: `{{ body.s | Strip | Downcase | Replace: "world", "there" | Append: "!" | Prepend: ">" }}|` +
				`{{ body.s | Lstrip | Rstrip | Capitalize | Size }}|{{ body.t | StripHtml | StripNewlines }}|` +
				`{{ body.t | Escape }}|{{ body.q | H }}|{{ "a b" | UrlEncode }}|{{ "a%20b" | UrlDecode }}|{{ "abcdef" | Slice: 1, 3 }}|` +
				`{{ "one two three" | TruncateWords: 2 }}|{{ "abcdefghij" | Truncate: 6 }}|{{ "aXbXc" | RemoveFirst: "X" }}|{{ "aXbXc" | Remove: "X" }}|{{ "aXbXc" | ReplaceFirst: "X", "-" }}`,
			want: `>hello there!|11|boldline|&lt;b&gt;bold&lt;/b&gt;` + "\n" + `line|&quot;&#39;&#233;&#128512;|a+b|a b|bcd|one two...|abc...|abXc|abc|a-bXc`,
		},
		{
			name: "array filters", sec: Outbound, ct: "application/json",
			body: `{"xs": ["b", "a", "b", "c"], "os": [{"n": "x"}, {"n": "y"}]}`,
			tmpl: `{{ body | Size }}{{ body.os[0] | Size }}{{ "héllo" | Size }}|{{ body.xs | Uniq | Sort | Join: "," }}|{{ body.xs | First }}{{ body.xs | Last }}|{{ body.os | Map: "n" | Join: "+" }}|{{ "a,b,,c" | Split: "," | Size }}`,
			want: `215|a,b,c|bc|x+y|4`,
		},
		{
			name: "math filters", sec: Outbound, ct: "application/json",
			body: `{"n": 7, "f": -2.567}`,
			tmpl: `{{ body.n | Plus: 3 }} {{ body.n | Minus: 10 }} {{ body.n | Times: 2 }} {{ body.n | DividedBy: 2 }} {{ body.n | Modulo: 4 }} {{ body.f | Abs }} {{ body.f | Round: 1 }} {{ body.n | AtLeast: 9 }} {{ body.n | AtMost: 5 }}`,
			want: `10 -3 14 3 3 2.567 -2.6 9 5`,
		},
		{
			name: "Default", sec: Outbound, ct: "application/json",
			body: `{"e": "", "w": "  ", "v": "x", "z": 0}`,
			tmpl: `{{ body.missing | Default: "d" }} {{ body.e | Default: "d" }} {{ body.w | Default: "d" }} {{ body.v | Default: "d" }} {{ body.z | Default: "d" }}`,
			want: `d d d x 0`,
		},
		{
			name: "docs: Date with a .NET format", sec: Inbound, ct: "application/json",
			body: `{"foo": {"startDateTime": "2024-03-05T07:08:09Z"}}`,
			tmpl: `{{body.foo.startDateTime| Date:"yyyyMMddTHH:mm:ssZ"}}|{{ "2024-01-02" | Date: "dd/MM/yyyy" }}|{{ body.foo.startDateTime | Date: "o" }}`,
			want: `20240305T07:08:09Z|02/01/2024|2024-03-05T07:08:09.0000000Z`,
		},
		{
			name: "parse-date true renders a date as DateTime.ToString()", sec: Inbound, ct: "application/json",
			body: `{"d": "2024-03-05T07:08:09Z", "s": "not a date"}`,
			tmpl: `{{ body.d }}|{{ body.s }}`,
			want: `03/05/2024 07:08:09|not a date`,
		},
		{
			name: "parse-date false keeps the text", sec: Inbound, ct: "application/json", attrs: ` parse-date="false"`,
			body: `{"d": "2024-03-05T07:08:09+02:00"}`,
			tmpl: `{{ body.d }}`,
			want: `2024-03-05T07:08:09+02:00`,
		},
		{
			name: "lenient JSON Newtonsoft accepts", sec: Outbound, ct: "application/json",
			body: `{'a': 1, /* c */ "b": [2,],}`,
			tmpl: `{{ body.a }}{{ body.b[0] }}`,
			want: `12`,
		},
		{
			name: "whitespace and text outside tags kept", sec: Outbound,
			tmpl: "\n  {% if true %}x{% endif %}  \n",
			want: "\n  x  \n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, _ := runLiquid(t, tc)
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestSetBodyLiquidInReturnResponse(t *testing.T) {
	t.Parallel()
	stmts, _ := compileSnippet(t, Inbound, `<return-response><set-header name="Content-Type" exists-action="override"><value>application/json</value></set-header>`+
		`<set-body template="liquid">[{{ body.a }}]{{ context.Request.Method }}</set-body></return-response>`)
	r := newTestRun(Inbound)
	r.Ctx.Request.Headers.H.Set("Content-Type", "application/json")
	r.Ctx.Request.Body = expressions.NewBody([]byte(`{"a": "in"}`))
	err := RunAll(r, stmts)
	if err != ErrReturnResponse {
		t.Fatalf("want ErrReturnResponse, got %v", err)
	}
	if got := string(r.Ctx.Response.Body.Bytes()); got != "[]GET" {
		t.Errorf("body %q, want %q", got, "[]GET")
	}
}

func TestSetBodyLiquidNamedValues(t *testing.T) {
	t.Parallel()
	stmts, _ := compileSnippet(t, Inbound, `<set-body template="liquid">{"u": "{{context.Request.MatchedParameters["emailAddress"]}}"}</set-body>`)
	r := newTestRun(Inbound)
	r.Ctx.Request.MatchedParameters = expressions.NewStringMap([]string{"emailAddress"}, map[string]string{"emailAddress": "a@b.c"})
	if err := RunAll(r, stmts); err != nil {
		t.Fatal(err)
	}
	if got := string(r.Ctx.Request.Body.Bytes()); got != `{"u": "a@b.c"}` {
		t.Errorf("body %q", got)
	}
}

func TestSetBodyLiquidUnknownFilters(t *testing.T) {
	t.Parallel()
	got, warns := runLiquid(t, liquidCase{
		sec: Outbound, ct: "application/json", body: `{"s": "abc"}`,
		tmpl: `{{ body.s | upcase }}-{{ body.s | Shout: 2 }}-{{ body.s | Upcase }}{{ 1.5 | ceil }}`,
	})
	if got != "abc-abc-ABC1.5" {
		t.Errorf("body %q, want %q", got, "abc-abc-ABC1.5")
	}
	if len(warns) != 3 {
		t.Fatalf("want two warnings, got %v", warns)
	}
	if !strings.Contains(warns[0].Msg, `"upcase"`) || !strings.Contains(warns[0].Msg, "Upcase") {
		t.Errorf("warning %q should name upcase and suggest Upcase", warns[0].Msg)
	}
	if !strings.Contains(warns[1].Msg, `"Shout"`) {
		t.Errorf("warning %q should name Shout", warns[1].Msg)
	}
	if !strings.Contains(warns[2].Msg, `unknown Liquid filter "ceil"`) {
		t.Errorf("warning %q: ceil has no C# counterpart to suggest", warns[2].Msg)
	}
	if warns[0].Pos.Line != 1 || warns[0].Pos.Col != 41 || warns[0].Severity != parser.SeverityWarning || warns[0].Code != parser.CodeExpression {
		t.Errorf("warning at %v severity %v", warns[0].Pos, warns[0].Severity)
	}
}

func TestSetBodyLiquidLoadError(t *testing.T) {
	t.Parallel()
	errs := compileErrs(t, Outbound, "<set-body template=\"liquid\">line one\n{% if body.a %}\nunclosed\n</set-body>")
	var found *parser.Error
	for _, e := range errs {
		if e.Severity == parser.SeverityError {
			found = e
		}
	}
	if found == nil {
		t.Fatalf("want a load error, got %v", errs)
	}
	if found.Code != parser.CodeExpression || !strings.Contains(found.Msg, "Liquid") {
		t.Errorf("error %v", found)
	}
	if found.Pos.Line != 2 {
		t.Errorf("error at %v, want line 2", found.Pos)
	}
}

func TestSetBodyLiquidRenderError(t *testing.T) {
	t.Parallel()
	r := newTestRun(Outbound)
	r.Ctx.Response.Headers.H.Set("Content-Type", "application/json")
	r.Ctx.Response.Body = expressions.NewBody([]byte(`{"a": `))
	err := execSnippet(t, r, `<set-body template="liquid">{{ body.a }}</set-body>`)
	f := wantFailure(t, err, "set-body", ReasonExpression, "set-body[1]")
	if f == nil || !strings.Contains(err.Error(), "Liquid") {
		t.Errorf("failure %v", err)
	}
	r = newTestRun(Outbound)
	err = execSnippet(t, r, `<set-body template="liquid">{{ "2024-01-02" | Date: "%" }}{{ 1 | DividedBy: 0 }}</set-body>`)
	wantFailure(t, err, "set-body", ReasonExpression, "set-body[1]")
}

func TestSetBodyLiquidConcurrentRenders(t *testing.T) {
	t.Parallel()
	stmts, _ := compileSnippet(t, Outbound, `<set-body template="liquid">{% for x in body.xs %}{{ x | Times: 2 }},{% endfor %}{{ context.Response.StatusCode }}</set-body>`)
	done := make(chan string, 8)
	for i := range 8 {
		go func() {
			r := newTestRun(Outbound)
			r.Ctx.Response.Headers.H.Set("Content-Type", "application/json")
			r.Ctx.Response.Body = expressions.NewBody([]byte(`{"xs": [` + strings.Repeat("1,", i) + `1]}`))
			if err := RunAll(r, stmts); err != nil {
				done <- err.Error()
				return
			}
			want := strings.Repeat("2,", i+1) + "200"
			if got := string(r.Ctx.Response.Body.Bytes()); got != want {
				done <- "got " + got + ", want " + want
				return
			}
			done <- ""
		}()
	}
	for range 8 {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
}
