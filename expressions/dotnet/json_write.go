package dotnet

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// JSONFormatting is Newtonsoft.Json.Formatting.
type JSONFormatting int

// Formatting values.
const (
	FormattingNone JSONFormatting = iota
	FormattingIndented
)

// String returns the enum member's name.
func (f JSONFormatting) String() string {
	switch f {
	case FormattingNone:
		return "None"
	case FormattingIndented:
		return "Indented"
	}
	return strconv.Itoa(int(f))
}

// String returns the object as indented JSON (JObject.ToString()).
func (o *JObject) String() string { return jsonCapped(o) }

// String returns the array as indented JSON (JArray.ToString()).
func (a *JArray) String() string { return jsonCapped(a) }

// String returns `"name": value` with the value indented (JProperty.ToString()).
func (p *JProperty) String() string { return jsonCapped(p) }

// String is JValue.ToString(): the raw value, not JSON ("" for null, a
// string without quotes, "True" for true).
func (v *JValue) String() string {
	switch v.typ {
	case JTokenNull, JTokenUndefined:
		return ""
	case JTokenString, JTokenComment, JTokenRaw:
		s, _ := v.v.(string)
		return s
	case JTokenBoolean:
		return ToString(v.v)
	case JTokenDate, JTokenGuid, JTokenTimeSpan:
		if s, ok := v.v.(interface{ String() string }); ok {
			return s.String()
		}
	case JTokenBytes:
		return "System.Byte[]"
	}
	return jsonInvariantString(v.v)
}

// JSONString writes a token as Newtonsoft's JToken.ToString(formatting)
// does: two-space indentation and `"a": 1` when indented, compact otherwise.
func JSONString(t JToken, f JSONFormatting) string {
	w := jsonWriter{indent: f == FormattingIndented}
	w.token(t, 0)
	return w.b.String()
}

// jsonCapped is ToString() of a container: indented, and past
// MaxStringLength a panic with OutOfMemoryException (the evaluation recovers
// it).
func jsonCapped(t JToken) string {
	s, err := JSONStringErr(t, FormattingIndented)
	if err != nil {
		panic(err)
	}
	return s
}

// JSONStringErr is JSONString for expressions: past MaxStringLength it
// stops with OutOfMemoryException.
func JSONStringErr(t JToken, f JSONFormatting) (out string, err error) {
	w := jsonWriter{indent: f == FormattingIndented, limit: MaxStringLength}
	defer func() {
		if r := recover(); r != nil {
			ex, ok := r.(*Exception)
			if !ok || ex.Type != "System.OutOfMemoryException" {
				panic(r)
			}
			out, err = "", ex
		}
	}()
	w.token(t, 0)
	if w.b.Len() > w.limit {
		return "", StringTooLong()
	}
	return w.b.String(), nil
}

type jsonWriter struct {
	b      strings.Builder
	indent bool
	limit  int // > 0: panic with OutOfMemoryException past it
}

func (w *jsonWriter) newline(depth int) {
	if !w.indent {
		return
	}
	w.b.WriteString(JSONNewLine)
	for range depth {
		w.b.WriteString("  ")
	}
}

func (w *jsonWriter) token(t JToken, depth int) {
	if w.limit > 0 && w.b.Len() > w.limit {
		panic(StringTooLong())
	}
	switch x := t.(type) {
	case nil:
		w.b.WriteString("null")
	case *JObject:
		if len(x.props) == 0 {
			w.b.WriteString("{}")
			return
		}
		w.b.WriteByte('{')
		for i, p := range x.props {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.newline(depth + 1)
			w.token(p, depth+1)
		}
		w.newline(depth)
		w.b.WriteByte('}')
	case *JArray:
		if len(x.items) == 0 {
			w.b.WriteString("[]")
			return
		}
		w.b.WriteByte('[')
		for i, it := range x.items {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.newline(depth + 1)
			w.token(it, depth+1)
		}
		w.newline(depth)
		w.b.WriteByte(']')
	case *JProperty:
		jsonQuote(&w.b, x.name)
		w.b.WriteByte(':')
		if w.indent {
			w.b.WriteByte(' ')
		}
		w.token(x.value, depth)
	case *JRaw:
		s, _ := x.v.(string)
		w.b.WriteString(s)
	case *JValue:
		jsonWriteValue(&w.b, x.typ, x.v)
	}
}

// jsonWriteValue writes a primitive payload as JSON.
func jsonWriteValue(b *strings.Builder, typ JTokenType, v any) {
	switch typ {
	case JTokenNull:
		b.WriteString("null")
		return
	case JTokenUndefined:
		b.WriteString("undefined")
		return
	case JTokenComment:
		s, _ := v.(string)
		b.WriteString("/*" + s + "*/")
		return
	case JTokenRaw:
		s, _ := v.(string)
		b.WriteString(s)
		return
	}
	switch x := v.(type) {
	case string:
		jsonQuote(b, x)
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case *big.Int:
		b.WriteString(x.String())
	case float64:
		b.WriteString(jsonFloatText(x, 64))
	case float32:
		b.WriteString(jsonFloatText(float64(x), 32))
	case Decimal:
		b.WriteString(jsonEnsureDecimal(jsonDecimalText(x)))
	case DateTime:
		b.WriteString(`"` + jsonISODate(x) + `"`)
	case DateTimeOffset:
		b.WriteString(`"` + jsonISOOffset(x) + `"`)
	case Guid:
		b.WriteString(`"` + jsonGuidText(x) + `"`)
	case TimeSpan:
		b.WriteString(`"` + jsonTimeSpanText(x) + `"`)
	case []byte:
		b.WriteString(`"` + base64.StdEncoding.EncodeToString(x) + `"`)
	case nil:
		b.WriteString("null")
	default:
		jsonQuote(b, ToString(x))
	}
}

