package expressions

import (
	"net/url"
	"strings"

	"github.com/policygate/policygate/expressions/dotnet"
)

// formType is the static type of AsFormUrlEncodedContent():
// Dictionary<string, List<string>> (APIM: IDictionary<string, IList<string>>).
var formType = dotnet.Instantiate(dotnet.DictionaryT, dotnet.String, dotnet.Instantiate(dotnet.ListT, dotnet.String))

// ToFormUrlEncodedContent ("a=1&a=2&b=x+y") and ToQueryString ("?a=1&b=2",
// null when empty) write a form dictionary back, as APIM's extensions do.
func init() {
	encode := func(r any) (string, error) {
		d, ok := r.(*dotnet.Dictionary)
		if !ok {
			return "", dotnet.NullReference()
		}
		var b strings.Builder
		for _, k := range d.Keys() {
			v, _ := d.Get(k)
			var vals []any
			if s, isStr := v.(string); isStr {
				vals = []any{s}
			} else if err := dotnet.Enumerate(v, func(x any) (bool, error) { vals = append(vals, x); return true, nil }); err != nil || v == nil {
				vals = []any{v}
			}
			for _, x := range vals {
				if b.Len() > 0 {
					b.WriteByte('&')
				}
				b.WriteString(url.QueryEscape(dotnet.ToString(k)) + "=" + url.QueryEscape(dotnet.ToString(x)))
			}
		}
		return b.String(), nil
	}
	dotnet.DictionaryT.AddMethod(
		&dotnet.Method{Name: "ToFormUrlEncodedContent", Result: dotnet.String, Fn: func(r any, _ []any) (any, error) { return encode(r) }},
		&dotnet.Method{Name: "ToQueryString", Result: dotnet.String, Fn: func(r any, _ []any) (any, error) {
			s, err := encode(r)
			if err != nil || s == "" {
				return nil, err
			}
			return "?" + s, nil
		}},
	)
}
