// Package doclimittest holds inputs for the tests of document limits in
// every package that reads YAML.
package doclimittest

import (
	"fmt"
	"strings"
)

// YAMLBomb is the classic "billion laughs" in YAML: nine levels (keys a to i,
// on lines 1 to 9) of nine aliases each, about 1 KB expanding to ~4·10^8
// nodes. It ends with a newline.
func YAMLBomb() string {
	var b strings.Builder
	b.WriteString(`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	for k := 'b'; k <= 'i'; k++ {
		ref := "*" + string(k-1)
		fmt.Fprintf(&b, "%c: &%c [%s]\n", k, k, strings.TrimSuffix(strings.Repeat(ref+",", 9), ","))
	}
	return b.String()
}
