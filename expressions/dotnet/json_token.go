package dotnet

import (
	"iter"
	"math/big"
	"strconv"
	"strings"
)

// JTokenType is Newtonsoft.Json.Linq.JTokenType; its values print by name.
type JTokenType int

// JTokenType values, numbered as in Newtonsoft.Json.
const (
	JTokenNone JTokenType = iota
	JTokenObject
	JTokenArray
	JTokenConstructor
	JTokenProperty
	JTokenComment
	JTokenInteger
	JTokenFloat
	JTokenString
	JTokenBoolean
	JTokenNull
	JTokenUndefined
	JTokenDate
	JTokenRaw
	JTokenBytes
	JTokenGuid
	JTokenUri
	JTokenTimeSpan
)

var jsonTokenTypeNames = [...]string{"None", "Object", "Array", "Constructor", "Property", "Comment",
	"Integer", "Float", "String", "Boolean", "Null", "Undefined", "Date", "Raw", "Bytes", "Guid", "Uri", "TimeSpan"}

// String returns the enum member's name, as Enum.ToString does.
func (t JTokenType) String() string {
	if t >= 0 && int(t) < len(jsonTokenTypeNames) {
		return jsonTokenTypeNames[t]
	}
	return strconv.Itoa(int(t))
}

// JToken is a node of the Newtonsoft LINQ-to-JSON tree: *JObject, *JArray,
// *JProperty, *JValue or *JRaw. A JSON null is a *JValue of type Null, never
// a nil JToken inside a container.
type JToken interface {
	// Type returns the node's JTokenType.
	Type() JTokenType
	// Parent returns the containing *JObject, *JArray or *JProperty, or nil.
	Parent() JToken
	// String is JToken.ToString(): indented JSON, or a JValue's raw value.
	String() string
	base() *jsonNode
}

// jsonNode holds what every token has: its parent link.
type jsonNode struct{ parent JToken }

func (n *jsonNode) base() *jsonNode { return n }

// Parent returns the containing token, or nil for a root.
func (n *jsonNode) Parent() JToken { return n.parent }

// JObject is Newtonsoft.Json.Linq.JObject: ordered properties with
// case-sensitive, unique names.
type JObject struct {
	jsonNode
	props []*JProperty
	index map[string]*JProperty
}

// JArray is Newtonsoft.Json.Linq.JArray.
type JArray struct {
	jsonNode
	items []JToken
}

// JProperty is Newtonsoft.Json.Linq.JProperty: a name and its value.
type JProperty struct {
	jsonNode
	name  string
	value JToken
}

// JValue is Newtonsoft.Json.Linq.JValue. Its Go value depends on its type:
// Integer int64 (or *big.Int), Float float64 (float32, Decimal), String
// string, Boolean bool, Null and Undefined nil, Date DateTime (or
// DateTimeOffset), Guid Guid, TimeSpan TimeSpan, Bytes []byte, Uri the Uri
// value, Comment and Raw string.
type JValue struct {
	jsonNode
	typ JTokenType
	v   any
}

// JRaw is Newtonsoft.Json.Linq.JRaw: JSON text written verbatim.
type JRaw struct {
	JValue
}

// JSONMarshaler is implemented by runtime values that know their JSON form;
// FromObject and SerializeObject use it.
type JSONMarshaler interface {
	ToJToken() (JToken, error)
}

// JSONEntries is implemented by dictionary-like runtime values so that
// FromObject and SerializeObject write them as JSON objects, in order.
type JSONEntries interface {
	JSONEntries() iter.Seq2[string, any]
}

// JSONNewLine is the line break of indented JSON and XML output. Newtonsoft
// writes Environment.NewLine ("\r\n" on Windows); APIM does not document it.
var JSONNewLine = "\n"

// NewJObject returns an empty object.
func NewJObject() *JObject { return &JObject{index: map[string]*JProperty{}} }

// NewJArray returns an array holding the given tokens (copied when they
// already have a parent, as Newtonsoft does).
func NewJArray(items ...JToken) *JArray {
	a := &JArray{}
	for _, it := range items {
		a.Append(it)
	}
	return a
}

