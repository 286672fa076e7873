package policies

import (
	"net/http"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// mock-response stops the pipeline and answers with a response built from
// the operation's examples, like return-response.
//
//	<mock-response status-code="200" content-type="application/json" index="0" />
//
// status-code defaults to 200 and content-type to application/json. The
// body is the operation's example for that status and content type
// (Run.Examples, from the operation's OpenAPI definition), or empty when there is none. index is accepted
// and not used yet (the first example wins).
type mockResponse struct{ status, contentType *Value }

var _ Step = (*mockResponse)(nil)

func init() { Register("mock-response", compileMockResponse) }

func compileMockResponse(el *parser.Element, c *Compiler) (Step, error) {
	return &mockResponse{
		status:      c.Attr(el, "status-code", KindInt),
		contentType: c.Attr(el, "content-type", KindString),
	}, nil
}

func (s *mockResponse) Exec(r *Run) error {
	status, err := s.status.Int(r, http.StatusOK)
	if err != nil {
		return err
	}
	ct, err := s.contentType.StringOr(r, "application/json")
	if err != nil {
		return err
	}
	r.openAPI()
	body, ct := example(r.Examples[status], ct)
	resp := &expressions.Response{StatusCode: int32(status), StatusReason: http.StatusText(status), Headers: expressions.NewHeaders(nil)}
	if ct != "" {
		resp.Headers.H.Set("Content-Type", ct)
	}
	resp.Body = expressions.NewBody(body)
	r.Ctx.Response = resp
	return ErrReturnResponse
}

// example picks the example for the content type, or else the only one the
// status has (its own content type then applies).
func example(byType map[string][]byte, ct string) ([]byte, string) {
	if b, ok := byType[ct]; ok {
		return b, ct
	}
	if len(byType) == 1 {
		for t, b := range byType {
			return b, t
		}
	}
	return nil, ct
}
