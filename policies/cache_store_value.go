package policies

import (
	"strings"
	"time"

	"github.com/policygate/policygate/parser"
)

// cache-store-value caches a value under a key for a duration.
//
//	<cache-store-value key="text | @(expr)" value="value | @(expr)"
//	    duration="seconds | @(expr)" caching-type="prefer-external | external | internal" />
//
// All sections, any method, any number of times. The value (any variable
// type) is copied into the cache caching-type selects (as cache-lookup);
// a duration of 0 stores nothing.
// The store is synchronous, so a following lookup hits (APIM may miss).
type cacheStoreValue struct {
	key, value, duration *Value
	cachingType          string
}

var _ Step = (*cacheStoreValue)(nil)

func init() { Register("cache-store-value", compileCacheStoreValue) }

func compileCacheStoreValue(el *parser.Element, c *Compiler) (Step, error) {
	s := &cacheStoreValue{
		key:         c.Attr(el, "key", KindString),
		value:       c.Attr(el, "value", KindAny),
		duration:    c.Attr(el, "duration", KindInt),
		cachingType: strings.ToLower(litStr(c, el, "caching-type", "prefer-external")),
	}
	checkLitInt(c, s.duration)
	return s, nil
}

func (s *cacheStoreValue) Exec(r *Run) error {
	key, err := s.key.String(r)
	if err != nil {
		return err
	}
	v, err := s.value.Eval(r)
	if err != nil {
		return err
	}
	d, err := evalInt(r, s.duration, 0)
	if err != nil || d == 0 {
		return err
	}
	storeValue(r, s.cachingType, valueCacheKey(key), v, r.Now().Add(time.Duration(d)*time.Second))
	return nil
}
