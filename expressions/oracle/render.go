package oracle

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
)

// Result is one case's outcome: the value's type name ("null", "Int32",
// "JObject", "String[]", "IEnumerable") or "!" and the exception type, and
// the rendered value.
type Result struct {
	Type, Value string
}

// Eval compiles and runs a case through PolicyGate's expressions API with an
// empty context (cases are self-contained).
func Eval(src string) Result {
	p, err := expressions.Compile(src)
	if err != nil {
		return Result{Type: "!compile", Value: err.Error()}
	}
	v, err := p.Eval(&expressions.Context{})
	if err != nil {
		var ex *dotnet.Exception
		if errors.As(err, &ex) {
			return Result{Type: "!" + ex.Type}
		}
		return Result{Type: "!" + err.Error()}
	}
	typ := typeName(v)
	// PolicyGate keeps array elements as []any; the array's element type
	// is the expression's static type, which C# reports at run time.
	if st := p.Type(); typ == "Object[]" && st.Generic == dotnet.Array && len(st.Args) == 1 && st.Args[0] != dotnet.Object {
		typ = st.Args[0].Name + "[]"
	}
	return Result{Type: typ, Value: escape(render(v, true))}
}

func typeName(v any) string {
	if v == nil {
		return "null"
	}
	switch v.(type) {
	case *dotnet.Sequence, *dotnet.Ordered:
		return "IEnumerable"
	case *expressions.AnonObject:
		return "Anonymous"
	}
	t := dotnet.TypeOf(v)
	if t.Generic == dotnet.Array && len(t.Args) == 1 {
		return t.Args[0].Name + "[]"
	}
	name, _, _ := strings.Cut(t.Name, "`")
	return name
}

func escape(s string) string {
	var b strings.Builder
	for _, c := range dotnet.UTF16(s) {
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < ' ' || c == 0x7f || (c >= 0xd800 && c <= 0xdfff):
			b.WriteString(`\u` + strconv.FormatUint(uint64(c)|0x10000, 16)[1:])
		default:
			b.WriteRune(rune(c))
		}
	}
	return b.String()
}

// render mirrors Driver.Render.
func render(v any, top bool) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if top {
			return x
		}
		return `"` + x + `"`
	case dotnet.Char:
		if top {
			return dotnet.ToString(x)
		}
		return "'" + dotnet.ToString(x) + "'"
	case bool:
		return dotnet.ToString(x)
	case float64:
		return renderFloat(x, 64)
	case float32:
		return renderFloat(float64(x), 32)
	case dotnet.DateTime, dotnet.DateTimeOffset:
		return callString(v, "o")
	case dotnet.TimeSpan:
		return callString(v, "c")
	case dotnet.JToken:
		return dotnet.JSONString(x, dotnet.FormattingNone)
	case *dotnet.Exception:
		return x.Type
	case dotnet.KeyValuePair:
		return "[" + render(x.Key, false) + ", " + render(x.Value, false) + "]"
	case []byte, []any, []string, []int32, dotnet.Iterable:
		var parts []string
		err := dotnet.Enumerate(v, func(e any) (bool, error) {
			parts = append(parts, render(e, false))
			return true, nil
		})
		if err != nil {
			return "!" + err.Error()
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return dotnet.ToString(v)
}

func renderFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0"
		}
		return "0"
	}
	s := strconv.FormatFloat(f, 'e', -1, bits)
	mant, exp, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// callString calls the value's registered ToString(format) method.
func callString(v any, format string) string {
	for _, m := range dotnet.TypeOf(v).Methods["ToString"] {
		if len(m.Params) == 1 && m.Params[0].Type == dotnet.String {
			out, err := m.Fn(v, []any{format})
			if err != nil {
				return "!" + err.Error()
			}
			return dotnet.ToString(out)
		}
	}
	return dotnet.ToString(v)
}
