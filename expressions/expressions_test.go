package expressions

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/parser"
)

// testContext is a request context with a JSON body, a few headers, a JWT
// and variables of several types.
func testContext() *Context {
	h := http.Header{}
	h.Set("X-Test", "one")
	h.Add("X-Multi", "a")
	h.Add("X-Multi", "b")
	h.Set("Authorization", "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
	h.Set("Content-Type", "application/json")
	vars := NewVariables()
	vars.Set("str", "hello")
	vars.Set("num", int32(42))
	vars.Set("flag", true)
	vars.Set("maxAge", "120")
	q := ParseQuery("a=1&b=two&b=2")
	u := &URL{Scheme: "https", Host: "api.example.com", Port: 443, Path: "/orders/42", Query: q}
	ts := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	return &Context{
		Request: &Request{
			Method: "POST", URL: u, OriginalURL: u, Headers: NewHeaders(h), IPAddress: "10.0.0.1",
			Body:              NewBody([]byte(`{"name":"widget","qty":3,"tags":["a","b"],"nested":{"x":1}}`)),
			MatchedParameters: NewStringMap([]string{"id"}, map[string]string{"id": "42"}),
		},
		Response:   &Response{StatusCode: 200, StatusReason: "OK", Headers: NewHeaders(nil), Body: NewBody(nil)},
		Variables:  vars,
		API:        &API{ID: "orders", Name: "Orders", Path: "orders", IsCurrentRevision: true, Revision: "1"},
		Operation:  &Operation{ID: "get-order", Method: "GET", Name: "Get order", URLTemplate: "/orders/{id}"},
		Deployment: &Deployment{GatewayID: "managed", Region: "West Europe", ServiceName: "contoso"},
		LastError:  &LastError{Source: "validate-jwt", Reason: "TokenExpired", Message: "expired"},
		Timestamp:  dotnet.DateTime{T: ts, Kind: dotnet.KindUtc},
		Now:        func() time.Time { return ts.Add(1500 * time.Millisecond) },
	}
}

func evalString(t *testing.T, src string) (string, error) {
	t.Helper()
	p, err := Compile(src)
	if err != nil {
		return "", err
	}
	v, err := p.Eval(testContext())
	if err != nil {
		return "", err
	}
	return dotnet.ToString(v), nil
}

func TestEval(t *testing.T) {
	t.Parallel()
	tests := []struct{ src, want string }{
		// spec/expressions.md §6
		{`@(true)`, "True"},
		{`@((1+1).ToString())`, "2"},
		{`@("Hi There".Length)`, "8"},
		{`@(context.Variables.ContainsKey("maxAge") ? int.Parse((string)context.Variables["maxAge"]) : 3600)`, "120"},
		{`@(context.Request.Headers.GetValueOrDefault("Authorization","").AsJwt()?.Subject)`, "1234567890"},
		{`@(Regex.Match("public, max-age=60", @"max-age=(?<maxAge>\d+)").Groups["maxAge"]?.Value)`, "60"},
		{`@($"The URL encoded value is {System.Net.WebUtility.UrlEncode("This is a header value.")}")`, "The URL encoded value is This+is+a+header+value."},
		// operators and numerics
		{`@(7 / 2)`, "3"},
		{`@(7 / 2.0)`, "3.5"},
		{`@(7 % 3 + 1 * 2)`, "3"},
		{`@(1 + "a" + 2)`, "1a2"},
		{`@("a" + 1 + 2)`, "a12"},
		{`@(1 + 2 + "a")`, "3a"},
		{`@(0.1 + 0.2)`, "0.30000000000000004"},
		{`@(int.MaxValue + 1)`, "-2147483648"},
		{`@(10L * 3)`, "30"},
		{`@(5 > 3 && !(2 > 3))`, "True"},
		{`@(null ?? "dflt")`, "dflt"},
		{`@((context.Request.Body?.As<JObject>(preserveContent: true) ?? new JObject())["name"].ToString())`, "widget"},
		{`@{ JObject o = null; o = o ?? new JObject(); o["a"] = 1; return o.ToString(Formatting.None); }`, `{"a":1}`},
		{`@{ var l = new List<string>(); var m = l ?? new List<string>(); m.Add("x"); return l.Count; }`, "1"},
		{`@((string)null ?? "dflt")`, "dflt"},
		{`@(1 << 4 | 1)`, "17"},
		{`@(-(3))`, "-3"},
		// context model
		{`@(context.Request.Method)`, "POST"},
		{`@(context.Request.Url.Path + context.Request.Url.QueryString)`, "/orders/42?a=1&b=two&b=2"},
		{`@(context.Request.Url.Query.GetValueOrDefault("b", ""))`, "two,2"},
		{`@(context.Request.Headers.GetValueOrDefault("x-multi", ""))`, "a,b"},
		{`@(context.Request.Headers.GetValueOrDefault("missing", "none"))`, "none"},
		{`@(context.Request.Headers["X-Test"][0])`, "one"},
		{`@(context.Request.MatchedParameters["id"])`, "42"},
		{`@(context.Api.Name + "/" + context.Operation.UrlTemplate)`, "Orders//orders/{id}"},
		{`@(context.Variables.GetValueOrDefault<int>("num"))`, "42"},
		{`@(context.Variables.GetValueOrDefault<string>("nope", "d"))`, "d"},
		{`@(context.Variables.GetValueOrDefault("str", ""))`, "hello"},
		{`@((bool)context.Variables["flag"])`, "True"},
		{`@(context.Response.StatusCode >= 500)`, "False"},
		{`@(context.LastError.Reason)`, "TokenExpired"},
		{`@(context.Deployment.Gateway.IsManaged)`, "False"},
		{`@(context.Elapsed.TotalMilliseconds)`, "1500"},
		{`@(context.Request.Body.As<JObject>()["name"].ToString())`, "widget"},
		{`@((string)context.Request.Body.As<JObject>(preserveContent: true)["name"])`, "widget"},
		{`@(context.Request.Body.As<string>())`, `{"name":"widget","qty":3,"tags":["a","b"],"nested":{"x":1}}`},
		// strings
		{`@("a,b,c".Split(',')[1])`, "b"},
		{`@("Hello".Substring(1, 3).ToUpper())`, "ELL"},
		{`@(string.Join("-", new[] {"a", "b", "c"}))`, "a-b-c"},
		{`@(string.Format("{0}:{1,3}", "x", 5))`, "x:  5"},
		{`@($"{1 + 1} and {"x"}")`, "2 and x"},
		{`@(string.IsNullOrEmpty(context.Request.Headers.GetValueOrDefault("nope")))`, "True"},
		// statements
		{`@{ var x = 1; for (int i = 0; i < 5; i++) { x += i; } return x; }`, "11"},
		{`@{ string[] value; if (context.Request.Headers.TryGetValue("X-Test", out value)) { return value[0]; } return null; }`, "one"},
		{`@{ var sum = 0; foreach (var s in "1,2,3".Split(',')) { sum += int.Parse(s); } return sum; }`, "6"},
		{`@{ int n = 0; while (true) { n++; if (n == 3) break; } return n; }`, "3"},
		{`@{ switch (context.Request.Method) { case "GET": return 1; case "POST": return 2; default: return 3; } }`, "2"},
		{`@{ try { return int.Parse("x"); } catch (FormatException) { return -1; } }`, "-1"},
		{`@{ try { throw new InvalidOperationException("boom"); } catch (Exception e) { return e.Message; } }`, "boom"},
		{`@{ var o = new JObject(); o["a"] = 1; o.Add("b", "x"); return o.ToString(Newtonsoft.Json.Formatting.None); }`, `{"a":1,"b":"x"}`},
		{`@{ var body = context.Request.Body.As<JObject>(); body["qty"] = (int)body["qty"] * 2; body.Remove("tags"); return body.ToString(Formatting.None); }`, `{"name":"widget","qty":6,"nested":{"x":1}}`},
		{`@{ int parsed; return int.TryParse("17", out parsed) ? parsed : 0; }`, "17"},
		{`@{ return int.TryParse("17", out var parsed) ? parsed + 1 : 0; }`, "18"},
		{`@{ object o = "str"; if (o is string s) { return s.Length; } return 0; }`, "3"},
		// LINQ and lambdas
		{`@(new[] {1, 2, 3, 4}.Where(x => x % 2 == 0).Sum())`, "6"},
		{`@(string.Join(",", "c,a,b".Split(',').OrderBy(s => s)))`, "a,b,c"},
		{`@("a b c".Split(' ').Last())`, "c"},
		{`@(new List<string> { "abc" }.First().Length)`, "3"},
		{`@(context.Request.Headers.Any(h => h.Key == "X-Test"))`, "True"},
		{`@{ var list = new List<string> { "x", "y" }; list.Add("z"); return string.Join("", list.Select(s => s.ToUpper())); }`, "XYZ"},
		{`@{ var d = new Dictionary<string, int> { { "a", 1 }, { "b", 2 } }; var e = new Dictionary<string, int> { ["c"] = 3 }; return d["a"] + d["b"] + e["c"]; }`, "6"},
		{`@{ var n = 10; Func<int, int> f = x => x + n; return f(1); }`, "11"},
		// JSON
		{`@(JObject.Parse("{\"a\":{\"b\":[1,2]}}").SelectToken("a.b[1]").ToString())`, "2"},
		{`@(new JObject(new JProperty("a", 1)).ToString(Formatting.None))`, `{"a":1}`},
		{`@(JsonConvert.SerializeObject(new { a = 1, b = "x" }))`, `{"a":1,"b":"x"}`},
		// misc .NET
		{`@(Convert.ToBase64String(Encoding.UTF8.GetBytes("user:pass")))`, "dXNlcjpwYXNz"},
		{`@(Encoding.UTF8.GetString(Convert.FromBase64String("aGk=")))`, "hi"},
		{`@(Math.Max(3, 7))`, "7"},
		{`@{ var aes = Aes.Create(); aes.Key = new byte[16]; aes.IV = new byte[16]; var c = Encoding.UTF8.GetBytes("x").Encrypt(aes); return Encoding.UTF8.GetString(c.Decrypt(aes)); }`, "x"},
		{`@{ var key = new byte[16]; var iv = new byte[16]; var c = Encoding.UTF8.GetBytes("secret").Encrypt("Aes", key, iv); return Encoding.UTF8.GetString(c.Decrypt("Aes", key, iv)) + c.Length; }`, "secret16"},
		{`@(TimeSpan.FromMinutes(90).ToString())`, "01:30:00"},
		{`@(context.Timestamp.ToString("yyyy-MM-dd"))`, "2024-01-02"},
		{`@(context.Timestamp.AddDays(1).Day)`, "3"},
		{`@(new DateTime(2024, 1, 1) == new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc))`, "True"},
		{`@(new DateTime(2024, 1, 2) > new DateTime(2024, 1, 1))`, "True"},
		{`@((new DateTime(2024, 1, 2) - new DateTime(2024, 1, 1)).TotalHours)`, "24"},
		{`@(DateTimeOffset.FromUnixTimeSeconds(0).ToUnixTimeSeconds() + 1)`, "1"},
		{`@(Regex.Replace("a1b22", @"\d+", m => "<" + m.Value + ">"))`, "a<1>b<22>"},
		{`@(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e").ToString("N"))`, "0f8fad5bd9cb469fa16570867728950e"},
		{`@(0.00001)`, "1E-05"},
		{`@{ var a = new byte[] {1, 2, 3}; var b = new byte[4]; Array.Copy(a, 0, b, 1, 3); return Convert.ToBase64String(b); }`, "AAECAw=="},
		{`@(XElement.Parse("<a><b>x</b></a>").Element("b").Value)`, "x"},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			got, err := evalString(t, tc.src)
			if err != nil {
				t.Fatalf("%s: %v", tc.src, err)
			}
			if got != tc.want {
				t.Errorf("%s\n got %q\nwant %q", tc.src, got, tc.want)
			}
		})
	}
}

func TestRuntimeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ src, exType string }{
		{`@(int.Parse("x"))`, "System.FormatException"},
		{`@((string)context.Variables["missing"])`, "System.Collections.Generic.KeyNotFoundException"},
		{`@((int)context.Variables["str"])`, "System.InvalidCastException"},
		{`@(context.Variables.GetValueOrDefault<int>("str"))`, "System.InvalidCastException"},
		{`@(1 / (context.Request.Method.Length - 4))`, "System.DivideByZeroException"},
		{`@(((string)null).Length)`, "System.NullReferenceException"},
		{`@{ throw new ArgumentException("bad"); }`, "System.ArgumentException"},
		{`@{ var n = 0; foreach (var x in "1,a".Split(',').Select(s => int.Parse(s))) { n += x; } return n; }`, "System.FormatException"},
		{`@(string.Join(",", "1,a".Split(',').Select(s => int.Parse(s))))`, "System.FormatException"},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			_, err := evalString(t, tc.src)
			var ex *dotnet.Exception
			if !errors.As(err, &ex) {
				t.Fatalf("%s: want %s, got %v", tc.src, tc.exType, err)
			}
			if ex.Type != tc.exType {
				t.Errorf("%s: exception %s (%s), want %s", tc.src, ex.Type, ex.Message, tc.exType)
			}
		})
	}
}

