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
	var tr *http.Transport
	switch t := client.Transport.(type) {
	case *http.Transport:
		tr = t.Clone()
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	default:
		return client // a custom round tripper (tests): it decides about TLS itself
	}
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{}
	}
	tr.TLSClientConfig.Certificates = []tls.Certificate{*cert}
	c := *client
	c.Transport = tr
	actual, _ := clientsWithCert.LoadOrStore(key, &c)
	return actual.(*http.Client)
}
