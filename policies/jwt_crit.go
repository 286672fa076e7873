package policies

import (
	"bytes"
	"encoding/json"
	"strings"
)

// jwtCheckCrit refuses a token whose protected header lists critical
// extensions (RFC 7515 §4.1.11): PolicyGate understands none, so any
// "crit" entry is unknown and the token must be rejected. A "b64": false
// header (RFC 7797, an unencoded payload) is refused too, with or without
// "crit". A header that is not a JSON object is left to the parser.
func jwtCheckCrit(raw string) error {
	head, _, ok := strings.Cut(raw, ".")
	if !ok {
		return nil
	}
	b, err := jwkB64(head)
	if err != nil {
		return nil
	}
	if !bytes.Contains(b, []byte("crit")) && !bytes.Contains(b, []byte("b64")) && bytes.IndexByte(b, '\\') < 0 {
		return nil // neither member can be present, even escaped
	}
	var h map[string]json.RawMessage
	if json.Unmarshal(b, &h) != nil {
		return nil
	}
	var crit, b64 *string
	if c, ok := h["crit"]; ok {
		s := string(c)
		crit = &s
	}
	if v, ok := h["b64"]; ok {
		s := string(v)
		b64 = &s
	}
	return jwtCritError(crit, b64)
}

// jwtCritError judges the header members crit and b64 (raw JSON values;
// nil when absent).
func jwtCritError(crit, b64 *string) error {
	if crit != nil {
		var names []string
		if json.Unmarshal([]byte(*crit), &names) != nil || len(names) == 0 {
			return jwtFail(ErrJWTInvalid, "IDX14100: JWT is not well formed: the header parameter 'crit' must be a non-empty array of names.")
		}
		return jwtFail(ErrJWTInvalid, "IDX14100: JWT is not well formed: the header marks extensions as critical that are not understood: '%s'.", strings.Join(names, ", "))
	}
	if b64 != nil && strings.TrimSpace(*b64) != "true" {
		return jwtFail(ErrJWTInvalid, "IDX14100: JWT is not well formed: unencoded payloads (b64) are not supported.")
	}
	return nil
}
