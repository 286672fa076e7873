package xslt

import (
	"errors"
	"fmt"
)

// MaxOutput bounds a transform's result.
const MaxOutput = 32 << 20

// Error is a failure to parse or compile a stylesheet or to read a
// document, with the position libxml2 reports (1-based; 0 when unknown)
// relative to the text given.
type Error struct {
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// ErrStopped is the error of a transform stopped by its context or time
// limit.
var ErrStopped = errors.New("xslt: the transform was stopped (time limit or request ended)")
