package policies

import (
	"crypto/tls"
	"net/http"
	"sync"
)

// clientsWithCert caches, per base client and client certificate, a client
// whose transport presents that certificate in the TLS handshake
// (authentication-certificate). Transports keep their connection pools, so
// they are made once per certificate, not per request.
var clientsWithCert sync.Map // certKey → *http.Client

type certKey struct {
	base *http.Client
	cert *tls.Certificate
}

// withClientCertificate returns client, or a copy presenting cert.
func withClientCertificate(client *http.Client, cert *tls.Certificate) *http.Client {
	if cert == nil {
		return client
	}
	key := certKey{client, cert}
	if c, ok := clientsWithCert.Load(key); ok {
		return c.(*http.Client)
	}
	rt, ok := changeTransport(client.Transport, func(tr *http.Transport) {
		if tr.TLSClientConfig == nil {
			tr.TLSClientConfig = &tls.Config{}
		}
		tr.TLSClientConfig.Certificates = []tls.Certificate{*cert}
	})
	if !ok {
		return client // a custom round tripper (tests): it decides about TLS itself
	}
	c := *client
	c.Transport = rt
	actual, _ := clientsWithCert.LoadOrStore(key, &c)
	return actual.(*http.Client)
}

// TransportWrapper is a RoundTripper around an *http.Transport (the
// gateway's timing transport) that can be rebuilt around a changed copy of
// it, so per-call transports (a client certificate, a proxy) keep the
// wrapper.
type TransportWrapper interface {
	http.RoundTripper
	Transport() *http.Transport
	WithTransport(*http.Transport) http.RoundTripper
}

// changeTransport returns a copy of rt whose transport change altered;
// false when rt is a round tripper that cannot be copied.
func changeTransport(rt http.RoundTripper, change func(*http.Transport)) (http.RoundTripper, bool) {
	switch t := rt.(type) {
	case *http.Transport:
		tr := t.Clone()
		change(tr)
		return tr, true
	case nil:
		tr := http.DefaultTransport.(*http.Transport).Clone()
		change(tr)
		return tr, true
	case TransportWrapper:
		if base := t.Transport(); base != nil {
			tr := base.Clone()
			change(tr)
			return t.WithTransport(tr), true
		}
	}
	return nil, false
}
