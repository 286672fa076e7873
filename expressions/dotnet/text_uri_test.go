package dotnet

import "testing"

func TestWebUtilityAndUriEscaping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ  *Type
		name string
		arg  any
		want string
	}{
		{WebUtilityT, "UrlEncode", "a b&c", "a+b%26c"},
		{WebUtilityT, "UrlEncode", "x=1/2?é~*()!", "x%3D1%2F2%3F%C3%A9%7E*()!"},
		{WebUtilityT, "UrlDecode", "a+b%26c%C3%A9", "a+b&cé"[:0] + "a b&cé"},
		{WebUtilityT, "UrlDecode", "100%", "100%"},
		{WebUtilityT, "HtmlEncode", `<a href="x">'&'</a> é`, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt; &#233;"},
		{WebUtilityT, "HtmlDecode", "&lt;b&gt; &amp;amp; &#233;&#x41;&nbsp;&bogus;", "<b> &amp; éA\u00a0&bogus;"},
		{UriT, "EscapeDataString", "a b/c?d=é~", "a%20b%2Fc%3Fd%3D%C3%A9~"},
		{UriT, "EscapeUriString", "http://x/a b?q=1#f%", "http://x/a%20b?q=1#f%25"},
		{UriT, "UnescapeDataString", "a%20b%2Fc%C3%A9%ZZ%FF", "a b/cé%ZZ%FF"},
	}
	for _, tt := range tests {
		got := txShow(txCall(t, tt.typ, true, tt.name, nil, tt.arg))
		if got != tt.want {
			t.Errorf("%s.%s(%q) = %q, want %q", tt.typ.Name, tt.name, tt.arg, got, tt.want)
		}
	}
	if v, _ := txCall(t, WebUtilityT, true, "UrlEncode", nil, nil); v != nil {
		t.Errorf("WebUtility.UrlEncode(null) = %v, want null", v)
	}
}

func TestUri(t *testing.T) {
	t.Parallel()
	u, err := ParseUri("HTTPS://User@Example.COM:443/a/./b/../c d/?q=1&r=a b#frag", UriAbsolute)
	if err != nil {
		t.Fatal(err)
	}
	props := []struct{ name, want string }{
		{"Scheme", "https"},
		{"Host", "example.com"},
		{"Port", "Int32:443"},
		{"IsDefaultPort", "Boolean:True"},
		{"AbsolutePath", "/a/c%20d/"},
		{"PathAndQuery", "/a/c%20d/?q=1&r=a%20b"},
		{"Query", "?q=1&r=a%20b"},
		{"Fragment", "#frag"},
		{"Authority", "example.com"},
		{"UserInfo", "User"},
		{"AbsoluteUri", "https://User@example.com/a/c%20d/?q=1&r=a%20b#frag"},
		{"Segments", "[/|a/|c%20d/]"},
		{"IsAbsoluteUri", "Boolean:True"},
	}
	for _, p := range props {
		got := txShow(UriT.Props[p.name].Get(u))
		if got != p.want {
			t.Errorf("Uri.%s = %q, want %q", p.name, got, p.want)
		}
	}
	if s := u.String(); s != "https://User@example.com/a/c d/?q=1&r=a b#frag" {
		t.Errorf("Uri.ToString() = %q", s)
	}
	u2, _ := ParseUri("http://api.contoso.com:8080/v1/items?id=5", UriAbsolute)
	for name, want := range map[string]string{"Port": "Int32:8080", "Authority": "api.contoso.com:8080",
		"AbsoluteUri": "http://api.contoso.com:8080/v1/items?id=5", "Segments": "[/|v1/|items]"} {
		if got := txShow(UriT.Props[name].Get(u2)); got != want {
			t.Errorf("Uri.%s = %q, want %q", name, got, want)
		}
	}
	if got := txShow(txCall(t, UriT, false, "GetLeftPart", u2, UriPartialAuthority)); got != "http://api.contoso.com:8080" {
		t.Errorf("GetLeftPart(Authority) = %q", got)
	}
	if got := txShow(txCall(t, UriT, false, "GetLeftPart", u2, UriPartialPath)); got != "http://api.contoso.com:8080/v1/items" {
		t.Errorf("GetLeftPart(Path) = %q", got)
	}
	if got := txShow(txCall(t, UriT, false, ".ctor", nil, "/relative")); got != "!System.UriFormatException: Invalid URI: The format of the URI could not be determined." {
		t.Errorf("new Uri(\"/relative\") = %q", got)
	}
	r, err := ResolveUri(u2, "../x?y=1")
	if err != nil || r.AbsoluteURI() != "http://api.contoso.com:8080/x?y=1" {
		t.Errorf("new Uri(base, \"../x?y=1\") = %v, %v", r, err)
	}
	var out any
	ok, _ := txCall(t, UriT, true, "TryCreate", nil, "not a uri", UriAbsolute, &out)
	if ok != false || out != nil {
		t.Errorf("Uri.TryCreate(bad) = %v, %v", ok, out)
	}
	ok, _ = txCall(t, UriT, true, "TryCreate", nil, "/p", UriRelativeOrAbsolute, &out)
	if ok != true || out.(*Uri).Absolute {
		t.Errorf("Uri.TryCreate(relative) = %v, %v", ok, out)
	}
	if _, err := UriT.Props["Host"].Get(out); err == nil {
		t.Error("relative Uri.Host did not throw")
	}
	if UriKind(1).String() != "Absolute" || UriPartialQuery.String() != "Query" {
		t.Error("enum names")
	}
}

