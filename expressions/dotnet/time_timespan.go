package dotnet

import (
	"math"
	"strconv"
	"strings"
)

// String renders the TimeSpan in the constant ("c") format:
// [-][d.]hh:mm:ss[.fffffff].
func (ts TimeSpan) String() string {
	s, _ := ts.Format("c")
	return s
}

func tmTSOverflow() *Exception {
	return Throw("System.OverflowException", "TimeSpan overflowed because the duration is too long.")
}

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
			tmPad(&b, int64(h), 2)
		default:
			if days > 0 {
				b.WriteString(strconv.FormatInt(int64(days), 10))
				b.WriteByte('.')
			}
			tmPad(&b, int64(h), 2)
		}
		b.WriteByte(':')
		tmPad(&b, int64(m), 2)
		b.WriteByte(':')
		tmPad(&b, int64(s), 2)
		switch {
		case f == "G":
			b.WriteByte('.')
			tmPad(&b, frac, 7)
		case f == "g" && frac != 0:
			var d strings.Builder
			tmPad(&d, frac, 7)
			b.WriteByte('.')
			b.WriteString(strings.TrimRight(d.String(), "0"))
		case frac != 0 && f != "g":
			b.WriteByte('.')
			tmPad(&b, frac, 7)
		}
		return b.String(), nil
	}
	if len(f) == 1 && f != "%" {
		return "", tmBadFormat()
	}
	for i := 0; i < len(f); {
		c := f[i]
		n := tmRepeat(f, i)
		switch c {
		case 'd':
			if n > 8 {
				return "", tmBadFormat()
			}
			tmPad(&b, int64(days), n)
		case 'h', 'm', 's':
			if n > 2 {
				return "", tmBadFormat()
			}
			v := map[byte]uint64{'h': h, 'm': m, 's': s}[c]
			tmPad(&b, int64(v), n)
		case 'f', 'F':
			ds, err := tmFracDigits(frac, n, c == 'F')
			if err != nil {
				return "", err
			}
			b.WriteString(ds)
		case '\'', '"':
			lit, next, err := tmQuoted(f, i)
			if err != nil {
				return "", tmBadFormat()
			}
			b.WriteString(lit)
			i = next
			continue
		case '%':
			if i+1 >= len(f) || f[i+1] == '%' {
				return "", tmBadFormat()
			}
			i++
			continue
		case '\\':
			if i+1 >= len(f) {
				return "", tmBadFormat()
			}
			b.WriteByte(f[i+1])
			i += 2
			continue
		default:
			return "", tmBadFormat()
		}
		i += n
	}
	return b.String(), nil
}

// ParseTimeSpan parses s as TimeSpan.Parse does with the invariant culture:
// [ws][-]{ d | [d.]hh:mm[:ss[.fffffff]] | d:hh:mm:ss[.fffffff] }[ws].
func ParseTimeSpan(s string) (TimeSpan, error) {
	ts, code := tmParseTS(s)
	switch code {
	case 1:
		return 0, FormatError("String '" + s + "' was not recognized as a valid TimeSpan.")
	case 2:
		return 0, Throw("System.OverflowException", "The TimeSpan string '%s' could not be parsed because at least one of the numeric components is out of range or contains too many digits.", s)
	}
	return ts, nil
}

