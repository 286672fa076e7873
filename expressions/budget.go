package expressions

import (
	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/expressions/dotnet/xmllinq"
)

// Parsing JSON or XML text builds a tree several times its size: the static
// Parse methods (and JsonConvert.DeserializeObject) charge the memory
// budget parsedTreeFactor bytes per byte of text before they parse.
func init() {
	for t, target := range jsonParseTargets {
		for _, m := range t.Static["Parse"] {
			parseJSONWithin(m, target)
		}
	}
	for _, t := range []*dotnet.Type{xmllinq.XElementT, xmllinq.XDocumentT} {
		for _, m := range t.Static["Parse"] {
			chargeTextArg(m)
		}
	}
	for _, m := range dotnet.JsonConvertT.Static["DeserializeObject"] {
		deserializeWithin(m)
	}
}

// deserializeWithin makes a JsonConvert.DeserializeObject overload charge
// its text as a parsed tree and parse within the evaluation's time budget.
// A generic overload's first argument is its type argument.
func deserializeWithin(m *dotnet.Method) {
	if m.FnB != nil {
		return
	}
	m.FnB = func(b *dotnet.Budget, _ any, args []any) (any, error) {
		var target *dotnet.Type
		if t, ok := args[0].(*dotnet.Type); ok {
			target, args = t, args[1:]
		}
		if args[0] == nil {
			return nil, dotnet.ArgumentNull("value")
		}
		s, ok := args[0].(string)
		if !ok {
			s = dotnet.ToString(args[0])
		}
		if err := b.Alloc(int64(len(s)) * parsedTreeFactor); err != nil {
			return nil, err
		}
		return dotnet.DeserializeObjectWithin(b, s, target)
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

// jsonParseTargets are the token types whose Parse reads JSON text.
var jsonParseTargets = map[*dotnet.Type]dotnet.JSONParseTarget{
	dotnet.JTokenT: dotnet.ParseJToken, dotnet.JObjectT: dotnet.ParseJObject, dotnet.JArrayT: dotnet.ParseJArray,
}

// parseJSONWithin makes a JSON Parse method charge its text as a parsed
// tree and parse within the evaluation's time budget: one long parse stops
// at the deadline instead of after it.
func parseJSONWithin(m *dotnet.Method, target dotnet.JSONParseTarget) {
	if m.FnB != nil || len(m.Params) == 0 || m.Params[0].Type != dotnet.String {
		return
	}
	m.FnB = func(b *dotnet.Budget, _ any, args []any) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			s = dotnet.ToString(args[0])
		}
		if err := b.Alloc(int64(len(s)) * parsedTreeFactor); err != nil {
			return nil, err
		}
		return dotnet.ParseJSONWithin(b, s, target)
	}
}
