package gateway_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policygate/policygate/gateway"
)

func TestSettingsDefaults(t *testing.T) {
	s, err := gateway.LoadSettings("", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.HTTPAddr != ":8080" || s.HTTPSAddr != ":8081" || s.AdminAddr != "127.0.0.1:8082" || s.LogFormat != "text" || s.LogLevel != "info" ||
		s.ForwardedProto || s.ReadHeaderTimeout != 10*time.Second || s.MaxBody != gateway.DefaultMaxBody || s.ReloadDebounce != 100*time.Millisecond || s.ConfigDir != "" {
		t.Errorf("defaults %+v", s)
	}
}

// TestSettingsPrecedence: defaults < file < environment (dotted name <
// POLICYGATE_ name) < flags.
func TestSettingsPrecedence(t *testing.T) {
	dir := t.TempDir()
	kv := filepath.Join(dir, "gateway.conf")
	os.WriteFile(kv, []byte("# settings\ntelemetry.logs.std = json\ntelemetry.logs.std.level=warn\nnet.server.http.listen=:9000\nnet.server.timeout.idle=00:01:40\nadmin.listen=none\n"), 0o644)
	env := map[string]string{
		"telemetry.logs.std.level":                "debug", // dotted, as the self-hosted gateway's env-file
		"POLICYGATE_NET_SERVER_HTTP_LISTEN":       ":9100",
		"net.server.http.listen":                  ":9050", // the POLICYGATE_ form wins
		"POLICYGATE_NET_SERVER_TIMEOUT_READ":      "5",
		"POLICYGATE_NOT_A_SETTING":                "ignored",
		"net.server.http.forwarded.proto.enabled": "true",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	s, err := gateway.LoadSettings(kv, lookup, map[string]string{"net.server.http.listen": ":9200"})
	if err != nil {
		t.Fatal(err)
	}
	if s.LogFormat != "json" {
		t.Errorf("file: LogFormat %q", s.LogFormat)
	}
	if s.LogLevel != "debug" {
		t.Errorf("env over file: LogLevel %q", s.LogLevel)
	}
	if s.HTTPAddr != ":9200" {
		t.Errorf("flag over env: HTTPAddr %q", s.HTTPAddr)
	}
	if s.IdleTimeout != 100*time.Second || s.ReadTimeout != 5*time.Second {
		t.Errorf("durations: idle %v read %v", s.IdleTimeout, s.ReadTimeout)
	}
	if !s.ForwardedProto || s.AdminAddr != "none" {
		t.Errorf("ForwardedProto %v AdminAddr %q", s.ForwardedProto, s.AdminAddr)
	}
	s, _ = gateway.LoadSettings(kv, lookup, nil)
	if s.HTTPAddr != ":9100" {
		t.Errorf("POLICYGATE_ over dotted env: HTTPAddr %q", s.HTTPAddr)
	}
}

func TestSettingsYAML(t *testing.T) {
	f := filepath.Join(t.TempDir(), "settings.yaml")
	os.WriteFile(f, []byte("telemetry.logs.std: json\nnet:\n  server:\n    max-body: 1024\n    timeout:\n      write: 2m\ndebug.token: abc\n"), 0o644)
	s, err := gateway.LoadSettings(f, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.LogFormat != "json" || s.MaxBody != 1024 || s.WriteTimeout != 2*time.Minute || s.DebugToken != "abc" {
		t.Errorf("yaml settings %+v", s)
	}
}

func TestSettingsErrors(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "u.conf")
	os.WriteFile(unknown, []byte("no.such.setting=1\n"), 0o644)
	noEq := filepath.Join(dir, "n.conf")
	os.WriteFile(noEq, []byte("telemetry.logs.std\n"), 0o644)
	for _, c := range []struct {
		file  string
		flags map[string]string
		want  string
	}{
		{unknown, nil, `unknown setting "no.such.setting"`},
		{noEq, nil, "n.conf:1: want key=value"},
		{"", map[string]string{"telemetry.logs.std": "xml"}, "want one of text, json, none"},
		{"", map[string]string{"net.server.timeout.read": "soon"}, "net.server.timeout.read"},
		{"", map[string]string{"net.server.max-body": "-1"}, "must be positive"},
		{"", map[string]string{"net.server.tls.cert": "c.pem"}, "go together"},
		{"", map[string]string{"bogus": "1"}, `unknown setting "bogus"`},
	} {
		_, err := gateway.LoadSettings(c.file, nil, c.flags)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: error %v, want %q", c.file, c.flags, err, c.want)
		}
	}
	if got := gateway.EnvName("net.server.http.forwarded.proto.enabled"); got != "POLICYGATE_NET_SERVER_HTTP_FORWARDED_PROTO_ENABLED" {
		t.Errorf("EnvName %q", got)
	}
	if !strings.Contains(gateway.SettingNames(), "telemetry.logs.std.level") {
		t.Error("SettingNames lacks telemetry.logs.std.level")
	}
}
