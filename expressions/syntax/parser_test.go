package syntax

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// parseAnySrc parses src as a block or an expression depending on its prefix.
func parseAnySrc(src string) (Node, error) {
	if strings.HasPrefix(src, "@{") {
		b, err := ParseBlock(src)
		if b == nil {
			return nil, err
		}
		return b, err
	}
	x, err := ParseExpression(src)
	if x == nil {
		return nil, err
	}
	return x, err
}

// parseTests maps source to its Dump.
var parseTests = []struct{ src, want string }{
	{"@(1)", "1"},
	{"@(0x1F_FF)", "0x1FFF"},
	{"@(1_000L)", "1000l"},
	{"@(42u)", "42u"},
	{"@(42UL)", "42ul"},
	{"@(7lu)", "7ul"},
	{"@(1.5)", "1.5"},
	{"@(1e10)", "1e10"},
	{"@(1.5e-3f)", "1.5e-3f"},
	{"@(2m)", "2m"},
	{"@(.5d)", ".5d"},
	{"@(0b1010)", "0b1010"},
	{"@('a')", "'a'"},
	{"@('\\n')", "'\\n'"},
	{"@('\\u0041')", "'A'"},
	{"@('\\'')", "'\\''"},
	{"@(\"a\\tb\\\"c\\\\d\\u00e9\\x41\")", "\"a\\tb\\\"c\\\\déA\""},
	{"@(@\"C:\\path \"\"q\"\"\")", "\"C:\\\\path \\\"q\\\"\""},
	{"@(@\"max-age=(?<maxAge>\\d+)\")", "\"max-age=(?<maxAge>\\\\d+)\""},
	{"@(true)", "true"},
	{"@(null)", "null"},
	{"@($\"a{b}c\")", "(interp \"a\" {b} \"c\")"},
	{"@($\"{{literal}} {x}\")", "(interp \"{literal} \" {x})"},
	{"@($\"{x,5}|{y,-3:N2}|{z:yyyy-MM-dd}\")", "(interp {x,5} \"|\" {y,(- 3):N2} \"|\" {z:yyyy-MM-dd})"},
	{"@($\"{(a ? 1 : 2)}\")", "(interp {(paren (?: a 1 2))})"},
	{"@($\"{d[\"k\"]} and {$\"inner {x}\"}\")", "(interp {(index d \"k\")} \" and \" {(interp \"inner \" {x})})"},
	{"@($@\"C:\\{dir}\\file \"\"q\"\"\")", "(interp \"C:\\\\\" {dir} \"\\\\file \\\"q\\\"\")"},
	{"@(@$\"{a}\\n\")", "(interp {a} \"\\\\n\")"},
	{"@($\"{context.Request.Headers.GetValueOrDefault(\"Authorization\",\"\").Split(' ').Last()}\")", "(interp {(call (. (call (. (call (. (. (. context Request) Headers) GetValueOrDefault) \"Authorization\" \"\") Split) ' ') Last))})"},
	{"@(@class)", "class"},
	{"@(context.Request.Headers[\"x\"])", "(index (. (. context Request) Headers) \"x\")"},
	{"@(context.Request.Body?.As<JObject>()?[\"a\"])", "(?index (call (?. (. (. context Request) Body) As<JObject>)) \"a\")"},
	{"@(a?.b?.c)", "(?. (?. a b) c)"},
	{"@(f(1, name: 2))", "(call f 1 name: 2)"},
	{"@(context.Request.Headers.TryGetValue(\"Authorization\", out value))", "(call (. (. (. context Request) Headers) TryGetValue) \"Authorization\" (out value))"},
	{"@(d.TryGetValue(\"a\", out var v))", "(call (. d TryGetValue) \"a\" (out (var var v)))"},
	{"@(d.TryGetValue(\"a\", out string[] v))", "(call (. d TryGetValue) \"a\" (out (var string[] v)))"},
	{"@(Interlocked.Increment(ref x))", "(call (. Interlocked Increment) (ref x))"},
	{"@(context.Request.Body.As<JObject>(preserveContent: true))", "(call (. (. (. context Request) Body) As<JObject>) preserveContent: true)"},
	{"@(context.Variables.GetValueOrDefault<string>(\"a\", \"\"))", "(call (. (. context Variables) GetValueOrDefault<string>) \"a\" \"\")"},
	{"@(GetValueOrDefault<string>(\"a\"))", "(call GetValueOrDefault<string> \"a\")"},
	{"@(x.Value<int?>(\"a\"))", "(call (. x Value<int?>) \"a\")"},
	{"@(new List<Dictionary<string, object>>())", "(new List<Dictionary<string, object>> (args))"},
	{"@(a < b)", "(< a b)"},
	{"@(a < b > (c))", "(call a<b> c)"},
	{"@(a < b && c > d)", "(&& (< a b) (> c d))"},
	{"@(F(G<A, B>(7)))", "(call F (call G<A, B> 7))"},
	{"@(F(G < A, B > 7))", "(call F (< G A) (> B 7))"},
	{"@(int.Parse(\"1\"))", "(call (. (type int) Parse) \"1\")"},
	{"@(string.Join(\",\", xs))", "(call (. (type string) Join) \",\" xs)"},
	{"@(string.IsNullOrEmpty(s))", "(call (. (type string) IsNullOrEmpty) s)"},
	{"@((string)context.Variables[\"k\"])", "(cast string (index (. context Variables) \"k\"))"},
	{"@((JObject)x)", "(cast JObject x)"},
	{"@(((IResponse)context.Variables[\"r\"]).Body)", "(. (paren (cast IResponse (index (. context Variables) \"r\"))) Body)"},
	{"@((int?)x)", "(cast int? x)"},
	{"@((string[])x)", "(cast string[] x)"},
	{"@((a)-b)", "(- (paren a) b)"},
	{"@((int)-b)", "(cast int (- b))"},
	{"@((a))", "(paren a)"},
	{"@((a) + b)", "(+ (paren a) b)"},
	{"@((Foo)(b))", "(cast Foo (paren b))"},
	{"@((List<string>)x)", "(cast List<string> x)"},
	{"@(!(bool)x)", "(! (cast bool x))"},
	{"@(-a * b + c / d % e - f)", "(- (+ (* (- a) b) (% (/ c d) e)) f)"},
	{"@(a << 2 >> 1)", "(>> (<< a 2) 1)"},
	{"@(a >= b)", "(>= a b)"},
	{"@(a | b ^ c & d)", "(| a (^ b (& c d)))"},
	{"@(a == b != c)", "(!= (== a b) c)"},
	{"@(a || b && c)", "(|| a (&& b c))"},
	{"@(a ?? b ?? c)", "(?? a (?? b c))"},
	{"@(a ? b : c ? d : e)", "(?: a b (?: c d e))"},
	{"@(a ? b ? c : d : e)", "(?: a (?: b c d) e)"},
	{"@(x is string)", "(is x string)"},
	{"@(x is string s && s.Length > 0)", "(&& (is x string s) (> (. s Length) 0))"},
	{"@(x is null)", "(is x null)"},
	{"@(x is not null)", "(is-not x null)"},
	{"@(x is int? ? 1 : 0)", "(?: (is x int?) 1 0)"},
	{"@(x is JObject ? 1 : 0)", "(?: (is x JObject) 1 0)"},
	{"@(x as string ?? \"\")", "(?? (as x string) \"\")"},
	{"@(x as int? ?? 0)", "(?? (as x int?) 0)"},
	{"@(typeof(string))", "(typeof string)"},
	{"@(default(int))", "(default int)"},
	{"@(default)", "default"},
	{"@(nameof(x))", "(nameof x)"},
	{"@(new JObject())", "(new JObject (args))"},
	{"@(new JObject(new JProperty(\"a\", 1)))", "(new JObject (args (new JProperty (args \"a\" 1))))"},
	{"@(new JObject { [\"a\"] = 1, [\"b\"] = \"x\" })", "(new JObject {obj [\"a\"]=1 [\"b\"]=\"x\"})"},
	{"@(new JObject { { \"a\", 1 } })", "(new JObject {coll {\"a\" 1}})"},
	{"@(new Dictionary<string,string> { {\"a\",\"b\"}, {\"c\",\"d\"} })", "(new Dictionary<string, string> {coll {\"a\" \"b\"} {\"c\" \"d\"}})"},
	{"@(new List<string> { \"a\", \"b\", })", "(new List<string> {coll \"a\" \"b\"})"},
	{"@(new Uri(\"http://x\") { })", "(new Uri (args \"http://x\") {coll})"},
	{"@(new Foo { A = 1, B = { 2 } })", "(new Foo {obj A=1 B={2}})"},
	{"@(new string[] {\"a\"})", "(new string[] {coll \"a\"})"},
	{"@(new[] {\"a\",\"b\"})", "(new [] {coll \"a\" \"b\"})"},
	{"@(new [] {\"a\",\"b\"}.Contains(x))", "(call (. (new [] {coll \"a\" \"b\"}) Contains) x)"},
	{"@(new int[3])", "(new int[] [3])"},
	{"@(new int[3][])", "(new int[][] [3])"},
	{"@(new { a = 1, b, c.d })", "(new {anon a=1 b=b d=(. c d)})"},
	{"@(new byte[] { 1, 2 }.Length)", "(. (new byte[] {coll 1 2}) Length)"},
	{"@(xs.Where(x => x > 1))", "(call (. xs Where) (lambda (x) (> x 1)))"},
	{"@(xs.Select((x, i) => x + i))", "(call (. xs Select) (lambda (x i) (+ x i)))"},
	{"@(xs.Select((string x) => x))", "(call (. xs Select) (lambda (string x) x))"},
	{"@(F(() => 1))", "(call F (lambda () 1))"},
	{"@(xs.ForEach(x => { return; }))", "(call (. xs ForEach) (lambda (x) (block (return))))"},
	{"@(x switch { 1 => \"a\", \"b\" => \"c\", string s when s.Length > 0 => s, null => \"n\", _ => \"d\" })", "(switch x (arm 1 => \"a\") (arm \"b\" => \"c\") (arm string s when (> (. s Length) 0) => s) (arm null => \"n\") (arm _ => \"d\"))"},
	{"@(x ?? throw new ArgumentNullException(\"x\"))", "(?? x (throw (new ArgumentNullException (args \"x\"))))"},
	{"@(a = b = c)", "(= a (= b c))"},
	{"@(x += 1)", "(+= x 1)"},
	{"@(x ??= y)", "(??= x y)"},
	{"@(x >>= 1)", "(>>= x 1)"},
	{"@(x <<= 1)", "(<<= x 1)"},
	{"@(i++ + ++j)", "(+ (post++ i) (++ j))"},
	{"@(--i)", "(-- i)"},
	{"@(~x)", "(~ x)"},
	{"@(unchecked((int)2166136261))", "(unchecked (cast int 2166136261))"},
	{"@(checked(a + b))", "(checked (+ a b))"},
	{"@(this.x)", "(. this x)"},
	{"@(context.Request.Url.Query.GetValueOrDefault(\"a\", \"\").Split(',').Select(s => s.Trim()).ToArray())", "(call (. (call (. (call (. (call (. (. (. (. context Request) Url) Query) GetValueOrDefault) \"a\" \"\") Split) ',') Select) (lambda (s) (call (. s Trim)))) ToArray))"},
	{"@(a /* comment */ + b)", "(+ a b)"},
	{"@(Foo.Bar<int>.Baz)", "(. (. Foo Bar<int>) Baz)"},
	{"@(global::System.String.Empty)", "(. (. global::System String) Empty)"},
	{"@(x[1, 2])", "(index x 1 2)"},
	{"@(x?[0])", "(?index x 0)"},
	{"@(a ? .5 : 1)", "(?: a .5 1)"},
	{"@(DateTime.UtcNow.ToString(\"o\"))", "(call (. (. DateTime UtcNow) ToString) \"o\")"},
	{"@(xs.Any() ? xs.First() : default(string))", "(?: (call (. xs Any)) (call (. xs First)) (default string))"},
	{"@(x.As<JArray>().Count > 0)", "(> (. (call (. x As<JArray>)) Count) 0)"},
	{"@((context.Response.StatusCode >= 500))", "(paren (>= (. (. context Response) StatusCode) 500))"},
	{"@{ return 1; }", "(block (return 1))"},
	{"@{ var x = 1; return x; }", "(block (decl var x=1) (return x))"},
	{"@{ string a, b = \"x\"; int[] arr = {1, 2}; return a; }", "(block (decl string a b=\"x\") (decl int[] arr=(new int[] {coll 1 2})) (return a))"},
	{"@{ int? y = null; List<string> l = new List<string>(); Dictionary<string, object> d; return y; }", "(block (decl int? y=null) (decl List<string> l=(new List<string> (args))) (decl Dictionary<string, object> d) (return y))"},
	{"@{ JObject o; string[] v; return null; }", "(block (decl JObject o) (decl string[] v) (return null))"},
	{"@{ if (a) return 1; else if (b) return 2; else { return 3; } }", "(block (if a (return 1) (if b (return 2) (block (return 3)))))"},
	{"@{ foreach (var x in xs) { continue; } return 0; }", "(block (foreach var x xs (block (continue))) (return 0))"},
	{"@{ foreach (JProperty p in o.Properties()) total += 1; return total; }", "(block (foreach JProperty p (call (. o Properties)) (expr (+= total 1))) (return total))"},
	{"@{ for (int i = 0, j = 1; i < 10; i++, j--) { break; } return 0; }", "(block (for ((decl int i=0 j=1)) (< i 10) ((post++ i) (post-- j)) (block (break))) (return 0))"},
	{"@{ for (;;) { } }", "(block (for () <nil> () (block)))"},
	{"@{ for (i = 0; i < 3; i++) ; return i; }", "(block (for ((expr (= i 0))) (< i 3) ((post++ i)) (empty)) (return i))"},
	{"@{ while (x) x--; do { x++; } while (x < 3); return x; }", "(block (while x (expr (post-- x))) (do (block (expr (post++ x))) (< x 3)) (return x))"},
	{"@{ switch (x) { case 1: case 2: return \"a\"; case \"s\": y = 1; break; default: throw new Exception(); } }", "(block (switch x (case 1 2 : (return \"a\")) (case \"s\" : (expr (= y 1)) (break)) (case default : (throw (new Exception (args))))))"},
	{"@{ try { a(); } catch (JsonException ex) when (ex.Message != null) { return 1; } catch { throw; } finally { b(); } return 0; }", "(block (try (block (expr (call a))) (catch JsonException ex when (!= (. ex Message) null) (block (return 1))) (catch (block (throw))) (finally (block (expr (call b))))) (return 0))"},
	{"@{ try { a(); } finally { } return 0; }", "(block (try (block (expr (call a))) (finally (block))) (return 0))"},
	{"@{ ; return 0; }", "(block (empty) (return 0))"},
	{"@{ x.y = 1; x[0] = 2; f(); i++; --j; return x; }", "(block (expr (= (. x y) 1)) (expr (= (index x 0) 2)) (expr (call f)) (expr (post++ i)) (expr (-- j)) (return x))"},
	{"@{ context.Variables.TryGetValue(\"a\", out object o); return o; }", "(block (expr (call (. (. context Variables) TryGetValue) \"a\" (out (var object o)))) (return o))"},
	{"@{ int Add(int a, int b) { return a + b; } return Add(1, 2); }", "(block (localfunc int Add (int a int b) (block (return (+ a b)))) (return (call Add 1 2)))"},
	{"@{ string F(string s) => s; return F(\"a\"); }", "(block (localfunc string F (string s) s) (return (call F \"a\")))"},
	{"@{ const int x = 1; return x; }", "(block (decl const int x=1) (return x))"},
	{"@{ var body = context.Request.Body.As<JObject>(true); body[\"a\"] = \"b\"; return body.ToString(); }", "(block (decl var body=(call (. (. (. context Request) Body) As<JObject>) true)) (expr (= (index body \"a\") \"b\")) (return (call (. body ToString))))"},
	{"@{ unchecked { x = x * 31; } return x; }", "(block (unchecked (block (expr (= x (* x 31))))) (return x))"},
	{"@{ using (var sha = SHA256.Create()) { return sha.ComputeHash(b); } }", "(block (using (decl var sha=(call (. SHA256 Create))) (block (return (call (. sha ComputeHash) b)))))"},
	{"@{ using (x) y(); return 0; }", "(block (using x (expr (call y))) (return 0))"},
	{"@{ Func<int, int> f = x => x * 2; return f(2); }", "(block (decl Func<int, int> f=(lambda (x) (* x 2))) (return (call f 2)))"},
	{"@{ var s = x switch { 1 => \"a\", _ => \"b\" }; return s; }", "(block (decl var s=(switch x (arm 1 => \"a\") (arm _ => \"b\"))) (return s))"},
	{"@{ if (x is JObject o && o[\"a\"] != null) { return o; } return null; }", "(block (if (&& (is x JObject o) (!= (index o \"a\") null)) (block (return o))) (return null))"},
	{"@{ return new { a = 1 }; }", "(block (return (new {anon a=1})))"},
	{"@{ var x = new JObject(); x.Add(\"a\", new JArray(1, 2)); return x.ToString(Newtonsoft.Json.Formatting.None); }", "(block (decl var x=(new JObject (args))) (expr (call (. x Add) \"a\" (new JArray (args 1 2)))) (return (call (. x ToString) (. (. (. Newtonsoft Json) Formatting) None))))"},
	{"@{ var v = @\"x\"\"y\"; var w = $\"{v}\"; return w + 'c'; }", "(block (decl var v=\"x\\\"y\") (decl var w=(interp {v})) (return (+ w 'c')))"},
	{"@{ var a = b < c; var d = e<f>.G; return a; }", "(block (decl var a=(< b c)) (decl var d=(. e<f> G)) (return a))"},
	{"@{ List<int> l = null; return l?.Count ?? 0; }", "(block (decl List<int> l=null) (return (?? (?. l Count) 0)))"},
	{"@{ string @class = \"x\"; return @class; }", "(block (decl string class=\"x\") (return class))"},
	{"@{ x = y is int ? 1 : 2; return x; }", "(block (expr (= x (?: (is y int) 1 2))) (return x))"},
	{"@{ var s = (string)context.Variables[\"a\"]; return s; }", "(block (decl var s=(cast string (index (. context Variables) \"a\"))) (return s))"},
	{"@{ var x = (JObject)JToken.Parse(s); return x; }", "(block (decl var x=(cast JObject (call (. JToken Parse) s))) (return x))"},
	{"@(\"\\uD83D\\uDE00\")", "\"😀\""},
	{"@(x is var y)", "(is x var y)"},
	{"@($\"{x:0.00}|{y , 3}\")", "(interp {x:0.00} \"|\" {y,3})"},
	{"@(0xFFu + 0b1_0L)", "(+ 0xFFu 0b10l)"},
	{"@{ x?.Foo(); new Bar(); return 1; }", "(block (expr (call (?. x Foo))) (expr (new Bar (args))) (return 1))"},
	{"@((Foo)null)", "(cast Foo null)"},
	{"@((string)$\"a{b}\")", "(cast string (interp \"a\" {b}))"},
	{"@((a)[0])", "(index (paren a) 0)"},
	{"@((a) ? b : c)", "(?: (paren a) b c)"},
	{"@(x.Count < 5 && y > 2)", "(&& (< (. x Count) 5) (> y 2))"},
	{"@(i < list.Count)", "(< i (. list Count))"},
	{"@(a.b < c.d > (e))", "(call (. a b<c.d>) e)"},
	{"@(x.Value<string>() ?? \"\")", "(?? (call (. x Value<string>)) \"\")"},
	{"@(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { [\"a\"] = \"b\" })", "(new Dictionary<string, string> (args (. StringComparer OrdinalIgnoreCase)) {obj [\"a\"]=\"b\"})"},
	{"@(new Foo().Bar)", "(. (new Foo (args)) Bar)"},
	{"@(a ? x = 1 : 2)", "(?: a (= x 1) 2)"},
	{"@(1.ToString())", "(call (. 1 ToString))"},
	{"@(1.5.ToString())", "(call (. 1.5 ToString))"},
	{"@(5m)", "5m"},
	{"@(1Lu)", "1ul"},
	{"@($\"{(x ? $\"a{y}\" : \"b\")}\")", "(interp {(paren (?: x (interp \"a\" {y}) \"b\"))})"},
	{"@($\"{x.Split(':')[0]}\")", "(interp {(index (call (. x Split) ':') 0)})"},
	{"@($\"{x[\"a:b\"]}\")", "(interp {(index x \"a:b\")})"},
	{"@($\"{{}}\")", "(interp \"{}\")"},
	{"@($\"\")", "(interp)"},
	{"@(x => y => x + y)", "(lambda (x) (lambda (y) (+ x y)))"},
	{"@(a ? b => 1 : c => 2)", "(?: a (lambda (b) 1) (lambda (c) 2))"},
	{"@(x is not string)", "(is-not x string)"},
	{"@(x is 'c')", "(is x 'c')"},
	{"@(x is -1)", "(is x (- 1))"},
	{"@(\"a\" + 1 + 'b')", "(+ (+ \"a\" 1) 'b')"},
	{"@(!a && !b || c)", "(|| (&& (! a) (! b)) c)"},
	{"@(-(-a))", "(- (paren (- a)))"},
	{"@(a - -b)", "(- a (- b))"},
	{"@(a+++b)", "(+ (post++ a) b)"},
	{"@(a-- - --b)", "(- (post-- a) (-- b))"},
	{"@(x?.y?[0]?.z())", "(call (?. (?index (?. x y) 0) z))"},
	{"@(x.Where(p => p.Name == \"a\").Select(p => (string)p.Value).FirstOrDefault())", "(call (. (call (. (call (. x Where) (lambda (p) (== (. p Name) \"a\"))) Select) (lambda (p) (cast string (. p Value)))) FirstOrDefault))"},
	{"@((string)context.Variables.GetValueOrDefault(\"x\"))", "(cast string (call (. (. context Variables) GetValueOrDefault) \"x\"))"},
	{"@(Regex.Match(s, @\"max-age=(?<maxAge>\\d+)\").Groups[\"maxAge\"]?.Value)", "(?. (index (. (call (. Regex Match) s \"max-age=(?<maxAge>\\\\d+)\") Groups) \"maxAge\") Value)"},
	{"@(new[] { new { a = 1 } })", "(new [] {coll (new {anon a=1})})"},
	{"@(new int[] { 1, 2 }[0])", "(index (new int[] {coll 1 2}) 0)"},
	{"@(new List<int>[] { })", "(new List<int>[] {coll})"},
	{"@(typeof(List<string>))", "(typeof List<string>)"},
	{"@(default(Dictionary<string, int>))", "(default Dictionary<string, int>)"},
	{"@(nameof(context.Request))", "(nameof (. context Request))"},
	{"@(x as IEnumerable<string>)", "(as x IEnumerable<string>)"},
	{"@(x is List<string> l ? l.Count : 0)", "(?: (is x List<string> l) (. l Count) 0)"},
	{"@{ if (!(x is string)) return; return; }", "(block (if (! (paren (is x string))) (return)) (return))"},
	{"@{ return (x); }", "(block (return (paren x)))"},
	{"@{ ((JObject)x)[\"a\"] = 1; return x; }", "(block (expr (= (index (paren (cast JObject x)) \"a\") 1)) (return x))"},
	{"@{ int.TryParse(s, out var n); return n; }", "(block (expr (call (. (type int) TryParse) s (out (var var n)))) (return n))"},
	{"@{ Foo<Bar>.Baz(); return 1; }", "(block (expr (call (. Foo<Bar> Baz))) (return 1))"},
	{"@{ string[] parts = s.Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries); return parts; }", "(block (decl string[] parts=(call (. s Split) (new [] {coll ','}) (. StringSplitOptions RemoveEmptyEntries))) (return parts))"},
	{"@{ int i = 0, j; return i; }", "(block (decl int i=0 j) (return i))"},
	{"@{ JObject o = x as JObject; return o; }", "(block (decl JObject o=(as x JObject)) (return o))"},
	{"@{ foreach (var item in (JArray)x) { } return 1; }", "(block (foreach var item (cast JArray x) (block)) (return 1))"},
	{"@{ if (x); return 1; }", "(block (if x (empty)) (return 1))"},
	{"@{ switch (s) { case null: return 0; case \"a\": { return 1; } } return 2; }", "(block (switch s (case null : (return 0)) (case \"a\" : (block (return 1)))) (return 2))"},
	{"@{ try { } catch (Exception) { } return 1; }", "(block (try (block) (catch Exception (block))) (return 1))"},
	{"@{ x = x ?? new JObject(); return x; }", "(block (expr (= x (?? x (new JObject (args))))) (return x))"},
	{"@{ // comment \"with quotes\"\nreturn 1; /* block } */ }", "(block (return 1))"},
	{"@{ for (var i = 0; i < 10; i += 2) { if (i == 4) continue; } return 0; }", "(block (for ((decl var i=0)) (< i 10) ((+= i 2)) (block (if (== i 4) (continue)))) (return 0))"},
	{"@{ do x++; while (x < 3); return x; }", "(block (do (expr (post++ x)) (< x 3)) (return x))"},
	{"@{ var f = new Func<string, string>(s => s.ToUpper()); return f(\"a\"); }", "(block (decl var f=(new Func<string, string> (args (lambda (s) (call (. s ToUpper)))))) (return (call f \"a\")))"},
	{"@{ var list = new List<string>(); list.Add(\"a\"); return string.Join(\",\", list); }", "(block (decl var list=(new List<string> (args))) (expr (call (. list Add) \"a\")) (return (call (. (type string) Join) \",\" list)))"},
	{"@{ static int Sq(int x) => x * x; return Sq(2); }", "(block (localfunc int Sq (int x) (* x x)) (return (call Sq 2)))"},
	{"@{ void Log(string m) { context.Trace(m); } Log(\"a\"); return 1; }", "(block (localfunc void Log (string m) (block (expr (call (. context Trace) m)))) (expr (call Log \"a\")) (return 1))"},
	{"@{ int?[] a = null; return a; }", "(block (decl int?[] a=null) (return a))"},
	{"@((int?[])x)", "(cast int?[] x)"},
	{"@(new int?[] { 1, null })", "(new int?[] {coll 1 null})"},
	{"@($\"{global::System.Environment.NewLine:x}\")", "(interp {(. (. global::System Environment) NewLine):x})"},
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tt := range parseTests {
		t.Run(tt.src, func(t *testing.T) {
			n, err := parseAnySrc(tt.src)
			if err != nil {
				t.Fatalf("parse %q: %v (at %d)", tt.src, err, err.(*Error).Pos)
			}
			if diff := cmp.Diff(tt.want, Dump(n)); diff != "" {
				t.Errorf("Dump mismatch (-want +got):\n%s", diff)
			}
			checkSpans(t, tt.src, n)
		})
	}
}

