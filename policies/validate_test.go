package policies

import (
	"fmt"
	"strings"
	"testing"

	"github.com/policygate/policygate/parser"
)

type wantDiag struct {
	code string
	warn bool
	msg  string // substring of the message
}

func (w wantDiag) String() string {
	sev := "error"
	if w.warn {
		sev = "warning"
	}
	return fmt.Sprintf("%s %s %q", sev, w.code, w.msg)
}

func errD(code, msg string) wantDiag  { return wantDiag{code: code, msg: msg} }
func warnD(code, msg string) wantDiag { return wantDiag{code: code, warn: true, msg: msg} }

const (
	cStruct  = parser.CodeBadStructure
	cAttr    = parser.CodeBadAttribute
	cUnknown = parser.CodeUnknownPolicy
)

// checkDiags asserts that got holds exactly the wanted diagnostics, in any
// order.
func checkDiags(t *testing.T, got parser.Errors, want []wantDiag) {
	t.Helper()
	used := make([]bool, len(got))
	for _, w := range want {
		found := false
		for i, g := range got {
			if used[i] || g.Code != w.code || (g.Severity == parser.SeverityWarning) != w.warn || !strings.Contains(g.Msg, w.msg) {
				continue
			}
			used[i], found = true, true
			break
		}
		if !found {
			t.Errorf("missing diagnostic %v", w)
		}
	}
	for i, g := range got {
		if !used[i] {
			t.Errorf("unexpected diagnostic: %v (%v)", g, g.Severity)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		build func(b *builder) *parser.Document
		opts  ValidateOptions
		want  []wantDiag
	}{
		{
			name: "valid document",
			build: func(b *builder) *parser.Document {
				return b.policiesDoc(
					b.section("inbound",
						b.E("base"),
						b.E("set-header", A("name", "X-A"), A("exists-action", "Override"), b.E("value", txt("@(context.RequestId)"))),
						b.E("choose",
							b.E("when", A("condition", "@(true)"), b.E("set-variable", A("name", "v"), A("value", "1"))),
							b.E("otherwise", b.E("return-response", b.E("set-status", A("code", "401"), A("reason", "No"))))),
						b.E("rate-limit-by-key", A("calls", "{{calls}}"), A("renewal-period", "60"), A("counter-key", "@(context.Request.IpAddress)"), A("id", "rl"))),
					b.section("backend", b.E("forward-request", A("timeout", "30"), A("buffer-response", "FALSE"))),
					b.section("outbound", b.E("base"), b.E("set-body", txt("<x>{{y}}</x>"))),
					b.section("on-error", b.E("base"), b.E("set-body", A("template", "liquid"), txt("{{body}}"))),
				)
			},
		},
		{
			name: "sections out of order and duplicated",
			build: func(b *builder) *parser.Document {
				return b.policiesDoc(b.section("outbound"), b.section("inbound"), b.section("outbound"))
			},
			want: []wantDiag{
				warnD(cStruct, "section <inbound> should come before <outbound>"),
				errD(cStruct, "duplicate section <outbound>"),
			},
		},
		{
			name: "unexpected elements under policies",
			build: func(b *builder) *parser.Document {
				return b.policiesDoc(b.E("set-header", A("name", "x")), b.E("inbund"))
			},
			want: []wantDiag{
				errD(cStruct, "policy <set-header> must be inside a section"),
				errD(cStruct, "unexpected element <inbund> in <policies>"),
			},
		},
		{
			name: "wrong root",
			build: func(b *builder) *parser.Document {
				return doc(parser.KindDocument, b.E("policy"))
			},
			want: []wantDiag{errD(cStruct, "document root must be <policies>")},
		},
		{
			name: "policy not allowed in section",
			build: func(b *builder) *parser.Document {
				return b.policiesDoc(
					b.section("inbound", b.E("forward-request")),
					b.section("outbound", b.E("set-method", txt("GET"))),
				)
			},
			want: []wantDiag{
				errD(cStruct, "policy <forward-request> is not allowed in section inbound; allowed in: backend"),
				errD(cStruct, "policy <set-method> is not allowed in section outbound; allowed in: inbound, on-error"),
			},
		},
		{
			name: "section rule applies inside containers",
			build: func(b *builder) *parser.Document {
				return b.policiesDoc(b.section("outbound",
					b.E("choose", b.E("when", A("condition", "true"), b.E("rewrite-uri", A("template", "/x"))))))
			},
			want: []wantDiag{errD(cStruct, "policy <rewrite-uri> is not allowed in section outbound")},
		},
		{
			name: "unknown policy with suggestion",
			build: func(b *builder) *parser.Document {
				return b.policiesDoc(b.section("inbound", b.E("set-headers", A("name", "x")), b.E("frobnicate-everything-now")))
			},
			want: []wantDiag{
				errD(cUnknown, "unknown policy <set-headers>; did you mean <set-header>?"),
				errD(cUnknown, "unknown policy <frobnicate-everything-now>"),
			},
		},
		{
			name: "base placement",
			build: func(b *builder) *parser.Document {
				return b.policiesDoc(b.section("inbound",
					b.E("base"), b.E("base"),
					b.E("choose", b.E("when", A("condition", "true"), b.E("base")))))
			},
			want: []wantDiag{
				errD(cStruct, "<base/> may appear only once in section inbound"),
				errD(cStruct, "<base/> is only allowed as a direct child of a section"),
			},
		},
		{
			name: "fragment restrictions",
			build: func(b *builder) *parser.Document {
				return b.fragment(
					b.E("inbound"), b.E("base"),
					b.E("include-fragment", A("fragment-id", "f")),
					b.E("forward-request"), // no section check in a fragment
					b.E("set-variable", A("name", "a"), A("value", "b")),
				)
			},
			want: []wantDiag{
				errD(cStruct, "a fragment must not contain sections (<inbound>)"),
				errD(cStruct, "a fragment must not contain <base/>"),
				warnD(cStruct, "a fragment that includes another fragment may be refused by APIM (nested fragments are not documented)"),
			},
		},
		{
			name: "snippet has no section check",
			build: func(b *builder) *parser.Document {
				return b.snippet(b.E("forward-request"), b.E("set-method", txt("POST")), b.E("http-data-source"), b.E("validate-jwtt"))
			},
			want: []wantDiag{errD(cUnknown, "did you mean <validate-jwt>?")},
		},
		{
			name: "resolver policy in a section",
			build: func(b *builder) *parser.Document {
				return b.policiesDoc(b.section("inbound", b.E("http-data-source")))
			},
			want: []wantDiag{errD(cStruct, "<http-data-source> is a GraphQL resolver policy")},
		},
		{
			name: "required and unknown attributes",
			build: func(b *builder) *parser.Document {
				return b.snippet(
					b.E("set-variable", A("name", "x"), A("id", "ok"), A("colour", "red")),
					b.E("set-header", A("xmlns:foo", "urn:x")),
				)
			},
			want: []wantDiag{
				errD(cAttr, `<set-variable> needs exactly one of the attributes or elements value, has 0`),
				warnD(cAttr, `unknown attribute "colour" on <set-variable>`),
				errD(cAttr, `<set-header> is missing required attribute "name"`),
			},
		},
		{
			name: "literal values",
			build: func(b *builder) *parser.Document {
				return b.snippet(
					b.E("rewrite-uri", A("template", "/a"), A("copy-unmatched-params", "yes")),
					b.E("set-status", A("code", "four"), A("reason", "x")),
					b.E("set-header", A("name", "h"), A("exists-action", "replace")),
					b.E("emit-metric", A("name", "m"), A("value", "1.5"), b.E("dimension", A("name", "API ID"))),
					b.E("azure-openai-emit-token-metric", A("value", "lots"), b.E("dimension", A("name", "API ID"))),
					b.E("retry", A("condition", "TRUE"), A("count", " 3 "), A("interval", "{{iv}}")),
				)
			},
			want: []wantDiag{
				errD(cAttr, `attribute "copy-unmatched-params" of <rewrite-uri> must be true or false, not "yes"`),
				errD(cAttr, `attribute "code" of <set-status> must be an integer, not "four"`),
				errD(cAttr, `attribute "exists-action" of <set-header> must be one of override, skip, append, delete, not "replace"`),
				errD(cAttr, `attribute "value" of <azure-openai-emit-token-metric> must be a number`),
			},
		},
		{
			name: "expressions where not allowed",
			build: func(b *builder) *parser.Document {
				return b.snippet(
					b.E("set-variable", A("name", "@(\"x\")"), A("value", "@(1)")),
					b.E("rate-limit", A("calls", "@(5)"), A("renewal-period", "60")),
					b.E("send-request", A("response-variable-name", "r"),
						b.E("set-url", txt("@(\"https://x\")")),
						b.E("set-method", txt("@(\"GET\")"))),
					b.E("set-method", txt("@(\"GET\")")),
				)
			},
			want: []wantDiag{
				errD(cAttr, `policy expressions are not allowed in attribute "name" of <set-variable>`),
				errD(cAttr, `policy expressions are not allowed in attribute "calls" of <rate-limit>`),
				errD(cAttr, `policy expressions are not allowed in the text of <set-method>`),
			},
		},
		{
			name: "children: unknown, lenient, counts, order",
			build: func(b *builder) *parser.Document {
				return b.snippet(
					b.E("set-header", A("name", "h"), b.E("valeu", txt("x"))),
					b.E("validate-content", b.E("future-element")),
					b.E("choose", b.E("otherwise"), b.E("otherwise")),
					b.E("trace", A("source", "s"), b.E("metadata", A("name", "a"), A("value", "b"))),
					b.E("return-response", b.E("set-body", txt("x")), b.E("set-status", A("code", "200"), A("reason", "OK"))),
					b.E("emit-metric", A("name", "m")),
				)
			},
			want: []wantDiag{
				errD(cStruct, "unknown element <valeu> in <set-header>; expected value"),
				warnD(cStruct, "unknown element <future-element> in <validate-content>"),
				errD(cStruct, "<choose> needs at least 1 <when> element(s), has 0"),
				errD(cStruct, "<choose> allows at most 1 <otherwise> element(s), has 2"),
				errD(cStruct, "<trace> needs a <message> element (or the message as its text)"),
				warnD(cStruct, "<set-status> should come before <set-body> in <return-response>"),
				errD(cStruct, "<emit-metric> needs at least 1 <dimension> element(s), has 0"),
			},
		},
		{
			name: "when before otherwise order",
			build: func(b *builder) *parser.Document {
				return b.snippet(b.E("choose", b.E("otherwise"), b.E("when", A("condition", "true"))))
			},
			want: []wantDiag{warnD(cStruct, "<when> should come before <otherwise> in <choose>")},
		},
		{
			name: "text rules",
			build: func(b *builder) *parser.Document {
				return b.snippet(
					b.E("set-method"),
					b.E("find-and-replace", A("from", "a"), A("to", "b"), txt("stray")),
					b.E("ip-filter", A("action", "allow"), b.E("address", txt("10.0.0.1"))),
				)
			},
			want: []wantDiag{
				errD(cStruct, "<set-method> needs a value as its text"),
				warnD(cStruct, "unexpected text in <find-and-replace>"),
			},
		},
		{
			name: "attribute and child groups",
			build: func(b *builder) *parser.Document {
				return b.snippet(
					b.E("set-backend-service", A("base-url", "http://a"), A("backend-id", "b")),
					b.E("set-backend-service"),
					b.E("forward-request", A("timeout", "1"), A("timeout-ms", "5")),
					b.E("ip-filter", A("action", "forbid")),
					b.E("validate-jwt", A("header-name", "Authorization")),
					b.E("quota", A("renewal-period", "60")),
				)
			},
			want: []wantDiag{
				errD(cAttr, "<set-backend-service> needs exactly one of the attributes base-url, backend-id, has 2"),
				errD(cAttr, "<set-backend-service> needs exactly one of the attributes base-url, backend-id, has 0"),
				errD(cAttr, "<forward-request> accepts only one of the attributes timeout, timeout-ms"),
				errD(cStruct, "<ip-filter> needs at least one of the elements address, address-range"),
				errD(cAttr, "<quota> needs at least one of the attributes calls, bandwidth"),
			},
		},
		{
			name: "wait accepts only some statements",
			build: func(b *builder) *parser.Document {
				return b.policiesDoc(b.section("inbound", b.E("wait", A("for", "any"),
					b.E("send-request", A("response-variable-name", "r"), b.E("set-url", txt("http://x")), b.E("set-method", txt("GET"))),
					b.E("set-header", A("name", "h")))))
			},
			want: []wantDiag{errD(cStruct, "policy <set-header> is not allowed inside <wait>; allowed: send-request, cache-lookup-value, choose")},
		},
		{
			name: "once per document and per section",
			build: func(b *builder) *parser.Document {
				return b.policiesDoc(
					b.section("inbound",
						b.E("rate-limit", A("calls", "1"), A("renewal-period", "60")),
						// inside a container it does not count (the service accepts it)
						b.E("choose", b.E("when", A("condition", "true"), b.E("rate-limit", A("calls", "1"), A("renewal-period", "60")))),
						b.E("rate-limit", A("calls", "2"), A("renewal-period", "60")),
						b.E("cache-lookup", A("vary-by-developer", "false"), A("vary-by-developer-groups", "false")),
						b.E("cache-lookup", A("vary-by-developer", "false"), A("vary-by-developer-groups", "false")),
						b.E("cors", b.E("allowed-origins", b.E("origin", txt("*"))))),
					b.section("outbound", b.E("cache-store", A("duration", "10"))),
				)
			},
			want: []wantDiag{
				errD(cStruct, "policy <rate-limit> may appear only once per policy document"),
				errD(cStruct, "policy <cache-lookup> may appear only once per section inbound"),
			},
		},
		{
			name: "scope restriction",
			build: func(b *builder) *parser.Document {
				return b.policiesDoc(b.section("inbound",
					b.E("quota", A("calls", "10"), A("renewal-period", "60")),
					b.E("set-header", A("name", "h"))))
			},
			opts: ValidateOptions{Scope: ScopeAPI},
			want: []wantDiag{errD(cStruct, "policy <quota> is not allowed at api scope; allowed at: product")},
		},
		{
			name: "strict mode reports unimplemented policies",
			build: func(b *builder) *parser.Document {
				return b.snippet(b.E("validate-odata-request"))
			},
			opts: ValidateOptions{Strict: true},
			want: []wantDiag{errD(parser.CodeNotImplemented, "policy <validate-odata-request> is not implemented")},
		},
		{
			name: "non-strict accepts unimplemented policies",
			build: func(b *builder) *parser.Document {
				return b.snippet(b.E("validate-odata-request"))
			},
		},
		{
			name: "nested sections and misplaced statements in containers",
			build: func(b *builder) *parser.Document {
				return b.snippet(b.E("retry", A("condition", "true"), A("count", "2"), A("interval", "1"),
					b.E("inbound"), b.E("set-variable", A("name", "a"), A("value", "b"))))
			},
			want: []wantDiag{errD(cStruct, "section <inbound> cannot be nested")},
		},
		{
			name: "opaque content is not checked",
			build: func(b *builder) *parser.Document {
				return b.snippet(
					b.E("cross-domain", b.E("cross-domain-policy", b.E("allow-access-from", A("domain", "*")))),
					b.E("set-body", txt("<anything/>")),
				)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Validate(tt.build(&builder{}), tt.opts)
			checkDiags(t, got, tt.want)
		})
	}
}

func TestValidatePositions(t *testing.T) {
	b := &builder{}
	fwd := b.E("forward-request", A("timeout", "x"))
	sv := b.E("set-variable", A("name", "v"))
	d := b.policiesDoc(b.section("inbound", fwd, sv))
	got := Validate(d, ValidateOptions{})
	want := map[string]parser.Pos{
		"not allowed in section inbound": fwd.Pos,
		"must be an integer":             fwd.Attrs[0].Pos,
		"needs exactly one of":           sv.Pos,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d diagnostics, want %d: %v", len(got), len(want), got)
	}
	for _, e := range got {
		ok := false
		for sub, pos := range want {
			if strings.Contains(e.Msg, sub) {
				ok = true
				if e.Pos != pos {
					t.Errorf("%q at %v, want %v", e.Msg, e.Pos, pos)
				}
			}
		}
		if !ok {
			t.Errorf("unexpected %v", e)
		}
	}
	for i := 1; i < len(got); i++ {
		if got[i-1].Pos.Line > got[i].Pos.Line {
			t.Errorf("diagnostics not sorted: %v", got)
		}
	}
}

func TestValidateImplementedFlag(t *testing.T) {
	// A declared-only policy without required attributes.
	const name = "validate-odata-request"
	if IsImplemented(Lookup(name)) {
		t.Skipf("%s has an execution half now; pick a declared-only policy", name)
	}
	// SetImplemented changes the registry for the whole binary: restore it
	// so the test repeats (go test -count=N) and others see no change.
	regMu.Lock()
	was, had := implemented[name]
	delete(implemented, name)
	regMu.Unlock()
	t.Cleanup(func() {
		regMu.Lock()
		defer regMu.Unlock()
		if had {
			implemented[name] = was
		} else {
			delete(implemented, name)
		}
	})
	b := &builder{}
	d := b.snippet(b.E(name))
	if errs := Validate(d, ValidateOptions{Strict: true}); len(errs) != 1 || errs[0].Code != parser.CodeNotImplemented {
		t.Fatalf("before SetImplemented: %v", errs)
	}
	SetImplemented(name)
	if errs := Validate(d, ValidateOptions{Strict: true}); len(errs) != 0 {
		t.Fatalf("after SetImplemented: %v", errs)
	}
}

func TestValidateNil(t *testing.T) {
	if errs := Validate(nil, ValidateOptions{}); errs != nil {
		t.Fatalf("got %v", errs)
	}
}