// NewJProperty returns a property; a nil value becomes a JSON null.
func NewJProperty(name string, value JToken) *JProperty {
	p := &JProperty{name: name}
	p.SetValue(value)
	return p
}

// NewJValue wraps a .NET primitive (string, number, bool, nil, DateTime,
// Guid, TimeSpan, byte[], Uri) in a JValue.
func NewJValue(v any) (*JValue, error) {
	t, gv, ok := jsonPrimitive(v)
	if !ok {
		return nil, Throw("System.ArgumentException", "Could not determine JSON object type for type %s.", TypeOf(v).FullNameOrArray())
	}
	return &JValue{typ: t, v: gv}, nil
}

// JString, JInt, JFloat, JBool and JNull build JValues directly.
func JString(s string) *JValue { return &JValue{typ: JTokenString, v: s} }

// JInt returns an Integer JValue.
func JInt(i int64) *JValue { return &JValue{typ: JTokenInteger, v: i} }

// JFloat returns a Float JValue.
func JFloat(f float64) *JValue { return &JValue{typ: JTokenFloat, v: f} }

// JBool returns a Boolean JValue.
func JBool(b bool) *JValue { return &JValue{typ: JTokenBoolean, v: b} }

// JNull returns a new Null JValue.
func JNull() *JValue { return &JValue{typ: JTokenNull} }

// jsonPrimitive classifies a Go value as a JValue payload.
func jsonPrimitive(v any) (JTokenType, any, bool) {
	switch x := v.(type) {
	case nil:
		return JTokenNull, nil, true
	case string:
		return JTokenString, x, true
	case Char:
		return JTokenString, FromUTF16([]uint16{uint16(x)}), true
	case bool:
		return JTokenBoolean, x, true
	case int:
		return JTokenInteger, int64(x), true
	case int8:
		return JTokenInteger, int64(x), true
	case int16:
		return JTokenInteger, int64(x), true
	case int32:
		return JTokenInteger, int64(x), true
	case int64:
		return JTokenInteger, x, true
	case uint8:
		return JTokenInteger, int64(x), true
	case uint16:
		return JTokenInteger, int64(x), true
	case uint32:
		return JTokenInteger, int64(x), true
	case uint64:
		if x > 1<<63-1 {
			return JTokenInteger, new(big.Int).SetUint64(x), true
		}
		return JTokenInteger, int64(x), true
	case *big.Int:
		return JTokenInteger, x, true
	case float64:
		return JTokenFloat, x, true
	case float32:
		return JTokenFloat, x, true
	case Decimal:
		return JTokenFloat, x, true
	case DateTime, DateTimeOffset:
		return JTokenDate, x, true
	case Guid:
		return JTokenGuid, x, true
	case TimeSpan:
		return JTokenTimeSpan, x, true
	case []byte:
		return JTokenBytes, x, true
	}
	if v != nil && TypeOf(v).FullName == "System.Uri" {
		return JTokenUri, v, true
	}
	return 0, nil, false
}

// ---- JToken basics ----

// Type returns JTokenType.Object.
func (o *JObject) Type() JTokenType { return JTokenObject }

// Type returns JTokenType.Array.
func (a *JArray) Type() JTokenType { return JTokenArray }

// Type returns JTokenType.Property.
func (p *JProperty) Type() JTokenType { return JTokenProperty }

// Type returns the value's JTokenType.
func (v *JValue) Type() JTokenType { return v.typ }

// Value returns the Go value a JValue holds.
func (v *JValue) Value() any { return v.v }

// SetValue replaces the value (and the type) of a JValue.
func (v *JValue) SetValue(x any) error {
	if j, ok := x.(*JValue); ok {
		v.typ, v.v = j.typ, j.v
		return nil
	}
	t, gv, ok := jsonPrimitive(x)
	if !ok {
		return Throw("System.ArgumentException", "Could not determine JSON object type for type %s.", TypeOf(x).FullNameOrArray())
	}
	v.typ, v.v = t, gv
	return nil
}

// Name returns the property name.
func (p *JProperty) Name() string { return p.name }

