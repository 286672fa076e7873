// Package configserver serves an APIOps folder to a fleet of gateways: it
// cuts each gateway's snapshot (package fleet describes the format and the
// protocol), answers long polls, checks gateway tokens and Entra ID
// access tokens, and keeps the gateways' heartbeats for status and
// metrics.
//
// The folder is read again on every change (Watch, debounced); a folder
// that does not load keeps the previous snapshots and logs each problem
// with its position. Policy compilation happens on the gateways, which
// reject a snapshot that does not compile and report it in their
// heartbeat. Credentials and secret values are never logged.
package configserver

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/policygate/policygate/gateway"
	"github.com/policygate/policygate/gateway/apiops"
	"github.com/policygate/policygate/gateway/fleet"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
)

// DefaultAudience is the Entra ID audience of configuration tokens.
const DefaultAudience = "https://azure-api.net/configuration"

// EntraConfig turns on Bearer tokens from Microsoft Entra ID.
type EntraConfig struct {
	// Authority is the authority host (default https://login.microsoftonline.com).
	Authority string
	// TenantID selects <authority>/<tenant>/v2.0/.well-known/openid-configuration.
	TenantID string
	// Audience is the required aud (default DefaultAudience).
	Audience string
	// Client fetches the metadata (nil: the validate-jwt default).
	Client *http.Client
}

// Options configure a Server.
type Options struct {
	// Dir is the APIOps folder.
	Dir string
	// KeysFile is the gateway keys file (fleet.KeysFile); it is read again
	// when it changes.
	KeysFile string
	// Entra, when TenantID is set, accepts Entra ID access tokens.
	Entra EntraConfig
	// Env reads the loader's environment (default os.LookupEnv).
	Env func(string) (string, bool)
	// Debounce is the quiet time after a file event (default 100 ms).
	Debounce time.Duration
	// Heartbeat is the interval gateways are told to expect; an instance
	// unseen for three of them is no longer counted as connected.
	Heartbeat time.Duration
	Log       *slog.Logger
	// Now is the clock (tests).
	Now func() time.Time
}

// state is one published generation of the folder.
type state struct {
	seq     uint64
	folder  *fleet.Folder
	changed chan struct{} // closed when a newer state is published
	mu      sync.Mutex
	snaps   map[string]*fleet.Snapshot
}

// Server is a configuration server.
type Server struct {
	o     Options
	log   *slog.Logger
	cur   atomic.Pointer[state]
	seq   atomic.Uint64
	entra *policies.OpenIDKeys

	keysMu   sync.Mutex
	keys     *fleet.KeysFile
	keysMod  time.Time
	keysSize int64

	hbMu      sync.Mutex
	instances map[string]map[string]fleet.Instance
	lastCut   map[string]*fleet.Snapshot

	reg       *prometheus.Registry
	authFails *prometheus.CounterVec
	publishes *prometheus.CounterVec
	polls     prometheus.Gauge

	events chan string
	// apis keeps the API folders of the last check of the folder.
	apis *apiops.Cache
}

// New builds a server; call Reload (or Run) to publish the folder.
func New(o Options) *Server {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Env == nil {
		o.Env = os.LookupEnv
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = fleet.DefaultHeartbeat
	}
	if o.Debounce <= 0 {
		o.Debounce = 100 * time.Millisecond
	}
	s := &Server{o: o, log: o.Log, instances: map[string]map[string]fleet.Instance{}, lastCut: map[string]*fleet.Snapshot{}, events: make(chan string, 256), apis: apiops.NewCache()}
	if o.Entra.TenantID != "" {
		auth := strings.TrimRight(o.Entra.Authority, "/")
		if auth == "" {
			auth = "https://login.microsoftonline.com"
		}
		if s.o.Entra.Audience == "" {
			s.o.Entra.Audience = DefaultAudience
		}
		s.entra = policies.NewOpenIDKeys(auth+"/"+o.Entra.TenantID+"/v2.0/.well-known/openid-configuration", o.Entra.Client)
	}
	s.reg = prometheus.NewRegistry()
	s.authFails = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "policygate_config_server_auth_failures_total", Help: "Refused gateway requests by reason."}, []string{"reason"})
	s.publishes = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "policygate_config_server_reloads_total", Help: "Folder rebuilds by result (ok, failed)."}, []string{"result"})
	s.polls = prometheus.NewGauge(prometheus.GaugeOpts{Name: "policygate_config_server_waiting_polls", Help: "Long polls being held."})
	connected := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "policygate_config_server_connected_instances", Help: "Gateway instances heard from within three heartbeat intervals."}, func() float64 {
		n := 0
		for _, g := range s.Status() {
			for _, in := range g.Instances {
				if s.o.Now().Sub(in.LastSeen) <= 3*s.o.Heartbeat {
					n++
				}
			}
		}
		return float64(n)
	})
	s.reg.MustRegister(s.authFails, s.publishes, s.polls, connected, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return s
}

