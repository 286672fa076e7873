// Package conformance runs conformance case files (spec/conformance.md):
// each case builds an engine.Config, starts the real gateway handler, a
// stub backend and an identity provider on loopback, sends its requests
// with a real HTTP client and compares what came out with what it expects.
package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/policygate/policygate/gateway/doclimit"
)

// FileError is a problem with a case file: it cannot be read, is not valid
// YAML, or does not have the documented shape. Line and Col are 1-based;
// 0 when unknown.
type FileError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *FileError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// File is a loaded case file.
type File struct {
	Path  string
	Suite string
	Cases []*Case
	dir   string
	src   []byte
	top   *yaml.Node // the top-level mapping
}

// Case is one case of a file.
type Case struct {
	Name      string
	Line, Col int
	node      *yaml.Node // the case mapping
}

// caseKeys are the keys that belong to a case itself; every other key of a
// case overrides the top-level field of the same name.
var caseKeys = map[string]bool{"name": true, "request": true, "backend": true, "expect": true, "steps": true}

// LoadFile reads and checks a case file. Every case is decoded once with
// placeholder names checked, so shape errors are reported before anything
// runs.
func LoadFile(path string) (*File, error) {
	src, err := doclimit.ReadFile(path)
	if err != nil {
		return nil, &FileError{File: path, Msg: err.Error()}
	}
	return Parse(path, src)
}

// Parse loads a case file from its text; path names it in errors and
// resolves {file: ...} references.
func Parse(path string, src []byte) (*File, error) {
	if err := doclimit.CheckSize(src); err != nil {
		return nil, &FileError{File: path, Msg: err.Error()}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&doc); err != nil {
		return nil, yamlError(path, err)
	}
	if err := doclimit.CheckYAML(&doc); err != nil {
		de := err.(*doclimit.Error)
		return nil, &FileError{File: path, Line: de.Line, Col: de.Col, Msg: de.Msg}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, &FileError{File: path, Line: doc.Line, Col: doc.Column, Msg: "a case file must be a mapping"}
	}
	f := &File{Path: path, dir: filepath.Dir(path), src: src, top: doc.Content[0]}
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	f.Suite = base
	if n := mapGet(f.top, "suite"); n != nil {
		if n.Kind != yaml.ScalarNode {
			return nil, nodeErr(path, n, "suite must be a string")
		}
		f.Suite = n.Value
	}
	cases := mapGet(f.top, "cases")
	if cases == nil || cases.Kind != yaml.SequenceNode || len(cases.Content) == 0 {
		at := f.top
		if cases != nil {
			at = cases
		}
		return nil, nodeErr(path, at, "cases must be a non-empty list")
	}
	seen := map[string]bool{}
	for i, cn := range cases.Content {
		if cn.Kind != yaml.MappingNode {
			return nil, nodeErr(path, cn, "a case must be a mapping")
		}
		c := &Case{Name: fmt.Sprintf("case %d", i+1), Line: cn.Line, Col: cn.Column, node: cn}
		if n := mapGet(cn, "name"); n != nil {
			c.Name = n.Value
		}
		if seen[c.Name] {
			return nil, nodeErr(path, cn, fmt.Sprintf("duplicate case name %q", c.Name))
		}
		seen[c.Name] = true
		// Decode without a live run: checks shape and placeholder names.
		if _, err := f.decodeCase(c, nil); err != nil {
			return nil, err
		}
		f.Cases = append(f.Cases, c)
	}
	return f, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parserMessages are yaml.v3's parser (not scanner) errors, whose line it
// reports 0-based.
var parserMessages = []string{
	"did not find expected <document start>", "did not find expected node content",
	"did not find expected key", "did not find expected '-' indicator",
	"did not find expected ',' or", "found undefined tag handle",
}

// yamlError positions a yaml.v3 syntax error (which carries only a line).
func yamlError(path string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return &FileError{File: path, Msg: strings.Join(te.Errors, "; ")}
	}
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		var line int
		fmt.Sscan(m[1], &line)
		for _, pm := range parserMessages {
			if strings.HasPrefix(m[2], pm) {
				line++
				break
			}
		}
		return &FileError{File: path, Line: line, Col: 1, Msg: m[2]}
	}
	return &FileError{File: path, Line: 1, Col: 1, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
}

func nodeErr(path string, n *yaml.Node, msg string) *FileError {
	return &FileError{File: path, Line: n.Line, Col: n.Column, Msg: msg}
}

func mapGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// effective merges the top-level fields with a case's overrides into one
// mapping node (a deep copy, so placeholder filling never touches the file).
func (f *File) effective(c *Case) *yaml.Node {
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: c.Line, Column: c.Col}
	over := map[string]bool{}
	for i := 0; i+1 < len(c.node.Content); i += 2 {
		over[c.node.Content[i].Value] = true
	}
	for i := 0; i+1 < len(f.top.Content); i += 2 {
		k := f.top.Content[i].Value
		// A top-level backend is the default stub answer of every case.
		if k == "suite" || k == "cases" || over[k] || (caseKeys[k] && k != "backend") {
			continue
		}
		out.Content = append(out.Content, copyNode(f.top.Content[i]), copyNode(f.top.Content[i+1]))
	}
	for i := 0; i+1 < len(c.node.Content); i += 2 {
		out.Content = append(out.Content, copyNode(c.node.Content[i]), copyNode(c.node.Content[i+1]))
	}
	return out
}

func copyNode(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	if n.Alias != nil {
		return copyNode(n.Alias)
	}
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, x := range n.Content {
		c.Content[i] = copyNode(x)
	}
	return &c
}

// ---- the decoded shape ----

type spec struct {
	Name          string                  `yaml:"name"`
	Now           string                  `yaml:"now"`
	NamedValues   map[string]namedValue   `yaml:"namedValues"`
	Policies      map[string]docRef       `yaml:"policies"`
	Fragments     map[string]docRef       `yaml:"fragments"`
	API           *apiSpec                `yaml:"api"`
	Operation     *opSpec                 `yaml:"operation"`
	Product       *productSpec            `yaml:"product"`
	Subscriptions []subSpec               `yaml:"subscriptions"`
	Backends      map[string]backendIDSpc `yaml:"backends"`
	Keys          map[string]keySpec      `yaml:"keys"`
	Tokens        map[string]tokenSpec    `yaml:"tokens"`
	Request       *requestSpec            `yaml:"request"`
	Backend       *backendSpec            `yaml:"backend"`
	Expect        *expectSpec             `yaml:"expect"`
	Steps         []stepSpec              `yaml:"steps"`
	// OpenAPI is the API's OpenAPI 2 or 3 document (YAML or JSON text, or
	// {file: path}); its operations replace the default operation.
	OpenAPI *docRef `yaml:"openapi"`
	// Schemas are the configuration's JSON schemas by id (validate-content
	// schema-id), as JSON text.
	Schemas map[string]string `yaml:"schemas"`
	// GraphQL is a GraphQL API's schema (SDL); the API gets the one
	// operation of a GraphQL API.
	GraphQL *string `yaml:"graphql"`
	// Resolvers are the GraphQL API's managed resolvers: "Type/field" →
	// its policy (an <http-data-source>), text or {file: path}.
	Resolvers map[string]docRef `yaml:"resolvers"`

	now  time.Time // parsed Now; zero when the clock is not frozen
	fill resolver  // fills placeholders in policy files
	// where maps the label of inline policy text ("policies.api",
	// "fragments.x") to where its first line is in the case file.
	where map[string]textPos
}

// textPos places the text of a literal block scalar in its file: text line
// n is file line Line+n, text column c is file column c+Indent.
type textPos struct{ Line, Indent int }

type namedValue struct {
	Value  string `yaml:"value"`
	Secret bool   `yaml:"secret"`
}

// UnmarshalYAML accepts a plain value or {value, secret}.
func (v *namedValue) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		v.Value = n.Value
		return nil
	}
	type plain namedValue
	return n.Decode((*plain)(v))
}

// docRef is policy XML text or {file: relative path}.
type docRef struct {
	Text string
	File string
}

// UnmarshalYAML accepts text or {file: path}.
func (d *docRef) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		d.Text = n.Value
		return nil
	}
	var x struct {
		File string `yaml:"file"`
	}
	if err := n.Decode(&x); err != nil {
		return err
	}
	if x.File == "" {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: a policy is XML text or {file: path}", n.Line)}}
	}
	d.File = x.File
	return nil
}

type apiSpec struct {
	Name                 string  `yaml:"name"`
	Path                 string  `yaml:"path"`
	ServiceURL           *string `yaml:"serviceUrl"`
	SubscriptionRequired bool    `yaml:"subscriptionRequired"`
	KeyHeader            string  `yaml:"subscriptionKeyHeader"`
	KeyQuery             string  `yaml:"subscriptionKeyQuery"`
}

