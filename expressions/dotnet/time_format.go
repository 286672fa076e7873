package dotnet

import (
	"strconv"
	"strings"
	"time"
)

// tmStamp is what the DateTime formatter needs: the clock reading in ticks,
// the kind, and for DateTimeOffset its offset.
type tmStamp struct {
	ticks  int64
	kind   DateTimeKind
	dto    bool
	offset time.Duration // DateTimeOffset only
}

func tmBadFormat() *Exception {
	return FormatError("Input string was not in a correct format.")
}

// tmStandard expands a one-letter standard format to its invariant-culture
// custom pattern; toUTC asks for the value to be converted to UTC first.
func tmStandard(c byte, dto bool) (pat string, toUTC bool, err error) {
	switch c {
	case 'd':
		return "MM/dd/yyyy", false, nil
	case 'D':
		return "dddd, dd MMMM yyyy", false, nil
	case 'f':
		return "dddd, dd MMMM yyyy HH:mm", false, nil
	case 'F':
		return "dddd, dd MMMM yyyy HH:mm:ss", false, nil
	case 'g':
		return "MM/dd/yyyy HH:mm", false, nil
	case 'G':
		return "MM/dd/yyyy HH:mm:ss", false, nil
	case 'm', 'M':
		return "MMMM dd", false, nil
	case 'o', 'O':
		if dto {
			return "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffzzz", false, nil
		}
		return "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK", false, nil
	case 'r', 'R':
		return "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'", dto, nil
	case 's':
		return "yyyy'-'MM'-'dd'T'HH':'mm':'ss", false, nil
	case 't':
		return "HH:mm", false, nil
	case 'T':
		return "HH:mm:ss", false, nil
	case 'u':
		return "yyyy'-'MM'-'dd HH':'mm':'ss'Z'", dto, nil
	case 'U':
		if dto {
			return "", false, tmBadFormat()
		}
		return "dddd, dd MMMM yyyy HH:mm:ss", true, nil
	case 'y', 'Y':
		return "yyyy MMMM", false, nil
	}
	return "", false, tmBadFormat()
}

func tmRepeat(f string, i int) int {
	n := 1
	for i+n < len(f) && f[i+n] == f[i] {
		n++
	}
	return n
}

func tmPad(b *strings.Builder, v int64, n int) {
	s := strconv.FormatInt(v, 10)
	for i := len(s); i < n; i++ {
		b.WriteByte('0')
	}
	b.WriteString(s)
}

