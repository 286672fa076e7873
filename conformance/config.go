package conformance

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway/apiops"
	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
	"github.com/policygate/policygate/policies/backendpool"
	"github.com/policygate/policygate/policies/xsd"
)

// Defaults of a case's API and operation (spec/conformance.md).
const (
	DefaultAPIName    = "test-api"
	DefaultServiceURL = "http://backend.test"
	DefaultOperation  = "test-operation"
)

// config builds the engine configuration of a decoded case. Policy text
// read from files gets its placeholders filled like the case file's own
// strings.
func (f *File) config(s *spec) (*engine.Config, error) {
	cfg := &engine.Config{
		Products:  map[string]*engine.Product{},
		Backends:  map[string]*engine.Backend{},
		Fragments: map[string]*engine.PolicyDoc{},
		Service:   engine.Service{Name: "policygate-conformance", Region: "local", GatewayID: "conformance"},
	}
	doc := func(label string, ref docRef) (*engine.PolicyDoc, error) {
		if ref.File == "" {
			return &engine.PolicyDoc{File: f.Path + "#" + label, Source: []byte(ref.Text)}, nil
		}
		path := filepath.Join(f.dir, ref.File)
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		text, err := fillString(string(src), s.fill)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return &engine.PolicyDoc{File: path, Source: []byte(text)}, nil
	}
	pol := map[string]*engine.PolicyDoc{}
	for scope, ref := range s.Policies {
		d, err := doc("policies."+scope, ref)
		if err != nil {
			return nil, err
		}
		pol[scope] = d
	}
	cfg.Global = pol["global"]
	for id, ref := range s.Fragments {
		d, err := doc("fragments."+id, ref)
		if err != nil {
			return nil, err
		}
		cfg.Fragments[id] = d
	}

	api := &engine.API{ID: DefaultAPIName, Name: DefaultAPIName, ServiceURL: DefaultServiceURL,
		Protocols: []string{"http", "https"}, Revision: "1", IsCurrent: true, Policy: pol["api"]}
	if a := s.API; a != nil {
		if a.Name != "" {
			api.ID, api.Name = a.Name, a.Name
		}
		api.Path = strings.Trim(a.Path, "/")
		if a.ServiceURL != nil {
			api.ServiceURL = *a.ServiceURL
		}
		api.SubscriptionRequired = a.SubscriptionRequired
		api.KeyHeader, api.KeyQuery = a.KeyHeader, a.KeyQuery
	}
	op := &engine.Operation{ID: DefaultOperation, Name: DefaultOperation, Method: "*", URLTemplate: "/*", Policy: pol["operation"]}
	if o := s.Operation; o != nil {
		if o.Name != "" {
			op.ID, op.Name = o.Name, o.Name
		}
		if o.Method != "" {
			op.Method = strings.ToUpper(o.Method)
		}
		if o.URLTemplate != "" {
			op.URLTemplate = o.URLTemplate
		}
	}
	api.Operations = []*engine.Operation{op}
	if s.OpenAPI != nil {
		ops, err := f.openAPIOperations(s, doc, pol["operation"])
		if err != nil {
			return nil, err
		}
		api.Operations = ops
	}
	if s.GraphQL != nil {
		ops, perr := apiops.GraphQLOperations(f.Path+"#graphql", []byte(*s.GraphQL))
		if perr != nil {
			return nil, perr
		}
		for _, op := range ops {
			op.Policy = pol["operation"]
		}
		api.Operations = ops
	}
	for _, path := range slices.Sorted(maps.Keys(s.Resolvers)) {
		d, err := doc("resolvers."+path, s.Resolvers[path])
		if err != nil {
			return nil, err
		}
		api.Resolvers = append(api.Resolvers, &engine.Resolver{Name: path, Path: path, At: parser.Pos{File: d.File, Line: 1, Col: 1}, Policy: d})
	}
	for id, text := range s.Schemas {
		if strings.HasPrefix(strings.TrimSpace(text), "<") { // an XML schema
			xs, err := xsd.Compile([]byte(text))
			if err != nil {
				return nil, fmt.Errorf("schemas.%s: %w", id, err)
			}
			if cfg.XMLSchemas == nil {
				cfg.XMLSchemas = map[string]*xsd.Schema{}
			}
			cfg.XMLSchemas[id] = xs
			continue
		}
		js, err := policies.CompileJSONSchema([]byte(text))
		if err != nil {
			return nil, fmt.Errorf("schemas.%s: %w", id, err)
		}
		if cfg.Schemas == nil {
			cfg.Schemas = map[string]*policies.JSONSchema{}
		}
		cfg.Schemas[id] = js
	}
	cfg.APIs = []*engine.API{api}

	if p := s.Product; p != nil {
		// APIM's products require a subscription unless they say otherwise.
		prod := &engine.Product{ID: p.Name, Name: p.Name, State: "published", SubscriptionRequired: true, APIs: []string{api.ID}, Policy: pol["product"]}
		if p.Name == "" {
			prod.ID, prod.Name = "test-product", "test-product"
		}
		if p.State != "" {
			prod.State = p.State
		}
		if p.SubscriptionRequired != nil {
			prod.SubscriptionRequired = *p.SubscriptionRequired
		}
		cfg.Products[prod.ID] = prod
	} else if pol["product"] != nil {
		return nil, fmt.Errorf("policies.product needs a product")
	}
	for i, sub := range s.Subscriptions {
		es := &engine.Subscription{ID: sub.Name, Name: sub.Name, PrimaryKey: sub.Key, SecondaryKey: sub.SecondaryKey,
			Scope: sub.Scope, Active: true, UserID: sub.User}
		if es.ID == "" {
			es.ID = fmt.Sprintf("subscription-%d", i+1)
			es.Name = es.ID
		}
		if es.Scope == "" {
			es.Scope = "all"
		}
		if sub.Active != nil {
			es.Active = *sub.Active
		}
		cfg.Subscriptions = append(cfg.Subscriptions, es)
	}
	// Named values: no environment overrides, so a case means the same
	// everywhere.
	store := namedvalues.NewStore(namedvalues.WithEnv(nil))
	names := slices.Sorted(maps.Keys(s.NamedValues))
	for _, n := range names {
		nv := s.NamedValues[n]
		if err := store.Set(namedvalues.NamedValue{Name: n, Value: nv.Value, Secret: nv.Secret, Source: f.Path}); err != nil {
			return nil, err
		}
	}
	cfg.NamedValues = store
	// Backend credentials keep their {{named values}}: the gateway expands
	// them when it loads the configuration, as for an APIOps folder.
	for id, b := range s.Backends {
		eb := &engine.Backend{ID: id, URL: b.URL, Header: map[string][]string{}, Query: map[string][]string{}}
		for k, v := range b.Credentials.Header {
			eb.Header[k] = append([]string(nil), v...)
		}
		for k, v := range b.Credentials.Query {
			eb.Query[k] = append([]string(nil), v...)
		}
		if a := b.Credentials.Authorization; a != nil {
			eb.AuthScheme, eb.AuthParameter = a.Scheme, a.Parameter
		}
		if err := poolAndBreaker(id, b, eb, cfg); err != nil {
			return nil, err
		}
		cfg.Backends[id] = eb
	}

	return cfg, nil
}

