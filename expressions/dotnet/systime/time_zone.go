package systime

import (
	"reflect"
	"strings"
	"time"
	_ "time/tzdata"

	"github.com/policygate/policygate/expressions/dotnet"
)

// TimeZoneInfo is System.TimeZoneInfo: a named zone backed by the IANA
// database. Windows IDs ("W. Europe Standard Time", the ones APIM knows) map
// to IANA zones; IANA IDs are accepted as well.
type TimeZoneInfo struct {
	ID  string
	Loc *time.Location
}

// TimeZoneInfoT is the registered System.TimeZoneInfo type.
var TimeZoneInfoT = dotnet.Register(dotnet.NewType("TimeZoneInfo", "System.TimeZoneInfo", nil, reflect.TypeOf((*TimeZoneInfo)(nil))))

var tmUTCZone = &TimeZoneInfo{ID: "UTC", Loc: time.UTC}

// tmWindowsZones maps common Windows time-zone IDs to IANA zones.
var tmWindowsZones = map[string]string{
	"UTC": "UTC", "Coordinated Universal Time": "UTC", "GMT Standard Time": "Europe/London",
	"Greenwich Standard Time": "Atlantic/Reykjavik", "W. Europe Standard Time": "Europe/Berlin",
	"Central Europe Standard Time": "Europe/Budapest", "Romance Standard Time": "Europe/Paris",
	"Central European Standard Time": "Europe/Warsaw", "E. Europe Standard Time": "Europe/Chisinau",
	"FLE Standard Time": "Europe/Kiev", "GTB Standard Time": "Europe/Bucharest", "Russian Standard Time": "Europe/Moscow",
	"Turkey Standard Time": "Europe/Istanbul", "Israel Standard Time": "Asia/Jerusalem", "Egypt Standard Time": "Africa/Cairo",
	"South Africa Standard Time": "Africa/Johannesburg", "W. Central Africa Standard Time": "Africa/Lagos",
	"Morocco Standard Time": "Africa/Casablanca", "Arabian Standard Time": "Asia/Dubai", "Arab Standard Time": "Asia/Riyadh",
	"Iran Standard Time": "Asia/Tehran", "Afghanistan Standard Time": "Asia/Kabul", "Pakistan Standard Time": "Asia/Karachi",
	"West Asia Standard Time": "Asia/Tashkent", "India Standard Time": "Asia/Kolkata", "Sri Lanka Standard Time": "Asia/Colombo",
	"Nepal Standard Time": "Asia/Kathmandu", "Central Asia Standard Time": "Asia/Almaty", "Bangladesh Standard Time": "Asia/Dhaka",
	"Myanmar Standard Time": "Asia/Yangon", "SE Asia Standard Time": "Asia/Bangkok", "North Asia Standard Time": "Asia/Krasnoyarsk",
	"China Standard Time": "Asia/Shanghai", "Singapore Standard Time": "Asia/Singapore", "Taipei Standard Time": "Asia/Taipei",
	"W. Australia Standard Time": "Australia/Perth", "Tokyo Standard Time": "Asia/Tokyo", "Korea Standard Time": "Asia/Seoul",
	"Cen. Australia Standard Time": "Australia/Adelaide", "E. Australia Standard Time": "Australia/Brisbane",
	"AUS Eastern Standard Time": "Australia/Sydney", "New Zealand Standard Time": "Pacific/Auckland", "Fiji Standard Time": "Pacific/Fiji",
	"Ekaterinburg Standard Time": "Asia/Yekaterinburg", "Line Islands Standard Time": "Pacific/Kiritimati",
	"Dateline Standard Time": "Etc/GMT+12", "UTC-11": "Etc/GMT+11", "UTC+12": "Etc/GMT-12", "UTC-02": "Etc/GMT+2",
	"Hawaiian Standard Time": "Pacific/Honolulu", "Alaskan Standard Time": "America/Anchorage",
	"Pacific Standard Time": "America/Los_Angeles", "US Mountain Standard Time": "America/Phoenix",
	"Mountain Standard Time": "America/Denver", "Central Standard Time": "America/Chicago",
	"Central Standard Time (Mexico)": "America/Mexico_City", "Canada Central Standard Time": "America/Regina",
	"Eastern Standard Time": "America/New_York", "SA Pacific Standard Time": "America/Bogota",
	"Venezuela Standard Time": "America/Caracas", "Atlantic Standard Time": "America/Halifax",
	"Pacific SA Standard Time": "America/Santiago", "Newfoundland Standard Time": "America/St_Johns",
	"E. South America Standard Time": "America/Sao_Paulo", "Argentina Standard Time": "America/Argentina/Buenos_Aires",
}

