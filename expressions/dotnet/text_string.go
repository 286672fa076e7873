package dotnet

import (
	"hash/fnv"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// StringComparison is System.StringComparison.
type StringComparison int32

// StringComparison values.
const (
	StringComparisonCurrentCulture StringComparison = iota
	StringComparisonCurrentCultureIgnoreCase
	StringComparisonInvariantCulture
	StringComparisonInvariantCultureIgnoreCase
	StringComparisonOrdinal
	StringComparisonOrdinalIgnoreCase
)

var stringComparisonNames = []string{"CurrentCulture", "CurrentCultureIgnoreCase", "InvariantCulture",
	"InvariantCultureIgnoreCase", "Ordinal", "OrdinalIgnoreCase"}

// String returns the member name, as Enum.ToString() does.
func (c StringComparison) String() string { return txEnumName(stringComparisonNames, int(c)) }

// IgnoreCase reports whether the comparison ignores case.
func (c StringComparison) IgnoreCase() bool {
	return c == StringComparisonCurrentCultureIgnoreCase || c == StringComparisonInvariantCultureIgnoreCase || c == StringComparisonOrdinalIgnoreCase
}

// StringSplitOptions is System.StringSplitOptions (a flags enum).
type StringSplitOptions int32

// StringSplitOptions values.
const (
	SplitNone               StringSplitOptions = 0
	SplitRemoveEmptyEntries StringSplitOptions = 1
	SplitTrimEntries        StringSplitOptions = 2
)

// String returns the member name(s), as Enum.ToString() does for flags.
func (o StringSplitOptions) String() string {
	switch o {
	case 0:
		return "None"
	case 1:
		return "RemoveEmptyEntries"
	case 2:
		return "TrimEntries"
	case 3:
		return "RemoveEmptyEntries, TrimEntries"
	}
	return strconv.Itoa(int(o))
}

func txEnumName(names []string, i int) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return strconv.Itoa(i)
}

// Exported enum types of this file.
var (
	StringComparisonT   = txEnumType("StringComparison", "System.StringComparison", StringComparison(0), stringComparisonNames, func(i int) any { return StringComparison(i) })
	StringSplitOptionsT = txEnumType("StringSplitOptions", "System.StringSplitOptions", StringSplitOptions(0),
		[]string{"None", "RemoveEmptyEntries", "TrimEntries"}, func(i int) any { return StringSplitOptions(i) })
)

// txEnumType registers an enum type whose members are consecutive values
// from 0 (mk maps the ordinal to the value).
func txEnumType(name, full string, zero any, names []string, mk func(int) any) *Type {
	t := NewType(name, full, nil, reflect.TypeOf(zero))
	t.Enum = true
	t.ValueType = true
	for i, n := range names {
		v := mk(i)
		t.AddStaticProp(&Prop{Name: n, Type: t, Get: func(any) (any, error) { return v, nil }})
	}
	t.AddMethod(
		txMethod("ToString", String, func(recv any, _ []any) (any, error) { return ToString(recv), nil }),
		txMethod("Equals", Boolean, func(recv any, a []any) (any, error) { return recv == a[0], nil }, nil),
		txMethod("GetHashCode", Int32, func(recv any, _ []any) (any, error) { return int32(txInt(recv)), nil }),
		txMethod("CompareTo", Int32, func(recv any, a []any) (any, error) {
			if a[0] == nil {
				return int32(1), nil
			}
			return txSign(txInt(recv) - txInt(a[0])), nil
		}, nil),
	)
	return Register(t)
}

// ---- argument helpers ----

// txInt converts an integral argument (any Go integer kind or enum) to int.
func txInt(v any) int {
	switch x := v.(type) {
	case int32:
		return int(x)
	case int:
		return x
	case int64:
		return int(x)
	case int8:
		return int(x)
	case int16:
		return int(x)
	case uint8:
		return int(x)
	case uint16:
		return int(x)
	case uint32:
		return int(x)
	case uint64:
		return int(x)
	case Char:
		return int(x)
	case float64:
		return int(x)
	case StringComparison:
		return int(x)
	case StringSplitOptions:
		return int(x)
	case MidpointRounding:
		return int(x)
	case UriKind:
		return int(x)
	case UriPartial:
		return int(x)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int(rv.Uint())
	}
	return 0
}

// txStr returns a string argument ("" for null; other values via ToString).
func txStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ToString(v)
}

// txChars collects a char / char[] / params char[] argument as strings.
func txChars(v any) []string {
	var out []string
	switch x := v.(type) {
	case nil:
		return nil
	case Char:
		return []string{ToString(x)}
	case string:
		for _, r := range x {
			out = append(out, string(r))
		}
		return out
	case []Char:
		for _, c := range x {
			out = append(out, ToString(c))
		}
		return out
	}
	if seq, ok := Iterate(v); ok {
		for e := range seq {
			out = append(out, txChars(e)...)
		}
	}
	return out
}

