package regex

import (
	"container/list"
	"errors"
	"iter"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
	"github.com/policygate/policygate/expressions/dotnet"
)

// RegexTimeout bounds every regular-expression match: a match that runs
// longer raises System.Text.RegularExpressions.RegexMatchTimeoutException.
// A Regex constructed with a shorter matchTimeout uses that one.
var RegexTimeout = 2 * time.Second

// RegexCacheSize is the number of compiled patterns kept for reuse by the
// static Regex members and constructors (least recently used first out).
const RegexCacheSize = 512

// RegexOptions is System.Text.RegularExpressions.RegexOptions.
type RegexOptions int32

// RegexOptions flags, with .NET's values.
const (
	RegexNone                    RegexOptions = 0
	RegexIgnoreCase              RegexOptions = 1
	RegexMultiline               RegexOptions = 2
	RegexExplicitCapture         RegexOptions = 4
	RegexCompiled                RegexOptions = 8
	RegexSingleline              RegexOptions = 16
	RegexIgnorePatternWhitespace RegexOptions = 32
	RegexRightToLeft             RegexOptions = 64
	RegexECMAScript              RegexOptions = 256
	RegexCultureInvariant        RegexOptions = 512
	RegexNonBacktracking         RegexOptions = 1024
)

var rxOptionNames = []struct {
	v RegexOptions
	n string
}{
	{RegexIgnoreCase, "IgnoreCase"}, {RegexMultiline, "Multiline"}, {RegexExplicitCapture, "ExplicitCapture"},
	{RegexCompiled, "Compiled"}, {RegexSingleline, "Singleline"}, {RegexIgnorePatternWhitespace, "IgnorePatternWhitespace"},
	{RegexRightToLeft, "RightToLeft"}, {RegexECMAScript, "ECMAScript"}, {RegexCultureInvariant, "CultureInvariant"},
	{RegexNonBacktracking, "NonBacktracking"},
}

// String renders the flags as Enum.ToString() does ("IgnoreCase, Multiline").
func (o RegexOptions) String() string {
	if o == 0 {
		return "None"
	}
	var parts []string
	rest := o
	for _, f := range rxOptionNames {
		if o&f.v != 0 {
			parts = append(parts, f.n)
			rest &^= f.v
		}
	}
	if rest != 0 {
		return strconv.FormatInt(int64(o), 10)
	}
	return strings.Join(parts, ", ")
}

// Regex is a compiled System.Text.RegularExpressions.Regex. It is safe for
// concurrent use.
type Regex struct {
	re      *regexp2.Regexp
	pattern string
	opts    RegexOptions
	timeout time.Duration
}

type rxKey struct {
	pattern string
	opts    RegexOptions
	timeout time.Duration
}

type rxEntry struct {
	key rxKey
	re  *Regex
}

var rxCache = struct {
	sync.Mutex
	m   map[rxKey]*list.Element
	lru *list.List
}{m: map[rxKey]*list.Element{}, lru: list.New()}

func rxArgOutOfRange(p string) *dotnet.Exception {
	return dotnet.Throw("System.ArgumentOutOfRangeException", "Specified argument was out of the range of valid values. (Parameter '%s')", p)
}

// CompileRegex compiles a .NET regular expression with options, using the
// shared cache. Errors are .NET exceptions: ArgumentNullException for a null
// pattern is the caller's, ArgumentException for a bad pattern and
// ArgumentOutOfRangeException for bad options.
func CompileRegex(pattern string, opts RegexOptions) (*Regex, error) {
	return rxCompile(pattern, opts, RegexTimeout)
}

