package dotnet

import (
	"encoding/binary"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"
)

// NewLine is Environment.NewLine as StringBuilder.AppendLine writes it. The
// managed APIM gateway runs on Windows, hence "\r\n".
var NewLine = "\r\n"

// ---- Encoding ----

// TextEncoding is a System.Text.Encoding instance (Encoding.UTF8 and
// friends).
type TextEncoding struct {
	Name     string // EncodingName: "Unicode (UTF-8)"
	WebName  string // "utf-8"
	CodePage int32
	kind     int
}

const (
	encUTF8 = iota
	encASCII
	encUTF16LE
	encUTF16BE
	encUTF32
	encLatin1
)

// The encodings Encoding's static properties return.
var (
	EncodingUTF8             = &TextEncoding{"Unicode (UTF-8)", "utf-8", 65001, encUTF8}
	EncodingASCII            = &TextEncoding{"US-ASCII", "us-ascii", 20127, encASCII}
	EncodingUnicode          = &TextEncoding{"Unicode", "utf-16", 1200, encUTF16LE}
	EncodingBigEndianUnicode = &TextEncoding{"Unicode (Big-Endian)", "utf-16BE", 1201, encUTF16BE}
	EncodingUTF32            = &TextEncoding{"Unicode (UTF-32)", "utf-32", 12000, encUTF32}
	EncodingLatin1           = &TextEncoding{"Western European (ISO)", "iso-8859-1", 28591, encLatin1}
)

// EncodingT is System.Text.Encoding; its values are *TextEncoding.
var EncodingT = Register(NewType("Encoding", "System.Text.Encoding", nil, reflect.TypeOf((*TextEncoding)(nil))))

// String is what Encoding.ToString() prints (its type name).
func (e *TextEncoding) String() string {
	switch e.kind {
	case encUTF8:
		return "System.Text.UTF8Encoding+UTF8EncodingSealed"
	case encASCII:
		return "System.Text.ASCIIEncoding+ASCIIEncodingSealed"
	case encUTF16LE, encUTF16BE:
		return "System.Text.UnicodeEncoding"
	case encUTF32:
		return "System.Text.UTF32Encoding"
	}
	return "System.Text.Latin1Encoding"
}

// GetBytes encodes s (unencodable characters become '?').
func (e *TextEncoding) GetBytes(s string) []byte {
	switch e.kind {
	case encUTF8:
		return []byte(strings.ToValidUTF8(s, "\uFFFD"))
	case encASCII, encLatin1:
		limit := rune(0x7F)
		if e.kind == encLatin1 {
			limit = 0xFF
		}
		out := make([]byte, 0, len(s))
		for _, r := range s {
			if r > limit {
				r = '?'
			}
			out = append(out, byte(r))
		}
		return out
	case encUTF16LE, encUTF16BE:
		u := UTF16(s)
		out := make([]byte, 0, 2*len(u))
		for _, c := range u {
			if e.kind == encUTF16LE {
				out = binary.LittleEndian.AppendUint16(out, c)
			} else {
				out = binary.BigEndian.AppendUint16(out, c)
			}
		}
		return out
	}
	out := make([]byte, 0, 4*len(s))
	for _, r := range s {
		out = binary.LittleEndian.AppendUint32(out, uint32(r))
	}
	return out
}

// GetString decodes b (invalid input becomes U+FFFD, or '?' for ASCII).
func (e *TextEncoding) GetString(b []byte) string {
	switch e.kind {
	case encUTF8:
		return txDecodeUTF8(b)
	case encASCII:
		var sb strings.Builder
		for _, c := range b {
			if c > 0x7F {
				c = '?'
			}
			sb.WriteByte(c)
		}
		return sb.String()
	case encLatin1:
		rs := make([]rune, len(b))
		for i, c := range b {
			rs[i] = rune(c)
		}
		return string(rs)
	case encUTF16LE, encUTF16BE:
		u := make([]uint16, 0, len(b)/2)
		for i := 0; i+1 < len(b); i += 2 {
			if e.kind == encUTF16LE {
				u = append(u, binary.LittleEndian.Uint16(b[i:]))
			} else {
				u = append(u, binary.BigEndian.Uint16(b[i:]))
			}
		}
		s := FromUTF16(u)
		if len(b)%2 == 1 {
			s += "\uFFFD"
		}
		return s
	}
	var sb strings.Builder
	for i := 0; i+3 < len(b); i += 4 {
		r := rune(binary.LittleEndian.Uint32(b[i:]))
		if !utf8.ValidRune(r) {
			r = 0xFFFD
		}
		sb.WriteRune(r)
	}
	if len(b)%4 != 0 {
		sb.WriteRune(0xFFFD)
	}
	return sb.String()
}

