package gateway

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/netutil"
	"golang.org/x/sync/semaphore"
)

// Default HTTP limits (settings net.server.max-header-bytes,
// .max-url-length, .max-buffered-body-bytes, .max-connections).
const (
	DefaultMaxHeaderBytes       = 64 << 10
	DefaultMaxURLLength         = 16 << 10
	DefaultMaxBufferedBodyBytes = 256 << 20
	DefaultMaxConnections       = 10000
	// logValueMax bounds a request value (path, message) in the access log.
	logValueMax = 1024
)

// WithBodyBudget shares a cap on the request body bytes buffered by all
// requests in flight; a request that would exceed it gets 503.
func WithBodyBudget(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.bodyBudget = semaphore.NewWeighted(n)
		}
	}
}

var (
	errBodyTooLarge = errors.New(msgEntityTooLarge)
	errBodyBudget   = errors.New("too many request bodies are being buffered")
)

// readBody buffers a request body up to max bytes, reserving its bytes
// from budget (nil: no budget) before keeping them: a declared length at
// once, a body of unknown length as it arrives. held is what it reserved,
// to release when the request is done.
func readBody(body io.Reader, contentLength, max int64, budget *semaphore.Weighted) (data []byte, held int64, err error) {
	reserve := func(n int64) bool {
		if budget == nil {
			return true
		}
		if !budget.TryAcquire(n) {
			return false
		}
		held += n
		return true
	}
	if contentLength > max {
		return nil, 0, errBodyTooLarge
	}
	if contentLength >= 0 {
		if !reserve(contentLength) {
			return nil, held, errBodyBudget
		}
		data = make([]byte, contentLength)
		n, err := io.ReadFull(body, data)
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			err = nil // the server reports a short body as a read error itself
		}
		return data[:n], held, err
	}
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	data = []byte{}
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			if int64(len(data)+n) > max {
				return nil, held, errBodyTooLarge
			}
			if !reserve(int64(n)) {
				return nil, held, errBodyBudget
			}
			data = append(data, buf[:n]...)
		}
		if rerr == io.EOF {
			return data, held, nil
		}
		if rerr != nil {
			return nil, held, rerr
		}
	}
}

// isTimeout reports whether a read failed on the server's read deadline.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// hostPort splits the Host header; ok is false when its port is not a
// number from 0 to 65535.
func hostPort(hostHeader string, tls bool) (host string, port int32, ok bool) {
	h, p, err := net.SplitHostPort(hostHeader)
	if err != nil {
		if tls {
			return hostHeader, 443, true
		}
		return hostHeader, 80, true
	}
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return h, 0, false
	}
	return h, int32(n), true
}

// truncate bounds a value for the log, saying how long it was.
func truncate(s string) string {
	if len(s) <= logValueMax {
		return s
	}
	return s[:logValueMax] + "…(" + strconv.Itoa(len(s)) + " bytes)"
}

// limitListener applies the connection cap and watches each connection's
// HTTP/1 request heads for Content-Length together with Transfer-Encoding
// (RFC 9112 §6.1: close after answering; Go's server drops the
// Content-Length before the handler sees it). With cfg (HTTPS) it also
// terminates TLS, so that it sees the decrypted heads: HTTP/2 connections
// (no such framing there) go to the server as *tls.Conn, HTTP/1.1 ones
// wrapped, and the handler gets their TLS state from the connection.
func (s *Server) limitListener(ln net.Listener, cfg *tls.Config) net.Listener {
	if s.set.MaxConnections > 0 {
		ln = netutil.LimitListener(ln, s.set.MaxConnections)
	}
	if cfg == nil {
		return sniffListener{ln}
	}
	return newTLSSniffListener(ln, cfg, s.set.ReadHeaderTimeout)
}

type sniffListener struct{ net.Listener }

// tlsSniffListener accepts TCP connections and completes their TLS
// handshakes on their own goroutines (a slow client never holds up the
// accept loop), then hands them to the server.
type tlsSniffListener struct {
	net.Listener
	cfg     *tls.Config
	timeout time.Duration
	ready   chan net.Conn
	failed  chan error
	done    chan struct{}
	start   sync.Once
	stop    sync.Once
}

