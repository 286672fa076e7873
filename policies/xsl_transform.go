package policies

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies/xslt"
)

// xsl-transform applies an XSLT 1.0 stylesheet to the request body
// (inbound) or the response body (outbound):
//
//	<xsl-transform>
//	    <parameter name="User-Agent">@(expression) | text</parameter>
//	    <xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">…</xsl:stylesheet>
//	</xsl-transform>
//
// The stylesheet is compiled once at load (errors at their line in the
// policy file) and run by libxslt (package xslt). Each parameter is passed
// as a string to the stylesheet's xsl:param of that name (the statement in
// the docs says parameter-name, their examples say name: both are read).
// The result, serialized as the stylesheet's xsl:output says, replaces the
// body; headers are left as they are. A body that is not well-formed XML,
// or a transform that fails or outlives the expression time budget, is a
// policy error (500, LastError Source xsl-transform), as .NET's
// XslCompiledTransform throws.
//
// A build without cgo has no XSLT engine: the policy is then unsupported
// (warning at load; a request reaching it fails closed).
type xslTransform struct {
	params []xslParam
	sheet  *xslt.Stylesheet
}

type xslParam struct {
	name  string
	value *Value
}

var _ Step = (*xslTransform)(nil)

func init() {
	if xslt.Available {
		Register("xsl-transform", compileXSLTransform)
	} else {
		unsupportedWhy["xsl-transform"] = "this build has no XSLT engine: it was built without cgo and libxslt"
	}
}

func compileXSLTransform(el *parser.Element, c *Compiler) (Step, error) {
	params, sheet, errs := readXSLTransform(el)
	c.Errs = append(c.Errs, errs...)
	s := &xslTransform{sheet: sheet}
	for _, k := range params {
		p := xslParam{name: xslParamName(k), value: &Value{}}
		if k.Text != nil {
			p.value = c.Value(k.Text, KindString, false)
		}
		s.params = append(s.params, p)
	}
	return s, nil
}

// readXSLTransform reads an xsl-transform's opaque content: its named
// <parameter> elements and its compiled stylesheet (nil with errors when it
// does not compile). Lint calls it too, so validate reports what loading
// would.
func readXSLTransform(el *parser.Element) (params []*parser.Element, sheet *xslt.Stylesheet, errs parser.Errors) {
	kids, errs := el.Content()
	errorf := func(pos parser.Pos, format string, args ...any) {
		errs = append(errs, &parser.Error{Pos: pos, Code: parser.CodeBadStructure, Msg: fmt.Sprintf(format, args...)})
	}
	var sheetEl *parser.Element
	next := -1 // index in kids of the element after the stylesheet
	for i, k := range kids {
		switch local := k.Name[strings.IndexByte(k.Name, ':')+1:]; {
		case k.Name == "parameter":
			if xslParamName(k) == "" {
				errorf(k.Pos, "<parameter> of <xsl-transform> needs a name")
				continue
			}
			params = append(params, k)
		case (local == "stylesheet" || local == "transform") && sheetEl == nil:
			sheetEl = k
			next = i + 1
		default:
			errorf(k.Pos, "<%s> is not allowed in <xsl-transform>: it holds <parameter> elements and one <xsl:stylesheet>", k.Name)
		}
	}
	if sheetEl == nil {
		errorf(el.Pos, "<xsl-transform> needs an <xsl:stylesheet>")
		return params, nil, errs
	}
	end := parser.Pos{Offset: -1}
	if next < len(kids) {
		end = kids[next].Pos
	}
	sheet, err := xslt.Compile([]byte(sourceBetween(el.Text, sheetEl.Pos, end)))
	if err != nil {
		pos := sheetEl.Pos
		var xe *xslt.Error
		if errors.As(err, &xe) && xe.Line > 1 {
			pos.Line += xe.Line - 1
			pos.Col = max(xe.Col, 1)
		}
		errorf(pos, "the stylesheet of <xsl-transform> does not compile: %s", xsltMessage(err))
	}
	return params, sheet, errs
}

// xslParamName is a <parameter>'s name: the docs' statement says
// parameter-name, their examples say name.
func xslParamName(k *parser.Element) string {
	for _, n := range []string{"name", "parameter-name"} {
		if a := k.Attr(n); a != nil && a.Value != nil && a.Value.Text != "" {
			return a.Value.Text
		}
	}
	return ""
}

// lintXSLTransforms checks the stylesheets of the xsl-transform elements
// under el.
func lintXSLTransforms(el *parser.Element) parser.Errors {
	var out parser.Errors
	for _, ch := range el.Children {
		if ch.Name == "xsl-transform" && IsImplemented(Lookup(ch.Name)) {
			_, _, errs := readXSLTransform(ch)
			out = append(out, errs...)
		} else if !ch.Opaque {
			out = append(out, lintXSLTransforms(ch)...)
		}
	}
	return out
}

// sourceBetween is the part of an opaque element's text (which keeps the
// inner source verbatim) from the element at from up to the one at to (to's
// Offset -1: the end), white space trimmed at the end.
func sourceBetween(v *parser.Value, from, to parser.Pos) string {
	if v == nil {
		return ""
	}
	lo, hi := -1, len(v.Text)
	for i := 0; i <= len(v.Text); i++ {
		o := v.PosOf(i).Offset
		if lo < 0 && o >= from.Offset {
			lo = i
		}
		if to.Offset >= 0 && o >= to.Offset {
			hi = i
			break
		}
	}
	if lo < 0 || lo > hi {
		return ""
	}
	return strings.TrimRight(v.Text[lo:hi], " \t\r\n")
}

// xsltMessage is an xslt error without the position that the load error
// already names.
func xsltMessage(err error) string {
	var xe *xslt.Error
	if errors.As(err, &xe) {
		return xe.Msg
	}
	return err.Error()
}

func (s *xslTransform) Exec(r *Run) error {
	params := make(map[string]string, len(s.params))
	for _, p := range s.params {
		v, err := p.value.String(r)
		if err != nil {
			return err
		}
		params[p.name] = v
	}
	var src []byte
	if body := targetBody(r); body != nil {
		src = body.Bytes()
	}
	var limit time.Duration
	if r.Ctx.Budget != nil {
		limit = r.Ctx.Budget.Timeout
	}
	out, err := s.sheet.Transform(r.Context, src, params, limit)
	switch {
	case errors.Is(err, xslt.ErrStopped) && r.Context != nil && r.Context.Err() != nil:
		return requestGone(r, err)
	case err != nil:
		return &Error{Source: "xsl-transform", Reason: "XslTransformFailed", Status: http.StatusInternalServerError,
			Message: "xsl-transform: " + r.Redact(err.Error()), Err: err}
	}
	setTargetBody(r, out)
	return nil
}
