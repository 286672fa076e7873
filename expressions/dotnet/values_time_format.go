package dotnet

import (
	"strconv"
	"strings"
	"time"
)

// How a DateTime, DateTimeOffset and TimeSpan print: the invariant culture's
// standard and custom formats. The core formats these values (ToString,
// string.Format, JSON's JValue.ToString); their parsers are in package
// systime, which shares the pattern helpers exported here.

// tmStamp is what the DateTime formatter needs: the clock reading in ticks,
// the kind, and for DateTimeOffset its offset.
type tmStamp struct {
	ticks  int64
	kind   DateTimeKind
	dto    bool
	offset time.Duration // DateTimeOffset only
}

// BadFormatString is the FormatException of an invalid format string.
func BadFormatString() *Exception {
	return FormatError("Input string was not in a correct format.")
}

// DateTimeStandardPattern expands a one-letter standard format to its invariant-culture
// custom pattern; toUTC asks for the value to be converted to UTC first.
func DateTimeStandardPattern(c byte, dto bool) (pat string, toUTC bool, err error) {
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
			return "", false, BadFormatString()
		}
		return "dddd, dd MMMM yyyy HH:mm:ss", true, nil
	case 'y', 'Y':
		return "yyyy MMMM", false, nil
	}
	return "", false, BadFormatString()
}

// FormatRepeat is how many times the format letter f[i] repeats from i.
func FormatRepeat(f string, i int) int {
	n := 1
	for i+n < len(f) && f[i+n] == f[i] {
		n++
	}
	return n
}

// PadInt writes v in decimal, zero-padded to n digits.
func PadInt(b *strings.Builder, v int64, n int) {
	s := strconv.FormatInt(v, 10)
	for i := len(s); i < n; i++ {
		b.WriteByte('0')
	}
	b.WriteString(s)
}

