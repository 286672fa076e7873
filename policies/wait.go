package policies

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/policygate/policygate/parser"
)

// wait runs its immediate children in parallel and waits for all of them,
// or for the first one to complete.
//
//	<wait for="all | any">
//	    <send-request … /> | <cache-lookup-value … /> | <choose> … </choose>   <!-- 1..n -->
//	</wait>
//
// Concurrency model. The branches share the request: context.Variables,
// the request and response, Run.Scratch. None of those is safe for
// concurrent use, so every branch runs its policies while holding one lock
// per wait; a branch lets go of it only while it waits on something slow
// that touches no shared state: the network round trip of send-request and
// the sleep between retry attempts (see flowUnlocked). The branches
// therefore overlap exactly where the time goes, and the policies in them
// need no locking of their own. A wait nested in a branch of another wait
// shares the outer lock (the branch hands it over while it waits).
//
// Each branch has its own Run (own context, own Stmt); changes a branch makes
// to the run's routing state (BackendURL, RelPath, Backend, Forwarded) are
// copied back when the wait ends, in the order the branches finished.
//
// for="all": the wait ends when every branch has ended; the first branch
// error cancels the others and is the wait's error. for="any": the first
// branch to end ends the wait (its error, if any, is the wait's error); the
// others are cancelled — a send-request cancelled that way leaves its
// variable untouched — and the wait returns once they have stopped.
type waitPolicy struct {
	mode     *Value
	branches []*Stmt
}

var _ Step = (*waitPolicy)(nil)

func init() { Register("wait", compileWait) }

func compileWait(el *parser.Element, c *Compiler) (Step, error) {
	w := &waitPolicy{mode: c.Attr(el, "for", KindEnum)}
	if lit, ok := w.mode.Literal(); ok && w.mode.Present && !validWaitMode(lit) {
		c.Errorf(w.mode.Pos(), parser.CodeBadAttribute, "for must be all or any, not %q", lit)
	}
	w.branches = c.Statements(c.Path(), el.Children)
	return w, nil
}

func validWaitMode(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "all", "any":
		return true
	}
	return false
}

// flowLockKey is the context key of the lock of the wait whose branch is
// running.
type flowLockKey struct{}

// flowLockOf returns the lock held by the running wait branch, or nil.
func flowLockOf(r *Run) *sync.Mutex {
	if r.Context == nil {
		return nil
	}
	l, _ := r.Context.Value(flowLockKey{}).(*sync.Mutex)
	return l
}

// flowUnlocked runs fn with the wait lock released when r is a wait branch,
// so that the other branches run meanwhile. fn must not touch the run's
// shared state (r.Ctx, r.Scratch).
func flowUnlocked(r *Run, fn func()) {
	if l := flowLockOf(r); l != nil {
		l.Unlock()
		defer l.Lock()
	}
	fn()
}

type waitResult struct {
	run *Run
	err error
}

// waitBranch runs one branch, turning a panic into a policy error (the
// engine's recovery does not reach other goroutines).
func waitBranch(s *Stmt, br *Run) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &Failure{Err: &Error{Source: s.Name, Message: fmt.Sprint("internal error: ", v), Status: http.StatusInternalServerError}, Stmt: s, Section: br.Section}
		}
	}()
	return s.Exec(br)
}

// Exec runs the branches and waits for all or any of them.
func (w *waitPolicy) Exec(r *Run) error {
	mode, err := w.mode.StringOr(r, "all")
	if err != nil {
		return err
	}
	mode = strings.ToLower(strings.TrimSpace(mode))
	if !validWaitMode(mode) {
		return &Error{Reason: ReasonExpression, Message: fmt.Sprintf("Expression evaluation failed. for must be all or any, not %q.", mode), Status: 500}
	}
	if len(w.branches) == 0 {
		return nil
	}
	outer := flowLockOf(r)
	lock := outer
	ctx, cancel := context.WithCancel(r.Context)
	defer cancel()
	if lock == nil {
		lock = &sync.Mutex{}
		ctx = context.WithValue(ctx, flowLockKey{}, lock)
	}
	if r.Scratch == nil {
		r.Scratch = map[string]any{} // shared by the branches, so it must exist first
	}
	orig := *r
	results := make(chan waitResult, len(w.branches))
	if outer != nil {
		outer.Unlock() // this run is itself a branch: let the new branches have the lock
	}
	for _, s := range w.branches {
		br := *r
		br.Context = ctx
		go func() {
			lock.Lock()
			err := waitBranch(s, &br)
			lock.Unlock()
			results <- waitResult{run: &br, err: err}
		}()
	}
	first := mode == "any"
	var finished []*Run
	stopped := false
	for range w.branches {
		res := <-results
		finished = append(finished, res.run)
		if stopped {
			continue // a cancelled branch's outcome does not count
		}
		if res.err != nil || first {
			err, stopped = res.err, true
			cancel()
		}
	}
	if outer != nil {
		outer.Lock()
	}
	for _, br := range finished {
		if br.BackendURL != orig.BackendURL {
			r.BackendURL = br.BackendURL
		}
		if br.RelPath != orig.RelPath {
			r.RelPath = br.RelPath
		}
		if br.Backend != orig.Backend {
			r.Backend = br.Backend
		}
		if br.Forwarded != orig.Forwarded {
			r.Forwarded = br.Forwarded
		}
	}
	return err
}
