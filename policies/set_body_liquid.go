package policies

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"math/big"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/osteele/liquid"
	"github.com/osteele/liquid/filters"
	"github.com/osteele/liquid/render"
	"github.com/osteele/liquid/values"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/expressions/dotnet/systime"
	"github.com/policygate/policygate/expressions/dotnet/xmllinq"
	"github.com/policygate/policygate/parser"
)

// Liquid templates of set-body (template="liquid").
//
// APIM runs DotLiquid in "C# mode": filters have PascalCase names (Upcase,
// DividedBy …) and Date takes .NET format strings. Two objects are bound:
//
//   - body: the current request (inbound, backend) or response (outbound,
//     on-error) body, parsed by Content-Type. JSON (application/json,
//     text/json, *+json) gives ordered dictionaries, lists and scalars; XML
//     (application/xml, text/xml, *+xml) gives the root element under its
//     local name, each element a dictionary of its attributes and child
//     elements (repeated children make a list), or its text when it has
//     neither. Any other type binds no body.
//   - context: Request {Url, Method, OriginalMethod, OriginalUrl, IpAddress,
//     MatchedParameters, HasBody, ClientCertificates, Headers}, Response
//     {StatusCode, Method, Headers} and Variables. Urls have Scheme, Host,
//     Port, Path, Query, QueryString, ToUri and ToString. Headers, Query and
//     MatchedParameters are looked up ignoring case; a header is its values
//     joined by ",". Iterating a dictionary yields {Key, Value} pairs.
//
// Filters outside the C# set (Ruby names such as upcase, unknown names) pass
// their input through unchanged, as DotLiquid's Context.Invoke does for a
// filter it does not know; they load with a warning.
type liquidTemplate struct {
	tmpl      *liquid.Template
	nilAsNull bool // xsi-nil="null"
	parseDate bool // parse-date: ISO-8601 JSON strings become DateTime values
}

// compileLiquid parses a set-body Liquid template at load time.
func compileLiquid(el *parser.Element, c *Compiler) *liquidTemplate {
	lt := &liquidTemplate{parseDate: true}
	if v := c.Attr(el, "xsi-nil", KindEnum); v.Present {
		if lit, ok := v.Literal(); ok && strings.EqualFold(strings.TrimSpace(lit), "null") {
			lt.nilAsNull = true
		}
	}
	if v := c.Attr(el, "parse-date", KindBool); v.Present {
		if lit, ok := v.Literal(); ok && strings.EqualFold(strings.TrimSpace(lit), "false") {
			lt.parseDate = false
		}
	}
	src, pv := "", el.Text
	if pv != nil {
		v, errs := CompileValue(pv, KindString, c.NamedValues, true)
		c.Errs = append(c.Errs, errs...)
		if v != nil {
			src, _ = v.Literal()
		}
	}
	at := func(off int) parser.Pos {
		if pv == nil {
			return el.Pos
		}
		return pv.PosOf(off)
	}
	eng := liquidEngine()
	for _, u := range liquidUnknownFilters(src) {
		if hint, ok := liquidRubyNames[u.name]; ok && liquidKnown(hint) {
			c.Warnf(at(u.offset), parser.CodeExpression, "Liquid filter %q is not known in C# naming mode (use %s): it passes its input through", u.name, hint)
		} else {
			c.Warnf(at(u.offset), parser.CodeExpression, "unknown Liquid filter %q: it passes its input through", u.name)
		}
		eng.RegisterFilter(u.name, liquidPassThrough)
	}
	t, err := eng.ParseTemplateLocation([]byte(src), "", 1)
	if err != nil {
		pos := el.Pos
		if line := err.LineNumber(); line > 0 {
			pos = at(liquidLineOffset(src, line))
		}
		msg := err.Error()
		if cause := err.Cause(); cause != nil {
			msg = cause.Error()
		}
		c.Errorf(pos, parser.CodeExpression, "invalid Liquid template: %s", msg)
		return nil
	}
	lt.tmpl = t
	return lt
}

// liquidLineOffset is the byte offset of the start of 1-based line n of s.
func liquidLineOffset(s string, n int) int {
	off := 0
	for i := 1; i < n; i++ {
		j := strings.IndexByte(s[off:], '\n')
		if j < 0 {
			return off
		}
		off += j + 1
	}
	return off
}

