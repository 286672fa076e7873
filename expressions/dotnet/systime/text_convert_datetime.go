package systime

import (
	"github.com/policygate/policygate/expressions/dotnet"
)

func init() {
	DateTimeT := dotnet.Lookup("System.DateTime")
	dotnet.ConvertT.AddStatic(
		&dotnet.Method{Name: "ToDateTime", Params: []dotnet.Param{{Name: "value", Type: dotnet.String}}, Result: DateTimeT, Fn: func(_ any, a []any) (any, error) {
			s, ok := a[0].(string)
			if !ok {
				return dotnet.DateTime{}, nil
			}
			return ParseDateTime(s)
		}},
		&dotnet.Method{Name: "ToDateTime", Params: []dotnet.Param{{Name: "value", Type: DateTimeT}}, Result: DateTimeT, Fn: func(_ any, a []any) (any, error) {
			return a[0], nil
		}},
	)
}
