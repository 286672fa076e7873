package doclimit

import (
	"errors"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// bomb is the classic "billion laughs" in YAML: nine levels of nine aliases.
const bomb = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`

func TestCheckYAMLRefusesABomb(t *testing.T) {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(bomb), &n); err != nil {
		t.Fatal(err)
	}
	err := CheckYAML(&n)
	var de *Error
	if !errors.As(err, &de) || de.Line != 6 || !strings.Contains(de.Msg, "*e") {
		t.Fatalf("got %v (%+v)", err, de)
	}
}

func TestCheckYAMLAllowsOrdinaryAliases(t *testing.T) {
	src := "base: &base {a: 1, b: [1, 2, 3]}\nx: *base\ny: {<<: *base, c: 2}\n" + strings.Repeat("k: v\n", 1)
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	if err := CheckYAML(&n); err != nil {
		t.Fatal(err)
	}
}

func TestCheckSize(t *testing.T) {
	if CheckSize(make([]byte, MaxBytes)) != nil || CheckSize(make([]byte, MaxBytes+1)) == nil {
		t.Fatal("size limit")
	}
}
