package systime

import (
	"math"
	"strings"

	"github.com/policygate/policygate/expressions/dotnet"
)

func tmTSOverflow() *dotnet.Exception {
	return dotnet.Throw("System.OverflowException", "TimeSpan overflowed because the duration is too long.")
}

// ParseTimeSpan parses s as TimeSpan.Parse does with the invariant culture:
// [ws][-]{ d | [d.]hh:mm[:ss[.fffffff]] | d:hh:mm:ss[.fffffff] }[ws].
func ParseTimeSpan(s string) (dotnet.TimeSpan, error) {
	ts, code := tmParseTS(s)
	switch code {
	case 1:
		return 0, dotnet.FormatError("String '" + s + "' was not recognized as a valid TimeSpan.")
	case 2:
		return 0, dotnet.Throw("System.OverflowException", "The TimeSpan string '%s' could not be parsed because at least one of the numeric components is out of range or contains too many digits.", s)
	}
	return ts, nil
}

// tmParseTS returns the value and 0, or 1 for a format error and 2 for an
// out-of-range component.
func tmParseTS(s string) (dotnet.TimeSpan, int) {
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
		t := dotnet.TimeSpan(days * int64(dotnet.TicksPerDay))
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
	t := days*int64(dotnet.TicksPerDay) + h*int64(dotnet.TicksPerHour) + m*int64(dotnet.TicksPerMinute) + sec*int64(dotnet.TicksPerSecond) + frac
	if t < 0 {
		return 0, 2
	}
	if neg {
		t = -t
	}
	return dotnet.TimeSpan(t), 0
}

// tmFromUnits is TimeSpan.FromDays and friends on a double: the value is
// scaled to ticks and truncated (.NET Core 3.0+).
func tmFromUnits(v float64, scale float64) (dotnet.TimeSpan, error) {
	if math.IsNaN(v) {
		return 0, dotnet.Throw("System.ArgumentException", "TimeSpan does not accept floating point Not-a-Number values.")
	}
	t := v * scale
	if t > math.MaxInt64 || t < math.MinInt64 {
		return 0, tmTSOverflow()
	}
	if t == math.MaxInt64 {
		return math.MaxInt64, nil
	}
	return dotnet.TimeSpan(int64(t)), nil
}

func tmTSAdd(a, b dotnet.TimeSpan) (dotnet.TimeSpan, error) {
	r := a + b
	if (a >= 0) == (b >= 0) && (r >= 0) != (a >= 0) {
		return 0, tmTSOverflow()
	}
	return r, nil
}

func tmTSProp(name string, t *dotnet.Type, f func(ts dotnet.TimeSpan) any) *dotnet.Prop {
	return dotnet.NewProp(name, t, func(r any) (any, error) { return f(dotnet.TimeSpanArg(r)), nil })
}

