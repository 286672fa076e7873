package policies

import (
	"encoding/base64"
	"strings"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// authentication-basic authenticates to the backend with HTTP Basic.
//
//	<authentication-basic username="name | @(expr)" password="secret | @(expr)" />
//
// It sets the backend request's Authorization header to
// "Basic base64(username:password)" (credential bytes in UTF-8), replacing
// any Authorization the caller sent.
type authenticationBasic struct {
	username, password *Value
}

var _ Step = (*authenticationBasic)(nil)

func init() { Register("authentication-basic", compileAuthenticationBasic) }

func compileAuthenticationBasic(el *parser.Element, c *Compiler) (Step, error) {
	s := &authenticationBasic{
		username: c.Attr(el, "username", KindString),
		password: c.Attr(el, "password", KindString),
	}
	if !s.username.Present || !s.password.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<authentication-basic> needs username and password")
	}
	return s, nil
}

// Exec sets the Authorization header.
func (s *authenticationBasic) Exec(r *Run) error {
	u, err := s.username.String(r)
	if err != nil {
		return err
	}
	p, err := s.password.String(r)
	if err != nil {
		return err
	}
	setRequestAuthorization(r, "Basic "+base64.StdEncoding.EncodeToString([]byte(u+":"+p)))
	return nil
}

// setRequestAuthorization replaces the request's Authorization header,
// whatever case the caller wrote its name in.
func setRequestAuthorization(r *Run, value string) {
	if r.Ctx.Request == nil {
		r.Ctx.Request = &expressions.Request{}
	}
	if r.Ctx.Request.Headers == nil {
		r.Ctx.Request.Headers = expressions.NewHeaders(nil)
	}
	h := r.Ctx.Request.Headers.H
	for k := range h {
		if k != "Authorization" && strings.EqualFold(k, "Authorization") {
			delete(h, k)
		}
	}
	h["Authorization"] = []string{value}
}
