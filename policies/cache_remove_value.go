package policies

import (
	"strings"

	"github.com/policygate/policygate/parser"
)

// cache-remove-value removes a value cached by cache-store-value.
//
//	<cache-remove-value key="text | @(expr)" caching-type="prefer-external | external | internal" />
//
// All sections. Removing a key that is not cached is not an error.
type cacheRemoveValue struct {
	key         *Value
	cachingType string
}

var _ Step = (*cacheRemoveValue)(nil)

func init() { Register("cache-remove-value", compileCacheRemoveValue) }

func compileCacheRemoveValue(el *parser.Element, c *Compiler) (Step, error) {
	return &cacheRemoveValue{key: c.Attr(el, "key", KindString), cachingType: strings.ToLower(litStr(c, el, "caching-type", "prefer-external"))}, nil
}

func (s *cacheRemoveValue) Exec(r *Run) error {
	key, err := s.key.String(r)
	if err != nil {
		return err
	}
	removeValue(r, s.cachingType, valueCacheKey(key))
	return nil
}
