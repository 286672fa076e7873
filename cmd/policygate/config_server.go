package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/policygate/policygate/gateway"
	"github.com/policygate/policygate/gateway/apiops"
	"github.com/policygate/policygate/gateway/configclient"
	"github.com/policygate/policygate/gateway/configserver"
	"github.com/policygate/policygate/gateway/fleet"
	"github.com/policygate/policygate/namedvalues"
)

const configServerUsage = `usage: policygate config-server --config DIR --keys FILE [flags]
       policygate config-server keys --keys FILE --gateway NAME [--regenerate primary|secondary]
       policygate config-server token --keys FILE --gateway NAME [--key primary|secondary] [--expiry 30d]
       policygate config-server status [--admin URL]

Serves the APIOps folder DIR (hot-reloaded) to gateways started with
config.service.endpoint; gateways/<name>/apis.json assigns APIs to a gateway.
HTTPS needs --tls-cert and --tls-key; plain HTTP only with --insecure-http.

flags:
`

// configServerCmd implements policygate config-server and its subcommands.
func configServerCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "keys":
			return configKeysCmd(args[1:], stdout, stderr)
		case "token":
			return configTokenCmd(args[1:], stdout, stderr)
		case "status":
			return configStatusCmd(args[1:], stdout, stderr)
		}
	}
	return configServe(args, stderr, nil, nil)
}

// configServe runs the server until ctx is done (nil: SIGINT/SIGTERM);
// ready, when not nil, is told the listener addresses.
func configServe(args []string, stderr io.Writer, ctx context.Context, ready func(addr, admin string)) int {
	fs := flag.NewFlagSet("config-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, configServerUsage); fs.PrintDefaults() }
	dir := fs.String("config", "", "APIOps configuration folder")
	keys := fs.String("keys", "", "gateway keys file (policygate config-server keys creates it)")
	listen := fs.String("listen", ":8443", "listen address for gateways")
	admin := fs.String("admin", "127.0.0.1:8444", "admin listener: GET /gateways, /metrics (none: off)")
	cert := fs.String("tls-cert", "", "PEM certificate")
	key := fs.String("tls-key", "", "PEM private key")
	insecure := fs.Bool("insecure-http", false, "serve plain HTTP (local use only)")
	tenant := fs.String("entra-tenant", "", "accept Entra ID access tokens of this tenant")
	authority := fs.String("entra-authority", "https://login.microsoftonline.com", "Entra ID authority host")
	audience := fs.String("entra-audience", configserver.DefaultAudience, "required audience of Entra ID tokens")
	heartbeat := fs.Duration("heartbeat", fleet.DefaultHeartbeat, "heartbeat interval gateways use")
	logFormat := fs.String("log", "text", "log format: text or json")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *dir == "" || *keys == "" {
		fmt.Fprintln(stderr, "policygate config-server: --config and --keys are required")
		return 2
	}
	if (*cert == "") != (*key == "") || (*cert == "" && !*insecure) {
		fmt.Fprintln(stderr, "policygate config-server: give --tls-cert and --tls-key, or --insecure-http for plain HTTP")
		return 2
	}
	set := &gateway.Settings{LogFormat: *logFormat, LogLevel: "info"}
	log := set.NewLogger(stderr)
	if ctx == nil {
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
	}
	srv := configserver.New(configserver.Options{Dir: *dir, KeysFile: *keys, Heartbeat: *heartbeat, Log: log,
		Entra: configserver.EntraConfig{TenantID: *tenant, Authority: *authority, Audience: *audience}})
	if err := srv.Reload(); err != nil {
		log.Error("config-server: nothing published yet; fix the errors above")
	}
	go srv.Run(ctx)
	var tc *tls.Config
	if *cert != "" {
		c, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			fmt.Fprintln(stderr, "policygate config-server:", err)
			return 1
		}
		tc = &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: tls.VersionTLS12}
	} else {
		log.Warn("config-server: serving plain HTTP (--insecure-http): tokens and secrets travel in clear text")
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(stderr, "policygate config-server:", err)
		return 1
	}
	var aln net.Listener
	if *admin != "none" {
		if aln, err = net.Listen("tcp", *admin); err != nil {
			ln.Close()
			fmt.Fprintln(stderr, "policygate config-server:", err)
			return 1
		}
	}
	log.Info("config-server: listening", slog.String("addr", ln.Addr().String()), slog.Bool("tls", tc != nil), slog.Any("admin", addrOf(aln)))
	if ready != nil {
		ready(ln.Addr().String(), addrOf(aln))
	}
	if err := srv.Serve(ctx, ln, tc, aln); err != nil {
		log.Error("config-server", slog.Any("error", err))
		return 1
	}
	return 0
}

func addrOf(l net.Listener) string {
	if l == nil {
		return ""
	}
	return l.Addr().String()
}

func configKeysCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("config-server keys", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keys := fs.String("keys", "", "gateway keys file")
	gw := fs.String("gateway", "", "gateway name")
	regen := fs.String("regenerate", "", "primary or secondary: replace that key (its tokens stop working)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *keys == "" || *gw == "" {
		fmt.Fprintln(stderr, "usage: policygate config-server keys --keys FILE --gateway NAME [--regenerate primary|secondary]")
		return 2
	}
	kf, err := fleet.ReadKeys(*keys)
	if err != nil {
		fmt.Fprintln(stderr, "policygate config-server keys:", err)
		return 1
	}
	_, existed := kf.Gateways[*gw]
	if err := kf.Regenerate(*gw, *regen, time.Now()); err != nil {
		fmt.Fprintln(stderr, "policygate config-server keys:", err)
		return 2
	}
	if err := kf.Write(*keys); err != nil {
		fmt.Fprintln(stderr, "policygate config-server keys:", err)
		return 1
	}
	switch {
	case !existed:
		fmt.Fprintf(stdout, "gateway %s: primary and secondary keys created in %s\n", *gw, *keys)
	case *regen != "":
		fmt.Fprintf(stdout, "gateway %s: %s key regenerated; tokens signed with the old one no longer work\n", *gw, *regen)
	default:
		fmt.Fprintf(stdout, "gateway %s: keys unchanged\n", *gw)
	}
	return 0
}

// parseExpiry reads 30d, 12h, 90m or a Go duration.
func parseExpiry(v string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		d, err := strconv.Atoi(n)
		return time.Duration(d) * 24 * time.Hour, err
	}
	return time.ParseDuration(v)
}

func configTokenCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("config-server token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keys := fs.String("keys", "", "gateway keys file")
	gw := fs.String("gateway", "", "gateway name")
	which := fs.String("key", "primary", "primary or secondary")
	expiry := fs.String("expiry", "30d", "lifetime, at most 30d")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	d, err := parseExpiry(*expiry)
	if err != nil || d <= 0 || d > fleet.MaxTokenLifetime {
		fmt.Fprintln(stderr, "policygate config-server token: --expiry must be a positive duration of at most 30d")
		return 2
	}
	kf, err := fleet.ReadKeys(*keys)
	if err != nil {
		fmt.Fprintln(stderr, "policygate config-server token:", err)
		return 1
	}
	k, ok := kf.Gateways[*gw]
	if !ok {
		fmt.Fprintf(stderr, "policygate config-server token: gateway %q has no keys in %s (create them with policygate config-server keys)\n", *gw, *keys)
		return 1
	}
	key := k.Primary
	switch *which {
	case "primary":
	case "secondary":
		key = k.Secondary
	default:
		fmt.Fprintln(stderr, "policygate config-server token: --key is primary or secondary")
		return 2
	}
	fmt.Fprintln(stdout, fleet.MintToken(*gw, key, time.Now().Add(d)))
	return 0
}

func configStatusCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("config-server status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	admin := fs.String("admin", "http://127.0.0.1:8444", "the server's admin URL")
	asJSON := fs.Bool("json", false, "print the JSON of GET /gateways")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(strings.TrimRight(*admin, "/") + "/gateways")
	if err != nil {
		fmt.Fprintln(stderr, "policygate config-server status:", err)
		return 1
	}
	defer resp.Body.Close()
	var gws []fleet.GatewayStatus
	if err := json.NewDecoder(resp.Body).Decode(&gws); err != nil {
		fmt.Fprintln(stderr, "policygate config-server status:", err)
		return 1
	}
	if *asJSON {
		e := json.NewEncoder(stdout)
		e.SetIndent("", "  ")
		e.Encode(gws)
		return 0
	}
	printStatus(stdout, gws, time.Now())
	return 0
}

// printStatus prints one line per gateway.
func printStatus(w io.Writer, gws []fleet.GatewayStatus, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "GATEWAY\tAPIS\tINSTANCES\tLAST SEEN\tCONFIG VERSION\tIN SYNC\tLAST ERROR")
	for _, g := range gws {
		apis := strconv.Itoa(len(g.APIs))
		if !g.Assigned {
			apis = "none assigned"
		}
		last, sync, lastErr := "-", "-", ""
		if len(g.Instances) > 0 {
			var seen time.Time
			n := 0
			for _, in := range g.Instances {
				if in.LastSeen.After(seen) {
					seen = in.LastSeen
				}
				if in.InSync {
					n++
				}
				if in.LastError != "" {
					lastErr = in.InstanceID + ": " + in.LastError
				}
			}
			last = now.Sub(seen).Truncate(time.Second).String() + " ago"
			sync = fmt.Sprintf("%d/%d", n, len(g.Instances))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", g.Name, apis, len(g.Instances), last, g.ConfigVersion, sync, lastErr)
	}
	tw.Flush()
}

// startFleetClient makes policygate run pull its configuration from
// config.service.endpoint.
func startFleetClient(ctx context.Context, set *gateway.Settings, srv *gateway.Server, log *slog.Logger) error {
	c, err := configclient.New(configclient.Options{Settings: set.Service, Server: srv, Log: log, Refresh: set.NamedValueRefresh,
		LoadOptions: []apiops.Option{apiops.WithNamedValueOptions(namedvalues.WithResolver(namedvalues.NewKeyVaultResolver()))}})
	if err != nil {
		return err
	}
	log.Info("config: pulling the configuration of gateway "+c.Name(), slog.String("endpoint", set.Service.Endpoint))
	go c.Run(ctx)
	return nil
}
