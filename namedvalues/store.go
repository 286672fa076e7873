package namedvalues

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
)

// EnvPrefix starts the environment variables that override named values.
const EnvPrefix = "POLICYGATE_NV_"

// EnvVar returns the environment variable that overrides the named value
// name: EnvPrefix followed by the name upper-cased, with every character
// that is not an ASCII letter or digit replaced by '_'. For example
// "backend-url.v2" is overridden by POLICYGATE_NV_BACKEND_URL_V2.
//
// An override replaces the value from files, maps and Key Vault, and Key
// Vault refresh leaves it alone. It is also how secret values are supplied:
// APIM never exports the value of a secret named value, so an APIOps
// extract has none, and LoadDir reports such a value as missing unless its
// variable is set. Names that differ only in punctuation ("a-b", "a.b")
// share a variable.
func EnvVar(name string) string {
	b := []byte(EnvPrefix + name)
	for i := len(EnvPrefix); i < len(b); i++ {
		c := b[i]
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		default:
			b[i] = '_'
		}
	}
	return string(b)
}

// Option configures LoadDir and FromMap.
type Option func(*config)

type config struct {
	env      func(string) (string, bool)
	resolver SecretResolver
	files    Files
}

// WithEnv sets the function used to read override variables (default
// os.LookupEnv). Nil disables overrides.
func WithEnv(lookup func(key string) (string, bool)) Option {
	return func(c *config) { c.env = lookup }
}

// WithResolver sets the resolver of Key Vault-backed values (see Refresh).
func WithResolver(r SecretResolver) Option {
	return func(c *config) { c.resolver = r }
}

func newConfig(opts []Option) config {
	c := config{env: os.LookupEnv}
	for _, o := range opts {
		o(&c)
	}
	return c
}

type entry struct {
	nv     NamedValue
	pinned bool // set from the environment; refresh leaves it alone
}

// Store is a set of named values, safe for concurrent use. Lookup is
// case-insensitive but prefers an exact match, and names that differ only in
// case cannot both be stored, so a lookup has at most one answer.
//
// A Store is usually built once per configuration by LoadDir or FromMap and
// then only read, except that Refresh updates Key Vault-backed values in
// place and signals Changed.
type Store struct {
	mu       sync.RWMutex
	byName   map[string]*entry
	byFold   map[string]string // lower-cased name → stored name
	redactor *strings.Replacer // nil when no secret values
	retired  []string          // replaced secret values, still masked
	resolver SecretResolver
	env      func(string) (string, bool)
	changed  chan struct{}
}

// NewStore returns an empty store. Options set the resolver and the
// environment lookup used by Set.
func NewStore(opts ...Option) *Store {
	c := newConfig(opts)
	return &Store{
		byName:   map[string]*entry{},
		byFold:   map[string]string{},
		resolver: c.resolver,
		env:      c.env,
		changed:  make(chan struct{}, 1),
	}
}

// FromMap returns a store of plain (not secret) values, one per map entry,
// overridden from the environment (see EnvVar). Invalid entries are
// reported and left out.
func FromMap(m map[string]string, opts ...Option) (*Store, []error) {
	s := NewStore(opts...)
	names := slices.Sorted(maps.Keys(m))
	var errs []error
	for _, n := range names {
		if err := s.Set(NamedValue{Name: n, Value: m[n], Source: "map"}); err != nil {
			errs = append(errs, err)
		}
	}
	return s, errs
}

