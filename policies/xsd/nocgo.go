//go:build !cgo

package xsd

import "errors"

// Available tells whether this build can validate against XML schemas:
// this one was built without cgo, so it cannot.
const Available = false

// ErrUnavailable is Compile's error in a build without cgo.
var ErrUnavailable = errors.New("this build of PolicyGate has no XML Schema engine (it was built without cgo and libxml2)")

// Schema is a compiled XML schema (never made in this build).
type Schema struct{}

// Compile fails: no XML Schema engine in this build.
func Compile([]byte) (*Schema, error) { return nil, ErrUnavailable }

// Validate fails: no XML Schema engine in this build.
func (*Schema) Validate([]byte, bool) error { return ErrUnavailable }
