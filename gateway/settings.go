package gateway

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/gateway/doclimit"
	"github.com/policygate/policygate/policies"
	"github.com/policygate/policygate/policies/state/redisstate"
)

// Settings are the server's run-time settings. Each has a dotted name; where
// the self-hosted gateway (v2) has a setting for the same thing, the name is
// the same (telemetry.logs.std, telemetry.logs.std.level,
// net.server.http.forwarded.proto.enabled).
//
// Sources, lowest precedence first: built-in defaults, the settings file,
// the environment, command-line flags. In the environment a setting is
// read under its dotted name as written (as the self-hosted gateway's
// env-file does, e.g. `telemetry.logs.std=json`) and under POLICYGATE_ plus
// the name in upper case with dots and dashes as underscores
// (POLICYGATE_TELEMETRY_LOGS_STD); the POLICYGATE_ form wins when both are
// set. The settings file is YAML when its name ends in .yaml or .yml
// (flat dotted keys or nested maps), otherwise key=value lines (# starts a
// comment).
type Settings struct {
	// ConfigDir is the APIOps artifact folder; empty serves the embedded
	// demo configuration. (config.path)
	ConfigDir string
	// HTTPAddr is the HTTP listener (net.server.http.listen, ":8080").
	HTTPAddr string
	// HTTPSAddr is the HTTPS listener, used when TLSCert and TLSKey are set
	// (net.server.https.listen, ":8081").
	HTTPSAddr string
	// TLSCert and TLSKey are PEM files (net.server.tls.cert, net.server.tls.key).
	TLSCert, TLSKey string
	// AdminAddr serves /metrics and /trace/<id> (admin.listen,
	// "127.0.0.1:8082"); "none" turns it off.
	AdminAddr string
	// LogFormat is text, json or none (telemetry.logs.std).
	LogFormat string
	// LogLevel is all, debug, info, warn, error or fatal
	// (telemetry.logs.std.level).
	LogLevel string
	// ForwardedProto trusts X-Forwarded-Proto for the request scheme
	// (net.server.http.forwarded.proto.enabled).
	ForwardedProto bool
	// TrustedProxies are the addresses or CIDR ranges of proxies whose
	// X-Forwarded-For the ip-filter policy believes
	// (net.server.http.forwarded.trusted-proxies, comma-separated).
	TrustedProxies []string
	// Server timeouts (net.server.timeout.read-header, .read, .write, .idle)
	// and the drain time on shutdown (net.server.shutdown.timeout).
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout, ShutdownTimeout time.Duration
	// MaxBody caps a buffered request body in bytes (net.server.max-body).
	MaxBody int64
	// ReloadDebounce is the quiet time after a file event before a rebuild
	// (config.reload.debounce); a negative value turns watching off.
	ReloadDebounce time.Duration
	// NamedValueRefresh is the Key Vault refresh interval
	// (namedvalues.keyvault.refresh).
	NamedValueRefresh time.Duration
	// DebugToken enables per-request tracing for requests whose
	// Apim-Debug-Authorization header equals it (debug.token; empty: off).
	DebugToken string
	// TraceStoreSize bounds the stored traces (debug.trace.store.size).
	TraceStoreSize int
	// ExprTimeBudget is the wall-clock time of one expression evaluation
	// (expressions.budget.time); ExprMemoryBudget the bytes the expressions
	// of one request may build (expressions.budget.memory).
	ExprTimeBudget   time.Duration
	ExprMemoryBudget int64
	// ExprMemoryTotal bounds what the expressions of all requests in flight
	// may build together (expressions.budget.memory.total).
	ExprMemoryTotal int64
	// Redis holds rate-limit, quota and token-limit counters and the
	// external cache when RedisURL is set (cache.redis.url, .password,
	// .prefix, .timeout, .fail-closed; see README "Shared state on Redis").
	RedisURL, RedisPassword, RedisPrefix string
	RedisTimeout                         time.Duration
	RedisFailClosed                      bool
	// HTTP limits: request head bytes (net.server.max-header-bytes), URL
	// length (net.server.max-url-length), body bytes buffered by all
	// requests at once (net.server.max-buffered-body-bytes) and open
	// connections (net.server.max-connections; 0: no cap).
	MaxHeaderBytes, MaxURLLength int
	MaxBufferedBodyBytes         int64
	MaxConnections               int
	// MaxSeriesPerMetric caps the emit-metric series per metric name
	// (telemetry.metrics.max-series; 0: no cap).
	MaxSeriesPerMetric int
	// DevCertificate serves HTTPS with a generated self-signed certificate
	// when none is configured (net.server.tls.dev-certificate).
	DevCertificate bool
	// OpenTelemetry export over OTLP/HTTP, with the self-hosted gateway's
	// names: observability.opentelemetry.enabled, .collector.uri and
	// .histogram.buckets (bounds in ms, also used, in seconds, by the
	// Prometheus histograms).
	OTelEnabled      bool
	OTelCollectorURI string
	OTelBuckets      []float64
	// ClientCertificate is none, request or require: whether the HTTPS
	// listener asks clients for a certificate (net.server.tls.client-certificate).
	ClientCertificate string
	// ClientCA is a PEM bundle of the certificate authorities client
	// certificates are verified against (net.server.tls.client-certificate.ca).
	ClientCA string
	// RevocationCheck turns CRL checks of client certificates on
	// (security.certificate-revocation.validation.enabled); CRLFiles are the
	// PEM or DER revocation lists (security.certificate-revocation.crl).
	RevocationCheck bool
	CRLFiles        []string
	// DaprHTTPEndpoint is the Dapr sidecar's HTTP API base URL for
	// publish-to-dapr and invoke-dapr-binding (dapr.http.endpoint; empty:
	// DAPR_HTTP_ENDPOINT, then http://localhost:$DAPR_HTTP_PORT, then
	// http://localhost:3500).
	DaprHTTPEndpoint string
	// Service is self-hosted gateway mode (config.service.*).
	Service ServiceSettings
	// JWTVerdictCacheSize bounds each validate-jwt / validate-azure-ad-token
	// policy's cache of validated tokens (policies.jwt.verdict-cache.size;
	// 0: no cache).
	JWTVerdictCacheSize int
}