// tmQuoted reads a quoted literal starting at f[i] (the quote) and returns it
// and the index after the closing quote.
func tmQuoted(f string, i int) (string, int, error) {
	q := f[i]
	var b strings.Builder
	for j := i + 1; j < len(f); j++ {
		switch c := f[j]; {
		case c == q:
			return b.String(), j + 1, nil
		case c == '\\' && j+1 < len(f):
			j++
			b.WriteByte(f[j])
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, FormatError("Cannot find a matching quote character for the character '" + string(q) + "'.")
}

func tmFormat(st tmStamp, f string) (string, error) {
	if f == "" {
		f = "G"
		if st.dto {
			f = "MM/dd/yyyy HH:mm:ss zzz"
		}
	}
	if len(f) == 1 {
		pat, toUTC, err := tmStandard(f[0], st.dto)
		if err != nil {
			return "", err
		}
		if toUTC {
			if st.dto {
				st.ticks -= int64(st.offset / 100)
				st.offset = 0
			} else {
				st.kind = KindUtc
			}
		}
		f = pat
	}
	return tmFormatCustom(st, f)
}

func tmFormatCustom(st tmStamp, f string) (string, error) {
	t := DateTimeFromTicks(st.ticks, KindUnspecified).T
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	frac := st.ticks % tmTicksPerSec
	var b strings.Builder
	for i := 0; i < len(f); {
		c := f[i]
		n := tmRepeat(f, i)
		switch c {
		case 'g':
			b.WriteString("A.D.")
		case 'h':
			h12 := h % 12
			if h12 == 0 {
				h12 = 12
			}
			tmPad(&b, int64(h12), min(n, 2))
		case 'H':
			tmPad(&b, int64(h), min(n, 2))
		case 'm':
			tmPad(&b, int64(mi), min(n, 2))
		case 's':
			tmPad(&b, int64(s), min(n, 2))
		case 'f', 'F':
			ds, err := tmFracDigits(frac, n, c == 'F')
			if err != nil {
				return "", err
			}
			if ds == "" {
				if out := b.String(); strings.HasSuffix(out, ".") {
					b.Reset()
					b.WriteString(out[:len(out)-1])
				}
			}
			b.WriteString(ds)
		case 't':
			ap := "AM"
			if h >= 12 {
				ap = "PM"
			}
			if n == 1 {
				ap = ap[:1]
			}
			b.WriteString(ap)
		case 'd':
			switch n {
			case 1, 2:
				tmPad(&b, int64(d), n)
			case 3:
				b.WriteString(tmDayNames[t.Weekday()][:3])
			default:
				b.WriteString(tmDayNames[t.Weekday()])
			}
		case 'M':
			switch n {
			case 1, 2:
				tmPad(&b, int64(mo), n)
			case 3:
				b.WriteString(tmMonthNames[mo-1][:3])
			default:
				b.WriteString(tmMonthNames[mo-1])
			}
		case 'y':
			if n <= 2 {
				tmPad(&b, int64(y%100), n)
			} else {
				tmPad(&b, int64(y), n)
			}
		case 'z':
			off := st.offset // a DateTime's local zone is UTC
			sign := byte('+')
			if off < 0 {
				sign, off = '-', -off
			}
			b.WriteByte(sign)
			oh, om := int64(off/time.Hour), int64(off%time.Hour/time.Minute)
			switch n {
			case 1:
				tmPad(&b, oh, 1)
			case 2:
				tmPad(&b, oh, 2)
			default:
				tmPad(&b, oh, 2)
				b.WriteByte(':')
				tmPad(&b, om, 2)
			}
		case 'K':
			n = 1
			switch {
			case st.dto:
				off := st.offset
				sign := byte('+')
				if off < 0 {
					sign, off = '-', -off
				}
				b.WriteByte(sign)
				tmPad(&b, int64(off/time.Hour), 2)
				b.WriteByte(':')
				tmPad(&b, int64(off%time.Hour/time.Minute), 2)
			case st.kind == KindUtc:
				b.WriteByte('Z')
			case st.kind == KindLocal:
				b.WriteString("+00:00")
			}
		case ':', '/':
			n = 1
			b.WriteByte(c)
		case '\'', '"':
			lit, next, err := tmQuoted(f, i)
			if err != nil {
				return "", err
			}
			b.WriteString(lit)
			i = next
			continue
		case '%':
			if i+1 >= len(f) || f[i+1] == '%' {
				return "", tmBadFormat()
			}
			// "%d" is the custom specifier d on its own.
			sub, err := tmFormatCustom(st, f[i+1:i+2])
			if err != nil {
				return "", err
			}
			b.WriteString(sub)
			i += 2
			continue
		case '\\':
			if i+1 >= len(f) {
				return "", tmBadFormat()
			}
			b.WriteByte(f[i+1])
			i += 2
			continue
		default:
			n = 1
			b.WriteByte(c)
		}
		i += n
	}
	return b.String(), nil
}

// ---- parsing ----

// tmParsed collects the fields a format matched.
type tmParsed struct {
	y, mo, d, h, mi, s int
	frac               int64 // ticks
	hasY, hasMo, hasD  bool
	pm, hasAMPM        bool
	dow                int // -1 unless a day name was read
	zone               bool
	utcZ               bool // the zone was "Z" (for RoundtripKind)
	offset             time.Duration
	exact              bool // ParseExact: a quoted 'GMT' is only text
}

// tmParseExact matches s against one custom format (standard formats are
// expanded by the caller). It reports whether the whole of s matched.
func tmParseExact(s, f string, r *tmParsed) bool {
	i := 0
	digits := func(minN, maxN int) (int, bool) {
		v, n := 0, 0
		for i < len(s) && n < maxN && s[i] >= '0' && s[i] <= '9' {
			v = v*10 + int(s[i]-'0')
			i++
			n++
		}
		return v, n >= minN
	}
	word := func(names []string, abbrev bool) (int, bool) {
		for k, nm := range names {
			if abbrev {
				nm = nm[:3]
			}
			if len(s)-i >= len(nm) && strings.EqualFold(s[i:i+len(nm)], nm) {
				i += len(nm)
				return k, true
			}
		}
		return 0, false
	}
	zone := func(allowZ bool, needMinutes bool) bool {
		if i >= len(s) {
			return !needMinutes && allowZ
		}
		if allowZ && (s[i] == 'Z' || s[i] == 'z') {
			i++
			r.zone, r.utcZ = true, true
			return true
		}
		if s[i] != '+' && s[i] != '-' {
			return allowZ
		}
		neg := s[i] == '-'
		i++
		oh, ok := digits(1, 2)
		if !ok {
			return false
		}
		om := 0
		if i < len(s) && s[i] == ':' {
			i++
			if om, ok = digits(2, 2); !ok {
				return false
			}
		} else if i+1 < len(s) && s[i] >= '0' && s[i] <= '9' {
			if om, ok = digits(2, 2); !ok {
				return false
			}
		}
		if oh > 14 || om > 59 {
			return false
		}
		off := time.Duration(oh)*time.Hour + time.Duration(om)*time.Minute
		if neg {
			off = -off
		}
		r.zone, r.offset = true, off
		return true
	}
	for j := 0; j < len(f); {
		c := f[j]
		n := tmRepeat(f, j)
		ok := true
		switch c {
		case 'd':
			switch n {
			case 1, 2:
				r.d, ok = digits(n, 2)
				r.hasD = true
			default:
				r.dow, ok = word(tmDayNames[:], n == 3)
			}
		case 'M':
			switch n {
			case 1, 2:
				r.mo, ok = digits(n, 2)
			default:
				var m int
				m, ok = word(tmMonthNames[:], n == 3)
				r.mo = m + 1
			}
			r.hasMo = true
		case 'y':
			if n <= 2 {
				var v int
				v, ok = digits(n, 2)
				if v < 50 {
					v += 2000
				} else if v < 100 {
					v += 1900
				}
				r.y = v
			} else {
				r.y, ok = digits(n, max(n, 4))
			}
			r.hasY = true
		case 'h', 'H':
			r.h, ok = digits(min(n, 2), 2)
		case 'm':
			r.mi, ok = digits(min(n, 2), 2)
		case 's':
			r.s, ok = digits(min(n, 2), 2)
		case 'f', 'F':
			if n > 7 {
				return false
			}
			start := i
			minN := n
			if c == 'F' {
				minN = 0
			}
			var v int
			v, ok = digits(minN, n)
			for k := i - start; k < 7; k++ {
				v *= 10
			}
			r.frac = int64(v)
		case 't':
			if i < len(s) && (s[i] == 'A' || s[i] == 'a' || s[i] == 'P' || s[i] == 'p') {
				r.pm, r.hasAMPM = s[i] == 'P' || s[i] == 'p', true
				i++
				if n > 1 {
					ok = i < len(s) && (s[i] == 'M' || s[i] == 'm')
					i++
				}
			} else {
				ok = false
			}
		case 'z':
			ok = zone(false, n >= 3) && r.zone
		case 'K':
			n = 1
			ok = zone(true, false)
		case 'Z':
			// .NET's parser reads an unquoted Z as the UTC designator.
			n = 1
			ok = i < len(s) && s[i] == 'Z' && zone(true, false)
		case '\'', '"':
			lit, next, err := tmQuoted(f, j)
			if err != nil {
				return false
			}
			if !strings.HasPrefix(s[i:], lit) {
				return false
			}
			if lit == "GMT" && !r.exact {
				r.zone, r.utcZ = true, true // DateTime.Parse reads GMT as UTC
			}
			i += len(lit)
			j = next
			continue
		case '%':
			j++
			continue
		case '\\':
			if j+1 >= len(f) || i >= len(s) || s[i] != f[j+1] {
				return false
			}
			i++
			j += 2
			continue
		case '.':
			n = 1
			if i < len(s) && s[i] == '.' {
				i++
			} else if j+1 < len(f) && f[j+1] == 'F' {
				// ".FFF" matches nothing at all when there is no fraction.
				j++
				for j < len(f) && f[j] == 'F' {
					j++
				}
				continue
			} else {
				return false
			}
		default:
			n = 1
			if i >= len(s) || s[i] != c {
				return false
			}
			i++
		}
		if !ok {
			return false
		}
		j += n
	}
	return i == len(s)
}

// tmResolve turns parsed fields into a DateTime with .NET's kind rules.
func tmResolve(r *tmParsed, styles DateTimeStyles) (DateTime, bool) {
	now := tmNowUTC()
	if !r.hasY && !r.hasMo && !r.hasD {
		if styles&StylesNoCurrentDateDefault != 0 {
			r.y, r.mo, r.d = 1, 1, 1
		} else {
			r.y, r.mo, r.d = now.Year(), int(now.Month()), now.Day()
		}
	} else {
		if !r.hasY {
			r.y = now.Year()
		}
		if !r.hasMo {
			r.mo = 1
		}
		if !r.hasD {
			r.d = 1
		}
	}
	if r.hasAMPM {
		if r.h > 12 {
			return DateTime{}, false
		}
		if r.h == 12 {
			r.h = 0
		}
		if r.pm {
			r.h += 12
		}
	}
	d, err := NewDateTime(r.y, r.mo, r.d, r.h, r.mi, r.s, 0, KindUnspecified)
	if err != nil {
		return DateTime{}, false
	}
	d = DateTimeFromTicks(d.Ticks()+r.frac, KindUnspecified)
	if r.dow >= 0 && int(d.T.Weekday()) != r.dow {
		return DateTime{}, false
	}
	if !r.zone {
		switch {
		case styles&StylesAssumeUniversal != 0:
			r.zone, r.utcZ = true, true
		case styles&StylesAssumeLocal != 0:
			d.Kind = KindLocal
			if styles&StylesAdjustToUniversal != 0 {
				d.Kind = KindUtc
			}
			return d, true
		default:
			return d, true
		}
	}
	n := d.Ticks() - int64(r.offset/100)
	if n < 0 || n > tmMaxTicks {
		return DateTime{}, false
	}
	k := KindLocal
	if styles&StylesAdjustToUniversal != 0 || (styles&StylesRoundtripKind != 0 && r.utcZ) {
		k = KindUtc
	}
	return DateTimeFromTicks(n, k), true
}

// tmParseFormats are tried in order by DateTime.Parse, after the input's
// white space is trimmed and collapsed.
var tmParseFormats = []string{
	"yyyy-MM-ddTHH:mm:ss.FFFFFFFK", "yyyy-MM-ddTHH:mmK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mmK",
	"yyyy-MM-ddK", "yyyy-MM", "yyyyMMddTHHmmss.FFFFFFFK",
	"ddd, d MMM yyyy H:mm:ss 'GMT'", "ddd, d MMM yyyy H:mm:ss zzz", "ddd, d MMM yyyy H:mm:ss",
	"d MMM yyyy H:mm:ss 'GMT'", "d MMM yyyy H:mm:ss zzz",
	"dddd, d MMMM yyyy H:mm:ss", "dddd, d MMMM yyyy H:mm", "dddd, d MMMM yyyy",
	"M/d/yyyy H:mm:ss.FFFFFFFK", "M/d/yyyy H:mmK", "M/d/yyyy h:mm:ss tt", "M/d/yyyy h:mm tt", "M/d/yyyy",
	"M/d/yy", "M-d-yyyy H:mm:ss", "M-d-yyyy", "yyyy/M/d H:mm:ss.FFFFFFFK", "yyyy/M/d H:mmK", "yyyy/M/d",
	"yyyy.M.d", "d MMM yyyy H:mm:ss", "d MMM yyyy H:mm", "d MMM yyyy", "d MMMM yyyy H:mm:ss", "d MMMM yyyy",
	"MMM d, yyyy H:mm:ss", "MMM d, yyyy", "MMMM d, yyyy H:mm:ss", "MMMM d, yyyy", "MMMM d yyyy", "MMM d yyyy",
	"MMMM yyyy", "MMMM d", "MMM d", "H:mm:ss.FFFFFFFK", "H:mmK", "h:mm:ss tt", "h:mm tt",
	"ddd MMM d H:mm:ss yyyy",
}

func tmCollapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// ParseDateTime parses s as DateTime.Parse does with the invariant culture:
// ISO 8601, RFC 1123, "MM/dd/yyyy HH:mm:ss" and the other common shapes.
// A zone designator converts the value to local time (Kind Local; the local
// zone is UTC).
func ParseDateTime(s string) (DateTime, error) {
	if d, ok := tmTryParse(s, StylesNone); ok {
		return d, nil
	}
	return DateTime{}, FormatError("String '" + s + "' was not recognized as a valid DateTime.")
}

// tmTrimFraction drops fraction digits past the seventh: DateTime.Parse
// accepts them and keeps 100 ns resolution.
func tmTrimFraction(s string) string {
	dot := strings.IndexByte(s, '.')
	for dot >= 0 {
		j := dot + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j-dot-1 > 7 {
			s = s[:dot+8] + s[j:]
		}
		next := strings.IndexByte(s[dot+1:], '.')
		if next < 0 {
			break
		}
		dot += 1 + next
	}
	return s
}

func tmTryParse(s string, styles DateTimeStyles) (DateTime, bool) {
	in := tmTrimFraction(tmCollapseSpace(s))
	if in == "" {
		return DateTime{}, false
	}
	for _, f := range tmParseFormats {
		r := tmParsed{dow: -1}
		if tmParseExact(in, f, &r) {
			if d, ok := tmResolve(&r, styles); ok {
				return d, true
			}
		}
	}
	return DateTime{}, false
}

// ParseDateTimeExact parses s as DateTime.ParseExact does with the invariant
// culture: format is a standard or custom format.
func ParseDateTimeExact(s string, formats []string, styles DateTimeStyles) (DateTime, error) {
	if d, ok := tmTryParseExact(s, formats, styles); ok {
		return d, nil
	}
	return DateTime{}, FormatError("String '" + s + "' was not recognized as a valid DateTime.")
}

func tmTryParseExact(s string, formats []string, styles DateTimeStyles) (DateTime, bool) {
	in := s
	if styles&StylesAllowLeadingWhite != 0 {
		in = strings.TrimLeft(in, " \t\r\n")
	}
	if styles&StylesAllowTrailingWhite != 0 {
		in = strings.TrimRight(in, " \t\r\n")
	}
	for _, f := range formats {
		if len(f) == 1 {
			pat, _, err := tmStandard(f[0], false)
			if err != nil {
				continue
			}
			f = pat
		}
		if f == "" {
			continue
		}
		r := tmParsed{dow: -1, exact: true}
		if tmParseExact(in, f, &r) {
			if d, ok := tmResolve(&r, styles); ok {
				return d, true
			}
		}
	}
	return DateTime{}, false
}

func tmFormats(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, _ := StringArg(e)
			out = append(out, s)
		}
		return out
	}
	return nil
}