func rxCompile(pattern string, opts RegexOptions, timeout time.Duration) (*Regex, error) {
	const valid = RegexIgnoreCase | RegexMultiline | RegexExplicitCapture | RegexCompiled | RegexSingleline |
		RegexIgnorePatternWhitespace | RegexRightToLeft | RegexECMAScript | RegexCultureInvariant | RegexNonBacktracking
	if opts&^valid != 0 || opts < 0 ||
		(opts&RegexECMAScript != 0 && opts&^(RegexECMAScript|RegexIgnoreCase|RegexMultiline|RegexCompiled) != 0) {
		return nil, rxArgOutOfRange("options")
	}
	if timeout <= 0 || timeout > RegexTimeout {
		timeout = RegexTimeout
	}
	k := rxKey{pattern, opts, timeout}
	rxCache.Lock()
	if e, ok := rxCache.m[k]; ok {
		rxCache.lru.MoveToFront(e)
		r := e.Value.(*rxEntry).re
		rxCache.Unlock()
		return r, nil
	}
	rxCache.Unlock()

	ro := regexp2.RegexOptions(opts & (RegexIgnoreCase | RegexMultiline | RegexExplicitCapture | RegexSingleline |
		RegexIgnorePatternWhitespace | RegexRightToLeft | RegexECMAScript))
	re, err := regexp2.Compile(pattern, ro)
	if err != nil {
		msg := err.Error()
		msg = strings.TrimPrefix(msg, "error parsing regexp: ")
		return nil, dotnet.Throw("System.ArgumentException", "Invalid pattern '%s'. %s", pattern, msg)
	}
	re.MatchTimeout = timeout
	r := &Regex{re: re, pattern: pattern, opts: opts, timeout: timeout}

	rxCache.Lock()
	defer rxCache.Unlock()
	if e, ok := rxCache.m[k]; ok {
		return e.Value.(*rxEntry).re, nil
	}
	rxCache.m[k] = rxCache.lru.PushFront(&rxEntry{k, r})
	for rxCache.lru.Len() > RegexCacheSize {
		old := rxCache.lru.Back()
		rxCache.lru.Remove(old)
		delete(rxCache.m, old.Value.(*rxEntry).key)
	}
	return r, nil
}

func (r *Regex) timeoutErr(input string) *dotnet.Exception {
	e := dotnet.Throw("System.Text.RegularExpressions.RegexMatchTimeoutException",
		"The Regex engine has timed out while trying to match a pattern to an input string. This can occur for many reasons, including very large inputs or excessive backtracking caused by nested quantifiers, back-references and other factors.")
	e.Inner = errors.New("pattern " + strconv.Quote(r.pattern) + " timed out after " + r.timeout.String())
	return e
}

// String returns the pattern, as Regex.ToString() does.
func (r *Regex) String() string { return r.pattern }

// Options returns the options the regex was built with.
func (r *Regex) Options() RegexOptions { return r.opts }

// ---- text positions: regexp2 counts runes, .NET counts UTF-16 units ----

// rxText maps rune offsets of one input to UTF-16 offsets.
type rxText struct {
	s     string
	u16   []int // u16[i] is the UTF-16 offset of rune i; nil when they agree
	runes int
	rs    []rune // s as runes, built on first slice
}

func newRxText(s string) *rxText {
	t := &rxText{s: s}
	wide := false
	for i := 0; i < len(s); i++ {
		if s[i] >= 0xF0 {
			wide = true
			break
		}
	}
	if !wide {
		t.runes = utf8.RuneCountInString(s)
		return t
	}
	off := 0
	for _, c := range s {
		t.u16 = append(t.u16, off)
		off++
		if c >= 0x10000 {
			off++
		}
	}
	t.u16 = append(t.u16, off)
	t.runes = len(t.u16) - 1
	return t
}

func (t *rxText) unit(runeIdx int) int {
	if t.u16 == nil {
		return runeIdx
	}
	return t.u16[runeIdx]
}

// runeAt converts a UTF-16 offset to a rune offset.
func (t *rxText) runeAt(unit int) int {
	if t.u16 == nil {
		return unit
	}
	return sort.SearchInts(t.u16, unit)
}

func (t *rxText) units() int { return t.unit(t.runes) }

// ---- match objects ----

// Capture is System.Text.RegularExpressions.Capture: one captured substring
// with its UTF-16 index and length.
type Capture struct {
	Index, Length int
	Value         string
}

// String returns the captured text.
func (c *Capture) String() string { return c.Value }

// Group is System.Text.RegularExpressions.Group: the last capture of a group
// and all its captures.
type Group struct {
	Capture
	Name     string
	Success  bool
	Captures []*Capture
}