// Set adds nv, or replaces the value stored under the same name. The
// environment override (see EnvVar) is applied first. It fails when the
// name or the value is invalid, or when another name differing only in case
// is stored. A Key Vault-backed value may have an empty Value until it is
// fetched. Error messages never contain the value.
func (s *Store) Set(nv NamedValue) error {
	if err := ValidateName(nv.Name); err != nil {
		return err
	}
	pinned := false
	if s.env != nil {
		if v, ok := s.env(EnvVar(nv.Name)); ok {
			nv.Value, nv.Source, pinned = v, "env:"+EnvVar(nv.Name), true
		}
	}
	if nv.KeyVault != nil {
		nv.Secret = true
	}
	if nv.Value != "" || nv.KeyVault == nil {
		if err := ValidateValue(nv.Value); err != nil {
			return fmt.Errorf("named value %q (%s): %w", nv.Name, nv.Source, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fold := strings.ToLower(nv.Name)
	if other, ok := s.byFold[fold]; ok && other != nv.Name {
		return fmt.Errorf("%w: %q differs from %q only in case", ErrDuplicate, nv.Name, other)
	}
	if old, ok := s.byName[nv.Name]; ok && (old.nv.Secret || old.nv.KeyVault != nil) && old.nv.Value != "" && old.nv.Value != nv.Value {
		s.retireLocked(old.nv.Value)
	}
	s.byFold[fold] = nv.Name
	s.byName[nv.Name] = &entry{nv: nv, pinned: pinned}
	s.rebuildRedactorLocked()
	return nil
}

// Lookup finds the named value name. An exact match is preferred; failing
// that, a match ignoring case is returned with caseMismatch set, which the
// caller reports as a warning (APIM's own case rule is undocumented).
func (s *Store) Lookup(name string) (nv NamedValue, found, caseMismatch bool) {
	if s == nil {
		return NamedValue{}, false, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e, ok := s.byName[name]; ok {
		return e.nv, true, false
	}
	if n, ok := s.byFold[strings.ToLower(name)]; ok {
		return s.byName[n].nv, true, true
	}
	return NamedValue{}, false, false
}

// Names returns the stored names, sorted.
func (s *Store) Names() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Sorted(maps.Keys(s.byName))
}

// Len returns the number of stored named values.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.byName)
}

// Redact returns s with every occurrence of a secret value replaced by
// Mask; longer values are replaced first, so a secret that contains another
// is masked whole. Values that a secret had before it was replaced (by Set
// or a Key Vault rotation) stay masked, up to MaxRetired of them. Use it on anything derived from expanded text before it
// reaches a trace, a log or an error message.
func (s *Store) Redact(text string) string {
	if s == nil {
		return text
	}
	s.mu.RLock()
	r := s.redactor
	s.mu.RUnlock()
	if r == nil {
		return text
	}
	return r.Replace(text)
}

// MaxRetired is how many replaced secret values a Store keeps masking.
const MaxRetired = 64

// retireLocked keeps masking a secret value that is being replaced.
func (s *Store) retireLocked(v string) {
	s.retired = append(s.retired, v)
	if len(s.retired) > MaxRetired {
		s.retired = s.retired[len(s.retired)-MaxRetired:]
	}
}

func (s *Store) rebuildRedactorLocked() {
	secrets := append([]string(nil), s.retired...)
	for _, e := range s.byName {
		if (e.nv.Secret || e.nv.KeyVault != nil) && e.nv.Value != "" {
			secrets = append(secrets, e.nv.Value)
		}
	}
	if len(secrets) == 0 {
		s.redactor = nil
		return
	}
	// strings.Replacer tries old strings in argument order at each
	// position, so longest first masks a secret containing another whole.
	sort.Slice(secrets, func(i, j int) bool {
		if len(secrets[i]) != len(secrets[j]) {
			return len(secrets[i]) > len(secrets[j])
		}
		return secrets[i] < secrets[j]
	})
	args := make([]string, 0, 2*len(secrets))
	for _, v := range secrets {
		args = append(args, v, Mask)
	}
	s.redactor = strings.NewReplacer(args...)
}

// Changed returns a channel that receives a value after a refresh changed at
// least one value (the first fetch of a Key Vault value counts). Notifications coalesce: one pending signal stands for
// any number of changes, so the gateway rebuilds once and then reads the
// current values.
func (s *Store) Changed() <-chan struct{} { return s.changed }

func (s *Store) notify() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}
