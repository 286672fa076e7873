package dotnet

import (
	"bytes"
	"cmp"
	"math"
	"reflect"
	"strings"
	"unicode"
)

// ValueEqualer is implemented by reference types with value equality (JValue
// overrides object.Equals, for example). Equals and HashKey consult it.
type ValueEqualer interface {
	EqualsValue(other any) bool
}

// Hasher is implemented by types that give HashKey a Go-comparable key
// consistent with their EqualsValue. Types that implement ValueEqualer but not
// Hasher still work in dictionaries and sets, only more slowly (they share one
// hash bucket per Go type).
type Hasher interface {
	HashKey() any
}

// ValueComparer is implemented by types that order themselves
// (IComparable.CompareTo).
type ValueComparer interface {
	CompareTo(other any) (int, error)
}

// Equals reports whether a and b are equal as .NET's static object.Equals(a, b)
// decides: null equals only null; boxed numbers are equal only if they have
// the same type and value (an int 1 is not Equal to a long 1, and NaN equals
// NaN); strings compare ordinally; bool, char, DateTime (ticks, ignoring
// Kind), TimeSpan, DateTimeOffset (instant), Guid and Decimal (numeric value)
// compare by value; ValueEqualer values use EqualsValue; everything else,
// arrays included, compares by reference.
func Equals(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || (math.IsNaN(x) && math.IsNaN(y)))
	case float32:
		y, ok := b.(float32)
		return ok && (x == y || (x != x && y != y))
	case DateTime:
		y, ok := b.(DateTime)
		return ok && x.T.Equal(y.T)
	case DateTimeOffset:
		y, ok := b.(DateTimeOffset)
		return ok && x.T.Equal(y.T)
	case Decimal:
		y, ok := b.(Decimal)
		return ok && x.D.Equal(y.D)
	case KeyValuePair:
		// A struct: ValueType.Equals compares the fields with Equals.
		y, ok := b.(KeyValuePair)
		return ok && Equals(x.Key, y.Key) && Equals(x.Value, y.Value)
	case ValueEqualer:
		return x.EqualsValue(b)
	}
	if reflect.TypeOf(a) != reflect.TypeOf(b) {
		return false
	}
	if !reflect.TypeOf(a).Comparable() {
		return collSameRef(a, b)
	}
	return collSafeEq(a, b)
}

// collSafeEq is a == b for values whose Go type is comparable but may hold
// unhashable dynamic values (structs with interface fields).
func collSafeEq(a, b any) (eq bool) {
	defer func() {
		if recover() != nil {
			eq = false
		}
	}()
	return a == b
}

type hkKVP struct{ k, v any }

// hkHashable reports whether v can be a Go map key without panicking.
func hkHashable(v any) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	_ = map[any]struct{}{v: {}}
	return true
}

// collSameRef compares values of non-comparable Go types (slices standing for
// .NET arrays) by identity.
func collSameRef(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Kind() == reflect.Slice && vb.Kind() == reflect.Slice {
		return va.Len() == vb.Len() && va.Pointer() == vb.Pointer()
	}
	return false
}

type hkNaN struct{ bits int }
type hkRef struct {
	t   reflect.Type
	p   uintptr
	len int
}
type hkBucket struct{ t reflect.Type }
type hkDateTime struct {
	sec  int64
	nsec int
}
type hkDecimal string

