package gateway

import (
	"net"
	"net/http"
	"time"
)

// DefaultTransport returns a transport tuned for a gateway: a large
// keep-alive pool per backend host, HTTP/2 over TLS when the backend offers
// it, bounded dial and TLS handshake times, and no proxy from the
// environment. It never adds Accept-Encoding: a backend request carries
// the encodings the client or a policy asked for, and the answer's body
// reaches them as the backend encoded it.
func DefaultTransport() *http.Transport {
	return &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          4096,
		MaxIdleConnsPerHost:   512,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
		DisableCompression:    true,
		WriteBufferSize:       32 << 10,
		ReadBufferSize:        32 << 10,
	}
}
