package policies

import (
	"errors"

	"github.com/policygate/policygate/parser"
)

// include-fragment inserts a policy fragment's statements at its place:
//
//	<include-fragment fragment-id="myFragment" />
//
// The inlining happens at load time in Compiler.Statements (with cycle
// detection), before any factory is looked up, so no step exists for it.
// The factory is registered all the same: registration is what marks a
// declared policy as implemented (no "not implemented" warning in
// validation). It is reached only if a caller compiles the element with
// Compiler.Statement directly, which is a misuse; it then fails.
func init() { Register("include-fragment", newIncludeFragment) }

// errIncludeFragmentInlined is the error of the factory that should never
// run.
var errIncludeFragmentInlined = errors.New("<include-fragment> is inlined by the compiler; compile it with Compiler.Statements")

func newIncludeFragment(*parser.Element, *Compiler) (Step, error) {
	return nil, errIncludeFragmentInlined
}
