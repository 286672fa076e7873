package dotnet

import (
	"math"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestEquals(t *testing.T) {
	t.Parallel()
	arr := []string{"a"}
	l := NewList(String)
	d1 := DateTime{T: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Kind: KindUtc}
	d2 := DateTime{T: d1.T, Kind: KindUnspecified}
	tests := []struct {
		name string
		a, b any
		want bool
	}{
		{"nil nil", nil, nil, true},
		{"nil vs value", nil, "x", false},
		{"int same", int32(1), int32(1), true},
		{"int vs long", int32(1), int64(1), false},
		{"double NaN", math.NaN(), math.NaN(), true},
		{"double zero signs", 0.0, math.Copysign(0, -1), true},
		{"string ordinal", "a", "A", false},
		{"string same", "abc", "abc", true},
		{"char", Char('a'), Char('a'), true},
		{"char vs string", Char('a'), "a", false},
		{"bool", true, true, true},
		{"datetime ignores kind", d1, d2, true},
		{"timespan", TimeSpan(5), TimeSpan(5), true},
		{"guid", Guid{1}, Guid{1}, true},
		{"decimal scale", Decimal{decimal.RequireFromString("1.0")}, Decimal{decimal.RequireFromString("1.00")}, true},
		{"array identity", arr, arr, true},
		{"array different", arr, []string{"a"}, false},
		{"list identity", l, l, true},
		{"list different", l, NewList(String), false},
		{"tuple structural", &Tuple{Items: []any{"a", int32(1)}}, &Tuple{Items: []any{"a", int32(1)}}, true},
		{"kvp", KeyValuePair{"a", int32(1)}, KeyValuePair{"a", int32(1)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Equals(tt.a, tt.b); got != tt.want {
				t.Errorf("Equals(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if tt.want && HashKey(tt.a) != HashKey(tt.b) {
				t.Errorf("HashKey differs for equal values %v, %v", tt.a, tt.b)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		a, b    any
		want    int
		wantErr string
	}{
		{"ints", int32(1), int32(2), -1, ""},
		{"longs", int64(3), int64(2), 1, ""},
		{"doubles", 1.5, 1.5, 0, ""},
		{"NaN first", math.NaN(), -1e300, -1, ""},
		{"strings in culture order", "B", "a", 1, ""},
		{"lower case first", "a", "A", -1, ""},
		{"strings prefix", "ab", "abc", -1, ""},
		{"utf16 order", "\uffff", "\U0001F600", 1, ""},
		{"nil first", nil, "a", -1, ""},
		{"nil nil", nil, nil, 0, ""},
		{"bool", false, true, -1, ""},
		{"char", Char('b'), Char('a'), 1, ""},
		{"timespan", TimeSpan(1), TimeSpan(2), -1, ""},
		{"guid", Guid{2}, Guid{1}, 1, ""},
		{"datetime", DateTime{T: time.Unix(1, 0)}, DateTime{T: time.Unix(2, 0)}, -1, ""},
		{"mixed numbers", int32(1), int64(1), 0, "Object must be of type Int32."},
		{"not comparable", NewList(nil), NewList(nil), 0, "At least one object must implement IComparable."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Compare(tt.a, tt.b)
			if tt.wantErr != "" {
				ctWantExc(t, err, "System.ArgumentException", tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Compare(%v, %v) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestCompareStringComparer(t *testing.T) {
	t.Parallel()
	c := OrdinalIgnoreCaseComparer
	if !c.Equal("Hello", "hELLO") || c.Equal("a", "b") {
		t.Error("OrdinalIgnoreCase equality")
	}
	if c.Key("Hello") != c.Key("HELLO") {
		t.Error("OrdinalIgnoreCase key")
	}
	if n, _ := c.Compare("a", "B"); n >= 0 {
		t.Errorf("OrdinalIgnoreCase a vs B = %d", n)
	}
	if OrdinalComparer.Equal("a", "A") {
		t.Error("Ordinal must be case-sensitive")
	}
}