func init() {
	t := dotnet.TimeSpanT
	ctor := func(names ...string) *dotnet.Method {
		var ps []any
		for _, n := range names {
			ps = append(ps, n, dotnet.Int32)
		}
		return dotnet.NewMethod(".ctor", t, func(_ any, a []any) (any, error) {
			v := make([]int64, 5)
			copy(v[5-len(a):], func() []int64 {
				out := make([]int64, len(a))
				for i := range a {
					out[i] = dotnet.IntArg(a[i])
				}
				return out
			}())
			if len(a) == 5 {
				// (days, hours, minutes, seconds, milliseconds)
				total := (((v[0]*24+v[1])*60+v[2])*60+v[3])*1000 + v[4]
				if total > math.MaxInt64/int64(dotnet.TicksPerMillisecond) || total < math.MinInt64/int64(dotnet.TicksPerMillisecond) {
					return nil, dotnet.Throw("System.ArgumentOutOfRangeException", "TimeSpan overflowed because the duration is too long.")
				}
				return dotnet.TimeSpan(total * int64(dotnet.TicksPerMillisecond)), nil
			}
			// (hours, minutes, seconds) or (days, hours, minutes, seconds)
			secs := ((v[1]*24+v[2])*60+v[3])*60 + v[4]
			if len(a) == 3 {
				secs = (v[2]*60+v[3])*60 + v[4]
			}
			if secs > math.MaxInt64/int64(dotnet.TicksPerSecond) || secs < math.MinInt64/int64(dotnet.TicksPerSecond) {
				return nil, dotnet.Throw("System.ArgumentOutOfRangeException", "TimeSpan overflowed because the duration is too long.")
			}
			return dotnet.TimeSpan(secs * int64(dotnet.TicksPerSecond)), nil
		}, ps...)
	}
	t.Ctors = append(t.Ctors,
		dotnet.NewMethod(".ctor", t, func(_ any, a []any) (any, error) { return dotnet.TimeSpan(dotnet.IntArg(a[0])), nil }, "ticks", dotnet.Int64),
		ctor("hours", "minutes", "seconds"),
		ctor("days", "hours", "minutes", "seconds"),
		ctor("days", "hours", "minutes", "seconds", "milliseconds"),
	)
	from := func(name string, scale dotnet.TimeSpan) *dotnet.Method {
		return dotnet.NewMethod(name, t, func(_ any, a []any) (any, error) { return tmFromUnits(dotnet.Float64Arg(a[0]), float64(scale)) }, "value", dotnet.Double)
	}
	cnst := func(name string, v any, typ *dotnet.Type) *dotnet.Prop {
		return dotnet.NewProp(name, typ, func(any) (any, error) { return v, nil })
	}
	t.AddStaticProp(
		cnst("Zero", dotnet.TimeSpan(0), t),
		cnst("MaxValue", dotnet.TimeSpan(math.MaxInt64), t),
		cnst("MinValue", dotnet.TimeSpan(math.MinInt64), t),
		cnst("TicksPerMillisecond", int64(dotnet.TicksPerMillisecond), dotnet.Int64),
		cnst("TicksPerSecond", int64(dotnet.TicksPerSecond), dotnet.Int64),
		cnst("TicksPerMinute", int64(dotnet.TicksPerMinute), dotnet.Int64),
		cnst("TicksPerHour", int64(dotnet.TicksPerHour), dotnet.Int64),
		cnst("TicksPerDay", int64(dotnet.TicksPerDay), dotnet.Int64),
	)
	parse := func(_ any, a []any) (any, error) {
		s, ok := dotnet.StringArg(a[0])
		if !ok {
			return nil, dotnet.ArgumentNull("input")
		}
		return ParseTimeSpan(s)
	}
	tryParse := func(_ any, a []any) (any, error) {
		s, _ := dotnet.StringArg(a[0])
		ts, code := tmParseTS(s)
		dotnet.SetOut(a[len(a)-1], ts)
		return a[0] != nil && code == 0, nil
	}
	t.AddStatic(
		from("FromDays", dotnet.TicksPerDay),
		from("FromHours", dotnet.TicksPerHour),
		from("FromMinutes", dotnet.TicksPerMinute),
		from("FromSeconds", dotnet.TicksPerSecond),
		from("FromMilliseconds", dotnet.TicksPerMillisecond),
		dotnet.NewMethod("FromTicks", t, func(_ any, a []any) (any, error) { return dotnet.TimeSpan(dotnet.IntArg(a[0])), nil }, "value", dotnet.Int64),
		dotnet.NewMethod("Parse", t, parse, "s", dotnet.String),
		dotnet.NewMethod("Parse", t, parse, "input", dotnet.String, "formatProvider", nil),
		dotnet.NewMethod("TryParse", dotnet.Boolean, tryParse, "s", dotnet.String, "result", dotnet.OutParam("result", t)),
		dotnet.NewMethod("TryParse", dotnet.Boolean, tryParse, "input", dotnet.String, "formatProvider", nil, "result", dotnet.OutParam("result", t)),
		dotnet.NewMethod("Compare", dotnet.Int32, func(_ any, a []any) (any, error) {
			return int32(tmCmp(int64(dotnet.TimeSpanArg(a[0])), int64(dotnet.TimeSpanArg(a[1])))), nil
		}, "t1", t, "t2", t),
		dotnet.NewMethod("Equals", dotnet.Boolean, func(_ any, a []any) (any, error) { return dotnet.TimeSpanArg(a[0]) == dotnet.TimeSpanArg(a[1]), nil }, "t1", t, "t2", t),
	)
	t.AddProp(
		tmTSProp("Ticks", dotnet.Int64, func(ts dotnet.TimeSpan) any { return int64(ts) }),
		tmTSProp("Days", dotnet.Int32, func(ts dotnet.TimeSpan) any { return int32(ts / dotnet.TicksPerDay) }),
		tmTSProp("Hours", dotnet.Int32, func(ts dotnet.TimeSpan) any { return int32(ts / dotnet.TicksPerHour % 24) }),
		tmTSProp("Minutes", dotnet.Int32, func(ts dotnet.TimeSpan) any { return int32(ts / dotnet.TicksPerMinute % 60) }),
		tmTSProp("Seconds", dotnet.Int32, func(ts dotnet.TimeSpan) any { return int32(ts / dotnet.TicksPerSecond % 60) }),
		tmTSProp("Milliseconds", dotnet.Int32, func(ts dotnet.TimeSpan) any { return int32(ts / dotnet.TicksPerMillisecond % 1000) }),
		tmTSProp("TotalDays", dotnet.Double, func(ts dotnet.TimeSpan) any { return float64(ts) / float64(dotnet.TicksPerDay) }),
		tmTSProp("TotalHours", dotnet.Double, func(ts dotnet.TimeSpan) any { return float64(ts) / float64(dotnet.TicksPerHour) }),
		tmTSProp("TotalMinutes", dotnet.Double, func(ts dotnet.TimeSpan) any { return float64(ts) / float64(dotnet.TicksPerMinute) }),
		tmTSProp("TotalSeconds", dotnet.Double, func(ts dotnet.TimeSpan) any { return float64(ts) / float64(dotnet.TicksPerSecond) }),
		tmTSProp("TotalMilliseconds", dotnet.Double, func(ts dotnet.TimeSpan) any { return float64(ts) / float64(dotnet.TicksPerMillisecond) }),
	)
	toStr := func(r any, a []any) (any, error) {
		f := ""
		if len(a) > 0 {
			f, _ = dotnet.StringArg(a[0])
		}
		return dotnet.TimeSpanArg(r).Format(f)
	}
	t.AddMethod(
		dotnet.NewMethod("Add", t, func(r any, a []any) (any, error) { return tmTSAdd(dotnet.TimeSpanArg(r), dotnet.TimeSpanArg(a[0])) }, "ts", t),
		dotnet.NewMethod("Subtract", t, func(r any, a []any) (any, error) {
			b := dotnet.TimeSpanArg(a[0])
			if b == math.MinInt64 {
				return nil, tmTSOverflow()
			}
			return tmTSAdd(dotnet.TimeSpanArg(r), -b)
		}, "ts", t),
		dotnet.NewMethod("Negate", t, func(r any, _ []any) (any, error) {
			ts := dotnet.TimeSpanArg(r)
			if ts == math.MinInt64 {
				return nil, dotnet.Throw("System.OverflowException", "Negating the minimum value of a twos complement number is invalid.")
			}
			return -ts, nil
		}),
		dotnet.NewMethod("Duration", t, func(r any, _ []any) (any, error) {
			ts := dotnet.TimeSpanArg(r)
			if ts == math.MinInt64 {
				return nil, dotnet.Throw("System.OverflowException", "The duration cannot be returned for TimeSpan.MinValue because the absolute value of TimeSpan.MinValue exceeds the value of TimeSpan.MaxValue.")
			}
			if ts < 0 {
				ts = -ts
			}
			return ts, nil
		}),
		dotnet.NewMethod("Multiply", t, func(r any, a []any) (any, error) {
			return tmFromUnits(float64(dotnet.TimeSpanArg(r)), dotnet.Float64Arg(a[0]))
		}, "factor", dotnet.Double),
		dotnet.NewMethod("Divide", t, func(r any, a []any) (any, error) {
			return tmFromUnits(float64(dotnet.TimeSpanArg(r))/dotnet.Float64Arg(a[0]), 1)
		}, "divisor", dotnet.Double),
		dotnet.NewMethod("CompareTo", dotnet.Int32, func(r any, a []any) (any, error) {
			if a[0] == nil {
				return int32(1), nil
			}
			o, ok := a[0].(dotnet.TimeSpan)
			if !ok {
				return nil, dotnet.Throw("System.ArgumentException", "Object must be of type TimeSpan.")
			}
			return int32(tmCmp(int64(dotnet.TimeSpanArg(r)), int64(o))), nil
		}, "value", nil),
		dotnet.NewMethod("CompareTo", dotnet.Int32, func(r any, a []any) (any, error) {
			return int32(tmCmp(int64(dotnet.TimeSpanArg(r)), int64(dotnet.TimeSpanArg(a[0])))), nil
		}, "value", t),
		dotnet.NewMethod("Equals", dotnet.Boolean, func(r any, a []any) (any, error) {
			o, ok := a[0].(dotnet.TimeSpan)
			return ok && o == dotnet.TimeSpanArg(r), nil
		}, "obj", nil),
		dotnet.NewMethod("GetHashCode", dotnet.Int32, func(r any, _ []any) (any, error) {
			n := int64(dotnet.TimeSpanArg(r))
			return int32(n) ^ int32(n>>32), nil
		}),
		dotnet.NewMethod("ToString", dotnet.String, toStr),
		dotnet.NewMethod("ToString", dotnet.String, toStr, "format", dotnet.String),
		dotnet.NewMethod("ToString", dotnet.String, toStr, "format", dotnet.String, "formatProvider", nil),
	)
}
