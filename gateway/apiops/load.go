package apiops

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway/doclimit"
	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/parser"
)

// Diagnostic codes of this package, stable for tests and tools. JSON and
// YAML syntax errors use parser.CodeParse.
const (
	// CodeBadConfig reports a file whose content is wrong: a missing or
	// invalid property, or a reference to something that does not exist.
	CodeBadConfig = "bad_config"
	// CodeUnsupported reports (as a warning) something that is read but not
	// used, such as a GraphQL or WADL specification.
	CodeUnsupported = "unsupported"
	// CodeSkipped reports (as a warning) an item left out of the
	// configuration, such as a subscription without keys.
	CodeSkipped = "skipped"
)

// Option configures Load.
type Option func(*options)

type options struct {
	env    func(string) (string, bool)
	nvOpts []namedvalues.Option
	extras *Extras
	fsys   fs.FS
	cache  *Cache
	lazy   *lazyOpenAPI
	tables map[string]*OperationTable
	// unchanged is WithUnchanged's.
	unchanged func(dir string) bool
}

// lazyOpenAPI is WithLazyOpenAPI's setting.
type lazyOpenAPI struct{ report func(parser.Errors) }

// WithLazyOpenAPI makes Load read, of each OpenAPI specification, only what
// routing needs (operations, ids, query templates) and leave what the
// OpenAPI library builds (response examples for mock-response,
// definitions for the validation policies) to the first request that
// needs it. That library is most of a load's time. The problems it finds
// (a document it cannot load, one that does not validate) are then not
// returned by Load but passed to report when an API's operations first
// need them (once per API folder read); an operation whose document the
// library cannot load has no examples or definition. For a configuration
// client, whose server has already loaded the same folder eagerly and
// refused it on such errors.
func WithLazyOpenAPI(report func(parser.Errors)) Option {
	return func(o *options) { o.lazy = &lazyOpenAPI{report: report} }
}

// WithEnv sets the function that reads environment variables, for
// subscription keys and named value overrides (default os.LookupEnv).
func WithEnv(lookup func(key string) (string, bool)) Option {
	return func(o *options) { o.env = lookup }
}

// WithNamedValueOptions passes options to namedvalues.LoadDir, such as a
// Key Vault resolver. They are applied after the environment set by
// WithEnv.
func WithNamedValueOptions(opts ...namedvalues.Option) Option {
	return func(o *options) { o.nvOpts = append(o.nvOpts, opts...) }
}

// WithExtras makes Load fill x with what the folder holds beyond
// engine.Config: backend TLS, circuit breaker and pool settings, and the
// version sets. x is only filled when Load succeeds.
func WithExtras(x *Extras) Option {
	return func(o *options) { o.extras = x }
}

// Folder spellings. The extractor has written both over time.
var (
	apisDirs        = []string{"apis"}
	productsDirs    = []string{"products"}
	backendsDirs    = []string{"backends"}
	subsDirs        = []string{"subscriptions"}
	fragmentsDirs   = []string{"policy fragments", "policyFragments"}
	versionSetsDirs = []string{"version sets", "versionSets", "apiVersionSets"}
)

// loader holds the state of one Load.
type loader struct {
	dir   string
	files namedvalues.Files
	opts  options
	errs  parser.Errors
	cfg   *engine.Config
	extra *Extras
	// apis by id, every revision; for membership and scope checks.
	apis map[string][]*engine.API
	// versionSets by id, for apiVersionSetId.
	versionSets map[string]*VersionSet
	// finish holds the steps that wait for specifications parsed in
	// the background; loadAPIs runs them in order.
	finish []func()
	// pre holds the files of the API folder being read through the
	// cache, read once to hash them; seen is the folders of this Load.
	pre  folderFiles
	seen map[string]*apiEntry
}

// Load reads the APIOps artifact folder dir into a configuration. It
// returns every problem found, sorted by position; when any of them is an
// error the configuration is nil. Warnings come with a configuration.
func Load(dir string, opts ...Option) (*engine.Config, parser.Errors) {
	l := &loader{
		dir:  dir,
		opts: options{env: os.LookupEnv},
		cfg: &engine.Config{
			Products:  map[string]*engine.Product{},
			Backends:  map[string]*engine.Backend{},
			Fragments: map[string]*engine.PolicyDoc{},
		},
		extra:       &Extras{Backends: map[string]*BackendDetails{}, VersionSets: map[string]*VersionSet{}},
		apis:        map[string][]*engine.API{},
		versionSets: map[string]*VersionSet{},
	}
	for _, o := range opts {
		o(&l.opts)
	}
	l.files = namedvalues.Files{FS: l.opts.fsys, Root: dir}
	if c := l.opts.cache; c != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		l.beginCache()
		defer l.endCache()
	}
	if st, err := l.files.Stat(dir); err != nil || !st.IsDir() {
		if err == nil {
			err = errors.New("not a directory")
		}
		return nil, parser.Errors{{Pos: parser.Pos{File: dir, Line: 1, Col: 1}, Code: CodeBadConfig, Msg: "cannot read configuration folder", Err: err}}
	}
	l.cfg.Global = l.policy(filepath.Join(dir, "policy.xml"))
	l.loadNamedValues()
	l.loadFragments()
	l.loadVersionSets()
	l.loadAPIs()
	l.loadProducts()
	l.loadBackends()
	l.loadSubscriptions()
	l.loadCertificates()
	l.loadSchemas()
	// Decide before sorting: Sort caps the list, which could drop the
	// only error behind many warnings.
	failed := l.errs.HasErrors()
	errs := l.errs.Sort()
	if failed {
		return nil, errs
	}
	if l.opts.extras != nil {
		*l.opts.extras = *l.extra
	}
	if len(errs) == 0 {
		errs = nil
	}
	return l.cfg, errs
}

