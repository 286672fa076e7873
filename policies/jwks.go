package policies

// OpenID Connect discovery and JWKS key cache shared by validate-jwt and
// validate-azure-ad-token.
//
// A discovery document (…/.well-known/openid-configuration) names the issuer
// and the jwks_uri; both are fetched together and cached per discovery URL
// by each policy instance for OIDCCacheTTL. A token whose kid is not in the
// cache triggers a refetch, but at most once per OIDCRefetchInterval, so a
// flood of tokens with random kids cannot turn the gateway into an
// amplifier against the identity provider. A failed fetch keeps the last
// good keys. Fetches run outside the source's lock, and concurrent requests
// that cannot be answered from the cache wait for the one fetch in flight
// (singleflight) instead of stampeding.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Cache timings of OpenID configurations; variables so tests and operators
// can tune them.
var (
	// OIDCCacheTTL is how long discovery metadata and keys are used before
	// they are fetched again.
	OIDCCacheTTL = time.Hour
	// OIDCRefetchInterval bounds refetches caused by an unknown kid or a
	// failed fetch: at most one per interval.
	OIDCRefetchInterval = 5 * time.Minute
	// OIDCRetryEmpty bounds retries while no fetch has ever succeeded (no
	// keys at all), so a gateway that starts while its IdP is down recovers
	// quickly without hammering it.
	OIDCRetryEmpty = 10 * time.Second
	// oidcMaxSources bounds the discovery URLs one policy instance caches.
	oidcMaxSources = 256
	// oidcMaxBody caps discovery and JWKS documents.
	oidcMaxBody int64 = 1 << 20
)

// defaultOIDCClient fetches metadata when the run has no Env.Client.
var defaultOIDCClient = &http.Client{
	Timeout: 10 * time.Second,
	Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 5 * time.Second,
		MaxIdleConnsPerHost:   2,
	},
}

// keyKind classifies verification keys so a key is only ever used with the
// algorithms of its family (RFC 8725 §3.1: no HMAC with an RSA public key).
type keyKind int

const (
	keyHMAC keyKind = iota
	keyRSA
	keyEC
)

// verifyKey is one signature verification key.
type verifyKey struct {
	ID   string // kid; "" matches any token
	Kind keyKind
	Key  any // []byte, *rsa.PublicKey or *ecdsa.PublicKey
}

// fits reports whether the key may verify alg.
func (k *verifyKey) fits(alg string) bool {
	switch {
	case strings.HasPrefix(alg, "HS"):
		return k.Kind == keyHMAC
	case strings.HasPrefix(alg, "RS"), strings.HasPrefix(alg, "PS"):
		return k.Kind == keyRSA
	case strings.HasPrefix(alg, "ES"):
		if k.Kind != keyEC {
			return false
		}
		want := map[string]string{"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}[alg]
		return k.Key.(*ecdsa.PublicKey).Curve.Params().Name == want
	}
	return false
}

// oidcSource is the cached state of one discovery URL.
type oidcSource struct {
	url string

	mu       sync.Mutex
	issuer   string
	keys     []*verifyKey
	fetched  time.Time     // last successful fetch (zero: never)
	tried    time.Time     // last attempt, successful or not
	lastErr  error         // error of the last attempt
	inflight chan struct{} // closed when the fetch in flight ends
}

// oidcSources holds the caches of one policy instance by discovery URL.
// Caches belong to the compiled policy, not to the process: a configuration
// reload starts from fresh metadata, and two configurations (or two
// conformance files whose loopback IdPs happen to reuse a port) never see
// each other's keys.
type oidcSources struct {
	mu sync.Mutex
	m  map[string]*oidcSource
}

// get returns the cache of a discovery URL, creating it on first use.
func (o *oidcSources) get(url string) *oidcSource {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.m[url]
	if s == nil {
		if o.m == nil || len(o.m) >= oidcMaxSources {
			// A tenant-id expression fed from the request could otherwise
			// grow the map without bound.
			o.m = map[string]*oidcSource{}
		}
		s = &oidcSource{url: url}
		o.m[url] = s
	}
	return s
}

// errOIDCUnavailable reports that no keys could be obtained from a
// discovery URL.
var errOIDCUnavailable = errors.New("openid configuration unavailable")

func (s *oidcSource) hasKid(kid string) bool {
	for _, k := range s.keys {
		if k.ID == kid {
			return true
		}
	}
	return false
}

// needFetch tells whether the cache should be refreshed for a token with
// kid at now. Called with s.mu held.
func (s *oidcSource) needFetch(now time.Time, kid string) bool {
	if s.fetched.IsZero() {
		return s.tried.IsZero() || now.Sub(s.tried) >= OIDCRetryEmpty || now.Before(s.tried)
	}
	stale := now.Sub(s.fetched) >= OIDCCacheTTL
	unknown := kid != "" && !s.hasKid(kid)
	if !stale && !unknown {
		return false
	}
	// Refetches for unknown kids and retries after failures are rate
	// limited; a stale cache is refreshed at the same pace when the last
	// attempt failed (the old keys stay in use meanwhile).
	return now.Sub(s.tried) >= OIDCRefetchInterval || now.Before(s.tried)
}

// Get returns the issuer and keys of the source, fetching them when the
// cache is empty, stale, or lacks kid (subject to the refetch limits).
func (s *oidcSource) Get(ctx context.Context, client *http.Client, now time.Time, kid string) (string, []*verifyKey, error) {
	s.mu.Lock()
	if ch := s.inflight; ch != nil {
		if !s.fetched.IsZero() && (kid == "" || s.hasKid(kid)) {
			// A refresh is under way but the cache can answer.
			defer s.mu.Unlock()
			return s.result()
		}
		// Wait for the fetch in flight and use its outcome, whatever it
		// was (no second fetch for the same window).
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return "", nil, ctx.Err()
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.result()
	}
	if !s.needFetch(now, kid) {
		defer s.mu.Unlock()
		return s.result()
	}
	ch := make(chan struct{})
	s.inflight = ch
	s.tried = now
	s.mu.Unlock()

	// The fetch runs outside the lock; it is detached from the request's
	// cancellation so that one impatient client does not fail it for the
	// requests waiting on it.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	iss, keys, err := fetchOIDC(fctx, client, s.url)
	cancel()

	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.issuer, s.keys, s.fetched, s.lastErr = iss, keys, now, nil
	} else {
		s.lastErr = err
	}
	s.inflight = nil
	close(ch)
	return s.result()
}

