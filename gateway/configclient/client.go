// Package configclient is the gateway side of self-hosted gateway mode:
// it pulls this gateway's snapshot from a configuration endpoint (package
// fleet describes the protocol), compiles it beside the running
// configuration and swaps it in, keeps a backup, and sends heartbeats.
//
// Fail static, as the self-hosted gateway's table says: when the endpoint
// is unreachable or refuses the credential (an expired token included) a
// running gateway keeps serving its last snapshot, logs a warning at most
// once a minute, and its readiness stays 200; a gateway (re)starting while
// the endpoint is down starts from the backup when config.backup.path is
// set and holds a valid one, otherwise its readiness is 503 until the
// first snapshot arrives. On reconnection the newest snapshot is pulled.
// A snapshot that does not load or compile is rejected with its
// file:line:col errors in the log and in the heartbeat, and the previous
// one keeps serving.
package configclient

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway"
	"github.com/policygate/policygate/gateway/apiops"
	"github.com/policygate/policygate/gateway/fleet"
	"github.com/policygate/policygate/identity"
	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/parser"
)

// ExpiryWarning is how long before its expiry a token is warned about.
const ExpiryWarning = 7 * 24 * time.Hour

// BackupFile is the backup's file name inside config.backup.path.
const BackupFile = "snapshot.json"

// Options configure a Client.
type Options struct {
	Settings gateway.ServiceSettings
	// Server is the gateway the snapshots are activated on.
	Server *gateway.Server
	Log    *slog.Logger
	// TLS is the base TLS configuration for the endpoint and the Entra ID
	// authority (tests give their CA); nil uses the system roots.
	TLS *tls.Config
	// Env reads the environment (default os.LookupEnv); snapshot values
	// take precedence.
	Env func(string) (string, bool)
	// LoadOptions go to apiops.Load (a Key Vault resolver, say).
	LoadOptions []apiops.Option
	Strict      bool
	// InstanceID names this instance in heartbeats (default random).
	InstanceID string
	// Refresh is the Key Vault named value refresh interval
	// (namedvalues.keyvault.refresh; 0: the namedvalues default).
	Refresh time.Duration
}

// Client pulls and applies snapshots.
type Client struct {
	o     Options
	set   gateway.ServiceSettings
	log   *slog.Logger
	http  *http.Client
	cred  credential
	base  string
	host  string
	ver   string
	beat  chan struct{}
	clock func() time.Time

	mu      sync.Mutex
	current *fleet.Snapshot
	lastErr string
	warned  map[string]time.Time
	down    bool
	expiry  time.Time

	cache *engine.CompileCache
	// apis keeps the API folders of loaded, the last snapshot loaded
	// (applied or rejected).
	apis   *apiops.Cache
	loaded *fleet.Snapshot

	// applyMu orders applies and Key Vault recompiles; under it, cfg is
	// the active configuration and stopNV stops its refresh timer.
	applyMu sync.Mutex
	runCtx  context.Context
	cfg     *engine.Config
	stopNV  func()

	applies   *prometheus.CounterVec
	tokenTTL  prometheus.GaugeFunc
	connected prometheus.GaugeFunc
}