// Value returns the property value (a Null JValue for JSON null).
func (p *JProperty) Value() JToken { return p.value }

// SetValue replaces the property value; nil becomes a JSON null.
func (p *JProperty) SetValue(t JToken) {
	if t == nil {
		t = JNull()
	}
	t = jsonAdopt(p, t)
	if p.value != nil && p.value != t {
		p.value.base().parent = nil
	}
	p.value = t
}

// jsonAdopt makes t a child of parent, cloning it first if it already
// belongs to another container.
func jsonAdopt(parent, t JToken) JToken {
	if t.Parent() != nil || t == parent {
		t = JSONClone(t)
	}
	t.base().parent = parent
	return t
}

// ---- JObject ----

// Count returns the number of properties.
func (o *JObject) Count() int { return len(o.props) }

// Properties returns the properties in order.
func (o *JObject) Properties() []*JProperty { return o.props }

// Property returns the named property, or nil.
func (o *JObject) Property(name string) *JProperty {
	if o.index == nil {
		return nil
	}
	return o.index[name]
}

// Get returns the value of the named property, or nil when absent.
func (o *JObject) Get(name string) JToken {
	if p := o.Property(name); p != nil {
		return p.value
	}
	return nil
}

// Set sets the named property's value, adding the property if absent.
func (o *JObject) Set(name string, t JToken) {
	if p := o.Property(name); p != nil {
		p.SetValue(t)
		return
	}
	o.appendProp(NewJProperty(name, t))
}

// Add adds a property; it fails when the name is already taken.
func (o *JObject) Add(name string, t JToken) error {
	if o.Property(name) != nil {
		return jsonDuplicateProp(name)
	}
	o.appendProp(NewJProperty(name, t))
	return nil
}

func jsonDuplicateProp(name string) *Exception {
	return Throw("System.ArgumentException", "Can not add property %s to Newtonsoft.Json.Linq.JObject. Property with the same name already exists on object.", name)
}

// AddProperty adds a JProperty (cloned when it already has a parent).
func (o *JObject) AddProperty(p *JProperty) error {
	if o.Property(p.name) != nil {
		return jsonDuplicateProp(p.name)
	}
	o.insertProp(len(o.props), p)
	return nil
}

func (o *JObject) appendProp(p *JProperty) { o.insertProp(len(o.props), p) }

func (o *JObject) insertProp(i int, p *JProperty) {
	if o.index == nil {
		o.index = map[string]*JProperty{}
	}
	p = jsonAdopt(o, p).(*JProperty)
	o.props = append(o.props, nil)
	copy(o.props[i+1:], o.props[i:])
	o.props[i] = p
	o.index[p.name] = p
}

// Remove removes the named property and reports whether it existed.
func (o *JObject) Remove(name string) bool {
	p := o.Property(name)
	if p == nil {
		return false
	}
	o.removeProp(p)
	return true
}

func (o *JObject) removeProp(p *JProperty) {
	for i, q := range o.props {
		if q == p {
			o.props = append(o.props[:i:i], o.props[i+1:]...)
			break
		}
	}
	delete(o.index, p.name)
	p.parent = nil
}

// Iter enumerates KeyValuePair<string, JToken> entries, as foreach over a
// JObject does in .NET.
func (o *JObject) Iter() iter.Seq[any] {
	return func(yield func(any) bool) {
		for _, p := range o.snapshot() {
			if !yield(&JSONKeyValue{Key: p.name, Value: p.value}) {
				return
			}
		}
	}
}

func (o *JObject) snapshot() []*JProperty { return append([]*JProperty(nil), o.props...) }

// JSONKeyValue is the KeyValuePair<string, JToken> that enumerating a
// JObject yields.
type JSONKeyValue struct {
	Key   string
	Value JToken
}

// String prints "[key, value]" as KeyValuePair.ToString does.
func (kv *JSONKeyValue) String() string {
	v := ""
	if kv.Value != nil {
		v = kv.Value.String()
	}
	return "[" + kv.Key + ", " + v + "]"
}

// ---- JArray ----

// Count returns the number of items.
func (a *JArray) Count() int { return len(a.items) }

// Items returns the items in order.
func (a *JArray) Items() []JToken { return a.items }

