package systime

import (
	"math"
	"sync"
	"time"

	"github.com/policygate/policygate/expressions/dotnet"
)

const tmUnixEpochSeconds int64 = 62135596800

// NewDateTimeOffset builds a DateTimeOffset from a clock reading in ticks
// and an offset, with the DateTimeOffset constructor's checks: whole
// minutes, within ±14 hours, and a UTC time within the DateTime range.
func NewDateTimeOffset(clockTicks int64, offset dotnet.TimeSpan) (dotnet.DateTimeOffset, error) {
	if offset%dotnet.TicksPerMinute != 0 {
		return dotnet.DateTimeOffset{}, dotnet.Throw("System.ArgumentException", "Offset must be specified in whole minutes. (Parameter 'offset')")
	}
	if offset < -14*dotnet.TicksPerHour || offset > 14*dotnet.TicksPerHour {
		return dotnet.DateTimeOffset{}, dotnet.Throw("System.ArgumentOutOfRangeException", "Offset must be within plus or minus 14 hours. (Parameter 'offset')")
	}
	utc := clockTicks - int64(offset)
	if clockTicks < 0 || clockTicks > tmMaxTicks || utc < 0 || utc > tmMaxTicks {
		return dotnet.DateTimeOffset{}, dotnet.Throw("System.ArgumentOutOfRangeException", "The UTC time represented when the offset is applied must be between year 0 and 10,000. (Parameter 'offset')")
	}
	t := dotnet.DateTimeFromTicks(utc, dotnet.KindUtc).T
	if offset != 0 {
		t = t.In(tmFixedZone(int(offset / dotnet.TicksPerSecond)))
	}
	return dotnet.DateTimeOffset{T: t}, nil
}

// tmZones interns one *time.Location per offset, so two DateTimeOffsets
// with the same clock and offset are == in Go as well.
var tmZones sync.Map // int (seconds) -> *time.Location

func tmFixedZone(sec int) *time.Location {
	if l, ok := tmZones.Load(sec); ok {
		return l.(*time.Location)
	}
	l, _ := tmZones.LoadOrStore(sec, time.FixedZone("", sec))
	return l.(*time.Location)
}

// DateTimeToOffset is the implicit conversion DateTime → DateTimeOffset: a
// UTC DateTime gets offset zero, others the local offset (also zero).
func DateTimeToOffset(d dotnet.DateTime) dotnet.DateTimeOffset {
	o, _ := NewDateTimeOffset(d.Ticks(), 0)
	return o
}

func tmDTO(v any) dotnet.DateTimeOffset {
	switch x := v.(type) {
	case dotnet.DateTimeOffset:
		return x
	case dotnet.DateTime:
		return DateTimeToOffset(x)
	}
	return dotnet.DateTimeOffset{T: DateTimeMinValue.T}
}

// ParseDateTimeOffset parses s as DateTimeOffset.Parse does: the shapes
// DateTime.Parse accepts; without a zone the offset is the local one (zero).
func ParseDateTimeOffset(s string) (dotnet.DateTimeOffset, error) {
	if o, ok := tmTryParseDTO(s, nil, StylesNone); ok {
		return o, nil
	}
	return dotnet.DateTimeOffset{}, dotnet.FormatError("String '" + s + "' was not recognized as a valid DateTime.")
}

func tmTryParseDTO(s string, formats []string, styles DateTimeStyles) (dotnet.DateTimeOffset, bool) {
	in := s
	if formats == nil {
		in = tmCollapseSpace(s)
		formats = tmParseFormats
	}
	for _, f := range formats {
		if len(f) == 1 {
			pat, _, err := dotnet.DateTimeStandardPattern(f[0], true)
			if err != nil {
				continue
			}
			f = pat
		}
		if f == "" {
			continue
		}
		r := tmParsed{dow: -1}
		if !tmParseExact(in, f, &r) {
			continue
		}
		zone, off := r.zone, r.offset
		r.zone = false
		d, ok := tmResolve(&r, StylesNone)
		if !ok {
			continue
		}
		if !zone {
			off = 0
		}
		o, err := NewDateTimeOffset(d.Ticks(), dotnet.TimeSpan(off/100))
		if err != nil {
			continue
		}
		if styles&StylesAdjustToUniversal != 0 {
			o, _ = NewDateTimeOffset(o.UtcTicks(), 0)
		}
		return o, true
	}
	return dotnet.DateTimeOffset{}, false
}

func tmDTOProp(name string, t *dotnet.Type, f func(o dotnet.DateTimeOffset) any) *dotnet.Prop {
	return dotnet.NewProp(name, t, func(r any) (any, error) { return f(tmDTO(r)), nil })
}

func tmDTOWithClock(o dotnet.DateTimeOffset, d dotnet.DateTime, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return NewDateTimeOffset(d.Ticks(), o.Offset())
}

