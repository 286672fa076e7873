package dotnet

import (
	"math"
	"strconv"
	"time"
)

// Now is the clock behind DateTime.Now, DateTime.UtcNow, DateTime.Today,
// DateTimeOffset.Now and DateTimeOffset.UtcNow. Tests and the gateway replace
// it to freeze time. The gateway's local time zone is UTC.
var Now = time.Now

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

var tmDayNames = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
var tmMonthNames = [12]string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

// String returns the enum member name, as Enum.ToString() does.
func (d DayOfWeek) String() string {
	if d >= 0 && d < 7 {
		return tmDayNames[d]
	}
	return strconv.FormatInt(int64(d), 10)
}

// String returns the enum member name, as Enum.ToString() does.
func (k DateTimeKind) String() string {
	switch k {
	case KindUnspecified:
		return "Unspecified"
	case KindUtc:
		return "Utc"
	case KindLocal:
		return "Local"
	}
	return strconv.FormatInt(int64(k), 10)
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

// The registered time types.
var (
	DateTimeT       = Register(NewValueType("DateTime", "System.DateTime", DateTime{}))
	TimeSpanT       = Register(NewValueType("TimeSpan", "System.TimeSpan", TimeSpan(0)))
	DateTimeOffsetT = Register(NewValueType("DateTimeOffset", "System.DateTimeOffset", DateTimeOffset{}))
	GuidT           = Register(NewValueType("Guid", "System.Guid", Guid{}))
	DateTimeKindT   = Register(NewEnumType("DateTimeKind", "System.DateTimeKind", KindUnspecified))
	DayOfWeekT      = Register(NewEnumType("DayOfWeek", "System.DayOfWeek", Sunday))
	// DateTimeStylesT is System.Globalization.DateTimeStyles, taken by
	// ParseExact and TryParseExact.
	DateTimeStylesT = Register(NewEnumType("DateTimeStyles", "System.Globalization.DateTimeStyles", StylesNone))
)

// Tick arithmetic. DateTime ticks count 100 ns from 0001-01-01T00:00:00.
const (
	tmUnixEpochTicks int64 = 621355968000000000
	tmMaxTicks       int64 = 3155378975999999999
	tmTicksPerSec    int64 = 10_000_000
	tmTicksPerDay    int64 = 864_000_000_000
)

// DateTimeMinValue and DateTimeMaxValue are DateTime.MinValue and MaxValue.
var (
	DateTimeMinValue = DateTimeFromTicks(0, KindUnspecified)
	DateTimeMaxValue = DateTimeFromTicks(tmMaxTicks, KindUnspecified)
)

// DateTimeFromTicks builds a DateTime from .NET ticks (100 ns since
// 0001-01-01) and a kind. Ticks must be within MinValue..MaxValue.
func DateTimeFromTicks(ticks int64, kind DateTimeKind) DateTime {
	u := ticks - tmUnixEpochTicks
	sec, rem := u/tmTicksPerSec, u%tmTicksPerSec
	if rem < 0 {
		sec--
		rem += tmTicksPerSec
	}
	return DateTime{T: time.Unix(sec, rem*100).UTC(), Kind: kind}
}

// tmWall returns t's wall-clock reading as a time in UTC's location.
func tmWall(t time.Time) time.Time {
	if t.Location() == time.UTC {
		return t
	}
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, t.Nanosecond(), time.UTC)
}

func tmTicksOf(t time.Time) int64 {
	t = tmWall(t)
	return t.Unix()*tmTicksPerSec + int64(t.Nanosecond()/100) + tmUnixEpochTicks
}

// Ticks returns the DateTime's .NET ticks.
func (d DateTime) Ticks() int64 { return tmTicksOf(d.T) }

// String renders the DateTime as ToString() does in the invariant culture
// ("MM/dd/yyyy HH:mm:ss").
func (d DateTime) String() string {
	s, _ := d.Format("G")
	return s
}

// Format renders the DateTime as ToString(format) does in the invariant
// culture: a standard format ("o", "R", "s", "u", ...) or a custom one
// ("yyyy-MM-ddTHH:mm:ssK"). An invalid format is a System.FormatException.
func (d DateTime) Format(f string) (string, error) {
	return tmFormat(tmStamp{ticks: d.Ticks(), kind: d.Kind}, f)
}

