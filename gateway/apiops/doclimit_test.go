package apiops

import (
	"strings"
	"testing"
)

// An OpenAPI document with an alias bomb is refused at the alias, before
// the OpenAPI loader sees it.
func TestSpecAliasBomb(t *testing.T) {
	src := `openapi: 3.0.1
info: {title: t, version: "1"}
x-a: &a ["l","l","l","l","l","l","l","l","l"]
x-b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
x-c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
x-d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
x-e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
x-f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
x-g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
paths: {}
`
	_, errs := parseSpec("specification.yaml", []byte(src), false)
	if len(errs) != 1 || errs[0].Pos.Line != 8 || errs[0].Pos.Col == 0 || !strings.Contains(errs[0].Msg, "excessive aliasing") {
		t.Fatalf("got %v", errs)
	}
}
