package policies

import (
	"net/url"
	"strings"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// rewrite-uri replaces the operation-relative part of the backend URL (the
// path after the backend base URL, and the query).
//
//	<rewrite-uri template="/v2/{id}?x={x} | @(expr)" copy-unmatched-params="true | false" />
//
// {name} placeholders take the operation's matched template parameters
// (context.Request.MatchedParameters; unknown names become empty). With
// copy-unmatched-params (default true) the request's query parameters that
// the operation's URL template did not consume are kept after the
// template's own parameters; a parameter the template sets is not copied.
type rewriteURI struct {
	template *Value
	copy     bool
}

var _ Step = (*rewriteURI)(nil)

func init() { Register("rewrite-uri", compileRewriteURI) }

func compileRewriteURI(el *parser.Element, c *Compiler) (Step, error) {
	t := c.Attr(el, "template", KindString)
	if !t.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<rewrite-uri> needs a template")
	}
	cp := true
	if v := c.Attr(el, "copy-unmatched-params", KindBool); v.Present {
		lit, ok := v.Literal()
		switch strings.ToLower(lit) {
		case "true":
		case "false":
			cp = false
		default:
			if ok {
				c.Errorf(v.Pos(), parser.CodeBadAttribute, "copy-unmatched-params must be true or false")
			} else {
				c.Errorf(v.Pos(), parser.CodeBadAttribute, "copy-unmatched-params cannot be an expression")
			}
		}
	}
	return &rewriteURI{template: t, copy: cp}, nil
}

// fillTemplate replaces {name} placeholders with matched parameters, each
// passed through esc.
func fillTemplate(t string, params *expressions.StringMap, esc func(string) string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			break
		}
		b.WriteString(t[:i])
		name := strings.TrimPrefix(strings.TrimSuffix(t[i+1:i+j], "*"), "*")
		b.WriteString(esc(matchedParam(params, name)))
		t = t[i+j+1:]
	}
	b.WriteString(t)
	return b.String()
}

func matchedParam(m *expressions.StringMap, name string) string {
	if m == nil {
		return ""
	}
	if v, ok := m.Values[name]; ok {
		return v
	}
	for k, v := range m.Values {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// templateQueryNames returns the query parameter names of an operation URL
// template ("/get?a={b}&c={d}" → a, c).
func templateQueryNames(tmpl string) map[string]bool {
	out := map[string]bool{}
	_, q, ok := strings.Cut(tmpl, "?")
	if !ok {
		return out
	}
	for _, part := range strings.Split(q, "&") {
		if k, _, _ := strings.Cut(part, "="); k != "" {
			out[k] = true
		}
	}
	return out
}

func (s *rewriteURI) Exec(r *Run) error {
	t, err := s.template.String(r)
	if err != nil {
		return err
	}
	if r.Ctx.Request == nil {
		r.Ctx.Request = &expressions.Request{}
	}
	params := r.Ctx.Request.MatchedParameters
	path, rawQuery, _ := strings.Cut(strings.TrimSpace(t), "?")
	path = fillTemplate(path, params, func(v string) string { return strings.ReplaceAll(url.PathEscape(v), "%2F", "/") })
	// Fill the query with escaped values so a value holding & or = stays one
	// parameter; ParseQuery decodes them again.
	q := expressions.ParseQuery(fillTemplate(rawQuery, params, url.QueryEscape))
	if s.copy {
		consumed := map[string]bool{}
		if r.Ctx.Operation != nil {
			consumed = templateQueryNames(r.Ctx.Operation.URLTemplate)
		}
		if u := r.Ctx.Request.URL; u != nil && u.Query != nil {
			for _, name := range u.Query.Names {
				if consumed[name] {
					continue
				}
				if _, set := q.Values[name]; set {
					continue
				}
				for _, v := range u.Query.Values[name] {
					q.Add(name, v)
				}
			}
		}
	}
	if r.Ctx.Request.URL == nil {
		r.Ctx.Request.URL = &expressions.URL{}
	}
	r.Ctx.Request.URL.Query = q
	r.RelPath = path
	r.SyncURL()
	return nil
}