// Match is System.Text.RegularExpressions.Match: a successful or failed
// match with its groups.
type Match struct {
	Group
	regex  *Regex
	m      *regexp2.Match // nil for a failed match
	text   *rxText
	groups []*Group // by group index, built on first use
}

// GroupCollection is Match.Groups.
type GroupCollection struct{ m *Match }

// MatchCollection is the result of Regex.Matches.
type MatchCollection struct{ Items []*Match }

// CaptureCollection is Group.Captures.
type CaptureCollection struct{ Items []*Capture }

// Iter enumerates the groups in number order.
func (gc *GroupCollection) Iter() iter.Seq[any] {
	return func(yield func(any) bool) {
		for _, g := range gc.m.allGroups() {
			if !yield(g) {
				return
			}
		}
	}
}

// Iter enumerates the matches.
func (mc *MatchCollection) Iter() iter.Seq[any] {
	return func(yield func(any) bool) {
		for _, m := range mc.Items {
			if !yield(m) {
				return
			}
		}
	}
}

// Iter enumerates the captures.
func (cc *CaptureCollection) Iter() iter.Seq[any] {
	return func(yield func(any) bool) {
		for _, c := range cc.Items {
			if !yield(c) {
				return
			}
		}
	}
}

func rxFailed(r *Regex, text *rxText) *Match {
	return &Match{regex: r, text: text, Group: Group{Name: "0"}}
}

func (r *Regex) wrap(m *regexp2.Match, text *rxText) *Match {
	if m == nil {
		return rxFailed(r, text)
	}
	out := &Match{regex: r, m: m, text: text}
	out.Group = *rxGroup(&m.Group, text)
	return out
}

func rxGroup(g *regexp2.Group, text *rxText) *Group {
	out := &Group{Name: g.Name}
	if len(g.Captures) == 0 {
		return out
	}
	out.Success = true
	for i := range g.Captures {
		c := &g.Captures[i]
		out.Captures = append(out.Captures, rxCapture(c, text))
	}
	out.Capture = *rxCapture(&g.Capture, text)
	return out
}

func rxCapture(c *regexp2.Capture, text *rxText) *Capture {
	s := text.unit(c.Index)
	return &Capture{Index: s, Length: text.unit(c.Index+c.Length) - s, Value: c.String()}
}

// allGroups returns the match's groups indexed by position (group numbers
// may be sparse with explicit numbers).
func (m *Match) allGroups() []*Group {
	if m.groups != nil {
		return m.groups
	}
	if m.m == nil {
		m.groups = []*Group{&m.Group}
		if m.regex != nil {
			// A failed match still has every group of the pattern, unmatched.
			for _, n := range m.regex.re.GetGroupNames()[1:] {
				m.groups = append(m.groups, &Group{Name: n})
			}
		}
		return m.groups
	}
	gs := m.m.Groups()
	m.groups = make([]*Group, len(gs))
	m.groups[0] = &m.Group
	for i := 1; i < len(gs); i++ {
		m.groups[i] = rxGroup(&gs[i], m.text)
	}
	return m.groups
}

// GroupByNumber returns group num, or an unsuccessful empty group when
// there is no such group (as .NET's GroupCollection indexer does).
func (m *Match) GroupByNumber(num int) *Group {
	if m.regex != nil {
		nums := m.regex.re.GetGroupNumbers()
		for i, n := range nums {
			if n == num {
				if gs := m.allGroups(); i < len(gs) {
					return gs[i]
				}
			}
		}
	} else if num == 0 {
		return &m.Group
	}
	return &Group{Name: ""}
}

// GroupByName returns the named group, or an unsuccessful empty group when
// the pattern has no such group.
func (m *Match) GroupByName(name string) *Group {
	if m.regex != nil {
		if n := m.regex.re.GroupNumberFromName(name); n >= 0 {
			return m.GroupByNumber(n)
		}
	}
	return &Group{Name: ""}
}

// NextMatch returns the next match after this one.
func (m *Match) NextMatch() (*Match, error) {
	if m.m == nil {
		return m, nil
	}
	n, err := m.regex.re.FindNextMatch(m.m)
	if err != nil {
		return nil, m.regex.timeoutErr(m.text.s)
	}
	return m.regex.wrap(n, m.text), nil
}

