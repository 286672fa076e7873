package policies

import "testing"

// TestRegisteredAreDeclared: every execution half belongs to a declared
// policy (Register cannot check it: init order across files is not fixed).
func TestRegisteredAreDeclared(t *testing.T) {
	t.Parallel()
	for _, name := range Registered() {
		if Lookup(name) == nil {
			t.Errorf("policy %q is registered but not declared", name)
		}
	}
}
