package systime

import (
	"strings"

	"github.com/policygate/policygate/expressions/dotnet"
)

// TimeSpan.ParseExact and TryParseExact with the invariant culture: the
// standard formats c, g and G read as TimeSpan.Parse does; custom formats
// take d..dddddddd, h/hh, m/mm, s/ss, f..fffffff, F..FFFFFFF, \x and
// 'quoted' literals.
func ParseTimeSpanExact(s, format string) (dotnet.TimeSpan, error) {
	bad := dotnet.FormatError("String '" + s + "' was not recognized as a valid TimeSpan.")
	switch format {
	case "c", "t", "T":
		return ParseTimeSpan(s)
	case "g", "G":
		// [-][d:]h:mm:ss[.FFFFFFF]: days end with a colon, not a dot.
		head, _, _ := strings.Cut(s, ":")
		if strings.Contains(head, ".") {
			return 0, bad
		}
		if parts := strings.Split(s, ":"); len(parts) == 4 {
			s = parts[0] + "." + strings.Join(parts[1:], ":")
		}
		return ParseTimeSpan(s)
	case "":
		return 0, bad
	}
	var days, hours, mins, secs, ticks int64
	overflow := false // a component out of range, reported once the whole string matched
	i := 0
	num := func(minN, maxN int) (int64, bool) {
		v, n := int64(0), 0
		for i < len(s) && n < maxN && s[i] >= '0' && s[i] <= '9' {
			v = v*10 + int64(s[i]-'0')
			i++
			n++
		}
		return v, n >= minN
	}
	for j := 0; j < len(format); {
		c := format[j]
		n := 1
		for j+n < len(format) && format[j+n] == c {
			n++
		}
		ok := true
		switch c {
		case 'd':
			days, ok = num(n, 8)
		case 'h':
			hours, ok = num(n, 2)
			if ok && hours > 23 {
				overflow = true
			}
		case 'm':
			mins, ok = num(n, 2)
			if ok && mins > 59 {
				overflow = true
			}
		case 's':
			secs, ok = num(n, 2)
			if ok && secs > 59 {
				overflow = true
			}
		case 'f', 'F':
			if n > 7 {
				return 0, bad
			}
			start := i
			var v int64
			if v, ok = num(map[byte]int{'f': n, 'F': 0}[c], n); ok {
				for k := i - start; k < 7; k++ {
					v *= 10
				}
				ticks = v
			}
		case '\\':
			if j+1 >= len(format) || i >= len(s) || s[i] != format[j+1] {
				return 0, bad
			}
			i++
			j += 2
			continue
		case '\'', '"':
			end := strings.IndexByte(format[j+1:], c)
			if end < 0 {
				return 0, bad
			}
			lit := format[j+1 : j+1+end]
			if !strings.HasPrefix(s[i:], lit) {
				return 0, bad
			}
			i += len(lit)
			j += end + 2
			continue
		case '%':
			j++
			continue
		default:
			return 0, bad // other characters must be escaped in TimeSpan formats
		}
		if !ok {
			return 0, bad
		}
		j += n
	}
	if i != len(s) {
		return 0, bad
	}
	if overflow {
		return 0, dotnet.Throw("System.OverflowException", "The TimeSpan string '%s' could not be parsed because at least one of the numeric components is out of range or contains too many digits.", s)
	}
	return dotnet.TimeSpan(((days*24+hours)*60+mins)*60*10_000_000 + secs*10_000_000 + ticks), nil
}

func init() {
	exact := func(_ any, a []any) (any, error) {
		s, ok := a[0].(string)
		f, ok2 := a[1].(string)
		if !ok || !ok2 {
			return nil, dotnet.ArgumentNull("input")
		}
		return ParseTimeSpanExact(s, f)
	}
	tryExact := func(_ any, a []any) (any, error) {
		v, err := exact(nil, a[:2])
		if err != nil {
			dotnet.SetOut(a[3], dotnet.TimeSpan(0))
			return false, nil
		}
		dotnet.SetOut(a[3], v)
		return true, nil
	}
	t := dotnet.TimeSpanT
	t.AddStatic(
		dotnet.NewMethod("ParseExact", t, exact, "input", dotnet.String, "format", dotnet.String, "formatProvider", nil),
		dotnet.NewMethod("TryParseExact", dotnet.Boolean, tryExact, "input", dotnet.String, "format", dotnet.String, "formatProvider", nil, "result", dotnet.OutParam("result", t)),
	)
}
