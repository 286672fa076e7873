package policies

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies/xsd"
)

// Policies of the APIM index that PolicyGate does not run. Without
// --strict a document using one still loads, with a warning at its
// position, and the statement behaves at run time so that nobody believes
// it ran:
//
//   - a policy whose only effect is elsewhere (publishing a message or an
//     event) is skipped, and each skip is counted in the metric
//     policy-skipped{policy} (exported as policygate_custom_policy_skipped);
//   - every other one guards or shapes the request (authorization context,
//     OData validation, XSLT in a build without cgo, GraphQL data sources)
//     and fails closed: 500, LastError Source = the policy, Reason
//     PolicyNotSupported.
//
// With --strict (Compiler.Strict, validate --strict) each is a load error.

// ReasonNotSupported is the LastError reason of a policy PolicyGate
// cannot run.
const ReasonNotSupported = "PolicyNotSupported"

// SkippedMetric is the metric counting skipped side-effect policies.
const SkippedMetric = "policy-skipped"

// skippable are the unsupported policies whose only effect is a side effect.
var skippable = map[string]bool{
	"publish-event": true,
}

// unsupportedWhy says why a policy is not supported, where it is not just
// not done yet.
var unsupportedWhy = map[string]string{
	"get-authorization-context": "it needs APIM's credential manager",
	"validate-odata-request":    "the OData URL grammar it checks and its failure answer are not documented, and no OData parser is available to Go here",
	"sql-data-source":           "it needs Azure SQL and APIM's connection handling",
	"cosmosdb-data-source":      "it needs Azure Cosmos DB",
}

// unsupportedWarning is the load warning of an unsupported policy.
func unsupportedWarning(name string) string {
	why := ""
	if w := unsupportedWhy[name]; w != "" {
		why = " (" + w + ")"
	}
	if skippable[name] {
		return "policy <" + name + "> is not supported by PolicyGate" + why + ": it is skipped at run time and counted in the " + SkippedMetric + " metric (--strict makes this an error)"
	}
	return "policy <" + name + "> is not supported by PolicyGate" + why + ": requests that reach it fail with 500 (--strict makes this an error)"
}

// unsupported is the run-time stand-in of a policy PolicyGate cannot run.
type unsupported struct{ name string }

var _ Step = (*unsupported)(nil)

// Exec skips a side-effect policy (counting it) or fails closed.
func (s *unsupported) Exec(r *Run) error {
	if skippable[s.name] {
		if r.Env != nil && r.Env.Metrics != nil {
			r.Env.Metrics.Emit(SkippedMetric, "policygate", 1, map[string]string{"policy": s.name})
		}
		if r.Env != nil && r.Env.Logger != nil {
			r.Env.Logger.Debug("unsupported policy skipped", slog.String("policy", s.name))
		}
		return nil
	}
	return &Error{Source: s.name, Reason: ReasonNotSupported, Status: http.StatusInternalServerError,
		Message: "Policy " + s.name + " is not supported by PolicyGate; the request is refused rather than let through unchecked."}
}

// unsupportedUses warns, with their positions, about the policies under el
// that PolicyGate does not run (what loading the document would say).
func unsupportedUses(el *parser.Element) parser.Errors {
	var out parser.Errors
	for _, ch := range el.Children {
		if d := Lookup(ch.Name); d != nil && ch.Name != "base" && !IsImplemented(d) {
			out = append(out, &parser.Error{Pos: ch.Pos, Code: parser.CodeNotImplemented, Msg: unsupportedWarning(ch.Name), Severity: parser.SeverityWarning})
			continue
		}
		if el.Name == "validate-content" && ch.Name == "content" {
			if w := xmlContentWarning(strings.ToLower(literalAttr(ch, "validate-as")), literalAttr(ch, "schema-id")); w != "" {
				out = append(out, &parser.Error{Pos: ch.Pos, Code: parser.CodeNotImplemented, Severity: parser.SeverityWarning, Msg: w})
			}
		}
		if !ch.Opaque {
			out = append(out, unsupportedUses(ch)...)
		}
	}
	return out
}

// xmlValidationWarning is the warning of a validate-content <content> that
// asks for XML Schema validation.
func xmlValidationWarning(as string) string {
	checked := "well-formed XML"
	if as == "soap" {
		checked = "a well-formed SOAP 1.1 or 1.2 envelope"
	}
	against := "validation against the API's own definition (WSDL or OpenAPI) is not supported; give a schema-id"
	if !xsd.Available {
		against = "validation against an XML schema is not supported by this build (built without cgo and libxml2)"
	}
	return "validate-as=\"" + as + "\": PolicyGate checks that the body is " + checked + ", but " + against +
		": a body that passes the check fails with 500 when the action is prevent, and is logged as not validated when it is detect"
}
