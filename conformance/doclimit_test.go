package conformance

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/policygate/policygate/gateway/doclimit/doclimittest"
)

// A case file with an alias bomb is refused at the alias, at once.
func TestCaseFileAliasBomb(t *testing.T) {
	src := "suite: bomb\n" + doclimittest.YAMLBomb("", 9) + "cases:\n  - name: one\n    request: {url: /x, headers: {X: *i}}\n    expect: {status: 200}\n"
	start := time.Now()
	_, err := Parse("bomb.yaml", []byte(src))
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 7 || fe.Col == 0 || !strings.Contains(fe.Msg, "excessive aliasing") {
		t.Fatalf("got %v (%+v)", err, fe)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}
