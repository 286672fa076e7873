package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/policygate/policygate/gateway"
)

const healthUsage = `usage: policygate health [--url URL] [--timeout DURATION]

Asks a running gateway's probe whether a configuration is active: exit 0
when it answers 200, 1 otherwise. For container health checks in images
without curl (the Dockerfile's HEALTHCHECK).

flags:
`

func healthCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "http://127.0.0.1:8080"+gateway.StatusPath, "probe URL")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	fs.Usage = func() { fmt.Fprint(stderr, healthUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "policygate health: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	client := &http.Client{Timeout: *timeout, Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Get(*url)
	if err != nil {
		fmt.Fprintln(stderr, "policygate health:", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "policygate health: %s answered %d (no configuration active yet?)\n", *url, resp.StatusCode)
		return 1
	}
	fmt.Fprintln(stdout, "ok")
	return 0
}
