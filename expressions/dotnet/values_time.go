package dotnet

import (
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// The date, time and GUID values belong to the value model (values.go):
// their type descriptors and how a value prints (values_time_format.go)
// are core. Their .NET members (System.DateTime, TimeSpan, DateTimeOffset,
// Guid, TimeZoneInfo) and the parsers are in package systime.

// The registered value types of values.go.
var (
	DateTimeT       = Register(NewValueType("DateTime", "System.DateTime", DateTime{}))
	TimeSpanT       = Register(NewValueType("TimeSpan", "System.TimeSpan", TimeSpan(0)))
	DateTimeOffsetT = Register(NewValueType("DateTimeOffset", "System.DateTimeOffset", DateTimeOffset{}))
	GuidT           = Register(NewValueType("Guid", "System.Guid", Guid{}))
	DateTimeKindT   = Register(NewEnumType("DateTimeKind", "System.DateTimeKind", KindUnspecified))
)

// Now is the clock behind DateTime.Now, DateTime.UtcNow, DateTime.Today,
// DateTimeOffset.Now and DateTimeOffset.UtcNow, and of certificate
// validity. Tests and the gateway replace it to freeze time. The gateway's
// local time zone is UTC.
var Now = time.Now

// UnixEpochTicks is the DateTime ticks of 1970-01-01T00:00:00.
const UnixEpochTicks int64 = 621355968000000000

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

// Ticks returns the DateTime's .NET ticks.
func (d DateTime) Ticks() int64 { return TicksOf(d.T) }

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

// Offset returns the offset from UTC.
func (o DateTimeOffset) Offset() TimeSpan {
	_, off := o.T.Zone()
	return TimeSpan(int64(off) * int64(TicksPerSecond))
}

// ClockTicks returns the ticks of the clock reading (DateTimeOffset.Ticks).
func (o DateTimeOffset) ClockTicks() int64 { return TicksOf(o.T) }

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

// String renders the TimeSpan in the constant ("c") format:
// [-][d.]hh:mm:ss[.fffffff].
func (ts TimeSpan) String() string {
	s, _ := ts.Format("c")
	return s
}

// String renders the Guid in the "D" format:
// xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, lower case.
func (g Guid) String() string {
	s, _ := g.Format("D")
	return s
}

// Format renders the Guid as ToString(format) does: "N", "D", "B", "P" or
// "X" (either case; empty means "D").
func (g Guid) Format(f string) (string, error) {
	h := hex.EncodeToString(g[:])
	d := h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	switch f {
	case "", "D", "d":
		return d, nil
	case "N", "n":
		return h, nil
	case "B", "b":
		return "{" + d + "}", nil
	case "P", "p":
		return "(" + d + ")", nil
	case "X", "x":
		var b strings.Builder
		b.WriteString("{0x" + h[0:8] + ",0x" + h[8:12] + ",0x" + h[12:16] + ",{")
		for i := 8; i < 16; i++ {
			if i > 8 {
				b.WriteByte(',')
			}
			b.WriteString("0x" + h[2*i:2*i+2])
		}
		b.WriteString("}}")
		return b.String(), nil
	}
	return "", FormatError(`Format string can be only "D", "d", "N", "n", "P", "p", "B", "b", "X" or "x".`)
}

// WallClock returns t's wall-clock reading as a time in UTC's location.
func WallClock(t time.Time) time.Time {
	if t.Location() == time.UTC {
		return t
	}
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, t.Nanosecond(), time.UTC)
}

// TicksOf is the DateTime ticks of t's wall-clock reading.
func TicksOf(t time.Time) int64 {
	t = WallClock(t)
	return t.Unix()*int64(TicksPerSecond) + int64(t.Nanosecond()/100) + UnixEpochTicks
}

// TimeSpanArg reads a TimeSpan argument (a TimeSpan, or its ticks).
func TimeSpanArg(v any) TimeSpan {
	switch x := v.(type) {
	case TimeSpan:
		return x
	case *TimeSpan:
		return *x
	}
	return TimeSpan(IntArg(v))
}

// DateTimeFromTicks builds a DateTime from .NET ticks (100 ns since
// 0001-01-01) and a kind. Ticks must be within MinValue..MaxValue.
func DateTimeFromTicks(ticks int64, kind DateTimeKind) DateTime {
	u := ticks - UnixEpochTicks
	sec, rem := u/int64(TicksPerSecond), u%int64(TicksPerSecond)
	if rem < 0 {
		sec--
		rem += int64(TicksPerSecond)
	}
	return DateTime{T: time.Unix(sec, rem*100).UTC(), Kind: kind}
}