// Reload reads the folder and, when it loads, publishes it as a new
// sequence (gateways whose snapshot changed are answered at once).
func (s *Server) Reload() error {
	start := time.Now()
	_, errs := apiops.Load(s.o.Dir, apiops.WithEnv(s.o.Env), apiops.WithCache(s.apis))
	for _, e := range errs {
		lvl := slog.LevelError
		if e.Severity == parser.SeverityWarning {
			lvl = slog.LevelWarn
		}
		s.log.Log(context.Background(), lvl, "config-server: "+e.Msg, slog.String("pos", e.Pos.String()), slog.String("code", e.Code))
	}
	if errs.HasErrors() {
		s.publishes.WithLabelValues("failed").Inc()
		s.log.Error("config-server: folder has errors; gateways keep the previous snapshot", slog.String("dir", s.o.Dir))
		return fmt.Errorf("%s: configuration has errors", s.o.Dir)
	}
	f, err := fleet.ReadFolder(s.o.Dir)
	if err != nil {
		s.publishes.WithLabelValues("failed").Inc()
		s.log.Error("config-server: cannot read folder", slog.String("dir", s.o.Dir), slog.Any("error", err))
		return err
	}
	var prev *fleet.Folder
	if cur := s.cur.Load(); cur != nil {
		prev = cur.folder
	}
	f.IndexOperations(prev)
	st := &state{seq: s.seq.Add(1), folder: f, changed: make(chan struct{}), snaps: map[string]*fleet.Snapshot{}}
	old := s.cur.Swap(st)
	if old != nil {
		close(old.changed)
	}
	s.publishes.WithLabelValues("ok").Inc()
	s.log.Info("config-server: published", slog.Uint64("sequence", st.seq), slog.Int("files", len(f.Files)),
		slog.Any("gateways", f.Gateways()), slog.Duration("took", time.Since(start)))
	return nil
}

// snapshot returns the gateway's snapshot of st, cut on first use.
func (s *Server) snapshot(st *state, gw string) (*fleet.Snapshot, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if sn := st.snaps[gw]; sn != nil {
		return sn, nil
	}
	sn, err := st.folder.Snapshot(gw, st.seq, s.o.Env)
	if err != nil {
		return nil, err
	}
	// Keep the previous sequence number when this gateway's content did
	// not change, so its version only moves with its own changes.
	if prev := s.prevSnapshot(gw); prev != nil && prev.Hash == sn.Hash {
		sn.Sequence = prev.Sequence
	}
	st.snaps[gw] = sn
	return sn, nil
}

// prevSnapshot is the gateway's snapshot of an earlier generation.
func (s *Server) prevSnapshot(gw string) *fleet.Snapshot {
	s.hbMu.Lock()
	defer s.hbMu.Unlock()
	return s.lastCut[gw]
}

// remember records the gateway's latest snapshot.
func (s *Server) remember(gw string, sn *fleet.Snapshot) {
	s.hbMu.Lock()
	s.lastCut[gw] = sn
	s.hbMu.Unlock()
}

// Run watches the folder and republishes on change until ctx is done.
func (s *Server) Run(ctx context.Context) error {
	if err := gateway.Watch(ctx, s.o.Dir, s.events, s.log); err != nil {
		return err
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.events:
			timer.Reset(s.o.Debounce)
		case <-timer.C:
			s.Reload()
		}
	}
}

// Handler serves the gateway protocol and the probes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /gateways/{name}/snapshot", s.serveSnapshot)
	mux.HandleFunc("POST /gateways/{name}/heartbeat", s.serveHeartbeat)
	probe := func(w http.ResponseWriter, r *http.Request) {
		if s.cur.Load() == nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}
	mux.HandleFunc("GET "+gateway.StatusPath, probe)
	mux.HandleFunc("GET "+gateway.InternalStatusPath, probe)
	return mux
}

// AdminHandler serves GET /gateways and /metrics.
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /gateways", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(s.Status())
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	return mux
}

func (s *Server) refuse(w http.ResponseWriter, r *http.Request, gw string, err error) {
	reason := fleet.Reason(err)
	if reason == "" {
		reason = fleet.ReasonJWTInvalid
	}
	s.authFails.WithLabelValues(reason).Inc()
	s.log.Warn("config-server: request refused", slog.String("gateway", gw), slog.String("reason", reason), slog.String("remote", r.RemoteAddr))
	w.Header().Set(fleet.ReasonHeader, reason)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	json.NewEncoder(w).Encode(map[string]string{"reason": reason})
}

