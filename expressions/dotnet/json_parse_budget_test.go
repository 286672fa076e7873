package dotnet

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestParseJSONWithinStopsMidParse checks that a budgeted parse checks its
// budget while it reads, not only at its start: the first check starts the
// clock of a 1 ns budget, and the next one, 64 KB into a 1 MB document,
// stops it (a parse that reached the end would have returned the tree).
func TestParseJSONWithinStopsMidParse(t *testing.T) {
	doc := "[" + strings.TrimSuffix(strings.Repeat(`{"a":1,"b":"x"},`, 65536), ",") + "]"
	b := (&RequestBudget{Timeout: time.Nanosecond}).Start()
	tok, err := ParseJSONWithin(&b, doc, ParseJArray)
	var be *BudgetError
	if !errors.As(err, &be) || !strings.Contains(be.Msg, "time budget") || tok != nil {
		t.Fatalf("got %v, %v; want the time budget error", tok, err)
	}
	// without a deadline, and with no budget, the same text parses
	for _, b := range []*Budget{nil, {}} {
		tok, err := ParseJSONWithin(b, doc, ParseJArray)
		if err != nil || tok.(*JArray).Count() != 65536 {
			t.Fatalf("budget %v: %v", b, err)
		}
	}
	done := make(chan struct{})
	ab := (&RequestBudget{Done: done}).Start()
	close(done)
	if _, err := ParseJSONWithin(&ab, doc, ParseJArray); !errors.As(err, &be) || !strings.Contains(be.Msg, "abandoned") {
		t.Fatalf("abandoned request: got %v", err)
	}
}