// tmParseTS returns the value and 0, or 1 for a format error and 2 for an
// out-of-range component.
func tmParseTS(s string) (TimeSpan, int) {
	in := strings.TrimSpace(s)
	neg := strings.HasPrefix(in, "-")
	if neg {
		in = in[1:]
	}
	if in == "" {
		return 0, 1
	}
	num := func(p string, maxDigits int) (int64, int) {
		if p == "" {
			return 0, 1
		}
		var v int64
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return 0, 1
			}
			v = v*10 + int64(p[i]-'0')
			if v > math.MaxInt32 {
				return 0, 2
			}
		}
		if maxDigits > 0 && len(p) > maxDigits && strings.TrimLeft(p, "0") != "" && len(strings.TrimLeft(p, "0")) > maxDigits {
			return 0, 2
		}
		return v, 0
	}
	var days, h, m, sec, frac int64
	var code int
	body, fracS, hasFrac := in, "", false
	parts := strings.Split(in, ":")
	if len(parts) == 1 {
		if days, code = num(in, 0); code != 0 {
			return 0, code
		}
		if days > 10675199 {
			return 0, 2
		}
		t := TimeSpan(days * int64(TicksPerDay))
		if neg {
			t = -t
		}
		return t, 0
	}
	if len(parts) > 4 {
		return 0, 1
	}
	if len(parts) == 4 {
		if days, code = num(parts[0], 0); code != 0 {
			return 0, code
		}
		parts = parts[1:]
	} else if d, rest, ok := strings.Cut(parts[0], "."); ok {
		if days, code = num(d, 0); code != 0 {
			return 0, code
		}
		parts[0] = rest
	}
	last := parts[len(parts)-1]
	if len(parts) == 3 {
		last, fracS, hasFrac = strings.Cut(last, ".")
		parts[2] = last
	}
	_ = body
	if h, code = num(parts[0], 2); code != 0 {
		return 0, code
	}
	if m, code = num(parts[1], 2); code != 0 {
		return 0, code
	}
	if len(parts) == 3 {
		if sec, code = num(parts[2], 2); code != 0 {
			return 0, code
		}
	}
	if hasFrac {
		if fracS == "" {
			return 0, 1
		}
		if len(fracS) > 7 {
			return 0, 2
		}
		if frac, code = num(fracS, 7); code != 0 {
			return 0, code
		}
		for range 7 - len(fracS) {
			frac *= 10
		}
	}
	if h > 23 || m > 59 || sec > 59 || days > 10675199 {
		return 0, 2
	}
	t := days*int64(TicksPerDay) + h*int64(TicksPerHour) + m*int64(TicksPerMinute) + sec*int64(TicksPerSecond) + frac
	if t < 0 {
		return 0, 2
	}
	if neg {
		t = -t
	}
	return TimeSpan(t), 0
}

// tmFromUnits is TimeSpan.FromDays and friends on a double: the value is
// scaled to ticks and truncated (.NET Core 3.0+).
func tmFromUnits(v float64, scale float64) (TimeSpan, error) {
	if math.IsNaN(v) {
		return 0, Throw("System.ArgumentException", "TimeSpan does not accept floating point Not-a-Number values.")
	}
	t := v * scale
	if t > math.MaxInt64 || t < math.MinInt64 {
		return 0, tmTSOverflow()
	}
	if t == math.MaxInt64 {
		return math.MaxInt64, nil
	}
	return TimeSpan(int64(t)), nil
}

func tmTSAdd(a, b TimeSpan) (TimeSpan, error) {
	r := a + b
	if (a >= 0) == (b >= 0) && (r >= 0) != (a >= 0) {
		return 0, tmTSOverflow()
	}
	return r, nil
}

func tmTSProp(name string, t *Type, f func(ts TimeSpan) any) *Prop {
	return NewProp(name, t, func(r any) (any, error) { return f(tmTS(r)), nil })
}

