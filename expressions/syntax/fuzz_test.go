package syntax

import (
	"strings"
	"testing"
)

// seeds returns the table and corpus inputs of the given prefix ("@(" or "@{").
func seeds(prefix string) []string {
	var out []string
	for _, tt := range parseTests {
		if strings.HasPrefix(tt.src, prefix) {
			out = append(out, tt.src)
		}
	}
	for _, tt := range errorTests {
		if strings.HasPrefix(tt.src, prefix) {
			out = append(out, tt.src)
		}
	}
	exprs, _ := corpusExprs()
	for _, e := range exprs {
		if e.err == "" && strings.HasPrefix(e.src, prefix) {
			out = append(out, e.src)
		}
	}
	return out
}

// checkParseError asserts a parse error is an *Error placed inside src.
func checkParseError(t *testing.T, src string, err error) {
	t.Helper()
	se, ok := err.(*Error)
	if !ok {
		t.Fatalf("error %T, want *Error", err)
	}
	if se.Pos < 0 || int(se.Pos) > len(src) {
		t.Fatalf("error offset %d outside [0,%d]", se.Pos, len(src))
	}
}

func FuzzParseExpression(f *testing.F) {
	for _, s := range seeds("@(") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		x, err := ParseExpression(src)
		if err != nil {
			checkParseError(t, src, err)
			return
		}
		_ = Dump(x)
		checkSpans(t, src, x)
	})
}

func FuzzParseBlock(f *testing.F) {
	for _, s := range seeds("@{") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		b, err := ParseBlock(src)
		if err != nil {
			checkParseError(t, src, err)
			return
		}
		_ = Dump(b)
		checkSpans(t, src, b)
	})
}

func BenchmarkParseExpression(b *testing.B) {
	const src = `@(context.Request.Headers.GetValueOrDefault("x",""))`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseExpression(src); err != nil {
			b.Fatal(err)
		}
	}
}
