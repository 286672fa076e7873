package policies

import (
	"bytes"
	"strings"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// redirect-content-urls rewrites (masks) links in a body:
//
//	<redirect-content-urls />
//
// In outbound, every occurrence of the backend's base URL (the API's
// service URL, or what set-backend-service chose) in the response body
// becomes the gateway's URL of the API (the client's scheme, host and
// port, then the API's path), so that the backend's address does not leak.
// In inbound it does the opposite on the request body. Headers (Location
// and the rest) are left alone, as the docs say. Matching is exact on the
// base URL without a trailing slash; a base URL followed by a letter or a
// digit is another host or path (https://b.example/api2 for
// https://b.example/api) and is left alone.
type redirectContentURLs struct{}

var _ Step = (*redirectContentURLs)(nil)

func init() { Register("redirect-content-urls", compileRedirectContentURLs) }

func compileRedirectContentURLs(*parser.Element, *Compiler) (Step, error) {
	return &redirectContentURLs{}, nil
}

func (s *redirectContentURLs) Exec(r *Run) error {
	body := targetBody(r)
	if body == nil || r.BackendURL == nil || r.Ctx.Request == nil || r.Ctx.Request.OriginalURL == nil {
		return nil
	}
	backend := strings.TrimRight(r.BackendURL.Scheme+"://"+r.BackendURL.Host+r.BackendURL.EscapedPath(), "/")
	o := r.Ctx.Request.OriginalURL
	gw := (&expressions.URL{Scheme: o.Scheme, Host: o.Host, Port: o.Port}).String()
	if r.Ctx.API != nil && r.Ctx.API.Path != "" {
		gw += "/" + strings.Trim(r.Ctx.API.Path, "/")
	}
	from, to := backend, gw
	if r.IsRequestSection() {
		from, to = gw, backend
	}
	if from == to || r.BackendURL.Host == "" {
		return nil
	}
	if out, changed := replaceBaseURL(body.Bytes(), from, to); changed {
		setTargetBody(r, out)
	}
	return nil
}

// replaceBaseURL replaces from with to in b wherever from is not followed
// by a letter, a digit, '-', '_' or '.' (which would make it another host
// or path segment).
func replaceBaseURL(b []byte, from, to string) ([]byte, bool) {
	f := []byte(from)
	var out []byte
	last, i := 0, 0
	for {
		j := bytes.Index(b[i:], f)
		if j < 0 {
			break
		}
		at := i + j
		end := at + len(f)
		if end < len(b) && isURLNameByte(b[end]) {
			i = at + 1
			continue
		}
		out = append(out, b[last:at]...)
		out = append(out, to...)
		last, i = end, end
	}
	if out == nil {
		return b, false
	}
	return append(out, b[last:]...), true
}

func isURLNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}
