package dotnet

import (
	"time"

	"github.com/shopspring/decimal"
)

// DateTimeKind is System.DateTimeKind.
type DateTimeKind uint8

// DateTimeKind values.
const (
	KindUnspecified DateTimeKind = iota
	KindUtc
	KindLocal
)

// DateTime is System.DateTime: an instant with 100 ns resolution and a kind.
// T holds the wall-clock reading in UTC's location for KindUtc and
// KindUnspecified; the gateway's local zone is UTC, so KindLocal is too.
type DateTime struct {
	T    time.Time
	Kind DateTimeKind
}

// TimeSpan is System.TimeSpan in ticks of 100 ns.
type TimeSpan int64

// TicksPerSecond and friends convert TimeSpan ticks.
const (
	TicksPerMillisecond TimeSpan = 10_000
	TicksPerSecond               = 1000 * TicksPerMillisecond
	TicksPerMinute               = 60 * TicksPerSecond
	TicksPerHour                 = 60 * TicksPerMinute
	TicksPerDay                  = 24 * TicksPerHour
)

// DateTimeOffset is System.DateTimeOffset: a clock reading and its offset
// from UTC (T's location carries the offset).
type DateTimeOffset struct {
	T time.Time
}

// Guid is System.Guid in .NET's byte order of its string form (the bytes as
// the "D" format prints them, left to right).
type Guid [16]byte

// Decimal is System.Decimal.
type Decimal struct {
	D decimal.Decimal
}