// errorf records an error at p.
func (l *loader) errorf(p parser.Pos, code, format string, args ...any) {
	l.errs = append(l.errs, &parser.Error{Pos: p, Code: code, Msg: fmt.Sprintf(format, args...)})
}

// warnf records a warning at p.
func (l *loader) warnf(p parser.Pos, code, format string, args ...any) {
	l.errs = append(l.errs, &parser.Error{Pos: p, Code: code, Severity: parser.SeverityWarning, Msg: fmt.Sprintf(format, args...)})
}

// ioError records a failure to read path.
func (l *loader) ioError(path string, err error) {
	l.errs = append(l.errs, &parser.Error{Pos: parser.Pos{File: path, Line: 1, Col: 1}, Code: CodeBadConfig, Msg: "cannot read: " + err.Error(), Err: err})
}

// findDir returns the first existing folder among the spellings, or "".
// Two spellings present at once is an error: their contents would merge
// silently otherwise.
func (l *loader) findDir(names []string) string {
	found := ""
	for _, n := range names {
		p := filepath.Join(l.dir, n)
		if st, err := l.files.Stat(p); err == nil && st.IsDir() {
			if found != "" {
				l.errorf(parser.Pos{File: p, Line: 1, Col: 1}, CodeBadConfig, "both %q and %q exist; keep one", filepath.Base(found), n)
				continue
			}
			found = p
		}
	}
	return found
}

// subdirs lists the folders inside dir, sorted; a missing dir gives none.
func (l *loader) subdirs(dir string) []string {
	if dir == "" {
		return nil
	}
	entries, err := l.files.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			l.ioError(dir, err)
		}
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// policy returns the policy document at path, or nil when there is none.
func (l *loader) policy(path string) *engine.PolicyDoc {
	if src, ok := l.pre.get(path); ok {
		return &engine.PolicyDoc{File: path, Source: src}
	}
	src, err := l.files.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		l.ioError(path, err)
		return nil
	}
	return &engine.PolicyDoc{File: path, Source: src}
}

// jsonFile is a decoded JSON file kept with its text, to position problems.
type jsonFile struct {
	path string
	src  []byte
}

// pos returns the position of byte offset off.
func (f *jsonFile) pos(off int) parser.Pos {
	src := f.src
	off = max(0, min(off, len(src)))
	line := 1 + bytes.Count(src[:off], []byte("\n"))
	start := bytes.LastIndexByte(src[:off], '\n') + 1
	return parser.Pos{File: f.path, Line: line, Col: 1 + utf8.RuneCount(src[start:off]), Offset: off}
}

// keyPos returns the position of the value of the first property named key,
// or of the key itself when no value follows, or 1:1 when absent.
func (f *jsonFile) keyPos(key string) parser.Pos {
	i := bytes.Index(f.src, []byte(`"`+key+`"`))
	if i < 0 {
		return f.pos(0)
	}
	j := i + len(key) + 2
	for j < len(f.src) && (f.src[j] == ' ' || f.src[j] == '\t' || f.src[j] == '\r' || f.src[j] == '\n' || f.src[j] == ':') {
		j++
	}
	if j < len(f.src) {
		return f.pos(j)
	}
	return f.pos(i)
}

// strPos returns the position of the JSON string s, or 1:1 when absent.
func (f *jsonFile) strPos(s string) parser.Pos {
	b, _ := json.Marshal(s)
	return f.pos(max(0, bytes.Index(f.src, b)))
}

// suffixPos returns the position of the first JSON string ending in
// suffix (such as an ARM id "/backends/b1" for "b1"), or 1:1.
func (f *jsonFile) suffixPos(suffix string) parser.Pos {
	b, _ := json.Marshal(suffix)
	i := bytes.Index(f.src, b[1:])
	if i < 0 {
		return f.pos(0)
	}
	return f.pos(bytes.LastIndexByte(f.src[:i+1], '"'))
}

// readFile reads a file of the folder, at most doclimit.MaxBytes of it.
func (l *loader) readFile(path string) ([]byte, error) {
	if src, ok := l.pre.get(path); ok {
		return src, nil
	}
	if l.files.FS == nil {
		return doclimit.ReadFile(path)
	}
	src, err := l.files.ReadFile(path)
	if err == nil {
		if err = doclimit.CheckSize(src); err != nil {
			err = fmt.Errorf("%s: %w", path, err)
		}
	}
	return src, err
}

