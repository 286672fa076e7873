package policies

import (
	"fmt"
	"net/url"

	"github.com/policygate/policygate/parser"
)

type setBackendService struct {
	baseURL   *Value
	backendID *Value
}

func init() { Register("set-backend-service", newSetBackendService) }

func newSetBackendService(el *parser.Element, c *Compiler) (Step, error) {
	s := &setBackendService{baseURL: c.Attr(el, "base-url", KindString), backendID: c.Attr(el, "backend-id", KindString)}
	if id, ok := s.backendID.Literal(); s.backendID.Present && ok && c.Backends != nil && !c.Backends(id) {
		c.Errorf(s.backendID.Pos(), parser.CodeBadAttribute, "backend %q does not exist", id)
	}
	if lit, ok := s.baseURL.Literal(); s.baseURL.Present && ok {
		if u, err := url.Parse(lit); err != nil || !u.IsAbs() {
			c.Errorf(s.baseURL.Pos(), parser.CodeBadAttribute, "base-url %q is not an absolute URL", lit)
		}
	}
	for _, a := range []string{"sf-resolve-condition", "sf-service-instance-name", "sf-partition-key", "sf-listener-name", "sf-replica-type", "dapr-app-id", "dapr-method", "dapr-namespace"} {
		if at := el.Attr(a); at != nil {
			c.Warnf(at.Pos, parser.CodeNotImplemented, "set-backend-service %s is not supported and is ignored", a)
		}
	}
	return s, nil
}

// Exec replaces the backend base URL (base-url) or selects a backend entity
// (backend-id) and recomputes context.Request.Url.
func (s *setBackendService) Exec(r *Run) error {
	if s.backendID.Present {
		id, err := s.backendID.String(r)
		if err != nil {
			return err
		}
		var b *BackendEntity
		ok := false
		if r.Env != nil && r.Env.Backends != nil {
			b, ok = r.Env.Backends(id)
		}
		if !ok || b == nil || b.URL == nil && b.Pool == nil {
			return &Error{Reason: "BackendNotFound", Message: fmt.Sprintf("Backend with id '%s' could not be found.", id), Status: 500}
		}
		r.Backend = b
		r.BackendURL = b.URL
		if b.Pool != nil {
			// forward-request picks the member; until then the URL is the
			// one it would most likely pick.
			i, ok := b.Pool.Peek(r.Now())
			if !ok {
				i = 0
			}
			r.BackendURL = b.Members[i].URL
		}
		r.SyncURL()
		return nil
	}
	raw, err := s.baseURL.String(r)
	if err != nil {
		return err
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return &Error{Reason: ReasonExpression, Message: fmt.Sprintf("Expression evaluation failed. %q is not an absolute URL.", raw), Status: 500}
	}
	if r.Backend != nil {
		// Quirk (policies.md §2.8): after backend-id only backend-id can
		// override; keep the backend-id target.
		if r.Env != nil && r.Env.Logger != nil {
			r.Env.Logger.Warn("set-backend-service base-url ignored after backend-id", "backend", r.Backend.ID)
		}
		return nil
	}
	r.BackendURL = u
	r.SyncURL()
	return nil
}
