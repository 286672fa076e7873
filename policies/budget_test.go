package policies

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// The converters stop when the request's context ends: a client that went
// away stops the work instead of leaving it to run to the end.
func TestConvertersStopWhenTheRequestEnds(t *testing.T) {
	var x, j strings.Builder
	x.WriteString("<r>")
	j.WriteString(`{"r":[`)
	for i := 0; i < 5000; i++ {
		x.WriteString("<c>v</c>")
		if i > 0 {
			j.WriteString(",")
		}
		j.WriteString(`{"c":"v"}`)
	}
	x.WriteString("</r>")
	j.WriteString("]}")
	for _, c := range []struct{ policy, body, ct string }{
		{`<xml-to-json kind="direct" apply="always" consider-accept-header="false"/>`, x.String(), "application/xml"},
		{`<json-to-xml apply="always" consider-accept-header="false"/>`, j.String(), "application/json"},
	} {
		s := convCompileOne(t, Inbound, c.policy)
		var buf bytes.Buffer
		r := convTestRun(Inbound, &buf)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r.Context = ctx
		convSetBody(r, true, c.body, c.ct)
		err := s.Exec(r)
		var pe *Error
		if !errors.As(err, &pe) || pe.Reason != "ClientConnectionFailure" || !errors.Is(err, context.Canceled) {
			t.Errorf("%s: got %v, want ClientConnectionFailure", c.policy, err)
		}
		// the same body converts when the request is alive
		r = convTestRun(Inbound, &buf)
		convSetBody(r, true, c.body, c.ct)
		if err := s.Exec(r); err != nil {
			t.Errorf("%s: %v", c.policy, err)
		}
	}
}

// xml-to-json is linear: a flat body of 50,000 children converts in well
// under a second (it took 20 s when the text of each child was searched in
// the text of its parent).
func TestXMLToJSONIsLinear(t *testing.T) {
	s := convCompileOne(t, Inbound, `<xml-to-json kind="direct" apply="always" consider-accept-header="false"/>`)
	conv := func(n int) time.Duration {
		var x strings.Builder
		x.WriteString("<r>")
		for i := 0; i < n; i++ {
			x.WriteString("<c a='1'>v</c><d>w</d>")
		}
		x.WriteString("</r>")
		var buf bytes.Buffer
		r := convTestRun(Inbound, &buf)
		convSetBody(r, true, x.String(), "application/xml")
		start := time.Now()
		if err := s.Exec(r); err != nil {
			t.Fatal(err)
		}
		if got := string(r.Ctx.Request.Body.Bytes()); !strings.HasPrefix(got, `{"r":{"c":[{"@a":"1","#text":"v"}`) {
			t.Fatalf("got %.80s", got)
		}
		return time.Since(start)
	}
	small, large := conv(2_500), conv(25_000)
	if large > 2*time.Second || large > 40*small+100*time.Millisecond {
		t.Errorf("2,500 children: %v; 25,000 children: %v (want about 10×)", small, large)
	}
}
