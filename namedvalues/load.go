package namedvalues

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/policygate/policygate/parser"
)

// InfoFile is the name of the file describing one named value in an APIOps
// artifact folder.
const InfoFile = "namedValueInformation.json"

// DirNames are the spellings of the named values folder in APIOps artifact
// folders, tried in order.
var DirNames = []string{"namedValues", "named values"}

// info is the shape of namedValueInformation.json.
type info struct {
	Properties struct {
		DisplayName string  `json:"displayName"`
		Value       *string `json:"value"`
		Secret      bool    `json:"secret"`
		KeyVault    *struct {
			SecretIdentifier string `json:"secretIdentifier"`
			IdentityClientID string `json:"identityClientId"`
		} `json:"keyVault"`
	} `json:"properties"`
}

// LoadDir reads the named values of an APIOps artifact folder: every
// <dir>/namedValues/<name>/namedValueInformation.json (or the folder
// spelled "named values"). dir may also be the named values folder itself.
// A missing folder gives an empty store.
//
// Each file holds {"properties": {"displayName", "value", "secret",
// "keyVault": {"secretIdentifier", "identityClientId"}}}; the folder name
// stands in for a missing displayName. Values are overridden from the
// environment (see EnvVar). A secret without a value (APIM does not export
// secret values) must be supplied that way. Key Vault-backed values start
// empty; call Refresh to fetch them.
//
// Problems are returned as *parser.Error positioned in the offending file
// and the files that have them are left out of the store; the rest loads.
func LoadDir(dir string, opts ...Option) (*Store, []error) {
	s := NewStore(opts...)
	files := newConfig(opts).files
	var errs parser.Errors
	nvDir := ""
	for _, d := range DirNames {
		if st, err := files.Stat(filepath.Join(dir, d)); err == nil && st.IsDir() {
			nvDir = filepath.Join(dir, d)
			break
		}
	}
	if nvDir == "" {
		if hasInfoFiles(files, dir) {
			nvDir = dir
		} else {
			return s, nil
		}
	}
	entries, err := files.ReadDir(nvDir)
	if err != nil {
		return s, []error{&parser.Error{Pos: parser.Pos{File: nvDir}, Code: CodeBadNamedValue, Msg: "cannot read folder", Err: err}}
	}
	folded := map[string]string{} // lower-cased name → file that defined it
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		file := filepath.Join(nvDir, e.Name(), InfoFile)
		src, err := files.ReadFile(file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, &parser.Error{Pos: parser.Pos{File: file}, Code: CodeBadNamedValue, Msg: "cannot read file", Err: err})
			continue
		}
		nv, perr := parseInfo(file, e.Name(), src)
		if perr != nil {
			errs = append(errs, perr)
			continue
		}
		fold := lower(nv.Name)
		if prev, ok := folded[fold]; ok {
			errs = append(errs, &parser.Error{Pos: keyPos(file, src, "displayName"), Code: CodeBadNamedValue, Err: ErrDuplicate,
				Msg: fmt.Sprintf("named value %q is also defined, ignoring case, in %s", nv.Name, prev)})
			continue
		}
		if nv.Value == "" && nv.KeyVault == nil && s.env != nil {
			if _, ok := s.env(EnvVar(nv.Name)); !ok {
				errs = append(errs, &parser.Error{Pos: keyPos(file, src, "secret"), Code: CodeBadNamedValue, Err: ErrBadValue,
					Msg: fmt.Sprintf("secret named value %q has no value: set %s", nv.Name, EnvVar(nv.Name))})
				continue
			}
		}
		if err := s.Set(nv); err != nil {
			key := "value"
			if errors.Is(err, ErrBadName) {
				key = "displayName"
			}
			errs = append(errs, &parser.Error{Pos: keyPos(file, src, key), Code: CodeBadNamedValue, Msg: err.Error(), Err: err})
			continue
		}
		folded[fold] = file
	}
	if len(errs) == 0 {
		return s, nil
	}
	errs = errs.Sort()
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return s, out
}

// parseInfo decodes one namedValueInformation.json.
func parseInfo(file, folder string, src []byte) (NamedValue, *parser.Error) {
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	var in info
	if err := json.Unmarshal(src, &in); err != nil {
		p := parser.Pos{File: file, Line: 1, Col: 1}
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			// Offset counts the offending byte; point at it.
			p = offsetPos(file, src, int(se.Offset)-1)
		case errors.As(err, &te):
			field := te.Field[strings.LastIndexByte(te.Field, '.')+1:]
			p = keyPos(file, src, field)
		}
		return NamedValue{}, &parser.Error{Pos: p, Code: parser.CodeParse, Msg: "invalid named value file", Err: err}
	}
	pr := in.Properties
	nv := NamedValue{Name: pr.DisplayName, Secret: pr.Secret, Source: file}
	if nv.Name == "" {
		nv.Name = folder
	}
	if pr.Value != nil {
		nv.Value = *pr.Value
	}
	if pr.KeyVault != nil && pr.KeyVault.SecretIdentifier != "" {
		nv.KeyVault = &KeyVaultRef{SecretIdentifier: pr.KeyVault.SecretIdentifier, IdentityClientID: pr.KeyVault.IdentityClientID}
		nv.Secret = true
		nv.Value = ""
	}
	if nv.Value == "" && nv.KeyVault == nil && !nv.Secret {
		return NamedValue{}, &parser.Error{Pos: keyPos(file, src, "value"), Code: CodeBadNamedValue, Err: ErrBadValue,
			Msg: fmt.Sprintf("named value %q has no value", nv.Name)}
	}
	return nv, nil
}

// keyPos returns the position of the first "key" in src, or line 1 col 1.
func keyPos(file string, src []byte, key string) parser.Pos {
	i := bytes.Index(src, []byte(`"`+key+`"`))
	if i < 0 {
		i = 0
	}
	return offsetPos(file, src, i)
}

// offsetPos converts a byte offset of src to a position.
func offsetPos(file string, src []byte, off int) parser.Pos {
	off = max(0, min(off, len(src)))
	line := 1 + bytes.Count(src[:off], []byte("\n"))
	start := bytes.LastIndexByte(src[:off], '\n') + 1
	return parser.Pos{File: file, Line: line, Col: 1 + utf8.RuneCount(src[start:off]), Offset: off}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// hasInfoFiles reports whether a folder below dir holds an InfoFile (dir
// is then the named values folder itself).
func hasInfoFiles(files Files, dir string) bool {
	entries, _ := files.ReadDir(dir)
	for _, e := range entries {
		if _, err := files.Stat(filepath.Join(dir, e.Name(), InfoFile)); e.IsDir() && err == nil {
			return true
		}
	}
	return false
}