// render renders the template for the run's current message.
func (lt *liquidTemplate) render(r *Run) (out []byte, err error) {
	body, err := liquidBody(r, lt.nilAsNull, lt.parseDate)
	if err != nil {
		return nil, liquidFailure(err)
	}
	lb := &liquidBudget{}
	if r.Ctx.Budget != nil {
		lb.b = r.Ctx.Budget.Start()
	}
	bindings := map[string]any{"body": liquidBudgetDrop{body, lb}, "context": liquidBudgetDrop{liquidContext(r), lb}}
	defer func() {
		if p := recover(); p != nil {
			if lb.err != nil { // a lookup's liquidBudgetStop, or the library's panic over a failed write
				out, err = nil, liquidFailure(lb.err)
				return
			}
			out, err = nil, liquidFailure(fmt.Errorf("%v", p))
		}
	}()
	if err := lb.b.Check(); err != nil { // starts the render's clock
		return nil, liquidFailure(err)
	}
	serr := lt.tmpl.FRender(lb, bindings)
	if lb.err != nil {
		return nil, liquidFailure(lb.err)
	}
	if serr != nil {
		return nil, liquidFailure(serr)
	}
	return lb.out.Bytes(), nil
}

// liquidBudget is a render's output and its time budget (the expression
// budget of one evaluation: the deadline, the request abandoned). The
// library renders without a context, so the render observes the budget
// where it calls PolicyGate's code: every liquidCheckWrites writes of
// output, and every lookup of body or context. The first failed check
// ends the render (a write error, or a liquidBudgetStop panic from a
// lookup) with the budget error. A loop that neither writes nor reads body
// or context between iterations is not interrupted.
type liquidBudget struct {
	b      dotnet.Budget
	out    bytes.Buffer
	writes int
	err    error
}

// liquidCheckWrites is how many writes a render makes between checks.
const liquidCheckWrites = 16

func (lb *liquidBudget) check() error {
	if lb.err == nil {
		lb.err = lb.b.Check()
	}
	return lb.err
}

func (lb *liquidBudget) Write(p []byte) (int, error) {
	if lb.err != nil {
		return 0, lb.err
	}
	if lb.writes++; lb.writes%liquidCheckWrites == 0 {
		if err := lb.check(); err != nil {
			return 0, err
		}
	}
	if lb.out.Len()+len(p) > dotnet.MaxStringLength {
		lb.err = dotnet.StringTooLong()
		return 0, lb.err
	}
	return lb.out.Write(p)
}

// liquidBudgetDrop is a binding that checks the budget when the template
// reads it (the library calls ToLiquid on every variable lookup).
type liquidBudgetDrop struct {
	v  any
	lb *liquidBudget
}

// liquidBudgetStop carries a budget error out of the library, which
// re-panics values that are not errors untouched.
type liquidBudgetStop struct{ err error }

func (d liquidBudgetDrop) ToLiquid() any {
	if err := d.lb.check(); err != nil {
		panic(liquidBudgetStop{err})
	}
	return d.v
}

// liquidFailure is the policy error of a template that failed to render.
func liquidFailure(err error) error {
	return &Error{Reason: ReasonExpression, Message: "Liquid template rendering failed. " + err.Error(), Status: http.StatusInternalServerError, Err: err}
}

// ---- engine and filters ----

// liquidRubyNames maps the library's Ruby filter names to their C# names.
var liquidRubyNames = map[string]string{}

// liquidBuiltins are the library's standard filters by Ruby name.
var liquidBuiltins = map[string]any{}

type filterCollector map[string]any

func (f filterCollector) AddFilter(name string, fn any) { f[name] = fn }

func init() {
	filters.AddStandardFilters(filterCollector(liquidBuiltins))
	for name := range liquidBuiltins {
		liquidRubyNames[name] = liquidPascal(name)
	}
	liquidRubyNames["truncatewords"] = "TruncateWords"
	liquidRubyNames["at_least"] = "AtLeast"
	liquidRubyNames["at_most"] = "AtMost"
}

