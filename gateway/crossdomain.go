package gateway

import (
	"net/http"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
)

// globalCrossDomain answers a GET or HEAD of the bare /crossdomain.xml,
// which no API matches, with the cross-domain policy of the global
// policy document's inbound section, as APIM does; false when there is
// none (the request then gets the usual 404).
func globalCrossDomain(run *policies.Run, req *http.Request, a *active) bool {
	if req.URL.Path != "/crossdomain.xml" || req.Method != http.MethodGet && req.Method != http.MethodHead {
		return false
	}
	g := a.eng.Config.Global
	if g == nil {
		return false
	}
	doc, errs := parser.Parse(g.File, g.Source)
	if errs.HasErrors() {
		return false
	}
	body := policies.GlobalCrossDomain(doc)
	if body == nil {
		return false
	}
	run.Ctx.Response = &expressions.Response{StatusCode: http.StatusOK, StatusReason: "OK",
		Headers: expressions.NewHeaders(http.Header{"Content-Type": {"text/xml"}}),
		Body:    expressions.NewBody(body)}
	return true
}
