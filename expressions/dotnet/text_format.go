package dotnet

import (
	"math"
	"strconv"
	"strings"
)

// Number formatting with .NET's standard and custom numeric format strings,
// in the invariant culture (NumberDecimalSeparator ".", NumberGroupSeparator
// ",", currency symbol "¤", percent pattern "n %").

// txNum is a number as a digit string: value = 0.digits × 10^exp.
// digits has no leading zeros and no trailing zeros; empty means zero.
type txNum struct {
	neg    bool
	digits []byte
	exp    int
	// exact is set for doubles whose digits are the exact binary value:
	// standard formats then round ties to even as .NET Core 3.0+ does.
	exact bool
	// float is set for doubles and floats: a negative value that rounds to
	// zero keeps its sign ("-0.00"), which integers and decimals drop.
	float bool
}

func (n *txNum) trim() {
	i := len(n.digits)
	for i > 0 && n.digits[i-1] == '0' {
		i--
	}
	n.digits = n.digits[:i]
	j := 0
	for j < len(n.digits) && n.digits[j] == '0' {
		j++
	}
	n.digits = n.digits[j:]
	n.exp -= j
	if len(n.digits) == 0 {
		n.exp = 0
	}
}

func (n *txNum) isZero() bool { return len(n.digits) == 0 }

// round keeps the first pos digits, rounding half away from zero (or half to
// even on exact ties when n.exact).
func (n *txNum) round(pos int) {
	if pos >= len(n.digits) {
		return
	}
	if pos < 0 {
		n.digits, n.exp = nil, 0
		return
	}
	d := n.digits[pos]
	up := d >= '5'
	if n.exact && d == '5' && pos+1 == len(n.digits) {
		up = pos > 0 && (n.digits[pos-1]-'0')%2 == 1
	}
	n.digits = append([]byte(nil), n.digits[:pos]...)
	if up {
		i := pos - 1
		for i >= 0 && n.digits[i] == '9' {
			n.digits[i] = '0'
			i--
		}
		if i < 0 {
			n.digits = append([]byte{'1'}, n.digits...)
			n.exp++
		} else {
			n.digits[i]++
		}
	}
	n.trim()
}

func txNumFromUint(neg bool, u uint64) txNum {
	n := txNum{neg: neg, digits: []byte(strconv.FormatUint(u, 10))}
	n.exp = len(n.digits)
	n.trim()
	return n
}

// txNumFromFloat returns the digits of f: shortest round-trip when prec is
// -1, otherwise prec significant digits (800 gives the exact value).
func txNumFromFloat(f float64, prec, bits int) txNum {
	n := txNum{neg: math.Signbit(f)}
	f = math.Abs(f)
	if f == 0 {
		return n
	}
	s := strconv.FormatFloat(f, 'e', prec, bits)
	mant, es, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(es)
	n.digits = []byte(strings.Replace(mant, ".", "", 1))
	n.exp = e + 1
	n.exact = prec >= 767
	n.float = true
	n.trim()
	return n
}

func txNumFromDecimal(d Decimal) txNum {
	c := d.D.Coefficient()
	n := txNum{neg: c.Sign() < 0}
	c.Abs(c)
	n.digits = []byte(c.String())
	n.exp = len(n.digits) + int(d.D.Exponent())
	n.trim()
	return n
}

// fixed renders the rounded integer and fraction digits (exactly decimals
// fraction digits), with optional grouping of the integer part.
func (n *txNum) fixed(decimals int, group bool) string {
	n.round(n.exp + decimals)
	var b strings.Builder
	intPart := "0"
	if n.exp > 0 {
		ip := make([]byte, n.exp)
		for i := range ip {
			if i < len(n.digits) {
				ip[i] = n.digits[i]
			} else {
				ip[i] = '0'
			}
		}
		intPart = string(ip)
	}
	if group {
		intPart = txGroup(intPart)
	}
	b.WriteString(intPart)
	if decimals > 0 {
		b.WriteByte('.')
		for i := 0; i < decimals; i++ {
			b.WriteByte(n.digitAt(n.exp + i))
		}
	}
	return b.String()
}