// At returns item i, or nil when out of range.
func (a *JArray) At(i int) JToken {
	if i < 0 || i >= len(a.items) {
		return nil
	}
	return a.items[i]
}

// Append adds a token at the end; nil becomes a JSON null.
func (a *JArray) Append(t JToken) { _ = a.Insert(len(a.items), t) }

// Insert inserts a token at index i.
func (a *JArray) Insert(i int, t JToken) error {
	if i < 0 || i > len(a.items) {
		return Throw("System.ArgumentOutOfRangeException", "Index is greater than the number of children. (Parameter 'index')")
	}
	if t == nil {
		t = JNull()
	}
	t = jsonAdopt(a, t)
	a.items = append(a.items, nil)
	copy(a.items[i+1:], a.items[i:])
	a.items[i] = t
	return nil
}

// SetAt replaces item i.
func (a *JArray) SetAt(i int, t JToken) error {
	if i < 0 || i >= len(a.items) {
		return OutOfRange("index")
	}
	if t == nil {
		t = JNull()
	}
	t = jsonAdopt(a, t)
	a.items[i].base().parent = nil
	a.items[i] = t
	return nil
}

// RemoveAt removes item i.
func (a *JArray) RemoveAt(i int) error {
	if i < 0 || i >= len(a.items) {
		return OutOfRange("index")
	}
	a.items[i].base().parent = nil
	a.items = append(a.items[:i:i], a.items[i+1:]...)
	return nil
}

// IndexOf returns the index of the token (by reference), or -1.
func (a *JArray) IndexOf(t JToken) int {
	for i, x := range a.items {
		if x == t {
			return i
		}
	}
	return -1
}

// Iter enumerates the items.
func (a *JArray) Iter() iter.Seq[any] {
	return func(yield func(any) bool) {
		for _, t := range append([]JToken(nil), a.items...) {
			if !yield(t) {
				return
			}
		}
	}
}

// Iter enumerates the property's single child, its value.
func (p *JProperty) Iter() iter.Seq[any] {
	return func(yield func(any) bool) { yield(p.value) }
}

// Iter enumerates nothing: a JValue has no children.
func (v *JValue) Iter() iter.Seq[any] { return func(func(any) bool) {} }

// ---- tree operations ----

// JSONChildren returns the children of a token: an object's properties, an
// array's items, a property's value; none for a value.
func JSONChildren(t JToken) []JToken {
	switch x := t.(type) {
	case *JObject:
		out := make([]JToken, len(x.props))
		for i, p := range x.props {
			out[i] = p
		}
		return out
	case *JArray:
		return append([]JToken(nil), x.items...)
	case *JProperty:
		return []JToken{x.value}
	}
	return nil
}

// JSONClone copies a token and all its descendants; the copy has no parent.
func JSONClone(t JToken) JToken {
	switch x := t.(type) {
	case *JObject:
		o := NewJObject()
		for _, p := range x.props {
			o.appendProp(JSONClone(p).(*JProperty))
		}
		return o
	case *JArray:
		a := &JArray{}
		for _, it := range x.items {
			a.Append(JSONClone(it))
		}
		return a
	case *JProperty:
		return NewJProperty(x.name, JSONClone(x.value))
	case *JRaw:
		return &JRaw{JValue{typ: x.typ, v: x.v}}
	case *JValue:
		return &JValue{typ: x.typ, v: x.v}
	}
	return t
}

// JSONRemove removes a token from its parent (JToken.Remove()).
func JSONRemove(t JToken) error {
	switch p := t.Parent().(type) {
	case nil:
		return Throw("System.InvalidOperationException", "The parent is missing.")
	case *JObject:
		p.removeProp(t.(*JProperty))
	case *JArray:
		return p.RemoveAt(p.IndexOf(t))
	case *JProperty:
		return Throw("System.InvalidOperationException", "Cannot add or remove items from Newtonsoft.Json.Linq.JProperty.")
	}
	return nil
}