// setting describes one dotted name: its default and how to store it.
type setting struct {
	name, def, doc string
	set            func(s *Settings, v string) error
}

func durSetting(name, def, doc string, f func(*Settings) *time.Duration) setting {
	return setting{name, def, doc, func(s *Settings, v string) error {
		d, err := parseDuration(v)
		*f(s) = d
		return err
	}}
}

func strSetting(name, def, doc string, f func(*Settings) *string, allowed ...string) setting {
	return setting{name, def, doc, func(s *Settings, v string) error {
		if len(allowed) > 0 {
			ok := false
			for _, a := range allowed {
				if strings.EqualFold(a, v) {
					ok, v = true, a
				}
			}
			if !ok {
				return fmt.Errorf("want one of %s", strings.Join(allowed, ", "))
			}
		}
		*f(s) = v
		return nil
	}}
}

// settingsTable lists every setting; SettingNames and the usage text come
// from it.
var settingsTable = []setting{
	strSetting("config.path", "", "APIOps artifact folder (empty: embedded demo)", func(s *Settings) *string { return &s.ConfigDir }),
	strSetting("net.server.http.listen", ":8080", "HTTP listen address", func(s *Settings) *string { return &s.HTTPAddr }),
	strSetting("net.server.https.listen", ":8081", "HTTPS listen address (with a certificate)", func(s *Settings) *string { return &s.HTTPSAddr }),
	strSetting("net.server.tls.cert", "", "PEM certificate for HTTPS", func(s *Settings) *string { return &s.TLSCert }),
	strSetting("net.server.tls.key", "", "PEM private key for HTTPS", func(s *Settings) *string { return &s.TLSKey }),
	strSetting("admin.listen", "127.0.0.1:8082", "admin listener: /metrics, /trace/<id> (none: off)", func(s *Settings) *string { return &s.AdminAddr }),
	strSetting("telemetry.logs.std", "text", "log format", func(s *Settings) *string { return &s.LogFormat }, "text", "json", "none"),
	strSetting("telemetry.logs.std.level", "info", "log level", func(s *Settings) *string { return &s.LogLevel }, "all", "debug", "info", "warn", "error", "fatal"),
	{"net.server.http.forwarded.proto.enabled", "false", "take the scheme from X-Forwarded-Proto", func(s *Settings, v string) error {
		b, err := strconv.ParseBool(v)
		s.ForwardedProto = b
		return err
	}},
	{"net.server.http.forwarded.trusted-proxies", "", "comma-separated proxy addresses or CIDR ranges whose X-Forwarded-For ip-filter believes", func(s *Settings, v string) error {
		s.TrustedProxies = nil
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				s.TrustedProxies = append(s.TrustedProxies, p)
			}
		}
		_, err := policies.ParseTrustedProxies(s.TrustedProxies) // the server applies it
		return err
	}},
	durSetting("net.server.timeout.read-header", "10s", "time to read request headers", func(s *Settings) *time.Duration { return &s.ReadHeaderTimeout }),
	durSetting("net.server.timeout.read", "60s", "time to read a whole request", func(s *Settings) *time.Duration { return &s.ReadTimeout }),
	durSetting("net.server.timeout.write", "330s", "time to write a response (forward-request's default timeout is 300 s)", func(s *Settings) *time.Duration { return &s.WriteTimeout }),
	durSetting("net.server.timeout.idle", "120s", "keep-alive idle time", func(s *Settings) *time.Duration { return &s.IdleTimeout }),
	durSetting("net.server.shutdown.timeout", "30s", "drain time on SIGTERM/SIGINT", func(s *Settings) *time.Duration { return &s.ShutdownTimeout }),
	bytesSetting("net.server.max-body", DefaultMaxBody, "max buffered request body in bytes", func(s *Settings) *int64 { return &s.MaxBody }),
	durSetting("config.reload.debounce", "100ms", "quiet time before a reload (negative: no watching)", func(s *Settings) *time.Duration { return &s.ReloadDebounce }),
	durSetting("namedvalues.keyvault.refresh", "4h", "Key Vault named value refresh interval", func(s *Settings) *time.Duration { return &s.NamedValueRefresh }),
	strSetting("debug.token", "", "Apim-Debug-Authorization value that turns tracing on", func(s *Settings) *string { return &s.DebugToken }),
	{"debug.trace.store.size", "256", "traces kept for /trace/<id>", func(s *Settings, v string) error {
		n, err := strconv.Atoi(v)
		if err == nil && n <= 0 {
			err = fmt.Errorf("must be positive")
		}
		s.TraceStoreSize = n
		return err
	}},
	{"cache.redis.url", "", "Redis for counters and the external cache, shared by a fleet: redis:// or rediss:// (TLS), user:password@ allowed; ?addr= for Cluster, ?master_name= for Sentinel (empty: in memory)", func(s *Settings, v string) error {
		s.RedisURL = v
		if v == "" {
			return nil
		}
		return redisstate.CheckURL(v)
	}},
	strSetting("cache.redis.password", "", "Redis password (a secret, never logged; overrides the URL's)", func(s *Settings) *string { return &s.RedisPassword }),
	strSetting("cache.redis.prefix", "policygate:", "prefix of every Redis key (several fleets on one Redis)", func(s *Settings) *string { return &s.RedisPrefix }),
	durSetting("cache.redis.timeout", "100ms", "bound of every Redis call; slower counts as unavailable", func(s *Settings) *time.Duration { return &s.RedisTimeout }),
	{"cache.redis.fail-closed", "false", "refuse (429) calls whose rate limit or quota cannot be checked because Redis is unavailable (default: serve them)", func(s *Settings, v string) error {
		b, err := strconv.ParseBool(v)
		s.RedisFailClosed = b
		return err
	}},
	intSetting("net.server.max-header-bytes", DefaultMaxHeaderBytes, 1, "max bytes of a request head (request line and headers; larger: 431)", func(s *Settings) *int { return &s.MaxHeaderBytes }),
	intSetting("net.server.max-url-length", DefaultMaxURLLength, 1, "max length of a request URL (longer: 414)", func(s *Settings) *int { return &s.MaxURLLength }),
	bytesSetting("net.server.max-buffered-body-bytes", DefaultMaxBufferedBodyBytes, "max request body bytes buffered by all requests at once (beyond: 503)", func(s *Settings) *int64 { return &s.MaxBufferedBodyBytes }),
	intSetting("net.server.max-connections", DefaultMaxConnections, 0, "max open client connections per listener (0: no cap)", func(s *Settings) *int { return &s.MaxConnections }),
	intSetting("telemetry.metrics.max-series", policies.DefaultMaxSeriesPerMetric, 0, "max emit-metric series per metric name; the rest fold into an overflow series (0: no cap)", func(s *Settings) *int { return &s.MaxSeriesPerMetric }),
	{"observability.opentelemetry.enabled", "false", "export traces and metrics over OTLP/HTTP", func(s *Settings, v string) error {
		b, err := strconv.ParseBool(v)
		s.OTelEnabled = b
		return err
	}},
	strSetting("observability.opentelemetry.collector.uri", "", "OTLP/HTTP collector base URL (http://otel-collector:4318)", func(s *Settings) *string { return &s.OTelCollectorURI }),
	{"observability.opentelemetry.histogram.buckets", "5,10,25,50,100,250,500,1000,2500,5000,10000", "duration histogram bounds in ms, comma-separated", func(s *Settings, v string) error {
		s.OTelBuckets = nil
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			n, err := strconv.ParseFloat(f, 64)
			if err != nil || n <= 0 || (len(s.OTelBuckets) > 0 && n <= s.OTelBuckets[len(s.OTelBuckets)-1]) {
				return fmt.Errorf("want increasing positive numbers of milliseconds")
			}
			s.OTelBuckets = append(s.OTelBuckets, n)
		}
		return nil
	}},
	{"net.server.tls.dev-certificate", "true", "without net.server.tls.cert, serve HTTPS with a generated self-signed development certificate", func(s *Settings, v string) error {
		b, err := strconv.ParseBool(v)
		s.DevCertificate = b
		return err
	}},
	strSetting("net.server.tls.client-certificate", "none", "ask HTTPS clients for a certificate: none, request (policies decide), require (handshake fails without a trusted one)", func(s *Settings) *string { return &s.ClientCertificate }, "none", "request", "require"),
	strSetting("net.server.tls.client-certificate.ca", "", "PEM bundle of the CAs client certificates must chain to (empty: system roots)", func(s *Settings) *string { return &s.ClientCA }),
	{"security.certificate-revocation.validation.enabled", "false", "check client certificates against the CRLs", func(s *Settings, v string) error {
		b, err := strconv.ParseBool(v)
		s.RevocationCheck = b
		return err
	}},
	{"security.certificate-revocation.crl", "", "comma-separated CRL files (PEM or DER) for client certificate revocation checks", func(s *Settings, v string) error {
		s.CRLFiles = nil
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				s.CRLFiles = append(s.CRLFiles, p)
			}
		}
		return nil
	}},
	durSetting("expressions.budget.time", "5s", "wall-clock time of one expression evaluation (then 500)", func(s *Settings) *time.Duration { return &s.ExprTimeBudget }),
	bytesSetting("expressions.budget.memory", expressions.DefaultMemoryBudget, "bytes the expressions of one request may build (then 500)", func(s *Settings) *int64 { return &s.ExprMemoryBudget }),
	bytesSetting("expressions.budget.memory.total", DefaultExprMemoryTotal, "bytes the expressions of all requests in flight may build together (then 500)", func(s *Settings) *int64 { return &s.ExprMemoryTotal }),
	intSetting("policies.jwt.verdict-cache.size", policies.DefaultJWTVerdictCacheSize, 0, "validated tokens remembered per validate-jwt / validate-azure-ad-token policy (0: no cache)", func(s *Settings) *int { return &s.JWTVerdictCacheSize }),
	{"dapr.http.endpoint", "", "Dapr sidecar HTTP API for publish-to-dapr and invoke-dapr-binding (empty: DAPR_HTTP_ENDPOINT, else http://localhost:$DAPR_HTTP_PORT, else http://localhost:3500)", func(s *Settings, v string) error {
		s.DaprHTTPEndpoint = v
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err == nil && (u.Scheme != "http" && u.Scheme != "https" || u.Host == "") {
			err = fmt.Errorf("must be an http:// or https:// URL")
		}
		return err
	}},
}