func init() {
	t := dotnet.DateTimeOffsetT
	dotnet.AddConversion(dotnet.DateTimeT, t, func(v any) (any, error) { return DateTimeToOffset(tmDT(v)), nil })

	fromDT := func(_ any, a []any) (any, error) {
		d := tmDT(a[0])
		if len(a) == 1 {
			return DateTimeToOffset(d), nil
		}
		off := dotnet.TimeSpanArg(a[1])
		if d.Kind == dotnet.KindUtc && off != 0 {
			return nil, dotnet.Throw("System.ArgumentException", "The UTC Offset for Utc DateTime instances must be 0. (Parameter 'offset')")
		}
		if d.Kind == dotnet.KindLocal && off != 0 {
			return nil, dotnet.Throw("System.ArgumentException", "The UTC Offset of the local dateTime parameter does not match the offset argument. (Parameter 'offset')")
		}
		return NewDateTimeOffset(d.Ticks(), off)
	}
	parts := func(_ any, a []any) (any, error) {
		v := [7]int{}
		n := len(a) - 1
		for i := range n {
			v[i] = int(dotnet.IntArg(a[i]))
		}
		d, err := NewDateTime(v[0], v[1], v[2], v[3], v[4], v[5], v[6], dotnet.KindUnspecified)
		if err != nil {
			return nil, err
		}
		return NewDateTimeOffset(d.Ticks(), dotnet.TimeSpanArg(a[n]))
	}
	ps := func(names ...string) []any {
		var out []any
		for _, n := range names {
			out = append(out, n, dotnet.Int32)
		}
		return append(out, "offset", dotnet.TimeSpanT)
	}
	t.Ctors = append(t.Ctors,
		dotnet.NewMethod(".ctor", t, fromDT, "dateTime", dotnet.DateTimeT),
		dotnet.NewMethod(".ctor", t, fromDT, "dateTime", dotnet.DateTimeT, "offset", dotnet.TimeSpanT),
		dotnet.NewMethod(".ctor", t, func(_ any, a []any) (any, error) {
			return NewDateTimeOffset(dotnet.IntArg(a[0]), dotnet.TimeSpanArg(a[1]))
		}, "ticks", dotnet.Int64, "offset", dotnet.TimeSpanT),
		dotnet.NewMethod(".ctor", t, parts, ps("year", "month", "day", "hour", "minute", "second")...),
		dotnet.NewMethod(".ctor", t, parts, ps("year", "month", "day", "hour", "minute", "second", "millisecond")...),
	)
	now := func(any) (any, error) { return NewDateTimeOffset(dotnet.TicksOf(tmNowUTC()), 0) }
	t.AddStaticProp(
		dotnet.NewProp("UtcNow", t, now),
		dotnet.NewProp("Now", t, now),
		dotnet.NewProp("MinValue", t, func(any) (any, error) { return NewDateTimeOffset(0, 0) }),
		dotnet.NewProp("MaxValue", t, func(any) (any, error) { return NewDateTimeOffset(tmMaxTicks, 0) }),
		dotnet.NewProp("UnixEpoch", t, func(any) (any, error) { return NewDateTimeOffset(tmUnixEpochTicks, 0) }),
	)
	parse := func(_ any, a []any) (any, error) {
		s, ok := dotnet.StringArg(a[0])
		if !ok {
			return nil, dotnet.ArgumentNull("input")
		}
		return ParseDateTimeOffset(s)
	}
	tryParse := func(_ any, a []any) (any, error) {
		s, ok := dotnet.StringArg(a[0])
		o, ok2 := tmTryParseDTO(s, nil, StylesNone)
		if !ok2 {
			o = tmDTO(nil)
		}
		dotnet.SetOut(a[len(a)-1], o)
		return ok && ok2, nil
	}
	exact := func(_ any, a []any) (any, error) {
		s, ok := dotnet.StringArg(a[0])
		if !ok {
			return nil, dotnet.ArgumentNull("input")
		}
		st := StylesNone
		if len(a) > 3 {
			st = DateTimeStyles(dotnet.IntArg(a[3]))
		}
		if o, ok := tmTryParseDTO(s, tmFormats(a[1]), st); ok {
			return o, nil
		}
		return nil, dotnet.FormatError("String '" + s + "' was not recognized as a valid DateTime.")
	}
	t.AddStatic(
		dotnet.NewMethod("FromUnixTimeSeconds", t, func(_ any, a []any) (any, error) {
			s := dotnet.IntArg(a[0])
			if s < -tmUnixEpochSeconds || s > 253402300799 {
				return nil, dotnet.Throw("System.ArgumentOutOfRangeException", "Valid values are between -62135596800 and 253402300799, inclusive. (Parameter 'seconds')")
			}
			return NewDateTimeOffset(s*tmTicksPerSec+tmUnixEpochTicks, 0)
		}, "seconds", dotnet.Int64),
		dotnet.NewMethod("FromUnixTimeMilliseconds", t, func(_ any, a []any) (any, error) {
			ms := dotnet.IntArg(a[0])
			if ms < -tmUnixEpochSeconds*1000 || ms > 253402300799999 {
				return nil, dotnet.Throw("System.ArgumentOutOfRangeException", "Valid values are between -62135596800000 and 253402300799999, inclusive. (Parameter 'milliseconds')")
			}
			return NewDateTimeOffset(ms*int64(dotnet.TicksPerMillisecond)+tmUnixEpochTicks, 0)
		}, "milliseconds", dotnet.Int64),
		dotnet.NewMethod("Parse", t, parse, "input", dotnet.String),
		dotnet.NewMethod("Parse", t, parse, "input", dotnet.String, "formatProvider", nil),
		dotnet.NewMethod("TryParse", dotnet.Boolean, tryParse, "input", dotnet.String, "result", dotnet.OutParam("result", t)),
		dotnet.NewMethod("ParseExact", t, exact, "input", dotnet.String, "format", dotnet.String, "formatProvider", nil),
		dotnet.NewMethod("ParseExact", t, exact, "input", dotnet.String, "format", dotnet.String, "formatProvider", nil, "styles", DateTimeStylesT),
		dotnet.NewMethod("Compare", dotnet.Int32, func(_ any, a []any) (any, error) {
			return int32(tmCmp(tmDTO(a[0]).UtcTicks(), tmDTO(a[1]).UtcTicks())), nil
		}, "first", t, "second", t),
		dotnet.NewMethod("Equals", dotnet.Boolean, func(_ any, a []any) (any, error) {
			return tmDTO(a[0]).UtcTicks() == tmDTO(a[1]).UtcTicks(), nil
		}, "first", t, "second", t),
	)

	clock := func(o dotnet.DateTimeOffset) dotnet.DateTime {
		return dotnet.DateTimeFromTicks(o.ClockTicks(), dotnet.KindUnspecified)
	}
	t.AddProp(
		tmDTOProp("DateTime", dotnet.DateTimeT, func(o dotnet.DateTimeOffset) any { return clock(o) }),
		tmDTOProp("UtcDateTime", dotnet.DateTimeT, func(o dotnet.DateTimeOffset) any { return dotnet.DateTimeFromTicks(o.UtcTicks(), dotnet.KindUtc) }),
		tmDTOProp("LocalDateTime", dotnet.DateTimeT, func(o dotnet.DateTimeOffset) any { return dotnet.DateTimeFromTicks(o.UtcTicks(), dotnet.KindLocal) }),
		tmDTOProp("Offset", dotnet.TimeSpanT, func(o dotnet.DateTimeOffset) any { return o.Offset() }),
		tmDTOProp("Ticks", dotnet.Int64, func(o dotnet.DateTimeOffset) any { return o.ClockTicks() }),
		tmDTOProp("UtcTicks", dotnet.Int64, func(o dotnet.DateTimeOffset) any { return o.UtcTicks() }),
		tmDTOProp("Date", dotnet.DateTimeT, func(o dotnet.DateTimeOffset) any {
			n := o.ClockTicks()
			return dotnet.DateTimeFromTicks(n-n%tmTicksPerDay, dotnet.KindUnspecified)
		}),
		tmDTOProp("TimeOfDay", dotnet.TimeSpanT, func(o dotnet.DateTimeOffset) any { return dotnet.TimeSpan(o.ClockTicks() % tmTicksPerDay) }),
	)
	// Calendar fields read the clock, as DateTime's do.
	for _, n := range []string{"Year", "Month", "Day", "Hour", "Minute", "Second", "Millisecond", "DayOfWeek", "DayOfYear"} {
		p := dotnet.DateTimeT.Props[n]
		t.AddProp(tmDTOProp(n, p.Type, func(o dotnet.DateTimeOffset) any { v, _ := p.Get(clock(o)); return v }))
	}
	// AddX members run DateTime's on the clock and keep the offset.
	for _, n := range []string{"Add", "AddDays", "AddHours", "AddMinutes", "AddSeconds", "AddMilliseconds", "AddTicks", "AddMonths", "AddYears"} {
		for _, m := range dotnet.DateTimeT.Methods[n] {
			t.AddMethod(&dotnet.Method{Name: n, Params: m.Params, Result: t, Fn: func(r any, a []any) (any, error) {
				o := tmDTO(r)
				v, err := m.Fn(clock(o), a)
				if err != nil {
					return nil, err
				}
				return tmDTOWithClock(o, v.(dotnet.DateTime), nil)
			}})
		}
	}
	toStr := func(r any, a []any) (any, error) {
		f := ""
		if len(a) > 0 {
			f, _ = dotnet.StringArg(a[0])
		}
		return tmDTO(r).Format(f)
	}
	t.AddMethod(
		dotnet.NewMethod("Subtract", dotnet.TimeSpanT, func(r any, a []any) (any, error) {
			return dotnet.TimeSpan(tmDTO(r).UtcTicks() - tmDTO(a[0]).UtcTicks()), nil
		}, "value", t),
		dotnet.NewMethod("Subtract", t, func(r any, a []any) (any, error) {
			o := tmDTO(r)
			ts := dotnet.TimeSpanArg(a[0])
			if ts == math.MinInt64 {
				return nil, tmUnrepresentable("value")
			}
			d, err := DateTimeAddChecked(clock(o), -ts)
			return tmDTOWithClock(o, d, err)
		}, "value", dotnet.TimeSpanT),
		dotnet.NewMethod("ToUnixTimeSeconds", dotnet.Int64, func(r any, _ []any) (any, error) {
			return tmDTO(r).UtcTicks()/tmTicksPerSec - tmUnixEpochSeconds, nil
		}),
		dotnet.NewMethod("ToUnixTimeMilliseconds", dotnet.Int64, func(r any, _ []any) (any, error) {
			return tmDTO(r).UtcTicks()/int64(dotnet.TicksPerMillisecond) - tmUnixEpochSeconds*1000, nil
		}),
		dotnet.NewMethod("ToUniversalTime", t, func(r any, _ []any) (any, error) { return NewDateTimeOffset(tmDTO(r).UtcTicks(), 0) }),
		dotnet.NewMethod("ToLocalTime", t, func(r any, _ []any) (any, error) { return NewDateTimeOffset(tmDTO(r).UtcTicks(), 0) }),
		dotnet.NewMethod("ToOffset", t, func(r any, a []any) (any, error) {
			off := dotnet.TimeSpanArg(a[0])
			return NewDateTimeOffset(tmDTO(r).UtcTicks()+int64(off), off)
		}, "offset", dotnet.TimeSpanT),
		dotnet.NewMethod("ToString", dotnet.String, toStr),
		dotnet.NewMethod("ToString", dotnet.String, toStr, "format", dotnet.String),
		dotnet.NewMethod("ToString", dotnet.String, toStr, "format", dotnet.String, "formatProvider", nil),
		dotnet.NewMethod("CompareTo", dotnet.Int32, func(r any, a []any) (any, error) {
			return int32(tmCmp(tmDTO(r).UtcTicks(), tmDTO(a[0]).UtcTicks())), nil
		}, "other", t),
		dotnet.NewMethod("Equals", dotnet.Boolean, func(r any, a []any) (any, error) {
			o, ok := a[0].(dotnet.DateTimeOffset)
			return ok && o.UtcTicks() == tmDTO(r).UtcTicks(), nil
		}, "obj", nil),
		dotnet.NewMethod("EqualsExact", dotnet.Boolean, func(r any, a []any) (any, error) {
			x, y := tmDTO(r), tmDTO(a[0])
			return x.ClockTicks() == y.ClockTicks() && x.Offset() == y.Offset(), nil
		}, "other", t),
		dotnet.NewMethod("GetHashCode", dotnet.Int32, func(r any, _ []any) (any, error) {
			n := tmDTO(r).UtcTicks()
			return int32(n) ^ int32(n>>32), nil
		}),
	)
}

// CompareDateTimeOffset compares the UTC instants of two values (the
// operators <, <=, ==, ... on DateTimeOffset) and returns -1, 0 or 1.
func CompareDateTimeOffset(a, b dotnet.DateTimeOffset) int {
	return tmCmp(a.UtcTicks(), b.UtcTicks())
}

// DateTimeOffsetAdd is the operator DateTimeOffset + TimeSpan; the offset is
// kept. A result outside the range is an ArgumentOutOfRangeException.
func DateTimeOffsetAdd(o dotnet.DateTimeOffset, t dotnet.TimeSpan) (dotnet.DateTimeOffset, error) {
	d, err := DateTimeAddChecked(dotnet.DateTimeFromTicks(o.ClockTicks(), dotnet.KindUnspecified), t)
	if err != nil {
		return dotnet.DateTimeOffset{}, err
	}
	return NewDateTimeOffset(d.Ticks(), o.Offset())
}

// DateTimeOffsetDiff is the operator DateTimeOffset - DateTimeOffset: the
// difference of the UTC instants.
func DateTimeOffsetDiff(a, b dotnet.DateTimeOffset) dotnet.TimeSpan {
	return dotnet.TimeSpan(a.UtcTicks() - b.UtcTicks())
}