type opSpec struct {
	Name        string `yaml:"name"`
	Method      string `yaml:"method"`
	URLTemplate string `yaml:"urlTemplate"`
}

type productSpec struct {
	Name                 string `yaml:"name"`
	SubscriptionRequired *bool  `yaml:"subscriptionRequired"`
	State                string `yaml:"state"`
}

type subSpec struct {
	Name         string `yaml:"name"`
	Key          string `yaml:"key"`
	SecondaryKey string `yaml:"secondaryKey"`
	Scope        string `yaml:"scope"`
	Active       *bool  `yaml:"active"`
	User         string `yaml:"user"`
}

type backendIDSpc struct {
	URL string `yaml:"url"`
	// Type "Pool" with Pool members, and CircuitBreaker rules, as in an
	// APIOps backendInformation.json (durations ISO 8601).
	Type           string           `yaml:"type"`
	Pool           []poolMemberSpec `yaml:"pool"`
	CircuitBreaker *struct {
		Rules []breakerRuleSpec `yaml:"rules"`
	} `yaml:"circuitBreaker"`
	Credentials struct {
		Header        map[string]stringList `yaml:"header"`
		Query         map[string]stringList `yaml:"query"`
		Authorization *struct {
			Scheme    string `yaml:"scheme"`
			Parameter string `yaml:"parameter"`
		} `yaml:"authorization"`
	} `yaml:"credentials"`
}

type poolMemberSpec struct {
	ID       string `yaml:"id"`
	Priority int    `yaml:"priority"`
	Weight   int    `yaml:"weight"`
}

type breakerRuleSpec struct {
	Name             string `yaml:"name"`
	FailureCondition struct {
		Count            int    `yaml:"count"`
		Percentage       int    `yaml:"percentage"`
		Interval         string `yaml:"interval"`
		StatusCodeRanges []struct {
			Min int `yaml:"min"`
			Max int `yaml:"max"`
		} `yaml:"statusCodeRanges"`
		ErrorReasons []string `yaml:"errorReasons"`
	} `yaml:"failureCondition"`
	TripDuration     string `yaml:"tripDuration"`
	AcceptRetryAfter bool   `yaml:"acceptRetryAfter"`
}

type keySpec struct {
	Type string `yaml:"type"`
}

type tokenSpec struct {
	Key    string         `yaml:"key"`
	Alg    string         `yaml:"alg"`
	Header map[string]any `yaml:"header"`
	Claims map[string]any `yaml:"claims"`
}

// stringList is a value or a list of values.
type stringList []string

// UnmarshalYAML accepts a scalar or a sequence of scalars.
func (s *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = []string{n.Value}
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return err
	}
	*s = l
	return nil
}

type requestSpec struct {
	Method  string                `yaml:"method"`
	URL     string                `yaml:"url"`
	Headers map[string]stringList `yaml:"headers"`
	Body    *string               `yaml:"body"`
	JSON    *rawNode              `yaml:"json"`
}

type backendSpec struct {
	Status  int                   `yaml:"status"`
	Headers map[string]stringList `yaml:"headers"`
	Body    *string               `yaml:"body"`
	JSON    *rawNode              `yaml:"json"`
	Delay   string                `yaml:"delay"`
	// Sequence answers the calls of one request in turn (the last one
	// repeats); the fields above are then ignored.
	Sequence []*backendSpec `yaml:"sequence"`
}

// rawNode keeps a YAML value as it is (yaml.v3 cannot decode every node
// kind into a *yaml.Node field).
type rawNode struct{ n *yaml.Node }

// UnmarshalYAML keeps the node.
func (r *rawNode) UnmarshalYAML(n *yaml.Node) error {
	r.n = n
	return nil
}

// optString is an expected value that may be null (must be absent).
type optString struct {
	Null  bool
	Value string
}

// UnmarshalYAML reads a scalar; null means absent.
func (o *optString) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		o.Null = true
		return nil
	}
	if n.Kind == yaml.SequenceNode {
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		o.Value = strings.Join(l, ",")
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: expected a string or null", n.Line)}}
	}
	o.Value = n.Value
	return nil
}

// header maps keep the key order for stable diffs.
type orderedExpect struct {
	Keys   []string
	Values map[string]optString
}

// UnmarshalYAML reads a mapping in order.
func (o *orderedExpect) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: expected a mapping", n.Line)}}
	}
	o.Values = map[string]optString{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		var v optString
		// yaml.v3 does not call unmarshalers for null: test it here.
		if err := v.UnmarshalYAML(n.Content[i+1]); err != nil {
			return err
		}
		k := n.Content[i].Value
		o.Keys = append(o.Keys, k)
		o.Values[k] = v
	}
	return nil
}