// bytesSetting is a positive byte count.
func bytesSetting(name string, def int64, doc string, f func(*Settings) *int64) setting {
	return setting{name, strconv.FormatInt(def, 10), doc, func(s *Settings, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err == nil && n <= 0 {
			err = fmt.Errorf("must be positive")
		}
		*f(s) = n
		return err
	}}
}

// intSetting is an integer setting of at least least.
func intSetting(name string, def, least int, doc string, f func(*Settings) *int) setting {
	return setting{name, strconv.Itoa(def), doc, func(s *Settings, v string) error {
		n, err := strconv.Atoi(v)
		if err == nil && n < least {
			err = fmt.Errorf("must be at least %d", least)
		}
		*f(s) = n
		return err
	}}
}

// parseDuration reads a Go duration ("1m30s"), a number of seconds, or a
// .NET TimeSpan as the self-hosted gateway writes them ("00:01:40").
func parseDuration(v string) (time.Duration, error) {
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		return time.Duration(n * float64(time.Second)), nil
	}
	if p := strings.Split(v, ":"); len(p) == 3 {
		h, e1 := strconv.Atoi(p[0])
		m, e2 := strconv.Atoi(p[1])
		s, e3 := strconv.ParseFloat(p[2], 64)
		if e1 == nil && e2 == nil && e3 == nil {
			return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s*float64(time.Second)), nil
		}
	}
	return time.ParseDuration(v)
}

