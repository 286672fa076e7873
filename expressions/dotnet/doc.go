// Package dotnet is the runtime of the .NET surface that APIM policy
// expressions may use: the allowed types, their members with .NET semantics,
// and the registry the expression compiler resolves names against.
//
// Each type is declared once as a *Type (its members and their static
// signatures) and registered from an init function in the file that
// implements it, so the compiler can check a member at load time and the
// runtime can dispatch on a value's dynamic type.
//
// Value conventions (a Go value stands for a .NET value):
//
//	null               nil
//	bool               bool
//	char               Char (a UTF-16 code unit)
//	byte, sbyte        uint8, int8
//	short, ushort      int16, uint16
//	int, uint          int32, uint32
//	long, ulong        int64, uint64
//	float, double      float32, float64
//	decimal            Decimal
//	string             string (UTF-8; lengths and indexes count UTF-16 units)
//	T[]                []any, or []string / []byte / []int32 where produced so
//	List<T>            *List
//	Dictionary<K,V>    *Dictionary
//	JToken family      *JObject, *JArray, *JProperty, *JValue
//	DateTime           DateTime; TimeSpan; DateTimeOffset; Guid
//	out/ref argument   *any (the callee assigns through it)
//	delegate (lambda)  Func
//
// # Namespaces in their own packages
//
// The value model, the registry and type descriptors, the collections,
// exceptions, conversions and formatting that every namespace needs, and the
// evaluation budget stay in this package (the core). A .NET namespace that
// the core does not need lives in a subpackage named after it, which imports
// dotnet and registers its types and members from its package's
// initialisation, as sysnet (System.Net) does; package expressions imports
// each of them (expressions/namespaces.go), so their types are known
// wherever an expression can be compiled. Imports run downward only: the
// core never imports a namespace package, and nothing here imports
// policies, engine or gateway.
//
// A type the core itself builds, prints or dispatches on stays in the core
// even if .NET places it in a namespace package's namespace: DateTime,
// TimeSpan, DateTimeOffset and Guid with their formatting (JSON and
// string.Format print them), RegexMatchTimeoutException (with the other
// exceptions), the LINQ sequence types (the collections name them). Where
// the core must instead reach into a namespace's code, it declares a small
// hook, a variable of function type that the namespace package sets from
// init; none is needed so far. A namespace package builds its member tables
// with the exported helpers of members.go (NewMethod, MethodOf, NewProp,
// IntArg, ...). Namespace packages do not import one another: what two of
// them share goes into the core (the Now clock, which DateTime.Now and
// certificate validity both read).
//
// The namespace packages:
//
//	cryptography   System.Security.Cryptography and its X509Certificates:
//	               hashes and HMACs, RSA, AES, RandomNumberGenerator,
//	               X509Certificate2 and the gateway's X.509 trust settings
//	regex          System.Text.RegularExpressions: Regex (.NET's own engine
//	               and syntax, with the match timeout), Match, Group, Capture
//	               and their collections
//	sysnet         System.Net: IPAddress, AddressFamily
//	systime        the members of System.DateTime, TimeSpan, DateTimeOffset
//	               and Guid, their parsers, TimeZoneInfo, DayOfWeek,
//	               DateTimeStyles and Convert.ToDateTime (the values, their
//	               descriptors and formatting are core: values_time*.go)
//	xmllinq        System.Xml.Linq: XDocument, XElement, XAttribute, XName
//	               and the other LINQ-to-XML nodes, their parser and writer
//
// dotnettest holds helpers for their tests.
package dotnet
