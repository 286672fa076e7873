package regex

import (
	"testing"
)

// FuzzRegexMatch checks that no pattern or input panics; its seeds run with
// the normal tests.
func FuzzRegexMatch(f *testing.F) {
	for _, s := range []string{`max-age=(?<maxAge>\d+)`, `(a)|b`, `^$`, `(?<x>.)\k<x>`, `[`} {
		f.Add(s, "max-age=60 aa", "$1${x}$$")
	}
	f.Fuzz(func(t *testing.T, pattern, input, repl string) {
		r, err := CompileRegex(pattern, RegexNone)
		if err != nil {
			return
		}
		m, err := r.Match(input)
		if err == nil {
			for _, g := range m.allGroups() {
				_ = g.Value
			}
			_ = m.GroupByNumber(3)
			_, _ = m.Result(repl)
		}
		_, _ = r.Replace(input, repl, -1, -1)
		_, _ = r.Split(input, 0, -1)
		_, _ = r.Matches(input)
	})
}