func TestBudget(t *testing.T) {
	t.Parallel()
	_, err := evalString(t, `@{ while (true) { } }`)
	if !errors.Is(err, ErrBudget) {
		t.Fatalf("want ErrBudget, got %v", err)
	}
}

// TestCompileErrors checks that load-time errors name the offending token
// with its offset (the caret position inside the expression).
func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src   string
		caret string // the text at the error offset
		msg   string
	}{
		{`@(context.Request.Hedaers)`, "Hedaers", "does not contain a definition for 'Hedaers'"},
		{`@(context.Requestt.Method)`, "Requestt", "does not contain a definition for 'Requestt'"},
		{`@("x".Lenght)`, "Lenght", "does not contain a definition for 'Lenght'"},
		{`@("x".Lenght)`, "Lenght", "did you mean 'Length'?"},
		{`@(context.Request.Metod)`, "Metod", "did you mean 'Method'?"},
		{`@(Math.Roud(1.5))`, "Roud", "did you mean 'Round'?"},
		{`@(context.Request.MatchedParameters("id"))`, "MatchedParameters", `is a property, not a method: use MatchedParameters["id"]`},
		{`@(char.IsDigit)`, "IsDigit", "method 'IsDigit' must be called"},
		{`@(foo + 1)`, "foo", "the name 'foo' does not exist"},
		{`@(System.IO.File.ReadAllText("x"))`, "File", "not allowed"},
		{`@(new HttpClient())`, "HttpClient", "not allowed"},
		{`@(Environment.GetEnvironmentVariable("x"))`, "Environment", "not allowed"},
		{`@{ var x = 1; }`, "}", "not all code paths return a value"},
		{`@(context.Request.Headers.GetValueOrDefault(1, 2, 3, 4))`, "GetValueOrDefault", "no overload"},
		{`@((int)"x")`, "(int)", "cannot convert type 'string' to 'int'"},
		{`@(1 +)`, ")", ""},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			_, err := Compile(tc.src)
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("%s: want a compile error, got %v", tc.src, err)
			}
			e := es[0]
			if !strings.HasPrefix(tc.src[e.Offset:], tc.caret) {
				t.Errorf("%s: error at %d (%q), want at %q: %s", tc.src, e.Offset, tc.src[e.Offset:], tc.caret, e.Msg)
			}
			if !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("%s: message %q does not contain %q", tc.src, e.Msg, tc.msg)
			}
		})
	}
}