func newTLSSniffListener(ln net.Listener, cfg *tls.Config, timeout time.Duration) *tlsSniffListener {
	cfg = cfg.Clone()
	if len(cfg.NextProtos) == 0 {
		cfg.NextProtos = []string{"h2", "http/1.1"}
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &tlsSniffListener{Listener: ln, cfg: cfg, timeout: timeout,
		ready: make(chan net.Conn), failed: make(chan error, 1), done: make(chan struct{})}
}

// TLSConfig is the configuration the handshakes use (its NextProtos tell
// the server to speak HTTP/2 on connections that chose it).
func (l *tlsSniffListener) TLSConfig() *tls.Config { return l.cfg }

func (l *tlsSniffListener) Accept() (net.Conn, error) {
	l.start.Do(func() { go l.acceptLoop() })
	select {
	case c := <-l.ready:
		return c, nil
	case err := <-l.failed:
		return nil, err
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// acceptLoop accepts until the listener is closed; other accept errors
// (out of file descriptors, say) are waited out as net/http does.
func (l *tlsSniffListener) acceptLoop() {
	var delay time.Duration
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				select {
				case l.failed <- err:
				case <-l.done:
				}
				return
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(delay):
			case <-l.done:
				return
			}
			continue
		}
		delay = 0
		go l.handshake(c)
	}
}

func (l *tlsSniffListener) handshake(raw net.Conn) {
	tc := tls.Server(raw, l.cfg)
	raw.SetDeadline(time.Now().Add(l.timeout))
	if err := tc.Handshake(); err != nil {
		raw.Close()
		return
	}
	raw.SetDeadline(time.Time{})
	var c net.Conn = tc
	if tc.ConnectionState().NegotiatedProtocol != "h2" {
		c = &sniffConn{Conn: tc, tls: tc}
	}
	select {
	case l.ready <- c:
	case <-l.done:
		c.Close()
	}
}

func (l *tlsSniffListener) Close() error {
	l.stop.Do(func() { close(l.done) })
	return l.Listener.Close()
}

func (l sniffListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &sniffConn{Conn: c}, nil
}

// sniffConn scans the lines read from a connection; ambiguous is set once
// a head (the lines up to a blank line) has both framing headers. Body
// bytes are scanned as lines too, which at worst closes a connection that
// could have stayed open.
type sniffConn struct {
	net.Conn
	tls       *tls.Conn // the TLS connection underneath (HTTPS), or nil
	line      []byte    // start of the current line (at most 32 bytes kept)
	cl, te    bool
	ambiguous atomic.Bool
}

func (c *sniffConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.scan(p[:n])
	return n, err
}

// Unwrap gives the connection underneath (for the limit listener's
// wrapper and anything that looks for the socket).
func (c *sniffConn) Unwrap() net.Conn { return c.Conn }

func (c *sniffConn) scan(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		part := b
		if i >= 0 {
			part = b[:i]
		}
		if room := 32 - len(c.line); room > 0 {
			c.line = append(c.line, part[:min(room, len(part))]...)
		}
		if i < 0 {
			return
		}
		c.endLine()
		b = b[i+1:]
	}
}

func (c *sniffConn) endLine() {
	l := bytes.TrimRight(c.line, "\r")
	c.line = c.line[:0]
	switch {
	case len(l) == 0:
		if c.cl && c.te {
			c.ambiguous.Store(true)
		}
		c.cl, c.te = false, false
	case hasPrefixFold(l, "content-length:"):
		c.cl = true
	case hasPrefixFold(l, "transfer-encoding:"):
		c.te = true
	}
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix))
}

type connKey struct{}

// connContext remembers the connection for the handler (http.Server.ConnContext).
func connContext(ctx context.Context, c net.Conn) context.Context {
	if sc, ok := c.(*sniffConn); ok {
		return context.WithValue(ctx, connKey{}, sc)
	}
	return ctx
}

// withConnTLS gives a request that came over a TLS connection the
// listener terminated (the server sees only the wrapper) its TLS state.
func withConnTLS(r *http.Request) {
	if r.TLS != nil {
		return
	}
	if sc, _ := r.Context().Value(connKey{}).(*sniffConn); sc != nil && sc.tls != nil {
		st := sc.tls.ConnectionState()
		r.TLS = &st
	}
}

// ambiguousFraming reports whether the request's connection has sent a
// head with both Content-Length and Transfer-Encoding.
func ambiguousFraming(r *http.Request) bool {
	sc, _ := r.Context().Value(connKey{}).(*sniffConn)
	return sc != nil && sc.ambiguous.Load()
}

// writeLimitAnswer answers a request refused before routing, in the
// gateway's JSON error shape.
func writeLimitAnswer(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, `{"statusCode":`+strconv.Itoa(status)+`,"message":`+strconv.Quote(msg)+`}`)
}

// warnPublicAdmin warns when the admin listener (unauthenticated /metrics
// and /trace/<id>) is reachable from other machines.
func warnPublicAdmin(log *slog.Logger, addr net.Addr) {
	if ta, ok := addr.(*net.TCPAddr); ok && !ta.IP.IsLoopback() {
		log.Warn("the admin listener is not on loopback: /metrics and /trace/<id> need no authentication; keep it on a private network",
			slog.String("addr", addr.String()))
	}
}
