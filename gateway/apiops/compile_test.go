package apiops

import (
	"path/filepath"
	"testing"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/parser"
)

// TestSampleCompiles hands the loaded sample to the engine: every policy
// document, fragment and named value reference must resolve.
func TestSampleCompiles(t *testing.T) {
	dir := sampleDir(t)
	if dir == "" {
		t.Skip("shared/apiops-sample/SampleArtifacts not found")
	}
	cfg, errs := Load(dir, env(nil))
	if cfg == nil {
		t.Fatalf("Load failed:\n%v", errs)
	}
	e, cerrs := engine.Compile(cfg, engine.Options{})
	if e == nil {
		t.Fatalf("engine.Compile failed:\n%v", cerrs)
	}
}

// TestFixtureCompiles does the same for the testdata fixture.
func TestFixtureCompiles(t *testing.T) {
	cfg, errs := Load(copyFixture(t, true), env(fixtureEnv))
	if cfg == nil {
		t.Fatalf("Load failed:\n%v", errs)
	}
	e, cerrs := engine.Compile(cfg, engine.Options{})
	if e == nil {
		t.Fatalf("engine.Compile failed:\n%v", cerrs)
	}
}

// TestPolicyErrorsPointIntoTheirFile: Load only reads policy files, and the
// engine's errors name the file and line they came from.
func TestPolicyErrorsPointIntoTheirFile(t *testing.T) {
	dir := copyFixture(t, false)
	write(t, dir, "products/gold/policy.xml", "<policies>\n\t<inbound>\n\t\t<base />\n\t\t<no-such-policy />\n\t</inbound>\n</policies>\n")
	cfg, errs := Load(dir, env(fixtureEnv))
	if cfg == nil {
		t.Fatalf("Load failed:\n%v", errs)
	}
	_, cerrs := engine.Compile(cfg, engine.Options{})
	if len(cerrs) == 0 {
		t.Fatal("engine.Compile accepted an unknown policy")
	}
	var first *parser.Error
	for _, e := range cerrs {
		if e.Severity == parser.SeverityError {
			first = e
			break
		}
	}
	want := filepath.Join(dir, "products", "gold", "policy.xml")
	if first == nil || first.Pos.File != want || first.Pos.Line != 4 || first.Code != parser.CodeUnknownPolicy {
		t.Errorf("first error %v, want %s:4 unknown_policy", first, want)
	}
}