func tmRegisterParse(t *Type) {
	nullCheck := func(v any, p string) (string, error) {
		s, ok := StringArg(v)
		if !ok {
			return "", ArgumentNull(p)
		}
		return s, nil
	}
	parse := func(_ any, a []any) (any, error) {
		s, err := nullCheck(a[0], "s")
		if err != nil {
			return nil, err
		}
		return ParseDateTime(s)
	}
	parseStyles := func(_ any, a []any) (any, error) {
		s, err := nullCheck(a[0], "s")
		if err != nil {
			return nil, err
		}
		if d, ok := tmTryParse(s, DateTimeStyles(IntArg(a[2]))); ok {
			return d, nil
		}
		return nil, FormatError("String '" + s + "' was not recognized as a valid DateTime.")
	}
	tryParse := func(_ any, a []any) (any, error) {
		s, ok := StringArg(a[0])
		d, ok2 := tmTryParse(s, StylesNone)
		SetOut(a[len(a)-1], d)
		return ok && ok2, nil
	}
	tryParseStyles := func(_ any, a []any) (any, error) {
		s, ok := StringArg(a[0])
		d, ok2 := tmTryParse(s, DateTimeStyles(IntArg(a[2])))
		SetOut(a[3], d)
		return ok && ok2, nil
	}
	exact := func(withStyles bool) func(any, []any) (any, error) {
		return func(_ any, a []any) (any, error) {
			s, err := nullCheck(a[0], "s")
			if err != nil {
				return nil, err
			}
			if a[1] == nil {
				return nil, ArgumentNull("format")
			}
			st := StylesNone
			if withStyles {
				st = DateTimeStyles(IntArg(a[3]))
			}
			return ParseDateTimeExact(s, tmFormats(a[1]), st)
		}
	}
	tryExact := func(_ any, a []any) (any, error) {
		s, ok := StringArg(a[0])
		d, ok2 := tmTryParseExact(s, tmFormats(a[1]), DateTimeStyles(IntArg(a[3])))
		SetOut(a[4], d)
		return ok && ok2, nil
	}
	strs := ArrayOf(String)
	t.AddStatic(
		NewMethod("Parse", t, parse, "s", String),
		NewMethod("Parse", t, parse, "s", String, "provider", nil),
		NewMethod("Parse", t, parseStyles, "s", String, "provider", nil, "styles", DateTimeStylesT),
		NewMethod("TryParse", Boolean, tryParse, "s", String, "result", OutParam("result", t)),
		NewMethod("TryParse", Boolean, tryParseStyles, "s", String, "provider", nil, "styles", DateTimeStylesT, "result", OutParam("result", t)),
		NewMethod("ParseExact", t, exact(false), "s", String, "format", String, "provider", nil),
		NewMethod("ParseExact", t, exact(true), "s", String, "format", String, "provider", nil, "style", DateTimeStylesT),
		NewMethod("ParseExact", t, exact(true), "s", String, "formats", strs, "provider", nil, "style", DateTimeStylesT),
		NewMethod("TryParseExact", Boolean, tryExact, "s", String, "format", String, "provider", nil, "style", DateTimeStylesT, "result", OutParam("result", t)),
		NewMethod("TryParseExact", Boolean, tryExact, "s", String, "formats", strs, "provider", nil, "style", DateTimeStylesT, "result", OutParam("result", t)),
	)
}

// tmFracDigits is the custom specifier "f" or "F" (trim) repeated n times:
// the n leading digits of the 7-digit tick fraction; "F" drops trailing zeros.
func tmFracDigits(frac int64, n int, trim bool) (string, error) {
	if n > 7 {
		return "", tmBadFormat()
	}
	for range 7 - n {
		frac /= 10
	}
	var d strings.Builder
	tmPad(&d, frac, n)
	if trim {
		return strings.TrimRight(d.String(), "0"), nil
	}
	return d.String(), nil
}