func (s *Server) serveSnapshot(w http.ResponseWriter, r *http.Request) {
	gw := r.PathValue("name")
	if err := s.authenticate(r, gw); err != nil {
		s.refuse(w, r, gw, err)
		return
	}
	wait := fleet.DefaultWait
	if v := r.URL.Query().Get("wait"); v != "" {
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
			wait = min(time.Duration(n*float64(time.Second)), fleet.MaxWait)
		}
	}
	inm := r.Header.Get("If-None-Match")
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	waiting := false
	defer func() {
		if waiting {
			s.polls.Dec()
		}
	}()
	for {
		st := s.cur.Load()
		if st == nil {
			http.Error(w, "no configuration published yet", http.StatusServiceUnavailable)
			return
		}
		sn, err := s.snapshot(st, gw)
		if err != nil {
			s.log.Error("config-server: cannot build snapshot", slog.String("gateway", gw), slog.Any("error", err))
			http.Error(w, "cannot build the snapshot: "+err.Error(), http.StatusInternalServerError)
			return
		}
		s.remember(gw, sn)
		if inm != sn.ETag() {
			w.Header().Set("ETag", sn.ETag())
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(sn)
			return
		}
		if !waiting {
			waiting = true
			s.polls.Inc()
		}
		select {
		case <-st.changed:
			// Keys may have been regenerated while the poll was held.
			if err := s.authenticate(r, gw); err != nil {
				s.refuse(w, r, gw, err)
				return
			}
		case <-deadline.C:
			w.Header().Set("ETag", sn.ETag())
			w.WriteHeader(http.StatusNotModified)
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (s *Server) serveHeartbeat(w http.ResponseWriter, r *http.Request) {
	gw := r.PathValue("name")
	if err := s.authenticate(r, gw); err != nil {
		s.refuse(w, r, gw, err)
		return
	}
	var hb fleet.Heartbeat
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&hb); err != nil || hb.InstanceID == "" {
		http.Error(w, "want a heartbeat with an instanceId", http.StatusBadRequest)
		return
	}
	s.hbMu.Lock()
	m := s.instances[gw]
	if m == nil {
		m = map[string]fleet.Instance{}
		s.instances[gw] = m
	}
	now := s.o.Now()
	if _, seen := m[hb.InstanceID]; !seen {
		s.log.Info("config-server: gateway instance reporting", slog.String("gateway", gw), slog.String("instance", hb.InstanceID),
			slog.String("host", hb.Hostname), slog.String("version", hb.Version), slog.String("configVersion", hb.ConfigVersion))
	}
	m[hb.InstanceID] = fleet.Instance{Heartbeat: hb, LastSeen: now}
	// Instances replaced by new ones (restarted pods) are forgotten.
	for id, in := range m {
		if now.Sub(in.LastSeen) > max(time.Hour, 20*s.o.Heartbeat) {
			delete(m, id)
		}
	}
	s.hbMu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// Status lists every gateway the folder describes or that sent a
// heartbeat.
func (s *Server) Status() []fleet.GatewayStatus {
	st := s.cur.Load()
	names := []string{}
	if st != nil {
		names = st.folder.Gateways()
	}
	s.hbMu.Lock()
	for n := range s.instances {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	s.hbMu.Unlock()
	slices.Sort(names)
	out := []fleet.GatewayStatus{}
	for _, n := range names {
		g := fleet.GatewayStatus{Name: n, APIs: []string{}, Instances: []fleet.Instance{}}
		var hash string
		if st != nil {
			info := st.folder.Info(n)
			g.Location, g.Description = info.Properties.LocationData.Name, info.Properties.Description
			if sn, err := s.snapshot(st, n); err == nil {
				g.Assigned, g.ConfigVersion, hash = sn.Assigned, sn.Version(), sn.Hash
				if sn.APIs != nil {
					g.APIs = sn.APIs
				}
			}
		}
		s.hbMu.Lock()
		for _, in := range s.instances[n] {
			in.InSync = hash != "" && in.ConfigHash == hash
			g.Instances = append(g.Instances, in)
		}
		s.hbMu.Unlock()
		slices.SortFunc(g.Instances, func(a, b fleet.Instance) int { return strings.Compare(a.InstanceID, b.InstanceID) })
		out = append(out, g)
	}
	return out
}

// authenticate checks the request's credential for gateway gw.
func (s *Server) authenticate(r *http.Request, gw string) error {
	h := r.Header.Get("Authorization")
	switch {
	case strings.HasPrefix(h, fleet.TokenScheme+" "):
		t, err := fleet.ParseToken(h)
		if err != nil {
			return err
		}
		if t.Gateway != gw {
			return &fleet.AuthError{Reason: fleet.ReasonWrongGateway}
		}
		keys, ok, err := s.gatewayKeys(gw)
		if err != nil {
			s.log.Error("config-server: cannot read the keys file", slog.String("file", s.o.KeysFile), slog.Any("error", err))
		}
		if !ok {
			return &fleet.AuthError{Reason: fleet.ReasonUnknownGateway}
		}
		return t.Verify(keys, s.o.Now())
	case len(h) > 7 && strings.EqualFold(h[:7], "Bearer "):
		return s.checkJWT(r.Context(), strings.TrimSpace(h[7:]), gw)
	}
	return &fleet.AuthError{Reason: fleet.ReasonMissing}
}

// checkJWT validates an Entra ID access token with validate-jwt's key
// cache and checks that its application may read gw's configuration.
func (s *Server) checkJWT(ctx context.Context, raw, gw string) error {
	if s.entra == nil {
		return &fleet.AuthError{Reason: fleet.ReasonJWTInvalid}
	}
	iss, err := s.entra.Issuer(ctx)
	if err != nil {
		s.log.Warn("config-server: Entra ID metadata unavailable", slog.Any("error", err))
		return &fleet.AuthError{Reason: fleet.ReasonJWTInvalid}
	}
	claims := jwt.MapClaims{}
	_, err = jwt.NewParser(jwt.WithValidMethods(policies.OpenIDMethods()), jwt.WithIssuer(iss), jwt.WithAudience(s.o.Entra.Audience),
		jwt.WithExpirationRequired(), jwt.WithLeeway(time.Minute), jwt.WithTimeFunc(s.o.Now)).
		ParseWithClaims(raw, claims, s.entra.Keyfunc(ctx))
	switch {
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return &fleet.AuthError{Reason: fleet.ReasonWrongAudience}
	case errors.Is(err, jwt.ErrTokenExpired):
		return &fleet.AuthError{Reason: fleet.ReasonExpired}
	case err != nil:
		return &fleet.AuthError{Reason: fleet.ReasonJWTInvalid}
	}
	keys, ok, _ := s.gatewayKeys(gw)
	if !ok {
		return &fleet.AuthError{Reason: fleet.ReasonUnknownGateway}
	}
	app, _ := claims["azp"].(string)
	if app == "" {
		app, _ = claims["appid"].(string)
	}
	if app != "" && slices.Contains(keys.EntraAppIDs, app) {
		return nil
	}
	if roles, ok := claims["roles"].([]any); ok {
		for _, r := range roles {
			if rs, ok := r.(string); ok && slices.Contains(keys.EntraRoles, rs) {
				return nil
			}
		}
	}
	return &fleet.AuthError{Reason: fleet.ReasonNotAllowed}
}

// gatewayKeys returns gw's entry of the keys file, reading the file again
// when its size or time changed.
func (s *Server) gatewayKeys(gw string) (fleet.GatewayKeys, bool, error) {
	s.keysMu.Lock()
	defer s.keysMu.Unlock()
	st, err := os.Stat(s.o.KeysFile)
	if err == nil && (s.keys == nil || !st.ModTime().Equal(s.keysMod) || st.Size() != s.keysSize) {
		kf, rerr := fleet.ReadKeys(s.o.KeysFile)
		if rerr != nil {
			err = rerr
		} else {
			s.keys, s.keysMod, s.keysSize = kf, st.ModTime(), st.Size()
		}
	}
	if s.keys == nil {
		return fleet.GatewayKeys{}, false, err
	}
	k, ok := s.keys.Gateways[gw]
	return k, ok, err
}

// Serve serves the protocol on ln (TLS when cfg is not nil) and the admin
// handler on admin (when not nil) until ctx is done.
func (s *Server) Serve(ctx context.Context, ln net.Listener, cfg *tls.Config, admin net.Listener) error {
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * fleet.MaxWait,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 2)
	go func() {
		var err error
		if cfg != nil {
			hs.TLSConfig = cfg
			err = hs.ServeTLS(ln, "", "")
		} else {
			err = hs.Serve(ln)
		}
		errc <- err
	}()
	var as *http.Server
	if admin != nil {
		as = &http.Server{Handler: s.AdminHandler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { errc <- as.Serve(admin) }()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	hs.Shutdown(sctx)
	hs.Close() // long polls do not drain
	if as != nil {
		as.Close()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