// digitAt returns the digit at position i of the digit string ('0' outside).
func (n *txNum) digitAt(i int) byte {
	if i >= 0 && i < len(n.digits) {
		return n.digits[i]
	}
	return '0'
}

func txGroup(s string) string {
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// sci renders d.ddd with decimals fraction digits (trailing zeros trimmed
// when trimZeros) and an exponent of at least minExp digits.
func (n *txNum) sci(decimals int, trimZeros bool, e byte, minExp int, plus bool) string {
	n.round(decimals + 1)
	exp := 0
	if !n.isZero() {
		exp = n.exp - 1
	}
	var b strings.Builder
	b.WriteByte(n.digitAt(0))
	frac := make([]byte, 0, decimals)
	for i := 1; i <= decimals; i++ {
		frac = append(frac, n.digitAt(i))
	}
	if trimZeros {
		frac = []byte(strings.TrimRight(string(frac), "0"))
	}
	if len(frac) > 0 {
		b.WriteByte('.')
		b.Write(frac)
	}
	b.WriteByte(e)
	if exp < 0 {
		b.WriteByte('-')
		exp = -exp
	} else if plus {
		b.WriteByte('+')
	}
	es := strconv.Itoa(exp)
	for i := len(es); i < minExp; i++ {
		b.WriteByte('0')
	}
	b.WriteString(es)
	return b.String()
}

// general renders the G format with prec significant digits.
func (n *txNum) general(prec int, e byte) string {
	n.round(prec)
	exp := n.exp - 1
	if n.isZero() {
		return "0"
	}
	if exp >= prec || exp < -4 {
		return n.sci(len(n.digits)-1, true, e, 2, true)
	}
	dec := len(n.digits) - n.exp
	if dec < 0 {
		dec = 0
	}
	return n.fixed(dec, false)
}

// txFormatErr is .NET's message for an unknown standard format.
func txFormatErr() error { return FormatError("Format specifier was invalid.") }

// txParseStd splits a standard format string ("N2") into its letter and
// precision (-1 when absent); ok is false for a custom format.
func txParseStd(f string) (byte, int, bool) {
	if f == "" {
		return 'G', -1, true
	}
	c := f[0]
	if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
		return 0, 0, false
	}
	if len(f) == 1 {
		return c, -1, true
	}
	p := 0
	for i := 1; i < len(f); i++ {
		if f[i] < '0' || f[i] > '9' {
			return 0, 0, false
		}
		p = p*10 + int(f[i]-'0')
		if p > 999_999_999 {
			return 0, 0, false
		}
	}
	return c, p, true
}

// FormatNumber formats a numeric value (any Go integer, float32, float64 or
// Decimal) as its ToString(format) does with the invariant culture. It
// returns a *Exception (System.FormatException) for an invalid format.
func FormatNumber(v any, format string) (string, error) {
	if _, p, std := txParseStd(format); std && p > txMaxRepeat {
		return "", txOOM()
	}
	switch x := v.(type) {
	case int32:
		return txFormatInt(int64(x), 32, format)
	case int64:
		return txFormatInt(x, 64, format)
	case int:
		return txFormatInt(int64(x), 64, format)
	case int16:
		return txFormatInt(int64(x), 16, format)
	case int8:
		return txFormatInt(int64(x), 8, format)
	case uint8:
		return txFormatUint(uint64(x), 8, format)
	case uint16:
		return txFormatUint(uint64(x), 16, format)
	case uint32:
		return txFormatUint(uint64(x), 32, format)
	case uint64:
		return txFormatUint(x, 64, format)
	case float64:
		return txFormatFloat(x, 64, format)
	case float32:
		return txFormatFloat(float64(x), 32, format)
	case Decimal:
		return txFormatDecimal(x, format)
	}
	return "", InvalidCast(TypeOf(v).FullName, "System.IFormattable")
}

