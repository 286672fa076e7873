package namedvalues

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits from the APIM named value resource.
const (
	MaxNameLen  = 256  // display name length, in characters
	MaxValueLen = 4096 // value length, in characters
)

// Mask replaces secret values in Display and Redact.
const Mask = "***"

// Sentinel errors; the errors returned by this package wrap them, so callers
// can test the reason with errors.Is.
var (
	ErrBadName   = errors.New("invalid named value name")
	ErrBadValue  = errors.New("invalid named value value")
	ErrDuplicate = errors.New("duplicate named value")
	ErrKeyVault  = errors.New("key vault secret unavailable")
)

// NamedValue is one named value.
type NamedValue struct {
	// Name is the display name, the name used in {{...}}.
	Name string
	// Value is the text substituted for {{Name}}. For a Key Vault-backed
	// value it is empty until the secret has been fetched.
	Value string
	// Secret marks values that must not appear in our logs, traces or
	// error messages. Key Vault-backed values are always secret.
	Secret bool
	// KeyVault, when set, says where the value comes from.
	KeyVault *KeyVaultRef
	// Source tells where the current value came from: a file path,
	// "map", "env:<VAR>", or "keyvault:<secret identifier>".
	Source string
}

// KeyVaultRef points a named value at a Key Vault secret.
type KeyVaultRef struct {
	// SecretIdentifier is the secret's URL,
	// https://<vault>.vault.azure.net/secrets/<name>[/<version>]. APIM
	// stores it without a version so that the latest version is used.
	SecretIdentifier string
	// IdentityClientID selects a user-assigned managed identity; empty
	// means the default credential.
	IdentityClientID string
}

// Display returns the value as it may be shown to people: Mask for secret
// values, the value itself otherwise.
func (nv NamedValue) Display() string {
	if nv.Secret || nv.KeyVault != nil {
		return Mask
	}
	return nv.Value
}

// String renders the named value for debugging without revealing a secret.
func (nv NamedValue) String() string {
	return fmt.Sprintf("%s=%s", nv.Name, nv.Display())
}

// ValidName reports whether name is a valid display name: 1 to 256
// characters, each an ASCII letter, digit, '.', '-' or '_'.
func ValidName(name string) bool {
	if name == "" || len(name) > MaxNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !nameByte(name[i]) {
			return false
		}
	}
	return true
}

func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '-' || c == '_'
}

// ValidateName returns an error wrapping ErrBadName when name is not a valid
// display name.
func ValidateName(name string) error {
	if !ValidName(name) {
		return fmt.Errorf("%w %q: want 1-%d characters of letters, digits, '.', '-', '_'", ErrBadName, name, MaxNameLen)
	}
	return nil
}

// ValidateValue returns an error wrapping ErrBadValue when v is empty,
// whitespace only, or longer than MaxValueLen characters. The message never
// contains the value.
func ValidateValue(v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%w: value is empty or whitespace only", ErrBadValue)
	}
	if n := utf8.RuneCountInString(v); n > MaxValueLen {
		return fmt.Errorf("%w: value has %d characters, more than %d", ErrBadValue, n, MaxValueLen)
	}
	return nil
}

// IsExpression reports whether v, leading and trailing whitespace aside, is
// one policy expression: "@(...)" or "@{...}" whose opening delimiter is
// closed by the last character. The compiler compiles such a named value as
// an expression when it is the whole value of an attribute or element. The
// scan skips C# string and character literals and comments, so "@(a) + @(b)"
// is not one expression but "@(")")" is.
func IsExpression(v string) bool {
	v = strings.Trim(v, " \t\r\n")
	if len(v) < 3 || v[0] != '@' || (v[1] != '(' && v[1] != '{') {
		return false
	}
	end := closeIndex(v, 1)
	return end == len(v)-1
}

// closeIndex returns the index of the delimiter closing the bracket at
// s[open], or -1. It understands enough C# lexing to skip brackets inside
// literals and comments.
func closeIndex(s string, open int) int {
	var stack []byte
	for i := open; i < len(s); i++ {
		c := s[i]
		switch c {
		case '(', '{', '[':
			stack = append(stack, c)
		case ')', '}', ']':
			if len(stack) == 0 || stack[len(stack)-1] != opener(c) {
				return -1
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return i
			}
		case '"':
			verbatim := i > 0 && (s[i-1] == '@' || (s[i-1] == '$' && i > 1 && s[i-2] == '@'))
			i = skipString(s, i, verbatim)
		case '\'':
			i = skipString(s, i, false)
		case '/':
			if i+1 < len(s) && s[i+1] == '/' {
				for i < len(s) && s[i] != '\n' {
					i++
				}
			} else if i+1 < len(s) && s[i+1] == '*' {
				j := strings.Index(s[i+2:], "*/")
				if j < 0 {
					return -1
				}
				i += 2 + j + 1
			}
		}
	}
	return -1
}

func opener(c byte) byte {
	switch c {
	case ')':
		return '('
	case '}':
		return '{'
	}
	return '['
}

// skipString returns the index of the quote closing the literal opened at
// s[i], or len(s).
func skipString(s string, i int, verbatim bool) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch {
		case verbatim && s[j] == q:
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j
		case !verbatim && s[j] == '\\':
			j++
		case s[j] == q:
			return j
		}
	}
	return len(s)
}
