package dotnet

import (
	"math"
	"testing"

	"github.com/shopspring/decimal"
)

var pointThree = func() float64 { a, b := 0.1, 0.2; return a + b }()

func dec(s string) Decimal { return Decimal{D: decimal.RequireFromString(s)} }

// TestFormatNumber compares with what .NET (invariant culture) prints.
func TestFormatNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    any
		f    string
		want string
	}{
		{1.5, "N2", "1.50"},
		{1234567.891, "N", "1,234,567.89"},
		{pointThree, "R", "0.30000000000000004"},
		{pointThree, "G", "0.30000000000000004"},
		{pointThree, "G17", "0.30000000000000004"},
		{pointThree, "G15", "0.3"},
		{0.0001, "G", "0.0001"},
		{0.00001, "G", "1E-05"},
		{1e15, "R", "1E+15"},
		{1e14, "R", "100000000000000"},
		{-1.5e-10, "g", "-1.5e-10"},
		{123456789012345680.0, "R", "1.2345678901234568E+17"},
		{int32(255), "X4", "00FF"},
		{int32(255), "x", "ff"},
		{int32(-1), "X", "FFFFFFFF"},
		{int64(-1), "X", "FFFFFFFFFFFFFFFF"},
		{uint8(10), "X2", "0A"},
		{int32(42), "D5", "00042"},
		{int32(-42), "D5", "-00042"},
		{int32(0), "D", "0"},
		{int32(1234), "N0", "1,234"},
		{int32(-1234), "N1", "-1,234.0"},
		{int32(12345), "G3", "1.23E+04"},
		{int32(12345), "E2", "1.23E+004"},
		{1234.5678, "E", "1.234568E+003"},
		{1234.5678, "e3", "1.235e+003"},
		{0.0, "E2", "0.00E+000"},
		{1234.5678, "F", "1234.57"},
		{1234.5678, "F0", "1235"},
		{2.5, "F0", "2"},
		{3.5, "F0", "4"},
		{0.125, "F2", "0.12"},
		{1.005, "F2", "1.00"},
		{12.345, "C", "¤12.35"},
		{-12.345, "C", "(¤12.35)"},
		{0.5, "P", "50.00 %"},
		{0.1234, "P1", "12.3 %"},
		{-0.5, "P0", "-50 %"},
		{1234.5, "G4", "1234"},
		{0.000012345, "G", "1.2345E-05"},
		{0.000012345, "G3", "1.23E-05"},
		{123456789.0, "G5", "1.2346E+08"},
		{0.0001234, "G3", "0.000123"},
		{-0.001, "F2", "-0.00"},
		{math.NaN(), "N2", "NaN"},
		{1.5, "D", "!System.FormatException"},
		{int32(1), "Z", "!System.FormatException"},
		// Custom formats.
		{1234567.891, "#,##0.00", "1,234,567.89"},
		{int32(1234567890), "(###) ###-####", "(123) 456-7890"},
		{int32(0), "#", ""},
		{int32(5), "00", "05"},
		{1.0, "0.##", "1"},
		{1.256, "0.##", "1.26"},
		{0.125, "0.00", "0.13"},
		{12.5, ".00", "12.50"},
		{0.5, ".00", ".50"},
		{0.256, "0.0%", "25.6%"},
		{int32(12345), "0.###E+0", "1.235E+4"},
		{int32(12345), "0.0e0", "1.2e4"},
		{0.00012, "0.0E-00", "1.2E-04"},
		{int32(-5), "0;(0)", "(5)"},
		{int32(0), "0;(0);zero", "zero"},
		{int32(5), "0;(0);zero", "5"},
		{-0.1, "0", "-0"},
		{dec("-0.1"), "0", "0"},
		{int32(1234567), "#,#", "1,234,567"},
		{int32(1234567), "#,##0,,", "1"},
		{int32(1500000), "0,,.0M", "1.5M"},
		{int32(1500000), "0.0,,M", "1500000.0M"},
		{int32(42), "'#'0", "#42"},
		{int32(42), `\#0`, "#42"},
		{int32(-42), "0", "-42"},
		// Decimal keeps its scale.
		{dec("1.50"), "", "1.50"},
		{dec("1.50"), "G", "1.50"},
		{dec("0.925"), "N2", "0.93"},
		{dec("2.5"), "F0", "3"},
		{dec("1234.5"), "C", "¤1,234.50"},
		{dec("-0.001"), "F2", "0.00"},
		{float32(0.1), "", "0.1"},
		{float32(1.5), "F3", "1.500"},
		{uint64(math.MaxUint64), "N0", "18,446,744,073,709,551,615"},
		{int64(math.MinInt64), "", "-9223372036854775808"},
		{int64(math.MinInt64), "N0", "-9,223,372,036,854,775,808"},
	}
	for _, tt := range tests {
		got, err := FormatNumber(tt.v, tt.f)
		if err != nil {
			got = "!" + err.(*Exception).Type
		}
		if tt.f == "" && err == nil {
			got = ToString(tt.v)
		}
		if got != tt.want {
			t.Errorf("(%v).ToString(%q) = %q, want %q", tt.v, tt.f, got, tt.want)
		}
	}
}

func TestFormatComposite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		f    string
		args []any
		want string
	}{
		{"{0,-5}|", []any{"a"}, "a    |"},
		{"{0,5}|", []any{"a"}, "    a|"},
		{"{0:N2} and {1}", []any{1234.5, "x"}, "1,234.50 and x"},
		{"{{{0}}}", []any{int32(1)}, "{1}"},
		{"{0} {0}", []any{true}, "True True"},
		{"[{0}]", []any{nil}, "[]"},
		{"{0:X2}{1:D3}", []any{uint8(255), int32(7)}, "FF007"},
		{"{1}", []any{"a"}, "!System.FormatException"},
		{"{0", []any{"a"}, "!System.FormatException"},
		{"a}", []any{"a"}, "!System.FormatException"},
		{"{0,8:F1}", []any{3.14159}, "     3.1"},
	}
	for _, tt := range tests {
		got, err := FormatComposite(tt.f, tt.args...)
		if err != nil {
			got = "!" + err.(*Exception).Type
		}
		if got != tt.want {
			t.Errorf("string.Format(%q) = %q, want %q", tt.f, got, tt.want)
		}
	}
}

// FuzzFormatNumber checks that no format string makes formatting panic.
func FuzzFormatNumber(f *testing.F) {
	for _, s := range []string{"", "N2", "X8", "#,##0.00;(#,##0.00);zero", "0.###E+0", `\#'a'0%‰`, "G17", "{0,-5:F1}"} {
		f.Add(s, 1234.5678, int64(-42))
	}
	f.Fuzz(func(t *testing.T, format string, d float64, i int64) {
		for _, v := range []any{d, i, int32(i), uint8(i), float32(d), Decimal{D: decimal.NewFromFloat(1.25)}} {
			_, _ = FormatNumber(v, format)
		}
		_, _ = FormatComposite(format, d, i)
	})
}