// result is the cached state as Get returns it. Called with s.mu held.
func (s *oidcSource) result() (string, []*verifyKey, error) {
	if s.fetched.IsZero() {
		err := s.lastErr
		if err == nil {
			err = errOIDCUnavailable
		}
		return "", nil, err
	}
	return s.issuer, s.keys, nil
}

type oidcDiscovery struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
}

type jwk struct {
	Kty string   `json:"kty"`
	Use string   `json:"use"`
	Kid string   `json:"kid"`
	Alg string   `json:"alg"`
	N   string   `json:"n"`
	E   string   `json:"e"`
	Crv string   `json:"crv"`
	X   string   `json:"x"`
	Y   string   `json:"y"`
	X5c []string `json:"x5c"`
}

// fetchOIDC reads a discovery document and its JWKS.
func fetchOIDC(ctx context.Context, client *http.Client, url string) (string, []*verifyKey, error) {
	var d oidcDiscovery
	if err := getJSON(ctx, client, url, &d); err != nil {
		return "", nil, err
	}
	if d.JWKSURI == "" {
		return "", nil, fmt.Errorf("openid configuration %s has no jwks_uri", url)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := getJSON(ctx, client, d.JWKSURI, &set); err != nil {
		return "", nil, err
	}
	keys := make([]*verifyKey, 0, len(set.Keys))
	for _, k := range set.Keys {
		if vk := k.verifyKey(); vk != nil {
			keys = append(keys, vk)
		}
	}
	return d.Issuer, keys, nil
}

func getJSON(ctx context.Context, client *http.Client, url string, v any) error {
	if client == nil {
		client = defaultOIDCClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, oidcMaxBody+1))
	if err != nil {
		return err
	}
	if int64(len(data)) > oidcMaxBody {
		return fmt.Errorf("GET %s: document larger than %d bytes", url, oidcMaxBody)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

// verifyKey converts a signing JWK; encryption keys, symmetric keys (an IdP
// never publishes its HMAC secret) and unusable entries give nil.
func (k *jwk) verifyKey() *verifyKey {
	if k.Use != "" && k.Use != "sig" {
		return nil
	}
	switch k.Kty {
	case "RSA":
		if k.N != "" && k.E != "" {
			if pub, err := rsaFromNE(k.N, k.E); err == nil {
				return &verifyKey{ID: k.Kid, Kind: keyRSA, Key: pub}
			}
			return nil
		}
	case "EC":
		if pub := ecFromXY(k.Crv, k.X, k.Y); pub != nil {
			return &verifyKey{ID: k.Kid, Kind: keyEC, Key: pub}
		}
		return nil
	default:
		return nil
	}
	// RSA key given only by its certificate chain.
	if len(k.X5c) > 0 {
		der, err := base64.StdEncoding.DecodeString(k.X5c[0])
		if err != nil {
			return nil
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil
		}
		if pub, ok := cert.PublicKey.(*rsa.PublicKey); ok {
			return &verifyKey{ID: k.Kid, Kind: keyRSA, Key: pub}
		}
	}
	return nil
}

// jwkB64 decodes base64url with or without padding (and tolerates the
// standard alphabet, which some key publishers use).
func jwkB64(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// rsaFromNE builds an RSA public key from base64url modulus and exponent.
func rsaFromNE(n, e string) (*rsa.PublicKey, error) {
	nb, err := jwkB64(n)
	if err != nil || len(nb) == 0 {
		return nil, errors.New("modulus n is not base64url")
	}
	eb, err := jwkB64(e)
	if err != nil || len(eb) == 0 || len(eb) > 4 {
		return nil, errors.New("exponent e is not base64url")
	}
	var ev int
	for _, b := range eb {
		ev = ev<<8 | int(b)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: ev}
	if pub.N.BitLen() < 1024 || ev < 3 || ev%2 == 0 {
		return nil, errors.New("RSA key too small or exponent invalid")
	}
	return pub, nil
}

func ecFromXY(crv, x, y string) *ecdsa.PublicKey {
	var c elliptic.Curve
	switch crv {
	case "P-256":
		c = elliptic.P256()
	case "P-384":
		c = elliptic.P384()
	case "P-521":
		c = elliptic.P521()
	default:
		return nil
	}
	xb, err1 := jwkB64(x)
	yb, err2 := jwkB64(y)
	if err1 != nil || err2 != nil {
		return nil
	}
	// ParseUncompressedPublicKey rejects points off the curve (invalid-curve
	// attacks).
	size := (c.Params().BitSize + 7) / 8
	if len(xb) > size || len(yb) > size {
		return nil
	}
	point := make([]byte, 1+2*size)
	point[0] = 4 // uncompressed
	copy(point[1+size-len(xb):1+size], xb)
	copy(point[1+2*size-len(yb):], yb)
	pub, err := ecdsa.ParseUncompressedPublicKey(c, point)
	if err != nil {
		return nil
	}
	return pub
}
