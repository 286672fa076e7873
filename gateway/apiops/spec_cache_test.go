package apiops

import (
	"testing"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/parser"
)

func TestSpecCacheGivesIndependentCopies(t *testing.T) {
	src := []byte("swagger: '2.0'\ninfo: {title: t, version: v1}\npaths:\n  /a:\n    get: {operationId: a, responses: {200: {description: ok}}}\n")
	ops1, _ := parseSpecCached("x/specification.yaml", src, false)
	ops1[0].URLTemplate = "/changed"
	ops2, _ := parseSpecCached("x/specification.yaml", src, false)
	if len(ops2) != 1 || ops2[0].URLTemplate != "/a" || ops2[0] == ops1[0] {
		t.Fatalf("second parse %+v shares the first's operations", ops2[0])
	}
	other, _ := parseSpecCached("x/specification.yaml", append(src, "  /b:\n    get: {operationId: b, responses: {200: {description: ok}}}\n"...), false)
	if len(other) != 2 {
		t.Errorf("changed content gave %d operations, want 2", len(other))
	}
}

func TestSpecCacheSharesContentAcrossFiles(t *testing.T) {
	// Not valid OpenAPI: the warning must name each file it came from.
	src := []byte("swagger: '2.0'\ninfo: {title: shared}\npaths:\n  /a:\n    get: {operationId: a, responses: {200: {description: ok}}}\n")
	waits := map[string]func() ([]*engine.Operation, parser.Errors){}
	for _, f := range []string{"apis/one/specification.yaml", "apis/two/specification.yaml"} {
		waits[f] = parseSpecAsync(f, src, false, nil, nil)
	}
	for f, wait := range waits {
		ops, errs := wait()
		if len(ops) != 1 || ops[0].URLTemplate != "/a" {
			t.Fatalf("%s: operations %+v", f, ops)
		}
		if len(errs) == 0 {
			t.Fatalf("%s: no warning for a document without info.version", f)
		}
		for _, e := range errs {
			if e.Pos.File != f {
				t.Errorf("%s: warning names %s: %v", f, e.Pos.File, e)
			}
		}
	}
}
