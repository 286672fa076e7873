package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway"
	"github.com/policygate/policygate/gateway/demo"
	"github.com/policygate/policygate/policies"
)

const runUsage = `usage: policygate run [--config DIR] [--listen ADDR] [--admin ADDR] [--settings FILE] [--set NAME=VALUE]...

Serves the APIOps configuration in DIR (hot-reloaded on change), or, without
--config, the embedded demo: an echo API at /echo/ (try
curl localhost:8080/echo/hello). DIR is the artifact folder or the
repository root that holds it (the folder below with apis/ is used).

HTTP listens on :8080 and HTTPS on :8081; without a certificate
(net.server.tls.cert/key) HTTPS serves a generated self-signed development
certificate whose fingerprint is logged. The admin listener (127.0.0.1:8082)
serves /metrics, /routes and /trace/<id>.

Settings, lowest precedence first: defaults, --settings FILE (YAML when it
ends in .yaml/.yml, else key=value lines), the environment (the dotted name
itself, or POLICYGATE_ + the name in upper case with . and - as _), flags.

flags:
`

// runCmd implements policygate run.
func runCmd(args []string, stdout, stderr io.Writer) int {
	return runServer(args, stdout, stderr, os.LookupEnv, nil)
}

// setFlags collects repeated --set NAME=VALUE flags.
type setFlags map[string]string

func (s setFlags) String() string { return "" }
func (s setFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok {
		return errors.New("want NAME=VALUE")
	}
	s[strings.TrimSpace(k)] = val
	return nil
}

// runServer is runCmd with the environment and a context for tests (nil:
// until SIGINT or SIGTERM).
func runServer(args []string, stdout, stderr io.Writer, env func(string) (string, bool), ctx context.Context) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, runUsage)
		fs.PrintDefaults()
		fmt.Fprint(stderr, "\nsettings:\n"+gateway.SettingNames())
	}
	flags := setFlags{}
	config := fs.String("config", "", "APIOps artifact folder or repository root (config.path)")
	listen := fs.String("listen", "", "HTTP listen address (net.server.http.listen)")
	admin := fs.String("admin", "", "admin listen address (admin.listen)")
	settingsFile := fs.String("settings", "", "settings file")
	fs.Var(flags, "set", "NAME=VALUE setting (repeatable)")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "policygate run: unexpected argument %q\n%s\n", fs.Arg(0), strings.SplitN(runUsage, "\n", 2)[0])
		return 2
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "config":
			flags["config.path"] = *config
		case "listen":
			flags["net.server.http.listen"] = *listen
		case "admin":
			flags["admin.listen"] = *admin
		}
	})
	set, err := gateway.LoadSettings(*settingsFile, env, flags)
	if err != nil {
		fmt.Fprintln(stderr, "policygate run:", err)
		return 2
	}
	log := set.NewLogger(stderr)
	if err := policies.SetTrustedProxies(set.TrustedProxies); err != nil { // validated by LoadSettings
		fmt.Fprintln(stderr, "policygate run:", err)
		return 2
	}
	if set.ConfigDir != "" {
		dir, err := artifactDir(set.ConfigDir, log)
		if err != nil {
			log.Error("config: " + err.Error())
			return 2
		}
		set.ConfigDir = dir
	}
	policies.JWTVerdictCacheSize = set.JWTVerdictCacheSize // before any policy is compiled
	if ctx == nil {
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	srv := gateway.NewServer(set, log)
	ls, err := srv.Listen()
	if err != nil {
		log.Error("cannot listen", slog.Any("error", err))
		return 1
	}
	if set.Service.Endpoint != "" {
		if err := startFleetClient(ctx, set, srv, log); err != nil {
			log.Error("config: " + err.Error())
			return 2
		}
	} else if set.ConfigDir == "" {
		be, err := demo.StartBackend()
		if err != nil {
			log.Error("demo: cannot start the echo backend", slog.Any("error", err))
			return 1
		}
		defer be.Close()
		e, errs := engine.Compile(demo.Config(be.URL), engine.Options{})
		if e == nil {
			log.Error("demo: configuration does not compile", slog.Any("errors", errs.Error()))
			return 1
		}
		srv.Activate(e)
		log.Info("serving the embedded demo configuration: try curl http://localhost"+portOf(ls.HTTP.Addr().String())+"/echo/hello",
			slog.String("echoBackend", be.URL))
	} else {
		rl := gateway.NewReloader(set.ConfigDir, cachedLoader(), srv.Activate, log)
		rl.Debounce = set.ReloadDebounce
		rl.Refresh = set.NamedValueRefresh
		rl.OnResult = srv.Metrics().Reload
		rl.OnDone = srv.Metrics().ReloadDone
		if err := rl.Reload(ctx, true); err != nil {
			// probes stay 503 until a good configuration arrives
			log.Error("config: no configuration active yet; fix the errors above", slog.String("dir", set.ConfigDir))
		}
		if set.ReloadDebounce >= 0 {
			if err := gateway.Watch(ctx, set.ConfigDir, rl.Events, log); err != nil {
				log.Error("config: cannot watch the folder; hot reload is off", slog.Any("error", err))
			}
			go rl.Run(ctx)
		}
	}
	if err := srv.Serve(ctx, ls); err != nil {
		log.Error("server", slog.Any("error", err))
		return 1
	}
	log.Info("stopped")
	return 0
}

func portOf(addr string) string {
	if i := strings.LastIndex(addr, ":"); i >= 0 {
		return addr[i:]
	}
	return ""
}
