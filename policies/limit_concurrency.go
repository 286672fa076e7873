package policies

import (
	"net/http"
	"sync"

	"github.com/policygate/policygate/parser"
)

// limit-concurrency runs its child policies only while fewer than
// max-count requests are running them for the same key.
//
//	<limit-concurrency key="@(expr) | literal" max-count="3">
//	    …child policies…
//	</limit-concurrency>
//
// A request over the limit fails at once, without queueing: 429 with
// Source limit-concurrency, Reason ConcurrencyLimitExceeded and the message
// "Too many concurrent requests." (project decision, policies.md §2.27).
//
// The counters are process-wide and shared by every limit-concurrency with
// the same key (each compares them with its own max-count), and by the
// configurations before and after a reload, so requests in flight across a
// swap still count. A key's entry is removed when its count drops to zero:
// the map holds only keys some request is inside right now, so it is
// bounded by the number of requests in flight.
type limitConcurrency struct {
	key  *Value
	max  *Value
	body []*Stmt
}

var _ Step = (*limitConcurrency)(nil)

func init() { Register("limit-concurrency", compileLimitConcurrency) }

// ReasonConcurrencyLimit is the project's reason for a request over a
// limit-concurrency limit.
const ReasonConcurrencyLimit = "ConcurrencyLimitExceeded"

// msgConcurrencyLimit is its message and default body text.
const msgConcurrencyLimit = "Too many concurrent requests."

func compileLimitConcurrency(el *parser.Element, c *Compiler) (Step, error) {
	l := &limitConcurrency{key: c.Attr(el, "key", KindString), max: c.Attr(el, "max-count", KindInt)}
	if !l.key.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<limit-concurrency> needs a key")
	}
	if !l.max.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<limit-concurrency> needs a max-count")
	} else if lit, ok := l.max.Literal(); ok {
		if n, err := flowParseCount(lit); err != nil || n < 1 {
			c.Errorf(l.max.Pos(), parser.CodeBadAttribute, "max-count must be a positive number, not %q", lit)
		}
	}
	l.body = c.Statements(c.Path(), el.Children)
	return l, nil
}

// limitConcSlots counts, per key, the requests inside a limit-concurrency.
var limitConcSlots = struct {
	sync.Mutex
	held map[string]int
}{held: map[string]int{}}

func limitConcAcquire(key string, maxCount int) bool {
	limitConcSlots.Lock()
	defer limitConcSlots.Unlock()
	if limitConcSlots.held[key] >= maxCount {
		return false
	}
	limitConcSlots.held[key]++
	return true
}

func limitConcRelease(key string) {
	limitConcSlots.Lock()
	defer limitConcSlots.Unlock()
	if n := limitConcSlots.held[key]; n > 1 {
		limitConcSlots.held[key] = n - 1
	} else {
		delete(limitConcSlots.held, key)
	}
}

// Exec runs the children holding one of the key's slots.
func (l *limitConcurrency) Exec(r *Run) error {
	key, err := l.key.String(r)
	if err != nil {
		return err
	}
	maxCount, err := l.max.Int(r, 1)
	if err != nil {
		return err
	}
	if !limitConcAcquire(key, maxCount) {
		return &Error{Reason: ReasonConcurrencyLimit, Message: msgConcurrencyLimit, Status: http.StatusTooManyRequests}
	}
	defer limitConcRelease(key)
	return RunAll(r, l.body)
}
