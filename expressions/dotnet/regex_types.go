package dotnet

import (
	"reflect"
	"time"

	"github.com/dlclark/regexp2"
)

// The registered System.Text.RegularExpressions types.
var (
	RegexOptionsT      = Register(NewEnumType("RegexOptions", "System.Text.RegularExpressions.RegexOptions", RegexNone))
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
	s, ok := StringArg(v)
	if !ok {
		return "", ArgumentNull(name)
	}
	return s, nil
}

func rxStatic(a []any, optIdx int) (*Regex, error) {
	p, ok := StringArg(a[1])
	if !ok {
		return nil, ArgumentNull("pattern")
	}
	opts := RegexNone
	if optIdx > 0 && optIdx < len(a) {
		opts = RegexOptions(IntArg(a[optIdx]))
	}
	timeout := RegexTimeout
	if optIdx > 0 && optIdx+1 < len(a) {
		timeout = time.Duration(TimeSpanArg(a[optIdx+1])) * 100
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
	AddEnumValues(RegexOptionsT, opts)
	MatchEvaluatorT.AddMethod(NewMethod("Invoke", String, nil, "match", MatchT))

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
		p, ok := StringArg(a[0])
		if !ok {
			return nil, ArgumentNull("pattern")
		}
		o := RegexNone
		if len(a) > 1 {
			o = RegexOptions(IntArg(a[1]))
		}
		timeout := RegexTimeout
		if len(a) > 2 {
			timeout = time.Duration(TimeSpanArg(a[2])) * 100
		}
		return rxCompile(p, o, timeout)
	}
	t.Ctors = append(t.Ctors,
		NewMethod(".ctor", t, ctor, "pattern", String),
		NewMethod(".ctor", t, ctor, "pattern", String, "options", RegexOptionsT),
		NewMethod(".ctor", t, ctor, "pattern", String, "options", RegexOptionsT, "matchTimeout", TimeSpanT),
	)
	re := func(r any) *Regex { return r.(*Regex) }
	isMatch := func(r any, a []any) (any, error) {
		in, err := rxInput(a[0], "input")
		if err != nil {
			return nil, err
		}
		if len(a) > 1 {
			m, err := re(r).matchAt(in, int(IntArg(a[1])))
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
		repl, ok := StringArg(a[1])
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
		NewMethod("IsMatch", Boolean, isMatch, "input", String),
		NewMethod("IsMatch", Boolean, isMatch, "input", String, "startat", Int32),
		NewMethod("Match", MatchT, match, "input", String),
		NewMethod("Match", MatchT, match, "input", String, "startat", Int32),
		NewMethod("Matches", MatchCollectionT, matches, "input", String),
		NewMethod("Matches", MatchCollectionT, matches, "input", String, "startat", Int32),
		NewMethod("Replace", String, replace, "input", String, "replacement", String),
		NewMethod("Replace", String, replace, "input", String, "replacement", String, "count", Int32),
		NewMethod("Replace", String, replace, "input", String, "replacement", String, "count", Int32, "startat", Int32),
		NewMethod("Replace", String, replaceEval, "input", String, "evaluator", MatchEvaluatorT),
		NewMethod("Replace", String, replaceEval, "input", String, "evaluator", MatchEvaluatorT, "count", Int32),
		NewMethod("Replace", String, replaceEval, "input", String, "evaluator", MatchEvaluatorT, "count", Int32, "startat", Int32),
		NewMethod("Split", strs, split, "input", String),
		NewMethod("Split", strs, split, "input", String, "count", Int32),
		NewMethod("Split", strs, split, "input", String, "count", Int32, "startat", Int32),
		NewMethod("ToString", String, func(r any, _ []any) (any, error) { return re(r).pattern, nil }),
		NewMethod("GetGroupNames", strs, func(r any, _ []any) (any, error) { return re(r).re.GetGroupNames(), nil }),
		NewMethod("GetGroupNumbers", ArrayOf(Int32), func(r any, _ []any) (any, error) {
			ns := re(r).re.GetGroupNumbers()
			out := make([]int32, len(ns))
			for i, n := range ns {
				out[i] = int32(n)
			}
			return out, nil
		}),
		NewMethod("GroupNameFromNumber", String, func(r any, a []any) (any, error) {
			return re(r).re.GroupNameFromNumber(int(IntArg(a[0]))), nil
		}, "i", Int32),
		NewMethod("GroupNumberFromName", Int32, func(r any, a []any) (any, error) {
			n, _ := StringArg(a[0])
			return int32(re(r).re.GroupNumberFromName(n)), nil
		}, "name", String),
	)
	t.AddProp(
		NewProp("Options", RegexOptionsT, func(r any) (any, error) { return re(r).opts, nil }),
		NewProp("RightToLeft", Boolean, func(r any) (any, error) { return re(r).opts&RegexRightToLeft != 0, nil }),
		NewProp("MatchTimeout", TimeSpanT, func(r any) (any, error) { return TimeSpan(re(r).timeout / 100), nil }),
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
		NewMethod("IsMatch", Boolean, static(isMatch, 0), p2...),
		NewMethod("IsMatch", Boolean, static(isMatch, 2), withOpts(p2...)...),
		NewMethod("IsMatch", Boolean, static(isMatch, 2), withTimeout(p2...)...),
		NewMethod("Match", MatchT, static(match, 0), p2...),
		NewMethod("Match", MatchT, static(match, 2), withOpts(p2...)...),
		NewMethod("Match", MatchT, static(match, 2), withTimeout(p2...)...),
		NewMethod("Matches", MatchCollectionT, static(matches, 0), p2...),
		NewMethod("Matches", MatchCollectionT, static(matches, 2), withOpts(p2...)...),
		NewMethod("Matches", MatchCollectionT, static(matches, 2), withTimeout(p2...)...),
		NewMethod("Split", strs, static(split, 0), p2...),
		NewMethod("Split", strs, static(split, 2), withOpts(p2...)...),
		NewMethod("Split", strs, static(split, 2), withTimeout(p2...)...),
		NewMethod("Replace", String, static(replace, 0, 2), pRepl...),
		NewMethod("Replace", String, static(replace, 3, 2), withOpts(pRepl...)...),
		NewMethod("Replace", String, static(replace, 3, 2), withTimeout(pRepl...)...),
		NewMethod("Replace", String, static(replaceEval, 0, 2), pEval...),
		NewMethod("Replace", String, static(replaceEval, 3, 2), withOpts(pEval...)...),
		NewMethod("Replace", String, static(replaceEval, 3, 2), withTimeout(pEval...)...),
		NewMethod("Escape", String, func(_ any, a []any) (any, error) {
			s, err := rxInput(a[0], "str")
			if err != nil {
				return nil, err
			}
			return RegexEscape(s), nil
		}, "str", String),
		NewMethod("Unescape", String, func(_ any, a []any) (any, error) {
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
		NewProp("InfiniteMatchTimeout", TimeSpanT, func(any) (any, error) { return TimeSpan(-TicksPerMillisecond), nil }),
		NewProp("CacheSize", Int32, func(any) (any, error) { return int32(RegexCacheSize), nil }),
	)

	// ---- Capture, Group, Match ----
	CaptureT.AddProp(
		NewProp("Index", Int32, func(r any) (any, error) { return int32(rxCapOf(r).Index), nil }),
		NewProp("Length", Int32, func(r any) (any, error) { return int32(rxCapOf(r).Length), nil }),
		NewProp("Value", String, func(r any) (any, error) { return rxCapOf(r).Value, nil }),
	)
	CaptureT.AddMethod(NewMethod("ToString", String, func(r any, _ []any) (any, error) { return rxCapOf(r).Value, nil }))
	GroupT.AddProp(
		NewProp("Success", Boolean, func(r any) (any, error) { return rxGroupOf(r).Success, nil }),
		NewProp("Name", String, func(r any) (any, error) { return rxGroupOf(r).Name, nil }),
		NewProp("Captures", CaptureCollectionT, func(r any) (any, error) {
			return &CaptureCollection{Items: rxGroupOf(r).Captures}, nil
		}),
	)
	MatchT.AddProp(NewProp("Groups", GroupCollectionT, func(r any) (any, error) { return &GroupCollection{m: rxMatchOf(r)}, nil }))
	MatchT.AddStaticProp(NewProp("Empty", MatchT, func(any) (any, error) { return rxFailed(nil, newRxText("")), nil }))
	MatchT.AddMethod(
		NewMethod("NextMatch", MatchT, func(r any, _ []any) (any, error) { return rxMatchOf(r).NextMatch() }),
		NewMethod("Result", String, func(r any, a []any) (any, error) {
			s, ok := StringArg(a[0])
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
		NewProp("Count", Int32, func(r any) (any, error) { return int32(len(gcOf(r).m.allGroups())), nil }),
		NewProp("Keys", ArrayOf(String), func(r any) (any, error) {
			m := gcOf(r).m
			if m.regex == nil {
				return []string{"0"}, nil
			}
			return m.regex.re.GetGroupNames(), nil
		}),
		NewProp("Values", ArrayOf(GroupT), func(r any) (any, error) {
			var out []any
			for _, g := range gcOf(r).m.allGroups() {
				out = append(out, g)
			}
			return out, nil
		}),
	)
	gc.Indexers = append(gc.Indexers,
		NewMethod("get_Item", GroupT, func(r any, a []any) (any, error) { return gcOf(r).m.GroupByNumber(int(IntArg(a[0]))), nil }, "groupnum", Int32),
		NewMethod("get_Item", GroupT, func(r any, a []any) (any, error) {
			n, _ := StringArg(a[0])
			return gcOf(r).m.GroupByName(n), nil
		}, "groupname", String),
	)
	gc.AddMethod(
		NewMethod("TryGetValue", Boolean, func(r any, a []any) (any, error) {
			n, _ := StringArg(a[0])
			m := gcOf(r).m
			if m.regex == nil || m.regex.re.GroupNumberFromName(n) < 0 {
				SetOut(a[1], nil)
				return false, nil
			}
			SetOut(a[1], m.GroupByName(n))
			return true, nil
		}, "key", String, "value", OutParam("value", GroupT)),
		NewMethod("ContainsKey", Boolean, func(r any, a []any) (any, error) {
			n, _ := StringArg(a[0])
			m := gcOf(r).m
			return m.regex != nil && m.regex.re.GroupNumberFromName(n) >= 0, nil
		}, "key", String),
	)

	mcOf := func(r any) *MatchCollection { return r.(*MatchCollection) }
	MatchCollectionT.AddProp(NewProp("Count", Int32, func(r any) (any, error) { return int32(len(mcOf(r).Items)), nil }))
	MatchCollectionT.Indexers = append(MatchCollectionT.Indexers,
		NewMethod("get_Item", MatchT, func(r any, a []any) (any, error) {
			i := IntArg(a[0])
			if i < 0 || i >= int64(len(mcOf(r).Items)) {
				return nil, rxArgOutOfRange("i")
			}
			return mcOf(r).Items[i], nil
		}, "i", Int32))

	ccOf := func(r any) *CaptureCollection { return r.(*CaptureCollection) }
	CaptureCollectionT.AddProp(NewProp("Count", Int32, func(r any) (any, error) { return int32(len(ccOf(r).Items)), nil }))
	CaptureCollectionT.Indexers = append(CaptureCollectionT.Indexers,
		NewMethod("get_Item", CaptureT, func(r any, a []any) (any, error) {
			i := IntArg(a[0])
			if i < 0 || i >= int64(len(ccOf(r).Items)) {
				return nil, rxArgOutOfRange("i")
			}
			return ccOf(r).Items[i], nil
		}, "i", Int32))
}

// rxOptInt is the optional int argument a[i], or def when the overload has none.
func rxOptInt(a []any, i, def int) int {
	if len(a) > i {
		return int(IntArg(a[i]))
	}
	return def
}
