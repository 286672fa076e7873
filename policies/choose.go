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
// ("choose[1]\when[2]\set-header[1]") joined at run time, see runNested.
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
			return runNested(r, w.stmts)
		}
	}
	return runNested(r, s.otherwise)
}

// nestedPathKey is the Run.Scratch entry holding the absolute LastError path
// of the container whose statements are running ("" at section level).
const nestedPathKey = "choose"

// runNested runs a container's statements (r.Stmt is the container) as
// RunAll does, with two differences. Container factories do not learn their
// own path at load time, so nested statements are compiled with paths
// relative to the container ("when[2]\set-header[1]"); runNested prefixes
// the container's absolute path for traces and failures
// ("choose[1]\when[2]\set-header[1]"). And a failure keeps the failing
// nested statement, where Stmt.Exec would re-wrap it in the container's.
//
// Note: Stmt.Exec (runtime.go) re-wraps every error in a Failure of its own
// statement, so the outermost container's statement still reports its own
// path to LastError (keeping the nested policy's Source and Message);
// letting a *Failure pass through Stmt.Exec unchanged makes the full path
// reach LastError.
func runNested(r *Run, stmts []*Stmt) error {
	if len(stmts) == 0 {
		return nil
	}
	if r.Scratch == nil {
		r.Scratch = map[string]any{}
	}
	outer, _ := r.Scratch[nestedPathKey].(string)
	base := r.Stmt.Path
	if outer != "" {
		base = outer + `\` + base
	}
	r.Scratch[nestedPathKey] = base
	defer func() { r.Scratch[nestedPathKey] = outer }()
	abs := func(s *Stmt) *Stmt {
		st := *s
		st.Path = base + `\` + s.Path
		return &st
	}
	for _, s := range stmts {
		prev := r.Stmt
		r.Stmt = s
		start := time.Now()
		err := s.Step.Exec(r)
		r.Stmt = prev
		if r.Trace != nil {
			r.Trace.Add(abs(s), r.Section, time.Since(start), err)
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
			return &Failure{Err: pe, Stmt: abs(s), Section: r.Section}
		}
		if r.Err() != nil {
			return &Error{Source: "request", Reason: "ClientConnectionFailure", Message: "the client closed the connection", Status: 499, Err: r.Err()}
		}
	}
	return nil
}
