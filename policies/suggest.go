package policies

import "github.com/policygate/policygate/expressions"

// closestAttr returns "; did you mean \"name\"?" for the declared attribute
// of e nearest to a misspelt one (nmae), "" when none is close.
func closestAttr(name string, e *ElemDecl) string {
	best, bestD := "", len(name)/3+2
	for _, ad := range e.Attrs {
		if d := expressions.EditDistance(name, ad.Name); d < bestD {
			best, bestD = ad.Name, d
		}
	}
	if best == "" {
		return ""
	}
	return "; did you mean \"" + best + "\"?"
}
