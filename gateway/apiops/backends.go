package apiops

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies/backendpool"
)

// Extras is what an APIOps folder holds beyond engine.Config (see
// WithExtras). The engine model does not carry these yet.
type Extras struct {
	// Backends by id: settings of backend entities beyond URL and
	// credentials.
	Backends map[string]*BackendDetails
	// VersionSets by id (folder name).
	VersionSets map[string]*VersionSet
}

// BackendDetails are the settings of a backend entity that engine.Backend
// lacks. JSON-shaped parts are kept as written.
type BackendDetails struct {
	// Protocol is "http" or "soap".
	Protocol string
	// Type is "Single" (the default) or "Pool".
	Type string
	// ValidateCertificateChain and ValidateCertificateName are the tls
	// settings; nil means unset (APIM validates by default).
	ValidateCertificateChain, ValidateCertificateName *bool
	// CircuitBreaker holds the rules, as written (see gateway.md §6).
	CircuitBreaker *CircuitBreaker
	// Pool lists the members of a Pool backend.
	Pool []PoolMember
	// Certificates are the client certificate thumbprints or ids.
	Certificates []string
}

// CircuitBreaker is a backend's circuitBreaker.
type CircuitBreaker struct {
	Rules []CircuitBreakerRule `json:"rules"`
}

// CircuitBreakerRule trips the breaker; durations are ISO 8601 as written.
type CircuitBreakerRule struct {
	Name             string `json:"name"`
	FailureCondition struct {
		Count            int    `json:"count"`
		Percentage       int    `json:"percentage"`
		Interval         string `json:"interval"`
		StatusCodeRanges []struct {
			Min int `json:"min"`
			Max int `json:"max"`
		} `json:"statusCodeRanges"`
		ErrorReasons []string `json:"errorReasons"`
	} `json:"failureCondition"`
	TripDuration     string `json:"tripDuration"`
	AcceptRetryAfter bool   `json:"acceptRetryAfter"`
}

// PoolMember is one backend of a pool, by id.
type PoolMember struct {
	ID       string
	Priority int
	Weight   int
}

type backendInfo struct {
	Properties struct {
		URL         string `json:"url"`
		Protocol    string `json:"protocol"`
		Type        string `json:"type"`
		Credentials *struct {
			Header        map[string][]string `json:"header"`
			Query         map[string][]string `json:"query"`
			Authorization *struct {
				Scheme    string `json:"scheme"`
				Parameter string `json:"parameter"`
			} `json:"authorization"`
			Certificate     []string `json:"certificate"`
			CertificateIDs  []string `json:"certificateIds"`
			ManagedIdentity *struct {
				Resource string `json:"resource"`
				ClientID string `json:"clientId"`
			} `json:"managedIdentity"`
		} `json:"credentials"`
		TLS *struct {
			ValidateCertificateChain *bool `json:"validateCertificateChain"`
			ValidateCertificateName  *bool `json:"validateCertificateName"`
		} `json:"tls"`
		CircuitBreaker *CircuitBreaker `json:"circuitBreaker"`
		Pool           *struct {
			Services []struct {
				ID       string `json:"id"`
				Priority int    `json:"priority"`
				Weight   int    `json:"weight"`
			} `json:"services"`
		} `json:"pool"`
	} `json:"properties"`
}

