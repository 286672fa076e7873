package dotnet

import (
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// Culture-sensitive string order (the invariant culture, which .NET takes
// from ICU's root collation): golang.org/x/text/collate with the root
// locale. A Collator is not safe for concurrent use, hence the pools.
var (
	rootCollators           = sync.Pool{New: func() any { return collate.New(language.Und) }}
	rootIgnoreCaseCollators = sync.Pool{New: func() any { return collate.New(language.Und, collate.IgnoreCase) }}
)

// CultureCompare compares two strings in the invariant culture's order
// (-1, 0 or 1), ignoring case when asked.
func CultureCompare(a, b string, ignoreCase bool) int {
	pool := &rootCollators
	if ignoreCase {
		pool = &rootIgnoreCaseCollators
	}
	c := pool.Get().(*collate.Collator)
	defer pool.Put(c)
	return c.CompareString(a, b)
}
