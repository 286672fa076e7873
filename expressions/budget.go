package expressions

import (
	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/expressions/dotnet/xmllinq"
)

// Parsing JSON or XML text builds a tree several times its size: the static
// Parse methods (and JsonConvert.DeserializeObject) charge the memory
// budget parsedTreeFactor bytes per byte of text before they parse.
func init() {
	for _, t := range []*dotnet.Type{dotnet.JTokenT, dotnet.JObjectT, dotnet.JArrayT, xmllinq.XElementT, xmllinq.XDocumentT} {
		for _, m := range t.Static["Parse"] {
			chargeTextArg(m)
		}
	}
	for _, m := range dotnet.JsonConvertT.Static["DeserializeObject"] {
		chargeTextArg(m)
	}
}

// chargeTextArg makes m charge its first (string) argument as a parsed tree.
func chargeTextArg(m *dotnet.Method) {
	if m.FnB != nil || len(m.Params) == 0 || m.Params[0].Type != dotnet.String {
		return
	}
	fn := m.Fn
	m.FnB = func(b *dotnet.Budget, recv any, args []any) (any, error) {
		for _, a := range args {
			if s, ok := a.(string); ok {
				if err := b.Alloc(int64(len(s)) * parsedTreeFactor); err != nil {
					return nil, err
				}
				break
			}
		}
		return fn(recv, args)
	}
}