// liquidPascal turns a Ruby filter name into its C# name (divided_by →
// DividedBy).
func liquidPascal(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// liquidFromBuiltin are the C# filters that behave as the library's Ruby
// ones.
var liquidFromBuiltin = map[string]string{
	"Abs": "abs", "Append": "append", "Capitalize": "capitalize", "Compact": "compact",
	"DividedBy": "divided_by", "Downcase": "downcase",
	"First": "first", "Join": "join", "Last": "last", "Lstrip": "lstrip", "Map": "map",
	"Minus": "minus", "Modulo": "modulo", "NewlineToBr": "newline_to_br", "Plus": "plus",
	"Prepend": "prepend", "Remove": "remove", "RemoveFirst": "remove_first",
	"Replace": "replace", "ReplaceFirst": "replace_first", "Round": "round",
	"Rstrip": "rstrip", "Slice": "slice", "Sort": "sort", "Split": "split",
	"Strip": "strip", "StripHtml": "strip_html", "StripNewlines": "strip_newlines",
	"Times": "times", "Truncate": "truncate", "TruncateWords": "truncatewords",
	"Uniq": "uniq", "Upcase": "upcase", "UrlDecode": "url_decode", "UrlEncode": "url_encode",
}

// liquidPassThrough is what a filter the engine does not know does.
func liquidPassThrough(v any, _ ...any) any { return v }

// liquidEngine returns a new engine with APIM's C# filter set. Each template
// gets its own, so that pass-through filters for its unknown names can be
// added at load time without touching templates already running.
func liquidEngine() *liquid.Engine {
	eng := liquid.NewEngine()
	for name := range liquidBuiltins {
		eng.RegisterFilter(name, liquidPassThrough)
	}
	for cs, ruby := range liquidFromBuiltin {
		eng.RegisterFilter(cs, liquidBuiltins[ruby])
	}
	eng.RegisterFilter("AtLeast", func(a, b float64) float64 { return math.Max(a, b) })
	eng.RegisterFilter("AtMost", func(a, b float64) float64 { return math.Min(a, b) })
	eng.RegisterFilter("Default", liquidDefault)
	eng.RegisterFilter("Date", liquidDate)
	eng.RegisterFilter("Currency", liquidCurrency)
	eng.RegisterFilter("Escape", liquidEscape)
	eng.RegisterFilter("H", liquidEscape)
	eng.RegisterFilter("Size", liquidSize)
	eng.RegisterBlock("JSONArrayFor", liquidJSONArrayFor)
	return eng
}

// liquidKnown reports whether name is a filter of the C# set or a Ruby name.
func liquidKnown(name string) bool {
	if _, ok := liquidFromBuiltin[name]; ok {
		return true
	}
	switch name {
	case "AtLeast", "AtMost", "Default", "Date", "Currency", "Escape", "H", "Size":
		return true
	}
	_, ruby := liquidBuiltins[name]
	return ruby
}

type liquidFilterUse struct {
	name   string
	offset int
}

var (
	liquidMarkup   = regexp.MustCompile(`(?s)\{\{.*?\}\}|\{%.*?%\}`)
	liquidFilterRe = regexp.MustCompile(`\|\s*([A-Za-z_][A-Za-z0-9_]*)`)
)

// liquidUnknownFilters lists the filter names of src outside the C# set (Ruby
// names included, for a warning), each once, with its offset.
func liquidUnknownFilters(src string) []liquidFilterUse {
	var out []liquidFilterUse
	seen := map[string]bool{}
	for _, m := range liquidMarkup.FindAllStringIndex(src, -1) {
		seg := src[m[0]:m[1]]
		for _, f := range liquidFilterRe.FindAllStringSubmatchIndex(seg, -1) {
			name := seg[f[2]:f[3]]
			if seen[name] {
				continue
			}
			seen[name] = true
			_, ruby := liquidBuiltins[name]
			if ruby || !liquidKnown(name) {
				out = append(out, liquidFilterUse{name: name, offset: m[0] + f[2]})
			}
		}
	}
	return out
}

// liquidDefault is DotLiquid's Default: the fallback when the input is null
// or renders as blank text.
func liquidDefault(v, def any) any {
	if v == nil || strings.TrimSpace(liquidString(v)) == "" {
		return def
	}
	return v
}

// liquidDate is DotLiquid's Date in C# mode: a DateTime, "now"/"today" or
// text DateTime.Parse understands, formatted with a .NET format string; other
// input is returned as text; an empty format renders ToString().
func liquidDate(v any, format string) (any, error) {
	var d dotnet.DateTime
	switch x := v.(type) {
	case nil:
		return nil, nil
	case dotnet.DateTime:
		d = x
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "now", "today":
			d = dotnet.DateTime{T: time.Now().UTC(), Kind: dotnet.KindLocal}
			if strings.EqualFold(strings.TrimSpace(x), "today") {
				d.T = d.T.Truncate(24 * 60 * 60 * 1e9)
			}
		default:
			p, err := systime.ParseDateTime(x)
			if err != nil {
				return x, nil
			}
			d = p
		}
	default:
		return liquidString(v), nil
	}
	if format == "" {
		return d.String(), nil
	}
	return d.Format(format)
}

