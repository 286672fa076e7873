// Package demo is the configuration policygate run serves when no
// configuration folder is given: an "echo" API at /echo/ whose backend is
// an echo server inside the same process, and an "openai" API at /openai/
// in front of two fake Azure OpenAI deployments of the same process
// (gateway/fakeopenai) behind a pool with circuit breakers and a token
// limit.
//
// The echo backend listens on a loopback port chosen at start
// (127.0.0.1:0), so the gateway reaches it through its ordinary backend
// client, exactly as it would reach a remote backend. It answers every
// request with 200 and a JSON echo of the method, path, query, headers and
// body.
package demo

import (
	_ "embed"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway/fakeopenai"
	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/policies/backendpool"
)

//go:embed config/echo-api.policy.xml
var echoPolicy []byte

//go:embed config/openai-api.policy.xml
var openaiPolicy []byte

// Deployments are the fake Azure OpenAI deployments, served by the demo
// backend under /<name>/openai/.
var Deployments = []string{"aoai-east", "aoai-west"}

// Greeting is the value of the demo's named value "greeting".
const Greeting = "Hello from PolicyGate"

// Echo is the demo's answer body.
type Echo struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Query   map[string][]string `json:"query"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
}

// Handler answers every request with 200 and its JSON echo.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		e := Echo{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Headers: r.Header, Body: string(body)}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(e)
	})
}

// Backend is the running echo server.
type Backend struct {
	// URL is the base URL, http://127.0.0.1:<port>.
	URL string
	srv *http.Server
}

// StartBackend starts the echo server on a free loopback port.
func StartBackend() (*Backend, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/", Handler())
	for _, name := range Deployments {
		mux.Handle("/"+name+"/", http.StripPrefix("/"+name, fakeopenai.New(name)))
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return &Backend{URL: "http://" + ln.Addr().String(), srv: srv}, nil
}

// Close stops the echo server.
func (b *Backend) Close() error { return b.srv.Close() }

// Config returns the demo configuration with its backend at backendURL.
func Config(backendURL string) *engine.Config {
	nv, _ := namedvalues.FromMap(map[string]string{"greeting": Greeting})
	return &engine.Config{
		APIs: []*engine.API{{
			ID: "echo", Name: "Echo API", Path: "echo", ServiceURL: backendURL,
			Protocols: []string{"http", "https"}, IsCurrent: true, SubscriptionRequired: false,
			Description: "Answers with a JSON echo of the request.",
			Policy:      &engine.PolicyDoc{File: "demo/echo-api.policy.xml", Source: echoPolicy},
			Operations: []*engine.Operation{
				{ID: "echo", Name: "Echo", Method: "*", URLTemplate: "/*"},
			},
		}, {
			ID: "openai", Name: "Azure OpenAI (fake)", Path: "openai", ServiceURL: backendURL + "/" + Deployments[0] + "/openai",
			Protocols: []string{"http", "https"}, IsCurrent: true, SubscriptionRequired: false,
			Description: "Chat completions (buffered or streamed) and embeddings through a pool of two fake deployments.",
			Policy:      &engine.PolicyDoc{File: "demo/openai-api.policy.xml", Source: openaiPolicy},
			Operations: []*engine.Operation{
				{ID: "chat-completions", Name: "Chat completions", Method: "POST", URLTemplate: "/deployments/{deployment-id}/chat/completions"},
				{ID: "embeddings", Name: "Embeddings", Method: "POST", URLTemplate: "/deployments/{deployment-id}/embeddings"},
			},
		}},
		Products:    map[string]*engine.Product{},
		Backends:    openaiBackends(backendURL),
		NamedValues: nv,
		Service:     engine.Service{Name: "policygate-demo", GatewayID: "self-hosted"},
	}
}

// openaiBackends are the two fake deployments, each with a circuit breaker
// that trips on one 429 or 5xx for the backend's Retry-After (30 s at
// most otherwise), and the pool that balances them round-robin.
func openaiBackends(backendURL string) map[string]*engine.Backend {
	out := map[string]*engine.Backend{}
	pool := &engine.Backend{ID: "aoai-pool"}
	for _, name := range Deployments {
		out[name] = &engine.Backend{ID: name, URL: backendURL + "/" + name + "/openai",
			Header: map[string][]string{"api-key": {"demo-key-" + name}},
			CircuitBreaker: []backendpool.Rule{{Name: "throttled", Count: 1, Interval: time.Minute, TripDuration: 30 * time.Second, AcceptRetryAfter: true,
				StatusCodeRanges: []backendpool.Range{{Min: 429, Max: 429}, {Min: 500, Max: 599}}}}}
		pool.Pool = append(pool.Pool, backendpool.Member{ID: name, Priority: 1, Weight: 1})
	}
	out[pool.ID] = pool
	return out
}