// New checks the settings and builds a client.
func New(o Options) (*Client, error) {
	set := o.Settings
	if set.Endpoint == "" {
		return nil, errors.New("config.service.endpoint is empty")
	}
	u, err := url.Parse(set.Endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("config.service.endpoint %q: want an https:// URL", set.Endpoint)
	}
	if o.Server == nil {
		return nil, errors.New("configclient: no server to activate snapshots on")
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Env == nil {
		o.Env = os.LookupEnv
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.TLS != nil {
		tc = o.TLS.Clone()
	}
	if set.InsecureSkipVerify {
		tc.InsecureSkipVerify = true
		o.Log.Warn("config: the configuration endpoint's certificate is not validated (config.service.endpoint.disableCertificateValidation)")
	}
	if set.Timeout <= 0 {
		set.Timeout = 100 * time.Second
	}
	if set.PollWait <= 0 {
		set.PollWait = fleet.DefaultWait
	}
	if set.PollWait > set.Timeout-5*time.Second {
		set.PollWait = max(set.Timeout-5*time.Second, time.Second)
	}
	if set.Heartbeat <= 0 {
		set.Heartbeat = fleet.DefaultHeartbeat
	}
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: tc, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 4, IdleConnTimeout: 2 * fleet.MaxWait}
	// The Entra ID authority is reached with the same trust, never with
	// validation turned off.
	atc := tc.Clone()
	atc.InsecureSkipVerify = false
	idOpts := identity.Options{HTTPClient: &http.Client{Timeout: set.Timeout, Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: atc}}, DisableInstanceDiscovery: true}
	cred, err := newCredential(set, idOpts)
	if err != nil {
		return nil, err
	}
	name := set.GatewayName
	if name == "" {
		if t, err := fleet.ParseToken(set.Auth); err == nil {
			name = t.Gateway
		} else if set.Key != "" {
			if t, err := fleet.ParseToken(set.Key); err == nil {
				name = t.Gateway
			}
		}
	}
	if name == "" && set.KeyPath != "" {
		if b, err := os.ReadFile(set.KeyPath); err == nil {
			if t, err := fleet.ParseToken(string(b)); err == nil {
				name = t.Gateway
			}
		}
	}
	if name == "" {
		return nil, errors.New("gateway.name is required (or a gateway token naming the gateway)")
	}
	set.GatewayName = name
	c := &Client{o: o, set: set, log: o.Log.With(slog.String("gateway", name)), http: &http.Client{Timeout: set.Timeout, Transport: tr}, cred: cred,
		base: strings.TrimRight(set.Endpoint, "/") + "/gateways/" + url.PathEscape(name), beat: make(chan struct{}, 1), clock: time.Now, warned: map[string]time.Time{}, cache: engine.NewCompileCache(), apis: apiops.NewCache()}
	c.host, _ = os.Hostname()
	c.ver = "dev"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		c.ver = bi.Main.Version
	}
	if o.InstanceID == "" {
		b := make([]byte, 8)
		rand.Read(b)
		c.o.InstanceID = c.host + "-" + hex.EncodeToString(b)
	}
	c.applies = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "policygate_config_service_snapshots_total", Help: "Snapshots from the configuration endpoint by result (ok, rejected)."}, []string{"result"})
	c.tokenTTL = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "policygate_config_service_token_expiry_seconds", Help: "Seconds until the access token to the configuration endpoint expires."}, func() float64 {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.expiry.IsZero() {
			return 0
		}
		return c.expiry.Sub(c.clock()).Seconds()
	})
	c.connected = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "policygate_config_service_connected", Help: "1 while the configuration endpoint answers."}, func() float64 {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.down {
			return 0
		}
		return 1
	})
	o.Server.Metrics().Register(c.applies, c.tokenTTL, c.connected)
	return c, nil
}

// Name is the gateway's name.
func (c *Client) Name() string { return c.set.GatewayName }

// Current is the snapshot being served (nil before the first).
func (c *Client) Current() *fleet.Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.current
}

// LastError is the last configuration or connection problem ("" when the
// last snapshot applied and the endpoint answers).
func (c *Client) LastError() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastErr
}