// readJSON reads path into v. It returns the file (for positions) and
// whether it exists and decoded; problems are recorded.
func (l *loader) readJSON(path string, v any) (*jsonFile, bool) {
	src, err := l.readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false
	}
	if err != nil {
		l.ioError(path, err)
		return nil, false
	}
	f := &jsonFile{path: path, src: bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))}
	if err := decodeJSON(f.src, v); err != nil {
		p := f.pos(0)
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			// Offset counts the offending byte; point at it.
			p = f.pos(int(se.Offset) - 1)
		case errors.As(err, &te):
			if field := te.Field[strings.LastIndexByte(te.Field, '.')+1:]; field != "" {
				p = f.keyPos(field)
			} else {
				// The top-level value has the wrong type; the offset is
				// just after it, so point at its start.
				p = f.pos(len(f.src) - len(bytes.TrimLeft(f.src, " \t\r\n")))
			}
		case errors.Is(err, io.ErrUnexpectedEOF):
			p = f.pos(len(f.src))
		case errors.Is(err, errTrailing):
			p = f.pos(trailingOffset(f.src))
		}
		l.errs = append(l.errs, &parser.Error{Pos: p, Code: parser.CodeParse, Msg: "invalid JSON: " + err.Error(), Err: err})
		return f, false
	}
	return f, true
}

var errTrailing = errors.New("unexpected data after the JSON value")

// decodeJSON decodes one JSON value and rejects trailing data; an empty
// file counts as an empty object.
func decodeJSON(src []byte, v any) error {
	if len(bytes.TrimSpace(src)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errTrailing
	}
	return nil
}

// trailingOffset finds the start of data after the first JSON value.
func trailingOffset(src []byte) int {
	dec := json.NewDecoder(bytes.NewReader(src))
	var v any
	_ = dec.Decode(&v)
	off := int(dec.InputOffset())
	for off < len(src) && (src[off] == ' ' || src[off] == '\t' || src[off] == '\r' || src[off] == '\n') {
		off++
	}
	return off
}

// lastSegment returns the last segment of an ARM id such as
// "/apiVersionSets/versionSet1" or a full resource id.
func lastSegment(id string) string {
	id = strings.TrimRight(id, "/")
	return id[strings.LastIndexByte(id, '/')+1:]
}

// loadNamedValues fills Config.NamedValues.
func (l *loader) loadNamedValues() {
	l.findDir(namedvalues.DirNames) // only to report both spellings at once
	opts := append([]namedvalues.Option{namedvalues.WithEnv(l.opts.env), namedvalues.WithFiles(l.files)}, l.opts.nvOpts...)
	store, errs := namedvalues.LoadDir(l.dir, opts...)
	for _, err := range errs {
		var pe *parser.Error
		if errors.As(err, &pe) {
			l.errs = append(l.errs, pe)
			continue
		}
		l.errs = append(l.errs, &parser.Error{Pos: parser.Pos{File: l.dir, Line: 1, Col: 1}, Code: CodeBadConfig, Msg: err.Error(), Err: err})
	}
	l.cfg.NamedValues = store
}

// fragmentInfo is policyFragmentInformation.json.
type fragmentInfo struct {
	Name       string `json:"name"`
	Properties struct {
		Description string `json:"description"`
		Format      string `json:"format"`
		Value       string `json:"value"`
	} `json:"properties"`
}

// loadFragments fills Config.Fragments: the fragment id is the folder name.
func (l *loader) loadFragments() {
	root := l.findDir(fragmentsDirs)
	for _, name := range l.subdirs(root) {
		dir := filepath.Join(root, name)
		var in fragmentInfo
		f, ok := l.readJSON(filepath.Join(dir, "policyFragmentInformation.json"), &in)
		if ok && in.Name != "" && in.Name != name {
			l.warnf(f.keyPos("name"), CodeUnsupported, "policy fragment %q: name %q is ignored; the fragment id is the folder name", name, in.Name)
		}
		if ok {
			switch strings.ToLower(in.Properties.Format) {
			case "", "xml", "rawxml":
			default:
				l.errorf(f.keyPos("format"), CodeBadConfig, "policy fragment %q: unknown format %q (want xml or rawxml)", name, in.Properties.Format)
				continue
			}
		}
		doc := l.policy(filepath.Join(dir, "policy.xml"))
		if doc == nil && ok && in.Properties.Value != "" {
			// An inline value (ARM shape) when no policy.xml was written.
			// Positions then count from the JSON file, which is approximate.
			doc = &engine.PolicyDoc{File: f.path, Source: []byte(in.Properties.Value)}
		}
		if doc == nil {
			if f == nil {
				continue // not a fragment folder
			}
			l.errorf(f.pos(0), CodeBadConfig, "policy fragment %q has no policy.xml", name)
			continue
		}
		l.cfg.Fragments[name] = doc
	}
}

// WithFiles makes Load read the folder from fsys, whose root stands for
// dir, instead of the disk; positions still name files below dir. The
// configuration client loads snapshots this way, from memory.
func WithFiles(fsys fs.FS) Option {
	return func(o *options) { o.fsys = fsys }
}