// SettingNames returns every setting name with its default and meaning, one
// per line, for usage texts.
func SettingNames() string {
	var b strings.Builder
	for _, st := range settingsTable {
		fmt.Fprintf(&b, "  %-42s %s (default %q)\n", st.name, st.doc, st.def)
	}
	return b.String()
}

// EnvName is the POLICYGATE_ environment name of a dotted setting name.
func EnvName(name string) string {
	return "POLICYGATE_" + strings.NewReplacer(".", "_", "-", "_").Replace(strings.ToUpper(name))
}

// LoadSettings builds Settings from, in rising precedence, the defaults,
// the settings file (when file is not empty), the environment (env, e.g.
// os.LookupEnv; nil for none) and flags (dotted name → value). Unknown
// names in the file or flags and bad values are errors; unknown dotted
// names in the environment are ignored.
func LoadSettings(file string, env func(string) (string, bool), flags map[string]string) (*Settings, error) {
	vals := map[string]string{}
	for _, st := range settingsTable {
		vals[st.name] = st.def
	}
	known := func(n string) bool { _, ok := vals[n]; return ok }
	if file != "" {
		fv, err := readSettingsFile(file)
		if err != nil {
			return nil, err
		}
		for k, v := range fv {
			if !known(k) {
				return nil, fmt.Errorf("%s: unknown setting %q", file, k)
			}
			vals[k] = v
		}
	}
	if env != nil {
		for _, st := range settingsTable {
			if v, ok := env(st.name); ok {
				vals[st.name] = v
			}
			if v, ok := env(EnvName(st.name)); ok {
				vals[st.name] = v
			}
		}
	}
	for k, v := range flags {
		if !known(k) {
			return nil, fmt.Errorf("unknown setting %q", k)
		}
		vals[k] = v
	}
	s := &Settings{}
	for _, st := range settingsTable {
		if err := st.set(s, strings.TrimSpace(vals[st.name])); err != nil {
			return nil, fmt.Errorf("setting %s=%q: %w", st.name, shownSetting(st.name, vals[st.name]), err)
		}
	}
	if s.OTelEnabled && s.OTelCollectorURI == "" {
		return nil, fmt.Errorf("observability.opentelemetry.enabled needs observability.opentelemetry.collector.uri")
	}
	if (s.TLSCert == "") != (s.TLSKey == "") {
		return nil, fmt.Errorf("net.server.tls.cert and net.server.tls.key go together")
	}
	return s, nil
}