// loadBackends reads backends/<name>/backendInformation.json.
func (l *loader) loadBackends() {
	root := l.findDir(backendsDirs)
	names := l.subdirs(root)
	files := map[string]*jsonFile{}
	for _, name := range names {
		var in backendInfo
		f, ok := l.readJSON(filepath.Join(root, name, "backendInformation.json"), &in)
		if !ok {
			continue
		}
		p := in.Properties
		be := &engine.Backend{ID: name, URL: strings.TrimSpace(p.URL)}
		det := &BackendDetails{Protocol: p.Protocol, Type: p.Type, CircuitBreaker: p.CircuitBreaker}
		if det.Type == "" {
			det.Type = "Single"
		}
		if c := p.Credentials; c != nil {
			be.Header, be.Query = c.Header, c.Query
			if a := c.Authorization; a != nil {
				be.AuthScheme, be.AuthParameter = a.Scheme, a.Parameter
			}
			det.Certificates = append(append(det.Certificates, c.Certificate...), c.CertificateIDs...)
			if mi := c.ManagedIdentity; mi != nil {
				if strings.TrimSpace(mi.Resource) == "" {
					l.errorf(f.keyPos("managedIdentity"), CodeBadConfig, "backend %q: credentials.managedIdentity needs a resource", name)
					continue
				}
				be.Auth = &engine.BackendAuth{Kind: engine.AuthManagedIdentity, Resource: strings.TrimSpace(mi.Resource), ClientID: mi.ClientID}
			}
		}
		if a, ok := l.loadBackendAuth(filepath.Join(root, name), name); !ok {
			continue
		} else if a != nil {
			if be.Auth != nil {
				l.errorf(f.keyPos("managedIdentity"), CodeBadConfig, "backend %q: both credentials.managedIdentity and %s set; keep one", name, AuthFile)
				continue
			}
			be.Auth = a
		}
		if t := p.TLS; t != nil {
			det.ValidateCertificateChain, det.ValidateCertificateName = t.ValidateCertificateChain, t.ValidateCertificateName
		}
		switch strings.ToLower(det.Type) {
		case "pool":
			det.Type = "Pool"
			if p.Pool == nil || len(p.Pool.Services) == 0 {
				l.errorf(f.keyPos("type"), CodeBadConfig, "backend %q: a Pool needs pool.services", name)
				continue
			}
			bad := false
			for _, s := range p.Pool.Services {
				id := lastSegment(s.ID)
				if !contains(names, id) {
					l.errorf(f.suffixPos(id), CodeBadConfig, "backend %q: pool member %q not found", name, id)
					bad = true
				}
				det.Pool = append(det.Pool, PoolMember{ID: id, Priority: s.Priority, Weight: s.Weight})
			}
			if bad {
				continue
			}
		case "single":
			det.Type = "Single"
			if be.URL == "" {
				l.errorf(f.keyPos("properties"), CodeBadConfig, "backend %q has no url", name)
				continue
			}
		default:
			l.errorf(f.keyPos("type"), CodeBadConfig, "backend %q: unknown type %q (want Single or Pool)", name, p.Type)
			continue
		}
		if cb := p.CircuitBreaker; cb != nil {
			for _, r := range cb.Rules {
				if r.TripDuration == "" {
					l.errorf(f.keyPos("tripDuration"), CodeBadConfig, "backend %q: circuit breaker rule %q has no tripDuration", name, r.Name)
					continue
				}
				if rule, err := breakerRule(r); err != nil {
					pos := f.suffixPos(err.value)
					if err.key {
						pos = f.keyPos(err.value)
					}
					l.errorf(pos, CodeBadConfig, "backend %q: circuit breaker rule %q: %v", name, r.Name, err.err)
				} else {
					be.CircuitBreaker = append(be.CircuitBreaker, rule)
				}
			}
		}
		for _, m := range det.Pool {
			be.Pool = append(be.Pool, backendpool.Member{ID: m.ID, Priority: m.Priority, Weight: m.Weight})
		}
		if det.Type == "Pool" && len(be.CircuitBreaker) > 0 {
			// A pool skips tripped members; its own rules have nothing to trip.
			l.warnf(f.keyPos("circuitBreaker"), parser.CodeNotImplemented, "backend %q: a Pool's own circuitBreaker is ignored; set the rules on its members", name)
			be.CircuitBreaker = nil
		}
		if t := p.TLS; t != nil {
			be.SkipCertificateValidation = t.ValidateCertificateChain != nil && !*t.ValidateCertificateChain ||
				t.ValidateCertificateName != nil && !*t.ValidateCertificateName
		}
		l.cfg.Backends[name] = be
		l.extra.Backends[name] = det
		files[name] = f
	}
	// Pools hold single backends only (APIM has no nested pools).
	for _, name := range names {
		det := l.extra.Backends[name]
		if det == nil {
			continue
		}
		for _, m := range det.Pool {
			if md := l.extra.Backends[m.ID]; md != nil && md.Type == "Pool" {
				l.errorf(files[name].suffixPos(m.ID), CodeBadConfig, "backend %q: pool member %q is itself a pool", name, m.ID)
			}
		}
	}
}

type ruleError struct {
	value string // the text (or, with key, the JSON key) the error is about
	key   bool
	err   error
}

// breakerRule converts a circuit breaker rule as written into the rule the
// gateway applies.
func breakerRule(r CircuitBreakerRule) (backendpool.Rule, *ruleError) {
	fc := r.FailureCondition
	out := backendpool.Rule{Name: r.Name, Count: fc.Count, Percentage: fc.Percentage, ErrorReasons: fc.ErrorReasons, AcceptRetryAfter: r.AcceptRetryAfter}
	var err error
	if out.TripDuration, err = backendpool.ParseDuration(r.TripDuration); err != nil {
		return out, &ruleError{r.TripDuration, false, err}
	}
	if fc.Interval != "" {
		if out.Interval, err = backendpool.ParseDuration(fc.Interval); err != nil {
			return out, &ruleError{fc.Interval, false, err}
		}
	}
	if fc.Count <= 0 && fc.Percentage <= 0 {
		return out, &ruleError{"failureCondition", true, fmt.Errorf("failureCondition needs a count or a percentage")}
	}
	if fc.Percentage > 100 {
		return out, &ruleError{"percentage", true, fmt.Errorf("percentage %d is above 100", fc.Percentage)}
	}
	for _, rg := range fc.StatusCodeRanges {
		if rg.Min < 100 || rg.Max > 599 || rg.Min > rg.Max {
			return out, &ruleError{"statusCodeRanges", true, fmt.Errorf("status code range %d-%d is not within 100-599", rg.Min, rg.Max)}
		}
		out.StatusCodeRanges = append(out.StatusCodeRanges, backendpool.Range{Min: rg.Min, Max: rg.Max})
	}
	return out, nil
}