// errorTests maps source to the offset and message of its syntax error.
var errorTests = []struct {
	src string
	pos int
	msg string
}{
	{"(1)", 0, "expected '@('"},
	{"@(", 2, "unexpected end of expression"},
	{"@()", 2, "unexpected ')'"},
	{"@(1", 3, "expected ')'"},
	{"@(1))", 4, "unexpected ')'"},
	{"@(a +)", 5, "unexpected ')'"},
	{"@(a b)", 4, "expected ')'"},
	{"@(\"abc)", 2, "unterminated string literal"},
	{"@(\"abc", 2, "unterminated string literal"},
	{"@('ab')", 2, "too many characters in character literal"},
	{"@('')", 2, "empty character literal"},
	{"@('a)", 2, "unterminated character literal"},
	{"@(\"\\q\")", 3, "unrecognized escape sequence"},
	{"@(@\"abc)", 2, "unterminated string literal"},
	{"@($\"{a\")", 6, "unterminated string literal"},
	{"@($\"a}b\")", 5, "unescaped '}' in interpolated string"},
	{"@($\"{}\")", 4, "empty interpolation hole"},
	{"@($\"{a ? 1 : 2}\")", 11, "conditional expression in an interpolation hole must be parenthesised"},
	{"@($\"{x,}\")", 6, "empty interpolation hole"},
	{"@(1.5u)", 2, "invalid real literal suffix"},
	{"@(0x)", 2, "invalid number literal"},
	{"@(12abc)", 2, "invalid number literal"},
	{"@(1e)", 2, "invalid number literal"},
	{"@(a.)", 4, "expected identifier"},
	{"@(a.b.)", 6, "expected identifier"},
	{"@(f(a,))", 6, "unexpected ')'"},
	{"@(f(a)", 6, "expected ')'"},
	{"@(x[)", 4, "unexpected ')'"},
	{"@(new)", 5, "expected type, found ')'"},
	{"@(new Foo)", 9, "expected '(' or '{'"},
	{"@(new Foo(1) 2)", 13, "unexpected number 2, expected ')'"},
	{"@(new int[1,2])", 11, "multi-dimensional arrays are not supported"},
	{"@(new JObject { A = 1, 2 })", 14, "cannot mix object and collection initializers"},
	{"@(a ? b)", 7, "expected ':'"},
	{"@(a ? b :)", 9, "unexpected ')'"},
	{"@(typeof())", 9, "expected type, found ')'"},
	{"@(x is)", 6, "expected type, found ')'"},
	{"@(x as)", 6, "expected type, found ')'"},
	{"@(#)", 2, "unexpected character '#'"},
	{"@(a /* b)", 4, "unterminated comment"},
	{"@(delegate(int x) { return x; })", 2, "'delegate' is not supported"},
	{"@(await f())", 2, "'await' is not supported"},
	{"@(x => )", 7, "unexpected ')'"},
	{"@(async x => x)", 2, "async lambdas are not supported"},
	{"@(&x)", 2, "pointer operations are not supported"},
	{"@(x switch { 1 => 2)", 19, "expected '}'"},
	{"@((a, b))", 2, "tuple expressions are not supported"},
	{"@{", 2, "expected '}'"},
	{"@{ return 1 }", 12, "expected ';'"},
	{"@{ return 1; ", 13, "expected '}'"},
	{"@{ var x = 1 return x; }", 13, "expected ';'"},
	{"@{ if a) return 1; }", 6, "expected '('"},
	{"@{ if (a return 1; }", 9, "expected ')'"},
	{"@{ using System; return 1; }", 3, "'using' directives and declarations are not supported in policy expressions"},
	{"@{ using var x = f(); return 1; }", 3, "'using' directives and declarations are not supported in policy expressions"},
	{"@{ unsafe { } }", 3, "'unsafe' is not supported in policy expressions"},
	{"@{ goto done; }", 3, "'goto' is not supported in policy expressions"},
	{"@{ lock (x) { } }", 3, "'lock' is not supported in policy expressions"},
	{"@{ yield return 1; }", 3, "'yield' is not supported in policy expressions"},
	{"@{ await f(); }", 3, "'await' is not supported in policy expressions"},
	{"@{ class Foo { } }", 3, "'class' is not supported in policy expressions"},
	{"@{ struct Foo { } }", 3, "'struct' is not supported in policy expressions"},
	{"@{ interface I { } }", 3, "'interface' is not supported in policy expressions"},
	{"@{ namespace N { } }", 3, "'namespace' is not supported in policy expressions"},
	{"@{ foreach (var x xs) { } }", 18, "expected 'in'"},
	{"@{ foreach (x in xs) { } }", 14, "unexpected keyword 'in', expected identifier"},
	{"@{ do { } while (x) }", 20, "expected ';'"},
	{"@{ switch (x) { foo: break; } }", 16, "expected 'case' or 'default'"},
	{"@{ switch (x) { case 1 break; } }", 23, "expected ':'"},
	{"@{ try { } }", 11, "expected 'catch' or 'finally'"},
	{"@{ catch { } }", 3, "unexpected 'catch'"},
	{"@{ else { } }", 3, "unexpected 'else'"},
	{"@{ case 1: return 1; }", 3, "'case' label outside of a switch statement"},
	{"@{ if (a) var x = 1; }", 10, "embedded statement cannot be a declaration"},
	{"@{ return 1; } x", 15, "unexpected 'x'"},
	{"@{ x++ }", 7, "expected ';'"},
	{"@{ public int x; }", 3, "'public' is not supported in policy expressions"},
	{"@{ f(x => { return 1 }); }", 21, "expected ';'"},
	{"@{ int[] a = {1, 2; }", 18, "expected '}'"},
	{"@{ var x = @\"abc; }", 11, "unterminated string literal"},
	{"@{ string s = \"a\" + ; }", 20, "unexpected ';'"},
	{"@{ var t = (a, b); return t; }", 11, "tuple expressions are not supported"},
	{"@{ a + b; }", 3, "only assignment, call, increment, decrement and new object expressions can be used as a statement"},
	{"@{ for (a; ; ) { } }", 8, "only assignment, call, increment, decrement and new object expressions can be used as a statement"},
	{"@{ x; }", 3, "only assignment, call, increment, decrement and new object expressions can be used as a statement"},
	{"@{ int F(ref int a) { } }", 9, "'ref' parameters are not supported"},
	{"@{ int F(int a = 1) { } }", 15, "optional parameters are not supported"},
	{"@{ int F<T>(T a) { } }", 8, "generic local functions are not supported"},
	{"@{ int F(int a); }", 15, "expected '{' or '=>'"},
}

