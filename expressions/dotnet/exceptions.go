package dotnet

import "strings"

// exceptionParents maps an exception type to its base type; anything not
// listed derives from System.SystemException (System.*) or System.Exception.
var exceptionParents = map[string]string{
	"System.SystemException":                                    "System.Exception",
	"System.ArgumentNullException":                              "System.ArgumentException",
	"System.ArgumentOutOfRangeException":                        "System.ArgumentException",
	"System.FormatException":                                    "System.SystemException",
	"System.UriFormatException":                                 "System.FormatException",
	"System.OverflowException":                                  "System.ArithmeticException",
	"System.DivideByZeroException":                              "System.ArithmeticException",
	"System.ObjectDisposedException":                            "System.InvalidOperationException",
	"Newtonsoft.Json.JsonReaderException":                       "Newtonsoft.Json.JsonException",
	"Newtonsoft.Json.JsonSerializationException":                "Newtonsoft.Json.JsonException",
	"Newtonsoft.Json.JsonWriterException":                       "Newtonsoft.Json.JsonException",
	"Newtonsoft.Json.JsonException":                             "System.Exception",
	"System.Text.RegularExpressions.RegexMatchTimeoutException": "System.TimeoutException",
	"System.Security.Cryptography.CryptographicException":       "System.SystemException",
	"System.Xml.XmlException":                                   "System.SystemException",
	"Microsoft.CSharp.RuntimeBinder.RuntimeBinderException":     "System.Exception",
}

// ExceptionBase returns the base exception type name of an exception type
// name, "" for System.Exception.
func ExceptionBase(name string) string {
	if name == "System.Exception" || name == "" {
		return ""
	}
	if p, ok := exceptionParents[name]; ok {
		return p
	}
	if strings.HasPrefix(name, "System.") {
		return "System.SystemException"
	}
	return "System.Exception"
}

// RegexMatchTimeoutExceptionT is the exception a regular expression match
// that runs past regex.RegexTimeout raises (package regex throws it). It is
// registered before the generic exception types below, which skip it.
var RegexMatchTimeoutExceptionT = exactExceptionType("RegexMatchTimeoutException", "System.Text.RegularExpressions.RegexMatchTimeoutException")

func exactExceptionType(name, full string) *Type {
	t := NewType(name, full, ExceptionT, nil)
	t.Is = func(v any) bool { e, ok := v.(*Exception); return ok && e.Type == full }
	return Register(t)
}

// exceptionTypes are the exception types expressions may name in catch
// clauses and throw with new.
var exceptionTypes = []string{
	"System.SystemException", "System.ArgumentException", "System.ArgumentNullException",
	"System.ArgumentOutOfRangeException", "System.InvalidOperationException", "System.FormatException",
	"System.NotSupportedException", "System.NotImplementedException", "System.NullReferenceException",
	"System.InvalidCastException", "System.OverflowException", "System.DivideByZeroException",
	"System.ArithmeticException", "System.IndexOutOfRangeException", "System.TimeoutException",
	"System.UnauthorizedAccessException", "System.UriFormatException",
	"System.Collections.Generic.KeyNotFoundException", "Newtonsoft.Json.JsonException",
	"Newtonsoft.Json.JsonReaderException", "Newtonsoft.Json.JsonSerializationException",
	"System.Text.RegularExpressions.RegexMatchTimeoutException", "System.Security.Cryptography.CryptographicException",
	"System.Xml.XmlException", "System.ObjectDisposedException",
}

func init() {
	msgProp := &Prop{Name: "Message", Type: String, Get: func(r any) (any, error) { return r.(*Exception).Message, nil }}
	innerProp := &Prop{Name: "InnerException", Type: ExceptionT, Get: func(r any) (any, error) {
		if in, ok := r.(*Exception).Inner.(*Exception); ok {
			return in, nil
		}
		return nil, nil
	}}
	ExceptionT.AddProp(msgProp, innerProp,
		&Prop{Name: "StackTrace", Type: String, Get: func(any) (any, error) { return "", nil }},
		&Prop{Name: "Source", Type: String, Get: func(any) (any, error) { return "", nil }})
	ExceptionT.AddMethod(&Method{Name: "ToString", Result: String, Fn: func(r any, _ []any) (any, error) {
		return r.(*Exception).Error(), nil
	}})
	ExceptionT.Ctors = exceptionCtors("System.Exception")
	for _, full := range exceptionTypes {
		full := full
		name := full[strings.LastIndexByte(full, '.')+1:]
		t := &Type{Name: name, FullName: full, Base: ExceptionT, Methods: map[string][]*Method{}, Props: map[string]*Prop{},
			Is: func(v any) bool {
				ex, ok := v.(*Exception)
				if !ok {
					return false
				}
				for n := ex.Type; n != ""; n = ExceptionBase(n) {
					if n == full {
						return true
					}
				}
				return false
			}}
		t.Ctors = exceptionCtors(full)
		if Lookup(name) == nil {
			Register(t)
		} else if Lookup(full) == nil {
			t.Name = full
			Register(t)
		}
	}
}

func exceptionCtors(full string) []*Method {
	ms := baseExceptionCtors(full)
	switch full {
	case "System.ArgumentException":
		ms = append(ms, &Method{Name: ".ctor", Params: []Param{{Name: "message", Type: String}, {Name: "paramName", Type: String}},
			Fn: func(_ any, a []any) (any, error) {
				return &Exception{Type: full, Message: ToString(a[0]) + " (Parameter '" + ToString(a[1]) + "')"}, nil
			}})
	case "System.ArgumentNullException", "System.ArgumentOutOfRangeException":
		ms = append(ms, &Method{Name: ".ctor", Params: []Param{{Name: "paramName", Type: String}, {Name: "message", Type: String}},
			Fn: func(_ any, a []any) (any, error) {
				return &Exception{Type: full, Message: ToString(a[1]) + " (Parameter '" + ToString(a[0]) + "')"}, nil
			}})
	}
	return ms
}

func baseExceptionCtors(full string) []*Method {
	return []*Method{
		{Name: ".ctor", Fn: func(any, []any) (any, error) {
			return &Exception{Type: full, Message: "Exception of type '" + full + "' was thrown."}, nil
		}},
		{Name: ".ctor", Params: []Param{{Name: "message", Type: String}}, Fn: func(_ any, a []any) (any, error) {
			return &Exception{Type: full, Message: ToString(a[0])}, nil
		}},
		{Name: ".ctor", Params: []Param{{Name: "message", Type: String}, {Name: "innerException", Type: ExceptionT}}, Fn: func(_ any, a []any) (any, error) {
			ex := &Exception{Type: full, Message: ToString(a[0])}
			if in, ok := a[1].(*Exception); ok {
				ex.Inner = in
			}
			return ex, nil
		}},
	}
}
