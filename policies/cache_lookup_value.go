package policies

import (
	"strings"
	"time"

	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/parser"
)

// cache-lookup-value reads a value cached by cache-store-value into a
// context variable.
//
//	<cache-lookup-value key="text | @(expr)" variable-name="name"
//	    default-value="value | @(expr)" caching-type="prefer-external | external | internal" />
//
// All sections. On a hit the variable gets a copy of the cached value; on
// a miss it gets default-value when the attribute is present and is left
// alone otherwise (policies.md §2.33 project decision). caching-type
// chooses the cache as in cache-lookup; an external cache that fails is a
// miss.
type cacheLookupValue struct {
	key, def    *Value
	variable    string
	cachingType string
}

var _ Step = (*cacheLookupValue)(nil)

func init() { Register("cache-lookup-value", compileCacheLookupValue) }

func compileCacheLookupValue(el *parser.Element, c *Compiler) (Step, error) {
	s := &cacheLookupValue{
		key:         c.Attr(el, "key", KindString),
		def:         c.Attr(el, "default-value", KindAny),
		variable:    litStr(c, el, "variable-name", ""),
		cachingType: strings.ToLower(litStr(c, el, "caching-type", "prefer-external")),
	}
	if s.variable == "" {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<cache-lookup-value> needs a variable-name")
	}
	return s, nil
}

// valueCacheKey is the cache key of a cache-*-value key; response cache
// entries live under another prefix.
func valueCacheKey(k string) string { return "value|" + k }

func (s *cacheLookupValue) Exec(r *Run) error {
	key, err := s.key.String(r)
	if err != nil {
		return err
	}
	if v, ok := lookupValue(r, s.cachingType, valueCacheKey(key)); ok {
		setVar(r, s.variable, v)
		return nil
	}
	if !s.def.Present {
		return nil
	}
	v, err := s.def.Eval(r)
	if err != nil {
		return err
	}
	setVar(r, s.variable, v)
	return nil
}

// lookupValue reads a cached value (a copy) from the cache cachingType
// selects. Values an external cache cannot carry are kept in the built-in
// cache (see storeValue), so that one is asked too.
func lookupValue(r *Run, cachingType, key string) (any, bool) {
	now := r.Now()
	if c := cacheOf(r, cachingType); c != nil {
		b, _, ok, err := c.CacheGet(stateCtx(r), key, now)
		if err == nil && ok {
			return decodeValue(b)
		}
	}
	if v, _, ok := StoresOf(r.Env).Cache.Get(key, now); ok {
		return cloneValue(v), true
	}
	return nil, false
}

// storeValue caches v under key until expires in the cache cachingType
// selects; a value of a type the external cache cannot carry goes to the
// built-in cache.
func storeValue(r *Run, cachingType, key string, v any, expires time.Time) {
	v = cloneValue(v)
	if c := cacheOf(r, cachingType); c != nil {
		if b, ok := encodeValue(v); ok {
			StoresOf(r.Env).Cache.Delete(key)
			c.CacheSet(stateCtx(r), key, b, r.Now(), expires) // a failure only loses the entry
			return
		}
	}
	StoresOf(r.Env).Cache.Set(key, v, valueSize(v), expires)
}

// removeValue removes key from both caches.
func removeValue(r *Run, cachingType, key string) {
	if c := cacheOf(r, cachingType); c != nil {
		c.CacheDelete(stateCtx(r), key)
	}
	StoresOf(r.Env).Cache.Delete(key)
}

// cloneValue copies mutable values (JSON tokens) so that a policy changing
// a looked-up value never changes the cached one.
func cloneValue(v any) any {
	switch x := v.(type) {
	case dotnet.JToken:
		return dotnet.JSONClone(x)
	case []byte:
		return append([]byte(nil), x...)
	}
	return v
}

// valueSize estimates the bytes a cached value holds.
func valueSize(v any) int64 {
	switch x := v.(type) {
	case string:
		return int64(len(x)) + 16
	case []byte:
		return int64(len(x)) + 24
	case dotnet.JToken:
		return int64(len(dotnet.ToString(x))) + 64
	}
	return 64
}
