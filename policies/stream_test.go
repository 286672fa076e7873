package policies

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestRequestStreamLimit(t *testing.T) {
	t.Parallel()
	s := NewRequestStream(strings.NewReader(strings.Repeat("a", 10)), -1, 10)
	if b, err := io.ReadAll(s); err != nil || len(b) != 10 {
		t.Fatalf("a body at the limit: %d bytes, %v", len(b), err)
	}
	if s.failure() != nil {
		t.Errorf("a body at the limit failed: %v", s.failure())
	}
	s = NewRequestStream(strings.NewReader(strings.Repeat("a", 11)), -1, 10)
	if _, err := io.ReadAll(s); !errors.Is(err, ErrRequestTooLarge) {
		t.Fatalf("a body past the limit: %v", err)
	}
	if pe := s.failure(); pe == nil || pe.Status != 413 {
		t.Errorf("failure past the limit: %v", pe)
	}
	if _, err := s.getBody(); err == nil {
		t.Error("a stream already read can be replayed")
	}
	fresh := NewRequestStream(strings.NewReader("xyz"), 3, 10)
	rc, err := fresh.getBody()
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(rc); string(b) != "xyz" {
		t.Errorf("replayed before any read: %q", b)
	}
	if !fresh.take() || fresh.take() {
		t.Error("a stream is handed to one backend request only")
	}
	var nilStream *RequestStream
	if nilStream.failure() != nil {
		t.Error("no stream, no failure")
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestRequestStreamClientFailure(t *testing.T) {
	t.Parallel()
	s := NewRequestStream(failingReader{}, 5, 10)
	if _, err := s.Read(make([]byte, 4)); err == nil {
		t.Fatal("no error")
	}
	pe := s.failure()
	if pe == nil || pe.Status != 400 || pe.Reason != "ClientConnectionFailure" || strings.Contains(pe.Message, "reset") {
		t.Errorf("client failure: %+v", pe)
	}
}
