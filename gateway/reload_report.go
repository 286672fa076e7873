package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/parser"
)

// reloadReport gathers the diagnostics of one rebuild so that its outcome
// is one line, and remembers the warnings last printed so that a reload
// repeats them only when they changed.
type reloadReport struct {
	errors     int
	warnings   parser.Errors
	printed    []string // the warnings last printed, as text
	generation int      // the configuration being served (0: none yet)
	// redact masks the secret named values of the configuration being
	// built; an error message may quote an expanded value.
	redact func(string) string
}

func (p *reloadReport) begin() { p.errors, p.warnings = 0, nil }

// maskWith masks diagnostics with cfg's secret named values, or, when the
// folder did not load, with those of the configuration last built.
func (p *reloadReport) maskWith(cfg *engine.Config) {
	if cfg != nil && cfg.NamedValues != nil {
		p.redact = cfg.NamedValues.Redact
	}
}

func (p *reloadReport) mask(s string) string {
	if p.redact == nil {
		return s
	}
	return p.redact(s)
}

// printWarnings logs the rebuild's warnings unless they are the ones
// printed last.
func (r *Reloader) printWarnings() {
	text := make([]string, len(r.report.warnings))
	for i, w := range r.report.warnings {
		text[i] = w.Error()
	}
	slices.Sort(text)
	if slices.Equal(text, r.report.printed) {
		if len(text) > 0 {
			r.Log.Debug("config: warnings unchanged", slog.Int("warnings", len(text)))
		}
		return
	}
	for _, w := range r.report.warnings {
		r.Log.LogAttrs(context.Background(), slog.LevelWarn, "config: "+r.report.mask(w.Msg), slog.String("pos", w.Pos.String()), slog.String("code", w.Code))
	}
	r.report.printed = text
}

// applied logs the outcome of a rebuild that was activated.
func (r *Reloader) applied(cfg *engine.Config, start time.Time) {
	r.printWarnings()
	r.report.generation++
	ops := 0
	for _, a := range cfg.APIs {
		ops += len(a.Operations)
	}
	took := time.Since(start)
	r.Log.Info(fmt.Sprintf("configuration %d applied: %d apis, %d operations, %d warnings", r.report.generation, len(cfg.APIs), ops, len(r.report.warnings)),
		slog.String("dir", r.Dir), slog.String("took", roundDuration(took).String()))
	if r.OnDone != nil {
		r.OnDone(took, r.report.generation)
	}
}

// failed logs the outcome of a rebuild that was refused (start zero: it
// never got to load).
func (r *Reloader) failed(start time.Time) {
	r.printWarnings()
	still := fmt.Sprintf("still serving configuration %d", r.report.generation)
	if r.report.generation == 0 {
		still = "no configuration served yet"
	}
	attrs := []any{slog.String("dir", r.Dir)}
	if !start.IsZero() {
		took := time.Since(start)
		attrs = append(attrs, slog.String("took", roundDuration(took).String()))
		if r.OnDone != nil {
			r.OnDone(took, r.report.generation)
		}
	}
	r.Log.Error(fmt.Sprintf("reload failed: %d errors, %s", r.report.errors, still), attrs...)
}

// Generation is the number of the configuration being served: 1 after the
// first successful load, one more for each rebuild activated since.
func (r *Reloader) Generation() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.report.generation
}

// roundDuration rounds a duration for logs, so that text and JSON logs
// print the same "4.45ms".
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