// liquidEscape is Escape and H: WebUtility.HtmlEncode.
func liquidEscape(v any) string { return dotnet.HTMLEncode(liquidString(v)) }

// liquidSize is Size: the length of a string or list, the member count of
// a dictionary, 0 otherwise.
func liquidSize(v any) int {
	switch x := v.(type) {
	case *liquidDict:
		return x.Len()
	case string:
		return len([]rune(x))
	case []any:
		return len(x)
	}
	return values.Length(v)
}

// liquidCurrency formats a number with the "C" format (invariant culture,
// as every number format of the gateway).
func liquidCurrency(v any, _ ...any) (any, error) {
	var f float64
	switch x := v.(type) {
	case int64:
		f = float64(x)
	case int:
		f = float64(x)
	case float64:
		f = x
	case string:
		p, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return x, nil
		}
		f = p
	default:
		return v, nil
	}
	return dotnet.FormatNumber(f, "C")
}

// liquidString renders a value as the template output does.
func liquidString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// ---- dictionaries ----

// liquidDict is an ordered dictionary exposed to Liquid: JSON objects, XML
// elements and the context's objects and dictionaries. It implements the
// library's values.Value (member and index access) and its iteration
// interface (Len/Index, yielding {Key, Value} pairs).
type liquidDict struct {
	keys []string
	vals map[string]any
	fold bool   // look keys up ignoring case
	text string // what {{ dict }} renders; JSON when empty and not textual
	// textual marks dictionaries that render as text (URLs).
	textual bool
}

var _ values.Value = (*liquidDict)(nil)

func newDict(fold bool) *liquidDict { return &liquidDict{vals: map[string]any{}, fold: fold} }

