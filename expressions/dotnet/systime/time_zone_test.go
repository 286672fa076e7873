package systime

import (
	"testing"

	"github.com/policygate/policygate/expressions/dotnet"
)

func TestTimeZoneInfo(t *testing.T) {
	find := func(id string) any {
		t.Helper()
		z, err := tmCall(t, TimeZoneInfoT.Static["FindSystemTimeZoneById"], nil, id)
		if err != nil {
			t.Fatal(err)
		}
		return z
	}
	summer := mustDT(t, 2024, 7, 1, 12, 0, 0, 0, dotnet.KindUtc)
	winter := mustDT(t, 2024, 1, 15, 12, 0, 0, 0, dotnet.KindUtc)
	tests := []struct {
		id   string
		d    dotnet.DateTime
		want string
	}{
		{"W. Europe Standard Time", summer, "2024-07-01T14:00:00.0000000"},
		{"W. Europe Standard Time", winter, "2024-01-15T13:00:00.0000000"},
		{"Eastern Standard Time", winter, "2024-01-15T07:00:00.0000000"},
		{"India Standard Time", winter, "2024-01-15T17:30:00.0000000"},
		{"Europe/London", summer, "2024-07-01T13:00:00.0000000"},
		{"UTC", summer, "2024-07-01T12:00:00.0000000Z"},
	}
	for _, tc := range tests {
		v, err := tmCall(t, TimeZoneInfoT.Static["ConvertTimeFromUtc"], nil, tc.d, find(tc.id))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := v.(dotnet.DateTime).Format("o"); got != tc.want {
			t.Errorf("ConvertTimeFromUtc(%s, %s) = %s, want %s", tc.d, tc.id, got, tc.want)
		}
		byID, _ := TimeZoneInfoT.Static["ConvertTimeBySystemTimeZoneId"][0].Fn(nil, []any{tc.d, tc.id})
		if byID != v {
			t.Errorf("ConvertTimeBySystemTimeZoneId(%s) = %v, want %v", tc.id, byID, v)
		}
	}
	est := find("eastern standard time")
	if id, _ := TimeZoneInfoT.Props["Id"].Get(est); id != "Eastern Standard Time" {
		t.Errorf("Id = %v", id)
	}
	local := mustDT(t, 2024, 1, 15, 7, 0, 0, 0, dotnet.KindUnspecified)
	for _, m := range TimeZoneInfoT.Static["ConvertTimeToUtc"] {
		if len(m.Params) == 2 {
			v, err := m.Fn(nil, []any{local, est})
			if err != nil || v.(dotnet.DateTime).String() != "01/15/2024 12:00:00" || v.(dotnet.DateTime).Kind != dotnet.KindUtc {
				t.Errorf("ConvertTimeToUtc = %v, %v", v, err)
			}
		}
	}
	if off, _ := tmCall(t, TimeZoneInfoT.Methods["GetUtcOffset"], est, summer); off != dotnet.TimeSpan(-4*dotnet.TicksPerHour) {
		t.Errorf("GetUtcOffset(summer) = %v", off)
	}
	if b, _ := TimeZoneInfoT.Props["BaseUtcOffset"].Get(est); b != dotnet.TimeSpan(-5*dotnet.TicksPerHour) {
		t.Errorf("BaseUtcOffset = %v", b)
	}
	if dn, _ := TimeZoneInfoT.Props["DisplayName"].Get(est); dn != "(UTC-05:00) Eastern Standard Time" {
		t.Errorf("DisplayName = %v", dn)
	}
	if dst, _ := tmCall(t, TimeZoneInfoT.Methods["IsDaylightSavingTime"], est, summer); dst != true {
		t.Errorf("IsDaylightSavingTime(summer) = %v", dst)
	}
	o, _ := NewDateTimeOffset(summer.Ticks(), 0)
	for _, m := range TimeZoneInfoT.Static["ConvertTime"] {
		if m.Params[0].Type == dotnet.DateTimeOffsetT {
			v, err := m.Fn(nil, []any{o, find("W. Europe Standard Time")})
			if got, _ := v.(dotnet.DateTimeOffset).Format("o"); err != nil || got != "2024-07-01T14:00:00.0000000+02:00" {
				t.Errorf("ConvertTime(DateTimeOffset) = %s, %v", got, err)
			}
		}
	}
	if _, err := tmCall(t, TimeZoneInfoT.Static["FindSystemTimeZoneById"], nil, "Mars Standard Time"); excType(err) != "System.TimeZoneNotFoundException" {
		t.Errorf("unknown zone = %v", err)
	}
	if _, err := tmCall(t, TimeZoneInfoT.Static["FindSystemTimeZoneById"], nil, "../../etc/passwd"); excType(err) != "System.TimeZoneNotFoundException" {
		t.Errorf("path as zone = %v", err)
	}
}
