package dotnet

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func ctB64URL(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func ctToken(header, payload string) string {
	return ctB64URL(header) + "." + ctB64URL(payload) + ".c2ln"
}

func TestJwtParse(t *testing.T) {
	t.Parallel()
	payload := `{"iss":"https://login/","sub":"u1","aud":["api1","api2"],"exp":1700000000,"iat":1699990000,` +
		`"jti":"id-1","roles":["admin","reader"],"email":"a@b.c","n":42,"ok":true,"obj":{"a": 1}}`
	tok := ctToken(`{"alg":"RS256","typ":"JWT"}`, payload)
	jv := ctMust(ctExt(t, String, "AsJwt", "Bearer "+tok))
	j, ok := jv.(*Jwt)
	if !ok {
		t.Fatalf("AsJwt = %#v", jv)
	}
	exp := DateTime{T: time.Unix(1700000000, 0).UTC(), Kind: KindUtc}
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"Algorithm", ctProp(t, j, "Algorithm"), "RS256"},
		{"Type", ctProp(t, j, "Type"), "JWT"},
		{"Issuer", ctProp(t, j, "Issuer"), "https://login/"},
		{"Subject", ctProp(t, j, "Subject"), "u1"},
		{"Id", ctProp(t, j, "Id"), "id-1"},
		{"Audiences", ctProp(t, j, "Audiences"), []string{"api1", "api2"}},
		{"ExpirationTime", ctProp(t, j, "ExpirationTime"), exp},
		{"NotBefore absent", ctProp(t, j, "NotBefore"), nil},
		{"roles", ctClaim(t, j, "roles"), []string{"admin", "reader"}},
		{"number claim", ctClaim(t, j, "n"), []string{"42"}},
		{"bool claim", ctClaim(t, j, "ok"), []string{"true"}},
		{"object claim", ctClaim(t, j, "obj"), []string{`{"a":1}`}},
		{"claim order", j.Claims().Keys()[:3], []any{"iss", "sub", "aud"}},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got, cmp.Comparer(func(a, b DateTime) bool { return a.T.Equal(b.T) && a.Kind == b.Kind })); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
	claims := ctProp(t, j, "Claims")
	var join *Method
	for _, m := range TypeOf(claims).FindMethods("GetValueOrDefault") {
		if len(m.Params) == 2 && m.Params[1].Type == String {
			join = m
		}
	}
	if got := ctMust(join.Fn(claims, []any{"roles", "n/a"})); got != "admin,reader" {
		t.Errorf("Claims.GetValueOrDefault(roles) = %v", got)
	}
	if got := ctMust(join.Fn(claims, []any{"nonce", "missing"})); got != "missing" {
		t.Errorf("Claims.GetValueOrDefault(nonce) = %v", got)
	}
	if got := ctMust(ctLinq(t, "Contains", ctClaim(t, j, "roles"), "admin")); got != true {
		t.Error(`Claims["roles"].Contains("admin")`)
	}
}

func ctClaim(t *testing.T, j *Jwt, name string) any {
	t.Helper()
	v, ok := j.Claims().Get(name)
	if !ok {
		t.Fatalf("no claim %s", name)
	}
	return v
}

func TestJwtInvalid(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"", "abc", "a.b", "Bearer ", "a.b.c.d",
		ctB64URL(`{"alg":"none"}`) + ".!!!." + "x",
		ctB64URL(`[1]`) + "." + ctB64URL(`{}`) + ".x",
		ctB64URL(`{"alg":"none"}`) + "." + ctB64URL(`{"a":1} x`) + ".x",
	} {
		if got := ctMust(ctExt(t, String, "AsJwt", in)); got != nil {
			t.Errorf("AsJwt(%q) = %v, want null", in, got)
		}
		var out any = "unchanged"
		if ok := ctMust(ctExt(t, String, "TryParseJwt", in, &out)); ok != false || out != nil {
			t.Errorf("TryParseJwt(%q) = %v, %v", in, ok, out)
		}
	}
	// Unsigned tokens (empty signature) still parse.
	var out any
	tok := ctB64URL(`{"alg":"none"}`) + "." + ctB64URL(`{"sub":"x"}`) + "."
	if ok := ctMust(ctExt(t, String, "TryParseJwt", tok, &out)); ok != true || out.(*Jwt).Subject != "x" {
		t.Errorf("TryParseJwt(unsigned) = %v, %v", ok, out)
	}
}

func TestBasicParse(t *testing.T) {
	t.Parallel()
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name      string
		in        string
		user, pwd string
		ok        bool
	}{
		{"plain", "Basic " + enc("alice:s3cret"), "alice", "s3cret", true},
		{"scheme case", "basic " + enc("bob:pw"), "bob", "pw", true},
		{"colon in password", "Basic " + enc("u:p:q"), "u", "p:q", true},
		{"empty password", "Basic " + enc("u:"), "u", "", true},
		{"no colon", "Basic " + enc("nocolon"), "", "", false},
		{"bad base64", "Basic ***", "", "", false},
		{"other scheme", "Bearer " + enc("u:p"), "", "", false},
		{"empty", "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ctMust(ctExt(t, String, "AsBasic", tt.in))
			var out any
			ok := ctMust(ctExt(t, String, "TryParseBasic", tt.in, &out))
			if !tt.ok {
				if got != nil || ok != false || out != nil {
					t.Fatalf("want null, got %v %v %v", got, ok, out)
				}
				return
			}
			b := got.(*BasicAuthCredentials)
			if ctProp(t, b, "UserId") != tt.user || ctProp(t, b, "Username") != tt.user || ctProp(t, b, "Password") != tt.pwd {
				t.Errorf("got %+v", b)
			}
			if ok != true || out.(*BasicAuthCredentials).UserID != tt.user {
				t.Errorf("TryParseBasic = %v %v", ok, out)
			}
		})
	}
}
