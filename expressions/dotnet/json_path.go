package dotnet

import (
	"strconv"
	"strings"
)

// jsonPathStep is one step of a parsed JSONPath.
type jsonPathStep struct {
	kind    int      // see jsonStep* constants
	names   []string // property names (field step)
	indexes []int    // array indexes
	slice   [3]*int  // start:end:step
	filter  jsonFilter
}

const (
	jsonStepRoot = iota
	jsonStepField
	jsonStepAllFields // .* and [*]
	jsonStepIndex
	jsonStepSlice
	jsonStepScan // ..name
	jsonStepScanAll
	jsonStepFilter // [?(...)]
)

// SelectTokens evaluates a JSONPath on a token, as JToken.SelectTokens does
// without errorWhenNoMatch. Supported: $, .name, ['name'], ['a','b'], [0],
// [0,1], [*], .*, [start:end:step], ..name, ..* and filters [?(...)].
func SelectTokens(t JToken, path string) ([]JToken, error) {
	steps, err := jsonParsePath(path)
	if err != nil {
		return nil, err
	}
	cur := []JToken{t}
	for _, s := range steps {
		var next []JToken
		for _, c := range cur {
			if next, err = jsonApplyStep(next, t, c, s); err != nil {
				return nil, err
			}
		}
		cur = next
	}
	return cur, nil
}

// SelectToken returns the single token a JSONPath selects, nil when none;
// several matches throw "Path returned multiple tokens.".
func SelectToken(t JToken, path string) (JToken, error) {
	ts, err := SelectTokens(t, path)
	if err != nil {
		return nil, err
	}
	switch len(ts) {
	case 0:
		return nil, nil
	case 1:
		return ts[0], nil
	}
	return nil, Throw("Newtonsoft.Json.JsonException", "Path returned multiple tokens.")
}

func jsonApplyStep(out []JToken, root, c JToken, s jsonPathStep) ([]JToken, error) {
	switch s.kind {
	case jsonStepRoot:
		return append(out, root), nil
	case jsonStepFilter:
		for _, k := range JSONChildren(c) { // an object's children are its properties
			if s.filter.match(root, k) {
				out = append(out, k)
			}
		}
	case jsonStepField:
		if o, ok := c.(*JObject); ok {
			for _, n := range s.names {
				if v := o.Get(n); v != nil {
					out = append(out, v)
				}
			}
		}
	case jsonStepAllFields:
		switch x := c.(type) {
		case *JObject:
			for _, p := range x.props {
				out = append(out, p.value)
			}
		case *JArray:
			out = append(out, x.items...)
		}
	case jsonStepIndex:
		if a, ok := c.(*JArray); ok {
			for _, i := range s.indexes {
				if i < 0 {
					return nil, OutOfRange("index")
				}
				if v := a.At(i); v != nil {
					out = append(out, v)
				}
			}
		}
	case jsonStepSlice:
		if a, ok := c.(*JArray); ok {
			n := len(a.items)
			step := 1
			if s.slice[2] != nil {
				step = *s.slice[2]
			}
			if step == 0 {
				return out, nil
			}
			norm := func(p *int, def int) int {
				if p == nil {
					return def
				}
				v := *p
				if v < 0 {
					v += n
				}
				return max(-1, min(v, n))
			}
			if step > 0 {
				for i := max(norm(s.slice[0], 0), 0); i < norm(s.slice[1], n); i += step {
					out = append(out, a.items[i])
				}
			} else {
				for i := min(norm(s.slice[0], n-1), n-1); i > norm(s.slice[1], -1); i += step {
					out = append(out, a.items[i])
				}
			}
		}
	case jsonStepScan, jsonStepScanAll:
		var walk func(t JToken)
		walk = func(t JToken) {
			for _, k := range JSONChildren(t) {
				if p, ok := k.(*JProperty); ok {
					if s.kind == jsonStepScanAll || p.name == s.names[0] {
						out = append(out, p.value)
					}
					walk(p.value)
					continue
				}
				if s.kind == jsonStepScanAll {
					out = append(out, k)
				}
				walk(k)
			}
		}
		walk(c)
	}
	return out, nil
}

func jsonPathError(format string, args ...any) error {
	return Throw("Newtonsoft.Json.JsonException", format, args...)
}

