package conformance

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Diff is one expectation that did not hold: the field path (e.g.
// "steps[2].expect.headers.retry-after"), what was expected and what came.
type Diff struct {
	Path     string
	Expected string
	Actual   string
}

func (d Diff) String() string {
	return fmt.Sprintf("%s: expected %s, actual %s", d.Path, d.Expected, d.Actual)
}

// absent is how a missing value is shown in a diff.
const absent = "(absent)"

func quote(s string) string { return strconv.Quote(s) }

// received is what one request produced.
type received struct {
	status  int
	header  http.Header
	body    []byte
	backend []backendCall // calls the stub backend received for it
	obs     *observation  // nil when the gateway reported no run
}

// backendCall is what the stub backend received.
type backendCall struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Host   string
	Body   []byte
}

// lastErrorFields maps the lower-cased expectation keys to the fields.
var lastErrorFields = map[string]func(o *observation) string{
	"source":   func(o *observation) string { return o.lastError.Source },
	"reason":   func(o *observation) string { return o.lastError.Reason },
	"message":  func(o *observation) string { return o.lastError.Message },
	"scope":    func(o *observation) string { return o.lastError.Scope },
	"section":  func(o *observation) string { return o.lastError.Section },
	"path":     func(o *observation) string { return o.lastError.Path },
	"policyid": func(o *observation) string { return o.lastError.PolicyID },
}

// check compares what came with what e expects; p prefixes field paths.
func (e *expectSpec) check(p string, got *received) []Diff {
	var ds []Diff
	add := func(path, exp, act string) { ds = append(ds, Diff{Path: p + path, Expected: exp, Actual: act}) }
	if e.Status != nil && *e.Status != got.status {
		add("status", strconv.Itoa(*e.Status), strconv.Itoa(got.status))
	}
	if e.Headers != nil {
		for _, name := range e.Headers.Keys {
			checkOpt(add, "headers."+name, e.Headers.Values[name], headerValue(got.header, name))
		}
	}
	if e.Body != nil && *e.Body != string(got.body) {
		add("body", quote(*e.Body), quote(string(got.body)))
	}
	for i, s := range e.BodyContains {
		if !strings.Contains(string(got.body), s) {
			add(fmt.Sprintf("bodyContains[%d]", i), "body containing "+quote(s), quote(string(got.body)))
		}
	}
	if e.JSON != nil {
		ds = append(ds, checkJSON(p+"json", e.JSON.n, got.body)...)
	}
	if e.BackendCalled != nil && *e.BackendCalled != (len(got.backend) > 0) {
		add("backendCalled", strconv.FormatBool(*e.BackendCalled), strconv.FormatBool(len(got.backend) > 0))
	}
	if e.BackendCalls != nil && *e.BackendCalls != len(got.backend) {
		add("backendCalls", strconv.Itoa(*e.BackendCalls), strconv.Itoa(len(got.backend)))
	}
	if br := e.BackendRequest; br != nil {
		if len(got.backend) == 0 {
			add("backendRequest", "a backend call", "the backend was not called")
		} else {
			ds = append(ds, br.check(p+"backendRequest.", got.backend[len(got.backend)-1])...)
		}
	}
	if e.Variables != nil {
		if got.obs == nil {
			add("variables", "the request's variables", "the gateway reported no run")
		} else {
			for _, name := range e.Variables.Keys {
				v, ok := got.obs.vars[name]
				checkOpt(add, "variables."+name, e.Variables.Values[name], optional(v, ok))
			}
		}
	}
	if le := e.LastError; le != nil {
		switch {
		case got.obs == nil:
			add("lastError", "the request's context.LastError", "the gateway reported no run")
		case le.Null:
			if got.obs.lastError != nil {
				add("lastError", "no error", fmt.Sprintf("%s/%s: %s", got.obs.lastError.Source, got.obs.lastError.Reason, got.obs.lastError.Message))
			}
		case got.obs.lastError == nil:
			add("lastError", "an error", "none (on-error did not run)")
		default:
			for _, k := range le.Fields.Keys {
				checkOpt(add, "lastError."+k, le.Fields.Values[k], optional(lastErrorFields[strings.ToLower(k)](got.obs), true))
			}
		}
	}
	return ds
}

