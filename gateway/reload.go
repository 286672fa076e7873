package gateway

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/parser"
)

// LoadFunc reads a configuration folder (apiops.Load fits).
type LoadFunc func(dir string) (*engine.Config, parser.Errors)

// Reloader keeps a server's configuration in step with a folder: each
// rebuild loads and compiles a complete new snapshot beside the running
// one and activates it in one atomic swap; a failed rebuild keeps the last
// good snapshot and logs every error with its position; a folder whose
// files did not change is not rebuilt. Key Vault named values refresh on a
// timer and, when one changes, the current configuration is recompiled and
// swapped the same way.
//
// File events arrive on Events (Watch feeds it from fsnotify; tests send
// paths directly) and are debounced.
type Reloader struct {
	Dir      string
	Load     LoadFunc
	Activate func(*engine.Engine)
	Log      *slog.Logger
	// Strict makes unimplemented policies compile errors.
	Strict bool
	// Debounce is the quiet time after the last event (default 100 ms).
	Debounce time.Duration
	// Refresh is the Key Vault named value refresh interval (0: the
	// namedvalues default).
	Refresh time.Duration
	// OnResult is told each rebuild's result: "ok", "failed" or "unchanged".
	OnResult func(result string)
	// Events carries changed paths.
	Events chan string
	// OnDone is told, after each rebuild that loaded and compiled, how long
	// it took and which configuration generation is being served.
	OnDone func(took time.Duration, generation int)

	mu        sync.Mutex
	hash      [sha256.Size]byte
	hashed    bool
	cfg       *engine.Config
	stopNV    func()
	nvChanged <-chan struct{}
	report    reloadReport
	// cache keeps compiled documents from one reload to the next.
	cache *engine.CompileCache
}

// NewReloader returns a reloader for dir with a buffered event channel.
func NewReloader(dir string, load LoadFunc, activate func(*engine.Engine), log *slog.Logger) *Reloader {
	if log == nil {
		log = slog.Default()
	}
	return &Reloader{Dir: dir, Load: load, Activate: activate, Log: log, Debounce: 100 * time.Millisecond, Events: make(chan string, 256)}
}

// ErrUnchanged is returned by Reload when the folder's files hash the same
// as the active configuration's.
var ErrUnchanged = errors.New("configuration unchanged")

// ErrLoad is wrapped by Reload's error when the configuration did not load
// or compile; the positioned errors have been logged.
var ErrLoad = errors.New("configuration has errors; keeping the last good one")

// Reload rebuilds from the folder and activates the result. With force
// false, an unchanged folder is skipped (ErrUnchanged).
func (r *Reloader) Reload(ctx context.Context, force bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.report.begin()
	sum, err := hashDir(r.Dir)
	if err != nil {
		r.Log.Error("config: cannot read folder", slog.String("dir", r.Dir), slog.Any("error", err))
		r.report.errors++
		r.failed(time.Time{})
		r.result("failed")
		return err
	}
	if !force && r.hashed && sum == r.hash {
		r.Log.Debug("config: unchanged, reload skipped", slog.String("dir", r.Dir))
		r.result("unchanged")
		return ErrUnchanged
	}
	start := time.Now()
	cfg, errs := r.Load(r.Dir)
	r.report.maskWith(cfg)
	r.logDiagnostics(errs)
	if cfg == nil || errs.HasErrors() {
		r.hash, r.hashed = sum, true // do not retry the same broken files
		r.failed(start)
		r.result("failed")
		return ErrLoad
	}
	if nv := cfg.NamedValues; nv != nil {
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		if err := nv.Refresh(rctx); err != nil {
			r.Log.Warn("config: Key Vault named values", slog.Any("error", err))
		}
		cancel()
	}
	if err := r.compile(cfg, start); err != nil {
		r.hash, r.hashed = sum, true
		return err
	}
	r.hash, r.hashed = sum, true
	r.startRefresh(ctx, cfg)
	return nil
}

// compile compiles cfg and activates it; r.mu is held.
func (r *Reloader) compile(cfg *engine.Config, start time.Time) error {
	r.report.maskWith(cfg)
	if r.cache == nil {
		r.cache = engine.NewCompileCache()
	}
	e, errs := engine.Compile(cfg, engine.Options{Strict: r.Strict, Cache: r.cache})
	if e != nil {
		errs = append(append(errs, e.Warnings...), CheckBackends(cfg)...)
	}
	r.logDiagnostics(errs)
	if e == nil || errs.HasErrors() {
		r.failed(start)
		r.result("failed")
		return ErrLoad
	}
	r.Activate(e)
	r.cfg = cfg
	r.applied(cfg, start)
	r.result("ok")
	return nil
}

