// Package doclimittest holds inputs for the tests of document limits in
// every package that reads YAML.
package doclimittest

import (
	"fmt"
	"strings"
)

// YAMLBomb is the classic "billion laughs" in YAML: levels lines (keys
// keyPrefix+"a", keyPrefix+"b", …) of nine aliases each to the line before.
// Nine levels are about 1 KB expanding to ~4·10^8 nodes. It ends with a
// newline.
func YAMLBomb(keyPrefix string, levels int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%sa: &a [%s]\n", keyPrefix, strings.TrimSuffix(strings.Repeat(`"lol",`, 9), ","))
	for k := 'b'; k < 'a'+rune(levels); k++ {
		fmt.Fprintf(&b, "%s%c: &%c [%s]\n", keyPrefix, k, k, strings.TrimSuffix(strings.Repeat("*"+string(k-1)+",", 9), ","))
	}
	return b.String()
}
