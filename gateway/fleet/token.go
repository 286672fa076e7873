package fleet

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"strings"
	"time"
)

// Gateway access tokens, in the self-hosted gateway's format:
//
//	GatewayKey <gateway-name>&<expiry>&<signature>
//
// expiry is the UTC expiry time as yyyyMMddHHmm; signature is the standard
// base64 encoding of HMAC-SHA512 over "<gateway-name>\n<expiry>", keyed
// with the UTF-8 bytes of the gateway's primary or secondary key (as
// stored in the keys file). A token lives at most MaxTokenLifetime.
const (
	TokenScheme      = "GatewayKey"
	tokenTimeLayout  = "200601021504"
	MaxTokenLifetime = 30 * 24 * time.Hour
)

// Reasons of a refused request, sent in ReasonHeader and counted in the
// server's metrics.
const (
	ReasonMissing        = "missing_credentials"
	ReasonMalformed      = "malformed_token"
	ReasonExpired        = "expired"
	ReasonUnknownGateway = "unknown_gateway"
	ReasonBadSignature   = "bad_signature"
	ReasonTooLong        = "lifetime_too_long"
	ReasonWrongGateway   = "wrong_gateway"
	ReasonJWTInvalid     = "jwt_invalid"
	ReasonWrongAudience  = "wrong_audience"
	ReasonNotAllowed     = "app_not_allowed"
)

// AuthError is a refused credential; Reason is one of the Reason constants.
type AuthError struct{ Reason string }

func (e *AuthError) Error() string { return "authentication failed: " + e.Reason }

func authErr(r string) error { return &AuthError{Reason: r} }

// Token is a parsed gateway token.
type Token struct {
	Gateway   string
	Expiry    time.Time
	signature []byte
	signed    string
}

// MintToken returns a token for gateway signed with key, expiring at
// expiry (truncated to the minute, UTC).
func MintToken(gateway, key string, expiry time.Time) string {
	exp := expiry.UTC().Format(tokenTimeLayout)
	return TokenScheme + " " + gateway + "&" + exp + "&" + sign(key, gateway+"\n"+exp)
}

func sign(key, msg string) string {
	m := hmac.New(sha512.New, []byte(key))
	m.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// ParseToken reads a token, with or without the "GatewayKey " prefix (the
// self-hosted gateway's config.service.auth holds it with the prefix).
func ParseToken(s string) (*Token, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, TokenScheme+" "); ok {
		s = strings.TrimSpace(rest)
	}
	parts := strings.Split(s, "&")
	if len(parts) != 3 || parts[0] == "" {
		return nil, authErr(ReasonMalformed)
	}
	exp, err := time.Parse(tokenTimeLayout, parts[1])
	if err != nil {
		return nil, authErr(ReasonMalformed)
	}
	sig, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, authErr(ReasonMalformed)
	}
	return &Token{Gateway: parts[0], Expiry: exp, signature: sig, signed: parts[0] + "\n" + parts[1]}, nil
}

// Verify checks the token at now against the gateway's keys (either may
// have signed it). It returns an *AuthError on failure.
func (t *Token) Verify(keys GatewayKeys, now time.Time) error {
	if !now.Before(t.Expiry) {
		return authErr(ReasonExpired)
	}
	if t.Expiry.Sub(now) > MaxTokenLifetime+time.Minute {
		return authErr(ReasonTooLong)
	}
	for _, k := range []string{keys.Primary, keys.Secondary} {
		if k == "" {
			continue
		}
		want, _ := base64.StdEncoding.DecodeString(sign(k, t.signed))
		if hmac.Equal(want, t.signature) {
			return nil
		}
	}
	return authErr(ReasonBadSignature)
}

// Reason returns the reason of an *AuthError in err's chain, or "".
func Reason(err error) string {
	var ae *AuthError
	if errors.As(err, &ae) {
		return ae.Reason
	}
	return ""
}
