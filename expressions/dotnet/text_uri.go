package dotnet

import (
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// UriKind is System.UriKind.
type UriKind int32

// UriKind values.
const (
	UriRelativeOrAbsolute UriKind = iota
	UriAbsolute
	UriRelative
)

var uriKindNames = []string{"RelativeOrAbsolute", "Absolute", "Relative"}

// String returns the member name.
func (k UriKind) String() string { return txEnumName(uriKindNames, int(k)) }

// UriPartial is System.UriPartial.
type UriPartial int32

// UriPartial values.
const (
	UriPartialScheme UriPartial = iota
	UriPartialAuthority
	UriPartialPath
	UriPartialQuery
)

var uriPartialNames = []string{"Scheme", "Authority", "Path", "Query"}

// String returns the member name.
func (p UriPartial) String() string { return txEnumName(uriPartialNames, int(p)) }

// Enum and class types of this file.
var (
	UriKindT    = txEnumType("UriKind", "System.UriKind", UriKind(0), uriKindNames, func(i int) any { return UriKind(i) })
	UriPartialT = txEnumType("UriPartial", "System.UriPartial", UriPartial(0), uriPartialNames, func(i int) any { return UriPartial(i) })
	// UriT is System.Uri; its values are *Uri.
	UriT = Register(NewType("Uri", "System.Uri", nil, reflect.TypeOf((*Uri)(nil))))
	// WebUtilityT is System.Net.WebUtility.
	WebUtilityT = Register(NewType("WebUtility", "System.Net.WebUtility", nil, nil))
)

// Uri is System.Uri: an absolute URI in .NET's canonical form, or a
// relative reference (Absolute false).
type Uri struct {
	Original string
	Absolute bool
	Scheme   string // lower case
	UserInfo string
	Host     string // lower case; IPv6 in brackets
	Port     int    // -1 when the scheme has no default and none is given
	portSet  bool
	Path     string // escaped, at least "/" for hierarchical schemes
	Query    string // "" or "?…"
	Fragment string // "" or "#…"
	opaque   bool   // mailto:, urn: …
}

func txUriErr(msg string) *Exception {
	return Throw("System.UriFormatException", "Invalid URI: %s", msg)
}

func txDefaultPort(scheme string) int {
	switch scheme {
	case "http", "ws":
		return 80
	case "https", "wss":
		return 443
	case "ftp":
		return 21
	case "ldap":
		return 389
	case "net.tcp":
		return 808
	}
	return -1
}

// ParseUri parses s as new Uri(s, kind) does.
func ParseUri(s string, kind UriKind) (*Uri, error) {
	t := strings.TrimFunc(s, IsWhiteSpaceRune)
	if t == "" && kind != UriRelative && kind != UriRelativeOrAbsolute {
		return nil, txUriErr("The URI is empty.")
	}
	u, err := txParseAbsolute(t)
	if err == nil {
		if kind == UriRelative {
			return nil, txUriErr("The format of the URI could not be determined.")
		}
		u.Original = s
		return u, nil
	}
	if kind == UriAbsolute {
		return nil, err
	}
	if kind == UriRelativeOrAbsolute && txLooksAbsolute(t) {
		return nil, err
	}
	return &Uri{Original: s, Port: -1}, nil
}

func txLooksAbsolute(s string) bool {
	i := strings.Index(s, "://")
	return i > 0 && txSchemeOK(s[:i])
}

func txSchemeOK(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func txParseAbsolute(s string) (*Uri, error) {
	colon := strings.IndexByte(s, ':')
	if colon <= 0 || !txSchemeOK(s[:colon]) {
		return nil, txUriErr("The format of the URI could not be determined.")
	}
	u := &Uri{Absolute: true, Scheme: strings.ToLower(s[:colon]), Port: -1}
	rest := s[colon+1:]
	rest = strings.ReplaceAll(rest, "\\", "/")
	if !strings.HasPrefix(rest, "//") {
		if u.Scheme == "http" || u.Scheme == "https" {
			return nil, txUriErr("The format of the URI could not be determined.")
		}
		u.opaque = true
		u.Path, u.Query, u.Fragment = txSplitPQF(rest)
		u.Path = txEscapeSome(u.Path, false)
		return u, nil
	}
	rest = rest[2:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	auth := rest[:end]
	if at := strings.LastIndexByte(auth, '@'); at >= 0 {
		u.UserInfo = auth[:at]
		auth = auth[at+1:]
	}
	host := auth
	if strings.HasPrefix(auth, "[") {
		rb := strings.IndexByte(auth, ']')
		if rb < 0 {
			return nil, txUriErr("Invalid URI: The hostname could not be parsed.")
		}
		host = auth[:rb+1]
		auth = auth[rb+1:]
		if strings.HasPrefix(auth, ":") {
			if err := u.setPort(auth[1:]); err != nil {
				return nil, err
			}
		} else if auth != "" {
			return nil, txUriErr("The hostname could not be parsed.")
		}
	} else if c := strings.LastIndexByte(auth, ':'); c >= 0 {
		host = auth[:c]
		if err := u.setPort(auth[c+1:]); err != nil {
			return nil, err
		}
	}
	if host == "" && u.Scheme != "file" {
		return nil, txUriErr("The hostname could not be parsed.")
	}
	for _, r := range host {
		if r == ' ' || r == '<' || r == '>' || r == '"' || r == '%' && !strings.HasPrefix(host, "[") {
			return nil, txUriErr("The hostname could not be parsed.")
		}
	}
	u.Host = strings.ToLower(host)
	if !u.portSet {
		u.Port = txDefaultPort(u.Scheme)
	}
	u.Path, u.Query, u.Fragment = txSplitPQF(rest[end:])
	u.Path = txRemoveDots(txEscapeSome(u.Path, false))
	if u.Path == "" {
		u.Path = "/"
	}
	u.Query = txEscapeSome(u.Query, true)
	u.Fragment = txEscapeSome(u.Fragment, true)
	return u, nil
}

func (u *Uri) setPort(p string) error {
	if p == "" {
		return nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return txUriErr("Invalid port specified.")
	}
	u.Port, u.portSet = n, true
	return nil
}

func txSplitPQF(s string) (path, query, frag string) {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s, frag = s[:i], s[i:]
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s, query = s[:i], s[i:]
	}
	return s, query, frag
}

// txEscapeSome escapes what .NET escapes when canonicalising a URI: spaces,
// controls, non-ASCII and the unsafe characters; existing escapes stay.
func txEscapeSome(s string, query bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && txIsHex(s[i+1]) && txIsHex(s[i+2]):
			b.WriteByte(c)
		case c <= ' ' || c >= 0x7F || c == '"' || c == '<' || c == '>' || c == '%' ||
			(!query && (c == '{' || c == '}' || c == '|' || c == '^' || c == '`')) || (query && c == '`'):
			txPct(&b, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func txIsHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func txPct(b *strings.Builder, c byte) {
	const hexd = "0123456789ABCDEF"
	b.WriteByte('%')
	b.WriteByte(hexd[c>>4])
	b.WriteByte(hexd[c&15])
}

// txRemoveDots removes "." and ".." segments (RFC 3986 §5.2.4).
func txRemoveDots(p string) string {
	if !strings.Contains(p, ".") {
		return p
	}
	segs := strings.Split(p, "/")
	var out []string
	for i, s := range segs {
		switch s {
		case ".":
			if i == len(segs)-1 {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if i == len(segs)-1 {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	r := strings.Join(out, "/")
	if !strings.HasPrefix(r, "/") && strings.HasPrefix(p, "/") {
		r = "/" + r
	}
	return r
}

func (u *Uri) needAbs() error {
	if !u.Absolute {
		return Throw("System.InvalidOperationException", "This operation is not supported for a relative URI.")
	}
	return nil
}

// Authority is host[:port], the port only when it is not the default.
func (u *Uri) Authority() string {
	if u.portSet && u.Port != txDefaultPort(u.Scheme) {
		return u.Host + ":" + strconv.Itoa(u.Port)
	}
	return u.Host
}

// AbsoluteURI is Uri.AbsoluteUri: the escaped canonical form.
func (u *Uri) AbsoluteURI() string {
	if !u.Absolute {
		return u.Original
	}
	if u.opaque {
		return u.Scheme + ":" + u.Path + u.Query + u.Fragment
	}
	ui := ""
	if u.UserInfo != "" {
		ui = u.UserInfo + "@"
	}
	return u.Scheme + "://" + ui + u.Authority() + u.Path + u.Query + u.Fragment
}

// String is Uri.ToString(): the canonical form with escapes of unreserved
// and non-ASCII characters decoded.
func (u *Uri) String() string {
	if !u.Absolute {
		return u.Original
	}
	return txUnescapeSafe(u.AbsoluteURI())
}

// txUnescapeSafe decodes %XX runs except those that encode reserved or
// unsafe characters (they stay escaped in Uri.ToString()).
func txUnescapeSafe(s string) string {
	return txUnescape(s, func(c byte) bool {
		return c < 0x80 && (c < ' ' || c == 0x7F || strings.IndexByte("%#?/:@&=+$,;[]!'()*\"<>\\^`{|}", c) >= 0)
	})
}

// txUnescape decodes %XX sequences whose bytes form valid UTF-8; keep
// reports bytes that must stay escaped.
func txUnescape(s string, keep func(byte) bool) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '%' || i+2 >= len(s) || !txIsHex(s[i+1]) || !txIsHex(s[i+2]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		// Gather a run of escapes.
		j := i
		var raw []byte
		for j+2 < len(s) && s[j] == '%' && txIsHex(s[j+1]) && txIsHex(s[j+2]) {
			v, _ := strconv.ParseUint(s[j+1:j+3], 16, 8)
			raw = append(raw, byte(v))
			j += 3
		}
		// Decode rune by rune; invalid bytes stay escaped.
		k := 0
		for k < len(raw) {
			r, n := utf8.DecodeRune(raw[k:])
			if r == utf8.RuneError && n <= 1 || (n == 1 && keep != nil && keep(raw[k])) {
				b.WriteString(s[i+3*k : i+3*k+3])
				k++
				continue
			}
			b.Write(raw[k : k+n])
			k += n
		}
		i = j
	}
	return b.String()
}

// EscapeDataString is Uri.EscapeDataString: everything but the RFC 3986
// unreserved characters is percent-encoded as UTF-8.
func EscapeDataString(s string) string {
	return txEscape(s, func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
	})
}

// EscapeURIString is Uri.EscapeUriString: unreserved and reserved
// characters stay, everything else (including '%') is encoded.
func EscapeURIString(s string) string {
	return txEscape(s, func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~;/?:@&=+$,#[]!'()*", c) >= 0
	})
}

func txEscape(s string, safe func(byte) bool) string {
	var b strings.Builder
	s = strings.ToValidUTF8(s, "\uFFFD")
	for i := 0; i < len(s); i++ {
		if c := s[i]; safe(c) {
			b.WriteByte(c)
		} else {
			txPct(&b, c)
		}
	}
	return b.String()
}

// UnescapeDataString is Uri.UnescapeDataString.
func UnescapeDataString(s string) string { return txUnescape(s, nil) }

// URLEncode is WebUtility.UrlEncode: space becomes '+', letters, digits and
// "-_.!*()" stay, everything else is %XX (upper case) of its UTF-8 bytes.
func URLEncode(s string) string {
	var b strings.Builder
	s = strings.ToValidUTF8(s, "\uFFFD")
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			b.WriteByte('+')
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.!*()", c) >= 0:
			b.WriteByte(c)
		default:
			txPct(&b, c)
		}
	}
	return b.String()
}

// URLDecode is WebUtility.UrlDecode: '+' is a space and %XX sequences are
// UTF-8 bytes (invalid sequences decode to U+FFFD).
func URLDecode(s string) string { return txDecodeUTF8(txURLDecodeBytes(s)) }

// txURLDecodeBytes decodes '+' and %XX sequences to raw bytes.
func txURLDecodeBytes(s string) []byte {
	var raw []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			raw = append(raw, ' ')
		case c == '%' && i+2 < len(s) && txIsHex(s[i+1]) && txIsHex(s[i+2]):
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			raw = append(raw, byte(v))
			i += 2
		default:
			raw = append(raw, c)
		}
	}
	return raw
}

// txDecodeUTF8 decodes bytes as Encoding.UTF8.GetString does: each invalid
// byte becomes U+FFFD.
func txDecodeUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			sb.WriteRune(0xFFFD)
			b = b[1:]
			continue
		}
		sb.Write(b[:n])
		b = b[n:]
	}
	return sb.String()
}

