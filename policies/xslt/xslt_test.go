//go:build cgo

package xslt

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const copyWithAttr = `<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" omit-xml-declaration="yes"/>
  <xsl:param name="User-Agent"/>
  <xsl:template match="* | @* | node()">
    <xsl:copy>
      <xsl:if test="self::* and not(parent::*)">
        <xsl:attribute name="User-Agent"><xsl:value-of select="$User-Agent"/></xsl:attribute>
      </xsl:if>
      <xsl:apply-templates select="* | @* | node()"/>
    </xsl:copy>
  </xsl:template>
</xsl:stylesheet>`

func compile(t *testing.T, src string) *Stylesheet {
	t.Helper()
	s, err := Compile([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The docs' example: a string parameter (quotes and all) reaches $User-Agent.
func TestTransformWithParameter(t *testing.T) {
	s := compile(t, copyWithAttr)
	out, err := s.Transform(context.Background(), []byte(`<a><b x="1">t</b></a>`), map[string]string{"User-Agent": `curl "7" & 'x'`}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := `<a User-Agent="curl &quot;7&quot; &amp; 'x'"><b x="1">t</b></a>`
	if got := strings.TrimSpace(string(out)); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><xsl:template match="/">`, "line 1"},
		{"<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\">\n<xsl:template match=\"/\"><xsl:value-of select=\"(\"/></xsl:template></xsl:stylesheet>", "value-of"},
		{`<root/>`, "stylesheet"},
	} {
		_, err := Compile([]byte(tc.src))
		var e *Error
		t.Logf("%v", err)
		if !errors.As(err, &e) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want an *Error with %q", tc.src, err, tc.want)
		}
	}
}

func TestTransformRejectsMalformedBody(t *testing.T) {
	s := compile(t, copyWithAttr)
	_, err := s.Transform(context.Background(), []byte("<a>\n<b></a>"), nil, time.Second)
	var e *Error
	if !errors.As(err, &e) || e.Line != 2 || e.Msg == "" {
		t.Fatalf("got %v", err)
	}
}

// document() and external entities read nothing from the file system.
func TestTransformReadsNoFiles(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret.xml")
	if err := os.WriteFile(secret, []byte("<s>TOPSECRET</s>"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := compile(t, `<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="/"><r><xsl:value-of select="document('`+secret+`')"/><xsl:value-of select="."/></r></xsl:template>
</xsl:stylesheet>`)
	body := `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file://` + secret + `">]><a>&e;</a>`
	out, err := s.Transform(context.Background(), []byte(body), nil, time.Second)
	if strings.Contains(string(out), "TOPSECRET") {
		t.Fatalf("a file was read: %s", out)
	}
	if err == nil {
		t.Logf("result without the file: %s", out)
	}
}

// A stylesheet that never ends is stopped by the time limit and by the
// context.
func TestTransformStops(t *testing.T) {
	s := compile(t, `<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="/"><xsl:call-template name="loop"><xsl:with-param name="n" select="0"/></xsl:call-template></xsl:template>
  <xsl:template name="loop"><xsl:param name="n"/>
    <xsl:for-each select="(//node())[position() &lt; 1000]"><xsl:if test="string-length(concat($n, .)) &lt; 0">x</xsl:if></xsl:for-each>
    <xsl:if test="$n &lt; 2000"><xsl:call-template name="loop"><xsl:with-param name="n" select="$n + 1"/></xsl:call-template></xsl:if>
    <xsl:if test="$n &lt; 2000"><xsl:call-template name="loop"><xsl:with-param name="n" select="$n + 1"/></xsl:call-template></xsl:if>
  </xsl:template>
</xsl:stylesheet>`)
	body := []byte("<a>" + strings.Repeat("<b>x</b>", 1000) + "</a>")
	start := time.Now()
	if _, err := s.Transform(context.Background(), body, nil, 100*time.Millisecond); !errors.Is(err, ErrStopped) {
		t.Fatalf("time limit: got %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := s.Transform(ctx, body, nil, 0); !errors.Is(err, ErrStopped) {
		t.Fatalf("context: got %v", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("stopping took %v", d)
	}
}

// One stylesheet serves concurrent transforms.
func TestTransformConcurrent(t *testing.T) {
	s := compile(t, copyWithAttr)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ua := strings.Repeat("u", i)
			out, err := s.Transform(context.Background(), []byte(`<a/>`), map[string]string{"User-Agent": ua}, time.Second)
			if err != nil || !strings.Contains(string(out), `User-Agent="`+ua+`"`) {
				errs <- errors.New(string(out))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// FuzzTransform runs the docs' identity-with-parameter stylesheet over
// arbitrary bodies and parameter values: an error or a result, never a
// crash.
func FuzzTransform(f *testing.F) {
	s, err := Compile([]byte(copyWithAttr))
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{`<a/>`, `<a><b x="1">t</b></a>`, `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>`, `<a`, ``, "<a>\x00</a>"} {
		f.Add(seed, "ua")
	}
	f.Fuzz(func(t *testing.T, body, ua string) {
		out, err := s.Transform(context.Background(), []byte(body), map[string]string{"User-Agent": ua}, time.Second)
		if err == nil && len(out) == 0 {
			t.Fatalf("no error and no result for %q", body)
		}
	})
}
