// Command policygate validates, tests and serves Azure API Management
// policies.
//
//	policygate validate [--config DIR] [--json] [--strict] PATH...
//	policygate corpus-report --corpus DIR --out FILE
//	policygate run [--config DIR] [--listen ADDR] [--admin ADDR] [--settings FILE]
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage: policygate <command> [flags] [args]

commands:
  validate       check policy files (documents, fragments, snippets)
  corpus-report  validate a policy corpus and write a Markdown report
  run            serve a configuration (or the embedded demo) as a gateway
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "validate":
		return validateCmd(args[1:], stdout, stderr)
	case "corpus-report":
		return corpusReportCmd(args[1:], stdout, stderr)
	case "test":
		return testCmd(args[1:], stdout, stderr)
	case "run":
		return runCmd(args[1:], stdout, stderr)
	case "config-server":
		return configServerCmd(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "policygate: unknown command %q\n%s", args[0], usage)
	return 2
}