func (r *Reloader) result(s string) {
	if r.OnResult != nil {
		r.OnResult(s)
	}
}

func (r *Reloader) logDiagnostics(errs parser.Errors) {
	for _, e := range errs {
		if e.Severity == parser.SeverityWarning {
			r.report.warnings = append(r.report.warnings, e) // printed with the outcome, when they changed
			continue
		}
		r.report.errors++
		r.Log.LogAttrs(context.Background(), slog.LevelError, "config: "+r.report.mask(e.Msg), slog.String("pos", e.Pos.String()), slog.String("code", e.Code))
	}
}

// startRefresh moves the Key Vault refresh timer to cfg's named values;
// r.mu is held.
func (r *Reloader) startRefresh(ctx context.Context, cfg *engine.Config) {
	if r.stopNV != nil {
		r.stopNV()
		r.stopNV, r.nvChanged = nil, nil
	}
	if nv := cfg.NamedValues; nv != nil {
		r.stopNV = nv.StartRefresh(ctx, r.Refresh, func(err error) {
			r.Log.Warn("config: Key Vault named value refresh", slog.Any("error", err))
		})
		r.nvChanged = nv.Changed()
	}
}

// Run handles events until ctx is done: it debounces Events into Reload
// calls and recompiles when a Key Vault named value changed.
func (r *Reloader) Run(ctx context.Context) {
	defer func() {
		r.mu.Lock()
		if r.stopNV != nil {
			r.stopNV()
		}
		r.mu.Unlock()
	}()
	d := r.Debounce
	if d <= 0 {
		d = 100 * time.Millisecond
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		r.mu.Lock()
		nvc := r.nvChanged
		r.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case p := <-r.Events:
			r.Log.Debug("config: file event", slog.String("path", p))
			timer.Reset(d)
		case <-timer.C:
			r.Reload(ctx, false)
		case <-nvc:
			r.mu.Lock()
			if r.cfg != nil {
				r.Log.Info("config: a Key Vault named value changed; recompiling")
				r.report.begin()
				r.compile(r.cfg, time.Now())
			}
			r.mu.Unlock()
		}
	}
}

// ignored tells editor droppings apart from configuration files.
func ignored(name string) bool {
	b := filepath.Base(name)
	return strings.HasPrefix(b, ".") || strings.HasSuffix(b, "~") || strings.HasSuffix(b, ".swp") || strings.HasSuffix(b, ".tmp")
}

// hashDir hashes every file's path and content under dir, in path order.
func hashDir(dir string) ([sha256.Size]byte, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && ignored(p) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	var sum [sha256.Size]byte
	if err != nil {
		return sum, err
	}
	sort.Strings(files)
	h := sha256.New()
	for _, p := range files {
		rel, _ := filepath.Rel(dir, p)
		io.WriteString(h, rel+"\x00")
		f, err := os.Open(p)
		if err != nil {
			return sum, err
		}
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return sum, err
		}
		h.Write([]byte{0})
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

// Watch watches dir and every folder below it, including folders created
// later, and sends the path of each change to events (without blocking:
// when the channel is full a rebuild is already pending). It returns when
// ctx is done.
func Watch(ctx context.Context, dir string, events chan<- string, log *slog.Logger) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	addTree := func(root string) {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				if p != dir && ignored(p) {
					return filepath.SkipDir
				}
				if err := w.Add(p); err != nil {
					log.Warn("config: cannot watch", slog.String("dir", p), slog.Any("error", err))
				}
			}
			return nil
		})
	}
	addTree(dir)
	send := func(p string) {
		select {
		case events <- p:
		default:
		}
	}
	go func() {
		defer w.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if ev.Op == fsnotify.Chmod || ignored(ev.Name) {
					continue
				}
				if ev.Has(fsnotify.Create) {
					if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
						addTree(ev.Name)
					}
				}
				send(ev.Name)
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				log.Warn("config: watcher", slog.Any("error", err))
				send(dir)
			}
		}
	}()
	return nil
}
