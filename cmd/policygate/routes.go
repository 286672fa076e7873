package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway"
	"github.com/policygate/policygate/gateway/demo"
)

const routesUsage = `usage: policygate routes [--config DIR] [--json]

Lists every API, revision, version and operation the configuration in DIR
serves (an APIOps artifact folder or the repository that holds one), with
the URL to call, the schemes allowed and whether a subscription key is
required. Without --config it lists the embedded demo. A running gateway
serves the same list on its admin listener at /routes.

flags:
`

func routesCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("routes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "APIOps artifact folder, or a repository root holding one")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	fs.Usage = func() { fmt.Fprint(stderr, routesUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "policygate routes: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	var cfg *engine.Config
	if *config == "" {
		cfg = demo.Config("http://127.0.0.1:0")
	} else {
		log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
		dir, err := artifactDir(*config, log)
		if err != nil {
			fmt.Fprintln(stderr, "policygate routes:", err)
			return 2
		}
		c, errs := loadConfig(dir)
		for _, e := range errs {
			fmt.Fprintln(stderr, e)
		}
		if c == nil || errs.HasErrors() {
			return 1
		}
		cfg = c
	}
	if err := gateway.WriteRoutes(stdout, gateway.ListRoutes(cfg), *asJSON); err != nil {
		fmt.Fprintln(stderr, "policygate routes:", err)
		return 1
	}
	return 0
}