// FormatValue formats any value for a composite format item or an
// interpolation hole: numbers with FormatNumber, types with a
// Format(string) (string, error) method (DateTime, TimeSpan, Guid) with it,
// everything else with ToString.
func FormatValue(v any, format string) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case int32, int64, int, int16, int8, uint8, uint16, uint32, uint64, float64, float32, Decimal:
		return FormatNumber(v, format)
	case interface{ Format(string) (string, error) }:
		if format == "" {
			return ToString(v), nil
		}
		return x.Format(format)
	}
	return ToString(v), nil
}

func txFormatInt(i int64, bits int, format string) (string, error) {
	if i >= 0 {
		return txFormatUint(uint64(i), -bits, format)
	}
	c, _, std := txParseStd(format)
	if std && (c == 'X' || c == 'x' || c == 'B' || c == 'b') {
		u := uint64(i)
		if bits < 64 {
			u &= 1<<uint(bits) - 1
		}
		return txFormatUint(u, -bits, format)
	}
	n := txNumFromUint(true, uint64(-i))
	if i == math.MinInt64 {
		n = txNum{neg: true, digits: []byte("9223372036854775808"), exp: 19}
	}
	return txFormatStd(n, format, true)
}

// txFormatUint formats an unsigned value; bits < 0 marks a signed type.
func txFormatUint(u uint64, bits int, format string) (string, error) {
	c, p, std := txParseStd(format)
	if std {
		switch c {
		case 'X', 'x':
			s := strconv.FormatUint(u, 16)
			if c == 'X' {
				s = strings.ToUpper(s)
			}
			return txZeroPad(s, p), nil
		case 'B', 'b':
			return txZeroPad(strconv.FormatUint(u, 2), p), nil
		}
	}
	return txFormatStd(txNumFromUint(false, u), format, true)
}

func txZeroPad(s string, p int) string {
	if p > len(s) {
		return strings.Repeat("0", p-len(s)) + s
	}
	return s
}

func txFormatFloat(f float64, bits int, format string) (string, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		if _, _, std := txParseStd(format); std {
			if c, _, _ := txParseStd(format); strings.IndexByte("CcDdEeFfGgNnPpRr", c) < 0 {
				return "", txFormatErr()
			}
		}
		return FormatDouble(f, bits), nil
	}
	c, p, std := txParseStd(format)
	if !std {
		prec := 15
		if bits == 32 {
			prec = 7
		}
		return txFormatCustom(txNumFromFloat(f, prec-1, bits), format)
	}
	switch c {
	case 'R', 'r':
		return ShortestDouble(f, bits, 'E'), nil
	case 'G', 'g':
		if p <= 0 {
			e := byte('E')
			if c == 'g' {
				e = 'e'
			}
			return ShortestDouble(f, bits, e), nil
		}
	case 'D', 'd', 'X', 'x', 'B', 'b':
		return "", txFormatErr()
	}
	return txFormatStd(txNumFromFloat(f, 800, bits), format, false)
}

func txFormatDecimal(d Decimal, format string) (string, error) {
	c, p, std := txParseStd(format)
	if !std {
		return txFormatCustom(txNumFromDecimal(d), format)
	}
	switch c {
	case 'G', 'g':
		if p <= 0 {
			return d.String(), nil
		}
	case 'D', 'd', 'X', 'x', 'B', 'b':
		return "", txFormatErr()
	}
	return txFormatStd(txNumFromDecimal(d), format, false)
}

