package doclimit

import (
	"errors"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/policygate/policygate/gateway/doclimit/doclimittest"
)

func TestCheckYAMLRefusesABomb(t *testing.T) {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(doclimittest.YAMLBomb("", 9)), &n); err != nil {
		t.Fatal(err)
	}
	err := CheckYAML(&n)
	var de *Error
	if !errors.As(err, &de) || de.Line != 6 || !strings.Contains(de.Msg, "*e") {
		t.Fatalf("got %v (%+v)", err, de)
	}
}

func TestCheckYAMLAllowsOrdinaryAliases(t *testing.T) {
	src := "base: &base {a: 1, b: [1, 2, 3]}\nx: *base\ny: {<<: *base, c: 2}\n" + strings.Repeat("k: v\n", 1)
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	if err := CheckYAML(&n); err != nil {
		t.Fatal(err)
	}
}

func TestCheckSize(t *testing.T) {
	if CheckSize(make([]byte, MaxBytes)) != nil || CheckSize(make([]byte, MaxBytes+1)) == nil {
		t.Fatal("size limit")
	}
}