// HashKey returns a Go-comparable key for v that is consistent with Equals:
// Equals(a, b) implies HashKey(a) == HashKey(b). Keys of unequal values may
// collide (values that only implement ValueEqualer share a bucket), so a hash
// table must still confirm a match with Equals.
func HashKey(v any) any {
	switch x := v.(type) {
	case nil, string, bool, int32, int64, Char, int8, uint8, int16, uint16, uint32, uint64, int, TimeSpan, Guid:
		return v
	case float64:
		if math.IsNaN(x) {
			return hkNaN{64}
		}
		return x + 0 // -0 and 0 are the same key already; keep the float
	case float32:
		if x != x {
			return hkNaN{32}
		}
		return x
	case DateTime:
		return hkDateTime{x.T.Unix(), x.T.Nanosecond()}
	case DateTimeOffset:
		return hkDateTime{x.T.Unix(), x.T.Nanosecond()}
	case Decimal:
		return hkDecimal(x.D.String())
	case KeyValuePair:
		return hkKVP{HashKey(x.Key), HashKey(x.Value)}
	case Hasher:
		return x.HashKey()
	case ValueEqualer:
		return hkBucket{reflect.TypeOf(v)}
	}
	rt := reflect.TypeOf(v)
	if rt.Comparable() {
		if rt.Kind() == reflect.Pointer || hkHashable(v) {
			return v
		}
		return hkBucket{rt}
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice {
		return hkRef{rt, rv.Pointer(), rv.Len()}
	}
	return hkBucket{rt}
}

// collArgError is System.ArgumentException with a message.
func collArgError(msg string) *Exception { return Throw("System.ArgumentException", "%s", msg) }

// collInvalidOp is System.InvalidOperationException with a message.
func collInvalidOp(msg string) *Exception {
	return Throw("System.InvalidOperationException", "%s", msg)
}

// Compare orders a and b as Comparer<object>.Default (IComparable.CompareTo)
// does: null sorts before everything; numbers, strings, chars, bools,
// DateTime, DateTimeOffset, TimeSpan, Guid and Decimal compare with values of
// their own type; ValueComparer values use CompareTo. Values of different
// types, or of types that are not comparable, give .NET's ArgumentException.
//
// Strings compare ordinally by UTF-16 code unit. .NET's default string
// comparer is culture-sensitive (invariant culture on the gateway); ordinal
// order differs from it for mixed case and punctuation ("a" < "B" in .NET,
// "B" < "a" here).
func Compare(a, b any) (int, error) {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0, nil
		case a == nil:
			return -1, nil
		default:
			return 1, nil
		}
	}
	mismatch := func() (int, error) {
		return 0, collArgError("Object must be of type " + TypeOf(a).Name + ".")
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			// Comparer<string>.Default is culture-sensitive.
			return CompareStrings(x, y, StringComparisonCurrentCulture), nil
		}
		return mismatch()
	case int32:
		return collCmpSame(x, b, mismatch)
	case int64:
		return collCmpSame(x, b, mismatch)
	case float64:
		if y, ok := b.(float64); ok {
			return collCmpFloat(x, y), nil
		}
		return mismatch()
	case float32:
		if y, ok := b.(float32); ok {
			return collCmpFloat(float64(x), float64(y)), nil
		}
		return mismatch()
	case Char:
		return collCmpSame(x, b, mismatch)
	case int8:
		return collCmpSame(x, b, mismatch)
	case uint8:
		return collCmpSame(x, b, mismatch)
	case int16:
		return collCmpSame(x, b, mismatch)
	case uint16:
		return collCmpSame(x, b, mismatch)
	case uint32:
		return collCmpSame(x, b, mismatch)
	case uint64:
		return collCmpSame(x, b, mismatch)
	case TimeSpan:
		return collCmpSame(x, b, mismatch)
	case bool:
		if y, ok := b.(bool); ok {
			return cmp.Compare(collB2I(x), collB2I(y)), nil
		}
		return mismatch()
	case DateTime:
		if y, ok := b.(DateTime); ok {
			return x.T.Compare(y.T), nil
		}
		return mismatch()
	case DateTimeOffset:
		if y, ok := b.(DateTimeOffset); ok {
			return x.T.Compare(y.T), nil
		}
		return mismatch()
	case Guid:
		if y, ok := b.(Guid); ok {
			return bytes.Compare(x[:], y[:]), nil
		}
		return mismatch()
	case Decimal:
		if y, ok := b.(Decimal); ok {
			return x.D.Cmp(y.D), nil
		}
		return mismatch()
	case ValueComparer:
		return x.CompareTo(b)
	}
	return 0, collArgError("At least one object must implement IComparable.")
}

func collCmpSame[T cmp.Ordered](x T, b any, mismatch func() (int, error)) (int, error) {
	if y, ok := b.(T); ok {
		return cmp.Compare(x, y), nil
	}
	return mismatch()
}

// collCmpFloat orders doubles as Double.CompareTo: NaN first, equal to itself.
func collCmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	case x == y:
		return 0
	case math.IsNaN(x) && math.IsNaN(y):
		return 0
	case math.IsNaN(x):
		return -1
	default:
		return 1
	}
}

func collB2I(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CompareStringsOrdinal compares strings by UTF-16 code units as
// string.CompareOrdinal does: the difference of the first differing units,
// else of the lengths.
func CompareStringsOrdinal(a, b string) int {
	ua, ub := UTF16(a), UTF16(b)
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return int(ua[i]) - int(ub[i])
		}
	}
	return len(ua) - len(ub)
}

// collUpper maps s as .NET's ordinal case-insensitive comparison does
// (simple per-character upper-casing).
func collUpper(s string) string {
	if IsASCII(s) {
		return strings.ToUpper(s)
	}
	return strings.Map(unicode.ToUpper, s)
}

// ---- comparers ----

// StringComparer is System.StringComparer: an equality comparer and ordering
// for strings that the collection constructors and LINQ operators accept.
type StringComparer struct {
	Name       string // "Ordinal", "OrdinalIgnoreCase", ...
	IgnoreCase bool
}

// The StringComparer static properties. The culture-aware ones compare like
// their ordinal counterparts (see Compare for the caveat).
var (
	OrdinalComparer                    = &StringComparer{Name: "Ordinal"}
	OrdinalIgnoreCaseComparer          = &StringComparer{Name: "OrdinalIgnoreCase", IgnoreCase: true}
	InvariantCultureComparer           = &StringComparer{Name: "InvariantCulture"}
	InvariantCultureIgnoreCaseComparer = &StringComparer{Name: "InvariantCultureIgnoreCase", IgnoreCase: true}
	CurrentCultureComparer             = &StringComparer{Name: "CurrentCulture"}
	CurrentCultureIgnoreCaseComparer   = &StringComparer{Name: "CurrentCultureIgnoreCase", IgnoreCase: true}
)

