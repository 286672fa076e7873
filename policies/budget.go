package policies

import (
	"slices"
	"strings"
	"sync"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/namedvalues"
)

// requestGone is the error of a long step that stopped because the
// request's context ended (client gone or deadline passed), as RunAll
// reports between steps.
func requestGone(r *Run, err error) error {
	return &Error{Source: "request", Reason: "ClientConnectionFailure", Message: "the client closed the connection", Status: 499, Err: err}
}

// Begin prepares a run before its first statement: the expression budget
// (from the environment's limits), the set of tainted values, and the trace
// masking what Redact masks.
func (r *Run) Begin() {
	if r.Ctx.Budget == nil || r.taint == nil {
		st := &runState{budget: dotnet.RequestBudget{Timeout: expressions.DefaultTimeBudget, MaxBytes: expressions.DefaultMemoryBudget}}
		if r.Env != nil {
			if r.Env.ExprTimeout != 0 {
				st.budget.Timeout = r.Env.ExprTimeout
			}
			if r.Env.ExprMaxBytes != 0 {
				st.budget.MaxBytes = r.Env.ExprMaxBytes
			}
			st.budget.Pool = r.Env.ExprPool
		}
		if r.Context != nil {
			st.budget.Done = r.Context.Done()
		}
		if r.Ctx.Budget == nil {
			r.Ctx.Budget = &st.budget
		}
		if r.taint == nil {
			r.taint = &st.taint
		}
	}
	if r.Trace != nil && r.Trace.Redact == nil {
		r.Trace.Redact = r.Redact
	}
}

// End gives the request's share of the gateway's expression memory back
// (Begin's counterpart; the engine calls it when the pipeline is done).
func (r *Run) End() {
	if r.Ctx != nil {
		r.Ctx.Budget.Release()
	}
}

// runState is what Begin adds to a run, in one allocation.
type runState struct {
	budget dotnet.RequestBudget
	taint  taintSet
}

// Taint marks v as secret for the rest of the request: Redact masks it
// wherever it appears (traces, logs, errors), as it masks secret named
// values. Acquired access tokens and the results of expressions whose text
// holds a secret named value are tainted.
func (r *Run) Taint(v string) {
	if len(v) < minTaintLength {
		return // masking "1" or "" would mask everything
	}
	if r.taint == nil {
		r.taint = &taintSet{}
	}
	t := r.taint
	t.mu.Lock()
	defer t.mu.Unlock()
	if !slices.Contains(t.values, v) {
		t.values = append(t.values, v)
		slices.SortFunc(t.values, func(a, b string) int { return len(b) - len(a) }) // longest first
	}
}

// taintSet is shared by the copies of a run (wait's branches).
type taintSet struct {
	mu     sync.Mutex
	values []string
}

// minTaintLength is the shortest value Taint masks.
const minTaintLength = 4

// Redact masks the secret named values (Env.Redact) and the values tainted
// in this request in s.
func (r *Run) Redact(s string) string {
	if r.Env != nil && r.Env.Redact != nil {
		s = r.Env.Redact(s)
	}
	if r.taint == nil {
		return s
	}
	r.taint.mu.Lock()
	defer r.taint.mu.Unlock()
	// longest first, so a tainted value holding another is masked whole
	for _, v := range r.taint.values {
		s = strings.ReplaceAll(s, v, namedvalues.Mask)
	}
	return s
}

// secretSafeMessage is a compiler message over expanded text that names the
// secret named values the text came from instead of quoting them: an error
// inside a secret's text names the value, and a quoted fragment of a
// secret's value becomes {{name}}.
func secretSafeMessage(exp namedvalues.Expansion, lookup namedvalues.LookupFunc, orig int, msg string) string {
	for _, ref := range exp.Refs {
		if !ref.Secret {
			continue
		}
		if ref.Offset == orig {
			return "the expression is not valid inside the text of secret named value '" + ref.Name + "' (its value is not shown)"
		}
		nv, found, _ := lookup(ref.Resolved)
		if !found || nv.Value == "" {
			continue
		}
		msg = maskQuoted(msg, nv.Value, "{{"+ref.Name+"}}")
	}
	return msg
}

// maskQuoted replaces every '…' quoted part of msg that overlaps secret
// (is a part of it, or holds it) by name, and any remaining occurrence of
// secret itself.
func maskQuoted(msg, secret, name string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(msg, '\'')
		if i < 0 {
			break
		}
		j := strings.IndexByte(msg[i+1:], '\'')
		if j < 0 {
			break
		}
		q := msg[i+1 : i+1+j]
		b.WriteString(msg[:i+1])
		if q != "" && (strings.Contains(secret, q) || strings.Contains(q, secret)) {
			b.WriteString(name)
		} else {
			b.WriteString(q)
		}
		b.WriteByte('\'')
		msg = msg[i+2+j:]
	}
	b.WriteString(msg)
	return strings.ReplaceAll(b.String(), secret, name)
}