// txFormatStd applies a standard format, or a custom one when format is not
// standard.
func txFormatStd(n txNum, format string, integral bool) (string, error) {
	c, p, std := txParseStd(format)
	if !std {
		n.exact = false
		return txFormatCustom(n, format)
	}
	neg := n.neg
	sign := func(s string) string {
		if neg && (n.float || !n.isZero()) {
			return "-" + s
		}
		return s
	}
	def := func(d int) int {
		if p < 0 {
			return d
		}
		return p
	}
	switch c {
	case 'D', 'd':
		if !integral {
			return "", txFormatErr()
		}
		ds := string(n.digits) + strings.Repeat("0", max(0, n.exp-len(n.digits)))
		if ds == "" {
			ds = "0"
		}
		return sign(txZeroPad(ds, p)), nil
	case 'F', 'f':
		return sign(n.fixed(def(2), false)), nil
	case 'N', 'n':
		return sign(n.fixed(def(2), true)), nil
	case 'E', 'e':
		return sign(n.sci(def(6), false, c, 3, true)), nil
	case 'P', 'p':
		if !n.isZero() {
			n.exp += 2
		}
		return sign(n.fixed(def(2), true)) + " %", nil
	case 'C', 'c':
		s := "¤" + n.fixed(def(2), true)
		if neg && (n.float || !n.isZero()) {
			return "(" + s + ")", nil
		}
		return s, nil
	case 'G', 'g':
		e := byte('E')
		if c == 'g' {
			e = 'e'
		}
		if p <= 0 {
			// Integers and decimals: all digits.
			p = max(len(n.digits), n.exp, 1)
			if integral {
				return sign(n.fixed(0, false)), nil
			}
		}
		return sign(n.general(p, e)), nil
	case 'R', 'r':
		if integral {
			return sign(n.fixed(0, false)), nil
		}
	}
	return "", txFormatErr()
}

// ---- custom numeric formats ----

// txSplitSections splits a custom format at unquoted, unescaped ';'.
func txSplitSections(f string) []string {
	var out []string
	start := 0
	var q byte
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '\\':
			i++
		case c == '"' || c == '\'':
			q = c
		case c == ';':
			out = append(out, f[start:i])
			start = i + 1
		}
	}
	return append(out, f[start:])
}

// txCustomInfo is the analysis of one custom-format section.
type txCustomInfo struct {
	intPlaces int  // digit placeholders before the decimal point
	minInt    int  // placeholders from the first '0' to the decimal point
	fracMax   int  // placeholders after the decimal point
	fracMin   int  // up to the last '0' after the decimal point
	group     bool // ',' between integer placeholders
	scale     int  // power of ten applied (% +2, ‰ +3, trailing ',' -3)
	sci       bool
	sciMin    int
	hasPoint  bool
}

func txAnalyze(f string) txCustomInfo {
	var ci txCustomInfo
	firstZero := -1
	inFrac := false
	var q byte
	pendingCommas := 0
	for i := 0; i < len(f); i++ {
		c := f[i]
		if q != 0 {
			if c == q {
				q = 0
			}
			continue
		}
		switch c {
		case '\\':
			i++
		case '"', '\'':
			q = c
		case '0', '#':
			if inFrac {
				ci.fracMax++
				if c == '0' {
					ci.fracMin = ci.fracMax
				}
			} else {
				if pendingCommas > 0 && ci.intPlaces > 0 {
					ci.group = true
				}
				pendingCommas = 0
				if c == '0' && firstZero < 0 {
					firstZero = ci.intPlaces
				}
				ci.intPlaces++
			}
		case '.':
			if !inFrac {
				inFrac = true
				ci.hasPoint = true
				ci.scale -= 3 * pendingCommas
				pendingCommas = 0
			}
		case ',':
			if !inFrac && ci.intPlaces > 0 {
				pendingCommas++
			}
		case '%':
			ci.scale += 2
		case 'E', 'e':
			j := i + 1
			if j < len(f) && (f[j] == '+' || f[j] == '-') {
				j++
			}
			k := j
			for k < len(f) && f[k] == '0' {
				k++
			}
			if k > j && !ci.sci {
				ci.sci = true
				ci.sciMin = k - j
				i = k - 1
			}
		}
	}
	if !inFrac {
		ci.scale -= 3 * pendingCommas
	}
	ci.scale += 3 * strings.Count(f, "‰")
	if firstZero >= 0 {
		ci.minInt = ci.intPlaces - firstZero
	}
	return ci
}

