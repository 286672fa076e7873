package gateway

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/policygate/policygate/engine"
)

// RouteInfo is one operation as the gateway serves it.
type RouteInfo struct {
	API       string `json:"api"`
	Revision  string `json:"revision"`
	Current   bool   `json:"current"`
	Version   string `json:"version,omitempty"`
	Operation string `json:"operation"`
	Method    string `json:"method"`
	// URL is the path a client calls: the API suffix, the version segment
	// or parameter, ;rev=N for a revision that is not current, and the
	// operation's URL template.
	URL     string   `json:"url"`
	Schemes []string `json:"schemes"`
	// SubscriptionRequired is true when a call without a key is refused
	// (the API requires one and no open product includes it).
	SubscriptionRequired bool `json:"subscriptionRequired"`
}

// ListRoutes lists every operation of cfg, in API then definition order.
func ListRoutes(cfg *engine.Config) []RouteInfo {
	open := map[string]bool{}
	for _, p := range cfg.Products {
		if !p.SubscriptionRequired {
			for _, a := range p.APIs {
				open[a] = true
			}
		}
	}
	var out []RouteInfo
	for _, a := range cfg.APIs {
		rev := orDefault(a.Revision, "1")
		current := a.IsCurrent || a.Revision == ""
		base := "/" + strings.Trim(a.Path, "/")
		if !current {
			base += ";rev=" + rev
		}
		query := ""
		switch a.VersionScheme {
		case engine.VersionPath:
			if a.Version != "" {
				base += "/" + a.Version
			}
		case engine.VersionQuery:
			if a.Version != "" {
				query = orDefault(a.VersionName, "api-version") + "=" + a.Version
			}
		}
		schemes := a.Protocols
		if len(schemes) == 0 {
			schemes = []string{"http", "https"}
		}
		for _, o := range a.Operations {
			u := strings.TrimSuffix(base, "/") + o.URLTemplate
			if !strings.HasPrefix(o.URLTemplate, "/") {
				u = strings.TrimSuffix(base, "/") + "/" + o.URLTemplate
			}
			if query != "" {
				sep := "?"
				if strings.Contains(u, "?") {
					sep = "&"
				}
				u += sep + query
			}
			if a.VersionScheme == engine.VersionHeader && a.Version != "" {
				u += " (header " + a.VersionName + ": " + a.Version + ")"
			}
			out = append(out, RouteInfo{API: a.ID, Revision: rev, Current: current, Version: a.Version, Operation: o.ID,
				Method: o.Method, URL: u, Schemes: slices.Clone(schemes), SubscriptionRequired: a.SubscriptionRequired && !open[a.ID]})
		}
	}
	return out
}

// WriteRoutes prints routes as an aligned table, or as JSON.
func WriteRoutes(w io.Writer, routes []RouteInfo, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if routes == nil {
			routes = []RouteInfo{}
		}
		return enc.Encode(routes)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "API\tREVISION\tVERSION\tOPERATION\tMETHOD\tURL\tSCHEMES\tSUBSCRIPTION")
	for _, r := range routes {
		rev := r.Revision
		if r.Current {
			rev += " (current)"
		}
		sub := "optional"
		if r.SubscriptionRequired {
			sub = "required"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.API, rev, orDefault(r.Version, "-"), r.Operation, r.Method, r.URL, strings.Join(r.Schemes, ","), sub)
	}
	return tw.Flush()
}

// routesHandler serves the active configuration's routes on the admin
// listener: a table, or JSON with ?format=json or Accept: application/json.
func (s *Server) routesHandler(w http.ResponseWriter, r *http.Request) {
	e := s.Engine()
	if e == nil {
		http.Error(w, "no configuration is active", http.StatusServiceUnavailable)
		return
	}
	asJSON := r.URL.Query().Get("format") == "json" || strings.Contains(r.Header.Get("Accept"), "application/json")
	if asJSON {
		w.Header().Set("Content-Type", "application/json")
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	WriteRoutes(w, ListRoutes(e.Config), asJSON)
}