func init() {
	t := TimeSpanT
	ctor := func(names ...string) *Method {
		var ps []any
		for _, n := range names {
			ps = append(ps, n, Int32)
		}
		return NewMethod(".ctor", t, func(_ any, a []any) (any, error) {
			v := make([]int64, 5)
			copy(v[5-len(a):], func() []int64 {
				out := make([]int64, len(a))
				for i := range a {
					out[i] = IntArg(a[i])
				}
				return out
			}())
			if len(a) == 5 {
				// (days, hours, minutes, seconds, milliseconds)
				total := (((v[0]*24+v[1])*60+v[2])*60+v[3])*1000 + v[4]
				if total > math.MaxInt64/int64(TicksPerMillisecond) || total < math.MinInt64/int64(TicksPerMillisecond) {
					return nil, Throw("System.ArgumentOutOfRangeException", "TimeSpan overflowed because the duration is too long.")
				}
				return TimeSpan(total * int64(TicksPerMillisecond)), nil
			}
			// (hours, minutes, seconds) or (days, hours, minutes, seconds)
			secs := ((v[1]*24+v[2])*60+v[3])*60 + v[4]
			if len(a) == 3 {
				secs = (v[2]*60+v[3])*60 + v[4]
			}
			if secs > math.MaxInt64/int64(TicksPerSecond) || secs < math.MinInt64/int64(TicksPerSecond) {
				return nil, Throw("System.ArgumentOutOfRangeException", "TimeSpan overflowed because the duration is too long.")
			}
			return TimeSpan(secs * int64(TicksPerSecond)), nil
		}, ps...)
	}
	t.Ctors = append(t.Ctors,
		NewMethod(".ctor", t, func(_ any, a []any) (any, error) { return TimeSpan(IntArg(a[0])), nil }, "ticks", Int64),
		ctor("hours", "minutes", "seconds"),
		ctor("days", "hours", "minutes", "seconds"),
		ctor("days", "hours", "minutes", "seconds", "milliseconds"),
	)
	from := func(name string, scale TimeSpan) *Method {
		return NewMethod(name, t, func(_ any, a []any) (any, error) { return tmFromUnits(txF64(a[0]), float64(scale)) }, "value", Double)
	}
	cnst := func(name string, v any, typ *Type) *Prop {
		return NewProp(name, typ, func(any) (any, error) { return v, nil })
	}
	t.AddStaticProp(
		cnst("Zero", TimeSpan(0), t),
		cnst("MaxValue", TimeSpan(math.MaxInt64), t),
		cnst("MinValue", TimeSpan(math.MinInt64), t),
		cnst("TicksPerMillisecond", int64(TicksPerMillisecond), Int64),
		cnst("TicksPerSecond", int64(TicksPerSecond), Int64),
		cnst("TicksPerMinute", int64(TicksPerMinute), Int64),
		cnst("TicksPerHour", int64(TicksPerHour), Int64),
		cnst("TicksPerDay", int64(TicksPerDay), Int64),
	)
	parse := func(_ any, a []any) (any, error) {
		s, ok := StringArg(a[0])
		if !ok {
			return nil, ArgumentNull("input")
		}
		return ParseTimeSpan(s)
	}
	tryParse := func(_ any, a []any) (any, error) {
		s, _ := StringArg(a[0])
		ts, code := tmParseTS(s)
		SetOut(a[len(a)-1], ts)
		return a[0] != nil && code == 0, nil
	}
	t.AddStatic(
		from("FromDays", TicksPerDay),
		from("FromHours", TicksPerHour),
		from("FromMinutes", TicksPerMinute),
		from("FromSeconds", TicksPerSecond),
		from("FromMilliseconds", TicksPerMillisecond),
		NewMethod("FromTicks", t, func(_ any, a []any) (any, error) { return TimeSpan(IntArg(a[0])), nil }, "value", Int64),
		NewMethod("Parse", t, parse, "s", String),
		NewMethod("Parse", t, parse, "input", String, "formatProvider", nil),
		NewMethod("TryParse", Boolean, tryParse, "s", String, "result", OutParam("result", t)),
		NewMethod("TryParse", Boolean, tryParse, "input", String, "formatProvider", nil, "result", OutParam("result", t)),
		NewMethod("Compare", Int32, func(_ any, a []any) (any, error) { return int32(tmCmp(int64(tmTS(a[0])), int64(tmTS(a[1])))), nil }, "t1", t, "t2", t),
		NewMethod("Equals", Boolean, func(_ any, a []any) (any, error) { return tmTS(a[0]) == tmTS(a[1]), nil }, "t1", t, "t2", t),
	)
	t.AddProp(
		tmTSProp("Ticks", Int64, func(ts TimeSpan) any { return int64(ts) }),
		tmTSProp("Days", Int32, func(ts TimeSpan) any { return int32(ts / TicksPerDay) }),
		tmTSProp("Hours", Int32, func(ts TimeSpan) any { return int32(ts / TicksPerHour % 24) }),
		tmTSProp("Minutes", Int32, func(ts TimeSpan) any { return int32(ts / TicksPerMinute % 60) }),
		tmTSProp("Seconds", Int32, func(ts TimeSpan) any { return int32(ts / TicksPerSecond % 60) }),
		tmTSProp("Milliseconds", Int32, func(ts TimeSpan) any { return int32(ts / TicksPerMillisecond % 1000) }),
		tmTSProp("TotalDays", Double, func(ts TimeSpan) any { return float64(ts) / float64(TicksPerDay) }),
		tmTSProp("TotalHours", Double, func(ts TimeSpan) any { return float64(ts) / float64(TicksPerHour) }),
		tmTSProp("TotalMinutes", Double, func(ts TimeSpan) any { return float64(ts) / float64(TicksPerMinute) }),
		tmTSProp("TotalSeconds", Double, func(ts TimeSpan) any { return float64(ts) / float64(TicksPerSecond) }),
		tmTSProp("TotalMilliseconds", Double, func(ts TimeSpan) any { return float64(ts) / float64(TicksPerMillisecond) }),
	)
	toStr := func(r any, a []any) (any, error) {
		f := ""
		if len(a) > 0 {
			f, _ = StringArg(a[0])
		}
		return tmTS(r).Format(f)
	}
	t.AddMethod(
		NewMethod("Add", t, func(r any, a []any) (any, error) { return tmTSAdd(tmTS(r), tmTS(a[0])) }, "ts", t),
		NewMethod("Subtract", t, func(r any, a []any) (any, error) {
			b := tmTS(a[0])
			if b == math.MinInt64 {
				return nil, tmTSOverflow()
			}
			return tmTSAdd(tmTS(r), -b)
		}, "ts", t),
		NewMethod("Negate", t, func(r any, _ []any) (any, error) {
			ts := tmTS(r)
			if ts == math.MinInt64 {
				return nil, Throw("System.OverflowException", "Negating the minimum value of a twos complement number is invalid.")
			}
			return -ts, nil
		}),
		NewMethod("Duration", t, func(r any, _ []any) (any, error) {
			ts := tmTS(r)
			if ts == math.MinInt64 {
				return nil, Throw("System.OverflowException", "The duration cannot be returned for TimeSpan.MinValue because the absolute value of TimeSpan.MinValue exceeds the value of TimeSpan.MaxValue.")
			}
			if ts < 0 {
				ts = -ts
			}
			return ts, nil
		}),
		NewMethod("Multiply", t, func(r any, a []any) (any, error) {
			return tmFromUnits(float64(tmTS(r)), txF64(a[0]))
		}, "factor", Double),
		NewMethod("Divide", t, func(r any, a []any) (any, error) {
			return tmFromUnits(float64(tmTS(r))/txF64(a[0]), 1)
		}, "divisor", Double),
		NewMethod("CompareTo", Int32, func(r any, a []any) (any, error) {
			if a[0] == nil {
				return int32(1), nil
			}
			o, ok := a[0].(TimeSpan)
			if !ok {
				return nil, Throw("System.ArgumentException", "Object must be of type TimeSpan.")
			}
			return int32(tmCmp(int64(tmTS(r)), int64(o))), nil
		}, "value", nil),
		NewMethod("CompareTo", Int32, func(r any, a []any) (any, error) { return int32(tmCmp(int64(tmTS(r)), int64(tmTS(a[0])))), nil }, "value", t),
		NewMethod("Equals", Boolean, func(r any, a []any) (any, error) {
			o, ok := a[0].(TimeSpan)
			return ok && o == tmTS(r), nil
		}, "obj", nil),
		NewMethod("GetHashCode", Int32, func(r any, _ []any) (any, error) {
			n := int64(tmTS(r))
			return int32(n) ^ int32(n>>32), nil
		}),
		NewMethod("ToString", String, toStr),
		NewMethod("ToString", String, toStr, "format", String),
		NewMethod("ToString", String, toStr, "format", String, "formatProvider", nil),
	)
}