// HTMLEncode is WebUtility.HtmlEncode.
func HTMLEncode(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\'':
			b.WriteString("&#39;")
		case r == '&':
			b.WriteString("&amp;")
		case r >= 160 && r < 256 || r >= 0x10000:
			b.WriteString("&#" + strconv.Itoa(int(r)) + ";")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

var txEntities = map[string]rune{
	"quot": '"', "amp": '&', "apos": '\'', "lt": '<', "gt": '>', "nbsp": 0xA0, "iexcl": 0xA1, "cent": 0xA2,
	"pound": 0xA3, "curren": 0xA4, "yen": 0xA5, "brvbar": 0xA6, "sect": 0xA7, "uml": 0xA8, "copy": 0xA9,
	"ordf": 0xAA, "laquo": 0xAB, "not": 0xAC, "shy": 0xAD, "reg": 0xAE, "macr": 0xAF, "deg": 0xB0,
	"plusmn": 0xB1, "sup2": 0xB2, "sup3": 0xB3, "acute": 0xB4, "micro": 0xB5, "para": 0xB6, "middot": 0xB7,
	"cedil": 0xB8, "sup1": 0xB9, "ordm": 0xBA, "raquo": 0xBB, "frac14": 0xBC, "frac12": 0xBD, "frac34": 0xBE,
	"iquest": 0xBF, "times": 0xD7, "divide": 0xF7, "euro": 0x20AC, "ndash": 0x2013, "mdash": 0x2014,
	"lsquo": 0x2018, "rsquo": 0x2019, "sbquo": 0x201A, "ldquo": 0x201C, "rdquo": 0x201D, "bdquo": 0x201E,
	"dagger": 0x2020, "Dagger": 0x2021, "bull": 0x2022, "hellip": 0x2026, "permil": 0x2030, "lsaquo": 0x2039,
	"rsaquo": 0x203A, "trade": 0x2122, "larr": 0x2190, "uarr": 0x2191, "rarr": 0x2192, "darr": 0x2193,
	"harr": 0x2194, "ensp": 0x2002, "emsp": 0x2003, "thinsp": 0x2009, "zwnj": 0x200C, "zwj": 0x200D,
	"Agrave": 0xC0, "Aacute": 0xC1, "Acirc": 0xC2, "Atilde": 0xC3, "Auml": 0xC4, "Aring": 0xC5, "AElig": 0xC6,
	"Ccedil": 0xC7, "Egrave": 0xC8, "Eacute": 0xC9, "Ecirc": 0xCA, "Euml": 0xCB, "Igrave": 0xCC, "Iacute": 0xCD,
	"Icirc": 0xCE, "Iuml": 0xCF, "ETH": 0xD0, "Ntilde": 0xD1, "Ograve": 0xD2, "Oacute": 0xD3, "Ocirc": 0xD4,
	"Otilde": 0xD5, "Ouml": 0xD6, "Oslash": 0xD8, "Ugrave": 0xD9, "Uacute": 0xDA, "Ucirc": 0xDB, "Uuml": 0xDC,
	"Yacute": 0xDD, "THORN": 0xDE, "szlig": 0xDF, "agrave": 0xE0, "aacute": 0xE1, "acirc": 0xE2, "atilde": 0xE3,
	"auml": 0xE4, "aring": 0xE5, "aelig": 0xE6, "ccedil": 0xE7, "egrave": 0xE8, "eacute": 0xE9, "ecirc": 0xEA,
	"euml": 0xEB, "igrave": 0xEC, "iacute": 0xED, "icirc": 0xEE, "iuml": 0xEF, "eth": 0xF0, "ntilde": 0xF1,
	"ograve": 0xF2, "oacute": 0xF3, "ocirc": 0xF4, "otilde": 0xF5, "ouml": 0xF6, "oslash": 0xF8, "ugrave": 0xF9,
	"uacute": 0xFA, "ucirc": 0xFB, "uuml": 0xFC, "yacute": 0xFD, "thorn": 0xFE, "yuml": 0xFF,
}

// HTMLDecode is WebUtility.HtmlDecode: named (HTML 4) and numeric entities
// are decoded; unknown ones stay as written.
func HTMLDecode(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '&' {
			b.WriteByte(s[i])
			continue
		}
		semi := strings.IndexByte(s[i:], ';')
		if semi < 2 {
			b.WriteByte('&')
			continue
		}
		ent := s[i+1 : i+semi]
		if strings.ContainsAny(ent, "&< ") {
			b.WriteByte('&')
			continue
		}
		if ent[0] == '#' {
			var n uint64
			var err error
			if len(ent) > 1 && (ent[1] == 'x' || ent[1] == 'X') {
				n, err = strconv.ParseUint(ent[2:], 16, 32)
			} else {
				n, err = strconv.ParseUint(ent[1:], 10, 32)
			}
			if err == nil && n <= 0x10FFFF && !(n >= 0xD800 && n < 0xE000) {
				b.WriteRune(rune(n))
				i += semi
				continue
			}
		} else if r, ok := txEntities[ent]; ok {
			b.WriteRune(r)
			i += semi
			continue
		}
		b.WriteByte('&')
	}
	return b.String()
}

