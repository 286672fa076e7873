package dotnet

import (
	"fmt"
	"iter"
	"reflect"
	"strings"
	"sync"
)

// Type describes a .NET type that expressions may name or hold.
type Type struct {
	Name      string  // simple C# name, generic arity as "List`1"
	FullName  string  // "System.String", "Newtonsoft.Json.Linq.JObject"
	Keyword   string  // C# keyword alias: "string", "int", "object"
	Base      *Type   // base class, nil for object
	Ifaces    []*Type // implemented interfaces (IEnumerable for LINQ, ...)
	Interface bool    // an interface type
	Generic   *Type   // the open generic definition, for constructed types
	Args      []*Type // type arguments of a constructed type (List<string>: [string])
	Elem      *Type   // element type of an array type
	Nullable  bool    // Nullable<T>: Elem is T
	Enum      bool    // enum type: its values are in StaticProps
	ValueType bool    // struct or primitive

	// GoType is the Go type of values of this .NET type; TypeOf maps it back.
	// Several .NET types may share no Go type; nil for interfaces.
	GoType reflect.Type

	Methods     map[string][]*Method // instance methods (and extension methods declared on this type)
	Props       map[string]*Prop     // instance properties and fields
	Indexers    []*Method            // this[...] getters (Set for setters)
	Static      map[string][]*Method // static methods
	StaticProps map[string]*Prop     // static properties, fields, constants and enum values
	Ctors       []*Method            // constructors

	// Is reports whether a value is of this type (for is/as/casts and catch).
	// nil means: TypeOf(v) is this type or derives from it.
	Is func(v any) bool
}

// Param is a parameter of a method.
type Param struct {
	Name     string
	Type     *Type // nil: any value (object)
	Optional bool  // has a default; Default is passed when omitted
	Default  any
	Out      bool // out or ref: the argument is a *any
	Params   bool // params T[]: the rest of the arguments (last parameter only)
}

// Method is a constructor, method or indexer with one signature (overloads are
// separate Methods under the same name).
type Method struct {
	Name       string
	Params     []Param
	TypeParams int  // generic method arity: As<T> is 1; Fn receives the *Type values first
	Extension  bool // called as an instance method on Params[0]'s type (recv is passed as recv)
	Result     *Type
	// ResultOf computes the result type of a generic member from the static
	// receiver type and the method's type arguments; nil means Result.
	ResultOf func(recv *Type, typeArgs []*Type) *Type
	// Fn runs the method. recv is nil for static methods and constructors. For
	// a generic method, args starts with its TypeParams type arguments (*Type).
	// Omitted optional parameters are filled with their Default; a params
	// parameter receives its values as one []any.
	Fn func(recv any, args []any) (any, error)
	// FnB, when set, is Fn given the evaluation's budget; the compiler calls
	// it instead of Fn (which other callers use, with no budget).
	FnB func(b *Budget, recv any, args []any) (any, error)
}

// Prop is a property, field, constant or enum value.
type Prop struct {
	Name   string
	Type   *Type
	Get    func(recv any) (any, error) // recv is nil for static members
	Set    func(recv any, v any) error // nil: read-only
	Static bool
}

// Func is a delegate value: a lambda compiled by the expression compiler.
type Func interface {
	Call(args ...any) (any, error)
	Arity() int
}

// Iterable is implemented by collection types to be enumerable by foreach
// and LINQ.
type Iterable interface {
	Iter() iter.Seq[any]
}

// Char is a .NET char (a UTF-16 code unit).
type Char uint16

// ---- registry ----

var (
	regMu   sync.RWMutex
	byName  = map[string]*Type{} // simple name, full name and keyword
	byGo    = map[reflect.Type]*Type{}
	generic = map[string]map[string]*Type{} // constructed generic cache
)

// Register adds a type to the registry under its Name, FullName and Keyword.
// It panics if one of them is already taken: registrations happen in init.
func Register(t *Type) *Type {
	regMu.Lock()
	defer regMu.Unlock()
	for _, n := range []string{t.Name, t.FullName, t.Keyword} {
		if n == "" {
			continue
		}
		if old, ok := byName[n]; ok && old != t {
			panic("dotnet: type " + n + " registered twice")
		}
		byName[n] = t
	}
	if t.GoType != nil {
		if _, ok := byGo[t.GoType]; !ok {
			byGo[t.GoType] = t
		}
	}
	return t
}

