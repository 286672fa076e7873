package gateway

import (
	"testing"

	"github.com/policygate/policygate/engine"
)

// An operation shared with the previous configuration keeps its compiled
// template; a new or moved one is compiled.
func TestBuildRoutesReusesUnchangedOperations(t *testing.T) {
	shared := &engine.Operation{ID: "a", Method: "GET", URLTemplate: "/items/{id}"}
	other := &engine.Operation{ID: "b", Method: "GET", URLTemplate: "/other"}
	cfg := func(ops ...*engine.Operation) *engine.Config {
		return &engine.Config{APIs: []*engine.API{{ID: "x", Path: "x", ServiceURL: "http://127.0.0.1:9", IsCurrent: true, Operations: ops}}}
	}
	first := buildRoutes(cfg(shared, other), nil)
	o1 := first.bySuffix["x"][0].ops
	changed := &engine.Operation{ID: "b", Method: "GET", URLTemplate: "/changed"}
	second := buildRoutes(cfg(shared, changed), first)
	o2 := second.bySuffix["x"][0].ops
	if o2[0] != o1[0] {
		t.Error("the unchanged operation's template was compiled again")
	}
	if o2[1] == o1[1] || o2[1].op != changed || len(o2[1].segs) != 1 || o2[1].segs[0].lit != "changed" {
		t.Errorf("the new operation got %+v", o2[1])
	}
	// Moved to another position: its order changes, so it is compiled.
	third := buildRoutes(cfg(changed, shared), second)
	if o3 := third.bySuffix["x"][0].ops; o3[1] == o2[0] || o3[1].order != 1 {
		t.Errorf("a moved operation kept its old order: %+v", o3[1])
	}
	if len(third.ops) != 2 {
		t.Errorf("%d templates kept, want the 2 in use", len(third.ops))
	}
}