// GetEncoding looks an encoding up by web name or code page.
func GetEncoding(v any) (*TextEncoding, error) {
	all := []*TextEncoding{EncodingUTF8, EncodingASCII, EncodingUnicode, EncodingBigEndianUnicode, EncodingUTF32, EncodingLatin1}
	if s, ok := v.(string); ok {
		n := strings.ToLower(s)
		alias := map[string]string{"utf8": "utf-8", "ascii": "us-ascii", "unicode": "utf-16", "utf-16le": "utf-16",
			"latin1": "iso-8859-1", "utf-16be": "utf-16be", "utf32": "utf-32", "utf-32le": "utf-32"}
		if a, ok := alias[n]; ok {
			n = a
		}
		for _, e := range all {
			if strings.ToLower(e.WebName) == n {
				return e, nil
			}
		}
		return nil, txArgument("name", "'"+s+"' is not a supported encoding name. For information on defining a custom encoding, see the documentation for the Encoding.RegisterProvider method.")
	}
	cp := int32(txInt(v))
	for _, e := range all {
		if e.CodePage == cp {
			return e, nil
		}
	}
	return nil, Throw("System.NotSupportedException", "No data is available for encoding %d. For information on defining a custom encoding, see the documentation for the Encoding.RegisterProvider method.", cp)
}

func txEncRecv(recv any) *TextEncoding { e, _ := recv.(*TextEncoding); return e }

// txRange checks (index, count) against a length, as the encoders do.
func txRange(n, i, c int, p1, p2 string) error {
	if i < 0 || c < 0 {
		return txArgOutOfRange(p1, "Non-negative number required.")
	}
	if i+c > n {
		return txArgOutOfRange(p2, "Index and count must refer to a location within the buffer.")
	}
	return nil
}

