package conformance

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// yamlBomb is nine levels of nine aliases: 1 KB that expands to ~4·10^8 nodes.
const yamlBomb = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`

// A case file with an alias bomb is refused at the alias, at once.
func TestCaseFileAliasBomb(t *testing.T) {
	src := "suite: bomb\n" + yamlBomb + "cases:\n  - name: one\n    request: {url: /x, headers: {X: *i}}\n    expect: {status: 200}\n"
	start := time.Now()
	_, err := Parse("bomb.yaml", []byte(src))
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 7 || fe.Col == 0 || !strings.Contains(fe.Msg, "excessive aliasing") {
		t.Fatalf("got %v (%+v)", err, fe)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}