// Lookup finds a registered type by C# keyword, simple name ("JObject",
// "List`1") or full name ("System.Text.Encoding").
func Lookup(name string) *Type {
	regMu.RLock()
	defer regMu.RUnlock()
	return byName[name]
}

// Types returns every registered type once.
func Types() []*Type {
	regMu.RLock()
	defer regMu.RUnlock()
	seen := map[*Type]bool{}
	var out []*Type
	for _, t := range byName {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// ByGoType returns the type registered for a Go type, or nil.
func ByGoType(rt reflect.Type) *Type {
	regMu.RLock()
	defer regMu.RUnlock()
	return byGo[rt]
}

// Instantiate returns the constructed generic type def<args...>, creating and
// caching it on first use. Members are shared with def; ResultOf functions see
// the constructed type as their receiver and read its Args.
func Instantiate(def *Type, args ...*Type) *Type {
	key := ""
	for i, a := range args {
		if i > 0 {
			key += ","
		}
		key += a.String()
	}
	regMu.Lock()
	defer regMu.Unlock()
	m := generic[def.FullName]
	if m == nil {
		m = map[string]*Type{}
		generic[def.FullName] = m
	}
	if t, ok := m[key]; ok {
		return t
	}
	t := *def
	t.Generic = def
	t.Args = args
	m[key] = &t
	return &t
}

// ArrayOf returns the array type T[].
func ArrayOf(elem *Type) *Type { return Instantiate(Array, elem) }

// NullableOf returns T? for a value type T (T itself otherwise).
func NullableOf(t *Type) *Type {
	if !t.ValueType || t.Nullable {
		return t
	}
	return Instantiate(NullableDef, t)
}

// String renders the type as C# writes it: "string", "List<JToken>", "int[]".
func (t *Type) String() string {
	if t == nil {
		return "object"
	}
	if t.Generic == Array && len(t.Args) == 1 {
		return t.Args[0].String() + "[]"
	}
	if t.Generic == NullableDef && len(t.Args) == 1 {
		return t.Args[0].String() + "?"
	}
	name := t.Name
	if t.Keyword != "" {
		name = t.Keyword
	}
	if i := strings.IndexByte(name, '`'); i >= 0 {
		name = name[:i]
	}
	if len(t.Args) == 0 {
		return name
	}
	parts := make([]string, len(t.Args))
	for i, a := range t.Args {
		parts[i] = a.String()
	}
	return name + "<" + strings.Join(parts, ", ") + ">"
}

// Arg returns the i-th type argument of a constructed type, or Object.
func (t *Type) Arg(i int) *Type {
	if t != nil && i < len(t.Args) && t.Args[i] != nil {
		return t.Args[i]
	}
	return Object
}

// AssignableTo reports whether a value of static type t can be used where u is
// expected without an explicit cast (identity, base classes, interfaces,
// object). Numeric widening is the compiler's business.
func (t *Type) AssignableTo(u *Type) bool {
	if u == nil || u == Object || t == u {
		return true
	}
	if t == nil {
		return false
	}
	if t.Generic != nil && u.Generic == nil && t.Generic == u {
		return true
	}
	for b := t; b != nil; b = b.Base {
		if b == u || (b.Generic != nil && b.Generic == u.Generic && sameArgs(b.Args, u.Args)) {
			return true
		}
		for _, i := range b.Ifaces {
			if i == u || (u.Generic != nil && i == u.Generic) || i.AssignableTo(u) {
				return true
			}
		}
	}
	return false
}

func sameArgs(a, b []*Type) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FindMethods returns the overloads of an instance method named name on t,
// searching t, its generic definition, its bases and interfaces, and finally
// object. Interface types with methods declared on them (IEnumerable's LINQ)
// contribute their extension methods.
func (t *Type) FindMethods(name string) []*Method {
	var out []*Method
	seen := map[*Type]bool{}
	var walk func(x *Type)
	walk = func(x *Type) {
		if x == nil || seen[x] {
			return
		}
		seen[x] = true
		out = append(out, x.Methods[name]...)
		if x.Generic != nil {
			walk(x.Generic)
		}
		walk(x.Base)
		for _, i := range x.Ifaces {
			walk(i)
		}
	}
	walk(t)
	if t != Object {
		walk(Object)
	}
	return out
}

// FindProp returns the instance property name of t or of one of its bases.
func (t *Type) FindProp(name string) *Prop {
	for x := t; x != nil; x = x.Base {
		if p := x.Props[name]; p != nil {
			return p
		}
		if x.Generic != nil {
			if p := x.Generic.Props[name]; p != nil {
				return p
			}
		}
		for _, i := range x.Ifaces {
			if p := i.FindProp(name); p != nil {
				return p
			}
		}
	}
	return nil
}

// FindIndexers returns the indexers of t or its bases.
func (t *Type) FindIndexers() []*Method {
	for x := t; x != nil; x = x.Base {
		if len(x.Indexers) > 0 {
			return x.Indexers
		}
		if x.Generic != nil && len(x.Generic.Indexers) > 0 {
			return x.Generic.Indexers
		}
		for _, i := range x.Ifaces {
			if ix := i.FindIndexers(); len(ix) > 0 {
				return ix
			}
		}
	}
	return nil
}

// ---- exceptions ----

// Exception is a .NET exception raised by runtime code or by a throw
// statement. Type is the exception's full type name.
type Exception struct {
	Type    string // "System.FormatException"
	Message string
	Inner   error
}

func (e *Exception) Error() string {
	return e.Type + ": " + e.Message
}

// Unwrap returns the inner exception.
func (e *Exception) Unwrap() error { return e.Inner }

// Throw builds an exception of a .NET type with a formatted message.
func Throw(typ, format string, args ...any) *Exception {
	return &Exception{Type: typ, Message: fmt.Sprintf(format, args...)}
}

// Common exception constructors with .NET's messages.
func NullReference() *Exception {
	return Throw("System.NullReferenceException", "Object reference not set to an instance of an object.")
}

// InvalidCast is the exception of a failed cast.
func InvalidCast(from, to string) *Exception {
	return Throw("System.InvalidCastException", "Unable to cast object of type '%s' to type '%s'.", from, to)
}

// KeyNotFound is the exception of a missing dictionary key.
func KeyNotFound(key any) *Exception {
	return Throw("System.Collections.Generic.KeyNotFoundException", "The given key '%v' was not present in the dictionary.", key)
}

// ArgumentNull is the exception of a null argument.
func ArgumentNull(param string) *Exception {
	return Throw("System.ArgumentNullException", "Value cannot be null. (Parameter '%s')", param)
}

// OutOfRange is the exception of an index out of range.
func OutOfRange(param string) *Exception {
	return Throw("System.ArgumentOutOfRangeException", "Index was out of range. Must be non-negative and less than the size of the collection. (Parameter '%s')", param)
}

// FormatError is a System.FormatException.
func FormatError(msg string) *Exception { return Throw("System.FormatException", "%s", msg) }

// ---- user-defined conversions ----

// Conversion converts a value to another type (a C# implicit or explicit
// conversion operator, such as JToken's (string) and (int) casts).
type Conversion func(v any) (any, error)

type convKey struct{ from, to *Type }

var conversions = map[convKey]Conversion{}

// AddConversion registers a conversion operator from one type (or a base of
// the runtime type) to another. Register from init only.
func AddConversion(from, to *Type, fn Conversion) {
	conversions[convKey{from, to}] = fn
}

// FindConversion returns the conversion operator for a value of type from
// (or one of its bases) to type to, or nil.
func FindConversion(from, to *Type) Conversion {
	for t := from; t != nil; t = t.Base {
		if fn := conversions[convKey{t, to}]; fn != nil {
			return fn
		}
		if t.Generic != nil {
			if fn := conversions[convKey{t.Generic, to}]; fn != nil {
				return fn
			}
		}
	}
	return nil
}
