package dotnet

import (
	"reflect"
	"time"

	"github.com/dlclark/regexp2"
)

// The registered System.Text.RegularExpressions types.
var (
	RegexOptionsT      = Register(tmEnumType("RegexOptions", "System.Text.RegularExpressions.RegexOptions", RegexNone))
	RegexT             = Register(NewType("Regex", "System.Text.RegularExpressions.Regex", nil, reflect.TypeOf((*Regex)(nil))))
	CaptureT           = Register(NewType("Capture", "System.Text.RegularExpressions.Capture", nil, reflect.TypeOf((*Capture)(nil))))
	GroupT             = Register(NewType("Group", "System.Text.RegularExpressions.Group", CaptureT, reflect.TypeOf((*Group)(nil))))
	MatchT             = Register(NewType("Match", "System.Text.RegularExpressions.Match", GroupT, reflect.TypeOf((*Match)(nil))))
	GroupCollectionT   = Register(NewType("GroupCollection", "System.Text.RegularExpressions.GroupCollection", nil, reflect.TypeOf((*GroupCollection)(nil))))
	MatchCollectionT   = Register(NewType("MatchCollection", "System.Text.RegularExpressions.MatchCollection", nil, reflect.TypeOf((*MatchCollection)(nil))))
	CaptureCollectionT = Register(NewType("CaptureCollection", "System.Text.RegularExpressions.CaptureCollection", nil, reflect.TypeOf((*CaptureCollection)(nil))))
	// MatchEvaluatorT is the delegate type of Regex.Replace's evaluator; its
	// Invoke method gives the lambda's signature (Match => string).
	MatchEvaluatorT = Register(&Type{Name: "MatchEvaluator", FullName: "System.Text.RegularExpressions.MatchEvaluator",
		Base: Object, Methods: map[string][]*Method{}, Props: map[string]*Prop{},
		Is: func(v any) bool { _, ok := v.(Func); return ok }})
	// RegexMatchTimeoutExceptionT is the exception a match that runs past
	// RegexTimeout raises.
	RegexMatchTimeoutExceptionT = rxExceptionType("RegexMatchTimeoutException", "System.Text.RegularExpressions.RegexMatchTimeoutException")
)

func rxExceptionType(name, full string) *Type {
	t := NewType(name, full, ExceptionT, nil)
	t.Is = func(v any) bool { e, ok := v.(*Exception); return ok && e.Type == full }
	return Register(t)
}

func rxCapOf(r any) *Capture {
	switch x := r.(type) {
	case *Capture:
		return x
	case *Group:
		return &x.Capture
	case *Match:
		return &x.Capture
	}
	return &Capture{}
}

func rxGroupOf(r any) *Group {
	switch x := r.(type) {
	case *Group:
		return x
	case *Match:
		return &x.Group
	}
	return &Group{}
}

func rxMatchOf(r any) *Match {
	if m, ok := r.(*Match); ok {
		return m
	}
	return rxFailed(nil, newRxText(""))
}

// rxArgs reads the common (input, pattern) arguments of static members.
func rxInput(v any, name string) (string, error) {
	s, ok := tmStr(v)
	if !ok {
		return "", ArgumentNull(name)
	}
	return s, nil
}

func rxStatic(a []any, optIdx int) (*Regex, error) {
	p, ok := tmStr(a[1])
	if !ok {
		return nil, ArgumentNull("pattern")
	}
	opts := RegexNone
	if optIdx > 0 && optIdx < len(a) {
		opts = RegexOptions(tmInt(a[optIdx]))
	}
	timeout := RegexTimeout
	if optIdx > 0 && optIdx+1 < len(a) {
		timeout = time.Duration(tmTS(a[optIdx+1])) * 100
	}
	return rxCompile(p, opts, timeout)
}

func rxEvaluator(f any) (func(*Match) (string, error), error) {
	fn, ok := f.(Func)
	if !ok {
		if f == nil {
			return nil, ArgumentNull("evaluator")
		}
		return nil, InvalidCast(TypeOf(f).FullName, "System.Text.RegularExpressions.MatchEvaluator")
	}
	return func(m *Match) (string, error) {
		v, err := fn.Call(m)
		if err != nil {
			return "", err
		}
		return ToString(v), nil
	}, nil
}

