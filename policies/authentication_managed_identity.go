package policies

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/identity"
	"github.com/policygate/policygate/parser"
)

// authentication-managed-identity gets a Microsoft Entra access token for a
// resource with the gateway's identity.
//
//	<authentication-managed-identity resource="https://vault.azure.net | @(expr)"
//	    client-id="user-assigned identity's client id"
//	    output-token-variable-name="token"
//	    ignore-error="false" />
//
// The token is for the scope resource + "/.default", the resource kept as
// written (a trailing slash stays: "https://storage.azure.com/" asks for
// "https://storage.azure.com//.default", whose audience keeps the slash, as
// APIM's resource-based request does). client-id selects a user-assigned
// identity; without it the system-assigned (default) identity is used.
//
// Without output-token-variable-name the backend request gets
// "Authorization: Bearer <token>". With it the token is only stored in that
// variable, as a string, for the policy to use itself (the documented
// "set header manually" pattern); project decision, spec §2.22 shows both.
//
// Tokens come from TokenSource (a cache over identity.New by default), so a
// token is fetched once per identity, resource and lifetime, not per call.
// On failure the request ends with 500 and LastError reason
// TokenAcquisitionFailed, unless ignore-error="true", which goes on without a
// token.
type authenticationManagedIdentity struct {
	resource    *Value
	scope       string // when resource is a literal
	clientID    *Value
	outputVar   string
	ignoreError bool
}

var _ Step = (*authenticationManagedIdentity)(nil)

// ReasonTokenAcquisitionFailed is the LastError reason when no token could
// be obtained (spec policies.md §2.22, project decision).
const ReasonTokenAcquisitionFailed = "TokenAcquisitionFailed"

func init() { Register("authentication-managed-identity", compileAuthenticationManagedIdentity) }

func compileAuthenticationManagedIdentity(el *parser.Element, c *Compiler) (Step, error) {
	s := &authenticationManagedIdentity{
		resource: c.Attr(el, "resource", KindString),
		clientID: c.Attr(el, "client-id", KindString),
	}
	if !s.resource.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<authentication-managed-identity> needs a resource")
	} else if lit, ok := s.resource.Literal(); ok {
		s.scope = identity.ScopeForResource(lit)
	}
	out := c.Attr(el, "output-token-variable-name", KindString)
	if out.Present {
		lit, ok := out.Literal()
		if !ok || lit == "" {
			c.Errorf(out.Pos(), parser.CodeBadAttribute, "output-token-variable-name must be a literal name")
		}
		s.outputVar = lit
	}
	ie := c.Attr(el, "ignore-error", KindBool)
	if ie.Present {
		lit, ok := ie.Literal()
		if !ok || !hasUnknownNamedValue(lit) && !isBoolText(lit) {
			c.Errorf(ie.Pos(), parser.CodeBadAttribute, "ignore-error must be true or false")
		}
		s.ignoreError = ok && strings.EqualFold(strings.TrimSpace(lit), "true")
	}
	return s, nil
}

// Exec gets the token and sets the header or the variable.
func (s *authenticationManagedIdentity) Exec(r *Run) error {
	tok, ok, err := s.acquire(r)
	if err != nil || !ok {
		return err
	}
	setRequestAuthorization(r, "Bearer "+tok)
	return nil
}

// acquire gets the token. ok is false when there is no header to set: the
// token went to output-token-variable-name, or it failed with ignore-error.
func (s *authenticationManagedIdentity) acquire(r *Run) (tok string, ok bool, err error) {
	resource, err := s.resource.String(r)
	if err != nil {
		return "", false, err
	}
	clientID, err := s.clientID.StringOr(r, "")
	if err != nil {
		return "", false, err
	}
	ctx := r.Context
	if ctx == nil {
		ctx = context.Background()
	}
	scope := s.scope
	if scope == "" {
		scope = identity.ScopeForResource(resource)
	}
	ctx, end := r.StartSpan("token acquisition", "apim.token.resource", resource)
	tok, _, err = TokenSource().Token(ctx, scope, clientID)
	end(err)
	r.Taint(tok) // an access token is masked like a secret named value
	if err != nil {
		if s.ignoreError {
			return "", false, nil
		}
		// The message names the resource only; the cause (which never holds
		// a secret, but may be long) stays in Err for logs.
		return "", false, &Error{
			Source: "authentication-managed-identity", Reason: ReasonTokenAcquisitionFailed,
			Message: "Unable to acquire a managed identity token for resource " + resource + ".",
			Status:  500, Err: err,
		}
	}
	if s.outputVar != "" {
		if r.Ctx.Variables == nil {
			r.Ctx.Variables = expressions.NewVariables()
		}
		r.Ctx.Variables.Set(s.outputVar, tok)
		return "", false, nil
	}
	return tok, true, nil
}

// ---- token source hook (to move into Env) ----

type sourceBox struct{ s identity.Source }

var (
	tokenSource        atomic.Pointer[sourceBox]
	defaultSourceOnce  sync.Once
	defaultTokenSource identity.Source
)

// SetTokenSource sets where authentication-managed-identity gets tokens
// (nil restores the default). The source should cache (identity.NewCache):
// the policy asks it on every request. It belongs on Env; until then it is
// process-wide and safe to change while requests run.
func SetTokenSource(s identity.Source) {
	if s == nil {
		tokenSource.Store(nil)
		return
	}
	tokenSource.Store(&sourceBox{s})
}

// TokenSource returns the source set with SetTokenSource, or the default:
// identity.New with its automatic chain (managed identity on Azure; the
// environment, workload identity and Azure CLI elsewhere) behind a token
// cache, built on first use.
func TokenSource() identity.Source {
	if b := tokenSource.Load(); b != nil {
		return b.s
	}
	defaultSourceOnce.Do(func() {
		src, err := identity.New(identity.Options{})
		if err != nil {
			defaultTokenSource = failingSource{err}
			return
		}
		defaultTokenSource = identity.NewCache(src)
	})
	return defaultTokenSource
}

type failingSource struct{ err error }

func (f failingSource) Token(context.Context, string, string) (string, time.Time, error) {
	return "", time.Time{}, f.err
}
