package systime

import (
	"errors"
	"testing"
	"time"

	"github.com/policygate/policygate/expressions/dotnet"
)

// tmCall runs the only overload of a member with the given arity.
func tmCall(t *testing.T, ms []*dotnet.Method, recv any, args ...any) (any, error) {
	t.Helper()
	for _, m := range ms {
		if len(m.Params) == len(args) {
			return m.Fn(recv, args)
		}
	}
	t.Fatalf("no overload with %d parameters", len(args))
	return nil, nil
}

func mustDT(t *testing.T, y, mo, d, h, mi, s, ms int, k dotnet.DateTimeKind) dotnet.DateTime {
	t.Helper()
	dt, err := NewDateTime(y, mo, d, h, mi, s, ms, k)
	if err != nil {
		t.Fatal(err)
	}
	return dt
}

func excType(err error) string {
	var e *dotnet.Exception
	if errors.As(err, &e) {
		return e.Type
	}
	return ""
}

func TestDateTimeFormat(t *testing.T) {
	utc := mustDT(t, 2024, 1, 2, 3, 4, 5, 0, dotnet.KindUtc)
	uns := mustDT(t, 2024, 1, 2, 15, 4, 5, 123, dotnet.KindUnspecified)
	loc := mustDT(t, 2024, 1, 2, 3, 4, 5, 0, dotnet.KindLocal)
	tests := []struct {
		name string
		d    dotnet.DateTime
		f    string
		want string
	}{
		{"o utc", utc, "o", "2024-01-02T03:04:05.0000000Z"},
		{"O unspecified", uns, "O", "2024-01-02T15:04:05.1230000"},
		{"o local", loc, "o", "2024-01-02T03:04:05.0000000+00:00"},
		{"R", utc, "R", "Tue, 02 Jan 2024 03:04:05 GMT"},
		{"r", uns, "r", "Tue, 02 Jan 2024 15:04:05 GMT"},
		{"s", uns, "s", "2024-01-02T15:04:05"},
		{"u", uns, "u", "2024-01-02 15:04:05Z"},
		{"U", uns, "U", "Tuesday, 02 January 2024 15:04:05"},
		{"d", uns, "d", "01/02/2024"},
		{"D", uns, "D", "Tuesday, 02 January 2024"},
		{"f", uns, "f", "Tuesday, 02 January 2024 15:04"},
		{"F", uns, "F", "Tuesday, 02 January 2024 15:04:05"},
		{"g", uns, "g", "01/02/2024 15:04"},
		{"G", uns, "G", "01/02/2024 15:04:05"},
		{"default", uns, "", "01/02/2024 15:04:05"},
		{"M", uns, "M", "January 02"},
		{"t", uns, "t", "15:04"},
		{"T", uns, "T", "15:04:05"},
		{"Y", uns, "Y", "2024 January"},
		{"K utc", utc, "yyyy-MM-ddTHH:mm:ssK", "2024-01-02T03:04:05Z"},
		{"K unspecified", uns, "yyyy-MM-ddTHH:mm:ssK", "2024-01-02T15:04:05"},
		{"literal Z", uns, "yyyy-MM-ddTHH:mm:ssZ", "2024-01-02T15:04:05Z"},
		{"compact", utc, "yyyyMMddTHHmmssZ", "20240102T030405Z"},
		{"quoted", uns, "yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", "2024-01-02T15:04:05Z"},
		{"yyyyMMdd", uns, "yyyyMMdd", "20240102"},
		{"12h", uns, "h:mm tt", "3:04 PM"},
		{"hh t", uns, "hh t", "03 P"},
		{"names", uns, "ddd dddd MMM MMMM", "Tue Tuesday Jan January"},
		{"short", uns, "d/M/yy", "2/1/24"},
		{"fff", uns, "ss.fff", "05.123"},
		{"FFFFFFF", uns, "ss.FFFFFFF", "05.123"},
		{"F zero drops dot", utc, "ss.FFF", "05"},
		{"f7", uns, "fffffff", "1230000"},
		{"z", uns, "z|zz|zzz", "+0|+00|+00:00"},
		{"escape", uns, `HH\h mm\m`, "15h 04m"},
		{"percent", uns, "%d", "2"},
		{"era", uns, "yyyy g", "2024 A.D."},
		{"yyyyy", uns, "yyyyy", "02024"},
		{"y", mustDT(t, 2009, 1, 1, 0, 0, 0, 0, 0), "y", "2009 January"},
		{"%y", mustDT(t, 2009, 1, 1, 0, 0, 0, 0, 0), "%y", "9"},
		{"double quoted", uns, `"at" HH`, "at 15"},
		{"min", DateTimeMinValue, "o", "0001-01-01T00:00:00.0000000"},
		{"max", DateTimeMaxValue, "o", "9999-12-31T23:59:59.9999999"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.d.Format(tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Format(%q) = %q, want %q", tc.f, got, tc.want)
			}
		})
	}
	for _, f := range []string{"x", "ffffffff", "'abc", "%", `\`} {
		if _, err := uns.Format(f); excType(err) != "System.FormatException" {
			t.Errorf("Format(%q) error = %v, want FormatException", f, err)
		}
	}
}

func TestDateTimeMembers(t *testing.T) {
	d := mustDT(t, 2024, 1, 31, 10, 20, 30, 400, dotnet.KindUtc)
	get := func(name string) any {
		v, err := dotnet.DateTimeT.Props[name].Get(d)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	checks := map[string]any{
		"Year": int32(2024), "Month": int32(1), "Day": int32(31), "Hour": int32(10), "Minute": int32(20),
		"Second": int32(30), "Millisecond": int32(400), "DayOfWeek": Wednesday, "DayOfYear": int32(31),
		"Kind": dotnet.KindUtc, "Ticks": int64(638422932304000000),
		"TimeOfDay": dotnet.TimeSpan(10*dotnet.TicksPerHour + 20*dotnet.TicksPerMinute + 30*dotnet.TicksPerSecond + 400*dotnet.TicksPerMillisecond),
	}
	for name, want := range checks {
		if got := get(name); got != want {
			t.Errorf("%s = %v (%T), want %v", name, got, got, want)
		}
	}
	if got := dotnet.ToString(get("Date")); got != "01/31/2024 00:00:00" {
		t.Errorf("Date = %q", got)
	}
	if dotnet.ToString(get("DayOfWeek")) != "Wednesday" || dotnet.ToString(dotnet.KindUtc) != "Utc" {
		t.Errorf("enum names")
	}

	call := func(name string, args ...any) string {
		t.Helper()
		v, err := tmCall(t, dotnet.DateTimeT.Methods[name], d, args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		s, err := v.(dotnet.DateTime).Format("yyyy-MM-dd HH:mm:ss.fffffff")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	adds := []struct {
		name string
		arg  any
		want string
	}{
		{"AddMonths", int32(1), "2024-02-29 10:20:30.4000000"},
		{"AddMonths", int32(-2), "2023-11-30 10:20:30.4000000"},
		{"AddYears", int32(1), "2025-01-31 10:20:30.4000000"},
		{"AddDays", 1.5, "2024-02-01 22:20:30.4000000"},
		{"AddHours", -10.5, "2024-01-30 23:50:30.4000000"},
		{"AddMinutes", 90.0, "2024-01-31 11:50:30.4000000"},
		{"AddSeconds", 0.0000001, "2024-01-31 10:20:30.4000001"},
		{"AddMilliseconds", 600.0, "2024-01-31 10:20:31.0000000"},
		{"AddTicks", int64(5), "2024-01-31 10:20:30.4000005"},
		{"Add", dotnet.TimeSpan(dotnet.TicksPerDay), "2024-02-01 10:20:30.4000000"},
	}
	for _, a := range adds {
		if got := call(a.name, a.arg); got != a.want {
			t.Errorf("%s(%v) = %q, want %q", a.name, a.arg, got, a.want)
		}
	}
	if _, err := tmCall(t, dotnet.DateTimeT.Methods["AddYears"], DateTimeMaxValue, int32(1)); excType(err) != "System.ArgumentOutOfRangeException" {
		t.Errorf("AddYears overflow: %v", err)
	}
	if _, err := tmCall(t, dotnet.DateTimeT.Methods["AddDays"], DateTimeMinValue, -1.0); excType(err) != "System.ArgumentOutOfRangeException" {
		t.Errorf("AddDays underflow: %v", err)
	}

	epoch := mustDT(t, 1970, 1, 1, 0, 0, 0, 0, dotnet.KindUnspecified)
	if got := DateTimeDiff(d, epoch); got.String() != "19753.10:20:30.4000000" {
		t.Errorf("diff = %v", got)
	}
	if CompareDateTime(d, epoch) != 1 || CompareDateTime(epoch, d) != -1 {
		t.Errorf("compare")
	}
	// Kinds are ignored by comparisons.
	if CompareDateTime(mustDT(t, 2024, 1, 1, 0, 0, 0, 0, dotnet.KindUtc), mustDT(t, 2024, 1, 1, 0, 0, 0, 0, dotnet.KindLocal)) != 0 {
		t.Errorf("kind must not matter")
	}
	if got := DateTimeSub(d, dotnet.TimeSpan(dotnet.TicksPerHour)).String(); got != "01/31/2024 09:20:30" {
		t.Errorf("DateTimeSub = %s", got)
	}
	if got := DateTimeAdd(d, dotnet.TimeSpan(dotnet.TicksPerHour)).String(); got != "01/31/2024 11:20:30" {
		t.Errorf("DateTimeAdd = %s", got)
	}
	func() {
		defer func() {
			if r := recover(); r == nil {
				t.Errorf("DateTimeAdd past MaxValue did not panic")
			}
		}()
		DateTimeAdd(DateTimeMaxValue, 1)
	}()
	for _, m := range dotnet.DateTimeT.Ctors {
		if len(m.Params) == 7 && m.Params[6].Type == dotnet.Int32 {
			// An enum argument bound to the millisecond overload is a kind.
			v, err := m.Fn(nil, []any{int32(1970), int32(1), int32(1), int32(0), int32(0), int32(0), dotnet.KindUtc})
			if err != nil || v.(dotnet.DateTime).Kind != dotnet.KindUtc {
				t.Errorf("ctor with kind = %v, %v", v, err)
			}
		}
	}
	if v, _ := tmCall(t, dotnet.DateTimeT.Static["DaysInMonth"], nil, int32(2023), int32(2)); v != int32(28) {
		t.Errorf("DaysInMonth = %v", v)
	}
	if v, _ := tmCall(t, dotnet.DateTimeT.Static["IsLeapYear"], nil, int32(2000)); v != true {
		t.Errorf("IsLeapYear(2000) = %v", v)
	}
	if _, err := NewDateTime(2023, 2, 29, 0, 0, 0, 0, 0); excType(err) != "System.ArgumentOutOfRangeException" {
		t.Errorf("Feb 29 2023: %v", err)
	}
}

func TestDateTimeClock(t *testing.T) {
	old := dotnet.Now
	defer func() { dotnet.Now = old }()
	dotnet.Now = func() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("x", 3600)) }
	utc, _ := dotnet.DateTimeT.StaticProps["UtcNow"].Get(nil)
	if got, _ := utc.(dotnet.DateTime).Format("o"); got != "2024-05-06T06:08:09.1234567Z" {
		t.Errorf("UtcNow = %s", got)
	}
	now, _ := dotnet.DateTimeT.StaticProps["Now"].Get(nil)
	if got, _ := now.(dotnet.DateTime).Format("o"); got != "2024-05-06T06:08:09.1234567+00:00" {
		t.Errorf("Now = %s", got)
	}
	today, _ := dotnet.DateTimeT.StaticProps["Today"].Get(nil)
	if got := today.(dotnet.DateTime).String(); got != "05/06/2024 00:00:00" {
		t.Errorf("Today = %s", got)
	}
	// Parsing a time of day alone uses today's date.
	d, err := ParseDateTime("13:14")
	if err != nil || d.String() != "05/06/2024 13:14:00" {
		t.Errorf("Parse(13:14) = %v, %v", d, err)
	}
}

func TestDateTimeParse(t *testing.T) {
	tests := []struct {
		in   string
		want string // "o" format
	}{
		{"2024-01-02", "2024-01-02T00:00:00.0000000"},
		{"2024-01-02T03:04:05", "2024-01-02T03:04:05.0000000"},
		{"2024-01-02T03:04:05.123", "2024-01-02T03:04:05.1230000"},
		{"2024-01-02T03:04:05Z", "2024-01-02T03:04:05.0000000+00:00"},
		{"2024-01-02T03:04:05.1234567Z", "2024-01-02T03:04:05.1234567+00:00"},
		{"2024-01-02T03:04:05+02:00", "2024-01-02T01:04:05.0000000+00:00"},
		{"2024-01-02T03:04:05-0130", "2024-01-02T04:34:05.0000000+00:00"},
		{"2024-01-02 03:04:05", "2024-01-02T03:04:05.0000000"},
		{"Tue, 02 Jan 2024 03:04:05 GMT", "2024-01-02T03:04:05.0000000+00:00"},
		{"01/02/2024 03:04:05", "2024-01-02T03:04:05.0000000"},
		{"1/2/2024", "2024-01-02T00:00:00.0000000"},
		{"1/2/2024 3:04 PM", "2024-01-02T15:04:00.0000000"},
		{"  2 January 2024 ", "2024-01-02T00:00:00.0000000"},
		{"Jan 2, 2024", "2024-01-02T00:00:00.0000000"},
		{"2024/01/02", "2024-01-02T00:00:00.0000000"},
		{"2024-01-02T03:04:05.123456789Z", "2024-01-02T03:04:05.1234567+00:00"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			d, err := ParseDateTime(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := d.Format("o"); got != tc.want {
				t.Errorf("Parse(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "abc", "2024-13-01", "2023-02-29", "Wed, 02 Jan 2024 03:04:05 GMT"} {
		_, err := ParseDateTime(bad)
		if excType(err) != "System.FormatException" {
			t.Errorf("Parse(%q) error = %v", bad, err)
		} else if bad == "abc" && err.Error() != "System.FormatException: String 'abc' was not recognized as a valid DateTime." {
			t.Errorf("message = %q", err.Error())
		}
	}
	var out any
	ok, _ := tmCall(t, dotnet.DateTimeT.Static["TryParse"], nil, "nope", &out)
	if ok != false || out != DateTimeMinValue {
		t.Errorf("TryParse failure = %v, %v", ok, out)
	}
	ok, _ = tmCall(t, dotnet.DateTimeT.Static["TryParse"], nil, "2024-01-02", &out)
	if ok != true || out.(dotnet.DateTime).String() != "01/02/2024 00:00:00" {
		t.Errorf("TryParse = %v, %v", ok, out)
	}
}

func TestDateTimeParseExact(t *testing.T) {
	tests := []struct {
		in, f  string
		styles DateTimeStyles
		want   string
	}{
		{"20240102", "yyyyMMdd", 0, "2024-01-02T00:00:00.0000000"},
		{"2024-01-02T03:04:05Z", "yyyy-MM-ddTHH:mm:ssZ", 0, "2024-01-02T03:04:05.0000000+00:00"}, // Z is the UTC designator: converted to local (UTC on the gateway)
		{"2024-01-02T03:04:05Z", "yyyy-MM-ddTHH:mm:ssK", 0, "2024-01-02T03:04:05.0000000+00:00"},
		{"2024-01-02T03:04:05Z", "yyyy-MM-ddTHH:mm:ssK", StylesAdjustToUniversal, "2024-01-02T03:04:05.0000000Z"},
		{"2024-01-02T03:04:05.1234567Z", "o", 0, "2024-01-02T03:04:05.1234567+00:00"}, // local unless RoundtripKind
		{"02/01/2024 15:04", "dd/MM/yyyy HH:mm", 0, "2024-01-02T15:04:00.0000000"},
		{"2024-01-02 03:04:05", "yyyy-MM-dd HH:mm:ss", StylesAssumeUniversal | StylesAdjustToUniversal, "2024-01-02T03:04:05.0000000Z"},
		{"Tue, 02 Jan 2024 03:04:05 GMT", "r", 0, "2024-01-02T03:04:05.0000000"}, // the quoted GMT is text: Unspecified
		{"2024-01-02T03:04:05.12", "yyyy-MM-ddTHH:mm:ss.FFF", 0, "2024-01-02T03:04:05.1200000"},
		{"2024-01-02T03:04:05", "yyyy-MM-ddTHH:mm:ss.FFF", 0, "2024-01-02T03:04:05.0000000"},
	}
	for _, tc := range tests {
		t.Run(tc.in+"|"+tc.f, func(t *testing.T) {
			d, err := ParseDateTimeExact(tc.in, []string{tc.f}, tc.styles)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := d.Format("o"); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	for _, bad := range [][2]string{{"2024-1-02", "yyyy-MM-dd"}, {"20240102x", "yyyyMMdd"}, {"24", "yyyy"}} {
		if _, err := ParseDateTimeExact(bad[0], []string{bad[1]}, 0); excType(err) != "System.FormatException" {
			t.Errorf("ParseExact(%q, %q) = %v", bad[0], bad[1], err)
		}
	}
	v, err := tmCall(t, dotnet.DateTimeT.Static["ParseExact"], nil, "02.01.2024", "dd.MM.yyyy", nil)
	if err != nil || v.(dotnet.DateTime).String() != "01/02/2024 00:00:00" {
		t.Errorf("ParseExact member = %v, %v", v, err)
	}
}

func TestTimeSpan(t *testing.T) {
	fmts := []struct {
		ts   dotnet.TimeSpan
		f    string
		want string
	}{
		{90 * dotnet.TicksPerMinute, "", "01:30:00"},
		{5 * dotnet.TicksPerMinute, "c", "00:05:00"},
		{dotnet.TicksPerDay + 2*dotnet.TicksPerHour + 3*dotnet.TicksPerMinute + 4*dotnet.TicksPerSecond + 500*dotnet.TicksPerMillisecond, "c", "1.02:03:04.5000000"},
		{-(dotnet.TicksPerDay + 2*dotnet.TicksPerHour), "c", "-1.02:00:00"},
		{dotnet.TicksPerDay + 2*dotnet.TicksPerHour + 3*dotnet.TicksPerMinute + 4*dotnet.TicksPerSecond + 500*dotnet.TicksPerMillisecond, "g", "1:2:03:04.5"},
		{2*dotnet.TicksPerHour + 3*dotnet.TicksPerMinute, "g", "2:03:00"},
		{2*dotnet.TicksPerHour + 3*dotnet.TicksPerMinute, "G", "0:02:03:00.0000000"},
		{2*dotnet.TicksPerHour + 3*dotnet.TicksPerMinute, `hh\:mm`, "02:03"},
		{-(2*dotnet.TicksPerHour + 3*dotnet.TicksPerMinute), `hh\:mm`, "02:03"},
		{3*dotnet.TicksPerDay + 4*dotnet.TicksPerHour, `d\.hh\:mm\:ss`, "3.04:00:00"},
		{3*dotnet.TicksPerDay + 4*dotnet.TicksPerHour, `dd' days'`, "03 days"},
		{1500 * dotnet.TicksPerMillisecond, `s\.fff`, "1.500"},
		{1500 * dotnet.TicksPerMillisecond, `s\.FFF`, "1.5"},
		{1500 * dotnet.TicksPerMillisecond, `%s`, "1"},
		{dotnet.TimeSpan(-9223372036854775808), "c", "-10675199.02:48:05.4775808"},
		{dotnet.TimeSpan(9223372036854775807), "c", "10675199.02:48:05.4775807"},
	}
	for _, tc := range fmts {
		got, err := tc.ts.Format(tc.f)
		if err != nil || got != tc.want {
			t.Errorf("Format(%d, %q) = %q, %v; want %q", tc.ts, tc.f, got, err, tc.want)
		}
	}
	for _, f := range []string{"x", "hh:mm", "hhh", "dddddddddd"} {
		if _, err := dotnet.TimeSpan(0).Format(f); excType(err) != "System.FormatException" {
			t.Errorf("Format(%q) = %v", f, err)
		}
	}

	parses := []struct {
		in   string
		want string
		exc  string
	}{
		{"01:30:00", "01:30:00", ""},
		{"1:30", "01:30:00", ""},
		{"1", "1.00:00:00", ""},
		{"-1.02:03:04.5", "-1.02:03:04.5000000", ""},
		{" 1.02:03:04.1234567 ", "1.02:03:04.1234567", ""},
		{"1:02:03:04", "1.02:03:04", ""},
		{"25:00", "", "System.OverflowException"},
		{"00:60:00", "", "System.OverflowException"},
		{"abc", "", "System.FormatException"},
		{"1:2:3:4:5", "", "System.FormatException"},
		{"", "", "System.FormatException"},
	}
	for _, tc := range parses {
		ts, err := ParseTimeSpan(tc.in)
		if tc.exc != "" {
			if excType(err) != tc.exc {
				t.Errorf("Parse(%q) error = %v, want %s", tc.in, err, tc.exc)
			}
			continue
		}
		if err != nil || ts.String() != tc.want {
			t.Errorf("Parse(%q) = %v, %v; want %s", tc.in, ts, err, tc.want)
		}
	}

	from := func(name string, v float64) dotnet.TimeSpan {
		r, err := tmCall(t, dotnet.TimeSpanT.Static[name], nil, v)
		if err != nil {
			t.Fatal(err)
		}
		return r.(dotnet.TimeSpan)
	}
	if got := from("FromMinutes", 90).String(); got != "01:30:00" {
		t.Errorf("FromMinutes(90) = %s", got)
	}
	if got := from("FromSeconds", 1.5).String(); got != "00:00:01.5000000" {
		t.Errorf("FromSeconds(1.5) = %s", got)
	}
	if got := from("FromDays", 1.25).String(); got != "1.06:00:00" {
		t.Errorf("FromDays(1.25) = %s", got)
	}
	ts := from("FromHours", -26.5)
	props := map[string]any{"Days": int32(-1), "Hours": int32(-2), "Minutes": int32(-30), "TotalHours": -26.5, "TotalMinutes": -1590.0}
	for n, want := range props {
		if got, _ := dotnet.TimeSpanT.Props[n].Get(ts); got != want {
			t.Errorf("%s = %v, want %v", n, got, want)
		}
	}
	v, err := tmCall(t, dotnet.TimeSpanT.Ctors, nil, int32(1), int32(2), int32(3), int32(4), int32(5))
	if err != nil || v.(dotnet.TimeSpan).String() != "1.02:03:04.0050000" {
		t.Errorf("ctor = %v, %v", v, err)
	}
	v, _ = tmCall(t, dotnet.TimeSpanT.Ctors, nil, int32(25), int32(0), int32(0))
	if v.(dotnet.TimeSpan).String() != "1.01:00:00" {
		t.Errorf("ctor(25,0,0) = %v", v)
	}
	if _, err := tmCall(t, dotnet.TimeSpanT.Methods["Negate"], dotnet.TimeSpan(-9223372036854775808)); excType(err) != "System.OverflowException" {
		t.Errorf("Negate(MinValue) = %v", err)
	}
	if _, err := tmCall(t, dotnet.TimeSpanT.Methods["Add"], dotnet.TimeSpan(9223372036854775807), dotnet.TimeSpan(1)); excType(err) != "System.OverflowException" {
		t.Errorf("Add overflow = %v", err)
	}
}