func TestExpectType(t *testing.T) {
	t.Parallel()
	if _, err := Compile(`@(context.Request.Method)`, Expect(dotnet.Boolean)); err == nil {
		t.Fatal("a string condition must not compile as bool")
	}
	if _, err := Compile(`@(context.Request.Method == "GET")`, Expect(dotnet.Boolean)); err != nil {
		t.Fatal(err)
	}
	if _, err := Compile(`@(context.Variables["x"])`, Expect(dotnet.Boolean)); err != nil {
		t.Fatalf("object results are checked at run time: %v", err)
	}
}

func TestConcurrentEval(t *testing.T) {
	t.Parallel()
	p, err := Compile(`@{ var s = 0; foreach (var x in new[] {1,2,3}.Select(i => i * 2)) { s += x; } return s + context.Request.Method.Length; }`)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 8)
	for i := 0; i < 8; i++ {
		go func() {
			for j := 0; j < 200; j++ {
				v, err := p.Eval(testContext())
				if err != nil || dotnet.ToString(v) != "16" {
					done <- "bad"
					return
				}
			}
			done <- ""
		}()
	}
	for i := 0; i < 8; i++ {
		if msg := <-done; msg != "" {
			t.Fatal("concurrent evaluation gave a wrong result")
		}
	}
}

