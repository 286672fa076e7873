package systime

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/policygate/policygate/expressions/dotnet"
)

func TestDateTimeOffset(t *testing.T) {
	d := mustDT(t, 2024, 1, 2, 3, 4, 5, 0, dotnet.KindUnspecified)
	o, err := tmCall(t, dotnet.DateTimeOffsetT.Ctors, nil, d, dotnet.TimeSpan(2*dotnet.TicksPerHour))
	if err != nil {
		t.Fatal(err)
	}
	dto := o.(dotnet.DateTimeOffset)
	formats := []struct{ f, want string }{
		{"", "01/02/2024 03:04:05 +02:00"},
		{"o", "2024-01-02T03:04:05.0000000+02:00"},
		{"u", "2024-01-02 01:04:05Z"},
		{"R", "Tue, 02 Jan 2024 01:04:05 GMT"},
		{"s", "2024-01-02T03:04:05"},
		{"yyyy-MM-ddTHH:mm:ssK", "2024-01-02T03:04:05+02:00"},
		{"zzz|zz|z", "+02:00|+02|+2"},
	}
	for _, tc := range formats {
		if got, err := dto.Format(tc.f); err != nil || got != tc.want {
			t.Errorf("Format(%q) = %q, %v; want %q", tc.f, got, err, tc.want)
		}
	}
	if _, err := dto.Format("U"); excType(err) != "System.FormatException" {
		t.Errorf(`Format("U") = %v`, err)
	}
	get := func(v any, name string) any {
		p := dotnet.DateTimeOffsetT.FindProp(name)
		r, err := p.Get(v)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if got := dotnet.ToString(get(dto, "UtcDateTime")); got != "01/02/2024 01:04:05" {
		t.Errorf("UtcDateTime = %s", got)
	}
	if k := get(dto, "UtcDateTime").(dotnet.DateTime).Kind; k != dotnet.KindUtc {
		t.Errorf("UtcDateTime.Kind = %v", k)
	}
	if got := get(dto, "DateTime").(dotnet.DateTime); got != d {
		t.Errorf("DateTime = %v", got)
	}
	if got := get(dto, "Offset"); got != dotnet.TimeSpan(2*dotnet.TicksPerHour) {
		t.Errorf("Offset = %v", got)
	}
	if got := get(dto, "Hour"); got != int32(3) {
		t.Errorf("Hour = %v", got)
	}
	if got, _ := tmCall(t, dotnet.DateTimeOffsetT.Methods["ToUnixTimeSeconds"], dto); got != int64(1704157445) {
		t.Errorf("ToUnixTimeSeconds = %v", got)
	}
	if got, _ := tmCall(t, dotnet.DateTimeOffsetT.Methods["ToUnixTimeMilliseconds"], dto); got != int64(1704157445000) {
		t.Errorf("ToUnixTimeMilliseconds = %v", got)
	}
	added, err := tmCall(t, dotnet.DateTimeOffsetT.Methods["AddMinutes"], dto, 90.0)
	if err != nil || added.(dotnet.DateTimeOffset).String() != "01/02/2024 04:34:05 +02:00" {
		t.Errorf("AddMinutes = %v, %v", added, err)
	}

	from, _ := tmCall(t, dotnet.DateTimeOffsetT.Static["FromUnixTimeSeconds"], nil, int64(1700000000))
	if got, _ := from.(dotnet.DateTimeOffset).Format("o"); got != "2023-11-14T22:13:20.0000000+00:00" {
		t.Errorf("FromUnixTimeSeconds = %s", got)
	}
	ms, _ := tmCall(t, dotnet.DateTimeOffsetT.Static["FromUnixTimeMilliseconds"], nil, int64(-1500))
	if got, _ := tmCall(t, dotnet.DateTimeOffsetT.Methods["ToUnixTimeSeconds"], ms); got != int64(-2) {
		t.Errorf("ToUnixTimeSeconds(-1.5 s) = %v, want -2", got)
	}
	if _, err := tmCall(t, dotnet.DateTimeOffsetT.Static["FromUnixTimeSeconds"], nil, int64(253402300800)); excType(err) != "System.ArgumentOutOfRangeException" {
		t.Errorf("FromUnixTimeSeconds out of range = %v", err)
	}

	// DateTime converts implicitly; a UTC DateTime gets offset zero.
	conv := dotnet.FindConversion(dotnet.DateTimeT, dotnet.DateTimeOffsetT)
	if conv == nil {
		t.Fatal("no DateTime → DateTimeOffset conversion")
	}
	epoch, _ := conv(mustDT(t, 1970, 1, 1, 0, 0, 10, 0, dotnet.KindUtc))
	if got, _ := tmCall(t, dotnet.DateTimeOffsetT.Methods["ToUnixTimeSeconds"], epoch); got != int64(10) {
		t.Errorf("epoch+10s = %v", got)
	}
	if _, err := tmCall(t, dotnet.DateTimeOffsetT.Ctors, nil, mustDT(t, 2024, 1, 1, 0, 0, 0, 0, dotnet.KindUtc), dotnet.TimeSpan(dotnet.TicksPerHour)); excType(err) != "System.ArgumentException" {
		t.Errorf("UTC DateTime with offset = %v", err)
	}
	if _, err := NewDateTimeOffset(d.Ticks(), dotnet.TimeSpan(15*dotnet.TicksPerHour)); excType(err) != "System.ArgumentOutOfRangeException" {
		t.Errorf("offset 15h = %v", err)
	}

	old := dotnet.Now
	defer func() { dotnet.Now = old }()
	dotnet.Now = func() time.Time { return time.Unix(1700000000, 0) }
	now, _ := dotnet.DateTimeOffsetT.StaticProps["UtcNow"].Get(nil)
	if got, _ := tmCall(t, dotnet.DateTimeOffsetT.Methods["ToUnixTimeSeconds"], now); got != int64(1700000000) {
		t.Errorf("UtcNow = %v", got)
	}

	p, err := ParseDateTimeOffset("2024-01-02T03:04:05+02:00")
	if err != nil || p != dto {
		t.Errorf("Parse = %v, %v", p, err)
	}
	p, err = ParseDateTimeOffset("2024-01-02T03:04:05")
	if err != nil || p.String() != "01/02/2024 03:04:05 +00:00" {
		t.Errorf("Parse without zone = %v, %v", p, err)
	}
	diff, _ := tmCall(t, dotnet.DateTimeOffsetT.Methods["Subtract"], dto, p)
	if diff != dotnet.TimeSpan(-2*dotnet.TicksPerHour) {
		t.Errorf("Subtract = %v", diff)
	}
}

func TestGuid(t *testing.T) {
	const d = "00112233-4455-6677-8899-aabbccddeeff"
	g, err := ParseGuid(d)
	if err != nil {
		t.Fatal(err)
	}
	forms := map[string]string{
		"":  d,
		"D": d,
		"N": "00112233445566778899aabbccddeeff",
		"B": "{" + d + "}",
		"P": "(" + d + ")",
		"X": "{0x00112233,0x4455,0x6677,{0x88,0x99,0xaa,0xbb,0xcc,0xdd,0xee,0xff}}",
	}
	for f, want := range forms {
		got, err := g.Format(f)
		if err != nil || got != want {
			t.Errorf("Format(%q) = %q, %v", f, got, err)
		}
		back, err := ParseGuid(want)
		if err != nil || back != g {
			t.Errorf("Parse(%q) = %v, %v", want, back, err)
		}
	}
	if up, err := ParseGuid("  " + "00112233-4455-6677-8899-AABBCCDDEEFF "); err != nil || up != g {
		t.Errorf("upper case parse = %v, %v", up, err)
	}
	if _, err := g.Format("Z"); excType(err) != "System.FormatException" {
		t.Errorf("Format(Z) = %v", err)
	}
	for _, bad := range []string{"", "xyz", "00112233-4455-6677-8899-aabbccddeefg", "0011223344556677-8899-aabbccddeeff"} {
		if _, err := ParseGuid(bad); excType(err) != "System.FormatException" {
			t.Errorf("Parse(%q) = %v", bad, err)
		}
	}
	b, _ := tmCall(t, dotnet.GuidT.Methods["ToByteArray"], g)
	want := []byte{0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	if diff := cmp.Diff(want, b); diff != "" {
		t.Errorf("ToByteArray (-want +got):\n%s", diff)
	}
	fromBytes, _ := dotnet.GuidT.Ctors[1].Fn(nil, []any{want})
	if fromBytes != g {
		t.Errorf("new Guid(bytes) = %v", fromBytes)
	}
	n := NewGuid()
	s := n.String()
	if len(s) != 36 || s[14] != '4' || n == (dotnet.Guid{}) || n == NewGuid() {
		t.Errorf("NewGuid = %s", s)
	}
	var out any
	ok, _ := tmCall(t, dotnet.GuidT.Static["TryParse"], nil, "nope", &out)
	if ok != false || out != (dotnet.Guid{}) {
		t.Errorf("TryParse = %v, %v", ok, out)
	}
	empty, _ := dotnet.GuidT.StaticProps["Empty"].Get(nil)
	if dotnet.ToString(empty) != "00000000-0000-0000-0000-000000000000" {
		t.Errorf("Empty = %v", empty)
	}
	if c, _ := tmCall(t, dotnet.GuidT.Methods["CompareTo"], g, empty); c != int32(1) {
		t.Errorf("CompareTo = %v", c)
	}
	if _, err := tmCall(t, dotnet.GuidT.Static["ParseExact"], nil, d, "N"); excType(err) != "System.FormatException" {
		t.Errorf("ParseExact(D string, N) = %v", err)
	}
}

func TestDateTimeOffsetOperators(t *testing.T) {
	a, _ := NewDateTimeOffset(dotnet.DateTimeFromTicks(tmUnixEpochTicks, 0).Ticks()+int64(2*dotnet.TicksPerHour), dotnet.TimeSpan(2*dotnet.TicksPerHour))
	b, _ := NewDateTimeOffset(tmUnixEpochTicks, 0)
	if CompareDateTimeOffset(a, b) != 0 || DateTimeOffsetDiff(a, b) != 0 {
		t.Errorf("same instant in two offsets must compare equal")
	}
	c, err := DateTimeOffsetAdd(a, dotnet.TimeSpan(dotnet.TicksPerMinute))
	if err != nil || c.String() != "01/01/1970 02:01:00 +02:00" || CompareDateTimeOffset(c, b) != 1 {
		t.Errorf("add = %v, %v", c, err)
	}
	if _, err := DateTimeOffsetAdd(b, dotnet.TimeSpan(-dotnet.TicksPerDay*800000)); excType(err) != "System.ArgumentOutOfRangeException" {
		t.Errorf("underflow = %v", err)
	}
}
