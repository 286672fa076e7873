package redisstate

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseSentinelCredentials(t *testing.T) {
	o, err := parseURL("redis://sent:sentpw@s1:26379/3?master_name=m&password=masterpw")
	if err != nil {
		t.Fatal(err)
	}
	if o.SentinelUsername != "sent" || o.SentinelPassword != "sentpw" || o.Password != "masterpw" || o.MasterName != "m" || o.DB != 3 {
		t.Fatalf("sentinel %q/%q, master password %q, name %q, db %d", o.SentinelUsername, o.SentinelPassword, o.Password, o.MasterName, o.DB)
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		url     string
		addrs   []string
		cluster bool
		master  string
		tls     bool
		user    string
		pass    string
		db      int
		err     string
	}{
		{url: "redis://127.0.0.1:6379/2", addrs: []string{"127.0.0.1:6379"}, db: 2},
		{url: "rediss://app:s3cret@cache.example:6380/0", addrs: []string{"cache.example:6380"}, tls: true, user: "app", pass: "s3cret"},
		{url: "redis://:pw@a:7000?addr=b:7001&addr=c:7002", addrs: []string{"a:7000", "b:7001", "c:7002"}, cluster: true, pass: "pw"},
		{url: "redis://a:7000?cluster=true", addrs: []string{"a:7000"}, cluster: true},
		{url: "redis://s1:26379?master_name=mymaster&addr=s2:26379", addrs: []string{"s1:26379", "s2:26379"}, master: "mymaster"},
		{url: "http://x:1", err: `scheme "http" is not redis or rediss`},
		{url: "redis://u:topsecret@h:1/0?bogus=1", err: "bogus"},
	}
	for _, tc := range tests {
		o, err := parseURL(tc.url)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "topsecret") {
				t.Errorf("%s: error %v, want one naming %q without the password", tc.url, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		if fmt.Sprint(o.Addrs) != fmt.Sprint(tc.addrs) || o.IsClusterMode != tc.cluster || o.MasterName != tc.master ||
			(o.TLSConfig != nil) != tc.tls || o.Username != tc.user || o.Password != tc.pass || o.DB != tc.db {
			t.Errorf("%s: addrs %v cluster %v master %q tls %v user %q pass %q db %d", tc.url, o.Addrs, o.IsClusterMode, o.MasterName, o.TLSConfig != nil, o.Username, o.Password, o.DB)
		}
	}
}
