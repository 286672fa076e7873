package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"

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

// limitListener applies the connection cap and, on plain HTTP, watches each
// connection's request heads for Content-Length together with
// Transfer-Encoding (RFC 9112 §6.1: close after answering; Go's server
// drops the Content-Length before the handler sees it).
func (s *Server) limitListener(ln net.Listener, plain bool) net.Listener {
	if s.set.MaxConnections > 0 {
		ln = netutil.LimitListener(ln, s.set.MaxConnections)
	}
	if plain {
		ln = sniffListener{ln}
	}
	return ln
}

type sniffListener struct{ net.Listener }

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
	line      []byte // start of the current line (at most 32 bytes kept)
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
