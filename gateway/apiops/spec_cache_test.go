package apiops

import "testing"

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
