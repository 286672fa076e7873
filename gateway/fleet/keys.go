package fleet

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// GatewayKeys are one gateway's two signing keys.
type GatewayKeys struct {
	Primary   string    `json:"primary"`
	Secondary string    `json:"secondary"`
	Updated   time.Time `json:"updated"`
	// EntraAppIDs are the Entra ID application (client) ids whose access
	// tokens may read this gateway's configuration.
	EntraAppIDs []string `json:"entraAppIds,omitempty"`
	// EntraRoles are app roles that grant the same (for example
	// "Gateway Configuration Reader").
	EntraRoles []string `json:"entraRoles,omitempty"`
}

// KeysFile is the server's gateway keys file: JSON
// {"gateways": {"<name>": {"primary": …, "secondary": …}}}, mode 0600.
type KeysFile struct {
	Gateways map[string]GatewayKeys `json:"gateways"`
}

// ReadKeys reads a keys file; a missing file is an empty set.
func ReadKeys(path string) (*KeysFile, error) {
	kf := &KeysFile{Gateways: map[string]GatewayKeys{}}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return kf, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, kf); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if kf.Gateways == nil {
		kf.Gateways = map[string]GatewayKeys{}
	}
	return kf, nil
}

// Write stores the keys file atomically with mode 0600.
func (kf *KeysFile) Write(path string) error {
	data, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".keys-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	f.Close()
	return os.Rename(f.Name(), path)
}

// NewKey returns a fresh random key (64 random bytes, base64).
func NewKey() string {
	b := make([]byte, 64)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// Regenerate replaces the primary or secondary key of gateway (creating
// both when the gateway has none yet); which is "primary", "secondary" or
// "" (create only when missing).
func (kf *KeysFile) Regenerate(gateway, which string, now time.Time) error {
	k, ok := kf.Gateways[gateway]
	if !ok {
		k = GatewayKeys{Primary: NewKey(), Secondary: NewKey()}
	}
	switch which {
	case "primary":
		if ok {
			k.Primary = NewKey()
		}
	case "secondary":
		if ok {
			k.Secondary = NewKey()
		}
	case "":
	default:
		return fmt.Errorf("want primary or secondary, not %q", which)
	}
	k.Updated = now.UTC()
	kf.Gateways[gateway] = k
	return nil
}
