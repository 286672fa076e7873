// Command policygate validates, tests and serves Azure API Management
// policies.
//
//	policygate validate [--config DIR] [--json] [--strict] PATH...
//	policygate test [--junit FILE] [--trace] PATH...
//	policygate run [--config DIR] [--listen ADDR] [--admin ADDR] [--settings FILE]
//	policygate routes [--config DIR] [--json]
//	policygate corpus-report --corpus DIR --out FILE
//	policygate health [--url URL]
//	policygate help [COMMAND]
//	policygate --version
//
// Exit codes: 0 success (and help), 1 the work found problems (invalid
// files, failed cases, a server error), 2 usage errors.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
)

// command is one subcommand. A new subcommand joins the CLI with one line
// in commands; its run function prints its usage (synopsis first, then its
// flags) to stderr on -h and on usage errors, which is where `policygate
// help CMD` and `CMD -h` take the help text from.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = []command{
	{"validate", "check policy files (documents, fragments, snippets)", validateCmd},
	{"test", "run conformance case files through the real gateway", testCmd},
	{"run", "serve a configuration (or the embedded demo) as a gateway", runCmd},
	{"config-server", "serve an APIOps folder to a fleet of gateways; keys, tokens and fleet status", configServerCmd},
	{"routes", "list the APIs, revisions, versions and operations a configuration serves", routesCmd},
	{"corpus-report", "validate a policy corpus and write a Markdown report", corpusReportCmd},
	{"health", "ask a running gateway's probe whether it is ready (for container health checks)", healthCmd},
	{"version", "print the version and the commit it was built from", versionCmd},
}

func lookupCommand(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

func usage() string {
	var b strings.Builder
	b.WriteString("usage: policygate <command> [flags] [args]\n       policygate help [command]\n       policygate --version\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-14s %s\n", c.name, c.summary)
	}
	b.WriteString("\n`policygate help <command>` or `policygate <command> -h` shows a command's flags.\nExit codes: 0 success, 1 problems found, 2 usage error.\n")
	return b.String()
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) < 2 || args[0] != "help" {
			fmt.Fprint(stdout, usage())
			return 0
		}
		c := lookupCommand(args[1])
		if c == nil {
			fmt.Fprintf(stderr, "policygate help: unknown command %q\n%s", args[1], usage())
			return 2
		}
		return commandHelp(c, stdout)
	case "--version", "-version", "-v":
		return versionCmd(nil, stdout, stderr)
	}
	c := lookupCommand(args[0])
	if c == nil {
		fmt.Fprintf(stderr, "policygate: unknown command %q\n%s", args[0], usage())
		return 2
	}
	if wantsHelp(args[1:]) {
		return commandHelp(c, stdout)
	}
	return c.run(args[1:], stdout, stderr)
}

// wantsHelp reports a -h, -help or --help among the flags (before "--").
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// commandHelp prints a command's summary and usage to stdout: help that was
// asked for is output, not an error.
func commandHelp(c *command, stdout io.Writer) int {
	var help bytes.Buffer
	c.run([]string{"-h"}, io.Discard, &help)
	fmt.Fprintf(stdout, "policygate %s: %s\n\n%s", c.name, c.summary, help.String())
	return 0
}