// set adds or replaces a member, keeping the first position.
func (d *liquidDict) set(k string, v any) {
	if _, ok := d.vals[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.vals[k] = v
}

func (d *liquidDict) get(k string) (any, bool) {
	if v, ok := d.vals[k]; ok {
		return v, true
	}
	if d.fold {
		for _, key := range d.keys {
			if strings.EqualFold(key, k) {
				return d.vals[key], true
			}
		}
	}
	return nil, false
}

// Interface returns the dictionary itself, so that loops and filters see it.
func (d *liquidDict) Interface() any { return d }

// Int is 0: a dictionary is not a number.
func (d *liquidDict) Int() int { return 0 }

// Equal is identity.
func (d *liquidDict) Equal(o values.Value) bool { return o.Interface() == any(d) }

// Less is false: dictionaries do not order.
func (d *liquidDict) Less(values.Value) bool { return false }

// Contains reports whether the key is present.
func (d *liquidDict) Contains(k values.Value) bool {
	s, ok := k.Interface().(string)
	if !ok {
		return false
	}
	_, found := d.get(s)
	return found
}

// IndexValue is d["key"].
func (d *liquidDict) IndexValue(k values.Value) values.Value {
	s, ok := k.Interface().(string)
	if !ok {
		return values.ValueOf(nil)
	}
	v, _ := d.get(s)
	return values.ValueOf(v)
}

// PropertyValue is d.key; d.size is the member count unless a member has
// that name.
func (d *liquidDict) PropertyValue(k values.Value) values.Value {
	s, _ := k.Interface().(string)
	if v, ok := d.get(s); ok {
		return values.ValueOf(v)
	}
	if s == "size" {
		return values.ValueOf(len(d.keys))
	}
	return values.ValueOf(nil)
}

// Test is true: a dictionary is truthy.
func (d *liquidDict) Test() bool { return true }

// Len is the member count (for loops).
func (d *liquidDict) Len() int { return len(d.keys) }

// Index returns member i as a {Key, Value} pair (for loops).
func (d *liquidDict) Index(i int) any {
	p := newDict(false)
	p.set("Key", d.keys[i])
	p.set("Value", d.vals[d.keys[i]])
	return p
}

// String is what {{ dict }} renders: the text of textual objects (URLs),
// otherwise compact JSON.
func (d liquidDict) String() string {
	if d.textual {
		return d.text
	}
	var b bytes.Buffer
	writeLiquidJSON(&b, &d)
	return b.String()
}

func writeLiquidJSON(w *bytes.Buffer, v any) {
	switch x := v.(type) {
	case *liquidDict:
		if x.textual {
			writeLiquidJSON(w, x.text)
			return
		}
		w.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				w.WriteByte(',')
			}
			writeLiquidJSON(w, k)
			w.WriteByte(':')
			writeLiquidJSON(w, x.vals[k])
		}
		w.WriteByte('}')
	case []any:
		w.WriteByte('[')
		for i, it := range x {
			if i > 0 {
				w.WriteByte(',')
			}
			writeLiquidJSON(w, it)
		}
		w.WriteByte(']')
	case nil:
		w.WriteString("null")
	case string:
		b, _ := json.Marshal(x)
		w.Write(b)
	case bool, int, int64, float64:
		b, _ := json.Marshal(x)
		w.Write(b)
	default:
		b, _ := json.Marshal(liquidString(x))
		w.Write(b)
	}
}

// ---- body ----

// liquidBody parses the section's message body by its Content-Type; nil
// when there is no body or it is neither JSON nor XML.
func liquidBody(r *Run, nilAsNull, parseDate bool) (any, error) {
	var h *expressions.Headers
	if r.IsRequestSection() {
		if r.Ctx.Request != nil {
			h = r.Ctx.Request.Headers
		}
	} else if r.Ctx.Response != nil {
		h = r.Ctx.Response.Headers
	}
	b := targetBody(r)
	if b == nil || h == nil {
		return nil, nil
	}
	data := b.Bytes()
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	ct := ""
	if vs, ok := h.Values("Content-Type"); ok && len(vs) > 0 {
		ct = vs[0]
	}
	switch liquidMediaKind(ct) {
	case "json":
		return liquidParseJSON(data, parseDate)
	case "xml":
		return liquidParseXML(data, nilAsNull)
	}
	return nil, nil
}

// liquidMediaKind classifies a Content-Type as "json", "xml" or "".
func liquidMediaKind(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	switch {
	case mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json"):
		return "json"
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return "xml"
	}
	return ""
}

// liquidParseJSON parses a JSON body keeping member order. Strict JSON is
// read directly (strings kept as written unless parseDate makes ISO-8601
// ones DateTimes, as Newtonsoft does); lenient JSON Newtonsoft accepts
// (comments, single quotes) goes through the JToken parser.
func liquidParseJSON(data []byte, parseDate bool) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := liquidDecode(dec, parseDate)
	if err == nil {
		if _, err2 := dec.Token(); err2 == io.EOF {
			return v, nil
		}
	}
	tok, jerr := dotnet.ParseJSON(string(data), dotnet.ParseJToken)
	if jerr != nil {
		return nil, jerr
	}
	return liquidFromJToken(tok, parseDate), nil
}

func liquidDecode(dec *json.Decoder, parseDate bool) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch x := t.(type) {
	case json.Delim:
		switch x {
		case '{':
			d := newDict(false)
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := liquidDecode(dec, parseDate)
				if err != nil {
					return nil, err
				}
				d.set(k, v)
			}
			_, err := dec.Token()
			return d, err
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := liquidDecode(dec, parseDate)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := dec.Token()
			return arr, err
		}
		return nil, fmt.Errorf("unexpected %v", x)
	case json.Number:
		return liquidNumber(string(x)), nil
	case string:
		if parseDate {
			if d, ok := liquidISODate(x); ok {
				return d, nil
			}
		}
		return x, nil
	}
	return t, nil // bool or nil
}