// poolAndBreaker copies a case backend's pool members and circuit breaker
// rules; members must be backends of the case.
func poolAndBreaker(id string, b backendIDSpc, eb *engine.Backend, cfg *engine.Config) error {
	if strings.EqualFold(b.Type, "pool") != (len(b.Pool) > 0) {
		return fmt.Errorf("backend %q: type Pool and pool members go together", id)
	}
	for _, m := range b.Pool {
		eb.Pool = append(eb.Pool, backendpool.Member{ID: m.ID, Priority: m.Priority, Weight: m.Weight})
	}
	if b.CircuitBreaker == nil {
		return nil
	}
	for _, r := range b.CircuitBreaker.Rules {
		fc := r.FailureCondition
		rule := backendpool.Rule{Name: r.Name, Count: fc.Count, Percentage: fc.Percentage, ErrorReasons: fc.ErrorReasons, AcceptRetryAfter: r.AcceptRetryAfter}
		var err error
		if rule.TripDuration, err = backendpool.ParseDuration(r.TripDuration); err != nil {
			return fmt.Errorf("backend %q: rule %q: tripDuration: %v", id, r.Name, err)
		}
		if fc.Interval != "" {
			if rule.Interval, err = backendpool.ParseDuration(fc.Interval); err != nil {
				return fmt.Errorf("backend %q: rule %q: interval: %v", id, r.Name, err)
			}
		}
		for _, rg := range fc.StatusCodeRanges {
			rule.StatusCodeRanges = append(rule.StatusCodeRanges, backendpool.Range{Min: rg.Min, Max: rg.Max})
		}
		eb.CircuitBreaker = append(eb.CircuitBreaker, rule)
	}
	return nil
}

// openAPIOperations reads the case's OpenAPI document into the API's
// operations, each with the operation-scope policy.
func (f *File) openAPIOperations(s *spec, doc func(string, docRef) (*engine.PolicyDoc, error), pol *engine.PolicyDoc) ([]*engine.Operation, error) {
	d, err := doc("openapi", *s.OpenAPI)
	if err != nil {
		return nil, err
	}
	name := d.File
	if s.OpenAPI.File == "" {
		name += ".yaml"
	}
	ops, errs := apiops.ParseSpec(name, d.Source)
	for _, e := range errs {
		if e.Severity == parser.SeverityError {
			return nil, fmt.Errorf("openapi: %v", e)
		}
	}
	for _, op := range ops {
		op.Policy = pol
	}
	return ops, nil
}