// FormatQuoted reads a quoted literal starting at f[i] (the quote) and returns it
// and the index after the closing quote.
func FormatQuoted(f string, i int) (string, int, error) {
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
		pat, toUTC, err := DateTimeStandardPattern(f[0], st.dto)
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
	frac := st.ticks % int64(TicksPerSecond)
	var b strings.Builder
	for i := 0; i < len(f); {
		c := f[i]
		n := FormatRepeat(f, i)
		switch c {
		case 'g':
			b.WriteString("A.D.")
		case 'h':
			h12 := h % 12
			if h12 == 0 {
				h12 = 12
			}
			PadInt(&b, int64(h12), min(n, 2))
		case 'H':
			PadInt(&b, int64(h), min(n, 2))
		case 'm':
			PadInt(&b, int64(mi), min(n, 2))
		case 's':
			PadInt(&b, int64(s), min(n, 2))
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
				PadInt(&b, int64(d), n)
			case 3:
				b.WriteString(DayNames[t.Weekday()][:3])
			default:
				b.WriteString(DayNames[t.Weekday()])
			}
		case 'M':
			switch n {
			case 1, 2:
				PadInt(&b, int64(mo), n)
			case 3:
				b.WriteString(MonthNames[mo-1][:3])
			default:
				b.WriteString(MonthNames[mo-1])
			}
		case 'y':
			if n <= 2 {
				PadInt(&b, int64(y%100), n)
			} else {
				PadInt(&b, int64(y), n)
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
				PadInt(&b, oh, 1)
			case 2:
				PadInt(&b, oh, 2)
			default:
				PadInt(&b, oh, 2)
				b.WriteByte(':')
				PadInt(&b, om, 2)
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
				PadInt(&b, int64(off/time.Hour), 2)
				b.WriteByte(':')
				PadInt(&b, int64(off%time.Hour/time.Minute), 2)
			case st.kind == KindUtc:
				b.WriteByte('Z')
			case st.kind == KindLocal:
				b.WriteString("+00:00")
			}
		case ':', '/':
			n = 1
			b.WriteByte(c)
		case '\'', '"':
			lit, next, err := FormatQuoted(f, i)
			if err != nil {
				return "", err
			}
			b.WriteString(lit)
			i = next
			continue
		case '%':
			if i+1 >= len(f) || f[i+1] == '%' {
				return "", BadFormatString()
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
				return "", BadFormatString()
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

// tmFracDigits is the custom specifier "f" or "F" (trim) repeated n times:
// the n leading digits of the 7-digit tick fraction; "F" drops trailing zeros.
func tmFracDigits(frac int64, n int, trim bool) (string, error) {
	if n > 7 {
		return "", BadFormatString()
	}
	for range 7 - n {
		frac /= 10
	}
	var d strings.Builder
	PadInt(&d, frac, n)
	if trim {
		return strings.TrimRight(d.String(), "0"), nil
	}
	return d.String(), nil
}

// DayNames and MonthNames are the invariant culture's names.
var DayNames = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

var MonthNames = [12]string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

// Format renders the TimeSpan as ToString(format) does in the invariant
// culture: "c", "g", "G" or a custom format such as "hh\\:mm".
func (ts TimeSpan) Format(f string) (string, error) {
	neg := ts < 0
	u := uint64(ts)
	if neg {
		u = uint64(-ts) // MinValue wraps to its magnitude as an unsigned value
	}
	days := u / uint64(TicksPerDay)
	h := u / uint64(TicksPerHour) % 24
	m := u / uint64(TicksPerMinute) % 60
	s := u / uint64(TicksPerSecond) % 60
	frac := int64(u % uint64(TicksPerSecond))
	var b strings.Builder
	switch f {
	case "", "c", "t", "T", "g", "G":
		if neg {
			b.WriteByte('-')
		}
		switch f {
		case "g":
			if days > 0 {
				b.WriteString(strconv.FormatInt(int64(days), 10))
				b.WriteByte(':')
			}
			b.WriteString(strconv.FormatInt(int64(h), 10))
		case "G":
			b.WriteString(strconv.FormatInt(int64(days), 10))
			b.WriteByte(':')
			PadInt(&b, int64(h), 2)
		default:
			if days > 0 {
				b.WriteString(strconv.FormatInt(int64(days), 10))
				b.WriteByte('.')
			}
			PadInt(&b, int64(h), 2)
		}
		b.WriteByte(':')
		PadInt(&b, int64(m), 2)
		b.WriteByte(':')
		PadInt(&b, int64(s), 2)
		switch {
		case f == "G":
			b.WriteByte('.')
			PadInt(&b, frac, 7)
		case f == "g" && frac != 0:
			var d strings.Builder
			PadInt(&d, frac, 7)
			b.WriteByte('.')
			b.WriteString(strings.TrimRight(d.String(), "0"))
		case frac != 0 && f != "g":
			b.WriteByte('.')
			PadInt(&b, frac, 7)
		}
		return b.String(), nil
	}
	if len(f) == 1 && f != "%" {
		return "", BadFormatString()
	}
	for i := 0; i < len(f); {
		c := f[i]
		n := FormatRepeat(f, i)
		switch c {
		case 'd':
			if n > 8 {
				return "", BadFormatString()
			}
			PadInt(&b, int64(days), n)
		case 'h', 'm', 's':
			if n > 2 {
				return "", BadFormatString()
			}
			v := map[byte]uint64{'h': h, 'm': m, 's': s}[c]
			PadInt(&b, int64(v), n)
		case 'f', 'F':
			ds, err := tmFracDigits(frac, n, c == 'F')
			if err != nil {
				return "", err
			}
			b.WriteString(ds)
		case '\'', '"':
			lit, next, err := FormatQuoted(f, i)
			if err != nil {
				return "", BadFormatString()
			}
			b.WriteString(lit)
			i = next
			continue
		case '%':
			if i+1 >= len(f) || f[i+1] == '%' {
				return "", BadFormatString()
			}
			i++
			continue
		case '\\':
			if i+1 >= len(f) {
				return "", BadFormatString()
			}
			b.WriteByte(f[i+1])
			i += 2
			continue
		default:
			return "", BadFormatString()
		}
		i += n
	}
	return b.String(), nil
}