// Equal reports whether two values are equal under the comparer. Non-string
// values fall back to Equals.
func (c *StringComparer) Equal(a, b any) bool {
	x, ok1 := a.(string)
	y, ok2 := b.(string)
	if !ok1 || !ok2 || !c.IgnoreCase {
		return Equals(a, b)
	}
	return x == y || collUpper(x) == collUpper(y)
}

// Key returns a hash key consistent with Equal.
func (c *StringComparer) Key(v any) any {
	if s, ok := v.(string); ok && c.IgnoreCase {
		return collUpper(s)
	}
	return HashKey(v)
}

// Compare orders two strings (null first).
func (c *StringComparer) Compare(a, b any) (int, error) {
	x, ok1 := a.(string)
	y, ok2 := b.(string)
	if ok1 && ok2 {
		if !strings.HasPrefix(c.Name, "Ordinal") {
			cmp := StringComparisonCurrentCulture
			if c.IgnoreCase {
				cmp = StringComparisonCurrentCultureIgnoreCase
			}
			return CompareStrings(x, y, cmp), nil
		}
		if c.IgnoreCase {
			return CompareStringsOrdinal(collUpper(x), collUpper(y)), nil
		}
		return CompareStringsOrdinal(x, y), nil
	}
	return Compare(a, b)
}

// String returns the comparer's type name, as ToString() prints it.
func (c *StringComparer) String() string { return "System.StringComparer" }

// EqualityComparer is the equality used by dictionaries, sets and LINQ's set
// operators (IEqualityComparer<T>).
type EqualityComparer interface {
	Equal(a, b any) bool
	Key(v any) any
}

// Orderer is an ordering (IComparer<T>).
type Orderer interface {
	Compare(a, b any) (int, error)
}

type collDefaultEq struct{}

func (collDefaultEq) Equal(a, b any) bool { return Equals(a, b) }
func (collDefaultEq) Key(v any) any       { return HashKey(v) }

// DefaultEquality is EqualityComparer<T>.Default (Equals and HashKey).
var DefaultEquality EqualityComparer = collDefaultEq{}

type collDefaultOrd struct{}

func (collDefaultOrd) Compare(a, b any) (int, error) { return Compare(a, b) }

// DefaultOrder is Comparer<T>.Default (Compare).
var DefaultOrder Orderer = collDefaultOrd{}

// collEqOf returns the equality comparer passed as an argument, or the default.
func collEqOf(v any) EqualityComparer {
	if c, ok := v.(EqualityComparer); ok && c != nil {
		return c
	}
	return DefaultEquality
}

// ---- a small insertion-ordered hash table ----

// collTable maps keys (under an equality comparer) to slots, reusing freed slots
// last-freed-first as .NET's Dictionary and HashSet do, so enumeration order
// matches .NET's.
type collTable struct {
	eq      EqualityComparer
	keys    []any
	vals    []any
	used    []bool
	free    []int
	buckets map[any][]int
	n       int
}

func newCollTable(eq EqualityComparer) *collTable {
	if eq == nil {
		eq = DefaultEquality
	}
	return &collTable{eq: eq, buckets: map[any][]int{}}
}

func (t *collTable) find(k any) int {
	for _, i := range t.buckets[t.eq.Key(k)] {
		if t.eq.Equal(t.keys[i], k) {
			return i
		}
	}
	return -1
}

// put inserts or overwrites; it reports whether the key was new.
func (t *collTable) put(k, v any, overwrite bool) bool {
	if i := t.find(k); i >= 0 {
		if overwrite {
			t.vals[i] = v
		}
		return false
	}
	var i int
	if n := len(t.free); n > 0 {
		i = t.free[n-1]
		t.free = t.free[:n-1]
		t.keys[i], t.vals[i], t.used[i] = k, v, true
	} else {
		i = len(t.keys)
		t.keys = append(t.keys, k)
		t.vals = append(t.vals, v)
		t.used = append(t.used, true)
	}
	h := t.eq.Key(k)
	t.buckets[h] = append(t.buckets[h], i)
	t.n++
	return true
}

func (t *collTable) remove(k any) bool {
	i := t.find(k)
	if i < 0 {
		return false
	}
	h := t.eq.Key(k)
	b := t.buckets[h]
	for j, x := range b {
		if x == i {
			b = append(b[:j:j], b[j+1:]...)
			break
		}
	}
	if len(b) == 0 {
		delete(t.buckets, h)
	} else {
		t.buckets[h] = b
	}
	t.keys[i], t.vals[i], t.used[i] = nil, nil, false
	t.free = append(t.free, i)
	t.n--
	return true
}

func (t *collTable) clear() {
	t.keys, t.vals, t.used, t.free = nil, nil, nil, nil
	t.buckets = map[any][]int{}
	t.n = 0
}

// each calls fn for every live entry in enumeration order.
func (t *collTable) each(fn func(k, v any) bool) {
	for i, u := range t.used {
		if u && !fn(t.keys[i], t.vals[i]) {
			return
		}
	}
}