// jsonParsePath parses the JSONPath subset SelectTokens supports.
func jsonParsePath(path string) ([]jsonPathStep, error) {
	var steps []jsonPathStep
	i := 0
	n := len(path)
	for i < n && path[i] == ' ' {
		i++
	}
	if i < n && path[i] == '$' && (i+1 == n || strings.ContainsRune(".[ ", rune(path[i+1]))) {
		steps = append(steps, jsonPathStep{kind: jsonStepRoot})
		i++
	}
	first := len(steps) == 0
	for i < n {
		c := path[i]
		switch {
		case c == '.':
			if i+1 < n && path[i+1] == '.' {
				i += 2
				name, j := jsonPathName(path, i)
				i = j
				if name == "*" {
					steps = append(steps, jsonPathStep{kind: jsonStepScanAll})
				} else if name == "" {
					return nil, jsonPathError("Unexpected end while parsing path.")
				} else {
					steps = append(steps, jsonPathStep{kind: jsonStepScan, names: []string{name}})
				}
				continue
			}
			i++
			name, j := jsonPathName(path, i)
			if name == "" {
				return nil, jsonPathError("Unexpected end while parsing path.")
			}
			i = j
			steps = append(steps, jsonFieldStep(name))
		case c == '[':
			st, j, err := jsonPathBracket(path, i+1)
			if err != nil {
				return nil, err
			}
			steps = append(steps, st)
			i = j
		case c == ' ':
			for i < n && path[i] == ' ' {
				i++
			}
			if i < n {
				return nil, jsonPathError("Unexpected character while parsing path: %c", path[i])
			}
		case first:
			name, j := jsonPathName(path, i)
			if name == "" {
				return nil, jsonPathError("Unexpected character while parsing path: %c", c)
			}
			i = j
			steps = append(steps, jsonFieldStep(name))
		default:
			return nil, jsonPathError("Unexpected character following indexer: %c", c)
		}
		first = false
	}
	return steps, nil
}

func jsonFieldStep(name string) jsonPathStep {
	if name == "*" {
		return jsonPathStep{kind: jsonStepAllFields}
	}
	return jsonPathStep{kind: jsonStepField, names: []string{name}}
}

func jsonPathName(path string, i int) (string, int) {
	start := i
	for i < len(path) && !strings.ContainsRune(".[]() ", rune(path[i])) {
		i++
	}
	return path[start:i], i
}

// jsonPathBracket parses the inside of [...] starting after '['.
func jsonPathBracket(path string, i int) (jsonPathStep, int, error) {
	n := len(path)
	for i < n && path[i] == ' ' {
		i++
	}
	if i >= n {
		return jsonPathStep{}, i, jsonPathError("Path ended with open indexer.")
	}
	switch path[i] {
	case '\'', '"':
		var names []string
		for {
			q := path[i]
			i++
			var b strings.Builder
			for i < n && path[i] != q {
				if path[i] == '\\' && i+1 < n {
					i++
				}
				b.WriteByte(path[i])
				i++
			}
			if i >= n {
				return jsonPathStep{}, i, jsonPathError("Path ended with an open string.")
			}
			i++
			names = append(names, b.String())
			for i < n && path[i] == ' ' {
				i++
			}
			if i < n && path[i] == ',' {
				i++
				for i < n && path[i] == ' ' {
					i++
				}
				if i < n && (path[i] == '\'' || path[i] == '"') {
					continue
				}
			}
			break
		}
		if i >= n || path[i] != ']' {
			return jsonPathStep{}, i, jsonPathError("Unexpected character while parsing path indexer: %s", path[min(i, n-1):])
		}
		return jsonPathStep{kind: jsonStepField, names: names}, i + 1, nil
	case '*':
		i++
		if i >= n || path[i] != ']' {
			return jsonPathStep{}, i, jsonPathError("Unexpected character while parsing path indexer: *")
		}
		return jsonPathStep{kind: jsonStepAllFields}, i + 1, nil
	case '?':
		if i+1 >= n || path[i+1] != '(' {
			return jsonPathStep{}, i, jsonPathError("Unexpected character while parsing path indexer: ?")
		}
		f, j, err := jsonParseFilter(path, i+2)
		if err != nil {
			return jsonPathStep{}, i, err
		}
		return jsonPathStep{kind: jsonStepFilter, filter: f}, j, nil
	}
	end := strings.IndexByte(path[i:], ']')
	if end < 0 {
		return jsonPathStep{}, i, jsonPathError("Path ended with open indexer.")
	}
	body := strings.TrimSpace(path[i : i+end])
	next := i + end + 1
	if strings.Contains(body, ":") {
		parts := strings.Split(body, ":")
		if len(parts) > 3 {
			return jsonPathStep{}, next, jsonPathError("Unexpected character while parsing path indexer: :")
		}
		st := jsonPathStep{kind: jsonStepSlice}
		for k, p := range parts {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			v, err := strconv.Atoi(p)
			if err != nil {
				return jsonPathStep{}, next, jsonPathError("Could not read query value.")
			}
			st.slice[k] = &v
		}
		return st, next, nil
	}
	st := jsonPathStep{kind: jsonStepIndex}
	for _, p := range strings.Split(body, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return jsonPathStep{}, next, jsonPathError("Unexpected character while parsing path indexer: %s", strings.TrimSpace(p))
		}
		st.indexes = append(st.indexes, v)
	}
	return st, next, nil
}
