package dotnet

import (
	"math"
	"sync"
	"time"
)

const tmUnixEpochSeconds int64 = 62135596800

// NewDateTimeOffset builds a DateTimeOffset from a clock reading in ticks
// and an offset, with the DateTimeOffset constructor's checks: whole
// minutes, within ±14 hours, and a UTC time within the DateTime range.
func NewDateTimeOffset(clockTicks int64, offset TimeSpan) (DateTimeOffset, error) {
	if offset%TicksPerMinute != 0 {
		return DateTimeOffset{}, Throw("System.ArgumentException", "Offset must be specified in whole minutes. (Parameter 'offset')")
	}
	if offset < -14*TicksPerHour || offset > 14*TicksPerHour {
		return DateTimeOffset{}, Throw("System.ArgumentOutOfRangeException", "Offset must be within plus or minus 14 hours. (Parameter 'offset')")
	}
	utc := clockTicks - int64(offset)
	if clockTicks < 0 || clockTicks > tmMaxTicks || utc < 0 || utc > tmMaxTicks {
		return DateTimeOffset{}, Throw("System.ArgumentOutOfRangeException", "The UTC time represented when the offset is applied must be between year 0 and 10,000. (Parameter 'offset')")
	}
	t := DateTimeFromTicks(utc, KindUtc).T
	if offset != 0 {
		t = t.In(tmFixedZone(int(offset / TicksPerSecond)))
	}
	return DateTimeOffset{T: t}, nil
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
func DateTimeToOffset(d DateTime) DateTimeOffset {
	o, _ := NewDateTimeOffset(d.Ticks(), 0)
	return o
}

// Offset returns the offset from UTC.
func (o DateTimeOffset) Offset() TimeSpan {
	_, off := o.T.Zone()
	return TimeSpan(int64(off) * int64(TicksPerSecond))
}

// ClockTicks returns the ticks of the clock reading (DateTimeOffset.Ticks).
func (o DateTimeOffset) ClockTicks() int64 { return tmTicksOf(o.T) }

// UtcTicks returns the ticks of the UTC instant.
func (o DateTimeOffset) UtcTicks() int64 { return o.ClockTicks() - int64(o.Offset()) }

// String renders the value as ToString() does in the invariant culture
// ("MM/dd/yyyy HH:mm:ss zzz").
func (o DateTimeOffset) String() string {
	s, _ := o.Format("")
	return s
}

// Format renders the value as ToString(format) does in the invariant
// culture; "o" ends with the offset ("+00:00"), "r" and "u" convert to UTC.
func (o DateTimeOffset) Format(f string) (string, error) {
	return tmFormat(tmStamp{ticks: o.ClockTicks(), dto: true, offset: time.Duration(o.Offset()) * 100}, f)
}

func tmDTO(v any) DateTimeOffset {
	switch x := v.(type) {
	case DateTimeOffset:
		return x
	case DateTime:
		return DateTimeToOffset(x)
	}
	return DateTimeOffset{T: DateTimeMinValue.T}
}

// ParseDateTimeOffset parses s as DateTimeOffset.Parse does: the shapes
// DateTime.Parse accepts; without a zone the offset is the local one (zero).
func ParseDateTimeOffset(s string) (DateTimeOffset, error) {
	if o, ok := tmTryParseDTO(s, nil, StylesNone); ok {
		return o, nil
	}
	return DateTimeOffset{}, FormatError("String '" + s + "' was not recognized as a valid DateTime.")
}

func tmTryParseDTO(s string, formats []string, styles DateTimeStyles) (DateTimeOffset, bool) {
	in := s
	if formats == nil {
		in = tmCollapseSpace(s)
		formats = tmParseFormats
	}
	for _, f := range formats {
		if len(f) == 1 {
			pat, _, err := tmStandard(f[0], true)
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
		o, err := NewDateTimeOffset(d.Ticks(), TimeSpan(off/100))
		if err != nil {
			continue
		}
		if styles&StylesAdjustToUniversal != 0 {
			o, _ = NewDateTimeOffset(o.UtcTicks(), 0)
		}
		return o, true
	}
	return DateTimeOffset{}, false
}

func tmDTOProp(name string, t *Type, f func(o DateTimeOffset) any) *Prop {
	return NewProp(name, t, func(r any) (any, error) { return f(tmDTO(r)), nil })
}

func tmDTOWithClock(o DateTimeOffset, d DateTime, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return NewDateTimeOffset(d.Ticks(), o.Offset())
}

func init() {
	t := DateTimeOffsetT
	AddConversion(DateTimeT, t, func(v any) (any, error) { return DateTimeToOffset(tmDT(v)), nil })

	fromDT := func(_ any, a []any) (any, error) {
		d := tmDT(a[0])
		if len(a) == 1 {
			return DateTimeToOffset(d), nil
		}
		off := tmTS(a[1])
		if d.Kind == KindUtc && off != 0 {
			return nil, Throw("System.ArgumentException", "The UTC Offset for Utc DateTime instances must be 0. (Parameter 'offset')")
		}
		if d.Kind == KindLocal && off != 0 {
			return nil, Throw("System.ArgumentException", "The UTC Offset of the local dateTime parameter does not match the offset argument. (Parameter 'offset')")
		}
		return NewDateTimeOffset(d.Ticks(), off)
	}
	parts := func(_ any, a []any) (any, error) {
		v := [7]int{}
		n := len(a) - 1
		for i := range n {
			v[i] = int(IntArg(a[i]))
		}
		d, err := NewDateTime(v[0], v[1], v[2], v[3], v[4], v[5], v[6], KindUnspecified)
		if err != nil {
			return nil, err
		}
		return NewDateTimeOffset(d.Ticks(), tmTS(a[n]))
	}
	ps := func(names ...string) []any {
		var out []any
		for _, n := range names {
			out = append(out, n, Int32)
		}
		return append(out, "offset", TimeSpanT)
	}
	t.Ctors = append(t.Ctors,
		NewMethod(".ctor", t, fromDT, "dateTime", DateTimeT),
		NewMethod(".ctor", t, fromDT, "dateTime", DateTimeT, "offset", TimeSpanT),
		NewMethod(".ctor", t, func(_ any, a []any) (any, error) { return NewDateTimeOffset(IntArg(a[0]), tmTS(a[1])) }, "ticks", Int64, "offset", TimeSpanT),
		NewMethod(".ctor", t, parts, ps("year", "month", "day", "hour", "minute", "second")...),
		NewMethod(".ctor", t, parts, ps("year", "month", "day", "hour", "minute", "second", "millisecond")...),
	)
	now := func(any) (any, error) { return NewDateTimeOffset(tmTicksOf(tmNowUTC()), 0) }
	t.AddStaticProp(
		NewProp("UtcNow", t, now),
		NewProp("Now", t, now),
		NewProp("MinValue", t, func(any) (any, error) { return NewDateTimeOffset(0, 0) }),
		NewProp("MaxValue", t, func(any) (any, error) { return NewDateTimeOffset(tmMaxTicks, 0) }),
		NewProp("UnixEpoch", t, func(any) (any, error) { return NewDateTimeOffset(tmUnixEpochTicks, 0) }),
	)
	parse := func(_ any, a []any) (any, error) {
		s, ok := StringArg(a[0])
		if !ok {
			return nil, ArgumentNull("input")
		}
		return ParseDateTimeOffset(s)
	}
	tryParse := func(_ any, a []any) (any, error) {
		s, ok := StringArg(a[0])
		o, ok2 := tmTryParseDTO(s, nil, StylesNone)
		if !ok2 {
			o = tmDTO(nil)
		}
		SetOut(a[len(a)-1], o)
		return ok && ok2, nil
	}
	exact := func(_ any, a []any) (any, error) {
		s, ok := StringArg(a[0])
		if !ok {
			return nil, ArgumentNull("input")
		}
		st := StylesNone
		if len(a) > 3 {
			st = DateTimeStyles(IntArg(a[3]))
		}
		if o, ok := tmTryParseDTO(s, tmFormats(a[1]), st); ok {
			return o, nil
		}
		return nil, FormatError("String '" + s + "' was not recognized as a valid DateTime.")
	}
	t.AddStatic(
		NewMethod("FromUnixTimeSeconds", t, func(_ any, a []any) (any, error) {
			s := IntArg(a[0])
			if s < -tmUnixEpochSeconds || s > 253402300799 {
				return nil, Throw("System.ArgumentOutOfRangeException", "Valid values are between -62135596800 and 253402300799, inclusive. (Parameter 'seconds')")
			}
			return NewDateTimeOffset(s*tmTicksPerSec+tmUnixEpochTicks, 0)
		}, "seconds", Int64),
		NewMethod("FromUnixTimeMilliseconds", t, func(_ any, a []any) (any, error) {
			ms := IntArg(a[0])
			if ms < -tmUnixEpochSeconds*1000 || ms > 253402300799999 {
				return nil, Throw("System.ArgumentOutOfRangeException", "Valid values are between -62135596800000 and 253402300799999, inclusive. (Parameter 'milliseconds')")
			}
			return NewDateTimeOffset(ms*int64(TicksPerMillisecond)+tmUnixEpochTicks, 0)
		}, "milliseconds", Int64),
		NewMethod("Parse", t, parse, "input", String),
		NewMethod("Parse", t, parse, "input", String, "formatProvider", nil),
		NewMethod("TryParse", Boolean, tryParse, "input", String, "result", OutParam("result", t)),
		NewMethod("ParseExact", t, exact, "input", String, "format", String, "formatProvider", nil),
		NewMethod("ParseExact", t, exact, "input", String, "format", String, "formatProvider", nil, "styles", DateTimeStylesT),
		NewMethod("Compare", Int32, func(_ any, a []any) (any, error) {
			return int32(tmCmp(tmDTO(a[0]).UtcTicks(), tmDTO(a[1]).UtcTicks())), nil
		}, "first", t, "second", t),
		NewMethod("Equals", Boolean, func(_ any, a []any) (any, error) {
			return tmDTO(a[0]).UtcTicks() == tmDTO(a[1]).UtcTicks(), nil
		}, "first", t, "second", t),
	)

	clock := func(o DateTimeOffset) DateTime { return DateTimeFromTicks(o.ClockTicks(), KindUnspecified) }
	t.AddProp(
		tmDTOProp("DateTime", DateTimeT, func(o DateTimeOffset) any { return clock(o) }),
		tmDTOProp("UtcDateTime", DateTimeT, func(o DateTimeOffset) any { return DateTimeFromTicks(o.UtcTicks(), KindUtc) }),
		tmDTOProp("LocalDateTime", DateTimeT, func(o DateTimeOffset) any { return DateTimeFromTicks(o.UtcTicks(), KindLocal) }),
		tmDTOProp("Offset", TimeSpanT, func(o DateTimeOffset) any { return o.Offset() }),
		tmDTOProp("Ticks", Int64, func(o DateTimeOffset) any { return o.ClockTicks() }),
		tmDTOProp("UtcTicks", Int64, func(o DateTimeOffset) any { return o.UtcTicks() }),
		tmDTOProp("Date", DateTimeT, func(o DateTimeOffset) any {
			n := o.ClockTicks()
			return DateTimeFromTicks(n-n%tmTicksPerDay, KindUnspecified)
		}),
		tmDTOProp("TimeOfDay", TimeSpanT, func(o DateTimeOffset) any { return TimeSpan(o.ClockTicks() % tmTicksPerDay) }),
	)
	// Calendar fields read the clock, as DateTime's do.
	for _, n := range []string{"Year", "Month", "Day", "Hour", "Minute", "Second", "Millisecond", "DayOfWeek", "DayOfYear"} {
		p := DateTimeT.Props[n]
		t.AddProp(tmDTOProp(n, p.Type, func(o DateTimeOffset) any { v, _ := p.Get(clock(o)); return v }))
	}
	// AddX members run DateTime's on the clock and keep the offset.
	for _, n := range []string{"Add", "AddDays", "AddHours", "AddMinutes", "AddSeconds", "AddMilliseconds", "AddTicks", "AddMonths", "AddYears"} {
		for _, m := range DateTimeT.Methods[n] {
			t.AddMethod(&Method{Name: n, Params: m.Params, Result: t, Fn: func(r any, a []any) (any, error) {
				o := tmDTO(r)
				v, err := m.Fn(clock(o), a)
				if err != nil {
					return nil, err
				}
				return tmDTOWithClock(o, v.(DateTime), nil)
			}})
		}
	}
	toStr := func(r any, a []any) (any, error) {
		f := ""
		if len(a) > 0 {
			f, _ = StringArg(a[0])
		}
		return tmDTO(r).Format(f)
	}
	t.AddMethod(
		NewMethod("Subtract", TimeSpanT, func(r any, a []any) (any, error) {
			return TimeSpan(tmDTO(r).UtcTicks() - tmDTO(a[0]).UtcTicks()), nil
		}, "value", t),
		NewMethod("Subtract", t, func(r any, a []any) (any, error) {
			o := tmDTO(r)
			ts := tmTS(a[0])
			if ts == math.MinInt64 {
				return nil, tmUnrepresentable("value")
			}
			d, err := DateTimeAddChecked(clock(o), -ts)
			return tmDTOWithClock(o, d, err)
		}, "value", TimeSpanT),
		NewMethod("ToUnixTimeSeconds", Int64, func(r any, _ []any) (any, error) {
			return tmDTO(r).UtcTicks()/tmTicksPerSec - tmUnixEpochSeconds, nil
		}),
		NewMethod("ToUnixTimeMilliseconds", Int64, func(r any, _ []any) (any, error) {
			return tmDTO(r).UtcTicks()/int64(TicksPerMillisecond) - tmUnixEpochSeconds*1000, nil
		}),
		NewMethod("ToUniversalTime", t, func(r any, _ []any) (any, error) { return NewDateTimeOffset(tmDTO(r).UtcTicks(), 0) }),
		NewMethod("ToLocalTime", t, func(r any, _ []any) (any, error) { return NewDateTimeOffset(tmDTO(r).UtcTicks(), 0) }),
		NewMethod("ToOffset", t, func(r any, a []any) (any, error) {
			off := tmTS(a[0])
			return NewDateTimeOffset(tmDTO(r).UtcTicks()+int64(off), off)
		}, "offset", TimeSpanT),
		NewMethod("ToString", String, toStr),
		NewMethod("ToString", String, toStr, "format", String),
		NewMethod("ToString", String, toStr, "format", String, "formatProvider", nil),
		NewMethod("CompareTo", Int32, func(r any, a []any) (any, error) {
			return int32(tmCmp(tmDTO(r).UtcTicks(), tmDTO(a[0]).UtcTicks())), nil
		}, "other", t),
		NewMethod("Equals", Boolean, func(r any, a []any) (any, error) {
			o, ok := a[0].(DateTimeOffset)
			return ok && o.UtcTicks() == tmDTO(r).UtcTicks(), nil
		}, "obj", nil),
		NewMethod("EqualsExact", Boolean, func(r any, a []any) (any, error) {
			x, y := tmDTO(r), tmDTO(a[0])
			return x.ClockTicks() == y.ClockTicks() && x.Offset() == y.Offset(), nil
		}, "other", t),
		NewMethod("GetHashCode", Int32, func(r any, _ []any) (any, error) {
			n := tmDTO(r).UtcTicks()
			return int32(n) ^ int32(n>>32), nil
		}),
	)
}

// CompareDateTimeOffset compares the UTC instants of two values (the
// operators <, <=, ==, ... on DateTimeOffset) and returns -1, 0 or 1.
func CompareDateTimeOffset(a, b DateTimeOffset) int {
	return tmCmp(a.UtcTicks(), b.UtcTicks())
}

// DateTimeOffsetAdd is the operator DateTimeOffset + TimeSpan; the offset is
// kept. A result outside the range is an ArgumentOutOfRangeException.
func DateTimeOffsetAdd(o DateTimeOffset, t TimeSpan) (DateTimeOffset, error) {
	d, err := DateTimeAddChecked(DateTimeFromTicks(o.ClockTicks(), KindUnspecified), t)
	if err != nil {
		return DateTimeOffset{}, err
	}
	return NewDateTimeOffset(d.Ticks(), o.Offset())
}

// DateTimeOffsetDiff is the operator DateTimeOffset - DateTimeOffset: the
// difference of the UTC instants.
func DateTimeOffsetDiff(a, b DateTimeOffset) TimeSpan {
	return TimeSpan(a.UtcTicks() - b.UtcTicks())
}
