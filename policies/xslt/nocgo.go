//go:build !cgo

package xslt

import (
	"context"
	"errors"
	"time"
)

// Available tells whether this build can run XSLT: this one was built
// without cgo, so it cannot.
const Available = false

// ErrUnavailable is Compile's error in a build without cgo.
var ErrUnavailable = errors.New("this build of PolicyGate has no XSLT engine (it was built without cgo and libxslt)")

// Stylesheet is a compiled stylesheet (never made in this build).
type Stylesheet struct{}

// Compile fails: no XSLT engine in this build.
func Compile([]byte) (*Stylesheet, error) { return nil, ErrUnavailable }

// Transform fails: no XSLT engine in this build.
func (*Stylesheet) Transform(context.Context, []byte, map[string]string, time.Duration) ([]byte, error) {
	return nil, ErrUnavailable
}
