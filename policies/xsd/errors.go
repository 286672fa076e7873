package xsd

import "fmt"

// Error is a schema that does not compile or a document that does not
// validate, with libxml2's message and position (1-based; 0 when unknown).
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
