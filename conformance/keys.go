package conformance

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Key is a signing key generated for a run.
type Key struct {
	Name string
	Type string // RSA, EC or HMAC
	RSA  *rsa.PrivateKey
	EC   *ecdsa.PrivateKey
	HMAC []byte
}

// GenerateKey makes a fresh key: RSA 2048, EC P-256 or 32 random HMAC bytes.
func GenerateKey(name, typ string) (*Key, error) {
	k := &Key{Name: name, Type: strings.ToUpper(typ)}
	var err error
	switch k.Type {
	case "RSA":
		k.RSA, err = rsa.GenerateKey(rand.Reader, 2048)
	case "EC":
		k.EC, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "HMAC":
		k.HMAC = make([]byte, 32)
		_, err = rand.Read(k.HMAC)
	default:
		err = fmt.Errorf("key %s: unknown type %q", name, typ)
	}
	if err != nil {
		return nil, err
	}
	return k, nil
}

// Secret is an HMAC key's bytes in base64 (${keys.NAME.secret}).
func (k *Key) Secret() string { return base64.StdEncoding.EncodeToString(k.HMAC) }

// defaultAlg is the algorithm used when a token names none.
func (k *Key) defaultAlg() string {
	switch k.Type {
	case "RSA":
		return "RS256"
	case "EC":
		return "ES256"
	}
	return "HS256"
}

func (k *Key) signingKey() any {
	switch k.Type {
	case "RSA":
		return k.RSA
	case "EC":
		return k.EC
	}
	return k.HMAC
}

// JWK is one published key.
type JWK struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Kid string `json:"kid"`
	Alg string `json:"alg,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
}

// JWK returns the public key as a JWK; ok is false for HMAC keys, which are
// never published.
func (k *Key) JWK() (JWK, bool) {
	b64 := base64.RawURLEncoding.EncodeToString
	switch k.Type {
	case "RSA":
		pub := k.RSA.PublicKey
		return JWK{Kty: "RSA", Use: "sig", Kid: k.Name, Alg: "RS256", N: b64(pub.N.Bytes()), E: b64(big.NewInt(int64(pub.E)).Bytes())}, true
	case "EC":
		// Uncompressed point: 0x04 || X || Y, 32 bytes each for P-256.
		pt, err := k.EC.PublicKey.Bytes()
		if err != nil || len(pt) != 65 {
			return JWK{}, false
		}
		return JWK{Kty: "EC", Use: "sig", Kid: k.Name, Alg: "ES256", Crv: "P-256", X: b64(pt[1:33]), Y: b64(pt[33:])}, true
	}
	return JWK{}, false
}

// timeClaims are the claims whose string values may be relative to now.
var timeClaims = map[string]bool{"exp": true, "nbf": true, "iat": true}

// MintToken signs claims with key; exp, nbf and iat given as "+DURATION"
// or "-DURATION" become Unix times relative to now. The header carries
// kid = the key's name unless header overrides it.
func MintToken(key *Key, alg string, header, claims map[string]any, now time.Time) (string, error) {
	if alg == "" {
		alg = key.defaultAlg()
	}
	m := jwt.GetSigningMethod(alg)
	if m == nil {
		return "", fmt.Errorf("unknown alg %q", alg)
	}
	mc := jwt.MapClaims{}
	for k, v := range claims {
		if s, ok := v.(string); ok && timeClaims[k] && (strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-")) {
			d, err := parseDuration(s)
			if err != nil {
				return "", fmt.Errorf("claim %s: %v", k, err)
			}
			mc[k] = now.Add(d).Unix()
			continue
		}
		mc[k] = v
	}
	t := jwt.NewWithClaims(m, mc)
	t.Header["kid"] = key.Name
	for k, v := range header {
		t.Header[k] = v
	}
	return t.SignedString(key.signingKey())
}

// IdP is the runner's identity provider on loopback: an OpenID Connect
// discovery document, Entra-style per-tenant discovery documents
// (/{tenant}/v2.0/.well-known/openid-configuration) and the JWKS of the
// current keys.
type IdP struct {
	Server *httptest.Server
	mu     sync.Mutex
	keys   []*Key
}

// NewIdP starts an identity provider on 127.0.0.1.
func NewIdP() *IdP {
	p := &IdP{}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		u := p.URL()
		writeJSON(w, map[string]any{
			"issuer":                                u,
			"jwks_uri":                              u + "/keys",
			"authorization_endpoint":                u + "/authorize",
			"token_endpoint":                        u + "/token",
			"response_types_supported":              []string{"code", "id_token"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
		})
	})
	// Entra's tenant layout, for validate-azure-ad-token: the authority is
	// ${idp.url}, the tenant any single path segment. The issuer is
	// ${idp.url}/{tenant}/v2.0; the multi-tenant names (common,
	// organizations, consumers) announce Entra's {tenantid} placeholder
	// instead. The keys are the same JWKS as /keys.
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		u := p.URL()
		tenant := r.PathValue("tenant")
		switch strings.ToLower(tenant) {
		case "common", "organizations", "consumers":
			tenant = "{tenantid}"
		}
		writeJSON(w, map[string]any{
			"issuer":                                u + "/" + tenant + "/v2.0",
			"jwks_uri":                              u + "/keys",
			"authorization_endpoint":                u + "/" + r.PathValue("tenant") + "/oauth2/v2.0/authorize",
			"token_endpoint":                        u + "/" + r.PathValue("tenant") + "/oauth2/v2.0/token",
			"response_types_supported":              []string{"code", "id_token"},
			"subject_types_supported":               []string{"pairwise"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"tenant_region_scope":                   "EU",
		})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"keys": p.JWKS()})
	})
	p.Server = httptest.NewServer(mux)
	return p
}

// URL is the base URL and the issuer.
func (p *IdP) URL() string { return p.Server.URL }

// SetKeys replaces the published keys.
func (p *IdP) SetKeys(keys []*Key) {
	p.mu.Lock()
	p.keys = keys
	p.mu.Unlock()
}

// JWKS returns the published keys (RSA and EC, sorted by kid).
func (p *IdP) JWKS() []JWK {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := []JWK{}
	for _, k := range p.keys {
		if j, ok := k.JWK(); ok {
			out = append(out, j)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kid < out[j].Kid })
	return out
}

// Close stops the server.
func (p *IdP) Close() { p.Server.Close() }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
