package conformance

import (
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/policies"
)

// fakeGateway is a stand-in for package gateway in the runner's own tests:
// it routes on the API path, forwards to the service URL with env.Client,
// and reports a run whose variables tell what it saw. It runs no policies.
func fakeGateway(cfg *engine.Config, env GatewayEnv) (http.Handler, error) {
	api := cfg.APIs[0]
	op := api.Operations[0]
	var mu sync.Mutex
	count := int32(0)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		count++
		n := count
		mu.Unlock()
		run := &policies.Run{Context: r.Context(), Ctx: &expressions.Context{Variables: expressions.NewVariables()}, Trace: &policies.Trace{}}
		run.Ctx.Variables.Set("count", n)
		run.Ctx.Variables.Set("now", env.Now().UTC().Format("2006-01-02T15:04:05Z"))
		run.Ctx.Variables.Set("flag", true)
		run.Trace.Add(&policies.Stmt{Name: "forward-request", Path: "forward-request[1]", Scope: policies.ScopeGlobal}, policies.Backend, 0, nil, nil)
		prefix := "/" + api.Path
		rel, ok := strings.CutPrefix(r.URL.Path, strings.TrimSuffix(prefix, "/"))
		if !ok || (op.Method != "*" && op.Method != r.Method) {
			run.Ctx.LastError = &expressions.LastError{Source: "configuration", Reason: "OperationNotFound", Message: "Unable to match incoming request to an operation.", Section: "inbound"}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(404)
			io.WriteString(w, `{"statusCode":404,"message":"Resource not found"}`)
			env.Observe(run, engine.Outcome{})
			return
		}
		target := strings.TrimSuffix(api.ServiceURL, "/") + rel
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		req, _ := http.NewRequest(r.Method, target, r.Body)
		req.Header = r.Header.Clone()
		cl := *env.Client // forward-request does not follow redirects by default
		cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := cl.Do(req)
		if err != nil {
			w.WriteHeader(500)
			env.Observe(run, engine.Outcome{})
			return
		}
		defer resp.Body.Close()
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.Header().Set("X-Now", env.Now().UTC().Format("2006-01-02T15:04:05Z"))
		// The observer runs before the answer, as the real gateway's may not:
		// the runner must not depend on the order.
		env.Observe(run, engine.Outcome{})
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}), nil
}
