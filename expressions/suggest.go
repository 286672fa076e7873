package expressions

import (
	"strings"

	"github.com/policygate/policygate/expressions/dotnet"
)

// didYouMean returns "; did you mean 'X'?" for the member of t (or its base
// types) whose name is nearest to name, "" when none is close.
func didYouMean(t *dotnet.Type, name string, static bool) string {
	best, bestD := "", len(name)/3+2
	seen := map[string]bool{}
	consider := func(n string) {
		if seen[n] || n == name || strings.HasPrefix(n, ".") {
			return
		}
		seen[n] = true
		if d := EditDistance(name, n); d < bestD {
			best, bestD = n, d
		}
	}
	for x := t; x != nil; x = x.Base {
		if static {
			for n := range x.Static {
				consider(n)
			}
			for n := range x.StaticProps {
				consider(n)
			}
			continue
		}
		for n := range x.Props {
			consider(n)
		}
		for n := range x.Methods {
			consider(n)
		}
		for _, i := range x.Ifaces {
			for n := range i.Methods {
				consider(n)
			}
			for n := range i.Props {
				consider(n)
			}
		}
	}
	if best == "" {
		return ""
	}
	return "; did you mean '" + best + "'?"
}

// EditDistance is the Levenshtein distance of a and b (bytes), ignoring
// case; the "did you mean" suggestions of expressions and policies use it.
func EditDistance(a, b string) int {
	a, b = strings.ToLower(a), strings.ToLower(b)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