func TestParseError(t *testing.T) {
	t.Parallel()
	for _, tt := range errorTests {
		t.Run(tt.src, func(t *testing.T) {
			n, err := parseAnySrc(tt.src)
			if err == nil {
				t.Fatalf("parse %q: want error %q", tt.src, tt.msg)
			}
			if n != nil {
				t.Errorf("parse %q returned a node with the error", tt.src)
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			got := struct {
				Pos int
				Msg string
			}{int(se.Pos), se.Msg}
			want := struct {
				Pos int
				Msg string
			}{tt.pos, tt.msg}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s\n%s\n%s^", diff, tt.src, strings.Repeat(" ", int(se.Pos)))
			}
		})
	}
}

func TestDeepNesting(t *testing.T) {
	t.Parallel()
	src := "@(" + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000) + ")"
	_, err := ParseExpression(src)
	if err == nil || err.(*Error).Msg != "expression nested too deeply" {
		t.Fatalf("got %v, want nesting error", err)
	}
	src = "@{" + strings.Repeat("{", 5000) + strings.Repeat("}", 5000) + "}"
	_, err = ParseBlock(src)
	if err == nil || err.(*Error).Msg != "expression nested too deeply" {
		t.Fatalf("got %v, want nesting error", err)
	}
	src = "@(" + strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100) + ")"
	if _, err := ParseExpression(src); err != nil {
		t.Fatalf("100 levels: %v", err)
	}
}

