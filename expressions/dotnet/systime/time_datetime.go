package systime

import (
	"math"
	"strconv"
	"time"

	"github.com/policygate/policygate/expressions/dotnet"
)

// DayOfWeek is System.DayOfWeek.
type DayOfWeek int32

// DayOfWeek values.
const (
	Sunday DayOfWeek = iota
	Monday
	Tuesday
	Wednesday
	Thursday
	Friday
	Saturday
)

// String returns the enum member name, as Enum.ToString() does.
func (d DayOfWeek) String() string {
	if d >= 0 && d < 7 {
		return dotnet.DayNames[d]
	}
	return strconv.FormatInt(int64(d), 10)
}

// DateTimeStyles is System.Globalization.DateTimeStyles.
type DateTimeStyles int32

// DateTimeStyles flags.
const (
	StylesNone                 DateTimeStyles = 0
	StylesAllowLeadingWhite    DateTimeStyles = 1
	StylesAllowTrailingWhite   DateTimeStyles = 2
	StylesAllowInnerWhite      DateTimeStyles = 4
	StylesAllowWhiteSpaces     DateTimeStyles = 7
	StylesNoCurrentDateDefault DateTimeStyles = 8
	StylesAdjustToUniversal    DateTimeStyles = 16
	StylesAssumeLocal          DateTimeStyles = 32
	StylesAssumeUniversal      DateTimeStyles = 64
	StylesRoundtripKind        DateTimeStyles = 128
)

// The time types of this package; DateTime, TimeSpan, DateTimeOffset, Guid
// and DateTimeKind are the core's (dotnet.DateTimeT, ...).
var (
	DayOfWeekT = dotnet.Register(dotnet.NewEnumType("DayOfWeek", "System.DayOfWeek", Sunday))
	// DateTimeStylesT is System.Globalization.DateTimeStyles, taken by
	// ParseExact and TryParseExact.
	DateTimeStylesT = dotnet.Register(dotnet.NewEnumType("DateTimeStyles", "System.Globalization.DateTimeStyles", StylesNone))
)

// Tick arithmetic. DateTime ticks count 100 ns from 0001-01-01T00:00:00.
const (
	tmUnixEpochTicks       = dotnet.UnixEpochTicks
	tmMaxTicks       int64 = 3155378975999999999
	tmTicksPerSec    int64 = 10_000_000
	tmTicksPerDay    int64 = 864_000_000_000
)

// DateTimeMinValue and DateTimeMaxValue are DateTime.MinValue and MaxValue.
var (
	DateTimeMinValue = dotnet.DateTimeFromTicks(0, dotnet.KindUnspecified)
	DateTimeMaxValue = dotnet.DateTimeFromTicks(tmMaxTicks, dotnet.KindUnspecified)
)

// CompareDateTime compares two DateTimes by their ticks (the kind is
// ignored, as in .NET) and returns -1, 0 or 1.
func CompareDateTime(a, b dotnet.DateTime) int {
	return tmCmp(a.Ticks(), b.Ticks())
}