// Result expands a replacement pattern ($1, ${name}, $$, $&, $`, $', $+,
// $_) against the match, as Match.Result does.
func (m *Match) Result(repl string) (string, error) {
	if m.m == nil {
		return "", dotnet.Throw("System.NotSupportedException", "Result cannot be called on a failed Match.")
	}
	return rxExpand(m, repl), nil
}

func rxExpand(m *Match, repl string) string {
	var b strings.Builder
	in := m.text.s
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '$' || i+1 >= len(repl) {
			b.WriteByte(c)
			continue
		}
		n := repl[i+1]
		switch {
		case n == '$':
			b.WriteByte('$')
			i++
		case n == '&':
			b.WriteString(m.Value)
			i++
		case n == '`':
			b.WriteString(rxSliceUnits(in, m.text, 0, m.Index))
			i++
		case n == '\'':
			b.WriteString(rxSliceUnits(in, m.text, m.Index+m.Length, m.text.units()))
			i++
		case n == '_':
			b.WriteString(in)
			i++
		case n == '+':
			gs := m.allGroups()
			b.WriteString(gs[len(gs)-1].Value)
			i++
		case n >= '0' && n <= '9':
			j := i + 1
			for j < len(repl) && repl[j] >= '0' && repl[j] <= '9' {
				j++
			}
			num, err := strconv.Atoi(repl[i+1 : j])
			if err == nil && rxHasGroup(m.regex, num) {
				b.WriteString(m.GroupByNumber(num).Value)
				i = j - 1
			} else {
				b.WriteByte('$')
			}
		case n == '{':
			end := strings.IndexByte(repl[i+2:], '}')
			if end < 0 {
				b.WriteByte('$')
				continue
			}
			name := repl[i+2 : i+2+end]
			num := m.regex.re.GroupNumberFromName(name)
			if num < 0 {
				if k, err := strconv.Atoi(name); err == nil && rxHasGroup(m.regex, k) {
					num = k
				}
			}
			if num < 0 {
				b.WriteByte('$')
				continue
			}
			b.WriteString(m.GroupByNumber(num).Value)
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

func rxHasGroup(r *Regex, num int) bool {
	for _, n := range r.re.GetGroupNumbers() {
		if n == num {
			return true
		}
	}
	return false
}

// rxSliceUnits returns s between two UTF-16 offsets.
func rxSliceUnits(s string, t *rxText, from, to int) string {
	if t.rs == nil {
		t.rs = []rune(s)
	}
	rs := t.rs
	a, b := t.runeAt(from), t.runeAt(to)
	if a > len(rs) {
		a = len(rs)
	}
	if b > len(rs) {
		b = len(rs)
	}
	if a > b {
		return ""
	}
	return string(rs[a:b])
}

// ---- operations ----

func (r *Regex) startRune(t *rxText, startat int) (int, error) {
	if startat < 0 || startat > t.units() {
		return 0, rxArgOutOfRange("startat")
	}
	return t.runeAt(startat), nil
}

// Match finds the first match in input.
func (r *Regex) Match(input string) (*Match, error) { return r.matchAt(input, -1) }

func (r *Regex) matchAt(input string, startat int) (*Match, error) {
	t := newRxText(input)
	var m *regexp2.Match
	var err error
	if startat < 0 {
		m, err = r.re.FindStringMatch(input)
	} else {
		var s int
		if s, err = r.startRune(t, startat); err != nil {
			return nil, err
		}
		m, err = r.re.FindRunesMatchStartingAt([]rune(input), s)
	}
	if err != nil {
		return nil, r.timeoutErr(input)
	}
	return r.wrap(m, t), nil
}

// IsMatch reports whether the pattern matches somewhere in input.
func (r *Regex) IsMatch(input string) (bool, error) {
	ok, err := r.re.MatchString(input)
	if err != nil {
		return false, r.timeoutErr(input)
	}
	return ok, nil
}

// Matches returns every match in input (evaluated eagerly, each bounded by
// the match timeout).
func (r *Regex) Matches(input string) (*MatchCollection, error) { return r.matchesAt(input, -1) }

func (r *Regex) matchesAt(input string, startat int) (*MatchCollection, error) {
	m, err := r.matchAt(input, startat)
	if err != nil {
		return nil, err
	}
	mc := &MatchCollection{}
	for m.m != nil {
		mc.Items = append(mc.Items, m)
		if m, err = m.NextMatch(); err != nil {
			return nil, err
		}
	}
	return mc, nil
}

// Replace replaces up to count matches (all when count is -1) with a
// replacement pattern ($1, ${name}, $$, $&, $`, $', $+, $_), starting at
// the UTF-16 offset startat (-1: the start, or the end for RightToLeft).
func (r *Regex) Replace(input, replacement string, count, startat int) (string, error) {
	return r.replace(input, func(m *Match) (string, error) { return rxExpand(m, replacement), nil }, count, startat)
}

// ReplaceFunc replaces up to count matches (all when count is -1) with the
// text the evaluator returns for each; evaluator errors stop the replace.
func (r *Regex) ReplaceFunc(input string, eval func(*Match) (string, error), count, startat int) (string, error) {
	return r.replace(input, eval, count, startat)
}

// replace runs the matches itself rather than through regexp2's Replace,
// which drops a timeout that happens after the first match.
func (r *Regex) replace(input string, eval func(*Match) (string, error), count, startat int) (string, error) {
	if count < -1 {
		return "", rxArgOutOfRange("count")
	}
	if count == 0 {
		return input, nil
	}
	m, err := r.matchAt(input, startat)
	if err != nil {
		return "", err
	}
	if !m.Success {
		return input, nil
	}
	type piece struct {
		at, end int // rune offsets
		text    string
	}
	var ps []piece
	for m.Success {
		v, err := eval(m)
		if err != nil {
			return "", err
		}
		ps = append(ps, piece{m.m.Index, m.m.Index + m.m.Length, v})
		if count > 0 && len(ps) == count {
			break
		}
		if m, err = m.NextMatch(); err != nil {
			return "", err
		}
	}
	if r.opts&RegexRightToLeft != 0 {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].at < ps[j].at })
	}
	t := m.text
	if t.rs == nil {
		t.rs = []rune(input)
	}
	var b strings.Builder
	prev := 0
	for _, p := range ps {
		b.WriteString(string(t.rs[prev:p.at]))
		b.WriteString(p.text)
		prev = p.end
	}
	b.WriteString(string(t.rs[prev:]))
	return b.String(), nil
}

