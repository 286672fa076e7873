package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// buildCommit is the commit when the build sets it (make build:
// -ldflags -X main.buildCommit=…), for builds without VCS stamping.
var buildCommit string

const versionUsage = "usage: policygate version\n       policygate --version\n"

// versionCmd prints the module version and the VCS commit the binary was
// built from (as `go build` records them).
func versionCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, versionUsage) }
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "policygate version: unexpected argument %q\n%s", fs.Arg(0), versionUsage)
		return 2
	}
	fmt.Fprintln(stdout, versionString())
	return 0
}

// versionString is "policygate VERSION (commit C[, modified], TIME) GO".
func versionString() string {
	version, commit, when, modified := "(devel)", "", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" {
			version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if commit == "" {
		commit = buildCommit
	}
	out := "policygate " + version
	if commit != "" {
		if len(commit) > 12 {
			commit = commit[:12]
		}
		out += " (commit " + commit
		if modified {
			out += ", modified"
		}
		if when != "" {
			out += ", " + when
		}
		out += ")"
	} else {
		out += " (no VCS information: built outside a git checkout or with -buildvcs=false)"
	}
	return out + " " + runtime.Version()
}
