package namedvalues_test

import (
	"fmt"

	"github.com/policygate/policygate/namedvalues"
)

func ExampleExpand() {
	s, _ := namedvalues.FromMap(map[string]string{"host": "api.example.com"}, namedvalues.WithEnv(nil))
	in := `@("https://{{host}}/" + {{Missing}})`
	exp, probs := namedvalues.Expand(in, s.Lookup, namedvalues.Options{Strict: true})
	fmt.Println(exp.Text)
	for _, p := range probs {
		fmt.Println(p)
	}
	// A compiler error at "example" in the expanded text maps to the "{{".
	fmt.Println(exp.Orig(15), in[exp.Orig(15):exp.Orig(15)+2])
	// Output:
	// @("https://api.example.com/" + {{Missing}})
	// offset 24: unknown_named_value: unknown named value "Missing"
	// 11 {{
}
