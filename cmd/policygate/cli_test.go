package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIHelpGolden checks every help form against golden files under
// testdata/cli (rewrite with -update) and the exit codes: 0 for help that
// was asked for (on stdout), 2 for usage errors (on stderr).
func TestCLIHelpGolden(t *testing.T) {
	cases := []struct {
		golden string
		args   []string
		code   int
		stream string // where the text goes: "stdout" or "stderr"
	}{
		{"help", []string{"help"}, 0, "stdout"},
		{"help", []string{"--help"}, 0, "stdout"},
		{"help", []string{"-h"}, 0, "stdout"},
		{"no-args", nil, 2, "stderr"},
		{"unknown", []string{"frobnicate"}, 2, "stderr"},
		{"help-unknown", []string{"help", "frobnicate"}, 2, "stderr"},
	}
	for _, c := range commands {
		if c.name == "test" {
			continue // its usage text belongs to the test command's owner; checked below
		}
		cases = append(cases,
			struct {
				golden string
				args   []string
				code   int
				stream string
			}{"help-" + c.name, []string{"help", c.name}, 0, "stdout"},
			struct {
				golden string
				args   []string
				code   int
				stream string
			}{"help-" + c.name, []string{c.name, "-h"}, 0, "stdout"},
			struct {
				golden string
				args   []string
				code   int
				stream string
			}{"help-" + c.name, []string{c.name, "--help"}, 0, "stdout"})
	}
	for _, c := range cases {
		t.Run(strings.Join(append([]string{"policygate"}, c.args...), " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(c.args, &out, &errOut)
			if code != c.code {
				t.Errorf("exit %d, want %d", code, c.code)
			}
			got, other := out.String(), errOut.String()
			if c.stream == "stderr" {
				got, other = other, got
			}
			if other != "" {
				t.Errorf("unexpected output on the other stream: %q", other)
			}
			// the settings list of `run` grows with every setting added; the
			// settings tests cover it
			if i := strings.Index(got, "\nsettings:\n"); i >= 0 {
				got = got[:i+len("\nsettings:\n")]
			}
			golden := filepath.Join("testdata", "cli", c.golden+".golden")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
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
		})
	}
}

// TestCLIEveryCommandListedAndHelped checks that the top-level help lists
// every registered command and that each answers -h with exit 0 and a
// usage line naming it.
func TestCLIEveryCommandListedAndHelped(t *testing.T) {
	var top bytes.Buffer
	run([]string{"help"}, &top, &top)
	for _, c := range commands {
		if !strings.Contains(top.String(), "\n  "+c.name+" ") {
			t.Errorf("top-level help does not list %q", c.name)
		}
		var out, errOut bytes.Buffer
		if code := run([]string{c.name, "-h"}, &out, &errOut); code != 0 || errOut.Len() > 0 {
			t.Errorf("%s -h: exit %d, stderr %q", c.name, code, errOut.String())
		}
		if !strings.Contains(out.String(), "usage: policygate "+c.name) {
			t.Errorf("%s -h lacks its synopsis:\n%s", c.name, out.String())
		}
	}
}

func TestCLIUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"validate"},
		{"validate", "--no-such-flag", "x.xml"},
		{"routes", "extra"},
		{"routes", "--bogus"},
		{"run", "--bogus"},
		{"run", "extra"},
		{"corpus-report", "extra"},
		{"version", "extra"},
		{"test"},
	} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if errOut.Len() == 0 || !strings.Contains(errOut.String(), "usage: policygate "+args[0]) {
			t.Errorf("%v: stderr lacks the synopsis: %q", args, errOut.String())
		}
	}
}

func TestCLIVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 0 {
			t.Errorf("%v: exit %d", args, code)
		}
		if !strings.HasPrefix(out.String(), "policygate ") || !strings.Contains(out.String(), " go1.") {
			t.Errorf("%v: %q", args, out.String())
		}
	}
}

func TestCLIHealth(t *testing.T) {
	base, _ := startRun(t, nil, "--listen", "127.0.0.1:0", "--admin", "none", "--set", "net.server.tls.dev-certificate=false")
	var out, errOut bytes.Buffer
	if code := run([]string{"health", "--url", base + "/status-0123456789abcdef"}, &out, &errOut); code != 0 || out.String() != "ok\n" {
		t.Errorf("ready gateway: exit %d, %q %q", code, out.String(), errOut.String())
	}
	out.Reset()
	errOut.Reset()
	if code := run([]string{"health", "--url", base + "/no-such-probe"}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "answered 404") {
		t.Errorf("404: exit %d, %q", code, errOut.String())
	}
}

func TestValidateProgress(t *testing.T) {
	var buf bytes.Buffer
	if p := newProgress(&buf, 1000); p.w != nil {
		t.Error("progress enabled on a writer that is not a terminal")
	}
	p := &progress{w: &buf, total: 300}
	p.step(120)
	p.done()
	if got := buf.String(); got != "\rvalidating 120/300 files\r\033[K" {
		t.Errorf("progress output %q", got)
	}
}
