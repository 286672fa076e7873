// Package doclimit bounds the YAML and JSON documents PolicyGate reads
// (conformance case files, settings files, APIOps artifacts): their size,
// and for YAML how much aliases may add when the document is expanded
// (an "alias bomb" of a few hundred bytes expands to billions of nodes).
package doclimit

import (
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"
)

// Limits.
const (
	// MaxBytes is the largest document read (64 MiB).
	MaxBytes = 64 << 20
	// MaxAliasNodes is how many nodes aliases may add to a YAML document
	// in all, counting each alias as the size of what it names.
	MaxAliasNodes = 100_000
)

// Error is a document over a limit; Line and Col place it when known
// (1-based; 0 when not).
type Error struct {
	Line, Col int
	Msg       string
}

func (e *Error) Error() string { return e.Msg }

// CheckSize refuses a document larger than MaxBytes.
func CheckSize(src []byte) error {
	if len(src) > MaxBytes {
		return &Error{Msg: fmt.Sprintf("document is %d bytes; at most %d are read", len(src), MaxBytes)}
	}
	return nil
}

// ReadFile reads a file of at most MaxBytes, without reading more of a
// larger one.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxBytes+1))
	if err != nil {
		return nil, err
	}
	if err := CheckSize(src); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return src, nil
}

// CheckYAML refuses a decoded YAML tree whose aliases add more than
// MaxAliasNodes nodes; the error is at the alias that crosses the limit.
// It runs in time linear in the tree as written.
func CheckYAML(root *yaml.Node) error {
	c := counter{memo: map[*yaml.Node]int64{}}
	var added int64
	var walk func(n *yaml.Node) error
	walk = func(n *yaml.Node) error {
		if n == nil {
			return nil
		}
		if n.Kind == yaml.AliasNode {
			added += c.size(n.Alias, 0)
			if added > MaxAliasNodes {
				return &Error{Line: n.Line, Col: n.Column, Msg: fmt.Sprintf("alias *%s expands the document by more than %d nodes (excessive aliasing)", n.Value, MaxAliasNodes)}
			}
			return nil
		}
		for _, ch := range n.Content {
			if err := walk(ch); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(root)
}

// counter sizes expanded subtrees once each, saturating above the limit.
type counter struct{ memo map[*yaml.Node]int64 }

func (c *counter) size(n *yaml.Node, depth int) int64 {
	if n == nil {
		return 0
	}
	if n.Kind == yaml.AliasNode {
		if depth > 10_000 { // a cycle (yaml.v3 refuses them; be safe)
			return MaxAliasNodes + 1
		}
		return c.size(n.Alias, depth+1)
	}
	if v, ok := c.memo[n]; ok {
		return v
	}
	c.memo[n] = MaxAliasNodes + 1 // in progress: a cycle counts as too big
	s := int64(1)
	for _, ch := range n.Content {
		s += c.size(ch, depth+1)
		if s > MaxAliasNodes {
			s = MaxAliasNodes + 1
			break
		}
	}
	c.memo[n] = s
	return s
}