func txUriRecv(recv any) *Uri { u, _ := recv.(*Uri); return u }

// ResolveUri is new Uri(baseUri, relative).
func ResolveUri(base *Uri, rel string) (*Uri, error) {
	if base == nil {
		return nil, ArgumentNull("baseUri")
	}
	if err := base.needAbs(); err != nil {
		return nil, err
	}
	if txLooksAbsolute(rel) {
		return ParseUri(rel, UriAbsolute)
	}
	bu, err := url.Parse(base.AbsoluteURI())
	if err != nil {
		return nil, txUriErr("The format of the URI could not be determined.")
	}
	ru, err := url.Parse(strings.ReplaceAll(rel, " ", "%20"))
	if err != nil {
		return nil, txUriErr("The format of the URI could not be determined.")
	}
	return ParseUri(bu.ResolveReference(ru).String(), UriAbsolute)
}

func init() {
	u := UriT
	u.Ctors = append(u.Ctors,
		txMethod(".ctor", u, func(_ any, a []any) (any, error) {
			if a[0] == nil {
				return nil, ArgumentNull("uriString")
			}
			return ParseUri(txStr(a[0]), UriAbsolute)
		}, String),
		txMethod(".ctor", u, func(_ any, a []any) (any, error) {
			if a[0] == nil {
				return nil, ArgumentNull("uriString")
			}
			return ParseUri(txStr(a[0]), UriKind(txInt(a[1])))
		}, String, UriKindT),
		txMethod(".ctor", u, func(_ any, a []any) (any, error) { return ResolveUri(txUriRecv(a[0]), txStr(a[1])) }, u, String),
		txMethod(".ctor", u, func(_ any, a []any) (any, error) {
			r := txUriRecv(a[1])
			if r == nil {
				return nil, ArgumentNull("relativeUri")
			}
			return ResolveUri(txUriRecv(a[0]), r.Original)
		}, u, u),
	)
	abs := func(name string, t *Type, f func(u *Uri) any) *Prop {
		return txProp(name, t, func(recv any) (any, error) {
			x := txUriRecv(recv)
			if x == nil {
				return nil, NullReference()
			}
			if err := x.needAbs(); err != nil {
				return nil, err
			}
			return f(x), nil
		})
	}
	u.AddProp(
		abs("Scheme", String, func(x *Uri) any { return x.Scheme }),
		abs("Host", String, func(x *Uri) any { return x.Host }),
		abs("DnsSafeHost", String, func(x *Uri) any { return strings.Trim(x.Host, "[]") }),
		abs("IdnHost", String, func(x *Uri) any { return x.Host }),
		abs("Port", Int32, func(x *Uri) any { return int32(x.Port) }),
		abs("IsDefaultPort", Boolean, func(x *Uri) any { return x.Port == txDefaultPort(x.Scheme) }),
		abs("AbsolutePath", String, func(x *Uri) any { return x.Path }),
		abs("LocalPath", String, func(x *Uri) any { return UnescapeDataString(x.Path) }),
		abs("PathAndQuery", String, func(x *Uri) any { return x.Path + x.Query }),
		abs("Query", String, func(x *Uri) any { return x.Query }),
		abs("Fragment", String, func(x *Uri) any { return x.Fragment }),
		abs("AbsoluteUri", String, func(x *Uri) any { return x.AbsoluteURI() }),
		abs("Authority", String, func(x *Uri) any { return x.Authority() }),
		abs("UserInfo", String, func(x *Uri) any { return x.UserInfo }),
		abs("IsLoopback", Boolean, func(x *Uri) any {
			return x.Host == "localhost" || strings.HasPrefix(x.Host, "127.") || x.Host == "[::1]"
		}),
		abs("IsFile", Boolean, func(x *Uri) any { return x.Scheme == "file" }),
		abs("Segments", stringArrayT, func(x *Uri) any {
			var segs []string
			p := x.Path
			for p != "" {
				i := strings.IndexByte(p, '/')
				if i < 0 {
					segs = append(segs, p)
					break
				}
				segs = append(segs, p[:i+1])
				p = p[i+1:]
			}
			if segs == nil {
				segs = []string{}
			}
			return segs
		}),
		txProp("IsAbsoluteUri", Boolean, func(recv any) (any, error) { return txUriRecv(recv).Absolute, nil }),
		txProp("OriginalString", String, func(recv any) (any, error) { return txUriRecv(recv).Original, nil }),
		txProp("UserEscaped", Boolean, func(any) (any, error) { return false, nil }),
	)
	u.AddMethod(
		txMethod("ToString", String, func(recv any, _ []any) (any, error) { return txUriRecv(recv).String(), nil }),
		txMethod("GetLeftPart", String, func(recv any, a []any) (any, error) {
			x := txUriRecv(recv)
			if err := x.needAbs(); err != nil {
				return nil, err
			}
			sep := "://"
			if x.opaque {
				sep = ":"
			}
			switch UriPartial(txInt(a[0])) {
			case UriPartialScheme:
				return x.Scheme + sep, nil
			case UriPartialAuthority:
				if x.opaque {
					return "", nil
				}
				return x.Scheme + sep + x.Authority(), nil
			case UriPartialPath:
				return strings.TrimSuffix(x.AbsoluteURI(), x.Query+x.Fragment), nil
			case UriPartialQuery:
				return strings.TrimSuffix(x.AbsoluteURI(), x.Fragment), nil
			}
			return nil, txArgument("part", "The parameter 'part' has an invalid value.")
		}, UriPartialT),
		txMethod("Equals", Boolean, func(recv any, a []any) (any, error) {
			o, ok := a[0].(*Uri)
			if s, isStr := a[0].(string); isStr {
				p, err := ParseUri(s, UriRelativeOrAbsolute)
				if err != nil {
					return false, nil
				}
				o, ok = p, true
			}
			x := txUriRecv(recv)
			return ok && o != nil && strings.EqualFold(x.AbsoluteURI(), o.AbsoluteURI()), nil
		}, nil),
		txMethod("GetHashCode", Int32, func(recv any, _ []any) (any, error) { return txStrHash(txUriRecv(recv).AbsoluteURI()), nil }),
		txMethod("IsBaseOf", Boolean, func(recv any, a []any) (any, error) {
			x, o := txUriRecv(recv), txUriRecv(a[0])
			if o == nil {
				return nil, ArgumentNull("uri")
			}
			return x.Absolute && o.Absolute && x.Scheme == o.Scheme && x.Authority() == o.Authority() &&
				strings.HasPrefix(o.Path, x.Path[:strings.LastIndexByte(x.Path, '/')+1]), nil
		}, u),
	)
	u.AddStaticProp(txConst("UriSchemeHttp", String, "http"), txConst("UriSchemeHttps", String, "https"),
		txConst("UriSchemeFtp", String, "ftp"), txConst("UriSchemeFile", String, "file"),
		txConst("UriSchemeMailto", String, "mailto"), txConst("UriSchemeWs", String, "ws"),
		txConst("UriSchemeWss", String, "wss"), txConst("SchemeDelimiter", String, "://"))
	strFn := func(param string, f func(string) string) func(any, []any) (any, error) {
		return func(_ any, a []any) (any, error) {
			if a[0] == nil {
				return nil, ArgumentNull(param)
			}
			return f(txStr(a[0])), nil
		}
	}
	u.AddStatic(
		txMethod("EscapeDataString", String, strFn("stringToEscape", EscapeDataString), String),
		txMethod("EscapeUriString", String, strFn("stringToEscape", EscapeURIString), String),
		txMethod("UnescapeDataString", String, strFn("stringToUnescape", UnescapeDataString), String),
		txOutMethod("TryCreate", Boolean, u, func(_ any, a []any) (any, error) {
			if a[0] == nil {
				txSetOut(a[2], nil)
				return false, nil
			}
			x, err := ParseUri(txStr(a[0]), UriKind(txInt(a[1])))
			if err != nil {
				txSetOut(a[2], nil)
				return false, nil
			}
			txSetOut(a[2], x)
			return true, nil
		}, String, UriKindT),
		txOutMethod("TryCreate", Boolean, u, func(_ any, a []any) (any, error) {
			var rel string
			if r, ok := a[1].(*Uri); ok {
				rel = r.Original
			} else {
				rel = txStr(a[1])
			}
			x, err := ResolveUri(txUriRecv(a[0]), rel)
			if err != nil {
				txSetOut(a[2], nil)
				return false, nil
			}
			txSetOut(a[2], x)
			return true, nil
		}, u, String),
		txMethod("IsWellFormedUriString", Boolean, func(_ any, a []any) (any, error) {
			s := txStr(a[0])
			if a[0] == nil || strings.ContainsAny(s, " \"<>\\^`{|}") {
				return false, nil
			}
			for i := 0; i < len(s); i++ {
				if s[i] >= 0x80 {
					return false, nil
				}
			}
			_, err := ParseUri(s, UriKind(txInt(a[1])))
			return err == nil, nil
		}, String, UriKindT),
		txMethod("CheckSchemeName", Boolean, func(_ any, a []any) (any, error) { return txSchemeOK(txStr(a[0])), nil }, String),
		txMethod("IsHexDigit", Boolean, func(_ any, a []any) (any, error) {
			c, _ := a[0].(Char)
			return c < 0x80 && txIsHex(byte(c)), nil
		}, CharT),
	)

	w := WebUtilityT
	nullable := func(f func(string) string) func(any, []any) (any, error) {
		return func(_ any, a []any) (any, error) {
			if a[0] == nil {
				return nil, nil
			}
			return f(txStr(a[0])), nil
		}
	}
	w.AddStatic(
		txMethod("UrlEncode", String, nullable(URLEncode), String),
		txMethod("UrlDecode", String, nullable(URLDecode), String),
		txMethod("HtmlEncode", String, nullable(HTMLEncode), String),
		txMethod("HtmlDecode", String, nullable(HTMLDecode), String),
		txMethod("UrlEncodeToBytes", byteArrayT, func(_ any, a []any) (any, error) {
			bs, ok := txBytes(a[0])
			if !ok {
				return nil, nil
			}
			if err := txRange(len(bs), txInt(a[1]), txInt(a[2]), "offset", "count"); err != nil {
				return nil, err
			}
			bs = bs[txInt(a[1]) : txInt(a[1])+txInt(a[2])]
			return []byte(URLEncode(string(bs))), nil
		}, byteArrayT, Int32, Int32),
		txMethod("UrlDecodeToBytes", byteArrayT, func(_ any, a []any) (any, error) {
			bs, ok := txBytes(a[0])
			if !ok {
				return nil, nil
			}
			if err := txRange(len(bs), txInt(a[1]), txInt(a[2]), "offset", "count"); err != nil {
				return nil, err
			}
			bs = bs[txInt(a[1]) : txInt(a[1])+txInt(a[2])]
			return txURLDecodeBytes(string(bs)), nil
		}, byteArrayT, Int32, Int32),
	)
}
