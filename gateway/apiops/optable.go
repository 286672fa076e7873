package apiops

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"slices"
	"strings"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/parser"
)

// OperationTable is what routing needs of one OpenAPI specification: its
// operations in definition order, as Load finds them. A configuration
// server sends one with each specification (WithOperationTables), so that
// its gateways route without parsing the document.
type OperationTable struct {
	// Swagger says OpenAPI 2 (else 3); Line and Col are where the
	// document's top mapping starts.
	Swagger bool        `json:"swagger,omitempty"`
	Line    int         `json:"line"`
	Col     int         `json:"col"`
	Ops     []TableOp   `json:"ops"`
	Diags   []TableDiag `json:"diags,omitempty"`
}

// TableOp is one operation of a table; Line and Col are its method key's.
type TableOp struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Method string `json:"method"`
	Path   string `json:"path"`
	// Query is the template of the required query parameters
	// ("?a={a}"), added to Path unless the API keeps them as query
	// parameters or Path has a query already.
	Query string `json:"query,omitempty"`
	Line  int    `json:"line"`
	Col   int    `json:"col"`
}

// TableDiag is a warning the scan found.
type TableDiag struct {
	Line int    `json:"line"`
	Col  int    `json:"col"`
	Code string `json:"code"`
	Msg  string `json:"msg"`
}

// IsSpecification reports whether a file is named as an API folder's
// OpenAPI specification.
func IsSpecification(name string) bool { return slices.Contains(specNames, path.Base(name)) }

// SpecSum is the key of a specification's table: the hex SHA-256 of its
// content.
func SpecSum(src []byte) string {
	s := sha256.Sum256(src)
	return hex.EncodeToString(s[:])
}

// ScanOperations reads a specification's operation table (file, whose
// extension says JSON or YAML, only names it in positions). ok is false
// when the document has errors: Load reports them.
func ScanOperations(file string, src []byte) (t *OperationTable, ok bool) {
	_, s := scanSpec(file, src, true)
	if s.failed || s.errs.HasErrors() {
		return nil, false
	}
	t = &OperationTable{Swagger: s.swagger, Line: s.top.Line, Col: s.top.Col, Ops: make([]TableOp, len(s.ops))}
	for i, op := range s.ops {
		o := s.order[i]
		t.Ops[i] = TableOp{ID: op.ID, Name: op.Name, Method: op.Method, Path: o.path, Query: op.URLTemplate[len(o.path):], Line: o.pos.Line, Col: o.pos.Col}
	}
	for _, e := range s.errs {
		t.Diags = append(t.Diags, TableDiag{Line: e.Pos.Line, Col: e.Pos.Col, Code: e.Code, Msg: e.Msg})
	}
	return t, true
}

// scanned is the table as scanSpec would have returned it for file.
func (t *OperationTable) scanned(file string, queryTemplates bool) scannedSpec {
	s := scannedSpec{swagger: t.Swagger, top: parser.Pos{File: file, Line: t.Line, Col: t.Col}}
	for _, o := range t.Ops {
		op := &engine.Operation{ID: o.ID, Name: o.Name, Method: o.Method, URLTemplate: o.Path}
		if queryTemplates && !strings.Contains(o.Path, "?") {
			op.URLTemplate += o.Query
		}
		s.ops = append(s.ops, op)
		s.order = append(s.order, specOp{path: o.Path, method: strings.ToLower(o.Method), pos: parser.Pos{File: file, Line: o.Line, Col: o.Col}})
	}
	for _, d := range t.Diags {
		s.errs = append(s.errs, &parser.Error{Pos: parser.Pos{File: file, Line: d.Line, Col: d.Col}, Code: d.Code, Severity: parser.SeverityWarning, Msg: d.Msg})
	}
	return s
}

// WithOperationTables gives Load operation tables by SpecSum: a
// specification that has one is not parsed to find its operations. With
// WithLazyOpenAPI, such a document is only parsed when a request needs
// its examples or definitions.
func WithOperationTables(tables map[string]*OperationTable) Option {
	return func(o *options) { o.tables = tables }
}
