package systime

import (
	"strings"
	"time"

	"github.com/policygate/policygate/expressions/dotnet"
)

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
		n := dotnet.FormatRepeat(f, j)
		ok := true
		switch c {
		case 'd':
			switch n {
			case 1, 2:
				r.d, ok = digits(n, 2)
				r.hasD = true
			default:
				r.dow, ok = word(dotnet.DayNames[:], n == 3)
			}
		case 'M':
			switch n {
			case 1, 2:
				r.mo, ok = digits(n, 2)
			default:
				var m int
				m, ok = word(dotnet.MonthNames[:], n == 3)
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
			lit, next, err := dotnet.FormatQuoted(f, j)
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
func tmResolve(r *tmParsed, styles DateTimeStyles) (dotnet.DateTime, bool) {
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
			return dotnet.DateTime{}, false
		}
		if r.h == 12 {
			r.h = 0
		}
		if r.pm {
			r.h += 12
		}
	}
	d, err := NewDateTime(r.y, r.mo, r.d, r.h, r.mi, r.s, 0, dotnet.KindUnspecified)
	if err != nil {
		return dotnet.DateTime{}, false
	}
	d = dotnet.DateTimeFromTicks(d.Ticks()+r.frac, dotnet.KindUnspecified)
	if r.dow >= 0 && int(d.T.Weekday()) != r.dow {
		return dotnet.DateTime{}, false
	}
	if !r.zone {
		switch {
		case styles&StylesAssumeUniversal != 0:
			r.zone, r.utcZ = true, true
		case styles&StylesAssumeLocal != 0:
			d.Kind = dotnet.KindLocal
			if styles&StylesAdjustToUniversal != 0 {
				d.Kind = dotnet.KindUtc
			}
			return d, true
		default:
			return d, true
		}
	}
	n := d.Ticks() - int64(r.offset/100)
	if n < 0 || n > tmMaxTicks {
		return dotnet.DateTime{}, false
	}
	k := dotnet.KindLocal
	if styles&StylesAdjustToUniversal != 0 || (styles&StylesRoundtripKind != 0 && r.utcZ) {
		k = dotnet.KindUtc
	}
	return dotnet.DateTimeFromTicks(n, k), true
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
func ParseDateTime(s string) (dotnet.DateTime, error) {
	if d, ok := tmTryParse(s, StylesNone); ok {
		return d, nil
	}
	return dotnet.DateTime{}, dotnet.FormatError("String '" + s + "' was not recognized as a valid DateTime.")
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

func tmTryParse(s string, styles DateTimeStyles) (dotnet.DateTime, bool) {
	in := tmTrimFraction(tmCollapseSpace(s))
	if in == "" {
		return dotnet.DateTime{}, false
	}
	for _, f := range tmParseFormats {
		r := tmParsed{dow: -1}
		if tmParseExact(in, f, &r) {
			if d, ok := tmResolve(&r, styles); ok {
				return d, true
			}
		}
	}
	return dotnet.DateTime{}, false
}

// ParseDateTimeExact parses s as DateTime.ParseExact does with the invariant
// culture: format is a standard or custom format.
func ParseDateTimeExact(s string, formats []string, styles DateTimeStyles) (dotnet.DateTime, error) {
	if d, ok := tmTryParseExact(s, formats, styles); ok {
		return d, nil
	}
	return dotnet.DateTime{}, dotnet.FormatError("String '" + s + "' was not recognized as a valid DateTime.")
}

func tmTryParseExact(s string, formats []string, styles DateTimeStyles) (dotnet.DateTime, bool) {
	in := s
	if styles&StylesAllowLeadingWhite != 0 {
		in = strings.TrimLeft(in, " \t\r\n")
	}
	if styles&StylesAllowTrailingWhite != 0 {
		in = strings.TrimRight(in, " \t\r\n")
	}
	for _, f := range formats {
		if len(f) == 1 {
			pat, _, err := dotnet.DateTimeStandardPattern(f[0], false)
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
	return dotnet.DateTime{}, false
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
			s, _ := dotnet.StringArg(e)
			out = append(out, s)
		}
		return out
	}
	return nil
}

func tmRegisterParse(t *dotnet.Type) {
	nullCheck := func(v any, p string) (string, error) {
		s, ok := dotnet.StringArg(v)
		if !ok {
			return "", dotnet.ArgumentNull(p)
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
		if d, ok := tmTryParse(s, DateTimeStyles(dotnet.IntArg(a[2]))); ok {
			return d, nil
		}
		return nil, dotnet.FormatError("String '" + s + "' was not recognized as a valid DateTime.")
	}
	tryParse := func(_ any, a []any) (any, error) {
		s, ok := dotnet.StringArg(a[0])
		d, ok2 := tmTryParse(s, StylesNone)
		dotnet.SetOut(a[len(a)-1], d)
		return ok && ok2, nil
	}
	tryParseStyles := func(_ any, a []any) (any, error) {
		s, ok := dotnet.StringArg(a[0])
		d, ok2 := tmTryParse(s, DateTimeStyles(dotnet.IntArg(a[2])))
		dotnet.SetOut(a[3], d)
		return ok && ok2, nil
	}
	exact := func(withStyles bool) func(any, []any) (any, error) {
		return func(_ any, a []any) (any, error) {
			s, err := nullCheck(a[0], "s")
			if err != nil {
				return nil, err
			}
			if a[1] == nil {
				return nil, dotnet.ArgumentNull("format")
			}
			st := StylesNone
			if withStyles {
				st = DateTimeStyles(dotnet.IntArg(a[3]))
			}
			return ParseDateTimeExact(s, tmFormats(a[1]), st)
		}
	}
	tryExact := func(_ any, a []any) (any, error) {
		s, ok := dotnet.StringArg(a[0])
		d, ok2 := tmTryParseExact(s, tmFormats(a[1]), DateTimeStyles(dotnet.IntArg(a[3])))
		dotnet.SetOut(a[4], d)
		return ok && ok2, nil
	}
	strs := dotnet.ArrayOf(dotnet.String)
	t.AddStatic(
		dotnet.NewMethod("Parse", t, parse, "s", dotnet.String),
		dotnet.NewMethod("Parse", t, parse, "s", dotnet.String, "provider", nil),
		dotnet.NewMethod("Parse", t, parseStyles, "s", dotnet.String, "provider", nil, "styles", DateTimeStylesT),
		dotnet.NewMethod("TryParse", dotnet.Boolean, tryParse, "s", dotnet.String, "result", dotnet.OutParam("result", t)),
		dotnet.NewMethod("TryParse", dotnet.Boolean, tryParseStyles, "s", dotnet.String, "provider", nil, "styles", DateTimeStylesT, "result", dotnet.OutParam("result", t)),
		dotnet.NewMethod("ParseExact", t, exact(false), "s", dotnet.String, "format", dotnet.String, "provider", nil),
		dotnet.NewMethod("ParseExact", t, exact(true), "s", dotnet.String, "format", dotnet.String, "provider", nil, "style", DateTimeStylesT),
		dotnet.NewMethod("ParseExact", t, exact(true), "s", dotnet.String, "formats", strs, "provider", nil, "style", DateTimeStylesT),
		dotnet.NewMethod("TryParseExact", dotnet.Boolean, tryExact, "s", dotnet.String, "format", dotnet.String, "provider", nil, "style", DateTimeStylesT, "result", dotnet.OutParam("result", t)),
		dotnet.NewMethod("TryParseExact", dotnet.Boolean, tryExact, "s", dotnet.String, "formats", strs, "provider", nil, "style", DateTimeStylesT, "result", dotnet.OutParam("result", t)),
	)
}