func init() {
	e := EncodingT
	for name, v := range map[string]*TextEncoding{"UTF8": EncodingUTF8, "ASCII": EncodingASCII, "Unicode": EncodingUnicode,
		"BigEndianUnicode": EncodingBigEndianUnicode, "UTF32": EncodingUTF32, "Latin1": EncodingLatin1, "Default": EncodingUTF8} {
		e.AddStaticProp(txConst(name, e, v))
	}
	e.AddStatic(txMethod("GetEncoding", e, func(_ any, a []any) (any, error) { return GetEncoding(a[0]) }, String),
		txMethod("GetEncoding", e, func(_ any, a []any) (any, error) { return GetEncoding(a[0]) }, Int32))
	getBytes := func(recv any, a []any) (any, error) {
		if a[0] == nil {
			return nil, ArgumentNull("s")
		}
		var s string
		switch x := a[0].(type) {
		case string:
			s = x
		default:
			s = strings.Join(txChars(x), "")
		}
		if len(a) == 3 {
			if err := txRange(txLen(s), txInt(a[1]), txInt(a[2]), "index", "count"); err != nil {
				return nil, err
			}
			s = txSlice(s, txInt(a[1]), txInt(a[1])+txInt(a[2]))
		}
		return txEncRecv(recv).GetBytes(s), nil
	}
	getString := func(recv any, a []any) (any, error) {
		b, ok := txBytes(a[0])
		if !ok {
			return nil, ArgumentNull("bytes")
		}
		if len(a) == 3 {
			if err := txRange(len(b), txInt(a[1]), txInt(a[2]), "index", "count"); err != nil {
				return nil, err
			}
			b = b[txInt(a[1]) : txInt(a[1])+txInt(a[2])]
		}
		return txEncRecv(recv).GetString(b), nil
	}
	e.AddMethod(
		txMethod("GetBytes", byteArrayT, getBytes, String),
		txMethod("GetBytes", byteArrayT, getBytes, charArrayT),
		txMethod("GetBytes", byteArrayT, getBytes, charArrayT, Int32, Int32),
		txMethod("GetString", String, getString, byteArrayT),
		txMethod("GetString", String, getString, byteArrayT, Int32, Int32),
		txMethod("GetChars", charArrayT, func(recv any, a []any) (any, error) {
			s, err := getString(recv, a)
			if err != nil {
				return nil, err
			}
			return txToCharArray(s.(string)), nil
		}, byteArrayT),
		txMethod("GetByteCount", Int32, func(recv any, a []any) (any, error) {
			b, err := getBytes(recv, a)
			if err != nil {
				return nil, err
			}
			return int32(len(b.([]byte))), nil
		}, String),
		txMethod("GetByteCount", Int32, func(recv any, a []any) (any, error) {
			b, err := getBytes(recv, a)
			if err != nil {
				return nil, err
			}
			return int32(len(b.([]byte))), nil
		}, charArrayT),
		txMethod("GetCharCount", Int32, func(recv any, a []any) (any, error) {
			s, err := getString(recv, a)
			if err != nil {
				return nil, err
			}
			return int32(txLen(s.(string))), nil
		}, byteArrayT),
		txMethod("GetMaxByteCount", Int32, func(recv any, a []any) (any, error) {
			n := int32(txInt(a[0])) + 1
			switch txEncRecv(recv).kind {
			case encUTF8:
				return n * 3, nil
			case encUTF16LE, encUTF16BE:
				return n * 2, nil
			case encUTF32:
				return n * 4, nil
			}
			return n, nil
		}, Int32),
		txMethod("GetPreamble", byteArrayT, func(recv any, _ []any) (any, error) {
			switch txEncRecv(recv).kind {
			case encUTF8:
				return []byte{0xEF, 0xBB, 0xBF}, nil
			case encUTF16LE:
				return []byte{0xFF, 0xFE}, nil
			case encUTF16BE:
				return []byte{0xFE, 0xFF}, nil
			case encUTF32:
				return []byte{0xFF, 0xFE, 0, 0}, nil
			}
			return []byte{}, nil
		}),
		txMethod("ToString", String, func(recv any, _ []any) (any, error) { return txEncRecv(recv).String(), nil }),
	)
	e.AddProp(
		txProp("EncodingName", String, func(recv any) (any, error) { return txEncRecv(recv).Name, nil }),
		txProp("WebName", String, func(recv any) (any, error) { return txEncRecv(recv).WebName, nil }),
		txProp("BodyName", String, func(recv any) (any, error) { return txEncRecv(recv).WebName, nil }),
		txProp("HeaderName", String, func(recv any) (any, error) { return txEncRecv(recv).WebName, nil }),
		txProp("CodePage", Int32, func(recv any) (any, error) { return txEncRecv(recv).CodePage, nil }),
		txProp("IsSingleByte", Boolean, func(recv any) (any, error) {
			k := txEncRecv(recv).kind
			return k == encASCII || k == encLatin1, nil
		}),
	)
}

// ---- StringBuilder ----

// StringBuilder is System.Text.StringBuilder, kept as UTF-16 units so that
// indexes and Length behave as in .NET.
type StringBuilder struct {
	u []uint16
}

// StringBuilderT is System.Text.StringBuilder; its values are
// *StringBuilder.
var StringBuilderT = Register(NewType("StringBuilder", "System.Text.StringBuilder", nil, reflect.TypeOf((*StringBuilder)(nil))))

// String returns the built text.
func (sb *StringBuilder) String() string { return FromUTF16(sb.u) }

// WriteString appends s. Past MaxStringLength it panics with
// OutOfMemoryException (the evaluation recovers it), as .NET throws past
// the builder's MaxCapacity.
func (sb *StringBuilder) WriteString(s string) {
	if len(sb.u)+len(s) > MaxStringLength {
		panic(StringTooLong())
	}
	if IsASCII(s) {
		for i := 0; i < len(s); i++ {
			sb.u = append(sb.u, uint16(s[i]))
		}
		return
	}
	sb.u = append(sb.u, UTF16(s)...)
}

