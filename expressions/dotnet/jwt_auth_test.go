package dotnet

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func token(header, payload string) string {
	return b64url(header) + "." + b64url(payload) + ".c2ln"
}

func TestJwtParse(t *testing.T) {
	t.Parallel()
	payload := `{"iss":"https://login/","sub":"u1","aud":["api1","api2"],"exp":1700000000,"iat":1699990000,` +
		`"jti":"id-1","roles":["admin","reader"],"email":"a@b.c","n":42,"ok":true,"obj":{"a": 1}}`
	tok := token(`{"alg":"RS256","typ":"JWT"}`, payload)
	jv := must(ext(t, String, "AsJwt", "Bearer "+tok))
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
		{"Algorithm", prop(t, j, "Algorithm"), "RS256"},
		{"Type", prop(t, j, "Type"), "JWT"},
		{"Issuer", prop(t, j, "Issuer"), "https://login/"},
		{"Subject", prop(t, j, "Subject"), "u1"},
		{"Id", prop(t, j, "Id"), "id-1"},
		{"Audiences", prop(t, j, "Audiences"), []string{"api1", "api2"}},
		{"ExpirationTime", prop(t, j, "ExpirationTime"), exp},
		{"NotBefore absent", prop(t, j, "NotBefore"), nil},
		{"roles", claim(t, j, "roles"), []string{"admin", "reader"}},
		{"number claim", claim(t, j, "n"), []string{"42"}},
		{"bool claim", claim(t, j, "ok"), []string{"true"}},
		{"object claim", claim(t, j, "obj"), []string{`{"a":1}`}},
		{"claim order", j.Claims.Keys()[:3], []any{"iss", "sub", "aud"}},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got, cmp.Comparer(func(a, b DateTime) bool { return a.T.Equal(b.T) && a.Kind == b.Kind })); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
	claims := prop(t, j, "Claims")
	var join *Method
	for _, m := range TypeOf(claims).FindMethods("GetValueOrDefault") {
		if len(m.Params) == 2 && m.Params[1].Type == String {
			join = m
		}
	}
	if got := must(join.Fn(claims, []any{"roles", "n/a"})); got != "admin,reader" {
		t.Errorf("Claims.GetValueOrDefault(roles) = %v", got)
	}
	if got := must(join.Fn(claims, []any{"nonce", "missing"})); got != "missing" {
		t.Errorf("Claims.GetValueOrDefault(nonce) = %v", got)
	}
	if got := must(linqCall(t, "Contains", claim(t, j, "roles"), "admin")); got != true {
		t.Error(`Claims["roles"].Contains("admin")`)
	}
}

func claim(t *testing.T, j *Jwt, name string) any {
	t.Helper()
	v, ok := j.Claims.Get(name)
	if !ok {
		t.Fatalf("no claim %s", name)
	}
	return v
}

func TestJwtInvalid(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"", "abc", "a.b", "Bearer ", "a.b.c.d",
		b64url(`{"alg":"none"}`) + ".!!!." + "x",
		b64url(`[1]`) + "." + b64url(`{}`) + ".x",
		b64url(`{"alg":"none"}`) + "." + b64url(`{"a":1} x`) + ".x",
	} {
		if got := must(ext(t, String, "AsJwt", in)); got != nil {
			t.Errorf("AsJwt(%q) = %v, want null", in, got)
		}
		var out any = "unchanged"
		if ok := must(ext(t, String, "TryParseJwt", in, &out)); ok != false || out != nil {
			t.Errorf("TryParseJwt(%q) = %v, %v", in, ok, out)
		}
	}
	// Unsigned tokens (empty signature) still parse.
	var out any
	tok := b64url(`{"alg":"none"}`) + "." + b64url(`{"sub":"x"}`) + "."
	if ok := must(ext(t, String, "TryParseJwt", tok, &out)); ok != true || out.(*Jwt).Subject != "x" {
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
			got := must(ext(t, String, "AsBasic", tt.in))
			var out any
			ok := must(ext(t, String, "TryParseBasic", tt.in, &out))
			if !tt.ok {
				if got != nil || ok != false || out != nil {
					t.Fatalf("want null, got %v %v %v", got, ok, out)
				}
				return
			}
			b := got.(*BasicAuthCredentials)
			if prop(t, b, "UserId") != tt.user || prop(t, b, "Username") != tt.user || prop(t, b, "Password") != tt.pwd {
				t.Errorf("got %+v", b)
			}
			if ok != true || out.(*BasicAuthCredentials).UserID != tt.user {
				t.Errorf("TryParseBasic = %v %v", ok, out)
			}
		})
	}
}