func tmCmp(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func tmUnrepresentable(param string) *dotnet.Exception {
	return dotnet.Throw("System.ArgumentOutOfRangeException", "The added or subtracted value results in an un-representable DateTime. (Parameter '%s')", param)
}

// DateTimeAddChecked returns d + t, or an ArgumentOutOfRangeException when
// the result is outside MinValue..MaxValue.
func DateTimeAddChecked(d dotnet.DateTime, t dotnet.TimeSpan) (dotnet.DateTime, error) {
	return tmAddTicks(d, int64(t), "value")
}

func tmAddTicks(d dotnet.DateTime, n int64, param string) (dotnet.DateTime, error) {
	t := d.Ticks()
	if n > tmMaxTicks-t || n < -t {
		return dotnet.DateTime{}, tmUnrepresentable(param)
	}
	return dotnet.DateTimeFromTicks(t+n, d.Kind), nil
}

// DateTimeAdd is the operator DateTime + TimeSpan. A result outside the
// DateTime range panics with a *Exception (the expression VM turns panics
// into errors); use DateTimeAddChecked to get the error instead.
func DateTimeAdd(d dotnet.DateTime, t dotnet.TimeSpan) dotnet.DateTime {
	r, err := DateTimeAddChecked(d, t)
	if err != nil {
		panic(err)
	}
	return r
}

// DateTimeSub is the operator DateTime - TimeSpan; see DateTimeAdd for
// out-of-range results.
func DateTimeSub(d dotnet.DateTime, t dotnet.TimeSpan) dotnet.DateTime {
	if t == math.MinInt64 {
		panic(tmUnrepresentable("value"))
	}
	return DateTimeAdd(d, -t)
}

// DateTimeDiff is the operator DateTime - DateTime: the difference of their
// ticks (kinds are ignored, as in .NET).
func DateTimeDiff(a, b dotnet.DateTime) dotnet.TimeSpan {
	return dotnet.TimeSpan(a.Ticks() - b.Ticks())
}

// tmIsLeap reports whether y is a leap year in the Gregorian calendar.
func tmIsLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func tmDaysInMonth(y, m int) int {
	switch m {
	case 2:
		if tmIsLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// NewDateTime validates the parts of a date and time as the DateTime
// constructor does and builds it.
func NewDateTime(y, mo, d, h, mi, s, ms int, kind dotnet.DateTimeKind) (dotnet.DateTime, error) {
	if y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > tmDaysInMonth(y, mo) {
		return dotnet.DateTime{}, dotnet.Throw("System.ArgumentOutOfRangeException", "Year, Month, and Day parameters describe an un-representable DateTime.")
	}
	if h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 {
		return dotnet.DateTime{}, dotnet.Throw("System.ArgumentOutOfRangeException", "Hour, Minute, and Second parameters describe an un-representable DateTime.")
	}
	if ms < 0 || ms > 999 {
		return dotnet.DateTime{}, dotnet.Throw("System.ArgumentOutOfRangeException", "Valid values are between 0 and 999, inclusive. (Parameter 'millisecond')")
	}
	if kind > dotnet.KindLocal {
		return dotnet.DateTime{}, dotnet.Throw("System.ArgumentException", "Invalid DateTimeKind value. (Parameter 'kind')")
	}
	return dotnet.DateTime{T: time.Date(y, time.Month(mo), d, h, mi, s, ms*1e6, time.UTC), Kind: kind}, nil
}

func tmNowUTC() time.Time {
	t := dotnet.Now().UTC().Round(0)
	return t.Truncate(100 * time.Nanosecond)
}

// tmAddMonths is DateTime.AddMonths: the day is clamped to the target
// month's length.
func tmAddMonths(d dotnet.DateTime, n int64, param string) (dotnet.DateTime, error) {
	if n < -120000 || n > 120000 {
		return dotnet.DateTime{}, dotnet.Throw("System.ArgumentOutOfRangeException", "Months value must be between +/-120000. (Parameter '%s')", param)
	}
	t := dotnet.WallClock(d.T)
	y, mo, day := t.Date()
	m := int64(y)*12 + int64(mo-1) + n
	ny, nm := int(m/12), int(m%12)+1
	if ny < 1 || ny > 9999 {
		return dotnet.DateTime{}, tmUnrepresentable(param)
	}
	if dim := tmDaysInMonth(ny, nm); day > dim {
		day = dim
	}
	h, mi, s := t.Clock()
	return dotnet.DateTime{T: time.Date(ny, time.Month(nm), day, h, mi, s, t.Nanosecond(), time.UTC), Kind: d.Kind}, nil
}

// tmAddUnits is the double-valued AddDays/AddHours/...: the integral and
// fractional parts are scaled separately and truncated (.NET 7+).
func tmAddUnits(d dotnet.DateTime, v float64, perUnit int64) (dotnet.DateTime, error) {
	if math.IsNaN(v) || math.Abs(v) > float64(tmMaxTicks/perUnit) {
		return dotnet.DateTime{}, dotnet.Throw("System.ArgumentOutOfRangeException", "Value to add was out of range. (Parameter 'value')")
	}
	ip := math.Trunc(v)
	n := int64(ip)*perUnit + int64((v-ip)*float64(perUnit))
	return tmAddTicks(d, n, "value")
}

// ---- argument helpers (the shared ones are dotnet.IntArg, TimeSpanArg, ...) ----

// tmDT reads a DateTime argument (a DateTimeOffset gives its clock reading).
func tmDT(v any) dotnet.DateTime {
	switch x := v.(type) {
	case dotnet.DateTime:
		return x
	case *dotnet.DateTime:
		return *x
	case dotnet.DateTimeOffset:
		return dotnet.DateTime{T: dotnet.WallClock(x.T)}
	}
	return DateTimeMinValue
}

// ---- member tables ----

// tmDTProp builds a DateTime instance property from a function of it.
func tmDTProp(name string, t *dotnet.Type, f func(d dotnet.DateTime) any) *dotnet.Prop {
	return dotnet.NewProp(name, t, func(r any) (any, error) { return f(tmDT(r)), nil })
}

func init() {
	t := dotnet.DateTimeT
	dotnet.AddEnumValues(dotnet.DateTimeKindT, map[string]any{"Unspecified": dotnet.KindUnspecified, "Utc": dotnet.KindUtc, "Local": dotnet.KindLocal})
	dows := map[string]any{}
	for i, n := range dotnet.DayNames {
		dows[n] = DayOfWeek(i)
	}
	dotnet.AddEnumValues(DayOfWeekT, dows)
	dotnet.AddEnumValues(DateTimeStylesT, map[string]any{"None": StylesNone, "AllowLeadingWhite": StylesAllowLeadingWhite,
		"AllowTrailingWhite": StylesAllowTrailingWhite, "AllowInnerWhite": StylesAllowInnerWhite,
		"AllowWhiteSpaces": StylesAllowWhiteSpaces, "NoCurrentDateDefault": StylesNoCurrentDateDefault,
		"AdjustToUniversal": StylesAdjustToUniversal, "AssumeLocal": StylesAssumeLocal,
		"AssumeUniversal": StylesAssumeUniversal, "RoundtripKind": StylesRoundtripKind})

	ctor := func(n int, withKind bool) *dotnet.Method {
		names := []string{"year", "month", "day", "hour", "minute", "second", "millisecond"}[:n]
		var ps []any
		for _, nm := range names {
			ps = append(ps, nm, dotnet.Int32)
		}
		if withKind {
			ps = append(ps, "kind", dotnet.DateTimeKindT)
		}
		return dotnet.NewMethod(".ctor", t, func(_ any, a []any) (any, error) {
			v := [7]int{}
			for i := range n {
				v[i] = int(dotnet.IntArg(a[i]))
			}
			k := dotnet.KindUnspecified
			if withKind {
				k = dotnet.DateTimeKind(dotnet.IntArg(a[n]))
			} else if kk, ok := a[n-1].(dotnet.DateTimeKind); ok && n == 7 {
				// (y, m, d, h, mi, s, kind) resolved to the millisecond overload.
				k, v[6] = kk, 0
			}
			return NewDateTime(v[0], v[1], v[2], v[3], v[4], v[5], v[6], k)
		}, ps...)
	}
	ticksCtor := func(withKind bool) *dotnet.Method {
		ps := []any{"ticks", dotnet.Int64}
		if withKind {
			ps = append(ps, "kind", dotnet.DateTimeKindT)
		}
		return dotnet.NewMethod(".ctor", t, func(_ any, a []any) (any, error) {
			n := dotnet.IntArg(a[0])
			if n < 0 || n > tmMaxTicks {
				return nil, dotnet.Throw("System.ArgumentOutOfRangeException", "Ticks must be between DateTime.MinValue.Ticks and DateTime.MaxValue.Ticks. (Parameter 'ticks')")
			}
			k := dotnet.KindUnspecified
			if withKind {
				k = dotnet.DateTimeKind(dotnet.IntArg(a[1]))
			}
			return dotnet.DateTimeFromTicks(n, k), nil
		}, ps...)
	}
	t.Ctors = append(t.Ctors, ticksCtor(false), ticksCtor(true), ctor(3, false), ctor(6, false), ctor(6, true), ctor(7, false), ctor(7, true))

	t.AddStaticProp(
		dotnet.NewProp("Now", t, func(any) (any, error) { return dotnet.DateTime{T: tmNowUTC(), Kind: dotnet.KindLocal}, nil }),
		dotnet.NewProp("UtcNow", t, func(any) (any, error) { return dotnet.DateTime{T: tmNowUTC(), Kind: dotnet.KindUtc}, nil }),
		dotnet.NewProp("Today", t, func(any) (any, error) {
			n := tmNowUTC()
			return dotnet.DateTime{T: time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC), Kind: dotnet.KindLocal}, nil
		}),
		dotnet.NewProp("MinValue", t, func(any) (any, error) { return DateTimeMinValue, nil }),
		dotnet.NewProp("MaxValue", t, func(any) (any, error) { return DateTimeMaxValue, nil }),
		dotnet.NewProp("UnixEpoch", t, func(any) (any, error) { return dotnet.DateTimeFromTicks(tmUnixEpochTicks, dotnet.KindUtc), nil }),
	)

	t.AddProp(
		tmDTProp("Date", t, func(d dotnet.DateTime) any {
			n := d.Ticks()
			return dotnet.DateTimeFromTicks(n-n%tmTicksPerDay, d.Kind)
		}),
		tmDTProp("Day", dotnet.Int32, func(d dotnet.DateTime) any { return int32(dotnet.WallClock(d.T).Day()) }),
		tmDTProp("DayOfWeek", DayOfWeekT, func(d dotnet.DateTime) any { return DayOfWeek(dotnet.WallClock(d.T).Weekday()) }),
		tmDTProp("DayOfYear", dotnet.Int32, func(d dotnet.DateTime) any { return int32(dotnet.WallClock(d.T).YearDay()) }),
		tmDTProp("Hour", dotnet.Int32, func(d dotnet.DateTime) any { return int32(dotnet.WallClock(d.T).Hour()) }),
		tmDTProp("Minute", dotnet.Int32, func(d dotnet.DateTime) any { return int32(dotnet.WallClock(d.T).Minute()) }),
		tmDTProp("Second", dotnet.Int32, func(d dotnet.DateTime) any { return int32(dotnet.WallClock(d.T).Second()) }),
		tmDTProp("Millisecond", dotnet.Int32, func(d dotnet.DateTime) any { return int32(dotnet.WallClock(d.T).Nanosecond() / 1e6) }),
		tmDTProp("Microsecond", dotnet.Int32, func(d dotnet.DateTime) any { return int32(dotnet.WallClock(d.T).Nanosecond() / 1e3 % 1000) }),
		tmDTProp("Nanosecond", dotnet.Int32, func(d dotnet.DateTime) any { return int32(dotnet.WallClock(d.T).Nanosecond() / 100 % 10 * 100) }),
		tmDTProp("Month", dotnet.Int32, func(d dotnet.DateTime) any { return int32(dotnet.WallClock(d.T).Month()) }),
		tmDTProp("Year", dotnet.Int32, func(d dotnet.DateTime) any { return int32(dotnet.WallClock(d.T).Year()) }),
		tmDTProp("Ticks", dotnet.Int64, func(d dotnet.DateTime) any { return d.Ticks() }),
		tmDTProp("TimeOfDay", dotnet.TimeSpanT, func(d dotnet.DateTime) any { return dotnet.TimeSpan(d.Ticks() % tmTicksPerDay) }),
		tmDTProp("Kind", dotnet.DateTimeKindT, func(d dotnet.DateTime) any { return d.Kind }),
	)

	addD := func(name string, per int64) *dotnet.Method {
		return dotnet.NewMethod(name, t, func(r any, a []any) (any, error) { return tmAddUnits(tmDT(r), dotnet.Float64Arg(a[0]), per) }, "value", dotnet.Double)
	}
	t.AddMethod(
		dotnet.NewMethod("Add", t, func(r any, a []any) (any, error) { return DateTimeAddChecked(tmDT(r), dotnet.TimeSpanArg(a[0])) }, "value", dotnet.TimeSpanT),
		addD("AddDays", tmTicksPerDay),
		addD("AddHours", int64(dotnet.TicksPerHour)),
		addD("AddMinutes", int64(dotnet.TicksPerMinute)),
		addD("AddSeconds", int64(dotnet.TicksPerSecond)),
		addD("AddMilliseconds", int64(dotnet.TicksPerMillisecond)),
		addD("AddMicroseconds", 10),
		dotnet.NewMethod("AddTicks", t, func(r any, a []any) (any, error) { return tmAddTicks(tmDT(r), dotnet.IntArg(a[0]), "value") }, "value", dotnet.Int64),
		dotnet.NewMethod("AddMonths", t, func(r any, a []any) (any, error) { return tmAddMonths(tmDT(r), dotnet.IntArg(a[0]), "months") }, "months", dotnet.Int32),
		dotnet.NewMethod("AddYears", t, func(r any, a []any) (any, error) {
			n := dotnet.IntArg(a[0])
			if n < -10000 || n > 10000 {
				return nil, dotnet.Throw("System.ArgumentOutOfRangeException", "Years value must be between +/-10000. (Parameter 'years')")
			}
			return tmAddMonths(tmDT(r), n*12, "years")
		}, "value", dotnet.Int32),
		dotnet.NewMethod("Subtract", dotnet.TimeSpanT, func(r any, a []any) (any, error) { return DateTimeDiff(tmDT(r), tmDT(a[0])), nil }, "value", t),
		dotnet.NewMethod("Subtract", t, func(r any, a []any) (any, error) {
			ts := dotnet.TimeSpanArg(a[0])
			if ts == math.MinInt64 {
				return nil, tmUnrepresentable("value")
			}
			return DateTimeAddChecked(tmDT(r), -ts)
		}, "value", dotnet.TimeSpanT),
		dotnet.NewMethod("ToUniversalTime", t, func(r any, _ []any) (any, error) { d := tmDT(r); d.Kind = dotnet.KindUtc; return d, nil }),
		dotnet.NewMethod("ToLocalTime", t, func(r any, _ []any) (any, error) { d := tmDT(r); d.Kind = dotnet.KindLocal; return d, nil }),
		dotnet.NewMethod("IsDaylightSavingTime", dotnet.Boolean, func(any, []any) (any, error) { return false, nil }),
		dotnet.NewMethod("ToString", dotnet.String, func(r any, _ []any) (any, error) { return tmDT(r).String(), nil }),
		dotnet.NewMethod("ToString", dotnet.String, func(r any, a []any) (any, error) {
			f, _ := dotnet.StringArg(a[0])
			return tmDT(r).Format(f)
		}, "format", dotnet.String),
		dotnet.NewMethod("ToString", dotnet.String, func(r any, a []any) (any, error) {
			f, _ := dotnet.StringArg(a[0])
			return tmDT(r).Format(f)
		}, "format", dotnet.String, "provider", nil),
		dotnet.NewMethod("ToString", dotnet.String, func(r any, a []any) (any, error) {
			// ToString(IFormatProvider); a string here is a format.
			if f, ok := a[0].(string); ok {
				return tmDT(r).Format(f)
			}
			return tmDT(r).String(), nil
		}, "provider", nil),
		dotnet.NewMethod("ToShortDateString", dotnet.String, func(r any, _ []any) (any, error) { return tmDT(r).Format("d") }),
		dotnet.NewMethod("ToLongDateString", dotnet.String, func(r any, _ []any) (any, error) { return tmDT(r).Format("D") }),
		dotnet.NewMethod("ToShortTimeString", dotnet.String, func(r any, _ []any) (any, error) { return tmDT(r).Format("t") }),
		dotnet.NewMethod("ToLongTimeString", dotnet.String, func(r any, _ []any) (any, error) { return tmDT(r).Format("T") }),
		dotnet.NewMethod("ToFileTimeUtc", dotnet.Int64, func(r any, _ []any) (any, error) { return tmDT(r).Ticks() - 504911232000000000, nil }),
		dotnet.NewMethod("ToBinary", dotnet.Int64, func(r any, _ []any) (any, error) {
			d := tmDT(r)
			return d.Ticks() | int64(d.Kind)<<62, nil
		}),
		dotnet.NewMethod("CompareTo", dotnet.Int32, func(r any, a []any) (any, error) {
			if a[0] == nil {
				return int32(1), nil
			}
			d, ok := a[0].(dotnet.DateTime)
			if !ok {
				return nil, dotnet.Throw("System.ArgumentException", "Object must be of type DateTime.")
			}
			return int32(CompareDateTime(tmDT(r), d)), nil
		}, "value", nil),
		dotnet.NewMethod("CompareTo", dotnet.Int32, func(r any, a []any) (any, error) { return int32(CompareDateTime(tmDT(r), tmDT(a[0]))), nil }, "value", t),
		dotnet.NewMethod("Equals", dotnet.Boolean, func(r any, a []any) (any, error) {
			d, ok := a[0].(dotnet.DateTime)
			return ok && CompareDateTime(tmDT(r), d) == 0, nil
		}, "value", nil),
		dotnet.NewMethod("GetHashCode", dotnet.Int32, func(r any, _ []any) (any, error) {
			n := tmDT(r).Ticks()
			return int32(n) ^ int32(n>>32), nil
		}),
	)

	t.AddStatic(
		dotnet.NewMethod("DaysInMonth", dotnet.Int32, func(_ any, a []any) (any, error) {
			y, m := dotnet.IntArg(a[0]), dotnet.IntArg(a[1])
			if m < 1 || m > 12 {
				return nil, dotnet.Throw("System.ArgumentOutOfRangeException", "Month must be between one and twelve. (Parameter 'month')")
			}
			if y < 1 || y > 9999 {
				return nil, dotnet.Throw("System.ArgumentOutOfRangeException", "Year must be between 1 and 9999. (Parameter 'year')")
			}
			return int32(tmDaysInMonth(int(y), int(m))), nil
		}, "year", dotnet.Int32, "month", dotnet.Int32),
		dotnet.NewMethod("IsLeapYear", dotnet.Boolean, func(_ any, a []any) (any, error) {
			y := dotnet.IntArg(a[0])
			if y < 1 || y > 9999 {
				return nil, dotnet.Throw("System.ArgumentOutOfRangeException", "Year must be between 1 and 9999. (Parameter 'year')")
			}
			return tmIsLeap(int(y)), nil
		}, "year", dotnet.Int32),
		dotnet.NewMethod("Compare", dotnet.Int32, func(_ any, a []any) (any, error) { return int32(CompareDateTime(tmDT(a[0]), tmDT(a[1]))), nil }, "t1", t, "t2", t),
		dotnet.NewMethod("Equals", dotnet.Boolean, func(_ any, a []any) (any, error) { return CompareDateTime(tmDT(a[0]), tmDT(a[1])) == 0, nil }, "t1", t, "t2", t),
		dotnet.NewMethod("SpecifyKind", t, func(_ any, a []any) (any, error) {
			d := tmDT(a[0])
			d.Kind = dotnet.DateTimeKind(dotnet.IntArg(a[1]))
			return d, nil
		}, "value", t, "kind", dotnet.DateTimeKindT),
		dotnet.NewMethod("FromFileTimeUtc", t, func(_ any, a []any) (any, error) {
			n := dotnet.IntArg(a[0])
			if n < 0 || n > tmMaxTicks-504911232000000000 {
				return nil, dotnet.Throw("System.ArgumentOutOfRangeException", "Not a valid Win32 FileTime. (Parameter 'fileTime')")
			}
			return dotnet.DateTimeFromTicks(n+504911232000000000, dotnet.KindUtc), nil
		}, "fileTime", dotnet.Int64),
	)
	tmRegisterParse(t)
}
