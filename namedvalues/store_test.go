package namedvalues

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestEnvVar(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"backend-url.v2": "POLICYGATE_NV_BACKEND_URL_V2",
		"Foo_Bar":        "POLICYGATE_NV_FOO_BAR",
		"x9":             "POLICYGATE_NV_X9",
	}
	for in, want := range tests {
		if got := EnvVar(in); got != want {
			t.Errorf("EnvVar(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidation(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", MaxNameLen)
	for _, n := range []string{"a", "A.b-c_9", long} {
		if err := ValidateName(n); err != nil {
			t.Errorf("ValidateName(%.20q) = %v", n, err)
		}
	}
	for _, n := range []string{"", "a b", "a/b", "é", long + "a", "{{x}}"} {
		if err := ValidateName(n); !errors.Is(err, ErrBadName) {
			t.Errorf("ValidateName(%.20q) = %v, want ErrBadName", n, err)
		}
	}
	for _, v := range []string{"x", " x ", strings.Repeat("é", MaxValueLen)} {
		if err := ValidateValue(v); err != nil {
			t.Errorf("ValidateValue(%.20q) = %v", v, err)
		}
	}
	for _, v := range []string{"", "  \t\n", strings.Repeat("a", MaxValueLen+1)} {
		if err := ValidateValue(v); !errors.Is(err, ErrBadValue) {
			t.Errorf("ValidateValue(%.20q) = %v, want ErrBadValue", v, err)
		}
	}
}

func TestFromMap(t *testing.T) {
	t.Parallel()
	s, errs := FromMap(map[string]string{"ok": "1", "bad name": "x", "blank": "  "}, WithEnv(nil))
	if len(errs) != 2 {
		t.Fatalf("errors = %v, want 2", errs)
	}
	if !errors.Is(errs[0], ErrBadName) || !errors.Is(errs[1], ErrBadValue) {
		t.Errorf("errors = %v", errs)
	}
	if diff := cmp.Diff([]string{"ok"}, s.Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
	if s.Len() != 1 {
		t.Errorf("Len = %d", s.Len())
	}
}

func TestEnvOverride(t *testing.T) {
	t.Parallel()
	env := mapEnv(map[string]string{"POLICYGATE_NV_BACKEND_URL": "http://override", "POLICYGATE_NV_EMPTY": " "})
	s, errs := FromMap(map[string]string{"backend-url": "http://file", "other": "o", "empty": "e"}, WithEnv(env))
	if len(errs) != 1 || !errors.Is(errs[0], ErrBadValue) {
		t.Errorf("errors = %v, want one ErrBadValue for the blank override", errs)
	}
	nv, found, _ := s.Lookup("backend-url")
	if !found || nv.Value != "http://override" || nv.Source != "env:POLICYGATE_NV_BACKEND_URL" {
		t.Errorf("Lookup = %+v %v", nv, found)
	}
	if nv, _, _ := s.Lookup("other"); nv.Value != "o" || nv.Source != "map" {
		t.Errorf("Lookup(other) = %+v", nv)
	}
}

func TestEnvOverrideProcess(t *testing.T) {
	t.Setenv("POLICYGATE_NV_PROC_VALUE", "from-env")
	s, errs := FromMap(map[string]string{"proc.value": "from-map"})
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if nv, _, _ := s.Lookup("proc.value"); nv.Value != "from-env" {
		t.Errorf("Value = %q, want from-env", nv.Value)
	}
}

func TestLookupCase(t *testing.T) {
	t.Parallel()
	s := NewStore(WithEnv(nil))
	for _, nv := range []NamedValue{{Name: "ApiKey", Value: "k"}, {Name: "host", Value: "h"}} {
		if err := s.Set(nv); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name            string
		wantName        string
		found, mismatch bool
	}{
		{"ApiKey", "ApiKey", true, false},
		{"apikey", "ApiKey", true, true},
		{"APIKEY", "ApiKey", true, true},
		{"host", "host", true, false},
		{"Host", "host", true, true},
		{"nope", "", false, false},
	}
	for _, tt := range tests {
		nv, found, mismatch := s.Lookup(tt.name)
		if nv.Name != tt.wantName || found != tt.found || mismatch != tt.mismatch {
			t.Errorf("Lookup(%q) = %q %v %v, want %q %v %v", tt.name, nv.Name, found, mismatch, tt.wantName, tt.found, tt.mismatch)
		}
	}
	if err := s.Set(NamedValue{Name: "APIKEY", Value: "x"}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("Set(case variant) = %v, want ErrDuplicate", err)
	}
	if err := s.Set(NamedValue{Name: "ApiKey", Value: "k2"}); err != nil {
		t.Errorf("Set(replace) = %v", err)
	}
	if nv, _, _ := s.Lookup("ApiKey"); nv.Value != "k2" {
		t.Errorf("replaced value = %q", nv.Value)
	}
	var nilStore *Store
	if _, found, _ := nilStore.Lookup("x"); found {
		t.Error("nil store found a value")
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	s := NewStore(WithEnv(nil))
	for _, nv := range []NamedValue{
		{Name: "short", Value: "abc", Secret: true},
		{Name: "long", Value: "abcdef", Secret: true},
		{Name: "plain", Value: "visible"},
	} {
		if err := s.Set(nv); err != nil {
			t.Fatal(err)
		}
	}
	tests := map[string]string{
		"key=abcdef; other=abc; p=visible": "key=***; other=***; p=visible",
		"nothing here":                     "nothing here",
		"abcabc":                           "******",
		"":                                 "",
	}
	for in, want := range tests {
		if got := s.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	if got := NewStore().Redact("abc"); got != "abc" {
		t.Errorf("Redact without secrets = %q", got)
	}
	var nilStore *Store
	if got := nilStore.Redact("abc"); got != "abc" {
		t.Errorf("nil Redact = %q", got)
	}
	nv, _, _ := s.Lookup("long")
	if nv.Display() != Mask || strings.Contains(nv.String(), "abcdef") || strings.Contains(fmt.Sprintf("%v", nv), "abcdef") {
		t.Errorf("secret shown: %q %q", nv.Display(), nv.String())
	}
	if p, _, _ := s.Lookup("plain"); p.Display() != "visible" {
		t.Errorf("Display(plain) = %q", p.Display())
	}
	if err := s.Set(NamedValue{Name: "long", Value: "rotated", Secret: true}); err != nil {
		t.Fatal(err)
	}
	if got := s.Redact("abcdef rotated"); got != "*** ***" {
		t.Errorf("Redact after replacing a secret = %q", got)
	}
	kv := NamedValue{Name: "kv", Value: "x", KeyVault: &KeyVaultRef{}}
	if kv.Display() != Mask {
		t.Errorf("Display(key vault) = %q", kv.Display())
	}
}

func TestStoreConcurrent(t *testing.T) {
	t.Parallel()
	s := NewStore(WithEnv(nil))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				name := fmt.Sprintf("n%d-%d", i, j)
				if err := s.Set(NamedValue{Name: name, Value: "v", Secret: j%2 == 0}); err != nil {
					t.Error(err)
					return
				}
				if _, found, _ := s.Lookup(strings.ToUpper(name)); !found {
					t.Errorf("%s not found", name)
					return
				}
				_ = s.Redact("v")
			}
		})
	}
	wg.Wait()
	if s.Len() != 800 {
		t.Errorf("Len = %d, want 800", s.Len())
	}
}