// Run starts from the backup (when configured), then pulls snapshots and
// sends heartbeats until ctx is done.
func (c *Client) Run(ctx context.Context) {
	c.applyMu.Lock()
	c.runCtx = ctx
	c.applyMu.Unlock()
	defer c.stopRefresh()
	if c.set.BackupPath != "" {
		c.restore()
	}
	go c.heartbeats(ctx)
	backoff := 250 * time.Millisecond
	for ctx.Err() == nil {
		ok := c.poll(ctx)
		if ok {
			backoff = 250 * time.Millisecond
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (c *Client) restore() {
	path := filepath.Join(c.set.BackupPath, BackupFile)
	sn, err := fleet.ReadBackup(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return
	case err != nil:
		c.log.Error("config: backup ignored", slog.String("file", path), slog.Any("error", err))
		return
	}
	c.log.Info("config: starting from the backup", slog.String("file", path), slog.String("version", sn.Version()))
	c.apply(sn, false)
}

// poll makes one request; false asks the caller to back off.
func (c *Client) poll(ctx context.Context) bool {
	cur := c.Current()
	q := "?wait=" + strconv.FormatFloat(c.set.PollWait.Seconds(), 'f', -1, 64)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/snapshot"+q, nil)
	if cur != nil {
		req.Header.Set("If-None-Match", cur.ETag())
	}
	if !c.authorize(ctx, req) {
		return false
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			c.unreachable(err)
		}
		return false
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		c.reachable()
		return true
	case http.StatusOK:
		c.reachable()
		sn, err := fleet.Decode(io.LimitReader(resp.Body, 1<<30))
		if err != nil {
			c.fail("config: snapshot from the endpoint is damaged", err.Error())
			return false
		}
		if sn.Gateway != c.set.GatewayName {
			c.fail("config: snapshot is for another gateway", sn.Gateway)
			return false
		}
		c.apply(sn, true)
		return true
	case http.StatusUnauthorized:
		reason := resp.Header.Get(fleet.ReasonHeader)
		c.markDown("the configuration endpoint refused the credential: " + reason)
		c.warnOnce("auth", "config: the configuration endpoint refused the credential; serving the last configuration", slog.String("reason", reason))
		return false
	default:
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		c.unreachable(fmt.Errorf("status %d: %s", resp.StatusCode, strings.TrimSpace(string(b))))
		return false
	}
}

// authorize sets the Authorization header; false when no credential could
// be had (logged).
func (c *Client) authorize(ctx context.Context, req *http.Request) bool {
	h, exp, err := c.cred.authorization(ctx)
	if err != nil {
		c.markDown("no credential for the configuration endpoint: " + err.Error())
		c.warnOnce("cred", "config: no credential for the configuration endpoint; serving the last configuration", slog.Any("error", err))
		return false
	}
	c.mu.Lock()
	c.expiry = exp
	c.mu.Unlock()
	// Entra ID tokens renew themselves; a gateway token needs a person.
	if _, manual := c.cred.(*gatewayToken); manual && !exp.IsZero() {
		switch left := exp.Sub(c.clock()); {
		case left <= 0:
			c.warnOnce("expiry", "config: the access token to the configuration endpoint has expired; renew it", slog.Time("expired", exp))
		case left < ExpiryWarning:
			c.warnOnce("expiry", "config: the access token to the configuration endpoint expires soon; renew it", slog.Time("expires", exp), slog.Duration("left", left.Truncate(time.Minute)))
		}
	}
	req.Header.Set("Authorization", h)
	return true
}

func (c *Client) unreachable(err error) {
	c.markDown("configuration endpoint unreachable: " + err.Error())
	c.warnOnce("down", "config: configuration endpoint unreachable; serving the last configuration", slog.Any("error", err), slog.Bool("serving", c.Current() != nil))
}

func (c *Client) markDown(msg string) {
	c.mu.Lock()
	c.down = true
	c.lastErr = msg
	c.mu.Unlock()
}

func (c *Client) reachable() {
	c.mu.Lock()
	was := c.down
	c.down = false
	if was {
		c.lastErr = ""
		c.warned = map[string]time.Time{}
	}
	c.mu.Unlock()
	if was {
		c.log.Info("config: configuration endpoint reachable again")
	}
}

// warnOnce logs a warning at most once a minute per kind.
func (c *Client) warnOnce(kind, msg string, attrs ...any) {
	c.mu.Lock()
	now := c.clock()
	last, ok := c.warned[kind]
	if ok && now.Sub(last) < time.Minute {
		c.mu.Unlock()
		return
	}
	c.warned[kind] = now
	c.mu.Unlock()
	c.log.Warn(msg, attrs...)
}

// changedDirs are the folders of next (slash paths, "." the root) below
// which something differs from prev: nil without prev.
func changedDirs(prev, next *fleet.Snapshot) map[string]bool {
	if prev == nil {
		return nil
	}
	ch := map[string]bool{}
	mark := func(p string) {
		for d := path.Dir(p); !ch[d]; d = path.Dir(d) {
			ch[d] = true
		}
	}
	for p, b := range next.Files {
		if o, ok := prev.Files[p]; !ok || !bytes.Equal(o, b) {
			mark(p)
		}
	}
	for p := range prev.Files {
		if _, ok := next.Files[p]; !ok {
			mark(p)
		}
	}
	return ch
}

// logDiagnostics logs the problems found loading a snapshot, or later
// building what it left to first use.
func (c *Client) logDiagnostics(errs parser.Errors, attrs ...any) {
	for _, d := range errs {
		lvl := slog.LevelError
		if d.Severity == parser.SeverityWarning {
			lvl = slog.LevelWarn
		}
		c.log.Log(context.Background(), lvl, "config: "+d.Msg, append([]any{slog.String("pos", d.Pos.String()), slog.String("code", d.Code)}, attrs...)...)
	}
}

func (c *Client) fail(msg, detail string) {
	c.mu.Lock()
	c.lastErr = msg + ": " + detail
	c.mu.Unlock()
	c.log.Error(msg, slog.String("detail", detail))
	c.kick()
}

// apply loads and compiles sn beside the running configuration and, when
// it has no errors, activates it (and, from the endpoint, backs it up).
func (c *Client) apply(sn *fleet.Snapshot, backup bool) bool {
	c.applyMu.Lock()
	defer c.applyMu.Unlock()
	if cur := c.Current(); cur != nil && cur.Hash == sn.Hash {
		return true
	}
	start := time.Now()
	env := func(k string) (string, bool) {
		if v, ok := sn.Values[k]; ok {
			return v, true
		}
		return c.o.Env(k)
	}
	// Loaded from memory: positions name files as the server's folder does
	// (apis/<api>/policy.xml).
	// The server loaded this folder with every specification in full and
	// would not have published it had one failed: what only the
	// validation policies and mock-response read is built on first use.
	changed := changedDirs(c.loaded, sn)
	c.loaded = sn
	cfg, errs := apiops.Load(".", append(append([]apiops.Option(nil), c.o.LoadOptions...), apiops.WithEnv(env), apiops.WithFiles(sn.FS()),
		apiops.WithCache(c.apis), apiops.WithUnchanged(func(dir string) bool { return changed != nil && !changed[filepath.ToSlash(dir)] }),
		apiops.WithLazyOpenAPI(func(errs parser.Errors) { c.logDiagnostics(errs) }), apiops.WithOperationTables(sn.Operations))...)
	var e *engine.Engine
	if cfg != nil && !errs.HasErrors() {
		if nv := cfg.NamedValues; nv != nil {
			rctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if err := nv.Refresh(rctx); err != nil {
				c.log.Warn("config: Key Vault named values", slog.Any("error", err))
			}
			cancel()
		}
		var cerrs parser.Errors
		e, cerrs = engine.Compile(cfg, engine.Options{Strict: c.o.Strict, Cache: c.cache})
		errs = append(errs, cerrs...)
		if e != nil {
			errs = append(errs, gateway.CheckBackends(cfg)...)
		}
	}
	c.logDiagnostics(errs, slog.String("version", sn.Version()))
	var first []string
	for _, d := range errs {
		if d.Severity != parser.SeverityWarning && len(first) < 5 {
			first = append(first, d.Error())
		}
	}
	if e == nil || errs.HasErrors() {
		c.applies.WithLabelValues("rejected").Inc()
		c.mu.Lock()
		c.lastErr = "snapshot " + sn.Version() + " rejected: " + strings.Join(first, "; ")
		serving := c.current.Version()
		c.mu.Unlock()
		c.log.Error("config: snapshot rejected; keeping the previous configuration", slog.String("version", sn.Version()), slog.String("serving", serving))
		c.kick()
		return false
	}
	c.o.Server.Activate(e)
	c.startRefresh(cfg)
	c.applies.WithLabelValues("ok").Inc()
	c.mu.Lock()
	c.current = sn
	if !c.down {
		c.lastErr = ""
	}
	c.mu.Unlock()
	c.log.Info("config: snapshot active", slog.String("version", sn.Version()), slog.Int("apis", len(cfg.APIs)), slog.Duration("took", time.Since(start)))
	if !sn.Assigned {
		c.log.Warn("config: no API is assigned to this gateway (the server has no gateways/" + c.set.GatewayName + "/apis.json); serving no API, probes answer 200")
	}
	if backup && c.set.BackupPath != "" {
		if err := sn.WriteBackup(filepath.Join(c.set.BackupPath, BackupFile)); err != nil {
			c.log.Error("config: cannot write the backup", slog.Any("error", err))
		}
	}
	c.kick()
	return true
}

// startRefresh moves the Key Vault refresh timer to cfg's named values,
// as run --config does: a changed secret recompiles the active
// configuration. Without Run (no context) there is no timer; applyMu is
// held.
func (c *Client) startRefresh(cfg *engine.Config) {
	if c.stopNV != nil {
		c.stopNV()
		c.stopNV = nil
	}
	c.cfg = cfg
	nv := cfg.NamedValues
	if nv == nil || c.runCtx == nil || !hasKeyVault(nv) {
		return
	}
	select {
	case <-nv.Changed(): // the fetch before this compile; nothing new
	default:
	}
	ctx, cancel := context.WithCancel(c.runCtx)
	stopTimer := nv.StartRefresh(ctx, c.o.Refresh, func(err error) {
		c.log.Warn("config: Key Vault named value refresh", slog.Any("error", err))
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-nv.Changed():
				c.recompile(ctx, cfg)
			}
		}
	}()
	c.stopNV = func() {
		cancel()
		stopTimer()
		<-done
	}
}

// recompile compiles cfg again after a Key Vault value changed and
// activates it, unless a newer snapshot replaced cfg meanwhile.
func (c *Client) recompile(ctx context.Context, cfg *engine.Config) {
	if !c.applyMu.TryLock() {
		// An apply is under way; it stops this loop (waiting for it)
		// and compiles with the current values.
		return
	}
	defer c.applyMu.Unlock()
	if c.cfg != cfg || ctx.Err() != nil {
		return
	}
	c.log.Info("config: a Key Vault named value changed; recompiling")
	e, errs := engine.Compile(cfg, engine.Options{Strict: c.o.Strict, Cache: c.cache})
	if e == nil || errs.HasErrors() {
		for _, d := range errs {
			if d.Severity != parser.SeverityWarning {
				c.log.Error("config: "+d.Msg, slog.String("pos", d.Pos.String()), slog.String("code", d.Code))
			}
		}
		c.log.Error("config: the configuration does not compile with the refreshed Key Vault values; keeping the previous one")
		return
	}
	c.o.Server.Activate(e)
}

func hasKeyVault(nv *namedvalues.Store) bool {
	for _, n := range nv.Names() {
		if v, _, _ := nv.Lookup(n); v.KeyVault != nil {
			return true
		}
	}
	return false
}

func (c *Client) stopRefresh() {
	c.applyMu.Lock()
	defer c.applyMu.Unlock()
	if c.stopNV != nil {
		c.stopNV()
		c.stopNV = nil
	}
}

// kick asks for a heartbeat now.
func (c *Client) kick() {
	select {
	case c.beat <- struct{}{}:
	default:
	}
}

func (c *Client) heartbeats(ctx context.Context) {
	t := time.NewTicker(c.set.Heartbeat)
	defer t.Stop()
	for {
		c.sendHeartbeat(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-c.beat:
		}
	}
}

func (c *Client) sendHeartbeat(ctx context.Context) {
	c.mu.Lock()
	hb := fleet.Heartbeat{InstanceID: c.o.InstanceID, Hostname: c.host, Version: c.ver, LastError: c.lastErr}
	if c.current != nil {
		hb.ConfigVersion, hb.ConfigHash = c.current.Version(), c.current.Hash
	}
	c.mu.Unlock()
	body, _ := json.Marshal(hb)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/heartbeat", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	h, _, err := c.cred.authorization(ctx)
	if err != nil {
		return
	}
	req.Header.Set("Authorization", h)
	resp, err := c.http.Do(req)
	if err != nil {
		c.log.Debug("config: heartbeat not sent", slog.Any("error", err))
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}