// txStrings collects a string[] argument.
func txStrings(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []string{x}
	case []string:
		return x
	}
	var out []string
	if seq, ok := Iterate(v); ok {
		for e := range seq {
			if e == nil {
				out = append(out, "")
			} else {
				out = append(out, txStr(e))
			}
		}
	}
	return out
}

// ---- UTF-16 indexing ----

// txLen returns the length of s in UTF-16 code units (String.Length).
func txLen(s string) int {
	if IsASCII(s) {
		return len(s)
	}
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// txSlice returns the UTF-16 units [i, j) of s.
func txSlice(s string, i, j int) string {
	if IsASCII(s) {
		return s[i:j]
	}
	return FromUTF16(UTF16(s)[i:j])
}

// txByteOff converts a UTF-16 index into a byte offset of s (clamped).
func txByteOff(s string, idx int) int {
	if IsASCII(s) {
		return min(idx, len(s))
	}
	n := 0
	for b, r := range s {
		if n >= idx {
			return b
		}
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return len(s)
}

// txUnitIdx converts a byte offset of s into a UTF-16 index.
func txUnitIdx(s string, b int) int {
	if b < 0 {
		return b
	}
	return txLen(s[:b])
}

// txFold maps s to a case-folded form for ordinal-ignore-case comparison
// (.NET upper-cases each UTF-16 unit with invariant rules).
func txFold(s string) string {
	if IsASCII(s) {
		return strings.ToUpper(s)
	}
	return strings.Map(unicode.ToUpper, s)
}

// txIndexOf finds value in s at or after UTF-16 index start and returns the
// UTF-16 index of the match or -1.
func txIndexOf(s, value string, start int, ignoreCase bool) int {
	if ignoreCase {
		s, value = txFold(s), txFold(value)
	}
	b := txByteOff(s, start)
	i := strings.Index(s[b:], value)
	if i < 0 {
		return -1
	}
	return txUnitIdx(s, b+i)
}

// txLastIndexOf finds the last value in s that starts at or before the
// UTF-16 index start (-1 for the whole string).
func txLastIndexOf(s, value string, start int, ignoreCase bool) int {
	if ignoreCase {
		s, value = txFold(s), txFold(value)
	}
	// The match must lie within [0, start], as .NET searches backwards
	// from start.
	end := len(s)
	if start >= 0 {
		end = txByteOff(s, start+1)
	}
	i := strings.LastIndex(s[:end], value)
	if i < 0 {
		return -1
	}
	return txUnitIdx(s, i)
}

// IsWhiteSpaceRune reports whether r is white space as char.IsWhiteSpace
// defines it (Unicode Zs/Zl/Zp plus the C0 controls \t..\r, U+0085, U+00A0).
func IsWhiteSpaceRune(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x85, 0xA0:
		return true
	}
	return r > 0xFF && (unicode.Is(unicode.Zs, r) || r == 0x2028 || r == 0x2029)
}

// CompareStrings compares two strings as string.Compare does with the given
// comparison. Culture comparisons order letters alphabetically ignoring case
// first and put lower case before upper case on a tie (the invariant
// culture's ordering for ASCII text); ordinal comparisons compare UTF-16
// units and return their difference as .NET does.
func CompareStrings(a, b string, c StringComparison) int {
	switch c {
	case StringComparisonOrdinal:
		return txOrdinal(a, b)
	case StringComparisonOrdinalIgnoreCase:
		return txOrdinal(txFold(a), txFold(b))
	}
	if r := CultureCompare(a, b, c.IgnoreCase()); r != 0 || c.IgnoreCase() || a == b {
		return r
	}
	ka, kb := txFold(a), txFold(b)
	if r := txCultureCmp(ka, kb); r != 0 {
		return r
	}
	// Same letters: lower case sorts first, position by position.
	ra, rb := []rune(a), []rune(b)
	for i := 0; i < len(ra) && i < len(rb); i++ {
		if ra[i] != rb[i] {
			if unicode.IsLower(ra[i]) {
				return -1
			}
			return 1
		}
	}
	return 0
}

func txCultureCmp(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	for i := 0; i < len(ra) && i < len(rb); i++ {
		if ra[i] != rb[i] {
			wa, wb := txCultureWeight(ra[i]), txCultureWeight(rb[i])
			if wa != wb {
				if wa < wb {
					return -1
				}
				return 1
			}
			if ra[i] < rb[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(ra) < len(rb):
		return -1
	case len(ra) > len(rb):
		return 1
	}
	return 0
}

// txCultureWeight gives the coarse ICU ordering: punctuation and symbols,
// then digits, then letters.
func txCultureWeight(r rune) int {
	switch {
	case unicode.IsLetter(r):
		return 3
	case unicode.IsDigit(r):
		return 2
	}
	return 1
}

func txOrdinal(a, b string) int {
	if IsASCII(a) && IsASCII(b) {
		for i := 0; i < len(a) && i < len(b); i++ {
			if a[i] != b[i] {
				return int(a[i]) - int(b[i])
			}
		}
		return len(a) - len(b)
	}
	ua, ub := UTF16(a), UTF16(b)
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return int(ua[i]) - int(ub[i])
		}
	}
	return len(ua) - len(ub)
}

func txSign(i int) int32 {
	switch {
	case i < 0:
		return -1
	case i > 0:
		return 1
	}
	return 0
}

// txTrim trims the given chars (white space when none) from the ends.
func txTrim(s string, chars []string, left, right bool) string {
	f := IsWhiteSpaceRune
	if len(chars) > 0 {
		set := strings.Join(chars, "")
		f = func(r rune) bool { return strings.ContainsRune(set, r) }
	}
	if left {
		s = strings.TrimLeftFunc(s, f)
	}
	if right {
		s = strings.TrimRightFunc(s, f)
	}
	return s
}

// SplitString splits s as String.Split does: at any of seps (white space when
// seps is empty), into at most count parts (count < 0: no limit), honouring
// RemoveEmptyEntries and TrimEntries.
func SplitString(s string, seps []string, count int, opts StringSplitOptions) []string {
	if count == 0 {
		return []string{}
	}
	remove, trim := opts&SplitRemoveEmptyEntries != 0, opts&SplitTrimEntries != 0
	var nonEmpty []string
	for _, sep := range seps {
		if sep != "" {
			nonEmpty = append(nonEmpty, sep)
		}
	}
	match := func(i int) int {
		for _, sep := range nonEmpty {
			if strings.HasPrefix(s[i:], sep) {
				return len(sep)
			}
		}
		return 0
	}
	if len(seps) == 0 {
		match = func(i int) int {
			r, n := utf8.DecodeRuneInString(s[i:])
			if IsWhiteSpaceRune(r) {
				return n
			}
			return 0
		}
	} else if len(nonEmpty) == 0 {
		match = func(int) int { return 0 }
	}
	out := []string{}
	add := func(p string) bool {
		if trim {
			p = strings.TrimFunc(p, IsWhiteSpaceRune)
		}
		if remove && p == "" {
			return false
		}
		out = append(out, p)
		return true
	}
	last := 0
	for i := 0; i < len(s); {
		if count > 0 && len(out) == count-1 {
			break
		}
		if n := match(i); n > 0 {
			add(s[last:i])
			i += n
			last = i
			continue
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	rest := s[last:]
	if count > 0 && len(out) == count-1 && remove {
		// .NET trims leading separators off the final element when empties
		// are removed.
		for len(rest) > 0 {
			n := 0
			for j := 0; j < len(nonEmpty); j++ {
				if strings.HasPrefix(rest, nonEmpty[j]) {
					n = len(nonEmpty[j])
					break
				}
			}
			if n == 0 {
				break
			}
			rest = rest[n:]
		}
	}
	add(rest)
	return out
}

func txStrHash(s string) int32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return int32(h.Sum32())
}

// ---- exceptions ----

func txArgOutOfRange(param, msg string) *Exception {
	return Throw("System.ArgumentOutOfRangeException", "%s (Parameter '%s')", msg, param)
}

func txArgument(param, msg string) *Exception {
	return Throw("System.ArgumentException", "%s (Parameter '%s')", msg, param)
}

// ---- method construction helpers ----

func txP(types ...*Type) []Param {
	ps := make([]Param, len(types))
	for i, t := range types {
		ps[i] = Param{Name: "arg" + strconv.Itoa(i), Type: t}
	}
	return ps
}

func txMethod(name string, result *Type, fn func(recv any, args []any) (any, error), params ...*Type) *Method {
	return &Method{Name: name, Params: txP(params...), Result: result, Fn: fn}
}

// txParamsMethod declares a method whose last parameter is params T[].
func txParamsMethod(name string, result *Type, fn func(recv any, args []any) (any, error), elem *Type, params ...*Type) *Method {
	ps := txP(params...)
	ps = append(ps, Param{Name: "args", Type: ArrayOf(elem), Params: true})
	return &Method{Name: name, Params: ps, Result: result, Fn: fn}
}

// txOutMethod declares a method whose last parameter is an out parameter.
func txOutMethod(name string, result, outType *Type, fn func(recv any, args []any) (any, error), params ...*Type) *Method {
	ps := txP(params...)
	ps = append(ps, Param{Name: "result", Type: outType, Out: true})
	return &Method{Name: name, Params: ps, Result: result, Fn: fn}
}

func txSetOut(p any, v any) {
	if ptr, ok := p.(*any); ok && ptr != nil {
		*ptr = v
	}
}

func txProp(name string, t *Type, get func(recv any) (any, error)) *Prop {
	return &Prop{Name: name, Type: t, Get: get}
}

func txConst(name string, t *Type, v any) *Prop {
	return &Prop{Name: name, Type: t, Get: func(any) (any, error) { return v, nil }}
}

// ---- string members ----

func txRecv(recv any) string {
	s, _ := recv.(string)
	return s
}

func txCmpArg(v any) StringComparison { return StringComparison(txInt(v)) }

// StringSubstring is String.Substring(startIndex, length) with .NET's
// argument checks (length < 0: to the end).
func StringSubstring(s string, start, length int) (string, error) {
	n := txLen(s)
	if start < 0 {
		return "", txArgOutOfRange("startIndex", "StartIndex cannot be less than zero.")
	}
	if length < 0 {
		if start > n {
			return "", txArgOutOfRange("startIndex", "startIndex cannot be larger than length of string.")
		}
		return txSlice(s, start, n), nil
	}
	if start > n {
		return "", txArgOutOfRange("startIndex", "startIndex cannot be larger than length of string.")
	}
	if start+length > n {
		return "", txArgOutOfRange("length", "Index and length must refer to a location within the string.")
	}
	return txSlice(s, start, start+length), nil
}

// StringIndex is the string indexer s[i].
func StringIndex(s string, i int) (Char, error) {
	if IsASCII(s) {
		if i < 0 || i >= len(s) {
			return 0, Throw("System.IndexOutOfRangeException", "Index was outside the bounds of the array.")
		}
		return Char(s[i]), nil
	}
	u := UTF16(s)
	if i < 0 || i >= len(u) {
		return 0, Throw("System.IndexOutOfRangeException", "Index was outside the bounds of the array.")
	}
	return Char(u[i]), nil
}

func txCharStr(v any) string {
	if c, ok := v.(Char); ok {
		return ToString(c)
	}
	return txStr(v)
}

// txIndexOfAny implements IndexOfAny / LastIndexOfAny.
func txIndexOfAny(s string, chars []string, last bool) int32 {
	best := -1
	for _, c := range chars {
		var i int
		if last {
			i = txLastIndexOf(s, c, -1, false)
			if i > best {
				best = i
			}
		} else {
			i = txIndexOf(s, c, 0, false)
			if i >= 0 && (best < 0 || i < best) {
				best = i
			}
		}
	}
	return int32(best)
}

// txMaxRepeat bounds strings built by repetition; beyond it .NET would run
// out of memory long before we should try.
const txMaxRepeat = 1 << 24

func txOOM() *Exception {
	return Throw("System.OutOfMemoryException", "Insufficient memory to continue the execution of the program.")
}

func txPad(s string, width int, c any, left bool) (string, error) {
	if width < 0 {
		return "", txArgOutOfRange("totalWidth", "Non-negative number required.")
	}
	if width > txMaxRepeat {
		return "", txOOM()
	}
	pad := " "
	if c != nil {
		pad = txCharStr(c)
	}
	n := width - txLen(s)
	if n <= 0 {
		return s, nil
	}
	if left {
		return strings.Repeat(pad, n) + s, nil
	}
	return s + strings.Repeat(pad, n), nil
}

func txStrEquals(a, b any, c StringComparison) bool {
	as, aok := a.(string)
	bs, bok := b.(string)
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if !aok || !bok {
		return false
	}
	if c == StringComparisonOrdinal || c == StringComparisonCurrentCulture || c == StringComparisonInvariantCulture {
		return as == bs
	}
	return txFold(as) == txFold(bs)
}

// JoinValues renders and joins values as string.Join does (null is "").
func JoinValues(sep string, values any) (string, error) {
	if values == nil {
		return "", ArgumentNull("values")
	}
	seq, ok := Iterate(values)
	if !ok {
		return ToString(values), nil
	}
	var b strings.Builder
	first := true
	for v := range seq {
		if !first {
			b.WriteString(sep)
		}
		first = false
		b.WriteString(txDisplay(v))
		if b.Len() > MaxStringLength {
			return "", StringTooLong()
		}
	}
	return b.String(), nil
}

// txDisplay is object.ToString() for values put into text (Decimal keeps
// its scale, null is "").
func txDisplay(v any) string { return txText(v) }

// txParamsValues expands a params object[] argument: a single array argument
// stands for the whole array, as C# binds it in normal form.
func txParamsValues(v any) any {
	if xs, ok := v.([]any); ok && len(xs) == 1 {
		switch xs[0].(type) {
		case []any, []string:
			return xs[0]
		}
	}
	return v
}

func txRemove(s string, start, count int) (string, error) {
	n := txLen(s)
	if start < 0 {
		return "", txArgOutOfRange("startIndex", "StartIndex cannot be less than zero.")
	}
	if count < 0 {
		if start >= n {
			return "", txArgOutOfRange("startIndex", "startIndex must be less than length of string.")
		}
		return txSlice(s, 0, start), nil
	}
	if start+count > n {
		return "", txArgOutOfRange("count", "Index and count must refer to a location within the string.")
	}
	return txSlice(s, 0, start) + txSlice(s, start+count, n), nil
}

func txInsert(s string, start int, v string) (string, error) {
	n := txLen(s)
	if start < 0 || start > n {
		return "", txArgOutOfRange("startIndex", "Index was out of range. Must be non-negative and less than or equal to the size of the collection.")
	}
	return txSlice(s, 0, start) + v + txSlice(s, start, n), nil
}

func txReplace(s, old, nw string, ignoreCase bool) (string, error) {
	if old == "" {
		return "", txArgument("oldValue", "String cannot be of zero length.")
	}
	if !ignoreCase {
		return strings.ReplaceAll(s, old, nw), nil
	}
	fs, fo := txFold(s), txFold(old)
	if len(fs) != len(s) || len(fo) != len(old) {
		return strings.ReplaceAll(s, old, nw), nil
	}
	var b strings.Builder
	for {
		i := strings.Index(fs, fo)
		if i < 0 {
			break
		}
		b.WriteString(s[:i])
		b.WriteString(nw)
		s, fs = s[i+len(old):], fs[i+len(old):]
	}
	b.WriteString(s)
	return b.String(), nil
}

func txToCharArray(s string) []any {
	u := UTF16(s)
	out := make([]any, len(u))
	for i, c := range u {
		out[i] = Char(c)
	}
	return out
}

// txSplitArgs decodes Split's overloads: (seps, [count], [options]).
func txSplitFn(kind string) func(recv any, args []any) (any, error) {
	return func(recv any, args []any) (any, error) {
		s := txRecv(recv)
		var seps []string
		count, opts := -1, StringSplitOptions(0)
		if len(args) > 0 {
			switch kind {
			case "char", "chars":
				seps = txChars(args[0])
			case "string":
				if args[0] == nil || args[0] == "" {
					seps = []string{""}
				} else {
					seps = []string{txStr(args[0])}
				}
			case "strings":
				seps = txStrings(args[0])
			}
		}
		rest := args[min(1, len(args)):]
		if len(rest) == 2 {
			count, opts = txInt(rest[0]), StringSplitOptions(txInt(rest[1]))
		} else if len(rest) == 1 {
			if _, ok := rest[0].(StringSplitOptions); ok {
				opts = StringSplitOptions(txInt(rest[0]))
			} else {
				count = txInt(rest[0])
			}
		}
		if count < -1 {
			return nil, txArgOutOfRange("count", "Count cannot be less than zero.")
		}
		return SplitString(s, seps, count, opts), nil
	}
}

// CharArrayT is char[].
var (
	charArrayT   = ArrayOf(CharT)
	stringArrayT = ArrayOf(String)
	byteArrayT   = ArrayOf(Byte)
)

func init() {
	s := String
	str := func(fn func(s string, args []any) (any, error)) func(any, []any) (any, error) {
		return func(recv any, args []any) (any, error) { return fn(txRecv(recv), args) }
	}
	s.AddProp(txProp("Length", Int32, func(recv any) (any, error) { return int32(txLen(txRecv(recv))), nil }))
	s.Indexers = append(s.Indexers, txMethod("get_Chars", CharT, str(func(s string, a []any) (any, error) {
		return StringIndex(s, txInt(a[0]))
	}), Int32))
	s.AddStaticProp(txConst("Empty", String, ""))

	sub := str(func(s string, a []any) (any, error) {
		l := -1
		if len(a) > 1 {
			l = txInt(a[1])
			if l < 0 {
				return nil, txArgOutOfRange("length", "Length cannot be less than zero.")
			}
		}
		return StringSubstring(s, txInt(a[0]), l)
	})
	s.AddMethod(txMethod("Substring", String, sub, Int32), txMethod("Substring", String, sub, Int32, Int32))

	// IndexOf / LastIndexOf families.
	idx := func(last bool) func(any, []any) (any, error) {
		return str(func(s string, a []any) (any, error) {
			v := txCharStr(a[0])
			start, cnt, cmp, given := -1, -1, StringComparisonOrdinal, false
			if _, isChar := a[0].(Char); !isChar {
				cmp = StringComparisonCurrentCulture
			}
			for _, x := range a[1:] {
				if c, ok := x.(StringComparison); ok {
					cmp = c
				} else if !given {
					start, given = txInt(x), true
				} else {
					cnt = txInt(x)
				}
			}
			if given && start < 0 {
				return nil, txArgOutOfRange("startIndex", "Index was out of range. Must be non-negative and less than the size of the collection.")
			}
			n := txLen(s)
			if last {
				if start < 0 {
					start = n - 1
				}
				if start >= n && n > 0 {
					return nil, txArgOutOfRange("startIndex", "Index was out of range. Must be non-negative and less than the size of the collection.")
				}
				r := txLastIndexOf(s, v, start, cmp.IgnoreCase())
				if r >= 0 && cnt >= 0 && r < start-cnt+1 {
					r = -1
				}
				if v == "" {
					r = min(start+1, n)
					if n == 0 {
						r = 0
					}
				}
				return int32(r), nil
			}
			if start < 0 {
				start = 0
			}
			if start > n {
				return nil, txArgOutOfRange("startIndex", "Index was out of range. Must be non-negative and less than or equal to the size of the collection.")
			}
			hay := s
			if cnt >= 0 {
				if start+cnt > n {
					return nil, txArgOutOfRange("count", "Count must be positive and count must refer to a location within the string/array/collection.")
				}
				hay = txSlice(s, 0, start+cnt)
			}
			return int32(txIndexOf(hay, v, start, cmp.IgnoreCase())), nil
		})
	}
	for _, name := range []string{"IndexOf", "LastIndexOf"} {
		f := idx(name == "LastIndexOf")
		for _, vt := range []*Type{String, CharT} {
			s.AddMethod(
				txMethod(name, Int32, f, vt),
				txMethod(name, Int32, f, vt, Int32),
				txMethod(name, Int32, f, vt, Int32, Int32),
				txMethod(name, Int32, f, vt, StringComparisonT),
				txMethod(name, Int32, f, vt, Int32, StringComparisonT),
				txMethod(name, Int32, f, vt, Int32, Int32, StringComparisonT),
			)
		}
	}
	s.AddMethod(
		txMethod("IndexOfAny", Int32, str(func(s string, a []any) (any, error) { return txIndexOfAny(s, txChars(a[0]), false), nil }), charArrayT),
		txMethod("LastIndexOfAny", Int32, str(func(s string, a []any) (any, error) { return txIndexOfAny(s, txChars(a[0]), true), nil }), charArrayT),
	)

	contains := str(func(s string, a []any) (any, error) {
		if a[0] == nil {
			return nil, ArgumentNull("value")
		}
		ic := len(a) > 1 && txCmpArg(a[1]).IgnoreCase()
		return txIndexOf(s, txCharStr(a[0]), 0, ic) >= 0, nil
	})
	s.AddMethod(txMethod("Contains", Boolean, contains, String), txMethod("Contains", Boolean, contains, CharT),
		txMethod("Contains", Boolean, contains, String, StringComparisonT), txMethod("Contains", Boolean, contains, CharT, StringComparisonT))

	affix := func(end bool) func(any, []any) (any, error) {
		return str(func(s string, a []any) (any, error) {
			if a[0] == nil {
				return nil, ArgumentNull("value")
			}
			v := txCharStr(a[0])
			if len(a) > 1 {
				if b, ok := a[1].(bool); ok && b || len(a) > 2 && a[1] == true {
					s, v = txFold(s), txFold(v)
				} else if c, ok := a[1].(StringComparison); ok && c.IgnoreCase() {
					s, v = txFold(s), txFold(v)
				}
			}
			if end {
				return strings.HasSuffix(s, v), nil
			}
			return strings.HasPrefix(s, v), nil
		})
	}
	for _, name := range []string{"StartsWith", "EndsWith"} {
		f := affix(name == "EndsWith")
		s.AddMethod(txMethod(name, Boolean, f, String), txMethod(name, Boolean, f, CharT),
			txMethod(name, Boolean, f, String, StringComparisonT),
			&Method{Name: name, Params: append(txP(String, Boolean), Param{Name: "culture"}), Result: Boolean, Fn: f})
	}

	repl := str(func(s string, a []any) (any, error) {
		if a[0] == nil {
			return nil, ArgumentNull("oldValue")
		}
		nw := ""
		if a[1] != nil {
			nw = txCharStr(a[1])
		}
		ic := len(a) > 2 && txCmpArg(a[2]).IgnoreCase()
		return txReplace(s, txCharStr(a[0]), nw, ic)
	})
	s.AddMethod(txMethod("Replace", String, repl, String, String), txMethod("Replace", String, repl, CharT, CharT),
		txMethod("Replace", String, repl, String, String, StringComparisonT))

	// Split overloads.
	sc, ss, sa := txSplitFn("char"), txSplitFn("string"), txSplitFn("strings")
	s.AddMethod(
		txParamsMethod("Split", stringArrayT, txSplitFn("chars"), CharT),
		txMethod("Split", stringArrayT, sc, CharT),
		txMethod("Split", stringArrayT, sc, CharT, StringSplitOptionsT),
		txMethod("Split", stringArrayT, sc, CharT, Int32, StringSplitOptionsT),
		txMethod("Split", stringArrayT, sc, charArrayT, Int32),
		txMethod("Split", stringArrayT, sc, charArrayT, StringSplitOptionsT),
		txMethod("Split", stringArrayT, sc, charArrayT, Int32, StringSplitOptionsT),
		txMethod("Split", stringArrayT, ss, String),
		txMethod("Split", stringArrayT, ss, String, StringSplitOptionsT),
		txMethod("Split", stringArrayT, ss, String, Int32, StringSplitOptionsT),
		txMethod("Split", stringArrayT, sa, stringArrayT, StringSplitOptionsT),
		txMethod("Split", stringArrayT, sa, stringArrayT, Int32, StringSplitOptionsT),
	)

	trim := func(l, r bool) []*Method {
		name := map[[2]bool]string{{true, true}: "Trim", {true, false}: "TrimStart", {false, true}: "TrimEnd"}[[2]bool{l, r}]
		f := str(func(s string, a []any) (any, error) {
			var cs []string
			if len(a) > 0 {
				cs = txChars(a[0])
			}
			return txTrim(s, cs, l, r), nil
		})
		return []*Method{txMethod(name, String, f), txMethod(name, String, f, CharT), txParamsMethod(name, String, f, CharT)}
	}
	s.AddMethod(trim(true, true)...)
	s.AddMethod(trim(true, false)...)
	s.AddMethod(trim(false, true)...)

	upper := str(func(s string, _ []any) (any, error) { return strings.ToUpper(s), nil })
	lower := str(func(s string, _ []any) (any, error) { return strings.ToLower(s), nil })
	s.AddMethod(txMethod("ToUpper", String, upper), txMethod("ToUpperInvariant", String, upper),
		txMethod("ToLower", String, lower), txMethod("ToLowerInvariant", String, lower),
		&Method{Name: "ToUpper", Params: []Param{{Name: "culture"}}, Result: String, Fn: upper},
		&Method{Name: "ToLower", Params: []Param{{Name: "culture"}}, Result: String, Fn: lower})

	pad := func(left bool) func(any, []any) (any, error) {
		return str(func(s string, a []any) (any, error) {
			var c any
			if len(a) > 1 {
				c = a[1]
			}
			return txPad(s, txInt(a[0]), c, left)
		})
	}
	s.AddMethod(txMethod("PadLeft", String, pad(true), Int32), txMethod("PadLeft", String, pad(true), Int32, CharT),
		txMethod("PadRight", String, pad(false), Int32), txMethod("PadRight", String, pad(false), Int32, CharT))

	s.AddMethod(
		txMethod("Insert", String, str(func(s string, a []any) (any, error) {
			if a[1] == nil {
				return nil, ArgumentNull("value")
			}
			return txInsert(s, txInt(a[0]), txStr(a[1]))
		}), Int32, String),
		txMethod("Remove", String, str(func(s string, a []any) (any, error) { return txRemove(s, txInt(a[0]), -1) }), Int32),
		txMethod("Remove", String, str(func(s string, a []any) (any, error) {
			if txInt(a[1]) < 0 {
				return nil, txArgOutOfRange("count", "Count cannot be less than zero.")
			}
			return txRemove(s, txInt(a[0]), txInt(a[1]))
		}), Int32, Int32),
	)

	eq := str(func(s string, a []any) (any, error) {
		c := StringComparisonOrdinal
		if len(a) > 1 {
			c = txCmpArg(a[1])
		}
		return txStrEquals(s, a[0], c), nil
	})
	s.AddMethod(txMethod("Equals", Boolean, eq, String), txMethod("Equals", Boolean, eq, nil),
		txMethod("Equals", Boolean, eq, String, StringComparisonT),
		txMethod("CompareTo", Int32, str(func(s string, a []any) (any, error) {
			if a[0] == nil {
				return int32(1), nil
			}
			o, ok := a[0].(string)
			if !ok {
				return nil, txArgument("value", "Object must be of type String.")
			}
			return txSign(CompareStrings(s, o, StringComparisonCurrentCulture)), nil
		}), nil),
		txMethod("ToCharArray", charArrayT, str(func(s string, _ []any) (any, error) { return txToCharArray(s), nil })),
		txMethod("ToCharArray", charArrayT, str(func(s string, a []any) (any, error) {
			sub, err := StringSubstring(s, txInt(a[0]), txInt(a[1]))
			if err != nil {
				return nil, err
			}
			return txToCharArray(sub), nil
		}), Int32, Int32),
		txMethod("ToString", String, str(func(s string, _ []any) (any, error) { return s, nil })),
		&Method{Name: "ToString", Params: []Param{{Name: "provider"}}, Result: String, Fn: str(func(s string, _ []any) (any, error) { return s, nil })},
		txMethod("GetHashCode", Int32, str(func(s string, _ []any) (any, error) { return txStrHash(s), nil })),
		txMethod("Clone", Object, str(func(s string, _ []any) (any, error) { return s, nil })),
	)

	// Statics.
	s.AddStatic(
		txMethod("IsNullOrEmpty", Boolean, func(_ any, a []any) (any, error) { return a[0] == nil || a[0] == "", nil }, String),
		txMethod("IsNullOrWhiteSpace", Boolean, func(_ any, a []any) (any, error) {
			return a[0] == nil || strings.TrimFunc(txStr(a[0]), IsWhiteSpaceRune) == "", nil
		}, String),
	)
	join := func(_ any, a []any) (any, error) {
		sep := ""
		if a[0] != nil {
			sep = txCharStr(a[0])
		}
		vals := txParamsValues(a[1])
		if len(a) == 4 {
			all := txStrings(vals)
			i, n := txInt(a[2]), txInt(a[3])
			if i < 0 || n < 0 || i+n > len(all) {
				return nil, txArgOutOfRange("startIndex", "Index and count must refer to a location within the buffer.")
			}
			if sepBytes := len(sep) * max(n-1, 0); sepBytes > MaxStringLength {
				return nil, StringTooLong()
			}
			out := strings.Join(all[i:i+n], sep)
			if len(out) > MaxStringLength {
				return nil, StringTooLong()
			}
			return out, nil
		}
		return JoinValues(sep, vals)
	}
	for _, st := range []*Type{String, CharT} {
		s.AddStatic(
			txParamsMethod("Join", String, join, Object, st),
			txParamsMethod("Join", String, join, String, st),
			txMethod("Join", String, join, st, IEnumerable),
			txMethod("Join", String, join, st, stringArrayT, Int32, Int32),
		)
	}
	concat := func(_ any, a []any) (any, error) {
		if len(a) == 1 {
			return JoinValues("", txParamsValues(a[0]))
		}
		var b strings.Builder
		for _, x := range a {
			b.WriteString(txDisplay(x))
		}
		if b.Len() > MaxStringLength {
			return nil, StringTooLong()
		}
		return b.String(), nil
	}
	s.AddStatic(
		txMethod("Concat", String, concat, nil, nil),
		txMethod("Concat", String, concat, nil, nil, nil),
		txMethod("Concat", String, concat, nil, nil, nil, nil),
		txMethod("Concat", String, concat, String, String),
		txMethod("Concat", String, concat, String, String, String),
		txMethod("Concat", String, concat, String, String, String, String),
		txParamsMethod("Concat", String, concat, Object),
		txParamsMethod("Concat", String, concat, String),
		txMethod("Concat", String, concat, IEnumerable),
		txParamsMethod("Format", String, func(_ any, a []any) (any, error) {
			args, _ := txParamsValues(a[1]).([]any)
			if ss, ok := txParamsValues(a[1]).([]string); ok {
				for _, x := range ss {
					args = append(args, x)
				}
			}
			if a[0] == nil {
				return nil, ArgumentNull("format")
			}
			return FormatComposite(txStr(a[0]), args...)
		}, Object, String),
		txMethod("Equals", Boolean, func(_ any, a []any) (any, error) {
			c := StringComparisonOrdinal
			if len(a) > 2 {
				c = txCmpArg(a[2])
			}
			return txStrEquals(a[0], a[1], c), nil
		}, String, String),
		txMethod("Equals", Boolean, func(_ any, a []any) (any, error) {
			return txStrEquals(a[0], a[1], txCmpArg(a[2])), nil
		}, String, String, StringComparisonT),
		txMethod("CompareOrdinal", Int32, func(_ any, a []any) (any, error) { return txNullCmp(a[0], a[1], StringComparisonOrdinal), nil }, String, String),
		txMethod("IsInterned", String, func(_ any, a []any) (any, error) { return a[0], nil }, String),
	)
	cmp := func(_ any, a []any) (any, error) {
		c := StringComparisonCurrentCulture
		if len(a) > 2 {
			switch x := a[2].(type) {
			case bool:
				if x {
					c = StringComparisonCurrentCultureIgnoreCase
				}
			default:
				c = txCmpArg(x)
			}
		}
		return txNullCmp(a[0], a[1], c), nil
	}
	s.AddStatic(txMethod("Compare", Int32, cmp, String, String), txMethod("Compare", Int32, cmp, String, String, Boolean),
		txMethod("Compare", Int32, cmp, String, String, StringComparisonT))

	s.Ctors = append(s.Ctors,
		txMethod(".ctor", String, func(_ any, a []any) (any, error) {
			n := txInt(a[1])
			if n < 0 {
				return nil, txArgOutOfRange("count", "Non-negative number required.")
			}
			if n > txMaxRepeat {
				return nil, txOOM()
			}
			return strings.Repeat(txCharStr(a[0]), n), nil
		}, CharT, Int32),
		txMethod(".ctor", String, func(_ any, a []any) (any, error) { return strings.Join(txChars(a[0]), ""), nil }, charArrayT),
		txMethod(".ctor", String, func(_ any, a []any) (any, error) {
			cs := txChars(a[0])
			i, n := txInt(a[1]), txInt(a[2])
			if i < 0 || n < 0 || i+n > len(cs) {
				return nil, txArgOutOfRange("startIndex", "Index was out of range. Must be non-negative and less than the size of the collection.")
			}
			return strings.Join(cs[i:i+n], ""), nil
		}, charArrayT, Int32, Int32),
	)
}

func txNullCmp(a, b any, c StringComparison) int32 {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	r := CompareStrings(txStr(a), txStr(b), c)
	if c == StringComparisonOrdinal {
		return int32(r)
	}
	return txSign(r)
}