// JSONReplace replaces a token in its parent with another (JToken.Replace).
func JSONReplace(t, with JToken) error {
	if with == nil {
		with = JNull()
	}
	switch p := t.Parent().(type) {
	case nil:
		return Throw("System.InvalidOperationException", "The parent is missing.")
	case *JObject:
		np, ok := with.(*JProperty)
		if !ok {
			return Throw("System.ArgumentException", "Can not add %s to Newtonsoft.Json.Linq.JObject.", jsonGoTypeName(with))
		}
		i := jsonPropIndex(p, t.(*JProperty))
		if q := p.Property(np.name); q != nil && q != t {
			return jsonDuplicateProp(np.name)
		}
		p.removeProp(t.(*JProperty))
		p.insertProp(i, np)
	case *JArray:
		return p.SetAt(p.IndexOf(t), with)
	case *JProperty:
		p.SetValue(with)
	}
	return nil
}

func jsonPropIndex(o *JObject, p *JProperty) int {
	for i, q := range o.props {
		if q == p {
			return i
		}
	}
	return len(o.props)
}

// jsonSiblings returns the container's children and t's index among them.
func jsonSiblings(t JToken) ([]JToken, int) {
	p := t.Parent()
	if p == nil {
		return nil, -1
	}
	if _, ok := p.(*JProperty); ok {
		return nil, -1
	}
	kids := JSONChildren(p)
	for i, k := range kids {
		if k == t {
			return kids, i
		}
	}
	return nil, -1
}

// JSONNext returns the next sibling, or nil.
func JSONNext(t JToken) JToken {
	kids, i := jsonSiblings(t)
	if i < 0 || i+1 >= len(kids) {
		return nil
	}
	return kids[i+1]
}

// JSONPrevious returns the previous sibling, or nil.
func JSONPrevious(t JToken) JToken {
	kids, i := jsonSiblings(t)
	if i <= 0 {
		return nil
	}
	return kids[i-1]
}

// JSONRoot returns the topmost ancestor (or t itself).
func JSONRoot(t JToken) JToken {
	for t.Parent() != nil {
		t = t.Parent()
	}
	return t
}

// JSONPath returns the token's JSONPath from its root, as JToken.Path does:
// "a.b[0]", "['a b']".
func JSONPath(t JToken) string {
	var parts []JToken
	for x := t; x != nil; x = x.Parent() {
		parts = append(parts, x)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		x := parts[i]
		switch p := x.Parent().(type) {
		case *JProperty:
			_ = p // a property's value adds nothing beyond the property
		case *JArray:
			b.WriteString("[" + strconv.Itoa(p.IndexOf(x)) + "]")
		case *JObject:
			jsonWritePathName(&b, x.(*JProperty).name)
		}
	}
	return b.String()
}

func jsonWritePathName(b *strings.Builder, name string) {
	if strings.ContainsAny(name, ".' /\"[]()\t\n\r\f\b\\\u0085\u2028\u2029") {
		b.WriteString("['")
		jsonEscapeTo(b, name, '\'')
		b.WriteString("']")
		return
	}
	if b.Len() > 0 {
		b.WriteByte('.')
	}
	b.WriteString(name)
}

// jsonGoTypeName is the .NET full name of a token's class.
func jsonGoTypeName(t any) string {
	switch t.(type) {
	case *JObject:
		return "Newtonsoft.Json.Linq.JObject"
	case *JArray:
		return "Newtonsoft.Json.Linq.JArray"
	case *JProperty:
		return "Newtonsoft.Json.Linq.JProperty"
	case *JRaw:
		return "Newtonsoft.Json.Linq.JRaw"
	case *JValue:
		return "Newtonsoft.Json.Linq.JValue"
	}
	return TypeOf(t).FullNameOrArray()
}

// ---- equality ----

// EqualsValue reports whether other is a JValue with an equal value
// (JValue.Equals).
func (v *JValue) EqualsValue(other any) bool {
	o, ok := other.(*JValue)
	if !ok {
		if r, ok2 := other.(*JRaw); ok2 {
			o = &r.JValue
		} else {
			return false
		}
	}
	return jsonValueEquals(v, o)
}