// FindTimeZone resolves a Windows or IANA time-zone ID, as
// TimeZoneInfo.FindSystemTimeZoneById does.
func FindTimeZone(id string) (*TimeZoneInfo, error) {
	if id == "" {
		return nil, dotnet.Throw("System.TimeZoneNotFoundException", "The time zone ID '' was not found on the local computer.")
	}
	name := id
	for w, iana := range tmWindowsZones {
		if strings.EqualFold(w, id) {
			name = iana
			id = w
			break
		}
	}
	if strings.EqualFold(name, "UTC") {
		return &TimeZoneInfo{ID: id, Loc: time.UTC}, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || strings.HasPrefix(name, "/") || strings.Contains(name, "..") {
		return nil, dotnet.Throw("System.TimeZoneNotFoundException", "The time zone ID '%s' was not found on the local computer.", id)
	}
	return &TimeZoneInfo{ID: id, Loc: loc}, nil
}

func tmZone(v any) *TimeZoneInfo {
	if z, ok := v.(*TimeZoneInfo); ok && z != nil {
		return z
	}
	return tmUTCZone
}

// offsetAt returns the zone's offset at a UTC instant in ticks.
func (z *TimeZoneInfo) offsetAt(utcTicks int64) dotnet.TimeSpan {
	_, off := dotnet.DateTimeFromTicks(utcTicks, dotnet.KindUtc).T.In(z.Loc).Zone()
	return dotnet.TimeSpan(int64(off) * tmTicksPerSec)
}

// clockToUTC converts a clock reading in the zone to UTC ticks.
func (z *TimeZoneInfo) clockToUTC(clock int64) int64 {
	w := dotnet.DateTimeFromTicks(clock, dotnet.KindUnspecified).T
	t := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), z.Loc)
	return dotnet.TicksOf(t.UTC())
}

// utcTicksOf reads a DateTime as an instant: Utc and Local (the local zone
// is UTC) as UTC, Unspecified as a clock reading in the zone.
func (z *TimeZoneInfo) utcTicksOf(d dotnet.DateTime) int64 {
	if d.Kind == dotnet.KindUnspecified {
		return z.clockToUTC(d.Ticks())
	}
	return d.Ticks()
}

func (z *TimeZoneInfo) baseOffset() dotnet.TimeSpan {
	y := tmNowUTC().Year()
	_, a := time.Date(y, 1, 1, 0, 0, 0, 0, z.Loc).Zone()
	_, b := time.Date(y, 7, 1, 0, 0, 0, 0, z.Loc).Zone()
	return dotnet.TimeSpan(int64(min(a, b)) * tmTicksPerSec)
}

func (z *TimeZoneInfo) displayName() string {
	off := z.baseOffset()
	if z.Loc == time.UTC {
		return "(UTC) Coordinated Universal Time"
	}
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	s, _ := off.Format(`hh\:mm`)
	return "(UTC" + sign + s + ") " + z.ID
}

// String returns the display name, as ToString() does.
func (z *TimeZoneInfo) String() string { return z.displayName() }

// fromUTC converts UTC ticks to the zone's clock as a DateTime.
func (z *TimeZoneInfo) fromUTC(utc int64) (dotnet.DateTime, error) {
	k := dotnet.KindUnspecified
	if z.Loc == time.UTC {
		k = dotnet.KindUtc
	}
	n := utc + int64(z.offsetAt(utc))
	if n < 0 || n > tmMaxTicks {
		return dotnet.DateTime{}, tmUnrepresentable("dateTime")
	}
	return dotnet.DateTimeFromTicks(n, k), nil
}