func BenchmarkHeaderRead(b *testing.B) {
	p, err := Compile(`@(context.Request.Headers.GetValueOrDefault("x-test",""))`)
	if err != nil {
		b.Fatal(err)
	}
	c := testContext()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Eval(c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJObjectBlock is a 10-line block that edits a JObject.
func BenchmarkJObjectBlock(b *testing.B) {
	p, err := Compile(`@{
		var body = new JObject();
		body["id"] = context.Request.MatchedParameters["id"];
		body["method"] = context.Request.Method;
		body["qty"] = 3;
		var tags = new JArray();
		tags.Add("a");
		tags.Add("b");
		body["tags"] = tags;
		body.Remove("method");
		return body.ToString(Newtonsoft.Json.Formatting.None);
	}`)
	if err != nil {
		b.Fatal(err)
	}
	c := testContext()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Eval(c); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzExpression(f *testing.F) {
	for _, s := range []string{
		`@(context.Request.Headers.GetValueOrDefault("x",""))`,
		`@{ var x = 1; return x + 2; }`,
		`@("a".Split(',').Where(s => s.Length > 0).ToList())`,
		`@(JObject.Parse("{}")["a"])`,
		`@($"{1}{"x"}")`,
	} {
		f.Add(s)
	}
	for _, s := range corpusExpressions(f, 300) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Compile(src)
		if err != nil {
			return
		}
		_, _ = p.Eval(testContext()) // must not panic
	})
}

func TestLocalFunctions(t *testing.T) {
	t.Parallel()
	got, err := evalString(t, `@{
		int Twice(int x) { return x * 2; }
		string Greet(string n) => "hi " + n;
		return Greet("bob") + Twice(Twice(3)) + Fact(4);
		int Fact(int n) { return n <= 1 ? 1 : n * Fact(n - 1); }
	}`)
	if err != nil {
		t.Fatal(err)
	}
	if got != "hi bob1224" {
		t.Fatalf("got %q", got)
	}
}

// corpusExpressions returns up to n whole-value expressions from
// ../shared/corpus (none when it is absent), to seed the fuzzer.
func corpusExpressions(tb testing.TB, n int) []string {
	var dir string
	for _, d := range []string{"../../shared/corpus", "../../../shared/corpus"} {
		if _, err := os.Stat(d); err == nil {
			dir = d
			break
		}
	}
	if dir == "" {
		return nil
	}
	var out []string
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".xml" || len(out) >= n {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		doc, _ := parser.Parse(path, src)
		if doc == nil {
			return nil
		}
		parser.Walk(doc.Root, func(e *parser.Element) bool {
			vals := []*parser.Value{e.Text}
			for _, a := range e.Attrs {
				vals = append(vals, a.Value)
			}
			for _, v := range vals {
				if v == nil {
					continue
				}
				if p, ok := v.Expression(); ok && len(out) < n {
					out = append(out, p.Text)
				}
			}
			return true
		})
		return nil
	})
	return out
}

func TestDateTimeArithmeticRange(t *testing.T) {
	t.Parallel()
	_, err := evalString(t, `@(DateTime.MaxValue + TimeSpan.FromDays(1))`)
	var ex *dotnet.Exception
	if !errors.As(err, &ex) || ex.Type != "System.ArgumentOutOfRangeException" {
		t.Fatalf("overflowing DateTime arithmetic: %v", err)
	}
}

// TestDeferredQueryOutlivesEvaluation: a query returned by an expression is
// run before the evaluation's frame is reused.
func TestDeferredQueryOutlivesEvaluation(t *testing.T) {
	t.Parallel()
	p, err := Compile(`@{ var n = 10; return new[] {1, 2, 3}.Where(x => x * n > 15).Select(x => x * n); }`)
	if err != nil {
		t.Fatal(err)
	}
	v, err := p.Eval(testContext())
	if err != nil {
		t.Fatal(err)
	}
	// Reuse pooled frames with other locals before enumerating.
	q, _ := Compile(`@{ var a = 1; var b = 2; var c = 3; return a + b + c; }`)
	for i := 0; i < 50; i++ {
		_, _ = q.Eval(testContext())
	}
	items, err := dotnet.ToSlice(v)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || dotnet.ToString(items[0]) != "20" || dotnet.ToString(items[1]) != "30" {
		t.Errorf("items %v, want [20 30]", items)
	}
}