func init() {
	opts := map[string]any{"None": RegexNone}
	for _, o := range rxOptionNames {
		opts[o.n] = o.v
	}
	tmEnumValues(RegexOptionsT, opts)
	MatchEvaluatorT.AddMethod(tmM("Invoke", String, nil, "match", MatchT))

	strs := ArrayOf(String)
	mcIface := Instantiate(IEnumerable, MatchT)
	gcIface := Instantiate(IEnumerable, GroupT)
	ccIface := Instantiate(IEnumerable, CaptureT)
	MatchCollectionT.Ifaces = []*Type{mcIface}
	GroupCollectionT.Ifaces = []*Type{gcIface}
	CaptureCollectionT.Ifaces = []*Type{ccIface}

	// ---- Regex ----
	t := RegexT
	ctor := func(_ any, a []any) (any, error) {
		p, ok := tmStr(a[0])
		if !ok {
			return nil, ArgumentNull("pattern")
		}
		o := RegexNone
		if len(a) > 1 {
			o = RegexOptions(tmInt(a[1]))
		}
		timeout := RegexTimeout
		if len(a) > 2 {
			timeout = time.Duration(tmTS(a[2])) * 100
		}
		return rxCompile(p, o, timeout)
	}
	t.Ctors = append(t.Ctors,
		tmM(".ctor", t, ctor, "pattern", String),
		tmM(".ctor", t, ctor, "pattern", String, "options", RegexOptionsT),
		tmM(".ctor", t, ctor, "pattern", String, "options", RegexOptionsT, "matchTimeout", TimeSpanT),
	)
	re := func(r any) *Regex { return r.(*Regex) }
	isMatch := func(r any, a []any) (any, error) {
		in, err := rxInput(a[0], "input")
		if err != nil {
			return nil, err
		}
		if len(a) > 1 {
			m, err := re(r).matchAt(in, int(tmInt(a[1])))
			if err != nil {
				return nil, err
			}
			return m.Success, nil
		}
		return re(r).IsMatch(in)
	}
	match := func(r any, a []any) (any, error) {
		in, err := rxInput(a[0], "input")
		if err != nil {
			return nil, err
		}
		return re(r).matchAt(in, rxOptInt(a, 1, -1))
	}
	matches := func(r any, a []any) (any, error) {
		in, err := rxInput(a[0], "input")
		if err != nil {
			return nil, err
		}
		return re(r).matchesAt(in, rxOptInt(a, 1, -1))
	}
	replace := func(r any, a []any) (any, error) {
		in, err := rxInput(a[0], "input")
		if err != nil {
			return nil, err
		}
		count, start := rxOptInt(a, 2, -1), rxOptInt(a, 3, -1)
		if f, ok := a[1].(Func); ok {
			ev, _ := rxEvaluator(f)
			return re(r).ReplaceFunc(in, ev, count, start)
		}
		repl, ok := tmStr(a[1])
		if !ok {
			return nil, ArgumentNull("replacement")
		}
		return re(r).Replace(in, repl, count, start)
	}
	replaceEval := func(r any, a []any) (any, error) {
		in, err := rxInput(a[0], "input")
		if err != nil {
			return nil, err
		}
		ev, err := rxEvaluator(a[1])
		if err != nil {
			return nil, err
		}
		return re(r).ReplaceFunc(in, ev, rxOptInt(a, 2, -1), rxOptInt(a, 3, -1))
	}
	split := func(r any, a []any) (any, error) {
		in, err := rxInput(a[0], "input")
		if err != nil {
			return nil, err
		}
		return re(r).Split(in, rxOptInt(a, 1, 0), rxOptInt(a, 2, -1))
	}
	t.AddMethod(
		tmM("IsMatch", Boolean, isMatch, "input", String),
		tmM("IsMatch", Boolean, isMatch, "input", String, "startat", Int32),
		tmM("Match", MatchT, match, "input", String),
		tmM("Match", MatchT, match, "input", String, "startat", Int32),
		tmM("Matches", MatchCollectionT, matches, "input", String),
		tmM("Matches", MatchCollectionT, matches, "input", String, "startat", Int32),
		tmM("Replace", String, replace, "input", String, "replacement", String),
		tmM("Replace", String, replace, "input", String, "replacement", String, "count", Int32),
		tmM("Replace", String, replace, "input", String, "replacement", String, "count", Int32, "startat", Int32),
		tmM("Replace", String, replaceEval, "input", String, "evaluator", MatchEvaluatorT),
		tmM("Replace", String, replaceEval, "input", String, "evaluator", MatchEvaluatorT, "count", Int32),
		tmM("Replace", String, replaceEval, "input", String, "evaluator", MatchEvaluatorT, "count", Int32, "startat", Int32),
		tmM("Split", strs, split, "input", String),
		tmM("Split", strs, split, "input", String, "count", Int32),
		tmM("Split", strs, split, "input", String, "count", Int32, "startat", Int32),
		tmM("ToString", String, func(r any, _ []any) (any, error) { return re(r).pattern, nil }),
		tmM("GetGroupNames", strs, func(r any, _ []any) (any, error) { return re(r).re.GetGroupNames(), nil }),
		tmM("GetGroupNumbers", ArrayOf(Int32), func(r any, _ []any) (any, error) {
			ns := re(r).re.GetGroupNumbers()
			out := make([]int32, len(ns))
			for i, n := range ns {
				out[i] = int32(n)
			}
			return out, nil
		}),
		tmM("GroupNameFromNumber", String, func(r any, a []any) (any, error) {
			return re(r).re.GroupNameFromNumber(int(tmInt(a[0]))), nil
		}, "i", Int32),
		tmM("GroupNumberFromName", Int32, func(r any, a []any) (any, error) {
			n, _ := tmStr(a[0])
			return int32(re(r).re.GroupNumberFromName(n)), nil
		}, "name", String),
	)
	t.AddProp(
		tmP("Options", RegexOptionsT, func(r any) (any, error) { return re(r).opts, nil }),
		tmP("RightToLeft", Boolean, func(r any) (any, error) { return re(r).opts&RegexRightToLeft != 0, nil }),
		tmP("MatchTimeout", TimeSpanT, func(r any) (any, error) { return TimeSpan(re(r).timeout / 100), nil }),
	)

	// Static members compile through the cache: Regex.IsMatch(input, pattern[, options[, timeout]]).
	static := func(inst func(any, []any) (any, error), optIdx int, keep ...int) func(any, []any) (any, error) {
		return func(_ any, a []any) (any, error) {
			if _, err := rxInput(a[0], "input"); err != nil {
				return nil, err
			}
			r, err := rxStatic(a, optIdx)
			if err != nil {
				return nil, err
			}
			args := []any{a[0]}
			for _, k := range keep {
				args = append(args, a[k])
			}
			return inst(r, args)
		}
	}
	p2 := []any{"input", String, "pattern", String}
	withOpts := func(ps ...any) []any {
		out := append([]any{}, ps...)
		return append(out, "options", RegexOptionsT)
	}
	withTimeout := func(ps ...any) []any {
		out := append([]any{}, ps...)
		return append(out, "options", RegexOptionsT, "matchTimeout", TimeSpanT)
	}
	pRepl := append(append([]any{}, p2...), "replacement", String)
	pEval := append(append([]any{}, p2...), "evaluator", MatchEvaluatorT)
	t.AddStatic(
		tmM("IsMatch", Boolean, static(isMatch, 0), p2...),
		tmM("IsMatch", Boolean, static(isMatch, 2), withOpts(p2...)...),
		tmM("IsMatch", Boolean, static(isMatch, 2), withTimeout(p2...)...),
		tmM("Match", MatchT, static(match, 0), p2...),
		tmM("Match", MatchT, static(match, 2), withOpts(p2...)...),
		tmM("Match", MatchT, static(match, 2), withTimeout(p2...)...),
		tmM("Matches", MatchCollectionT, static(matches, 0), p2...),
		tmM("Matches", MatchCollectionT, static(matches, 2), withOpts(p2...)...),
		tmM("Matches", MatchCollectionT, static(matches, 2), withTimeout(p2...)...),
		tmM("Split", strs, static(split, 0), p2...),
		tmM("Split", strs, static(split, 2), withOpts(p2...)...),
		tmM("Split", strs, static(split, 2), withTimeout(p2...)...),
		tmM("Replace", String, static(replace, 0, 2), pRepl...),
		tmM("Replace", String, static(replace, 3, 2), withOpts(pRepl...)...),
		tmM("Replace", String, static(replace, 3, 2), withTimeout(pRepl...)...),
		tmM("Replace", String, static(replaceEval, 0, 2), pEval...),
		tmM("Replace", String, static(replaceEval, 3, 2), withOpts(pEval...)...),
		tmM("Replace", String, static(replaceEval, 3, 2), withTimeout(pEval...)...),
		tmM("Escape", String, func(_ any, a []any) (any, error) {
			s, err := rxInput(a[0], "str")
			if err != nil {
				return nil, err
			}
			return RegexEscape(s), nil
		}, "str", String),
		tmM("Unescape", String, func(_ any, a []any) (any, error) {
			s, err := rxInput(a[0], "str")
			if err != nil {
				return nil, err
			}
			out, err := regexp2.Unescape(s)
			if err != nil {
				return nil, Throw("System.ArgumentException", "Invalid pattern '%s'. %s", s, err.Error())
			}
			return out, nil
		}, "str", String),
	)
	t.AddStaticProp(
		tmP("InfiniteMatchTimeout", TimeSpanT, func(any) (any, error) { return TimeSpan(-TicksPerMillisecond), nil }),
		tmP("CacheSize", Int32, func(any) (any, error) { return int32(RegexCacheSize), nil }),
	)

	// ---- Capture, Group, Match ----
	CaptureT.AddProp(
		tmP("Index", Int32, func(r any) (any, error) { return int32(rxCapOf(r).Index), nil }),
		tmP("Length", Int32, func(r any) (any, error) { return int32(rxCapOf(r).Length), nil }),
		tmP("Value", String, func(r any) (any, error) { return rxCapOf(r).Value, nil }),
	)
	CaptureT.AddMethod(tmM("ToString", String, func(r any, _ []any) (any, error) { return rxCapOf(r).Value, nil }))
	GroupT.AddProp(
		tmP("Success", Boolean, func(r any) (any, error) { return rxGroupOf(r).Success, nil }),
		tmP("Name", String, func(r any) (any, error) { return rxGroupOf(r).Name, nil }),
		tmP("Captures", CaptureCollectionT, func(r any) (any, error) {
			return &CaptureCollection{Items: rxGroupOf(r).Captures}, nil
		}),
	)
	MatchT.AddProp(tmP("Groups", GroupCollectionT, func(r any) (any, error) { return &GroupCollection{m: rxMatchOf(r)}, nil }))
	MatchT.AddStaticProp(tmP("Empty", MatchT, func(any) (any, error) { return rxFailed(nil, newRxText("")), nil }))
	MatchT.AddMethod(
		tmM("NextMatch", MatchT, func(r any, _ []any) (any, error) { return rxMatchOf(r).NextMatch() }),
		tmM("Result", String, func(r any, a []any) (any, error) {
			s, ok := tmStr(a[0])
			if !ok {
				return nil, ArgumentNull("replacement")
			}
			return rxMatchOf(r).Result(s)
		}, "replacement", String),
	)

	// ---- collections ----
	gc := GroupCollectionT
	gcOf := func(r any) *GroupCollection { return r.(*GroupCollection) }
	gc.AddProp(
		tmP("Count", Int32, func(r any) (any, error) { return int32(len(gcOf(r).m.allGroups())), nil }),
		tmP("Keys", ArrayOf(String), func(r any) (any, error) {
			m := gcOf(r).m
			if m.regex == nil {
				return []string{"0"}, nil
			}
			return m.regex.re.GetGroupNames(), nil
		}),
		tmP("Values", ArrayOf(GroupT), func(r any) (any, error) {
			var out []any
			for _, g := range gcOf(r).m.allGroups() {
				out = append(out, g)
			}
			return out, nil
		}),
	)
	gc.Indexers = append(gc.Indexers,
		tmM("get_Item", GroupT, func(r any, a []any) (any, error) { return gcOf(r).m.GroupByNumber(int(tmInt(a[0]))), nil }, "groupnum", Int32),
		tmM("get_Item", GroupT, func(r any, a []any) (any, error) {
			n, _ := tmStr(a[0])
			return gcOf(r).m.GroupByName(n), nil
		}, "groupname", String),
	)
	gc.AddMethod(
		tmM("TryGetValue", Boolean, func(r any, a []any) (any, error) {
			n, _ := tmStr(a[0])
			m := gcOf(r).m
			if m.regex == nil || m.regex.re.GroupNumberFromName(n) < 0 {
				tmSetOut(a[1], nil)
				return false, nil
			}
			tmSetOut(a[1], m.GroupByName(n))
			return true, nil
		}, "key", String, "value", tmOutP("value", GroupT)),
		tmM("ContainsKey", Boolean, func(r any, a []any) (any, error) {
			n, _ := tmStr(a[0])
			m := gcOf(r).m
			return m.regex != nil && m.regex.re.GroupNumberFromName(n) >= 0, nil
		}, "key", String),
	)

	mcOf := func(r any) *MatchCollection { return r.(*MatchCollection) }
	MatchCollectionT.AddProp(tmP("Count", Int32, func(r any) (any, error) { return int32(len(mcOf(r).Items)), nil }))
	MatchCollectionT.Indexers = append(MatchCollectionT.Indexers,
		tmM("get_Item", MatchT, func(r any, a []any) (any, error) {
			i := tmInt(a[0])
			if i < 0 || i >= int64(len(mcOf(r).Items)) {
				return nil, rxArgOutOfRange("i")
			}
			return mcOf(r).Items[i], nil
		}, "i", Int32))

	ccOf := func(r any) *CaptureCollection { return r.(*CaptureCollection) }
	CaptureCollectionT.AddProp(tmP("Count", Int32, func(r any) (any, error) { return int32(len(ccOf(r).Items)), nil }))
	CaptureCollectionT.Indexers = append(CaptureCollectionT.Indexers,
		tmM("get_Item", CaptureT, func(r any, a []any) (any, error) {
			i := tmInt(a[0])
			if i < 0 || i >= int64(len(ccOf(r).Items)) {
				return nil, rxArgOutOfRange("i")
			}
			return ccOf(r).Items[i], nil
		}, "i", Int32))
}

// rxOptInt is the optional int argument a[i], or def when the overload has none.
func rxOptInt(a []any, i, def int) int {
	if len(a) > i {
		return int(tmInt(a[i]))
	}
	return def
}
