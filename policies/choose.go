package policies

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/policygate/policygate/parser"
)

// choose runs the policies of the first <when> whose condition is true, or
// those of <otherwise> when none is.
//
//	<choose>
//	    <when condition="@(bool expr) | true | false"> policies </when>   <!-- 1..n -->
//	    <otherwise> policies </otherwise>                               <!-- 0..1 -->
//	</choose>
//
// Conditions are evaluated in document order and only until one is true; a
// condition that is not a Boolean is a runtime error. Nested statements are
// compiled with paths relative to the choose ("when[2]\set-header[1]");
// their failures come back from Exec with the full LastError path
// ("choose[1]\when[2]\set-header[1]") joined at run time, see nestedFailure.
type choose struct {
	whens     []chooseWhen
	otherwise []*Stmt
}

type chooseWhen struct {
	cond  *Value
	stmts []*Stmt
}

var _ Step = (*choose)(nil)

// choose is registered from return_response.go's init: Register needs the
// declaration first, and init functions run in file-name order, so an init
// in choose.go would run before decl_control.go declares choose.

func compileChoose(el *parser.Element, c *Compiler) (Step, error) {
	s := &choose{}
	nWhen := 0
	for _, ch := range el.Children {
		switch ch.Name {
		case "when":
			nWhen++
			cond := c.Attr(ch, "condition", KindBool)
			if !cond.Present {
				c.Errorf(ch.Pos, parser.CodeBadAttribute, "<when> needs a condition")
			}
			s.whens = append(s.whens, chooseWhen{cond: cond, stmts: c.Statements(fmt.Sprintf("when[%d]", nWhen), ch.Children)})
		case "otherwise":
			s.otherwise = c.Statements("otherwise[1]", ch.Children)
		}
	}
	if nWhen == 0 {
		c.Errorf(el.Pos, parser.CodeBadStructure, "<choose> needs at least one <when>")
	}
	return s, nil
}

func (s *choose) Exec(r *Run) error {
	for _, w := range s.whens {
		ok, err := w.cond.Bool(r, false)
		if err != nil {
			return err
		}
		if ok {
			return nestedFailure(r, runNested(r, w.stmts))
		}
	}
	return nestedFailure(r, runNested(r, s.otherwise))
}

// runNested runs a container's statements as RunAll does, except that a
// failure keeps the failing nested statement (Stmt.Exec would re-wrap a
// nested container's failure in its own statement and lose the inner path).
func runNested(r *Run, stmts []*Stmt) error {
	for _, s := range stmts {
		prev := r.Stmt
		r.Stmt = s
		start := time.Now()
		err := s.Step.Exec(r)
		r.Stmt = prev
		if r.Trace != nil {
			r.Trace.Add(s, r.Section, time.Since(start), err)
		}
		if err != nil {
			var f *Failure
			if errors.Is(err, ErrReturnResponse) || errors.As(err, &f) {
				return err
			}
			var pe *Error
			if !errors.As(err, &pe) {
				pe = &Error{Source: s.Name, Message: err.Error(), Status: http.StatusInternalServerError, Err: err}
			}
			if pe.Source == "" {
				pe.Source = s.Name
			}
			return &Failure{Err: pe, Stmt: s, Section: r.Section}
		}
		if r.Err() != nil {
			return &Error{Source: "request", Reason: "ClientConnectionFailure", Message: "the client closed the connection", Status: 499, Err: r.Err()}
		}
	}
	return nil
}

// nestedFailure prefixes the path of a failure raised by a container's
// nested statement with the container's own path (r.Stmt), so LastError
// reports e.g. choose[1]\when[2]\set-header[1]. Container factories do not
// learn their own path at load time, so children are compiled with paths
// relative to the container and joined here, on the failure path only.
//
// Note: Stmt.Exec (runtime.go) currently re-wraps every error in a Failure
// of the container statement, which keeps the nested policy's Source and
// Message but reports the container's path; passing a *Failure through
// there unchanged makes the joined path reach LastError.
func nestedFailure(r *Run, err error) error {
	var f *Failure
	if err == nil || r.Stmt == nil || !errors.As(err, &f) {
		return err
	}
	st := *f.Stmt
	if r.Stmt.Path != "" {
		st.Path = r.Stmt.Path + `\` + st.Path
	}
	return &Failure{Err: f.Err, Stmt: &st, Section: r.Section}
}
