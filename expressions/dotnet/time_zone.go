package dotnet

import (
	"reflect"
	"strings"
	"time"
	// The zone database is embedded so FindSystemTimeZoneById works in
	// containers without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// TimeZoneInfo is System.TimeZoneInfo: a named zone backed by the IANA
// database. Windows IDs ("W. Europe Standard Time", the ones APIM knows) map
// to IANA zones; IANA IDs are accepted as well.
type TimeZoneInfo struct {
	ID  string
	Loc *time.Location
}

// TimeZoneInfoT is the registered System.TimeZoneInfo type.
var TimeZoneInfoT = Register(NewType("TimeZoneInfo", "System.TimeZoneInfo", nil, reflect.TypeOf((*TimeZoneInfo)(nil))))

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
		return nil, Throw("System.TimeZoneNotFoundException", "The time zone ID '' was not found on the local computer.")
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
		return nil, Throw("System.TimeZoneNotFoundException", "The time zone ID '%s' was not found on the local computer.", id)
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
func (z *TimeZoneInfo) offsetAt(utcTicks int64) TimeSpan {
	_, off := DateTimeFromTicks(utcTicks, KindUtc).T.In(z.Loc).Zone()
	return TimeSpan(int64(off) * tmTicksPerSec)
}

// clockToUTC converts a clock reading in the zone to UTC ticks.
func (z *TimeZoneInfo) clockToUTC(clock int64) int64 {
	w := DateTimeFromTicks(clock, KindUnspecified).T
	t := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), z.Loc)
	return tmTicksOf(t.UTC())
}

// utcTicksOf reads a DateTime as an instant: Utc and Local (the local zone
// is UTC) as UTC, Unspecified as a clock reading in the zone.
func (z *TimeZoneInfo) utcTicksOf(d DateTime) int64 {
	if d.Kind == KindUnspecified {
		return z.clockToUTC(d.Ticks())
	}
	return d.Ticks()
}