// CompareDateTime compares two DateTimes by their ticks (the kind is
// ignored, as in .NET) and returns -1, 0 or 1.
func CompareDateTime(a, b DateTime) int {
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

func tmUnrepresentable(param string) *Exception {
	return Throw("System.ArgumentOutOfRangeException", "The added or subtracted value results in an un-representable DateTime. (Parameter '%s')", param)
}

// DateTimeAddChecked returns d + t, or an ArgumentOutOfRangeException when
// the result is outside MinValue..MaxValue.
func DateTimeAddChecked(d DateTime, t TimeSpan) (DateTime, error) {
	return tmAddTicks(d, int64(t), "value")
}

func tmAddTicks(d DateTime, n int64, param string) (DateTime, error) {
	t := d.Ticks()
	if n > tmMaxTicks-t || n < -t {
		return DateTime{}, tmUnrepresentable(param)
	}
	return DateTimeFromTicks(t+n, d.Kind), nil
}

// DateTimeAdd is the operator DateTime + TimeSpan. A result outside the
// DateTime range panics with a *Exception (the expression VM turns panics
// into errors); use DateTimeAddChecked to get the error instead.
func DateTimeAdd(d DateTime, t TimeSpan) DateTime {
	r, err := DateTimeAddChecked(d, t)
	if err != nil {
		panic(err)
	}
	return r
}

// DateTimeSub is the operator DateTime - TimeSpan; see DateTimeAdd for
// out-of-range results.
func DateTimeSub(d DateTime, t TimeSpan) DateTime {
	if t == math.MinInt64 {
		panic(tmUnrepresentable("value"))
	}
	return DateTimeAdd(d, -t)
}

// DateTimeDiff is the operator DateTime - DateTime: the difference of their
// ticks (kinds are ignored, as in .NET).
func DateTimeDiff(a, b DateTime) TimeSpan {
	return TimeSpan(a.Ticks() - b.Ticks())
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
func NewDateTime(y, mo, d, h, mi, s, ms int, kind DateTimeKind) (DateTime, error) {
	if y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > tmDaysInMonth(y, mo) {
		return DateTime{}, Throw("System.ArgumentOutOfRangeException", "Year, Month, and Day parameters describe an un-representable DateTime.")
	}
	if h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 {
		return DateTime{}, Throw("System.ArgumentOutOfRangeException", "Hour, Minute, and Second parameters describe an un-representable DateTime.")
	}
	if ms < 0 || ms > 999 {
		return DateTime{}, Throw("System.ArgumentOutOfRangeException", "Valid values are between 0 and 999, inclusive. (Parameter 'millisecond')")
	}
	if kind > KindLocal {
		return DateTime{}, Throw("System.ArgumentException", "Invalid DateTimeKind value. (Parameter 'kind')")
	}
	return DateTime{T: time.Date(y, time.Month(mo), d, h, mi, s, ms*1e6, time.UTC), Kind: kind}, nil
}

func tmNowUTC() time.Time {
	t := Now().UTC().Round(0)
	return t.Truncate(100 * time.Nanosecond)
}

// tmAddMonths is DateTime.AddMonths: the day is clamped to the target
// month's length.
func tmAddMonths(d DateTime, n int64, param string) (DateTime, error) {
	if n < -120000 || n > 120000 {
		return DateTime{}, Throw("System.ArgumentOutOfRangeException", "Months value must be between +/-120000. (Parameter '%s')", param)
	}
	t := tmWall(d.T)
	y, mo, day := t.Date()
	m := int64(y)*12 + int64(mo-1) + n
	ny, nm := int(m/12), int(m%12)+1
	if ny < 1 || ny > 9999 {
		return DateTime{}, tmUnrepresentable(param)
	}
	if dim := tmDaysInMonth(ny, nm); day > dim {
		day = dim
	}
	h, mi, s := t.Clock()
	return DateTime{T: time.Date(ny, time.Month(nm), day, h, mi, s, t.Nanosecond(), time.UTC), Kind: d.Kind}, nil
}

// tmAddUnits is the double-valued AddDays/AddHours/...: the integral and
// fractional parts are scaled separately and truncated (.NET 7+).
func tmAddUnits(d DateTime, v float64, perUnit int64) (DateTime, error) {
	if math.IsNaN(v) || math.Abs(v) > float64(tmMaxTicks/perUnit) {
		return DateTime{}, Throw("System.ArgumentOutOfRangeException", "Value to add was out of range. (Parameter 'value')")
	}
	ip := math.Trunc(v)
	n := int64(ip)*perUnit + int64((v-ip)*float64(perUnit))
	return tmAddTicks(d, n, "value")
}

// ---- argument helpers shared by the time, regex and crypto files ----

func tmDT(v any) DateTime {
	switch x := v.(type) {
	case DateTime:
		return x
	case *DateTime:
		return *x
	case DateTimeOffset:
		return DateTime{T: tmWall(x.T)}
	}
	return DateTimeMinValue
}

func tmTS(v any) TimeSpan {
	switch x := v.(type) {
	case TimeSpan:
		return x
	case *TimeSpan:
		return *x
	}
	return TimeSpan(IntArg(v))
}

// ---- member tables ----

// tmDTProp builds a DateTime instance property from a function of it.
func tmDTProp(name string, t *Type, f func(d DateTime) any) *Prop {
	return NewProp(name, t, func(r any) (any, error) { return f(tmDT(r)), nil })
}

func init() {
	t := DateTimeT
	AddEnumValues(DateTimeKindT, map[string]any{"Unspecified": KindUnspecified, "Utc": KindUtc, "Local": KindLocal})
	dows := map[string]any{}
	for i, n := range tmDayNames {
		dows[n] = DayOfWeek(i)
	}
	AddEnumValues(DayOfWeekT, dows)
	AddEnumValues(DateTimeStylesT, map[string]any{"None": StylesNone, "AllowLeadingWhite": StylesAllowLeadingWhite,
		"AllowTrailingWhite": StylesAllowTrailingWhite, "AllowInnerWhite": StylesAllowInnerWhite,
		"AllowWhiteSpaces": StylesAllowWhiteSpaces, "NoCurrentDateDefault": StylesNoCurrentDateDefault,
		"AdjustToUniversal": StylesAdjustToUniversal, "AssumeLocal": StylesAssumeLocal,
		"AssumeUniversal": StylesAssumeUniversal, "RoundtripKind": StylesRoundtripKind})

	ctor := func(n int, withKind bool) *Method {
		names := []string{"year", "month", "day", "hour", "minute", "second", "millisecond"}[:n]
		var ps []any
		for _, nm := range names {
			ps = append(ps, nm, Int32)
		}
		if withKind {
			ps = append(ps, "kind", DateTimeKindT)
		}
		return NewMethod(".ctor", t, func(_ any, a []any) (any, error) {
			v := [7]int{}
			for i := range n {
				v[i] = int(IntArg(a[i]))
			}
			k := KindUnspecified
			if withKind {
				k = DateTimeKind(IntArg(a[n]))
			} else if kk, ok := a[n-1].(DateTimeKind); ok && n == 7 {
				// (y, m, d, h, mi, s, kind) resolved to the millisecond overload.
				k, v[6] = kk, 0
			}
			return NewDateTime(v[0], v[1], v[2], v[3], v[4], v[5], v[6], k)
		}, ps...)
	}
	ticksCtor := func(withKind bool) *Method {
		ps := []any{"ticks", Int64}
		if withKind {
			ps = append(ps, "kind", DateTimeKindT)
		}
		return NewMethod(".ctor", t, func(_ any, a []any) (any, error) {
			n := IntArg(a[0])
			if n < 0 || n > tmMaxTicks {
				return nil, Throw("System.ArgumentOutOfRangeException", "Ticks must be between DateTime.MinValue.Ticks and DateTime.MaxValue.Ticks. (Parameter 'ticks')")
			}
			k := KindUnspecified
			if withKind {
				k = DateTimeKind(IntArg(a[1]))
			}
			return DateTimeFromTicks(n, k), nil
		}, ps...)
	}
	t.Ctors = append(t.Ctors, ticksCtor(false), ticksCtor(true), ctor(3, false), ctor(6, false), ctor(6, true), ctor(7, false), ctor(7, true))

	t.AddStaticProp(
		NewProp("Now", t, func(any) (any, error) { return DateTime{T: tmNowUTC(), Kind: KindLocal}, nil }),
		NewProp("UtcNow", t, func(any) (any, error) { return DateTime{T: tmNowUTC(), Kind: KindUtc}, nil }),
		NewProp("Today", t, func(any) (any, error) {
			n := tmNowUTC()
			return DateTime{T: time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC), Kind: KindLocal}, nil
		}),
		NewProp("MinValue", t, func(any) (any, error) { return DateTimeMinValue, nil }),
		NewProp("MaxValue", t, func(any) (any, error) { return DateTimeMaxValue, nil }),
		NewProp("UnixEpoch", t, func(any) (any, error) { return DateTimeFromTicks(tmUnixEpochTicks, KindUtc), nil }),
	)

	t.AddProp(
		tmDTProp("Date", t, func(d DateTime) any {
			n := d.Ticks()
			return DateTimeFromTicks(n-n%tmTicksPerDay, d.Kind)
		}),
		tmDTProp("Day", Int32, func(d DateTime) any { return int32(tmWall(d.T).Day()) }),
		tmDTProp("DayOfWeek", DayOfWeekT, func(d DateTime) any { return DayOfWeek(tmWall(d.T).Weekday()) }),
		tmDTProp("DayOfYear", Int32, func(d DateTime) any { return int32(tmWall(d.T).YearDay()) }),
		tmDTProp("Hour", Int32, func(d DateTime) any { return int32(tmWall(d.T).Hour()) }),
		tmDTProp("Minute", Int32, func(d DateTime) any { return int32(tmWall(d.T).Minute()) }),
		tmDTProp("Second", Int32, func(d DateTime) any { return int32(tmWall(d.T).Second()) }),
		tmDTProp("Millisecond", Int32, func(d DateTime) any { return int32(tmWall(d.T).Nanosecond() / 1e6) }),
		tmDTProp("Microsecond", Int32, func(d DateTime) any { return int32(tmWall(d.T).Nanosecond() / 1e3 % 1000) }),
		tmDTProp("Nanosecond", Int32, func(d DateTime) any { return int32(tmWall(d.T).Nanosecond() / 100 % 10 * 100) }),
		tmDTProp("Month", Int32, func(d DateTime) any { return int32(tmWall(d.T).Month()) }),
		tmDTProp("Year", Int32, func(d DateTime) any { return int32(tmWall(d.T).Year()) }),
		tmDTProp("Ticks", Int64, func(d DateTime) any { return d.Ticks() }),
		tmDTProp("TimeOfDay", TimeSpanT, func(d DateTime) any { return TimeSpan(d.Ticks() % tmTicksPerDay) }),
		tmDTProp("Kind", DateTimeKindT, func(d DateTime) any { return d.Kind }),
	)

	addD := func(name string, per int64) *Method {
		return NewMethod(name, t, func(r any, a []any) (any, error) { return tmAddUnits(tmDT(r), txF64(a[0]), per) }, "value", Double)
	}
	t.AddMethod(
		NewMethod("Add", t, func(r any, a []any) (any, error) { return DateTimeAddChecked(tmDT(r), tmTS(a[0])) }, "value", TimeSpanT),
		addD("AddDays", tmTicksPerDay),
		addD("AddHours", int64(TicksPerHour)),
		addD("AddMinutes", int64(TicksPerMinute)),
		addD("AddSeconds", int64(TicksPerSecond)),
		addD("AddMilliseconds", int64(TicksPerMillisecond)),
		addD("AddMicroseconds", 10),
		NewMethod("AddTicks", t, func(r any, a []any) (any, error) { return tmAddTicks(tmDT(r), IntArg(a[0]), "value") }, "value", Int64),
		NewMethod("AddMonths", t, func(r any, a []any) (any, error) { return tmAddMonths(tmDT(r), IntArg(a[0]), "months") }, "months", Int32),
		NewMethod("AddYears", t, func(r any, a []any) (any, error) {
			n := IntArg(a[0])
			if n < -10000 || n > 10000 {
				return nil, Throw("System.ArgumentOutOfRangeException", "Years value must be between +/-10000. (Parameter 'years')")
			}
			return tmAddMonths(tmDT(r), n*12, "years")
		}, "value", Int32),
		NewMethod("Subtract", TimeSpanT, func(r any, a []any) (any, error) { return DateTimeDiff(tmDT(r), tmDT(a[0])), nil }, "value", t),
		NewMethod("Subtract", t, func(r any, a []any) (any, error) {
			ts := tmTS(a[0])
			if ts == math.MinInt64 {
				return nil, tmUnrepresentable("value")
			}
			return DateTimeAddChecked(tmDT(r), -ts)
		}, "value", TimeSpanT),
		NewMethod("ToUniversalTime", t, func(r any, _ []any) (any, error) { d := tmDT(r); d.Kind = KindUtc; return d, nil }),
		NewMethod("ToLocalTime", t, func(r any, _ []any) (any, error) { d := tmDT(r); d.Kind = KindLocal; return d, nil }),
		NewMethod("IsDaylightSavingTime", Boolean, func(any, []any) (any, error) { return false, nil }),
		NewMethod("ToString", String, func(r any, _ []any) (any, error) { return tmDT(r).String(), nil }),
		NewMethod("ToString", String, func(r any, a []any) (any, error) {
			f, _ := StringArg(a[0])
			return tmDT(r).Format(f)
		}, "format", String),
		NewMethod("ToString", String, func(r any, a []any) (any, error) {
			f, _ := StringArg(a[0])
			return tmDT(r).Format(f)
		}, "format", String, "provider", nil),
		NewMethod("ToString", String, func(r any, a []any) (any, error) {
			// ToString(IFormatProvider); a string here is a format.
			if f, ok := a[0].(string); ok {
				return tmDT(r).Format(f)
			}
			return tmDT(r).String(), nil
		}, "provider", nil),
		NewMethod("ToShortDateString", String, func(r any, _ []any) (any, error) { return tmDT(r).Format("d") }),
		NewMethod("ToLongDateString", String, func(r any, _ []any) (any, error) { return tmDT(r).Format("D") }),
		NewMethod("ToShortTimeString", String, func(r any, _ []any) (any, error) { return tmDT(r).Format("t") }),
		NewMethod("ToLongTimeString", String, func(r any, _ []any) (any, error) { return tmDT(r).Format("T") }),
		NewMethod("ToFileTimeUtc", Int64, func(r any, _ []any) (any, error) { return tmDT(r).Ticks() - 504911232000000000, nil }),
		NewMethod("ToBinary", Int64, func(r any, _ []any) (any, error) {
			d := tmDT(r)
			return d.Ticks() | int64(d.Kind)<<62, nil
		}),
		NewMethod("CompareTo", Int32, func(r any, a []any) (any, error) {
			if a[0] == nil {
				return int32(1), nil
			}
			d, ok := a[0].(DateTime)
			if !ok {
				return nil, Throw("System.ArgumentException", "Object must be of type DateTime.")
			}
			return int32(CompareDateTime(tmDT(r), d)), nil
		}, "value", nil),
		NewMethod("CompareTo", Int32, func(r any, a []any) (any, error) { return int32(CompareDateTime(tmDT(r), tmDT(a[0]))), nil }, "value", t),
		NewMethod("Equals", Boolean, func(r any, a []any) (any, error) {
			d, ok := a[0].(DateTime)
			return ok && CompareDateTime(tmDT(r), d) == 0, nil
		}, "value", nil),
		NewMethod("GetHashCode", Int32, func(r any, _ []any) (any, error) {
			n := tmDT(r).Ticks()
			return int32(n) ^ int32(n>>32), nil
		}),
	)

	t.AddStatic(
		NewMethod("DaysInMonth", Int32, func(_ any, a []any) (any, error) {
			y, m := IntArg(a[0]), IntArg(a[1])
			if m < 1 || m > 12 {
				return nil, Throw("System.ArgumentOutOfRangeException", "Month must be between one and twelve. (Parameter 'month')")
			}
			if y < 1 || y > 9999 {
				return nil, Throw("System.ArgumentOutOfRangeException", "Year must be between 1 and 9999. (Parameter 'year')")
			}
			return int32(tmDaysInMonth(int(y), int(m))), nil
		}, "year", Int32, "month", Int32),
		NewMethod("IsLeapYear", Boolean, func(_ any, a []any) (any, error) {
			y := IntArg(a[0])
			if y < 1 || y > 9999 {
				return nil, Throw("System.ArgumentOutOfRangeException", "Year must be between 1 and 9999. (Parameter 'year')")
			}
			return tmIsLeap(int(y)), nil
		}, "year", Int32),
		NewMethod("Compare", Int32, func(_ any, a []any) (any, error) { return int32(CompareDateTime(tmDT(a[0]), tmDT(a[1]))), nil }, "t1", t, "t2", t),
		NewMethod("Equals", Boolean, func(_ any, a []any) (any, error) { return CompareDateTime(tmDT(a[0]), tmDT(a[1])) == 0, nil }, "t1", t, "t2", t),
		NewMethod("SpecifyKind", t, func(_ any, a []any) (any, error) {
			d := tmDT(a[0])
			d.Kind = DateTimeKind(IntArg(a[1]))
			return d, nil
		}, "value", t, "kind", DateTimeKindT),
		NewMethod("FromFileTimeUtc", t, func(_ any, a []any) (any, error) {
			n := IntArg(a[0])
			if n < 0 || n > tmMaxTicks-504911232000000000 {
				return nil, Throw("System.ArgumentOutOfRangeException", "Not a valid Win32 FileTime. (Parameter 'fileTime')")
			}
			return DateTimeFromTicks(n+504911232000000000, KindUtc), nil
		}, "fileTime", Int64),
	)
	tmRegisterParse(t)
}
