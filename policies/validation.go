package policies

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/parser"
)

// Shared half of the content validation policies (validate-content,
// validate-parameters, validate-headers, validate-status-code): actions,
// the documented error records, and what prevent and detect do with them.

// Validation actions.
const (
	actIgnore  = "ignore"
	actDetect  = "detect"
	actPrevent = "prevent"
)

// Reasons of a prevented validation (the documented Reason values).
const (
	ReasonValidationBadRequest       = "Bad request"
	ReasonValidationResponseNotAllow = "Response not allowed"
)

// publicInternal is the public answer of every response-side error and of
// schema problems.
const publicInternal = "The request could not be processed due to an internal error. Contact the API owner."

// validationError is one documented validation error: the record that goes
// to errors-variable-name and the logs, plus the client's text.
type validationError struct {
	Name, Type, Rule, Details, Action string
	Public                            string // "" means publicInternal
}

// validationRun collects the errors of one policy run.
type validationRun struct {
	policy  string
	varName string
	errs    []validationError
}

// actionValue is an action attribute: literal or expression.
type actionValue struct{ v *Value }

func (c *Compiler) action(el *parser.Element, name string) actionValue {
	v := c.Attr(el, name, KindString)
	if lit, ok := v.Literal(); ok && v.Present && !hasUnknownNamedValue(lit) && normAction(lit) == "" {
		c.Errorf(v.Pos(), parser.CodeBadAttribute, "%s must be ignore, prevent or detect, not %q", name, lit)
	}
	return actionValue{v}
}

func normAction(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case actIgnore:
		return actIgnore
	case actDetect:
		return actDetect
	case actPrevent:
		return actPrevent
	}
	return ""
}

// get evaluates the action; def applies when the attribute is absent.
func (a actionValue) get(r *Run, def string) (string, error) {
	if a.v == nil || !a.v.Present {
		return def, nil
	}
	s, err := a.v.String(r)
	if err != nil {
		return "", err
	}
	if n := normAction(s); n != "" {
		return n, nil
	}
	return "", &Error{Reason: ReasonExpression, Message: "validation action must be ignore, prevent or detect, not " + s, Status: http.StatusInternalServerError}
}

// add records an error found with action act. It returns the policy error
// to stop with when act is prevent ("Processing is interrupted when the
// first set of errors is detected").
func (v *validationRun) add(r *Run, act string, e validationError) error {
	if act == actIgnore || act == "" {
		return nil
	}
	e.Action = act
	v.errs = append(v.errs, e)
	if r.Env != nil && r.Env.Logger != nil {
		r.Env.Logger.Warn("validation error", slog.String("policy", v.policy), slog.String("name", e.Name),
			slog.String("type", e.Type), slog.String("validationRule", e.Rule), slog.String("details", e.Details), slog.String("action", act))
	}
	if act != actPrevent {
		return nil
	}
	return v.prevent(r, e)
}

func (v *validationRun) prevent(r *Run, e validationError) error {
	v.flush(r)
	pe := &Error{Source: v.policy, Message: e.Details}
	if r.IsRequestSection() {
		pe.Reason, pe.Status = ReasonValidationBadRequest, http.StatusBadRequest
		pe.Body = e.Public
	} else {
		pe.Reason, pe.Status = ReasonValidationResponseNotAllow, http.StatusBadGateway
		pe.Body = publicInternal
	}
	if pe.Body == "" {
		pe.Body = publicInternal
	}
	return pe
}

// flush stores the collected errors in errors-variable-name: a JArray of
// {Name, Type, ValidationRule, Details, Action} objects, appended to one an
// earlier validation policy left there.
func (v *validationRun) flush(r *Run) {
	if v.varName == "" || len(v.errs) == 0 || r.Ctx.Variables == nil {
		return
	}
	arr, _ := r.Ctx.Variables.Get(v.varName)
	ja, ok := arr.(*dotnet.JArray)
	if !ok {
		ja = dotnet.NewJArray()
	}
	for _, e := range v.errs {
		o := dotnet.NewJObject()
		for _, kv := range [][2]string{{"Name", e.Name}, {"Type", e.Type}, {"ValidationRule", e.Rule}, {"Details", e.Details}, {"Action", e.Action}} {
			jv, _ := dotnet.NewJValue(kv[1])
			o.Set(kv[0], jv)
		}
		ja.Append(o)
	}
	r.Ctx.Variables.Set(v.varName, ja)
	v.errs = nil
}