func (z *TimeZoneInfo) baseOffset() TimeSpan {
	y := tmNowUTC().Year()
	_, a := time.Date(y, 1, 1, 0, 0, 0, 0, z.Loc).Zone()
	_, b := time.Date(y, 7, 1, 0, 0, 0, 0, z.Loc).Zone()
	return TimeSpan(int64(min(a, b)) * tmTicksPerSec)
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
func (z *TimeZoneInfo) fromUTC(utc int64) (DateTime, error) {
	k := KindUnspecified
	if z.Loc == time.UTC {
		k = KindUtc
	}
	n := utc + int64(z.offsetAt(utc))
	if n < 0 || n > tmMaxTicks {
		return DateTime{}, tmUnrepresentable("dateTime")
	}
	return DateTimeFromTicks(n, k), nil
}

func init() {
	t := TimeZoneInfoT
	t.AddStaticProp(
		NewProp("Utc", t, func(any) (any, error) { return tmUTCZone, nil }),
		NewProp("Local", t, func(any) (any, error) { return tmUTCZone, nil }),
	)
	find := func(v any) (*TimeZoneInfo, error) {
		id, ok := StringArg(v)
		if !ok {
			return nil, ArgumentNull("id")
		}
		return FindTimeZone(id)
	}
	toDTO := func(o DateTimeOffset, z *TimeZoneInfo) (any, error) {
		utc := o.UtcTicks()
		off := z.offsetAt(utc)
		return NewDateTimeOffset(utc+int64(off), off)
	}
	convert := func(_ any, a []any) (any, error) {
		z := tmZone(a[len(a)-1])
		if o, ok := a[0].(DateTimeOffset); ok {
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
		if o, ok := a[0].(DateTimeOffset); ok {
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
		NewMethod("FindSystemTimeZoneById", t, func(_ any, a []any) (any, error) { return find(a[0]) }, "id", String),
		NewMethod("ConvertTimeFromUtc", DateTimeT, func(_ any, a []any) (any, error) {
			return tmZone(a[1]).fromUTC(tmDT(a[0]).Ticks())
		}, "dateTime", DateTimeT, "destinationTimeZone", t),
		NewMethod("ConvertTimeToUtc", DateTimeT, func(_ any, a []any) (any, error) {
			// Unspecified reads as local time, and the local zone is UTC.
			return DateTimeFromTicks(tmDT(a[0]).Ticks(), KindUtc), nil
		}, "dateTime", DateTimeT),
		NewMethod("ConvertTimeToUtc", DateTimeT, func(_ any, a []any) (any, error) {
			d := tmDT(a[0])
			n := tmZone(a[1]).utcTicksOf(d)
			if n < 0 || n > tmMaxTicks {
				return nil, tmUnrepresentable("dateTime")
			}
			return DateTimeFromTicks(n, KindUtc), nil
		}, "dateTime", DateTimeT, "sourceTimeZone", t),
		NewMethod("ConvertTime", DateTimeT, convert, "dateTime", DateTimeT, "destinationTimeZone", t),
		NewMethod("ConvertTime", DateTimeT, convert, "dateTime", DateTimeT, "sourceTimeZone", t, "destinationTimeZone", t),
		NewMethod("ConvertTime", DateTimeOffsetT, convert, "dateTimeOffset", DateTimeOffsetT, "destinationTimeZone", t),
		NewMethod("ConvertTimeBySystemTimeZoneId", DateTimeT, byID, "dateTime", DateTimeT, "destinationTimeZoneId", String),
		NewMethod("ConvertTimeBySystemTimeZoneId", DateTimeT, byID, "dateTime", DateTimeT, "sourceTimeZoneId", String, "destinationTimeZoneId", String),
		NewMethod("ConvertTimeBySystemTimeZoneId", DateTimeOffsetT, byID, "dateTimeOffset", DateTimeOffsetT, "destinationTimeZoneId", String),
	)
	z := func(r any) *TimeZoneInfo { return tmZone(r) }
	t.AddProp(
		NewProp("Id", String, func(r any) (any, error) { return z(r).ID, nil }),
		NewProp("StandardName", String, func(r any) (any, error) { return z(r).ID, nil }),
		NewProp("DaylightName", String, func(r any) (any, error) { return z(r).ID, nil }),
		NewProp("DisplayName", String, func(r any) (any, error) { return z(r).displayName(), nil }),
		NewProp("BaseUtcOffset", TimeSpanT, func(r any) (any, error) { return z(r).baseOffset(), nil }),
		NewProp("SupportsDaylightSavingTime", Boolean, func(r any) (any, error) {
			y := tmNowUTC().Year()
			_, a := time.Date(y, 1, 1, 0, 0, 0, 0, z(r).Loc).Zone()
			_, b := time.Date(y, 7, 1, 0, 0, 0, 0, z(r).Loc).Zone()
			return a != b, nil
		}),
	)
	t.AddMethod(
		NewMethod("GetUtcOffset", TimeSpanT, func(r any, a []any) (any, error) {
			return z(r).offsetAt(z(r).utcTicksOf(tmDT(a[0]))), nil
		}, "dateTime", DateTimeT),
		NewMethod("GetUtcOffset", TimeSpanT, func(r any, a []any) (any, error) {
			return z(r).offsetAt(tmDTO(a[0]).UtcTicks()), nil
		}, "dateTimeOffset", DateTimeOffsetT),
		NewMethod("IsDaylightSavingTime", Boolean, func(r any, a []any) (any, error) {
			n := z(r).utcTicksOf(tmDT(a[0]))
			return DateTimeFromTicks(n, KindUtc).T.In(z(r).Loc).IsDST(), nil
		}, "dateTime", DateTimeT),
		NewMethod("ToString", String, func(r any, _ []any) (any, error) { return z(r).displayName(), nil }),
	)
}
