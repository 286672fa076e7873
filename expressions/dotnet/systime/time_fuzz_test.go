package systime

import (
	"testing"

	"github.com/policygate/policygate/expressions/dotnet"
)

// The fuzz targets check that no input panics; run their seeds with the
// normal tests and explore with go test -fuzz.

func FuzzDateTimeFormat(f *testing.F) {
	for _, s := range []string{"o", "R", "yyyy-MM-ddTHH:mm:ssK", "'x", "%", `\`, "fffffff", "dddd MMMM yyyyy zzz", "%%"} {
		f.Add(s, int64(638422932304000000))
	}
	f.Fuzz(func(t *testing.T, format string, ticks int64) {
		if ticks < 0 || ticks > tmMaxTicks {
			ticks = 0
		}
		for _, k := range []dotnet.DateTimeKind{dotnet.KindUnspecified, dotnet.KindUtc, dotnet.KindLocal} {
			_, _ = dotnet.DateTimeFromTicks(ticks, k).Format(format)
		}
		o, err := NewDateTimeOffset(ticks, dotnet.TimeSpan(-dotnet.TicksPerHour))
		if err == nil {
			_, _ = o.Format(format)
		}
		_, _ = dotnet.TimeSpan(ticks).Format(format)
		_, _ = dotnet.TimeSpan(-ticks).Format(format)
	})
}

func FuzzDateTimeParse(f *testing.F) {
	for _, s := range []string{"2024-01-02T03:04:05.1234567Z", "Tue, 02 Jan 2024 03:04:05 GMT", "1/2/2024 3:04 PM", "13:14", "", "9999-12-31T23:59:59-14:00"} {
		f.Add(s, "yyyy-MM-ddTHH:mm:ss.FFFFFFFK")
	}
	f.Fuzz(func(t *testing.T, s, format string) {
		_, _ = ParseDateTime(s)
		_, _ = ParseDateTimeExact(s, []string{format}, StylesAllowWhiteSpaces)
		_, _ = ParseDateTimeOffset(s)
		_, _ = ParseTimeSpan(s)
		_, _ = ParseGuid(s)
	})
}