func txSB(recv any) *StringBuilder { b, _ := recv.(*StringBuilder); return b }

// txText renders a value appended to text (numbers as their ToString()).
func txText(v any) string {
	s, err := FormatValue(v, "")
	if err != nil {
		return ToString(v)
	}
	return s
}

func init() {
	t := StringBuilderT
	newSB := func(_ any, a []any) (any, error) {
		sb := &StringBuilder{}
		if len(a) > 0 {
			if s, ok := a[0].(string); ok {
				sb.WriteString(s)
			} else if txInt(a[0]) < 0 {
				return nil, txArgOutOfRange("capacity", "'capacity' must be greater than zero.")
			}
		}
		if len(a) == 4 {
			s := txStr(a[0])
			sub, err := StringSubstring(s, txInt(a[1]), txInt(a[2]))
			if err != nil {
				return nil, err
			}
			sb = &StringBuilder{}
			sb.WriteString(sub)
		}
		return sb, nil
	}
	t.Ctors = append(t.Ctors, txMethod(".ctor", t, newSB), txMethod(".ctor", t, newSB, String),
		txMethod(".ctor", t, newSB, Int32), txMethod(".ctor", t, newSB, String, Int32),
		txMethod(".ctor", t, newSB, Int32, Int32), txMethod(".ctor", t, newSB, String, Int32, Int32, Int32))

	appendFn := func(recv any, a []any) (any, error) {
		sb := txSB(recv)
		switch len(a) {
		case 1:
			sb.WriteString(txText(a[0]))
		case 2:
			n := txInt(a[1])
			if n < 0 {
				return nil, txArgOutOfRange("repeatCount", "Count cannot be less than zero.")
			}
			if n > txMaxRepeat {
				return nil, txOOM()
			}
			sb.WriteString(strings.Repeat(txCharStr(a[0]), n))
		case 3:
			var s string
			if str, ok := a[0].(string); ok {
				s = str
			} else {
				s = strings.Join(txChars(a[0]), "")
			}
			sub, err := StringSubstring(s, txInt(a[1]), txInt(a[2]))
			if err != nil {
				return nil, err
			}
			sb.WriteString(sub)
		}
		return sb, nil
	}
	for _, at := range []*Type{String, CharT, nil, Boolean, Int32, Int64, Double, DecimalT, Single, Int16, Byte, UInt32, UInt64} {
		t.AddMethod(txMethod("Append", t, appendFn, at))
	}
	t.AddMethod(txMethod("Append", t, func(recv any, a []any) (any, error) {
		txSB(recv).WriteString(strings.Join(txChars(a[0]), ""))
		return recv, nil
	}, charArrayT))
	t.AddMethod(txMethod("Append", t, appendFn, CharT, Int32), txMethod("Append", t, appendFn, String, Int32, Int32),
		txMethod("Append", t, appendFn, charArrayT, Int32, Int32),
		txMethod("AppendLine", t, func(recv any, a []any) (any, error) {
			sb := txSB(recv)
			if len(a) > 0 {
				sb.WriteString(txStr(a[0]))
			}
			sb.WriteString(NewLine)
			return sb, nil
		}),
		txMethod("AppendLine", t, func(recv any, a []any) (any, error) {
			sb := txSB(recv)
			sb.WriteString(txStr(a[0]))
			sb.WriteString(NewLine)
			return sb, nil
		}, String),
		txParamsMethod("AppendFormat", t, func(recv any, a []any) (any, error) {
			args, _ := txParamsValues(a[1]).([]any)
			if a[0] == nil {
				return nil, ArgumentNull("format")
			}
			s, err := FormatComposite(txStr(a[0]), args...)
			if err != nil {
				return nil, err
			}
			txSB(recv).WriteString(s)
			return recv, nil
		}, Object, String),
		txParamsMethod("AppendJoin", t, func(recv any, a []any) (any, error) {
			s, err := JoinValues(txCharStr(a[0]), txParamsValues(a[1]))
			if err != nil {
				return nil, err
			}
			txSB(recv).WriteString(s)
			return recv, nil
		}, Object, String),
	)
	insert := func(recv any, a []any) (any, error) {
		sb := txSB(recv)
		i := txInt(a[0])
		if i < 0 || i > len(sb.u) {
			return nil, txArgOutOfRange("index", "Index was out of range. Must be non-negative and less than or equal to the size of the collection.")
		}
		s := txText(a[1])
		if len(a) > 2 {
			if txInt(a[2]) < 0 {
				return nil, txArgOutOfRange("count", "Non-negative number required.")
			}
			if txInt(a[2])*len(s) > txMaxRepeat {
				return nil, txOOM()
			}
			s = strings.Repeat(s, txInt(a[2]))
		}
		ins := UTF16(s)
		u := make([]uint16, 0, len(sb.u)+len(ins))
		u = append(append(append(u, sb.u[:i]...), ins...), sb.u[i:]...)
		sb.u = u
		return sb, nil
	}
	for _, at := range []*Type{String, CharT, nil, Boolean, Int32, Int64, Double, DecimalT} {
		t.AddMethod(txMethod("Insert", t, insert, Int32, at))
	}
	t.AddMethod(txMethod("Insert", t, insert, Int32, String, Int32))
	replace := func(recv any, a []any) (any, error) {
		sb := txSB(recv)
		start, end := 0, len(sb.u)
		if len(a) == 4 {
			start = txInt(a[2])
			end = start + txInt(a[3])
			if start < 0 || txInt(a[3]) < 0 || end > len(sb.u) {
				return nil, txArgOutOfRange("count", "Index was out of range. Must be non-negative and less than the size of the collection.")
			}
		}
		if a[0] == nil {
			return nil, ArgumentNull("oldValue")
		}
		old := txCharStr(a[0])
		if old == "" {
			return nil, txArgument("oldValue", "The value cannot be an empty string.")
		}
		nw := ""
		if a[1] != nil {
			nw = txCharStr(a[1])
		}
		mid := strings.ReplaceAll(FromUTF16(sb.u[start:end]), old, nw)
		u := append([]uint16(nil), sb.u[:start]...)
		u = append(u, UTF16(mid)...)
		sb.u = append(u, sb.u[end:]...)
		return sb, nil
	}
	t.AddMethod(txMethod("Replace", t, replace, String, String), txMethod("Replace", t, replace, CharT, CharT),
		txMethod("Replace", t, replace, String, String, Int32, Int32), txMethod("Replace", t, replace, CharT, CharT, Int32, Int32),
		txMethod("Remove", t, func(recv any, a []any) (any, error) {
			sb := txSB(recv)
			i, n := txInt(a[0]), txInt(a[1])
			if i < 0 || n < 0 || i+n > len(sb.u) {
				return nil, txArgOutOfRange("length", "Index was out of range. Must be non-negative and less than the size of the collection.")
			}
			sb.u = append(sb.u[:i:i], sb.u[i+n:]...)
			return sb, nil
		}, Int32, Int32),
		txMethod("Clear", t, func(recv any, _ []any) (any, error) { txSB(recv).u = nil; return recv, nil }),
		txMethod("ToString", String, func(recv any, _ []any) (any, error) { return txSB(recv).String(), nil }),
		txMethod("ToString", String, func(recv any, a []any) (any, error) {
			sb := txSB(recv)
			i, n := txInt(a[0]), txInt(a[1])
			if i < 0 || n < 0 || i+n > len(sb.u) {
				return nil, txArgOutOfRange("length", "Index and length must refer to a location within the string.")
			}
			return FromUTF16(sb.u[i : i+n]), nil
		}, Int32, Int32),
		txMethod("Equals", Boolean, func(recv any, a []any) (any, error) {
			o, ok := a[0].(*StringBuilder)
			return ok && o != nil && txSB(recv).String() == o.String(), nil
		}, t),
	)
	t.AddProp(&Prop{Name: "Length", Type: Int32,
		Get: func(recv any) (any, error) { return int32(len(txSB(recv).u)), nil },
		Set: func(recv any, v any) error {
			sb, n := txSB(recv), txInt(v)
			if n < 0 {
				return txArgOutOfRange("value", "Length cannot be less than zero.")
			}
			if n > txMaxRepeat {
				return txOOM()
			}
			for len(sb.u) < n {
				sb.u = append(sb.u, 0)
			}
			sb.u = sb.u[:n]
			return nil
		}},
		&Prop{Name: "Capacity", Type: Int32, Get: func(recv any) (any, error) { return int32(max(16, cap(txSB(recv).u))), nil },
			Set: func(any, any) error { return nil }},
		txProp("MaxCapacity", Int32, func(any) (any, error) { return int32(2147483647), nil }),
	)
	t.Indexers = append(t.Indexers, txMethod("get_Chars", CharT, func(recv any, a []any) (any, error) {
		sb, i := txSB(recv), txInt(a[0])
		if i < 0 || i >= len(sb.u) {
			return nil, txArgOutOfRange("index", "Index was out of range. Must be non-negative and less than the size of the collection.")
		}
		return Char(sb.u[i]), nil
	}, Int32))
}