// JSONEquals reports whether two tokens are deeply equal (JToken.DeepEquals):
// same structure, same property names and order-insensitive object
// properties, equal values. Non-token arguments are compared as JValues.
func JSONEquals(a, b any) bool {
	ta, oka := jsonAsToken(a)
	tb, okb := jsonAsToken(b)
	if !oka || !okb {
		return false
	}
	if ta == nil || tb == nil {
		return ta == nil && tb == nil
	}
	switch x := ta.(type) {
	case *JObject:
		y, ok := tb.(*JObject)
		if !ok || len(x.props) != len(y.props) {
			return false
		}
		for _, p := range x.props {
			q := y.Property(p.name)
			if q == nil || !JSONEquals(p.value, q.value) {
				return false
			}
		}
		return true
	case *JArray:
		y, ok := tb.(*JArray)
		if !ok || len(x.items) != len(y.items) {
			return false
		}
		for i := range x.items {
			if !JSONEquals(x.items[i], y.items[i]) {
				return false
			}
		}
		return true
	case *JProperty:
		y, ok := tb.(*JProperty)
		return ok && x.name == y.name && JSONEquals(x.value, y.value)
	case *JRaw:
		return tb.(interface{ EqualsValue(any) bool }).EqualsValue(&x.JValue) && tb.Type() == JTokenRaw
	case *JValue:
		switch y := tb.(type) {
		case *JValue:
			return jsonValueEquals(x, y)
		case *JRaw:
			return jsonValueEquals(x, &y.JValue)
		}
	}
	return false
}

func jsonAsToken(v any) (JToken, bool) {
	if v == nil {
		return nil, true
	}
	if t, ok := v.(JToken); ok {
		return t, true
	}
	jv, err := NewJValue(v)
	if err != nil {
		return nil, false
	}
	return jv, true
}

func jsonValueEquals(a, b *JValue) bool {
	if a == b {
		return true
	}
	if a.typ == JTokenNull || a.typ == JTokenUndefined || b.typ == JTokenNull || b.typ == JTokenUndefined {
		return (a.typ == JTokenNull || a.typ == JTokenUndefined) == (b.typ == JTokenNull || b.typ == JTokenUndefined) && a.typ == b.typ
	}
	// Newtonsoft's ValuesEquals: the same token type, then equal values, so
	// 1, 1.0 and "1" are three distinct values.
	if a.typ != b.typ {
		return false
	}
	an := a.typ == JTokenInteger || a.typ == JTokenFloat
	bn := b.typ == JTokenInteger || b.typ == JTokenFloat
	if an || bn {
		if !an || !bn {
			return false
		}
		if a.typ == JTokenInteger && b.typ == JTokenInteger {
			ai, bi := jsonBigOf(a.v), jsonBigOf(b.v)
			return ai.Cmp(bi) == 0
		}
		af, _ := jsonFloatOf(a.v)
		bf, _ := jsonFloatOf(b.v)
		return af == bf
	}
	if a.typ != b.typ {
		// Newtonsoft compares strings to Guid/Uri/TimeSpan by their text.
		if a.typ == JTokenString || b.typ == JTokenString {
			return jsonInvariantString(a.v) == jsonInvariantString(b.v) && a.typ != JTokenDate && b.typ != JTokenDate
		}
		return false
	}
	switch x := a.v.(type) {
	case []byte:
		y, _ := b.v.([]byte)
		return string(x) == string(y)
	case DateTime:
		y, ok := b.v.(DateTime)
		if !ok {
			return false
		}
		return x.T.Equal(y.T)
	case DateTimeOffset:
		y, ok := b.v.(DateTimeOffset)
		return ok && x.T.Equal(y.T)
	}
	if ev, ok := a.v.(interface{ EqualsValue(any) bool }); ok {
		return ev.EqualsValue(b.v)
	}
	return a.v == b.v
}

func jsonBigOf(v any) *big.Int {
	switch x := v.(type) {
	case int64:
		return big.NewInt(x)
	case *big.Int:
		return x
	}
	return new(big.Int)
}

// jsonFloatOf converts a numeric payload to float64.
func jsonFloatOf(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case Decimal:
		f, _ := x.D.Float64()
		return f, true
	}
	return 0, false
}
