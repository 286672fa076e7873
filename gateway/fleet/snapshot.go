package fleet

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/policygate/policygate/gateway/apiops"
)

// Protocol constants.
const (
	// Format is the snapshot format version this package reads and writes.
	Format = 1
	// DefaultWait is the long-poll wait when the request names none.
	DefaultWait = 30 * time.Second
	// MaxWait caps the long-poll wait.
	MaxWait = 120 * time.Second
	// DefaultHeartbeat is the heartbeat interval (the self-hosted
	// gateway's status interval).
	DefaultHeartbeat = time.Minute
	// ReasonHeader carries the reason of a 401.
	ReasonHeader = "X-Policygate-Auth-Reason"
)

// Snapshot is one gateway's configuration as the server sends it.
type Snapshot struct {
	Format   int       `json:"format"`
	Gateway  string    `json:"gateway"`
	Sequence uint64    `json:"sequence"`
	Hash     string    `json:"hash"`
	Created  time.Time `json:"created"`
	// Assigned is false when the server has no gateways/<name>/apis.json
	// for this gateway: it then serves no API.
	Assigned bool `json:"assigned"`
	// APIs are the assigned API ids.
	APIs []string `json:"apis,omitempty"`
	// Files maps slash-separated paths below the APIOps folder to their
	// content.
	Files map[string][]byte `json:"files"`
	// Values are environment values for the loader (secrets included).
	Values map[string]string `json:"values,omitempty"`
	// Operations are the operation tables of the specifications in
	// Files, by apiops.SpecSum, as the server read them: the gateway
	// routes from them and parses a specification only when a request
	// needs its examples or definitions. Derived from Files, they are
	// not part of Hash; OperationsSum guards them.
	Operations    map[string]*apiops.OperationTable `json:"operations,omitempty"`
	OperationsSum string                            `json:"operationsSum,omitempty"`
}

// operationsSum is the hex SHA-256 of the tables' JSON (whose map keys
// encoding/json sorts).
func operationsSum(t map[string]*apiops.OperationTable) string {
	b, _ := json.Marshal(t)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Version is the short version shown in logs and heartbeats.
func (s *Snapshot) Version() string {
	if s == nil {
		return ""
	}
	h := s.Hash
	if len(h) > 12 {
		h = h[:12]
	}
	return strconv.FormatUint(s.Sequence, 10) + "-" + h
}

// ETag is the snapshot's entity tag.
func (s *Snapshot) ETag() string { return `"` + s.Hash + `"` }

// ContentHash hashes files and values in a canonical order.
func ContentHash(files map[string][]byte, values map[string]string) string {
	h := sha256.New()
	for _, p := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(h, "f%d:%s", len(p), p)
		fmt.Fprintf(h, "%d:", len(files[p]))
		h.Write(files[p])
	}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		fmt.Fprintf(h, "v%d:%s%d:%s", len(k), k, len(values[k]), values[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ErrCorrupt reports a snapshot whose hash does not match its content.
var ErrCorrupt = errors.New("snapshot checksum mismatch")

// Check verifies the format, the content hash and the file names.
func (s *Snapshot) Check() error {
	if s.Format != Format {
		return fmt.Errorf("snapshot format %d, want %d", s.Format, Format)
	}
	if ContentHash(s.Files, s.Values) != s.Hash {
		return ErrCorrupt
	}
	if (s.Operations != nil || s.OperationsSum != "") && operationsSum(s.Operations) != s.OperationsSum {
		return ErrCorrupt
	}
	for p := range s.Files {
		if !fs.ValidPath(p) || p == "." {
			return fmt.Errorf("snapshot: bad file name %q", p)
		}
	}
	return nil
}

// Decode reads a snapshot and checks it.
func Decode(r io.Reader) (*Snapshot, error) {
	var s Snapshot
	if err := json.NewDecoder(r).Decode(&s); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	return &s, nil
}

// WriteBackup stores the snapshot at path atomically: a temporary file in
// the same folder is written, synced and renamed over path, then the
// folder is synced.
func (s *Snapshot) WriteBackup(path string) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".snapshot-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// ReadBackup reads a backup written by WriteBackup; a damaged one is an
// error (ErrCorrupt when the checksum does not match).
func ReadBackup(path string) (*Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Decode(f)
}
