package gateway

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"strings"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/policies"
)

// failureOf is what the failure line of one request says: context.LastError
// as the policies saw it, where the failing policy stands, and the
// underlying cause, all with secrets masked.
type failureOf struct {
	source, reason, message string
	scope, section, path    string
	policyID, pos, cause    string
	onError                 string
}

// recordFailure copies the failure of a finished run into info, masking
// secret named values, the caller's subscription key and credentials.
func recordFailure(info *reqInfo, run *policies.Run, out engine.Outcome) {
	f := out.Failure
	if f == nil || f.Err == nil {
		return
	}
	mask := func(s string) string { return s }
	if run.Env != nil && run.Env.Redact != nil {
		mask = run.Env.Redact
	}
	var own []string
	if c := run.Ctx; c != nil {
		if c.Subscription != nil && c.Subscription.Key != "" {
			own = append(own, c.Subscription.Key)
		}
		if c.Request != nil && c.Request.Headers != nil {
			for _, h := range []string{"Authorization", "Ocp-Apim-Subscription-Key", DebugAuthHeader} {
				if vs, ok := c.Request.Headers.Values(h); ok {
					for _, v := range vs {
						if len(v) >= 4 {
							own = append(own, v)
						}
					}
				}
			}
		}
	}
	clean := func(s string) string {
		s = mask(s)
		for _, v := range own {
			s = strings.ReplaceAll(s, v, "***")
		}
		return s
	}
	fo := &failureOf{source: f.Err.Source, reason: f.Err.Reason, message: clean(f.Err.Message), section: string(f.Section)}
	if f.Stmt != nil {
		fo.scope, fo.path, fo.policyID = string(f.Stmt.Scope), f.Stmt.Path, f.Stmt.ID
		if f.Stmt.Pos.Line > 0 {
			fo.pos = f.Stmt.Pos.String()
		}
	}
	if c := run.Ctx; c != nil && c.LastError != nil {
		le := c.LastError
		fo.source, fo.reason, fo.message = le.Source, le.Reason, clean(le.Message)
		fo.scope, fo.section, fo.path = le.Scope, le.Section, le.Path
	}
	if f.Err.Err != nil {
		if cause := clean(f.Err.Err.Error()); cause != fo.message {
			fo.cause = cause
		}
	}
	if out.OnErrorFailure != nil {
		fo.onError = clean(out.OnErrorFailure.Error())
	}
	info.failed = fo
}

// isAuthFailure reports failures of the subscription and token checks; they
// keep their own message ("auth failure") so that they can be counted apart.
func isAuthFailure(f *policies.Failure) bool {
	return f != nil && f.Err != nil && (f.Err.Source == "authorization" || f.Err.Status == http.StatusUnauthorized || f.Err.Status == http.StatusForbidden)
}

// logFailure writes the one line of a request that ended in on-error or a
// gateway error: warn, or error when the client got a 5xx.
func (s *Server) logFailure(ctx context.Context, r *http.Request, info *reqInfo, status int, ip string) {
	fo := info.failed
	if fo == nil {
		return
	}
	lvl := slog.LevelWarn
	if status >= 500 {
		lvl = slog.LevelError
	}
	msg := "request failed"
	if isAuthFailure(info.failure) {
		msg = "auth failure"
	}
	attrs := []slog.Attr{
		slog.String("requestId", info.requestID), slog.String("method", truncate(r.Method)), slog.String("path", truncate(r.URL.Path)),
		slog.String("api", info.api), slog.String("operation", info.op), slog.Int("status", status),
		slog.String("source", fo.source), slog.String("reason", fo.reason), slog.String("message", truncate(fo.message)),
		slog.String("section", fo.section), slog.String("scope", fo.scope), slog.String("policyPath", fo.path),
	}
	if fo.policyID != "" {
		attrs = append(attrs, slog.String("policyId", fo.policyID))
	}
	if fo.pos != "" {
		attrs = append(attrs, slog.String("pos", fo.pos))
	}
	if fo.cause != "" {
		attrs = append(attrs, slog.String("cause", fo.cause))
	}
	if fo.onError != "" {
		attrs = append(attrs, slog.String("onErrorFailure", fo.onError))
	}
	if status == http.StatusNotFound && fo.reason == "OperationNotFound" {
		if hint := s.schemeHint(r); hint != "" {
			attrs = append(attrs, slog.String("hint", hint))
		}
	}
	attrs = append(attrs, slog.String("clientIp", ip))
	if info.traceID != "" {
		attrs = append(attrs, slog.String("traceId", info.traceID))
	}
	s.log.LogAttrs(ctx, lvl, msg, attrs...)
}

// tlsMarker makes a request look as if it came over TLS (routing reads
// only whether TLS state is present).
var tlsMarker = &tls.ConnectionState{}

// schemeHint explains a 404 whose path an API would have matched over the
// other scheme (an https-only API called over http, or the reverse).
func (s *Server) schemeHint(r *http.Request) string {
	a := s.gw.active.Load()
	if a == nil {
		return ""
	}
	other := r.Clone(r.Context())
	scheme, want := "http", "https"
	if r.TLS != nil {
		other.TLS = nil
		scheme, want = "https", "http"
	} else {
		other.TLS = tlsMarker
	}
	rt, ok := a.routes.find(other)
	if !ok || rt == nil || rt.op == nil {
		return ""
	}
	hint := "API " + rt.api.api.ID + " operation " + rt.op.op.ID + " matches this path but allows only " +
		strings.Join(rt.api.api.Protocols, ", ") + ", and the request came over " + scheme
	if want == "https" && s.set.TLSCert == "" && !s.devCert.Load() {
		hint += "; no HTTPS listener is configured (net.server.tls.cert, net.server.tls.key)"
	} else if want == "https" {
		hint += "; call the HTTPS listener (" + s.set.HTTPSAddr + ")"
	}
	return hint
}