func (b *backendReq) check(p string, call backendCall) []Diff {
	var ds []Diff
	add := func(path, exp, act string) { ds = append(ds, Diff{Path: p + path, Expected: exp, Actual: act}) }
	if b.Method != nil && *b.Method != call.Method {
		add("method", quote(*b.Method), quote(call.Method))
	}
	if b.Path != nil && *b.Path != call.Path {
		add("path", quote(*b.Path), quote(call.Path))
	}
	if b.Query != nil {
		for _, name := range b.Query.Keys {
			vs, ok := call.Query[name]
			checkOpt(add, "query."+name, b.Query.Values[name], optional(strings.Join(vs, ","), ok))
		}
	}
	if b.Headers != nil {
		for _, name := range b.Headers.Keys {
			got := headerValue(call.Header, name)
			if strings.EqualFold(name, "Host") {
				got = optional(call.Host, call.Host != "")
			}
			checkOpt(add, "headers."+name, b.Headers.Values[name], got)
		}
	}
	if b.Body != nil && *b.Body != string(call.Body) {
		add("body", quote(*b.Body), quote(string(call.Body)))
	}
	if b.JSON != nil {
		ds = append(ds, checkJSON(p+"json", b.JSON.n, call.Body)...)
	}
	return ds
}

// optional is a value that may be absent.
func optional(v string, ok bool) optString { return optString{Value: v, Null: !ok} }

func checkOpt(add func(path, exp, act string), path string, want, got optString) {
	switch {
	case want.Null && got.Null:
	case want.Null:
		add(path, absent, quote(got.Value))
	case got.Null:
		add(path, quote(want.Value), absent)
	case want.Value != got.Value:
		add(path, quote(want.Value), quote(got.Value))
	}
}

// headerValue finds a header by case-insensitive name; several values are
// joined with ",".
func headerValue(h http.Header, name string) optString {
	var vals []string
	found := false
	for k, vs := range h {
		if strings.EqualFold(k, name) {
			vals = append(vals, vs...)
			found = true
		}
	}
	return optional(strings.Join(vals, ","), found)
}

// checkJSON reads body as JSON and checks that it contains what n says
// (deep partial match: objects may have more members, arrays must have the
// same length).
func checkJSON(path string, n *yaml.Node, body []byte) []Diff {
	want, err := yamlToJSON(n)
	if err != nil {
		return []Diff{{Path: path, Expected: "a valid expectation", Actual: err.Error()}}
	}
	var got any
	if err := json.Unmarshal(body, &got); err != nil {
		return []Diff{{Path: path, Expected: "a JSON body", Actual: quote(string(body))}}
	}
	var ds []Diff
	matchJSON(path, want, got, &ds)
	return ds
}

// yamlToJSON converts a YAML node to the values encoding/json produces.
func yamlToJSON(n *yaml.Node) (any, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	data, err := json.Marshal(normalizeYAML(v))
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(data, &out)
	return out, err
}

// normalizeYAML turns map[any]any (never produced by yaml.v3 for string
// keys, but possible for others) into map[string]any.
func normalizeYAML(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeYAML(e)
		}
		return x
	case map[any]any:
		m := map[string]any{}
		for k, e := range x {
			m[fmt.Sprint(k)] = normalizeYAML(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = normalizeYAML(e)
		}
	}
	return v
}

func jsonText(v any) string {
	if v == nil {
		return "null"
	}
	data, _ := json.Marshal(v)
	return string(data)
}

func matchJSON(path string, want, got any, ds *[]Diff) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			*ds = append(*ds, Diff{Path: path, Expected: "an object", Actual: jsonText(got)})
			return
		}
		keys := slices.Sorted(maps.Keys(w))
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				*ds = append(*ds, Diff{Path: path + "." + k, Expected: jsonText(w[k]), Actual: absent})
				continue
			}
			matchJSON(path+"."+k, w[k], gv, ds)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			*ds = append(*ds, Diff{Path: path, Expected: jsonText(w), Actual: jsonText(got)})
			return
		}
		for i := range w {
			matchJSON(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], ds)
		}
	default:
		if jsonText(want) != jsonText(got) {
			*ds = append(*ds, Diff{Path: path, Expected: jsonText(want), Actual: jsonText(got)})
		}
	}
}
