//go:build cgo

// Package xsd validates XML documents against XML Schema 1.0 with libxml2
// (Debian: libxml2-dev, which libxslt1-dev brings), through cgo. Go has no
// maintained XML Schema engine of its own.
//
// Schemas are compiled once and are safe for concurrent validations. A
// schema cannot load anything: xs:include and xs:import of another
// location fail (the external entity loader refuses every URI), and
// documents are parsed without network access, DTD loading or entity
// substitution. Built without cgo, Available is false and Compile fails.
package xsd

/*
#cgo pkg-config: libxml-2.0
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

// pgx_err keeps the first error of one call.
typedef struct { char msg[1024]; int line; int col; int n; } pgx_err;

static void pgx_keep(pgx_err *pe, const xmlError *e) {
	if (pe == NULL || e == NULL || pe->n++ > 0) return;
	if (e->message != NULL) strncpy(pe->msg, e->message, sizeof(pe->msg) - 1);
	pe->line = e->line;
	pe->col = e->int2;
}

static void pgx_structured(void *ctx, xmlErrorPtr e) { pgx_keep(ctx, e); }

static xmlParserInputPtr pgx_noload(const char *url, const char *id, xmlParserCtxtPtr ctxt) { return NULL; }

static void pgx_silent(void *ctx, const char *fmt, ...) {}

// pgx_init refuses every external load and keeps libxml2 from printing
// (its messages reach the caller through pgx_err), in this thread and as
// the default of new ones.
static void pgx_init(void) {
	xmlInitParser();
	xmlSetExternalEntityLoader(pgx_noload);
	xmlThrDefSetGenericErrorFunc(NULL, pgx_silent);
	xmlSetGenericErrorFunc(NULL, pgx_silent);
}

static xmlSchemaPtr pgx_compile(const char *src, int n, pgx_err *pe) {
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewMemParserCtxt(src, n);
	if (pc == NULL) return NULL;
	xmlSetGenericErrorFunc(NULL, pgx_silent); // this thread's handler
	xmlSchemaSetParserStructuredErrors(pc, pgx_structured, pe);
	xmlSchemaPtr s = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	return s;
}

static const int pgx_parse_opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;

// pgx_validate validates the document, or with soap the element children
// of the SOAP Body (the envelope's shape is checked before). It returns 0
// when valid, 1 when not, -1 when the document does not parse.
static int pgx_validate(xmlSchemaPtr s, const char *src, int n, int soap, pgx_err *pe) {
	xmlParserCtxtPtr pc = xmlNewParserCtxt();
	if (pc == NULL) return -1;
	xmlDocPtr doc = xmlCtxtReadMemory(pc, src, n, "body", NULL, pgx_parse_opts);
	if (doc == NULL) {
		pgx_keep(pe, xmlCtxtGetLastError(pc));
		xmlFreeParserCtxt(pc);
		return -1;
	}
	xmlFreeParserCtxt(pc);
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(s);
	if (vc == NULL) { xmlFreeDoc(doc); return -1; }
	xmlSchemaSetValidStructuredErrors(vc, pgx_structured, pe);
	int rc = 0;
	if (!soap) {
		rc = xmlSchemaValidateDoc(vc, doc);
	} else {
		xmlNodePtr env = xmlDocGetRootElement(doc);
		for (xmlNodePtr c = env ? env->children : NULL; c != NULL && rc == 0; c = c->next) {
			if (c->type != XML_ELEMENT_NODE || c->ns == NULL || env->ns == NULL || strcmp((const char *)c->name, "Body") != 0 ||
				strcmp((const char *)c->ns->href, (const char *)env->ns->href) != 0) continue;
			for (xmlNodePtr p = c->children; p != NULL && rc == 0; p = p->next) {
				if (p->type == XML_ELEMENT_NODE) rc = xmlSchemaValidateOneElement(vc, p);
			}
		}
	}
	xmlSchemaFreeValidCtxt(vc);
	xmlFreeDoc(doc);
	return rc == 0 ? 0 : 1;
}
*/
import "C"

import (
	"runtime"
	"strings"
	"unsafe"
)

// Available tells whether this build can validate against XML schemas.
const Available = true

func init() { C.pgx_init() }

// Schema is a compiled XML schema.
type Schema struct{ s *C.xmlSchema }

// Compile parses an XML schema document.
func Compile(src []byte) (*Schema, error) {
	if len(src) == 0 {
		return nil, &Error{Msg: "the schema is empty"}
	}
	pe := (*C.pgx_err)(C.calloc(1, C.size_t(unsafe.Sizeof(C.pgx_err{}))))
	defer C.free(unsafe.Pointer(pe))
	csrc := C.CBytes(src)
	defer C.free(csrc)
	s := C.pgx_compile((*C.char)(csrc), C.int(len(src)), pe)
	if s == nil {
		return nil, errorOf(pe, "the schema does not compile")
	}
	sch := &Schema{s: s}
	runtime.SetFinalizer(sch, func(sch *Schema) { C.xmlSchemaFree(sch.s) })
	return sch, nil
}

// Validate checks doc against the schema; with soap, doc is a SOAP
// envelope and the element children of its Body are validated. It returns
// nil, or an *Error with the first problem and its position in doc.
func (s *Schema) Validate(doc []byte, soap bool) error {
	pe := (*C.pgx_err)(C.calloc(1, C.size_t(unsafe.Sizeof(C.pgx_err{}))))
	defer C.free(unsafe.Pointer(pe))
	cdoc := C.CBytes(doc)
	defer C.free(cdoc)
	soapFlag := C.int(0)
	if soap {
		soapFlag = 1
	}
	rc := C.pgx_validate(s.s, (*C.char)(cdoc), C.int(len(doc)), soapFlag, pe)
	runtime.KeepAlive(s)
	switch rc {
	case 0:
		return nil
	case -1:
		return errorOf(pe, "the body is not well-formed XML")
	}
	return errorOf(pe, "the body does not conform to the schema")
}

func errorOf(pe *C.pgx_err, def string) *Error {
	msg := strings.Join(strings.Fields(C.GoString(&pe.msg[0])), " ")
	if msg == "" {
		msg = def
	}
	return &Error{Line: int(pe.line), Col: int(pe.col), Msg: msg}
}
