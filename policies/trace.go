package policies

import (
	"log/slog"
	"strings"

	"github.com/policygate/policygate/parser"
)

// trace writes a message to the request trace and to the log:
//
//	<trace source="PetStore API" severity="verbose|information|error">
//	    <message>@(...)</message>   <!-- or, in the older form, the message as the text -->
//	    <metadata name="..." value="..." />   <!-- 0..n -->
//	</trace>
//
// source is a literal; severity defaults to verbose. The message and the
// metadata names and values may be expressions. The message goes to
// r.Trace (when tracing is on for the request), tagged with the source and
// followed by the metadata as " name=value" pairs; the log line carries the
// source, the message and each metadata entry as attributes, at level
// Debug (verbose), Info (information) or Error (error).
type traceStep struct {
	source   string
	severity slog.Level
	message  *Value
	metadata []traceMetadata
}

type traceMetadata struct{ name, value *Value }

var _ Step = (*traceStep)(nil)

func init() { Register("trace", newTrace) }

func newTrace(el *parser.Element, c *Compiler) (Step, error) {
	s := &traceStep{message: &Value{}}
	if src, ok := c.Attr(el, "source", KindString).Literal(); ok {
		s.source = src
	}
	sev, _ := c.Attr(el, "severity", KindString).Literal()
	switch strings.ToLower(sev) {
	case "", "verbose":
		s.severity = slog.LevelDebug
	case "information":
		s.severity = slog.LevelInfo
	case "error":
		s.severity = slog.LevelError
	default:
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<trace> severity must be verbose, information or error, not %q", sev)
	}
	hasMessage := false
	for _, ch := range el.Children {
		switch ch.Name {
		case "message":
			s.message = c.Text(ch, KindString, false)
			hasMessage = true
		case "metadata":
			s.metadata = append(s.metadata, traceMetadata{name: c.Attr(ch, "name", KindString), value: c.Attr(ch, "value", KindString)})
		}
	}
	if !hasMessage && el.Text != nil {
		s.message = c.Text(el, KindString, false) // the older form: the message as the text
	}
	return s, nil
}

func (s *traceStep) Exec(r *Run) error {
	msg, err := s.message.String(r)
	if err != nil {
		return err
	}
	attrs := []slog.Attr{slog.String("source", s.source), slog.String("message", r.Redact(msg))}
	var tb strings.Builder
	tb.WriteString(msg)
	for _, m := range s.metadata {
		n, err := m.name.String(r)
		if err != nil {
			return err
		}
		v, err := m.value.String(r)
		if err != nil {
			return err
		}
		attrs = append(attrs, slog.String(n, r.Redact(v)))
		tb.WriteString(" " + n + "=" + v)
	}
	if r.Trace != nil {
		r.Trace.Message(s.source, tb.String())
	}
	if r.Env != nil && r.Env.Logger != nil {
		r.Env.Logger.LogAttrs(r, s.severity, "trace", attrs...)
	}
	return nil
}