type expectSpec struct {
	Status         *int           `yaml:"status"`
	Headers        *orderedExpect `yaml:"headers"`
	Body           *string        `yaml:"body"`
	BodyContains   stringList     `yaml:"bodyContains"`
	JSON           *rawNode       `yaml:"json"`
	BackendCalled  *bool          `yaml:"backendCalled"`
	BackendCalls   *int           `yaml:"backendCalls"`
	BackendRequest *backendReq    `yaml:"backendRequest"`
	Variables      *orderedExpect `yaml:"variables"`
	LastError      *lastErrSpec   `yaml:"lastError"`
}

// UnmarshalYAML decodes an expectation; `lastError: null` (no error may
// have happened) is kept apart from a missing lastError.
func (e *expectSpec) UnmarshalYAML(n *yaml.Node) error {
	type plain expectSpec
	if err := n.Decode((*plain)(e)); err != nil {
		return err
	}
	if le := mapGet(n, "lastError"); le != nil && le.Tag == "!!null" {
		e.LastError = &lastErrSpec{Null: true}
	}
	return nil
}

type backendReq struct {
	Method  *string        `yaml:"method"`
	Path    *string        `yaml:"path"`
	Query   *orderedExpect `yaml:"query"`
	Headers *orderedExpect `yaml:"headers"`
	Body    *string        `yaml:"body"`
	JSON    *rawNode       `yaml:"json"`
}

type lastErrSpec struct {
	Null   bool
	Fields *orderedExpect
}

// UnmarshalYAML accepts null (no error must have happened) or a mapping.
func (l *lastErrSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		l.Null = true
		return nil
	}
	l.Fields = &orderedExpect{}
	if err := n.Decode(l.Fields); err != nil {
		return err
	}
	for _, k := range l.Fields.Keys {
		if _, ok := lastErrorFields[strings.ToLower(k)]; !ok {
			return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: unknown lastError field %q", n.Line, k)}}
		}
	}
	return nil
}

type stepSpec struct {
	Request *requestSpec `yaml:"request"`
	Backend *backendSpec `yaml:"backend"`
	Expect  *expectSpec  `yaml:"expect"`
	Repeat  int          `yaml:"repeat"`
	Advance string       `yaml:"advance"`
	line    int
	col     int
}

// ---- placeholders ----

// resolver fills ${...} placeholders; ok false leaves the text as it is
// (an unknown prefix), an error is a known prefix with an unknown name.
type resolver interface {
	resolve(name string) (value string, ok bool, err error)
}

var placeholderRE = regexp.MustCompile(`\$\{([A-Za-z0-9_.\-]+)\}`)

// fillString replaces the placeholders of s.
func fillString(s string, r resolver) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var firstErr error
	out := placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		v, ok, err := r.resolve(m[2 : len(m)-1])
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if !ok {
			return m
		}
		return v
	})
	return out, firstErr
}

// fillNode replaces placeholders in every string scalar under n, in place.
func fillNode(path string, n *yaml.Node, r resolver) error {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!str" || n.Tag == "") {
		v, err := fillString(n.Value, r)
		if err != nil {
			return nodeErr(path, n, err.Error())
		}
		n.Value = v
		return nil
	}
	for _, c := range n.Content {
		if err := fillNode(path, c, r); err != nil {
			return err
		}
	}
	return nil
}

// namesResolver checks placeholder names against the file's keys and
// tokens and fills the ones it knows; tokens are filled only when minted.
type namesResolver struct {
	vals   map[string]string // idp.url, backend.url, keys.X.secret, tokens.X
	keys   map[string]keySpec
	tokens map[string]tokenSpec
}

func (nr *namesResolver) resolve(name string) (string, bool, error) {
	switch {
	case name == "idp.url" || name == "idp.issuer" || name == "backend.url":
	case strings.HasPrefix(name, "tokens."):
		if _, ok := nr.tokens[strings.TrimPrefix(name, "tokens.")]; !ok {
			return "", false, fmt.Errorf("placeholder ${%s}: no such token", name)
		}
	case strings.HasPrefix(name, "keys."):
		k, ok := strings.CutSuffix(strings.TrimPrefix(name, "keys."), ".secret")
		if !ok {
			return "", false, fmt.Errorf("placeholder ${%s}: only ${keys.NAME.secret} is defined", name)
		}
		ks, found := nr.keys[k]
		if !found {
			return "", false, fmt.Errorf("placeholder ${%s}: no such key", name)
		}
		if !strings.EqualFold(ks.Type, "HMAC") {
			return "", false, fmt.Errorf("placeholder ${%s}: key %s is not an HMAC key", name, k)
		}
	default:
		return "", false, nil
	}
	v, ok := nr.vals[name]
	return v, ok, nil
}