func txFormatCustom(n txNum, format string) (string, error) {
	secs := txSplitSections(format)
	if len(secs) > 3 {
		secs = secs[:3]
	}
	sec := secs[0]
	useSign := true
	origZero := n.isZero()
	if n.neg && len(secs) >= 2 && secs[1] != "" && !origZero {
		sec, useSign = secs[1], false
	}
	if origZero && len(secs) == 3 {
		sec, useSign = secs[2], false
	}
	ci := txAnalyze(sec)
	rounded := n
	rounded.digits = append([]byte(nil), n.digits...)
	if !rounded.isZero() {
		rounded.exp += ci.scale
	}
	sciExp := 0
	if ci.sci {
		if !rounded.isZero() {
			places := max(ci.intPlaces, 1)
			sciExp = rounded.exp - places
			rounded.exp = places
			rounded.round(places + ci.fracMax)
			if rounded.exp > places {
				sciExp += rounded.exp - places
				rounded.exp = places
			}
		}
	} else {
		rounded.round(rounded.exp + ci.fracMax)
	}
	if rounded.isZero() && !origZero && len(secs) == 3 {
		sec, useSign = secs[2], false
		ci = txAnalyze(sec)
	}
	// Integer digits, padded to the minimum.
	intDigits := ""
	if rounded.exp > 0 {
		b := make([]byte, rounded.exp)
		for i := range b {
			b[i] = rounded.digitAt(i)
		}
		intDigits = string(b)
	}
	if len(intDigits) < ci.minInt {
		intDigits = strings.Repeat("0", ci.minInt-len(intDigits)) + intDigits
	}
	if ci.group {
		intDigits = txGroupDigits(intDigits)
	}
	frac := make([]byte, 0, ci.fracMax)
	for i := 0; i < ci.fracMax; i++ {
		frac = append(frac, rounded.digitAt(rounded.exp+i))
	}
	for len(frac) > ci.fracMin && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}

	var b strings.Builder
	if n.neg && useSign && (n.float || !rounded.isZero()) {
		b.WriteByte('-')
	}
	intSeen, fracSeen := 0, 0
	inFrac := false
	var q byte
	// Integer digits beyond the placeholders go before the first one; with
	// grouping, the whole grouped integer part is written there.
	intUnits := txIntUnits(intDigits, ci.group)
	extra := len(intUnits) - ci.intPlaces
	for i := 0; i < len(sec); i++ {
		c := sec[i]
		if q != 0 {
			if c == q {
				q = 0
			} else {
				b.WriteByte(c)
			}
			continue
		}
		switch c {
		case '\\':
			if i+1 < len(sec) {
				i++
				b.WriteByte(sec[i])
			}
		case '"', '\'':
			q = c
		case '0', '#':
			if inFrac {
				if fracSeen < len(frac) {
					b.WriteByte(frac[fracSeen])
				}
				fracSeen++
				continue
			}
			if intSeen == 0 && extra > 0 {
				for _, u := range intUnits[:extra] {
					b.WriteString(u)
				}
			}
			k := extra + intSeen
			if k >= 0 && k < len(intUnits) {
				b.WriteString(intUnits[k])
			}
			intSeen++
		case '.':
			if !inFrac {
				inFrac = true
				if intSeen == 0 && extra > 0 {
					for _, u := range intUnits {
						b.WriteString(u)
					}
					intSeen = len(intUnits)
				}
				if len(frac) > 0 {
					b.WriteByte('.')
				}
			} else {
				b.WriteByte('.')
			}
		case ',':
			// Grouping and scaling commas are not printed.
		case 'E', 'e':
			j := i + 1
			plus := false
			if j < len(sec) && (sec[j] == '+' || sec[j] == '-') {
				plus = sec[j] == '+'
				j++
			}
			k := j
			for k < len(sec) && sec[k] == '0' {
				k++
			}
			if k > j {
				es := strconv.Itoa(txAbsInt(sciExp))
				b.WriteByte(c)
				if sciExp < 0 {
					b.WriteByte('-')
				} else if plus {
					b.WriteByte('+')
				}
				b.WriteString(txZeroPad(es, k-j))
				i = k - 1
				continue
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func txAbsInt(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// txGroupDigits marks group boundaries with ',' in a digit string.
func txGroupDigits(s string) string { return txGroup(s) }

// txIntUnits splits the integer part into the units written per
// placeholder: single digits, each carrying its following group separator.
func txIntUnits(s string, grouped bool) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		if s[i] == ',' && len(out) > 0 && grouped {
			out[len(out)-1] += ","
			continue
		}
		out = append(out, s[i:i+1])
	}
	return out
}

// ---- composite formatting ----

// FormatComposite implements string.Format: "{index[,alignment][:format]}"
// items, with "{{" and "}}" as literal braces.
func FormatComposite(format string, args ...any) (string, error) {
	var b strings.Builder
	bad := func() (string, error) {
		return "", FormatError("Input string was not in a correct format.")
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c == '}' {
			if i+1 < len(format) && format[i+1] == '}' {
				b.WriteByte('}')
				i++
				continue
			}
			return bad()
		}
		if c != '{' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(format) && format[i+1] == '{' {
			b.WriteByte('{')
			i++
			continue
		}
		i++
		j := i
		for j < len(format) && format[j] >= '0' && format[j] <= '9' {
			j++
		}
		if j == i {
			return bad()
		}
		if j-i > 6 {
			return bad()
		}
		idx, _ := strconv.Atoi(format[i:j])
		for j < len(format) && format[j] == ' ' {
			j++
		}
		align := 0
		if j < len(format) && format[j] == ',' {
			j++
			for j < len(format) && format[j] == ' ' {
				j++
			}
			neg := false
			if j < len(format) && format[j] == '-' {
				neg = true
				j++
			}
			k := j
			for k < len(format) && format[k] >= '0' && format[k] <= '9' {
				k++
			}
			if k == j || k-j > 6 {
				return bad()
			}
			align, _ = strconv.Atoi(format[j:k])
			if neg {
				align = -align
			}
			j = k
			for j < len(format) && format[j] == ' ' {
				j++
			}
		}
		fmtStr := ""
		if j < len(format) && format[j] == ':' {
			j++
			var fb strings.Builder
			for {
				if j >= len(format) {
					return bad()
				}
				if format[j] == '}' {
					if j+1 < len(format) && format[j+1] == '}' {
						fb.WriteByte('}')
						j += 2
						continue
					}
					break
				}
				if format[j] == '{' {
					if j+1 < len(format) && format[j+1] == '{' {
						fb.WriteByte('{')
						j += 2
						continue
					}
					return bad()
				}
				fb.WriteByte(format[j])
				j++
			}
			fmtStr = fb.String()
		}
		if j >= len(format) || format[j] != '}' {
			return bad()
		}
		if idx >= len(args) {
			return "", FormatError("Index (zero based) must be greater than or equal to zero and less than the size of the argument list.")
		}
		s, err := FormatValue(args[idx], fmtStr)
		if err != nil {
			return "", err
		}
		if pad := txAbsInt(align) - txLen(s); pad > 0 {
			if align > 0 {
				s = strings.Repeat(" ", pad) + s
			} else {
				s += strings.Repeat(" ", pad)
			}
		}
		b.WriteString(s)
		i = j
	}
	return b.String(), nil
}

// ShortestDouble renders a double as double.ToString() does in .NET Core
// 3.0+: the shortest round-trip digits, in scientific notation when the
// decimal exponent is at least 15 or below -4 ("1E+15", "1E-05",
// "0.0001").
func ShortestDouble(f float64, bits int, e byte) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return FormatDouble(f, bits)
	}
	n := txNumFromFloat(f, -1, bits)
	sign := ""
	if n.neg {
		sign = "-"
	}
	if n.isZero() {
		return sign + "0"
	}
	if x := n.exp - 1; x >= 15 || x < -4 {
		return sign + n.sci(len(n.digits)-1, true, e, 2, true)
	}
	return sign + n.fixed(max(0, len(n.digits)-n.exp), false)
}
