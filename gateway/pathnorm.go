package gateway

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/policygate/policygate/policies"
)

// Request path checks before routing (as Envoy's normalize_path and nginx
// do): a path the backend could read differently from the router is
// refused, the rest has its dot segments removed.
var (
	errPathNUL        = errors.New("the request path contains NUL")
	errPathBackslash  = errors.New("the request path contains a backslash")
	errPathEscape     = errors.New("the request path has invalid percent-encoding")
	errPathSlash      = errors.New("the request path contains an encoded '/' or '\\'")
	errPathDotSegment = errors.New("the request path contains an encoded '.' or '..' segment")
)

const msgBadRequest = "Bad request"

var errBadHost = errors.New("the Host header has an invalid port")

// cleanRequestPath checks an escaped request path and returns it with its
// dot segments removed (RFC 3986 §5.2.4; never above the root).
func cleanRequestPath(p string) (string, error) {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case 0:
			return "", errPathNUL
		case '\\':
			return "", errPathBackslash
		case '%':
			if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
				return "", errPathEscape
			}
			switch strings.ToLower(p[i+1 : i+3]) {
			case "00":
				return "", errPathNUL
			case "2f", "5c":
				return "", errPathSlash
			}
			i += 2
		}
	}
	for _, s := range strings.Split(p, "/") {
		if s != "." && s != ".." && policies.DotSegment(s) != 0 {
			return "", errPathDotSegment
		}
	}
	return policies.CleanPath(p), nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// withCleanPath returns req with its URL path normalised, or the reason the
// path is refused.
func withCleanPath(req *http.Request) (*http.Request, error) {
	raw := req.URL.EscapedPath()
	clean, err := cleanRequestPath(raw)
	if err != nil || clean == raw {
		return req, err
	}
	dec, err := url.PathUnescape(clean)
	if err != nil {
		return req, errPathEscape
	}
	u := *req.URL
	u.Path, u.RawPath = dec, clean
	r2 := *req
	r2.URL = &u
	return &r2, nil
}
