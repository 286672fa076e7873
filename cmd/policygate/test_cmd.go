package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/policygate/policygate/conformance"
)

// testCmd runs conformance case files:
//
//	policygate test [--junit FILE] [--trace] PATH...
//
// Exit 0 when every case passed, 1 when one failed, 2 when a file cannot be
// read or is invalid (or the command line is wrong).
func testCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	junit := fs.String("junit", "", "write a JUnit XML report to `FILE`")
	trace := fs.Bool("trace", false, "print the policy trace of each failing request")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: policygate test [--junit FILE] [--trace] PATH...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	rep, err := conformance.RunFiles(fs.Args(), conformance.Options{Trace: *trace, Out: stdout})
	if errors.Is(err, conformance.ErrNoGateway) {
		fmt.Fprintln(stderr, "policygate test:", conformance.ErrNoGateway)
		return 2
	}
	for _, e := range rep.Errors {
		fmt.Fprintln(stderr, e)
	}
	fmt.Fprintln(stdout, rep.Summary())
	if *junit != "" {
		f, ferr := os.Create(*junit)
		if ferr == nil {
			ferr = rep.WriteJUnit(f)
			if cerr := f.Close(); ferr == nil {
				ferr = cerr
			}
		}
		if ferr != nil {
			fmt.Fprintln(stderr, "policygate test: --junit:", ferr)
			return 2
		}
	}
	switch {
	case len(rep.Errors) > 0:
		return 2
	case rep.Failed() > 0:
		return 1
	}
	return 0
}
