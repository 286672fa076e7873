package apiops

import (
	"strings"
	"testing"

	"github.com/policygate/policygate/gateway/doclimit/doclimittest"
)

// An OpenAPI document with an alias bomb is refused at the alias, before
// the OpenAPI loader sees it.
func TestSpecAliasBomb(t *testing.T) {
	src := "openapi: 3.0.1\ninfo: {title: t, version: \"1\"}\n" + doclimittest.YAMLBomb("x-", 7) + "paths: {}\n"
	_, errs := parseSpec("specification.yaml", []byte(src), false)
	if len(errs) != 1 || errs[0].Pos.Line != 8 || errs[0].Pos.Col == 0 || !strings.Contains(errs[0].Msg, "excessive aliasing") {
		t.Fatalf("got %v", errs)
	}
}
