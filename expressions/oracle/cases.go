// Package oracle is the differential test of PolicyGate's C# against real C#:
// a case list of self-contained expressions and blocks, the values a C#
// driver computed for them on Mono with Newtonsoft.Json (committed as
// testdata/expected.txt), the values PolicyGate computes, and the comparison.
package oracle

import (
	"bufio"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Case is one expression of the case list.
type Case struct {
	ID      string // section-hash, stable when lines move
	Src     string // "@(...)" or "@{...}"
	Exclude string // a known-difference key: not scored when set
	Line    int    // line of the case file
}

var letVar = regexp.MustCompile(`\$[A-Z][A-Z0-9]*`)

// LoadCases reads a case file. Format, one item per line:
//
//	# comment
//	== section            (ids of the following cases start with "section-")
//	:let NAME = a | b | c (a template variable; "$NAME" in later lines of
//	                       the section expands to one case per value)
//	@(...) or @{...}      (a case; "  #! key" at the end excludes it from
//	                       scoring for the known difference key)
func LoadCases(path string) ([]Case, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		out     []Case
		section = "case"
		vars    = map[string][]string{}
		seen    = map[string]int{}
		line    int
	)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		switch {
		case text == "" || strings.HasPrefix(text, "#"):
			continue
		case strings.HasPrefix(text, "=="):
			section = strings.TrimSpace(text[2:])
			vars = map[string][]string{}
			continue
		case strings.HasPrefix(text, ":let "):
			name, vals, ok := strings.Cut(text[5:], "=")
			if !ok {
				return nil, fmt.Errorf("%s:%d: :let needs NAME = values", path, line)
			}
			var vs []string
			for _, v := range strings.Split(vals, " | ") {
				vs = append(vs, strings.TrimSpace(v))
			}
			vars["$"+strings.TrimSpace(name)] = vs
			continue
		case !strings.HasPrefix(text, "@(") && !strings.HasPrefix(text, "@{"):
			return nil, fmt.Errorf("%s:%d: a case starts with @( or @{", path, line)
		}
		src, exclude := text, ""
		if i := strings.LastIndex(text, "  #! "); i >= 0 {
			src, exclude = strings.TrimSpace(text[:i]), strings.TrimSpace(text[i+5:])
		}
		for _, s := range expand(src, vars) {
			sum := sha1.Sum([]byte(s))
			id := section + "-" + hex.EncodeToString(sum[:])[:7]
			if _, dup := seen[id]; dup {
				continue // two template expansions may meet
			}
			seen[id] = line
			out = append(out, Case{ID: id, Src: s, Exclude: exclude, Line: line})
		}
	}
	return out, sc.Err()
}

// expand substitutes template variables, one case per combination.
func expand(src string, vars map[string][]string) []string {
	name := ""
	for _, m := range letVar.FindAllString(src, -1) {
		if _, ok := vars[m]; ok && len(m) > len(name) {
			name = m
		}
	}
	if name == "" {
		return []string{src}
	}
	var out []string
	for _, v := range vars[name] {
		out = append(out, expand(strings.ReplaceAll(src, name, v), vars)...)
	}
	return out
}

// LoadExclusions reads "id key" lines: single expansions of a template line
// excluded for a known difference.
func LoadExclusions(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Fields(l)
		if len(f) < 2 {
			return nil, fmt.Errorf("%s:%d: want \"id key\"", path, i+1)
		}
		out[f[0]] = f[1]
	}
	return out, nil
}

// LoadDir reads cases.txt and applies exclude.txt from a folder.
func LoadDir(dir string) ([]Case, error) {
	cases, err := LoadCases(filepath.Join(dir, "cases.txt"))
	if err != nil {
		return nil, err
	}
	ex, err := LoadExclusions(filepath.Join(dir, "exclude.txt"))
	if err != nil {
		return nil, err
	}
	for i := range cases {
		if k, ok := ex[cases[i].ID]; ok && cases[i].Exclude == "" {
			cases[i].Exclude = k
		}
	}
	return cases, nil
}