// liquidNumber reads a JSON number as int64 when integral and in range,
// otherwise float64.
func liquidNumber(s string) any {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// liquidISODate recognises the strings Newtonsoft reads as dates, through
// the JToken parser.
func liquidISODate(s string) (dotnet.DateTime, bool) {
	if len(s) < 19 || s[0] < '0' || s[0] > '9' || s[10] != 'T' {
		return dotnet.DateTime{}, false
	}
	q, _ := json.Marshal(s)
	tok, err := dotnet.ParseJSON(string(q), dotnet.ParseJToken)
	if err != nil {
		return dotnet.DateTime{}, false
	}
	if jv, ok := tok.(*dotnet.JValue); ok && jv.Type() == dotnet.JTokenDate {
		if d, ok := jv.Value().(dotnet.DateTime); ok {
			return d, true
		}
	}
	return dotnet.DateTime{}, false
}

// liquidFromJToken converts a JSON token tree to Liquid values.
func liquidFromJToken(t dotnet.JToken, parseDate bool) any {
	switch x := t.(type) {
	case *dotnet.JObject:
		d := newDict(false)
		for _, p := range x.Properties() {
			d.set(p.Name(), liquidFromJToken(p.Value(), parseDate))
		}
		return d
	case *dotnet.JArray:
		arr := make([]any, 0, x.Count())
		for _, it := range x.Items() {
			arr = append(arr, liquidFromJToken(it, parseDate))
		}
		return arr
	case *dotnet.JProperty:
		return liquidFromJToken(x.Value(), parseDate)
	case *dotnet.JValue:
		return liquidScalar(x.Value(), parseDate)
	case nil:
		return nil
	}
	return t.String()
}

// liquidScalar maps a .NET scalar to a Liquid value.
func liquidScalar(v any, parseDate bool) any {
	switch x := v.(type) {
	case nil, string, bool, int64, float64:
		return x
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case float32:
		return float64(x)
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	case dotnet.DateTime:
		if parseDate {
			return x
		}
		s, _ := x.Format("yyyy-MM-ddTHH:mm:ss.FFFFFFFK")
		return s
	}
	return dotnet.ToString(v)
}

const xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"

// liquidParseXML maps an XML body to dictionaries: the root element under
// its local name.
func liquidParseXML(data []byte, nilAsNull bool) (any, error) {
	s := string(data)
	if i := strings.Index(s, "?>"); strings.HasPrefix(strings.TrimSpace(s), "<?xml") && i >= 0 {
		s = s[i+2:]
	}
	root, err := xmllinq.ParseXElement(strings.TrimSpace(s))
	if err != nil {
		return nil, err
	}
	d := newDict(false)
	d.set(root.Name().Local, liquidElement(root, nilAsNull))
	return d, nil
}

// liquidElement maps one element: its text when it has neither attributes
// nor child elements, otherwise a dictionary of attributes and children
// (repeated names become lists; text beside them is "#text").
func liquidElement(e *xmllinq.XElement, nilAsNull bool) any {
	if a := e.Attribute(xmllinq.XName{Namespace: xsiNamespace, Local: "nil"}); a != nil && strings.TrimSpace(a.Value()) == "true" {
		if nilAsNull {
			return nil
		}
		return ""
	}
	var attrs []*xmllinq.XAttribute
	for _, a := range e.Attributes() {
		n := a.Name()
		if n.Namespace == "http://www.w3.org/2000/xmlns/" || (n.Namespace == "" && n.Local == "xmlns") || n.Namespace == xsiNamespace {
			continue
		}
		attrs = append(attrs, a)
	}
	kids := e.Elements(nil)
	if len(attrs) == 0 && len(kids) == 0 {
		return e.Value()
	}
	d := newDict(false)
	for _, a := range attrs {
		d.set(a.Name().Local, a.Value())
	}
	lists := map[string]bool{} // child names already made lists
	for _, k := range kids {
		name, v := k.Name().Local, liquidElement(k, nilAsNull)
		prev, ok := d.vals[name]
		switch {
		case !ok:
			d.set(name, v)
		case lists[name]:
			d.vals[name] = append(prev.([]any), v)
		default:
			d.vals[name] = []any{prev, v}
			lists[name] = true
		}
	}
	if len(kids) == 0 {
		if t := strings.TrimSpace(e.Value()); t != "" {
			d.set("#text", e.Value())
		}
	}
	return d
}

// ---- context ----

// liquidContext builds the context object of one rendering.
func liquidContext(r *Run) *liquidDict {
	ctx := newDict(false)
	req := newDict(false)
	method := ""
	if q := r.Ctx.Request; q != nil {
		method = q.Method
		req.set("Url", liquidURL(q.URL))
		req.set("Method", q.Method)
		req.set("OriginalMethod", q.Method)
		req.set("OriginalUrl", liquidURL(q.OriginalURL))
		req.set("IpAddress", q.IPAddress)
		mp := newDict(true)
		if q.MatchedParameters != nil {
			for _, n := range q.MatchedParameters.Names {
				mp.set(n, q.MatchedParameters.Values[n])
			}
		}
		req.set("MatchedParameters", mp)
		req.set("HasBody", q.Body != nil && len(q.Body.Bytes()) > 0)
		certs := []any{}
		if q.Certificate != nil {
			certs = append(certs, liquidString(q.Certificate))
		}
		req.set("ClientCertificates", certs)
		req.set("Headers", liquidHeaders(q.Headers))
	}
	ctx.set("Request", req)
	resp := newDict(false)
	if p := r.Ctx.Response; p != nil && !r.IsRequestSection() {
		resp.set("StatusCode", int64(p.StatusCode))
		resp.set("Method", method)
		resp.set("Headers", liquidHeaders(p.Headers))
	}
	ctx.set("Response", resp)
	vars := newDict(false)
	if v := r.Ctx.Variables; v != nil {
		for _, n := range v.Names() {
			x, _ := v.Get(n)
			vars.set(n, liquidVariable(x))
		}
	}
	ctx.set("Variables", vars)
	return ctx
}

// liquidVariable maps a context variable to a Liquid value.
func liquidVariable(v any) any {
	if t, ok := v.(dotnet.JToken); ok {
		return liquidFromJToken(t, true)
	}
	return liquidScalar(v, true)
}

// liquidHeaders maps headers to a case-insensitive dictionary of
// comma-joined values, sorted by name.
func liquidHeaders(h *expressions.Headers) *liquidDict {
	d := newDict(true)
	if h == nil {
		return d
	}
	names := slices.Sorted(maps.Keys(h.H))
	for _, k := range names {
		d.set(k, strings.Join(h.H[k], ","))
	}
	return d
}

// liquidURL maps a URL to {Scheme, Host, Port, Path, Query, QueryString,
// ToUri, ToString}; it renders as the absolute URL.
func liquidURL(u *expressions.URL) any {
	if u == nil {
		return nil
	}
	d := newDict(false)
	s := u.String()
	d.set("Scheme", u.Scheme)
	d.set("Host", u.Host)
	d.set("Port", int64(u.Port))
	d.set("Path", u.Path)
	q := newDict(true)
	if u.Query != nil {
		for _, n := range u.Query.Names {
			q.set(n, strings.Join(u.Query.Values[n], ","))
		}
	}
	d.set("Query", q)
	d.set("QueryString", u.QueryString())
	d.set("ToUri", s)
	d.set("ToString", s)
	d.text, d.textual = s, true
	return d
}

// liquidJSONArrayFor is APIM's {% JSONArrayFor item in collection %} block:
// it renders its body for each item and joins the renderings with commas,
// so the template can write a JSON array ("[ {% JSONArrayFor … %} … ]").
func liquidJSONArrayFor(rc render.Context) (string, error) {
	args := strings.Fields(rc.TagArgs())
	if len(args) != 3 || args[1] != "in" {
		return "", fmt.Errorf("JSONArrayFor expects \"item in collection\", got %q", rc.TagArgs())
	}
	coll, err := rc.EvaluateString(args[2])
	if err != nil {
		return "", err
	}
	items := liquidItems(coll)
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		rc.Set(args[0], it)
		s, err := rc.InnerString()
		if err != nil {
			return "", err
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// liquidItems lists the elements of a sequence value (nil for anything else).
func liquidItems(v any) []any {
	if v == nil {
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out
}
