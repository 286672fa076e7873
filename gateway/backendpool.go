package gateway

import (
	"crypto/tls"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/policies"
	"github.com/policygate/policygate/policies/backendpool"
)

// WithBreakers shares circuit breaker state between gateways (the
// server's plain and traced gateways see the same trips). Without it each
// gateway has its own; either way the state outlives reloads.
func WithBreakers(r *backendpool.Registry) Option { return func(o *options) { o.breakers = r } }

// linkPools gives single backends their circuit breakers and Pool backends
// their members (each member keeps its own URL, credentials and breaker).
// The loader has refused unknown and nested members.
func linkPools(cfg *engine.Config, backends map[string]*policies.BackendEntity, reg *backendpool.Registry, client *http.Client) {
	var insecure *http.Client
	for id, b := range cfg.Backends {
		if be := backends[id]; be != nil && b != nil && len(b.Pool) == 0 {
			be.Breaker = reg.Breaker(id, b.CircuitBreaker)
			if b.SkipCertificateValidation {
				if insecure == nil {
					insecure = skipVerify(client)
				}
				be.Client = insecure
			}
		}
	}
	for id, b := range cfg.Backends {
		be := backends[id]
		if be == nil || b == nil || len(b.Pool) == 0 {
			continue
		}
		var members []backendpool.Member
		var breakers []*backendpool.Breaker
		be.URL, be.Members = nil, nil
		for _, m := range b.Pool {
			mb := backends[m.ID]
			if mb == nil || mb.URL == nil || mb.Pool != nil {
				continue
			}
			members = append(members, m)
			breakers = append(breakers, mb.Breaker)
			be.Members = append(be.Members, mb)
		}
		if len(members) > 0 {
			be.Pool = backendpool.NewPool(members, breakers)
		}
	}
}

// skipVerify returns a copy of client that does not check backend
// certificates (tls.validateCertificateChain or validateCertificateName
// false). A transport it cannot copy (a test's round tripper) is kept.
func skipVerify(client *http.Client) *http.Client {
	clone := func(rt http.RoundTripper) (http.RoundTripper, bool) {
		var tr *http.Transport
		switch t := rt.(type) {
		case nil:
			tr = DefaultTransport()
		case *http.Transport:
			tr = t.Clone()
		default:
			return rt, false
		}
		if tr.TLSClientConfig == nil {
			tr.TLSClientConfig = &tls.Config{}
		}
		tr.TLSClientConfig.InsecureSkipVerify = true
		return tr, true
	}
	c := *client
	if tt, ok := c.Transport.(timingTransport); ok {
		base, _ := clone(tt.base)
		c.Transport = timingTransport{base}
	} else {
		c.Transport, _ = clone(c.Transport)
	}
	return &c
}

// breakerCollector exports the circuit breakers of a registry:
// policygate_backend_circuit_open (1 while tripped) and
// policygate_backend_circuit_trips_total, labelled by backend.
type breakerCollector struct {
	reg *backendpool.Registry
	now func() time.Time
}

var (
	breakerOpenDesc  = prometheus.NewDesc("policygate_backend_circuit_open", "1 while the backend's circuit breaker is open (tripped).", []string{"backend"}, nil)
	breakerTripsDesc = prometheus.NewDesc("policygate_backend_circuit_trips_total", "Times the backend's circuit breaker tripped.", []string{"backend"}, nil)
)

func (c breakerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- breakerOpenDesc
	ch <- breakerTripsDesc
}

func (c breakerCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.reg.States(c.now()) {
		open := 0.0
		if s.Open {
			open = 1
		}
		ch <- prometheus.MustNewConstMetric(breakerOpenDesc, prometheus.GaugeValue, open, s.ID)
		ch <- prometheus.MustNewConstMetric(breakerTripsDesc, prometheus.CounterValue, float64(s.Trips), s.ID)
	}
}

// RegisterBreakers exports the breakers of reg on the metrics endpoint.
func (m *Metrics) RegisterBreakers(reg *backendpool.Registry, now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	m.reg.MustRegister(breakerCollector{reg, now})
}
