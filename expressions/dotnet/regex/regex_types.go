package regex

import (
	"reflect"
	"time"

	"github.com/dlclark/regexp2"
	"github.com/policygate/policygate/expressions/dotnet"
)

// The registered System.Text.RegularExpressions types.
var (
	RegexOptionsT      = dotnet.Register(dotnet.NewEnumType("RegexOptions", "System.Text.RegularExpressions.RegexOptions", RegexNone))
	RegexT             = dotnet.Register(dotnet.NewType("Regex", "System.Text.RegularExpressions.Regex", nil, reflect.TypeOf((*Regex)(nil))))
	CaptureT           = dotnet.Register(dotnet.NewType("Capture", "System.Text.RegularExpressions.Capture", nil, reflect.TypeOf((*Capture)(nil))))
	GroupT             = dotnet.Register(dotnet.NewType("Group", "System.Text.RegularExpressions.Group", CaptureT, reflect.TypeOf((*Group)(nil))))
	MatchT             = dotnet.Register(dotnet.NewType("Match", "System.Text.RegularExpressions.Match", GroupT, reflect.TypeOf((*Match)(nil))))
	GroupCollectionT   = dotnet.Register(dotnet.NewType("GroupCollection", "System.Text.RegularExpressions.GroupCollection", nil, reflect.TypeOf((*GroupCollection)(nil))))
	MatchCollectionT   = dotnet.Register(dotnet.NewType("MatchCollection", "System.Text.RegularExpressions.MatchCollection", nil, reflect.TypeOf((*MatchCollection)(nil))))
	CaptureCollectionT = dotnet.Register(dotnet.NewType("CaptureCollection", "System.Text.RegularExpressions.CaptureCollection", nil, reflect.TypeOf((*CaptureCollection)(nil))))
	// MatchEvaluatorT is the delegate type of Regex.Replace's evaluator; its
	// Invoke method gives the lambda's signature (Match => string).
	MatchEvaluatorT = dotnet.Register(&dotnet.Type{Name: "MatchEvaluator", FullName: "System.Text.RegularExpressions.MatchEvaluator",
		Base: dotnet.Object, Methods: map[string][]*dotnet.Method{}, Props: map[string]*dotnet.Prop{},
		Is: func(v any) bool { _, ok := v.(dotnet.Func); return ok }})
)

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
	s, ok := dotnet.StringArg(v)
	if !ok {
		return "", dotnet.ArgumentNull(name)
	}
	return s, nil
}

func rxStatic(a []any, optIdx int) (*Regex, error) {
	p, ok := dotnet.StringArg(a[1])
	if !ok {
		return nil, dotnet.ArgumentNull("pattern")
	}
	opts := RegexNone
	if optIdx > 0 && optIdx < len(a) {
		opts = RegexOptions(dotnet.IntArg(a[optIdx]))
	}
	timeout := RegexTimeout
	if optIdx > 0 && optIdx+1 < len(a) {
		timeout = time.Duration(dotnet.TimeSpanArg(a[optIdx+1])) * 100
	}
	return rxCompile(p, opts, timeout)
}

func rxEvaluator(f any) (func(*Match) (string, error), error) {
	fn, ok := f.(dotnet.Func)
	if !ok {
		if f == nil {
			return nil, dotnet.ArgumentNull("evaluator")
		}
		return nil, dotnet.InvalidCast(dotnet.TypeOf(f).FullName, "System.Text.RegularExpressions.MatchEvaluator")
	}
	return func(m *Match) (string, error) {
		v, err := fn.Call(m)
		if err != nil {
			return "", err
		}
		return dotnet.ToString(v), nil
	}, nil
}