// jsonFloatText is JsonConvert.ToString(double): round-trip digits with a
// ".0" kept on integral values; NaN and infinities as quoted strings.
func jsonFloatText(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return `"NaN"`
	case math.IsInf(f, 1):
		return `"Infinity"`
	case math.IsInf(f, -1):
		return `"-Infinity"`
	}
	return jsonEnsureDecimal(FormatDouble(f, bits))
}

func jsonEnsureDecimal(s string) string {
	if strings.ContainsAny(s, ".eE") {
		return s
	}
	return s + ".0"
}

// jsonDecimalText is decimal.ToString(InvariantCulture): the scale is kept.
func jsonDecimalText(d Decimal) string {
	if e := d.D.Exponent(); e < 0 {
		return d.D.StringFixed(-e)
	}
	return d.D.String()
}

// jsonQuote writes s as a double-quoted JSON string, escaped as Newtonsoft's
// default StringEscapeHandling does (non-ASCII kept, < and > kept).
func jsonQuote(b *strings.Builder, s string) {
	b.WriteByte('"')
	jsonEscapeTo(b, s, '"')
	b.WriteByte('"')
}

func jsonEscapeTo(b *strings.Builder, s string, quote byte) {
	const hexd = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '\\' && c != quote && c < 0x80 {
			i++
			continue
		}
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != 0x85 && r != 0x2028 && r != 0x2029 {
				i += size
				continue
			}
			b.WriteString(s[start:i])
			b.WriteString(`\u` + strconv.FormatInt(int64(0x10000+r), 16)[1:])
			i += size
			start = i
			continue
		}
		b.WriteString(s[start:i])
		switch c {
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if c == quote {
				b.WriteByte('\\')
				b.WriteByte(c)
			} else {
				b.WriteString(`\u00`)
				b.WriteByte(hexd[c>>4])
				b.WriteByte(hexd[c&0xF])
			}
		}
		i++
		start = i
	}
	b.WriteString(s[start:])
}

// jsonFraction renders the 100 ns fraction of t like "FFFFFFF" (trailing
// zeros trimmed, nothing when zero).
func jsonFraction(t time.Time) string {
	ticks := t.Nanosecond() / 100
	if ticks == 0 {
		return ""
	}
	s := strconv.Itoa(ticks + 10_000_000)[1:]
	return "." + strings.TrimRight(s, "0")
}

// jsonISODate is Newtonsoft's ISO form of a DateTime with
// DateTimeZoneHandling.RoundtripKind: "Z" for UTC, the offset for Local,
// nothing for Unspecified.
func jsonISODate(d DateTime) string {
	s := d.T.Format("2006-01-02T15:04:05") + jsonFraction(d.T)
	switch d.Kind {
	case KindUtc:
		s += "Z"
	case KindLocal:
		s += d.T.Format("-07:00")
	}
	return s
}

func jsonISOOffset(d DateTimeOffset) string {
	return d.T.Format("2006-01-02T15:04:05") + jsonFraction(d.T) + d.T.Format("-07:00")
}

// jsonGuidText is Guid.ToString("D").
func jsonGuidText(g Guid) string {
	h := hex.EncodeToString(g[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// jsonTimeSpanText is TimeSpan.ToString() ("c"): [-][d.]hh:mm:ss[.fffffff].
func jsonTimeSpanText(ts TimeSpan) string {
	var b strings.Builder
	t := int64(ts)
	if t < 0 {
		b.WriteByte('-')
	}
	u := uint64(t)
	if t < 0 {
		u = uint64(-t)
	}
	tpd, tph, tpm, tps := uint64(TicksPerDay), uint64(TicksPerHour), uint64(TicksPerMinute), uint64(TicksPerSecond)
	if d := u / tpd; d > 0 {
		b.WriteString(strconv.FormatUint(d, 10) + ".")
	}
	two := func(n uint64) string { return strconv.FormatUint(n+100, 10)[1:] }
	b.WriteString(two(u%tpd/tph) + ":" + two(u%tph/tpm) + ":" + two(u%tpm/tps))
	if f := u % tps; f > 0 {
		b.WriteString("." + strconv.FormatUint(f+tps, 10)[1:])
	}
	return b.String()
}

// jsonInvariantString is Convert.ToString(value, InvariantCulture) for a
// JValue payload.
func jsonInvariantString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case *big.Int:
		return x.String()
	case Decimal:
		return jsonDecimalText(x)
	case DateTime:
		return x.T.Format("01/02/2006 15:04:05")
	case DateTimeOffset:
		return x.T.Format("01/02/2006 15:04:05 -07:00")
	case Guid:
		return jsonGuidText(x)
	case TimeSpan:
		return jsonTimeSpanText(x)
	case []byte:
		return "System.Byte[]"
	case float64:
		if math.IsInf(x, 1) {
			return "Infinity"
		} else if math.IsInf(x, -1) {
			return "-Infinity"
		}
	}
	return ToString(v)
}
