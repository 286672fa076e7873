//go:build cgo

// Package xslt runs XSLT 1.0 stylesheets with libxslt, the GNOME project's
// XSLT 1.0 engine (Debian: libxslt1-dev), through cgo. Go has no XSLT
// engine of its own; libxslt is the one most XML tool chains use.
//
// A stylesheet can read no file and open no connection (libxslt's security
// preferences forbid both; document() of a URI fails), documents are parsed
// without network access or DTD loading, and a transform stops when its
// context ends or its time limit passes. Built without cgo, Available is
// false and Compile fails.
package xslt

/*
#cgo pkg-config: libxslt
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/transform.h>
#include <libxslt/xsltutils.h>
#include <libxslt/security.h>
#include <libxslt/variables.h>

// pg_errbuf collects libxslt's messages of one call (at most 2 KiB).
typedef struct { char buf[2048]; int len; } pg_errbuf;

static pthread_mutex_t pg_errmu = PTHREAD_MUTEX_INITIALIZER;

static void pg_err(void *ctx, const char *fmt, ...) {
	pg_errbuf *eb = ctx;
	if (eb == NULL) return;
	pthread_mutex_lock(&pg_errmu);
	int room = (int)sizeof(eb->buf) - 1 - eb->len;
	if (room > 0) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(eb->buf + eb->len, room + 1, fmt, ap);
		va_end(ap);
		if (n > 0) eb->len += n < room ? n : room;
	}
	pthread_mutex_unlock(&pg_errmu);
}

static void pg_silent(void *ctx, const char *fmt, ...) {}

static xsltSecurityPrefsPtr pg_prefs;

static void pg_init(void) {
	xmlInitParser();
	pg_prefs = xsltNewSecurityPrefs();
	xsltSetSecurityPrefs(pg_prefs, XSLT_SECPREF_READ_FILE, xsltSecurityForbid);
	xsltSetSecurityPrefs(pg_prefs, XSLT_SECPREF_WRITE_FILE, xsltSecurityForbid);
	xsltSetSecurityPrefs(pg_prefs, XSLT_SECPREF_CREATE_DIRECTORY, xsltSecurityForbid);
	xsltSetSecurityPrefs(pg_prefs, XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid);
	xsltSetSecurityPrefs(pg_prefs, XSLT_SECPREF_WRITE_NETWORK, xsltSecurityForbid);
	xsltSetDefaultSecurityPrefs(pg_prefs);
	xsltSetGenericErrorFunc(NULL, pg_silent);
	xmlSetGenericErrorFunc(NULL, pg_silent);
}

static const int pg_parse_opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;

// pg_read parses an XML document; on failure it writes the parser's message
// and position to eb, line and col.
static xmlDocPtr pg_read(const char *src, int n, const char *name, pg_errbuf *eb, int *line, int *col) {
	xmlParserCtxtPtr pc = xmlNewParserCtxt();
	if (pc == NULL) return NULL;
	xmlDocPtr doc = xmlCtxtReadMemory(pc, src, n, name, NULL, pg_parse_opts);
	if (doc == NULL) {
		xmlErrorPtr e = xmlCtxtGetLastError(pc);
		if (e != NULL && e->message != NULL) {
			pg_err(eb, "%s", e->message);
			*line = e->line;
			*col = e->int2;
		}
	}
	xmlFreeParserCtxt(pc);
	return doc;
}

// pg_compile compiles a stylesheet. The generic error function is
// process-wide: the Go side holds a lock around the call.
static xsltStylesheetPtr pg_compile(const char *src, int n, pg_errbuf *eb, int *line, int *col) {
	xmlDocPtr doc = pg_read(src, n, "stylesheet", eb, line, col);
	if (doc == NULL) return NULL;
	xsltSetGenericErrorFunc(eb, pg_err);
	xsltStylesheetPtr ss = xsltParseStylesheetDoc(doc);
	xsltSetGenericErrorFunc(NULL, pg_silent);
	if (ss == NULL) {
		xmlFreeDoc(doc);
		return NULL;
	}
	if (ss->errors != 0) {
		xsltFreeStylesheet(ss);
		return NULL;
	}
	return ss;
}

static xsltTransformContextPtr pg_context(xsltStylesheetPtr ss, xmlDocPtr doc, pg_errbuf *eb) {
	xsltTransformContextPtr tc = xsltNewTransformContext(ss, doc);
	if (tc == NULL) return NULL;
	xsltSetTransformErrorFunc(tc, eb, pg_err);
	xsltSetCtxtSecurityPrefs(pg_prefs, tc);
	return tc;
}

// pg_apply runs the transform and serializes its result as the stylesheet's
// xsl:output says. It returns 0 on success.
static int pg_apply(xsltStylesheetPtr ss, xmlDocPtr doc, xsltTransformContextPtr tc, const char **params, xmlChar **out, int *outlen) {
	if (params != NULL && xsltQuoteUserParams(tc, params) != 0) return -1;
	xmlDocPtr res = xsltApplyStylesheetUser(ss, doc, NULL, NULL, NULL, tc);
	if (res == NULL) return -1;
	int rc = -1;
	if (tc->state == XSLT_STATE_OK && xsltSaveResultToString(out, outlen, res, ss) == 0) rc = 0;
	xmlFreeDoc(res);
	return rc;
}

// pg_stop asks a running transform to stop (libxslt checks the state
// between instructions).
static void pg_stop(xsltTransformContextPtr tc) { tc->state = XSLT_STATE_STOPPED; }

static int pg_stopped(xsltTransformContextPtr tc) { return tc->state == XSLT_STATE_STOPPED; }
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// Available tells whether this build can run XSLT.
const Available = true

// bodyName names the document in libxml2's messages.
var bodyName = C.CString("body")

func init() { C.pg_init() }

// Stylesheet is a compiled stylesheet, safe for concurrent transforms.
type Stylesheet struct {
	ss *C.xsltStylesheet
}

var compileMu sync.Mutex

// compileLine finds the position in libxslt's compile messages ("file
// stylesheet line 2 element value-of ...").
var compileLine = regexp.MustCompile(`file stylesheet line (\d+) `)

// Compile parses and compiles an XSLT 1.0 stylesheet.
func Compile(src []byte) (*Stylesheet, error) {
	if len(src) == 0 {
		return nil, &Error{Msg: "the stylesheet is empty"}
	}
	eb := (*C.pg_errbuf)(C.calloc(1, C.size_t(unsafe.Sizeof(C.pg_errbuf{}))))
	defer C.free(unsafe.Pointer(eb))
	csrc := C.CBytes(src)
	defer C.free(csrc)
	var line, col C.int
	compileMu.Lock()
	ss := C.pg_compile((*C.char)(csrc), C.int(len(src)), eb, &line, &col)
	compileMu.Unlock()
	if ss == nil {
		e := &Error{Line: int(line), Col: int(col), Msg: message(eb, "the stylesheet does not compile")}
		if m := compileLine.FindStringSubmatch(e.Msg); e.Line == 0 && m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = strings.Replace(e.Msg, m[0], "", 1)
		}
		return nil, e
	}
	s := &Stylesheet{ss: ss}
	runtime.SetFinalizer(s, func(s *Stylesheet) { C.xsltFreeStylesheet(s.ss) })
	return s, nil
}

// Transform applies the stylesheet to the XML document doc with the given
// string parameters (xsl:param names to values), stopping when ctx ends or
// limit passes (limit 0: no limit of its own).
func (s *Stylesheet) Transform(ctx context.Context, doc []byte, params map[string]string, limit time.Duration) ([]byte, error) {
	eb := (*C.pg_errbuf)(C.calloc(1, C.size_t(unsafe.Sizeof(C.pg_errbuf{}))))
	defer C.free(unsafe.Pointer(eb))
	cdoc := C.CBytes(doc)
	defer C.free(cdoc)
	var line, col C.int
	in := C.pg_read((*C.char)(cdoc), C.int(len(doc)), bodyName, eb, &line, &col)
	if in == nil {
		return nil, &Error{Line: int(line), Col: int(col), Msg: message(eb, "the body is not well-formed XML")}
	}
	defer C.xmlFreeDoc(in)
	tc := C.pg_context(s.ss, in, eb)
	if tc == nil {
		return nil, errors.New("xslt: out of memory")
	}
	defer C.xsltFreeTransformContext(tc)

	cparams, free := cParams(params)
	defer free()

	var mu sync.Mutex
	running := true
	stop := func() {
		mu.Lock()
		if running {
			C.pg_stop(tc)
		}
		mu.Unlock()
	}
	if limit > 0 {
		t := time.AfterFunc(limit, stop)
		defer t.Stop()
	}
	if ctx != nil {
		defer context.AfterFunc(ctx, stop)()
	}
	var out *C.xmlChar
	var outLen C.int
	rc := C.pg_apply(s.ss, in, tc, cparams, &out, &outLen)
	mu.Lock()
	running = false
	mu.Unlock()
	runtime.KeepAlive(s)
	if out != nil {
		defer C.free(unsafe.Pointer(out))
	}
	if C.pg_stopped(tc) != 0 {
		return nil, ErrStopped
	}
	if rc != 0 {
		return nil, &Error{Msg: message(eb, "the transform failed")}
	}
	if int(outLen) > MaxOutput {
		return nil, fmt.Errorf("xslt: the result (%d bytes) exceeds %d bytes", int(outLen), MaxOutput)
	}
	return C.GoBytes(unsafe.Pointer(out), outLen), nil
}

// cParams is params as libxslt's NULL-terminated name, value list (values
// are strings, quoted by xsltQuoteUserParams).
func cParams(params map[string]string) (**C.char, func()) {
	if len(params) == 0 {
		return nil, func() {}
	}
	n := 2*len(params) + 1
	arr := (*[1 << 20]*C.char)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof((*C.char)(nil)))))[:n:n]
	i := 0
	for k, v := range params {
		arr[i], arr[i+1] = C.CString(k), C.CString(v)
		i += 2
	}
	return &arr[0], func() {
		for _, p := range arr {
			if p != nil {
				C.free(unsafe.Pointer(p))
			}
		}
		C.free(unsafe.Pointer(&arr[0]))
	}
}

// message is what libxslt wrote, or def.
func message(eb *C.pg_errbuf, def string) string {
	m := strings.TrimSpace(C.GoStringN(&eb.buf[0], eb.len))
	if m == "" {
		return def
	}
	return strings.Join(strings.Fields(m), " ")
}
