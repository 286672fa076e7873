package main

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestTestCmdPasses(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"test", "../../testdata/conformance/runner"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	caseLine := regexp.MustCompile(`^PASS runner-[a-z]+/.+ \([0-9.]+(µs|ms|s)\)$`)
	for _, l := range lines[:len(lines)-1] {
		if !caseLine.MatchString(l) {
			t.Errorf("case line %q", l)
		}
	}
	if last := lines[len(lines)-1]; !regexp.MustCompile(`^[1-9][0-9]* passed, 0 failed$`).MatchString(last) {
		t.Errorf("closing line %q", last)
	}
}

func TestTestCmdFailure(t *testing.T) {
	var out, errOut bytes.Buffer
	junit := filepath.Join(t.TempDir(), "report.xml")
	code := run([]string{"test", "--trace", "--junit", junit, "../../conformance/testdata/must_fail.yaml"}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{
		"FAIL must-fail/wrong status (",
		"    expect.status: expected 418, actual 200\n",
		"    expect.json.a.b: expected 2, actual 1\n",
		"    trace of request:\n",
		"forward-request[1]",
		"\n0 passed, 2 failed\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil || doc.Tests != 2 || doc.Failures != 2 {
		t.Errorf("junit: %+v %v\n%s", doc, err, data)
	}
}

func TestTestCmdInvalid(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"test", "../../conformance/testdata/invalid.yaml"}, &out, &errOut)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if want := "../../conformance/testdata/invalid.yaml:4:1: did not find expected ',' or '}'"; !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr %q lacks %q", errOut.String(), want)
	}
	if out.String() != "0 passed, 0 failed\n" {
		t.Errorf("stdout %q", out.String())
	}
	if code := run([]string{"test"}, &out, &errOut); code != 2 {
		t.Errorf("no paths: exit %d, want 2", code)
	}
	if code := run([]string{"test", "does-not-exist.yaml"}, &out, &errOut); code != 2 {
		t.Errorf("missing file: exit %d, want 2", code)
	}
}

// TestTestCmdTraceGolden compares `policygate test --trace` on a failing case
// with testdata/trace/trace.golden (times replaced by T): a tree in
// execution order, scope, section and file:line per policy, secrets masked.
func TestTestCmdTraceGolden(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"test", "--trace", "testdata/trace/trace.yaml"}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out.String(), errOut.String())
	}
	got := regexp.MustCompile(`\([0-9.]+(µs|ms|s)\)`).ReplaceAllString(out.String(), "(T)")
	if strings.Contains(got, "4711") {
		t.Errorf("the secret shows:\n%s", got)
	}
	golden := filepath.Join("testdata", "trace", "trace.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (-update to rewrite):\n%s", golden, got)
	}
}