// strongest returns the most severe of actions (prevent > detect > ignore).
func strongest(acts ...string) string {
	out := actIgnore
	for _, a := range acts {
		switch {
		case a == actPrevent:
			return actPrevent
		case a == actDetect:
			out = actDetect
		}
	}
	return out
}

// noSchema is the documented error of a validation against an API without
// a definition of the operation.
func noSchema() validationError {
	return validationError{Type: "ApiSchema", Details: "API's schema does not exist or it could not be resolved."}
}

// schemaOptions are the kin-openapi options of one validation.
func schemaOptions(spec *OperationSpec, request bool) []openapi3.SchemaValidationOption {
	opts := []openapi3.SchemaValidationOption{openapi3.VisitAsResponse()}
	if request {
		opts[0] = openapi3.VisitAsRequest()
	}
	if spec != nil && spec.JSONSchema2020 {
		opts = append(opts, openapi3.EnableJSONSchema2020())
	}
	return opts
}

// schemaMessage renders a kin-openapi validation error as one line, with
// where in the value it failed.
func schemaMessage(err error) (msg string, pointer []string) {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		msg = se.Reason
		if msg == "" {
			msg = se.Error()
		}
		pointer = se.JSONPointer()
		if len(pointer) > 0 {
			msg += " Path: '" + strings.Join(pointer, ".") + "'."
		}
		return msg, pointer
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		if re.Err != nil {
			return schemaMessage(re.Err)
		}
		return re.Reason, nil
	}
	return err.Error(), nil
}

// jsonPosition finds the line and column (1-based) just past the value at
// pointer in a JSON text, as Newtonsoft reports positions; 0, 0 when the
// pointer cannot be followed.
func jsonPosition(data []byte, pointer []string) (line, col int) {
	dec := json.NewDecoder(bytes.NewReader(data))
	end, ok := seekJSON(dec, pointer)
	if !ok {
		return 0, 0
	}
	line = 1 + bytes.Count(data[:end], []byte{'\n'})
	col = end - (bytes.LastIndexByte(data[:end], '\n') + 1)
	return line, col
}

// seekJSON reads the value at pointer from dec and returns the offset just
// past its first token.
func seekJSON(dec *json.Decoder, pointer []string) (int, bool) {
	tok, err := dec.Token()
	if err != nil {
		return 0, false
	}
	if len(pointer) == 0 {
		return int(dec.InputOffset()), true
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return 0, false
	}
	want := pointer[0]
	for i := 0; dec.More(); i++ {
		key := strconv.Itoa(i)
		if d == '{' {
			k, err := dec.Token()
			if err != nil {
				return 0, false
			}
			key, _ = k.(string)
		}
		if key == want {
			return seekJSON(dec, pointer[1:])
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return 0, false
		}
	}
	return 0, false
}

// bodySchemaOptions are schemaOptions for validating a body against s,
// without the request/response direction when no schema reachable from s
// is readOnly or writeOnly: there the direction changes no result, and it
// costs kin-openapi a sorted copy of the property names of every object it
// visits and a deep copy of the value for each oneOf/anyOf branch. known
// keeps the answer per schema (schemas are immutable once loaded); it lives
// with the compiled policy, so it goes with the configuration.
func bodySchemaOptions(spec *OperationSpec, s *openapi3.Schema, request bool, known *sync.Map) []openapi3.SchemaValidationOption {
	if spec != nil && spec.JSONSchema2020 || schemaHasDirection(s, known) {
		return schemaOptions(spec, request)
	}
	return nil
}

// schemaHasDirection reports whether s or a schema below it (properties,
// items, additionalProperties, allOf/anyOf/oneOf/not) is readOnly or
// writeOnly.
func schemaHasDirection(s *openapi3.Schema, known *sync.Map) bool {
	if s == nil {
		return false
	}
	if v, ok := known.Load(s); ok {
		return v.(bool)
	}
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.Schema) bool
	walk = func(s *openapi3.Schema) bool {
		if s == nil || seen[s] {
			return false
		}
		seen[s] = true
		if s.ReadOnly || s.WriteOnly {
			return true
		}
		refs := append(append(append(openapi3.SchemaRefs{s.Items, s.Not, s.AdditionalProperties.Schema}, s.AllOf...), s.AnyOf...), s.OneOf...)
		for _, p := range s.Properties {
			refs = append(refs, p)
		}
		for _, r := range refs {
			if r != nil && walk(r.Value) {
				return true
			}
		}
		return false
	}
	v, _ := known.LoadOrStore(s, walk(s))
	return v.(bool)
}
