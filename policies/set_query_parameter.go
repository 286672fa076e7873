package policies

import (
	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/parser"
)

// set-query-parameter adds, replaces, appends to or removes a query
// parameter of the request forwarded to the backend (inbound, backend).
//
//	<set-query-parameter name="name | @(expr)" exists-action="override | skip | append | delete | @(expr)">
//	    <value>literal | @(expr)</value>   <!-- 0..n -->
//	</set-query-parameter>
//
// It edits context.Request.Url.Query, the one source of the backend URL's
// query: several values are repeated name=value pairs, URL-encoded when the
// URL is serialised. Names match exactly (case-sensitive).
type setQueryParameter struct {
	name   *Value
	action *Value
	values []*Value
}

var _ Step = (*setQueryParameter)(nil)

func init() { Register("set-query-parameter", compileSetQueryParameter) }

func compileSetQueryParameter(el *parser.Element, c *Compiler) (Step, error) {
	name, action, values := compileNameActionValues(el, c)
	return &setQueryParameter{name: name, action: action, values: values}, nil
}

// requestQuery returns context.Request.Url.Query, creating what is missing.
func requestQuery(r *Run) *expressions.Query {
	if r.Ctx.Request == nil {
		r.Ctx.Request = &expressions.Request{}
	}
	if r.Ctx.Request.URL == nil {
		r.SyncURL()
	}
	u := r.Ctx.Request.URL
	if u.Query == nil {
		u.Query = expressions.ParseQuery("")
	}
	if o := r.Ctx.Request.OriginalURL; o != nil && u.Query == o.Query {
		// the gateway shares context.Request.OriginalUrl's query until a
		// policy changes context.Request.Url's
		u.Query = copyQuery(u.Query)
	}
	if u.Query.Values == nil {
		u.Query.Values = map[string][]string{}
	}
	return u.Query
}

func copyQuery(q *expressions.Query) *expressions.Query {
	out := &expressions.Query{Names: append([]string(nil), q.Names...), Values: make(map[string][]string, len(q.Values))}
	for k, vs := range q.Values {
		out.Values[k] = append([]string(nil), vs...)
	}
	return out
}

// deleteQuery removes a parameter from q.
func deleteQuery(q *expressions.Query, name string) {
	if _, ok := q.Values[name]; !ok {
		return
	}
	delete(q.Values, name)
	names := q.Names[:0:0]
	for _, n := range q.Names {
		if n != name {
			names = append(names, n)
		}
	}
	q.Names = names
}

func (s *setQueryParameter) Exec(r *Run) error {
	name, act, err := evalNameAction(r, s.name, s.action)
	if err != nil {
		return err
	}
	if name == "" {
		return nil
	}
	q := requestQuery(r)
	_, exists := q.Values[name]
	switch act {
	case actDelete:
		deleteQuery(q, name)
		return nil
	case actSkip:
		if exists {
			return nil
		}
	}
	vals, err := evalValues(r, s.values)
	if err != nil {
		return err
	}
	if len(vals) == 0 {
		vals = []string{""}
	}
	if act == actOverride && exists {
		// keep the parameter's position, replace its values
		q.Values[name] = vals
		return nil
	}
	for _, v := range vals {
		q.Add(name, v)
	}
	return nil
}