// ---- Char ----

// txCharOf returns the char argument, or the char at a[1] of the string a[0].
func txCharOf(a []any) (rune, error) {
	if len(a) == 2 {
		c, err := StringIndex(txStr(a[0]), txInt(a[1]))
		if err != nil {
			return 0, txArgOutOfRange("index", "Index was out of range. Must be non-negative and less than the size of the collection.")
		}
		return rune(c), nil
	}
	c, _ := a[0].(Char)
	return rune(c), nil
}

func txIsSurrogate(r rune) bool { return r >= 0xD800 && r < 0xE000 }

func init() {
	c := CharT
	c.AddStaticProp(txConst("MaxValue", c, Char(0xFFFF)), txConst("MinValue", c, Char(0)))
	pred := func(name string, f func(r rune) bool) {
		fn := func(_ any, a []any) (any, error) {
			r, err := txCharOf(a)
			if err != nil {
				return nil, err
			}
			return f(r), nil
		}
		c.AddStatic(txMethod(name, Boolean, fn, CharT), txMethod(name, Boolean, fn, String, Int32))
	}
	pred("IsDigit", func(r rune) bool { return !txIsSurrogate(r) && unicode.IsDigit(r) })
	pred("IsNumber", func(r rune) bool { return !txIsSurrogate(r) && unicode.IsNumber(r) })
	pred("IsLetter", func(r rune) bool { return !txIsSurrogate(r) && unicode.IsLetter(r) })
	pred("IsLetterOrDigit", func(r rune) bool { return !txIsSurrogate(r) && (unicode.IsLetter(r) || unicode.IsDigit(r)) })
	pred("IsWhiteSpace", IsWhiteSpaceRune)
	pred("IsUpper", func(r rune) bool { return !txIsSurrogate(r) && unicode.IsUpper(r) })
	pred("IsLower", func(r rune) bool { return !txIsSurrogate(r) && unicode.IsLower(r) })
	pred("IsPunctuation", func(r rune) bool { return !txIsSurrogate(r) && unicode.IsPunct(r) })
	pred("IsSymbol", func(r rune) bool { return !txIsSurrogate(r) && unicode.IsSymbol(r) })
	pred("IsSeparator", func(r rune) bool { return !txIsSurrogate(r) && unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp) })
	pred("IsControl", func(r rune) bool { return unicode.IsControl(r) })
	pred("IsSurrogate", txIsSurrogate)
	pred("IsHighSurrogate", func(r rune) bool { return r >= 0xD800 && r < 0xDC00 })
	pred("IsLowSurrogate", func(r rune) bool { return r >= 0xDC00 && r < 0xE000 })
	pred("IsAscii", func(r rune) bool { return r < 0x80 })
	pred("IsAsciiDigit", func(r rune) bool { return r >= '0' && r <= '9' })
	pred("IsAsciiLetter", func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' })
	pred("IsAsciiHexDigit", func(r rune) bool { return r < 0x80 && txIsHex(byte(r)) })
	mapc := func(name string, f func(rune) rune) {
		c.AddStatic(txMethod(name, CharT, func(_ any, a []any) (any, error) {
			r, _ := a[0].(Char)
			if txIsSurrogate(rune(r)) {
				return r, nil
			}
			m := f(rune(r))
			if m > 0xFFFF {
				return r, nil
			}
			return Char(m), nil
		}, CharT))
	}
	mapc("ToUpper", unicode.ToUpper)
	mapc("ToLower", unicode.ToLower)
	mapc("ToUpperInvariant", unicode.ToUpper)
	mapc("ToLowerInvariant", unicode.ToLower)
	c.AddStatic(
		txMethod("ToString", String, func(_ any, a []any) (any, error) { return ToString(a[0]), nil }, CharT),
		txMethod("Parse", CharT, func(_ any, a []any) (any, error) {
			if a[0] == nil {
				return nil, ArgumentNull("s")
			}
			u := UTF16(txStr(a[0]))
			if len(u) != 1 {
				return nil, FormatError("String must be exactly one character long.")
			}
			return Char(u[0]), nil
		}, String),
		txOutMethod("TryParse", Boolean, CharT, func(_ any, a []any) (any, error) {
			u := UTF16(txStr(a[0]))
			if a[0] == nil || len(u) != 1 {
				txSetOut(a[1], Char(0))
				return false, nil
			}
			txSetOut(a[1], Char(u[0]))
			return true, nil
		}, String),
		txMethod("GetNumericValue", Double, func(_ any, a []any) (any, error) {
			r, err := txCharOf(a)
			if err != nil {
				return nil, err
			}
			if r >= '0' && r <= '9' {
				return float64(r - '0'), nil
			}
			if unicode.IsDigit(r) {
				// Decimal digits of other scripts are contiguous from their zero.
				for z := r; z >= r-9; z-- {
					if !unicode.IsDigit(z - 1) {
						return float64(r - z), nil
					}
				}
			}
			return -1.0, nil
		}, CharT),
		txMethod("ConvertFromUtf32", String, func(_ any, a []any) (any, error) {
			n := txInt(a[0])
			if n < 0 || n > 0x10FFFF || txIsSurrogate(rune(n)) {
				return nil, txArgOutOfRange("utf32", "A valid UTF32 value is between 0x000000 and 0x10ffff, inclusive, and should not include surrogate codepoint values (0x00d800 ~ 0x00dfff).")
			}
			return string(rune(n)), nil
		}, Int32),
		txMethod("ConvertToUtf32", Int32, func(_ any, a []any) (any, error) {
			u := UTF16(txStr(a[0]))
			i := txInt(a[1])
			if i < 0 || i >= len(u) {
				return nil, txArgOutOfRange("index", "Index was out of range. Must be non-negative and less than the size of the collection.")
			}
			if u[i] >= 0xD800 && u[i] < 0xDC00 && i+1 < len(u) {
				return int32(0x10000 + (rune(u[i])-0xD800)<<10 + rune(u[i+1]) - 0xDC00), nil
			}
			return int32(u[i]), nil
		}, String, Int32),
	)
	cr := func(recv any) Char { ch, _ := recv.(Char); return ch }
	c.AddMethod(
		txMethod("ToString", String, func(recv any, _ []any) (any, error) { return ToString(cr(recv)), nil }),
		txMethod("CompareTo", Int32, func(recv any, a []any) (any, error) {
			o, ok := a[0].(Char)
			if !ok {
				if a[0] == nil {
					return int32(1), nil
				}
				return nil, txArgument("value", "Object must be of type Char.")
			}
			return int32(cr(recv)) - int32(o), nil
		}, nil),
		txMethod("CompareTo", Int32, func(recv any, a []any) (any, error) { return int32(cr(recv)) - int32(txInt(a[0])), nil }, CharT),
		txMethod("Equals", Boolean, func(recv any, a []any) (any, error) {
			o, ok := a[0].(Char)
			return ok && o == cr(recv), nil
		}, nil),
		txMethod("GetHashCode", Int32, func(recv any, _ []any) (any, error) { return int32(cr(recv)) | int32(cr(recv))<<16, nil }),
	)
}
