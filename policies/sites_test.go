package policies

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/policygate/policygate/parser"
)

type siteSummary struct {
	Path    string
	What    string // "@attr" or "text"
	Kind    ValueKind
	Expr    bool
	Section Section
	Decl    bool
}

func summarize(sites []Site) []siteSummary {
	out := make([]siteSummary, len(sites))
	for i, s := range sites {
		what := "text"
		if s.Attr != nil {
			what = "@" + s.Attr.Name
			if s.Value != s.Attr.Value {
				what += " (value mismatch)"
			}
		} else if s.Value != s.Elem.Text {
			what += " (value mismatch)"
		}
		out[i] = siteSummary{s.Path, what, s.Kind, s.ExprAllowed, s.Section, s.Decl != nil}
	}
	return out
}

func TestSitesDocument(t *testing.T) {
	b := &builder{}
	d := b.policiesDoc(
		b.section("inbound",
			b.E("base"),
			b.E("choose",
				b.E("when", A("condition", "@(false)"), b.E("set-variable", A("name", "a"), A("value", "@(1)"))),
				b.E("when", A("condition", "true"),
					b.E("return-response",
						b.E("set-status", A("code", "@(401)"), A("reason", "no")),
						b.E("set-body", txt("@(\"x\")")))))),
		b.section("backend", b.E("forward-request", A("timeout", "10"), A("http-version", "2"), A("mystery", "m"))),
		b.section("outbound", b.E("send-request", A("response-variable-name", "r"),
			b.E("set-url", txt("https://x")), b.E("set-method", txt("GET")))),
	)
	got := summarize(Sites(d))
	want := []siteSummary{
		{"inbound/choose[2]/when[1]", "@condition", KindBool, true, Inbound, true},
		{"inbound/choose[2]/when[1]/set-variable[1]", "@name", KindString, false, Inbound, true},
		{"inbound/choose[2]/when[1]/set-variable[1]", "@value", KindAny, true, Inbound, true},
		{"inbound/choose[2]/when[2]", "@condition", KindBool, true, Inbound, true},
		{"inbound/choose[2]/when[2]/return-response[1]/set-status[1]", "@code", KindInt, true, Inbound, true},
		{"inbound/choose[2]/when[2]/return-response[1]/set-status[1]", "@reason", KindString, true, Inbound, true},
		{"inbound/choose[2]/when[2]/return-response[1]/set-body[2]", "text", KindString, true, Inbound, false},
		{"backend/forward-request[1]", "@timeout", KindInt, true, Backend, true},
		{"backend/forward-request[1]", "@http-version", KindEnum, false, Backend, true},
		{"backend/forward-request[1]", "@mystery", KindString, true, Backend, false},
		{"outbound/send-request[1]", "@response-variable-name", KindString, true, Outbound, true},
		{"outbound/send-request[1]/set-url[1]", "text", KindString, true, Outbound, false},
		{"outbound/send-request[1]/set-method[2]", "text", KindString, false, Outbound, false},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Sites (-want +got):\n%s", diff)
	}
}

func TestSitesFragmentAndSnippet(t *testing.T) {
	b := &builder{}
	frag := b.fragment(
		b.E("set-header", A("name", "h"), b.E("value", txt("v1")), b.E("value", txt("@(\"v2\")"))),
		b.E("retry", A("condition", "@(true)"), A("count", "3"), A("interval", "1"),
			b.E("unknown-thing", A("k", "v"))),
	)
	got := summarize(Sites(frag))
	want := []siteSummary{
		{"set-header[1]", "@name", KindString, true, "", true},
		{"set-header[1]/value[1]", "text", KindString, true, "", false},
		{"set-header[1]/value[2]", "text", KindString, true, "", false},
		{"retry[2]", "@condition", KindBool, true, "", true},
		{"retry[2]", "@count", KindInt, true, "", true},
		{"retry[2]", "@interval", KindInt, true, "", true},
		{"retry[2]/unknown-thing[1]", "@k", KindString, true, "", false},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Sites fragment (-want +got):\n%s", diff)
	}

	snip := b.snippet(b.E("rate-limit-by-key", A("calls", "5"), A("renewal-period", "60"),
		A("counter-key", "@(context.Request.IpAddress)"), A("increment-condition", "@(true)")))
	got = summarize(Sites(snip))
	want = []siteSummary{
		{"rate-limit-by-key[1]", "@calls", KindInt, true, "", true},
		{"rate-limit-by-key[1]", "@renewal-period", KindInt, true, "", true},
		{"rate-limit-by-key[1]", "@counter-key", KindString, true, "", true},
		{"rate-limit-by-key[1]", "@increment-condition", KindBool, true, "", true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Sites snippet (-want +got):\n%s", diff)
	}
	if Sites(nil) != nil || Sites(&parser.Document{}) != nil {
		t.Error("Sites of an empty document must be nil")
	}
}

func TestSitesEnumAndDecl(t *testing.T) {
	b := &builder{}
	s := Sites(b.snippet(b.E("set-header", A("name", "h"), A("exists-action", "skip"))))
	if len(s) != 2 || s[1].Decl == nil || s[1].Decl.Name != "exists-action" || len(s[1].Enum) != 4 {
		t.Fatalf("enum site wrong: %+v", s)
	}
}