// liveEnv supplies the values of a real run: generated keys and minted
// tokens. A nil liveEnv only checks the case.
type liveEnv interface {
	// prepare generates the case's keys and returns the placeholder values
	// known before tokens are minted (idp.*, backend.url, keys.*.secret).
	prepare(keys map[string]keySpec) (map[string]string, error)
	// mint signs the tokens (their claims already filled) at now.
	mint(tokens map[string]tokenSpec, now time.Time) (map[string]string, error)
}

// decodeCase merges, fills and decodes one case. With a nil live it only
// validates the shape and the placeholder names.
func (f *File) decodeCase(c *Case, live liveEnv) (*spec, error) {
	eff := f.effective(c)
	// Keys and tokens first: placeholder names are checked against them.
	var pre struct {
		Now    string               `yaml:"now"`
		Keys   map[string]keySpec   `yaml:"keys"`
		Tokens map[string]tokenSpec `yaml:"tokens"`
	}
	if err := eff.Decode(&pre); err != nil {
		return nil, f.typeErr(c, err)
	}
	var now time.Time
	if pre.Now != "" {
		t, err := parseTime(pre.Now)
		if err != nil {
			return nil, nodeErr(f.Path, orNode(mapGet(eff, "now"), eff), err.Error())
		}
		now = t
	}
	for name, k := range pre.Keys {
		switch strings.ToUpper(k.Type) {
		case "RSA", "EC", "HMAC":
		default:
			return nil, nodeErr(f.Path, orNode(mapGet(mapGet(eff, "keys"), name), eff), fmt.Sprintf("key %s: type must be RSA, EC or HMAC, not %q", name, k.Type))
		}
	}
	for name, t := range pre.Tokens {
		at := orNode(mapGet(mapGet(eff, "tokens"), name), eff)
		k, ok := pre.Keys[t.Key]
		if !ok {
			return nil, nodeErr(f.Path, at, fmt.Sprintf("token %s: no key %q in keys", name, t.Key))
		}
		if t.Alg != "" && !algFits(k.Type, t.Alg) {
			return nil, nodeErr(f.Path, at, fmt.Sprintf("token %s: alg %s does not fit a %s key", name, t.Alg, strings.ToUpper(k.Type)))
		}
	}
	nr := &namesResolver{keys: pre.Keys, tokens: pre.Tokens, vals: map[string]string{}}
	if live != nil {
		vals, err := live.prepare(pre.Keys)
		if err != nil {
			return nil, err
		}
		nr.vals = vals
	}
	if err := fillNode(f.Path, eff, nr); err != nil {
		return nil, err
	}
	if live != nil && len(pre.Tokens) > 0 {
		// Claims are filled now (${idp.issuer}); sign, then fill ${tokens.X}.
		var post struct {
			Tokens map[string]tokenSpec `yaml:"tokens"`
		}
		if err := eff.Decode(&post); err != nil {
			return nil, f.typeErr(c, err)
		}
		toks, err := live.mint(post.Tokens, now)
		if err != nil {
			return nil, &FileError{File: f.Path, Line: c.Line, Col: c.Col, Msg: fmt.Sprintf("case %q: %v", c.Name, err)}
		}
		for k, v := range toks {
			nr.vals["tokens."+k] = v
		}
		if err := fillNode(f.Path, eff, nr); err != nil {
			return nil, err
		}
	}
	if err := checkKnown(f.Path, eff, reflect.TypeFor[spec]()); err != nil {
		return nil, err
	}
	var s spec
	if err := eff.Decode(&s); err != nil {
		return nil, f.typeErr(c, err)
	}
	s.now, s.fill = now, nr
	s.where = map[string]textPos{}
	for _, sec := range []string{"policies", "fragments"} {
		m := mapGet(eff, sec)
		if m == nil || m.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if v := m.Content[i+1]; v.Kind == yaml.ScalarNode && v.Style&yaml.LiteralStyle != 0 {
				s.where[sec+"."+m.Content[i].Value] = textPos{Line: v.Line, Indent: f.indentAfter(v.Line)}
			}
		}
	}
	if stepsNode := mapGet(eff, "steps"); stepsNode != nil {
		for i := range s.Steps {
			if i < len(stepsNode.Content) {
				s.Steps[i].line, s.Steps[i].col = stepsNode.Content[i].Line, stepsNode.Content[i].Column
			}
		}
	}
	if err := f.checkCase(c, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// algFits reports whether a JWT alg can sign with a key type.
func algFits(keyType, alg string) bool {
	switch strings.ToUpper(keyType) {
	case "RSA":
		return strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	case "EC":
		return strings.HasPrefix(alg, "ES")
	}
	return strings.HasPrefix(alg, "HS")
}

// indentAfter is the indentation of the first non-blank line after line
// (1-based) of the file: the indentation of a block scalar's text.
func (f *File) indentAfter(line int) int {
	lines := strings.Split(string(f.src), "\n")
	for i := line; i < len(lines); i++ {
		t := strings.TrimLeft(lines[i], " ")
		if strings.TrimSpace(t) != "" {
			return len(lines[i]) - len(t)
		}
	}
	return 0
}

func orNode(n, def *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return def
}

func (f *File) typeErr(c *Case, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg := te.Errors[0]
		if m := regexp.MustCompile(`^line (\d+): (.*)$`).FindStringSubmatch(msg); m != nil {
			var line int
			fmt.Sscan(m[1], &line)
			return &FileError{File: f.Path, Line: line, Col: 1, Msg: fmt.Sprintf("case %q: %s", c.Name, m[2])}
		}
		return &FileError{File: f.Path, Line: c.Line, Col: c.Col, Msg: fmt.Sprintf("case %q: %s", c.Name, msg)}
	}
	return &FileError{File: f.Path, Line: c.Line, Col: c.Col, Msg: fmt.Sprintf("case %q: %v", c.Name, err)}
}

