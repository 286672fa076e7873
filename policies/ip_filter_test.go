package policies

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIPFilter(t *testing.T) {
	const allow = `<ip-filter action="allow">
	<address>13.66.201.169</address>
	<address-range from="13.66.140.128" to="13.66.140.143" />
	<address>2001:db8::1</address>
	<address-range from="2001:db8:1::" to="2001:db8:1::ff" />
	<address>10.1.0.0/16</address>
</ip-filter>`
	const forbid = `<ip-filter action="forbid">
	<address>192.0.2.7</address>
	<address-range from="198.51.100.0" to="198.51.100.255" />
</ip-filter>`
	const exprs = `<ip-filter action="@(&quot;al&quot; + &quot;low&quot;)">
	<address>@(&quot;203.0.113.&quot; + &quot;9&quot;)</address>
	<address-range from="@(&quot;203.0.113.20&quot;)" to="@(&quot;203.0.113.30&quot;)" />
</ip-filter>`
	notAllowed := func(ip string) *authFailure {
		return &authFailure{"ip-filter", "CallerIpNotAllowed", "Caller IP address " + ip + " is not allowed. Access denied.", "Forbidden", 403}
	}
	blocked := &authFailure{"ip-filter", "CallerIpBlocked", "Caller IP address is blocked. Access denied.", "Forbidden", 403}
	unparsable := &authFailure{"ip-filter", "FailedToParseCallerIP", "Failed to establish IP address for the caller. Access denied.", "Forbidden", 403}
	tests := []struct {
		name, src, ip string
		xff           string
		want          *authFailure
	}{
		{"allow single", allow, "13.66.201.169", "", nil},
		{"allow range low end", allow, "13.66.140.128", "", nil},
		{"allow range high end", allow, "13.66.140.143", "", nil},
		{"allow range just above", allow, "13.66.140.144", "", notAllowed("13.66.140.144")},
		{"allow range just below", allow, "13.66.140.127", "", notAllowed("13.66.140.127")},
		{"allow with port", allow, "13.66.201.169:51234", "", nil},
		{"allow IPv4-mapped IPv6", allow, "::ffff:13.66.201.169", "", nil},
		{"allow IPv6 single", allow, "2001:db8::1", "", nil},
		{"allow IPv6 bracketed with port", allow, "[2001:db8::1]:443", "", nil},
		{"allow IPv6 range", allow, "2001:db8:1::80", "", nil},
		{"allow IPv6 outside", allow, "2001:db8:1::100", "", notAllowed("2001:db8:1::100")},
		{"allow CIDR", allow, "10.1.255.254", "", nil},
		{"allow CIDR outside", allow, "10.2.0.1", "", notAllowed("10.2.0.1")},
		{"allow unparsable caller", allow, "not-an-ip", "", unparsable},
		{"allow empty caller", allow, "", "", unparsable},
		{"XFF ignored without trusted proxy", allow, "127.0.0.1", "13.66.201.169", notAllowed("127.0.0.1")},
		{"forbid single", forbid, "192.0.2.7", "", blocked},
		{"forbid range", forbid, "198.51.100.42", "", blocked},
		{"forbid others pass", forbid, "192.0.2.8", "", nil},
		{"forbid IPv6 caller passes IPv4 list", forbid, "2001:db8::7", "", nil},
		{"forbid unparsable caller", forbid, "x", "", unparsable},
		{"expressions match address", exprs, "203.0.113.9", "", nil},
		{"expressions match range", exprs, "203.0.113.25", "", nil},
		{"expressions miss", exprs, "203.0.113.10", "", notAllowed("203.0.113.10")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := authCompile(t, tt.src)
			h := http.Header{}
			if tt.xff != "" {
				h.Set("X-Forwarded-For", tt.xff)
			}
			r := authRun("GET", h)
			r.Ctx.Request.IPAddress = tt.ip
			got := authFailureOf(authPolicyError(t, s.Exec(r)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// Not parallel: the trusted-proxy setting is process-wide.
func TestIPFilterTrustedProxies(t *testing.T) {
	if err := SetTrustedProxies([]string{"10.0.0.0/8", "::1"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { SetTrustedProxies(nil) })
	const allow = `<ip-filter action="allow"><address>13.66.201.169</address></ip-filter>`
	tests := []struct {
		name, peer string
		xff        []string
		want       *authFailure
	}{
		{"trusted peer, client from XFF", "10.0.0.5", []string{"13.66.201.169"}, nil},
		{"trusted chain skipped right to left", "10.0.0.5", []string{"13.66.201.169, 10.9.9.9"}, nil},
		{"several XFF lines", "::1", []string{"13.66.201.169", "10.1.1.1"}, nil},
		{"spoofed leftmost entry ignored", "10.0.0.5", []string{"13.66.201.169, 203.0.113.5"}, &authFailure{"ip-filter", "CallerIpNotAllowed", "Caller IP address 203.0.113.5 is not allowed. Access denied.", "Forbidden", 403}},
		{"untrusted peer, XFF ignored", "203.0.113.1", []string{"13.66.201.169"}, &authFailure{"ip-filter", "CallerIpNotAllowed", "Caller IP address 203.0.113.1 is not allowed. Access denied.", "Forbidden", 403}},
		{"trusted peer without XFF", "10.0.0.5", nil, &authFailure{"ip-filter", "CallerIpNotAllowed", "Caller IP address 10.0.0.5 is not allowed. Access denied.", "Forbidden", 403}},
		{"garbage in XFF", "10.0.0.5", []string{"bogus"}, &authFailure{"ip-filter", "FailedToParseCallerIP", "Failed to establish IP address for the caller. Access denied.", "Forbidden", 403}},
	}
	s := authCompile(t, allow)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := authRun("GET", http.Header{"X-Forwarded-For": tt.xff})
			r.Ctx.Request.IPAddress = tt.peer
			got := authFailureOf(authPolicyError(t, s.Exec(r)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
	if err := SetTrustedProxies([]string{"nope"}); err == nil {
		t.Error("SetTrustedProxies accepted a bad entry")
	}
}

func TestIPFilterCompileErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"bad action", `<ip-filter action="deny"><address>1.2.3.4</address></ip-filter>`, `action "deny" is not allow or forbid`},
		{"bad address", `<ip-filter action="allow"><address>1.2.3.400</address></ip-filter>`, "is not an IP address"},
		{"range reversed", `<ip-filter action="allow"><address-range from="1.2.3.9" to="1.2.3.1" /></ip-filter>`, "is above"},
		{"range mixes families", `<ip-filter action="allow"><address-range from="1.2.3.1" to="::9" /></ip-filter>`, "mixes IPv4 and IPv6"},
		{"no entries", `<ip-filter action="allow"></ip-filter>`, "at least one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := authCompileErrs(tt.src)
			if len(errs) == 0 || !strings.Contains(errs.Error(), tt.want) {
				t.Fatalf("errors %v, want one containing %q", errs, tt.want)
			}
		})
	}
}
