package policies

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"

	"github.com/policygate/policygate/expressions"
)

// ErrRequestTooLarge is the error a RequestStream returns once the client
// has sent more than the gateway's max body size.
var ErrRequestTooLarge = errors.New("request entity too large")

// RequestStream is a client request body the gateway did not buffer
// because no statement of the request's pipeline reads it: forward-request
// sends it to the backend as it arrives, once. context.Request.Body is
// Placeholder (empty) while the stream stands for it; a policy that sets
// another body replaces it and the stream is left unread.
type RequestStream struct {
	// Placeholder is context.Request.Body while it stands for the stream.
	Placeholder *expressions.Body
	// Length is the client's Content-Length (-1: unknown, chunked).
	Length int64

	body io.Reader
	max  int64

	mu       sync.Mutex // the transport reads on its own goroutine
	n        int64
	err      error // the first failure: ErrRequestTooLarge or the client's read error
	consumed bool  // handed to a backend request
}

// NewRequestStream wraps a client body of the given Content-Length (-1
// unknown) that may not exceed max bytes.
func NewRequestStream(body io.Reader, length, max int64) *RequestStream {
	return &RequestStream{Placeholder: expressions.NewBody(nil), Length: length, body: body, max: max}
}

// Read reads the client body, failing with ErrRequestTooLarge past max.
// One goroutine reads (the transport's); the lock guards what the others
// look at, never a blocked read.
func (s *RequestStream) Read(p []byte) (int, error) {
	s.mu.Lock()
	n, failed := s.n, s.err
	s.mu.Unlock()
	if failed != nil {
		return 0, failed
	}
	if room := s.max - n + 1; int64(len(p)) > room {
		p = p[:room] // one byte past max is enough to know
	}
	k, err := s.body.Read(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n += int64(k)
	if s.n > s.max {
		s.err = ErrRequestTooLarge
		return 0, s.err
	}
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return k, err
}

// Err is what stopped the stream: ErrRequestTooLarge, the client's read
// error, or nil.
func (s *RequestStream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// take hands the stream to one backend request; false when it was
// already sent (a second forward-request, which the pipeline analysis
// prevents by buffering).
func (s *RequestStream) take() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.consumed {
		return false
	}
	s.consumed = true
	return true
}

// getBody lets the transport retry a request on a stale keep-alive
// connection, which it does only before any byte was sent: the stream is
// replayable while nothing has been read from it.
func (s *RequestStream) getBody() (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n > 0 || s.err != nil {
		return nil, errors.New("the streamed request body was partly sent and cannot be sent again")
	}
	return io.NopCloser(s), nil
}

// streamFailure is the policy error of a request whose streamed body failed
// while forward-request sent it: 413 past the max body size, 408 when the
// client was too slow, 400 when its connection failed.
func (s *RequestStream) streamFailure() *Error {
	err := s.Err()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrRequestTooLarge):
		return &Error{Source: "gateway", Message: "Request entity too large", Status: 413, Err: err}
	}
	// the error text names the sockets: it stays out of the answer
	pe := &Error{Source: "request", Reason: "ClientConnectionFailure", Message: "The client connection failed while the request body was read", Status: 400, Err: err}
	var ne net.Error
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		pe.Message, pe.Status = "Request timeout: the request body was not received in time", 408
	}
	return pe
}

// failure is streamFailure on a possibly absent stream.
func (s *RequestStream) failure() *Error {
	if s == nil {
		return nil
	}
	return s.streamFailure()
}