// Split splits input at the matches, at most count-1 times (count 0 means
// no limit); captured groups are included in the result, as in .NET.
func (r *Regex) Split(input string, count, startat int) ([]string, error) {
	if count < 0 {
		return nil, rxArgOutOfRange("count")
	}
	if count == 1 {
		return []string{input}, nil
	}
	m, err := r.matchAt(input, startat)
	if err != nil {
		return nil, err
	}
	var ms []*Match
	for m.m != nil && (count == 0 || len(ms) < count-1) {
		ms = append(ms, m)
		if m, err = m.NextMatch(); err != nil {
			return nil, err
		}
	}
	if len(ms) == 0 {
		return []string{input}, nil
	}
	if r.opts&RegexRightToLeft != 0 {
		sort.SliceStable(ms, func(i, j int) bool { return ms[i].Index < ms[j].Index })
	}
	t := ms[0].text
	var out []string
	prev := 0
	for _, m := range ms {
		out = append(out, rxSliceUnits(input, t, prev, m.Index))
		prev = m.Index + m.Length
		for i, g := range m.allGroups() {
			if i > 0 && g.Success {
				out = append(out, g.Value)
			}
		}
	}
	out = append(out, rxSliceUnits(input, t, prev, t.units()))
	return out, nil
}

// RegexEscape is Regex.Escape: it escapes \, *, +, ?, |, {, [, (, ), ^, $,
// ., #, white space.
func RegexEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '\\', '*', '+', '?', '|', '{', '[', '(', ')', '^', '$', '.', '#', ' ':
			b.WriteByte('\\')
			b.WriteRune(c)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\f':
			b.WriteString(`\f`)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}