func TestPositions(t *testing.T) {
	t.Parallel()
	src := `@(a.B(c)[1] + $"{x}")`
	x, err := ParseExpression(src)
	if err != nil {
		t.Fatal(err)
	}
	bin := x.(*Binary)
	got := []string{
		src[bin.Pos():bin.End()],
		src[bin.X.Pos():bin.X.End()],
		src[bin.Y.Pos():bin.Y.End()],
	}
	idx := bin.X.(*Index)
	call := idx.X.(*Call)
	m := call.Fun.(*Member)
	got = append(got, src[m.Pos():m.End()], src[m.NamePos:m.NamePos+1])
	hole := bin.Y.(*Interpolated).Parts[0].Expr
	got = append(got, src[hole.Pos():hole.End()])
	want := []string{`a.B(c)[1] + $"{x}"`, `a.B(c)[1]`, `$"{x}"`, `a.B`, `B`, `x`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
	b, err := ParseBlock("@{ var s = 1; return s; }")
	if err != nil {
		t.Fatal(err)
	}
	if b.Pos() != 0 || int(b.End()) != len("@{ var s = 1; return s; }") {
		t.Errorf("block span [%d,%d)", b.Pos(), b.End())
	}
	d := b.Stmts[0].(*VarDecl)
	if d.Names[0].NamePos != 7 || d.Pos() != 3 || d.End() != 13 {
		t.Errorf("decl span [%d,%d) name at %d", d.Pos(), d.End(), d.Names[0].NamePos)
	}
}