func init() {
	t := TimeZoneInfoT
	t.AddStaticProp(
		dotnet.NewProp("Utc", t, func(any) (any, error) { return tmUTCZone, nil }),
		dotnet.NewProp("Local", t, func(any) (any, error) { return tmUTCZone, nil }),
	)
	find := func(v any) (*TimeZoneInfo, error) {
		id, ok := dotnet.StringArg(v)
		if !ok {
			return nil, dotnet.ArgumentNull("id")
		}
		return FindTimeZone(id)
	}
	toDTO := func(o dotnet.DateTimeOffset, z *TimeZoneInfo) (any, error) {
		utc := o.UtcTicks()
		off := z.offsetAt(utc)
		return NewDateTimeOffset(utc+int64(off), off)
	}
	convert := func(_ any, a []any) (any, error) {
		z := tmZone(a[len(a)-1])
		if o, ok := a[0].(dotnet.DateTimeOffset); ok {
			return toDTO(o, z)
		}
		d := tmDT(a[0])
		if len(a) == 3 {
			return tmZone(a[2]).fromUTC(tmZone(a[1]).utcTicksOf(d))
		}
		return z.fromUTC(d.Ticks())
	}
	byID := func(_ any, a []any) (any, error) {
		z, err := find(a[len(a)-1])
		if err != nil {
			return nil, err
		}
		if o, ok := a[0].(dotnet.DateTimeOffset); ok {
			return toDTO(o, z)
		}
		d := tmDT(a[0])
		if len(a) == 3 {
			src, err := find(a[1])
			if err != nil {
				return nil, err
			}
			return z.fromUTC(src.utcTicksOf(d))
		}
		return z.fromUTC(d.Ticks())
	}
	t.AddStatic(
		dotnet.NewMethod("FindSystemTimeZoneById", t, func(_ any, a []any) (any, error) { return find(a[0]) }, "id", dotnet.String),
		dotnet.NewMethod("ConvertTimeFromUtc", dotnet.DateTimeT, func(_ any, a []any) (any, error) {
			return tmZone(a[1]).fromUTC(tmDT(a[0]).Ticks())
		}, "dateTime", dotnet.DateTimeT, "destinationTimeZone", t),
		dotnet.NewMethod("ConvertTimeToUtc", dotnet.DateTimeT, func(_ any, a []any) (any, error) {
			// Unspecified reads as local time, and the local zone is UTC.
			return dotnet.DateTimeFromTicks(tmDT(a[0]).Ticks(), dotnet.KindUtc), nil
		}, "dateTime", dotnet.DateTimeT),
		dotnet.NewMethod("ConvertTimeToUtc", dotnet.DateTimeT, func(_ any, a []any) (any, error) {
			d := tmDT(a[0])
			n := tmZone(a[1]).utcTicksOf(d)
			if n < 0 || n > tmMaxTicks {
				return nil, tmUnrepresentable("dateTime")
			}
			return dotnet.DateTimeFromTicks(n, dotnet.KindUtc), nil
		}, "dateTime", dotnet.DateTimeT, "sourceTimeZone", t),
		dotnet.NewMethod("ConvertTime", dotnet.DateTimeT, convert, "dateTime", dotnet.DateTimeT, "destinationTimeZone", t),
		dotnet.NewMethod("ConvertTime", dotnet.DateTimeT, convert, "dateTime", dotnet.DateTimeT, "sourceTimeZone", t, "destinationTimeZone", t),
		dotnet.NewMethod("ConvertTime", dotnet.DateTimeOffsetT, convert, "dateTimeOffset", dotnet.DateTimeOffsetT, "destinationTimeZone", t),
		dotnet.NewMethod("ConvertTimeBySystemTimeZoneId", dotnet.DateTimeT, byID, "dateTime", dotnet.DateTimeT, "destinationTimeZoneId", dotnet.String),
		dotnet.NewMethod("ConvertTimeBySystemTimeZoneId", dotnet.DateTimeT, byID, "dateTime", dotnet.DateTimeT, "sourceTimeZoneId", dotnet.String, "destinationTimeZoneId", dotnet.String),
		dotnet.NewMethod("ConvertTimeBySystemTimeZoneId", dotnet.DateTimeOffsetT, byID, "dateTimeOffset", dotnet.DateTimeOffsetT, "destinationTimeZoneId", dotnet.String),
	)
	z := func(r any) *TimeZoneInfo { return tmZone(r) }
	t.AddProp(
		dotnet.NewProp("Id", dotnet.String, func(r any) (any, error) { return z(r).ID, nil }),
		dotnet.NewProp("StandardName", dotnet.String, func(r any) (any, error) { return z(r).ID, nil }),
		dotnet.NewProp("DaylightName", dotnet.String, func(r any) (any, error) { return z(r).ID, nil }),
		dotnet.NewProp("DisplayName", dotnet.String, func(r any) (any, error) { return z(r).displayName(), nil }),
		dotnet.NewProp("BaseUtcOffset", dotnet.TimeSpanT, func(r any) (any, error) { return z(r).baseOffset(), nil }),
		dotnet.NewProp("SupportsDaylightSavingTime", dotnet.Boolean, func(r any) (any, error) {
			y := tmNowUTC().Year()
			_, a := time.Date(y, 1, 1, 0, 0, 0, 0, z(r).Loc).Zone()
			_, b := time.Date(y, 7, 1, 0, 0, 0, 0, z(r).Loc).Zone()
			return a != b, nil
		}),
	)
	t.AddMethod(
		dotnet.NewMethod("GetUtcOffset", dotnet.TimeSpanT, func(r any, a []any) (any, error) {
			return z(r).offsetAt(z(r).utcTicksOf(tmDT(a[0]))), nil
		}, "dateTime", dotnet.DateTimeT),
		dotnet.NewMethod("GetUtcOffset", dotnet.TimeSpanT, func(r any, a []any) (any, error) {
			return z(r).offsetAt(tmDTO(a[0]).UtcTicks()), nil
		}, "dateTimeOffset", dotnet.DateTimeOffsetT),
		dotnet.NewMethod("IsDaylightSavingTime", dotnet.Boolean, func(r any, a []any) (any, error) {
			n := z(r).utcTicksOf(tmDT(a[0]))
			return dotnet.DateTimeFromTicks(n, dotnet.KindUtc).T.In(z(r).Loc).IsDST(), nil
		}, "dateTime", dotnet.DateTimeT),
		dotnet.NewMethod("ToString", dotnet.String, func(r any, _ []any) (any, error) { return z(r).displayName(), nil }),
	)
}
