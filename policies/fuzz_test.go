package policies

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"hash"
	"strings"
	"testing"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/parser"
)

// fuzzCompile compiles one policy statement for sec; ok is false when it
// does not load (the fuzz input made invalid XML or configuration).
func fuzzCompile(sec Section, src string) ([]*Stmt, bool) {
	doc, errs := parser.Parse("fuzz.xml", []byte(src))
	if errs.HasErrors() || doc == nil || doc.Root == nil {
		return nil, false
	}
	c := &Compiler{Scope: ScopeAPI}
	stmts := c.SectionStmts(sec, doc.Root.Children)
	return stmts, !c.Errs.HasErrors()
}

// FuzzJWT sends any token through validate-jwt (signed, unsigned and
// encrypted forms; header and claims parsing) and the header readers: it
// must fail cleanly, never panic, and accept nothing not signed by the key.
func FuzzJWT(f *testing.F) {
	key := bytes.Repeat([]byte("k"), 32)
	src := `<validate-jwt header-name="Authorization" require-expiration-time="false"><issuer-signing-keys><key>` +
		base64.StdEncoding.EncodeToString(key) + `</key></issuer-signing-keys><decryption-keys><key>` +
		base64.StdEncoding.EncodeToString(key) + `</key></decryption-keys></validate-jwt>`
	stmts, ok := fuzzCompile(Inbound, src)
	if !ok {
		f.Fatal("the fuzz policy does not compile")
	}
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	signed := b64(`{"alg":"HS256","typ":"JWT"}`) + "." + b64(`{"sub":"a","exp":4102444800,"nbf":0}`)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(signed))
	f.Add(signed + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)))
	for _, s := range []string{
		b64(`{"alg":"HS256","typ":"JWT"}`) + "." + b64(`{"sub":"a","exp":4102444800}`) + ".sig",
		b64(`{"alg":"none","crit":["exp"]}`) + "." + b64(`{"aud":["x",1]}`) + ".",
		b64(`{"alg":"HS256","b64":false,"crit":["b64"]}`) + "." + "payload" + ".x",
		b64(`{"alg":"dir","enc":"A256GCM"}`) + "..iv.ct.tag",
		"a.b.c.d.e", "...", "", b64(`[]`) + "." + b64(`null`) + ".",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		_ = jwtCheckCrit(tok)
		jwtPeekHeader(tok)
		dotnet.ParseJWT(tok)
		r := newTestRun(Inbound)
		r.Ctx.Request.Headers.H.Set("Authorization", "Bearer "+tok)
		err := RunAll(r, stmts)
		if err == nil && strings.Count(tok, ".") == 2 {
			// accepted: it must really be signed with the key
			if perr := jwtVerifyHS(tok, key); perr != nil {
				t.Fatalf("accepted a token not signed by the key: %q", tok)
			}
		}
	})
}

// FuzzLiquid compiles and renders any set-body Liquid template over a JSON
// body: a load error or a rendering failure, never a panic.
func FuzzLiquid(f *testing.F) {
	for _, s := range []string{
		`{{ body.name | upcase }}`, `{% for x in body.items %}{{ x.id }},{% endfor %}`,
		`{% if body.a == 1 %}one{% else %}{{ context.Request.Method }}{% endif %}`,
		`{{ body | json }}`, `{% assign x = body.a | plus: 2 %}{{ x | default: "n" }}`, `{{`, `{% endfor %}`,
	} {
		f.Add(s, `{"name":"n","a":1,"items":[{"id":1},{"id":2}]}`)
	}
	f.Fuzz(func(t *testing.T, tmpl, body string) {
		if strings.Contains(tmpl, "..") {
			t.Skip("ranges may be made arbitrarily long; bounding them is the runtime budget's job")
		}
		var esc bytes.Buffer
		xml.EscapeText(&esc, []byte(tmpl))
		stmts, ok := fuzzCompile(Inbound, `<set-body template="liquid">`+esc.String()+`</set-body>`)
		if !ok {
			return
		}
		r := newTestRun(Inbound)
		r.Ctx.Request.Headers.H.Set("Content-Type", "application/json")
		r.Ctx.Request.Body = expressions.NewBody([]byte(body))
		_ = RunAll(r, stmts)
	})
}

// jwtVerifyHS checks a compact JWS's HMAC signature independently of the
// JWT library.
func jwtVerifyHS(tok string, key []byte) error {
	_, alg := jwtPeekHeader(tok)
	var h func() hash.Hash
	switch alg {
	case "HS256":
		h = sha256.New
	case "HS384":
		h = sha512.New384
	case "HS512":
		h = sha512.New
	default:
		return errors.New("not an HMAC algorithm: " + alg)
	}
	i := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil {
		return err
	}
	m := hmac.New(h, key)
	m.Write([]byte(tok[:i]))
	if !hmac.Equal(m.Sum(nil), sig) {
		return errors.New("bad signature")
	}
	return nil
}