func (f *File) checkCase(c *Case, s *spec) error {
	bad := func(msg string) error {
		return &FileError{File: f.Path, Line: c.Line, Col: c.Col, Msg: fmt.Sprintf("case %q: %s", c.Name, msg)}
	}
	switch {
	case s.Request != nil && len(s.Steps) > 0:
		return bad("a case has either request/expect or steps, not both")
	case s.Request == nil && len(s.Steps) == 0:
		return bad("a case needs a request or steps")
	case s.Request != nil && s.Expect == nil:
		return bad("a request needs an expect")
	}
	for i, st := range s.Steps {
		badStep := func(msg string) error {
			return &FileError{File: f.Path, Line: st.line, Col: st.col, Msg: fmt.Sprintf("case %q, step %d: %s", c.Name, i+1, msg)}
		}
		switch {
		case st.Advance != "" && st.Request != nil:
			return badStep("a step is either a request or an advance")
		case st.Advance != "":
			if _, err := parseDuration(st.Advance); err != nil {
				return badStep(err.Error())
			}
		case st.Request == nil:
			return badStep("a step needs a request or an advance")
		case st.Expect == nil:
			return badStep("a request needs an expect")
		case st.Repeat < 0:
			return badStep("repeat must be positive")
		}
	}
	for scope := range s.Policies {
		switch scope {
		case "global", "product", "api", "operation":
		default:
			return bad(fmt.Sprintf("policies: unknown scope %q (global, product, api, operation)", scope))
		}
	}
	for _, ref := range s.Policies {
		if ref.File != "" {
			if _, err := os.Stat(filepath.Join(f.dir, ref.File)); err != nil {
				return bad(fmt.Sprintf("policy file: %v", err))
			}
		}
	}
	return nil
}

// parseTime reads `now`: RFC 3339.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("now: %q is not an RFC 3339 time", s)
}

// parseDuration reads Go durations plus a "d" (day) unit, with an
// optional sign.
func parseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	neg := false
	switch {
	case strings.HasPrefix(t, "+"):
		t = t[1:]
	case strings.HasPrefix(t, "-"):
		neg, t = true, t[1:]
	}
	var d time.Duration
	if days, rest, ok := strings.Cut(t, "d"); ok {
		var n int
		if _, err := fmt.Sscan(days, &n); err != nil {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
		d = time.Duration(n) * 24 * time.Hour
		t = rest
	}
	if t != "" {
		x, err := time.ParseDuration(t)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
		d += x
	}
	if neg {
		d = -d
	}
	return d, nil
}
