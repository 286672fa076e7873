package gateway_test

import (
	"strings"
	"testing"

	"github.com/policygate/policygate/gateway"
	"github.com/policygate/policygate/policies"
)

func TestSettingsJWTVerdictCacheSize(t *testing.T) {
	s, err := gateway.LoadSettings("", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.JWTVerdictCacheSize != policies.DefaultJWTVerdictCacheSize {
		t.Errorf("default %d, want %d", s.JWTVerdictCacheSize, policies.DefaultJWTVerdictCacheSize)
	}
	s, err = gateway.LoadSettings("", nil, map[string]string{"policies.jwt.verdict-cache.size": "0"})
	if err != nil || s.JWTVerdictCacheSize != 0 {
		t.Errorf("0: %d, %v", s.JWTVerdictCacheSize, err)
	}
	if _, err := gateway.LoadSettings("", nil, map[string]string{"policies.jwt.verdict-cache.size": "-1"}); err == nil || !strings.Contains(err.Error(), "policies.jwt.verdict-cache.size") {
		t.Errorf("-1: error %v", err)
	}
}
