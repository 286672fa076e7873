package policies_test

import (
	"testing"

	"github.com/policygate/policygate/policies"
	"github.com/policygate/policygate/policies/state"
	"github.com/policygate/policygate/policies/state/statetest"
)

func TestMemoryStateBackend(t *testing.T) {
	statetest.Run(t, func(*testing.T) state.Backend { return policies.MemoryState(policies.NewStores()) })
}