// readSettingsFile reads a YAML or key=value settings file into dotted names.
func readSettingsFile(file string) (map[string]string, error) {
	data, err := doclimit.ReadFile(file)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	switch strings.ToLower(filepath.Ext(file)) {
	case ".yaml", ".yml":
		var m map[string]any
		var root yaml.Node
		if err := yaml.Unmarshal(data, &root); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if err := doclimit.CheckYAML(&root); err != nil {
			de := err.(*doclimit.Error)
			return nil, fmt.Errorf("%s:%d:%d: %s", file, de.Line, de.Col, de.Msg)
		}
		if len(root.Content) > 0 {
			if err := root.Content[0].Decode(&m); err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
		}
		flattenYAML("", m, out)
	default:
		sc := bufio.NewScanner(bytes.NewReader(data))
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return nil, fmt.Errorf("%s:%d: want key=value", file, n)
			}
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return out, nil
}

func flattenYAML(prefix string, m map[string]any, out map[string]string) {
	keys := slices.Sorted(maps.Keys(m))
	for _, k := range keys {
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		switch v := m[k].(type) {
		case map[string]any:
			flattenYAML(name, v, out)
		case nil:
			out[name] = ""
		default:
			out[name] = fmt.Sprint(v)
		}
	}
}

// NewLogger builds the logger the settings ask for, writing to w (stderr in
// policygate run).
func (s *Settings) NewLogger(w io.Writer) *slog.Logger {
	var lvl slog.Level
	switch s.LogLevel {
	case "all", "debug":
		lvl = slog.LevelDebug
	case "warn":
		lvl = slog.LevelWarn
	case "error", "fatal":
		lvl = slog.LevelError
	}
	o := &slog.HandlerOptions{Level: lvl}
	switch s.LogFormat {
	case "json":
		return slog.New(slog.NewJSONHandler(w, o))
	case "none":
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(w, o))
}