func init() {
	opts := map[string]any{"None": RegexNone}
	for _, o := range rxOptionNames {
		opts[o.n] = o.v
	}
	dotnet.AddEnumValues(RegexOptionsT, opts)
	MatchEvaluatorT.AddMethod(dotnet.NewMethod("Invoke", dotnet.String, nil, "match", MatchT))

	strs := dotnet.ArrayOf(dotnet.String)
	mcIface := dotnet.Instantiate(dotnet.IEnumerable, MatchT)
	gcIface := dotnet.Instantiate(dotnet.IEnumerable, GroupT)
	ccIface := dotnet.Instantiate(dotnet.IEnumerable, CaptureT)
	MatchCollectionT.Ifaces = []*dotnet.Type{mcIface}
	GroupCollectionT.Ifaces = []*dotnet.Type{gcIface}
	CaptureCollectionT.Ifaces = []*dotnet.Type{ccIface}

	// ---- Regex ----
	t := RegexT
	ctor := func(_ any, a []any) (any, error) {
		p, ok := dotnet.StringArg(a[0])
		if !ok {
			return nil, dotnet.ArgumentNull("pattern")
		}
		o := RegexNone
		if len(a) > 1 {
			o = RegexOptions(dotnet.IntArg(a[1]))
		}
		timeout := RegexTimeout
		if len(a) > 2 {
			timeout = time.Duration(dotnet.TimeSpanArg(a[2])) * 100
		}
		return rxCompile(p, o, timeout)
	}
	t.Ctors = append(t.Ctors,
		dotnet.NewMethod(".ctor", t, ctor, "pattern", dotnet.String),
		dotnet.NewMethod(".ctor", t, ctor, "pattern", dotnet.String, "options", RegexOptionsT),
		dotnet.NewMethod(".ctor", t, ctor, "pattern", dotnet.String, "options", RegexOptionsT, "matchTimeout", dotnet.TimeSpanT),
	)
	re := func(r any) *Regex { return r.(*Regex) }
	isMatch := func(r any, a []any) (any, error) {
		in, err := rxInput(a[0], "input")
		if err != nil {
			return nil, err
		}
		if len(a) > 1 {
			m, err := re(r).matchAt(in, int(dotnet.IntArg(a[1])))
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
		if f, ok := a[1].(dotnet.Func); ok {
			ev, _ := rxEvaluator(f)
			return re(r).ReplaceFunc(in, ev, count, start)
		}
		repl, ok := dotnet.StringArg(a[1])
		if !ok {
			return nil, dotnet.ArgumentNull("replacement")
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
		dotnet.NewMethod("IsMatch", dotnet.Boolean, isMatch, "input", dotnet.String),
		dotnet.NewMethod("IsMatch", dotnet.Boolean, isMatch, "input", dotnet.String, "startat", dotnet.Int32),
		dotnet.NewMethod("Match", MatchT, match, "input", dotnet.String),
		dotnet.NewMethod("Match", MatchT, match, "input", dotnet.String, "startat", dotnet.Int32),
		dotnet.NewMethod("Matches", MatchCollectionT, matches, "input", dotnet.String),
		dotnet.NewMethod("Matches", MatchCollectionT, matches, "input", dotnet.String, "startat", dotnet.Int32),
		dotnet.NewMethod("Replace", dotnet.String, replace, "input", dotnet.String, "replacement", dotnet.String),
		dotnet.NewMethod("Replace", dotnet.String, replace, "input", dotnet.String, "replacement", dotnet.String, "count", dotnet.Int32),
		dotnet.NewMethod("Replace", dotnet.String, replace, "input", dotnet.String, "replacement", dotnet.String, "count", dotnet.Int32, "startat", dotnet.Int32),
		dotnet.NewMethod("Replace", dotnet.String, replaceEval, "input", dotnet.String, "evaluator", MatchEvaluatorT),
		dotnet.NewMethod("Replace", dotnet.String, replaceEval, "input", dotnet.String, "evaluator", MatchEvaluatorT, "count", dotnet.Int32),
		dotnet.NewMethod("Replace", dotnet.String, replaceEval, "input", dotnet.String, "evaluator", MatchEvaluatorT, "count", dotnet.Int32, "startat", dotnet.Int32),
		dotnet.NewMethod("Split", strs, split, "input", dotnet.String),
		dotnet.NewMethod("Split", strs, split, "input", dotnet.String, "count", dotnet.Int32),
		dotnet.NewMethod("Split", strs, split, "input", dotnet.String, "count", dotnet.Int32, "startat", dotnet.Int32),
		dotnet.NewMethod("ToString", dotnet.String, func(r any, _ []any) (any, error) { return re(r).pattern, nil }),
		dotnet.NewMethod("GetGroupNames", strs, func(r any, _ []any) (any, error) { return re(r).re.GetGroupNames(), nil }),
		dotnet.NewMethod("GetGroupNumbers", dotnet.ArrayOf(dotnet.Int32), func(r any, _ []any) (any, error) {
			ns := re(r).re.GetGroupNumbers()
			out := make([]int32, len(ns))
			for i, n := range ns {
				out[i] = int32(n)
			}
			return out, nil
		}),
		dotnet.NewMethod("GroupNameFromNumber", dotnet.String, func(r any, a []any) (any, error) {
			return re(r).re.GroupNameFromNumber(int(dotnet.IntArg(a[0]))), nil
		}, "i", dotnet.Int32),
		dotnet.NewMethod("GroupNumberFromName", dotnet.Int32, func(r any, a []any) (any, error) {
			n, _ := dotnet.StringArg(a[0])
			return int32(re(r).re.GroupNumberFromName(n)), nil
		}, "name", dotnet.String),
	)
	t.AddProp(
		dotnet.NewProp("Options", RegexOptionsT, func(r any) (any, error) { return re(r).opts, nil }),
		dotnet.NewProp("RightToLeft", dotnet.Boolean, func(r any) (any, error) { return re(r).opts&RegexRightToLeft != 0, nil }),
		dotnet.NewProp("MatchTimeout", dotnet.TimeSpanT, func(r any) (any, error) { return dotnet.TimeSpan(re(r).timeout / 100), nil }),
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
	p2 := []any{"input", dotnet.String, "pattern", dotnet.String}
	withOpts := func(ps ...any) []any {
		out := append([]any{}, ps...)
		return append(out, "options", RegexOptionsT)
	}
	withTimeout := func(ps ...any) []any {
		out := append([]any{}, ps...)
		return append(out, "options", RegexOptionsT, "matchTimeout", dotnet.TimeSpanT)
	}
	pRepl := append(append([]any{}, p2...), "replacement", dotnet.String)
	pEval := append(append([]any{}, p2...), "evaluator", MatchEvaluatorT)
	t.AddStatic(
		dotnet.NewMethod("IsMatch", dotnet.Boolean, static(isMatch, 0), p2...),
		dotnet.NewMethod("IsMatch", dotnet.Boolean, static(isMatch, 2), withOpts(p2...)...),
		dotnet.NewMethod("IsMatch", dotnet.Boolean, static(isMatch, 2), withTimeout(p2...)...),
		dotnet.NewMethod("Match", MatchT, static(match, 0), p2...),
		dotnet.NewMethod("Match", MatchT, static(match, 2), withOpts(p2...)...),
		dotnet.NewMethod("Match", MatchT, static(match, 2), withTimeout(p2...)...),
		dotnet.NewMethod("Matches", MatchCollectionT, static(matches, 0), p2...),
		dotnet.NewMethod("Matches", MatchCollectionT, static(matches, 2), withOpts(p2...)...),
		dotnet.NewMethod("Matches", MatchCollectionT, static(matches, 2), withTimeout(p2...)...),
		dotnet.NewMethod("Split", strs, static(split, 0), p2...),
		dotnet.NewMethod("Split", strs, static(split, 2), withOpts(p2...)...),
		dotnet.NewMethod("Split", strs, static(split, 2), withTimeout(p2...)...),
		dotnet.NewMethod("Replace", dotnet.String, static(replace, 0, 2), pRepl...),
		dotnet.NewMethod("Replace", dotnet.String, static(replace, 3, 2), withOpts(pRepl...)...),
		dotnet.NewMethod("Replace", dotnet.String, static(replace, 3, 2), withTimeout(pRepl...)...),
		dotnet.NewMethod("Replace", dotnet.String, static(replaceEval, 0, 2), pEval...),
		dotnet.NewMethod("Replace", dotnet.String, static(replaceEval, 3, 2), withOpts(pEval...)...),
		dotnet.NewMethod("Replace", dotnet.String, static(replaceEval, 3, 2), withTimeout(pEval...)...),
		dotnet.NewMethod("Escape", dotnet.String, func(_ any, a []any) (any, error) {
			s, err := rxInput(a[0], "str")
			if err != nil {
				return nil, err
			}
			return RegexEscape(s), nil
		}, "str", dotnet.String),
		dotnet.NewMethod("Unescape", dotnet.String, func(_ any, a []any) (any, error) {
			s, err := rxInput(a[0], "str")
			if err != nil {
				return nil, err
			}
			out, err := regexp2.Unescape(s)
			if err != nil {
				return nil, dotnet.Throw("System.ArgumentException", "Invalid pattern '%s'. %s", s, err.Error())
			}
			return out, nil
		}, "str", dotnet.String),
	)
	t.AddStaticProp(
		dotnet.NewProp("InfiniteMatchTimeout", dotnet.TimeSpanT, func(any) (any, error) { return dotnet.TimeSpan(-dotnet.TicksPerMillisecond), nil }),
		dotnet.NewProp("CacheSize", dotnet.Int32, func(any) (any, error) { return int32(RegexCacheSize), nil }),
	)

	// ---- Capture, Group, Match ----
	CaptureT.AddProp(
		dotnet.NewProp("Index", dotnet.Int32, func(r any) (any, error) { return int32(rxCapOf(r).Index), nil }),
		dotnet.NewProp("Length", dotnet.Int32, func(r any) (any, error) { return int32(rxCapOf(r).Length), nil }),
		dotnet.NewProp("Value", dotnet.String, func(r any) (any, error) { return rxCapOf(r).Value, nil }),
	)
	CaptureT.AddMethod(dotnet.NewMethod("ToString", dotnet.String, func(r any, _ []any) (any, error) { return rxCapOf(r).Value, nil }))
	GroupT.AddProp(
		dotnet.NewProp("Success", dotnet.Boolean, func(r any) (any, error) { return rxGroupOf(r).Success, nil }),
		dotnet.NewProp("Name", dotnet.String, func(r any) (any, error) { return rxGroupOf(r).Name, nil }),
		dotnet.NewProp("Captures", CaptureCollectionT, func(r any) (any, error) {
			return &CaptureCollection{Items: rxGroupOf(r).Captures}, nil
		}),
	)
	MatchT.AddProp(dotnet.NewProp("Groups", GroupCollectionT, func(r any) (any, error) { return &GroupCollection{m: rxMatchOf(r)}, nil }))
	MatchT.AddStaticProp(dotnet.NewProp("Empty", MatchT, func(any) (any, error) { return rxFailed(nil, newRxText("")), nil }))
	MatchT.AddMethod(
		dotnet.NewMethod("NextMatch", MatchT, func(r any, _ []any) (any, error) { return rxMatchOf(r).NextMatch() }),
		dotnet.NewMethod("Result", dotnet.String, func(r any, a []any) (any, error) {
			s, ok := dotnet.StringArg(a[0])
			if !ok {
				return nil, dotnet.ArgumentNull("replacement")
			}
			return rxMatchOf(r).Result(s)
		}, "replacement", dotnet.String),
	)

	// ---- collections ----
	gc := GroupCollectionT
	gcOf := func(r any) *GroupCollection { return r.(*GroupCollection) }
	gc.AddProp(
		dotnet.NewProp("Count", dotnet.Int32, func(r any) (any, error) { return int32(len(gcOf(r).m.allGroups())), nil }),
		dotnet.NewProp("Keys", dotnet.ArrayOf(dotnet.String), func(r any) (any, error) {
			m := gcOf(r).m
			if m.regex == nil {
				return []string{"0"}, nil
			}
			return m.regex.re.GetGroupNames(), nil
		}),
		dotnet.NewProp("Values", dotnet.ArrayOf(GroupT), func(r any) (any, error) {
			var out []any
			for _, g := range gcOf(r).m.allGroups() {
				out = append(out, g)
			}
			return out, nil
		}),
	)
	gc.Indexers = append(gc.Indexers,
		dotnet.NewMethod("get_Item", GroupT, func(r any, a []any) (any, error) { return gcOf(r).m.GroupByNumber(int(dotnet.IntArg(a[0]))), nil }, "groupnum", dotnet.Int32),
		dotnet.NewMethod("get_Item", GroupT, func(r any, a []any) (any, error) {
			n, _ := dotnet.StringArg(a[0])
			return gcOf(r).m.GroupByName(n), nil
		}, "groupname", dotnet.String),
	)
	gc.AddMethod(
		dotnet.NewMethod("TryGetValue", dotnet.Boolean, func(r any, a []any) (any, error) {
			n, _ := dotnet.StringArg(a[0])
			m := gcOf(r).m
			if m.regex == nil || m.regex.re.GroupNumberFromName(n) < 0 {
				dotnet.SetOut(a[1], nil)
				return false, nil
			}
			dotnet.SetOut(a[1], m.GroupByName(n))
			return true, nil
		}, "key", dotnet.String, "value", dotnet.OutParam("value", GroupT)),
		dotnet.NewMethod("ContainsKey", dotnet.Boolean, func(r any, a []any) (any, error) {
			n, _ := dotnet.StringArg(a[0])
			m := gcOf(r).m
			return m.regex != nil && m.regex.re.GroupNumberFromName(n) >= 0, nil
		}, "key", dotnet.String),
	)

	mcOf := func(r any) *MatchCollection { return r.(*MatchCollection) }
	MatchCollectionT.AddProp(dotnet.NewProp("Count", dotnet.Int32, func(r any) (any, error) { return int32(len(mcOf(r).Items)), nil }))
	MatchCollectionT.Indexers = append(MatchCollectionT.Indexers,
		dotnet.NewMethod("get_Item", MatchT, func(r any, a []any) (any, error) {
			i := dotnet.IntArg(a[0])
			if i < 0 || i >= int64(len(mcOf(r).Items)) {
				return nil, rxArgOutOfRange("i")
			}
			return mcOf(r).Items[i], nil
		}, "i", dotnet.Int32))

	ccOf := func(r any) *CaptureCollection { return r.(*CaptureCollection) }
	CaptureCollectionT.AddProp(dotnet.NewProp("Count", dotnet.Int32, func(r any) (any, error) { return int32(len(ccOf(r).Items)), nil }))
	CaptureCollectionT.Indexers = append(CaptureCollectionT.Indexers,
		dotnet.NewMethod("get_Item", CaptureT, func(r any, a []any) (any, error) {
			i := dotnet.IntArg(a[0])
			if i < 0 || i >= int64(len(ccOf(r).Items)) {
				return nil, rxArgOutOfRange("i")
			}
			return ccOf(r).Items[i], nil
		}, "i", dotnet.Int32))
}

// rxOptInt is the optional int argument a[i], or def when the overload has none.
func rxOptInt(a []any, i, def int) int {
	if len(a) > i {
		return int(dotnet.IntArg(a[i]))
	}
	return def
}