func TestEncodingAndStringBuilder(t *testing.T) {
	t.Parallel()
	utf8 := EncodingUTF8
	tests := []struct {
		enc  *TextEncoding
		name string
		args []any
		want string
	}{
		{utf8, "GetBytes", []any{"hé"}, "[104 195 169]"},
		{utf8, "GetString", []any{[]byte{104, 195, 169}}, "hé"},
		{utf8, "GetString", []any{[]byte{104, 0xff, 105}}, "h\uFFFDi"},
		{utf8, "GetString", []any{[]byte("hello"), int32(1), int32(3)}, "ell"},
		{utf8, "GetByteCount", []any{"é"}, "Int32:2"},
		{EncodingASCII, "GetBytes", []any{"hé"}, "[104 63]"},
		{EncodingASCII, "GetString", []any{[]byte{104, 200}}, "h?"},
		{EncodingUnicode, "GetBytes", []any{"hi"}, "[104 0 105 0]"},
		{EncodingUnicode, "GetString", []any{[]byte{104, 0, 105, 0}}, "hi"},
	}
	for _, tt := range tests {
		got := txShow(txCall(t, EncodingT, false, tt.name, tt.enc, tt.args...))
		if got != tt.want {
			t.Errorf("%s.%s%v = %q, want %q", tt.enc.WebName, tt.name, tt.args, got, tt.want)
		}
	}
	if e, _ := EncodingT.StaticProps["UTF8"].Get(nil); e != EncodingUTF8 {
		t.Error("Encoding.UTF8")
	}

	sbv, _ := txCall(t, StringBuilderT, false, ".ctor", nil, "a")
	sb := sbv.(*StringBuilder)
	steps := []struct {
		name string
		args []any
	}{
		{"Append", []any{"bc"}},
		{"Append", []any{Char('d')}},
		{"Append", []any{int32(1)}},
		{"Append", []any{1.5}},
		{"Append", []any{Char('-'), int32(3)}},
		{"AppendFormat", []any{"[{0:N1}]", 2.26}},
		{"Insert", []any{int32(0), ">"}},
		{"Replace", []any{"---", "+"}},
		{"Remove", []any{int32(1), int32(1)}},
		{"AppendLine", []any{"x"}},
	}
	for _, s := range steps {
		if r, err := txCall(t, StringBuilderT, false, s.name, sb, s.args...); err != nil || r != sb {
			t.Fatalf("StringBuilder.%s: %v", s.name, err)
		}
	}
	if got := sb.String(); got != ">bcd11.5+[2.3]x\r\n" {
		t.Errorf("StringBuilder = %q", got)
	}
	if n, _ := StringBuilderT.Props["Length"].Get(sb); n != int32(17) {
		t.Errorf("StringBuilder.Length = %v", n)
	}
	txCall(t, StringBuilderT, false, "Clear", sb)
	if sb.String() != "" {
		t.Error("Clear")
	}
}
