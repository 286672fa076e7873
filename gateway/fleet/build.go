package fleet

import (
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/policygate/policygate/gateway/apiops"
	"github.com/policygate/policygate/namedvalues"
)

// Folder is an APIOps folder read into memory once, from which each
// gateway's snapshot is cut.
type Folder struct {
	// Files maps slash paths to content (editor droppings left out).
	Files map[string][]byte
	// tables are the operation tables of the specifications among
	// Files, by apiops.SpecSum; sums are those of the specifications,
	// by path.
	tables map[string]*apiops.OperationTable
	sums   map[string]string
}

// IndexOperations reads the operation table of every specification in the
// folder that scans without errors, taking those of prev (the previous
// generation, or nil) whose content did not change, so that a change
// scans only the documents it touched.
func (f *Folder) IndexOperations(prev *Folder) {
	f.tables, f.sums = map[string]*apiops.OperationTable{}, map[string]string{}
	for p, data := range f.Files {
		if !apiops.IsSpecification(p) {
			continue
		}
		sum := apiops.SpecSum(data)
		f.sums[p] = sum
		if _, done := f.tables[sum]; done {
			continue
		}
		if prev != nil {
			if t, ok := prev.tables[sum]; ok {
				f.tables[sum] = t
				continue
			}
		}
		if t, ok := apiops.ScanOperations(p, data); ok {
			f.tables[sum] = t
		}
	}
}

// GatewaysDir holds gateways/<name>/gatewayInformation.json and
// gateways/<name>/apis.json.
const GatewaysDir = "gateways"

// ReadFolder reads every regular file below dir.
func ReadFolder(dir string) (*Folder, error) {
	f := &Folder{Files: map[string][]byte{}}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		b := d.Name()
		if p != dir && (strings.HasPrefix(b, ".") || strings.HasSuffix(b, "~") || strings.HasSuffix(b, ".swp") || strings.HasSuffix(b, ".tmp")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		f.Files[filepath.ToSlash(rel)] = data
		return nil
	})
	return f, err
}

// GatewayInfo is gateways/<name>/gatewayInformation.json.
type GatewayInfo struct {
	Properties struct {
		LocationData struct {
			Name string `json:"name"`
		} `json:"locationData"`
		Description string `json:"description"`
	} `json:"properties"`
}

// Gateways lists the gateway names the folder describes.
func (f *Folder) Gateways() []string {
	var out []string
	for p := range f.Files {
		if rest, ok := strings.CutPrefix(p, GatewaysDir+"/"); ok {
			if name, _, ok := strings.Cut(rest, "/"); ok && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Info reads a gateway's gatewayInformation.json (zero when absent).
func (f *Folder) Info(gateway string) GatewayInfo {
	var gi GatewayInfo
	if b, ok := f.Files[GatewaysDir+"/"+gateway+"/gatewayInformation.json"]; ok {
		json.Unmarshal(b, &gi)
	}
	return gi
}

// Assignment returns the API ids of gateways/<gateway>/apis.json (a list
// of names, or of objects with a "name", as APIOps writes it) and whether
// the file exists.
func (f *Folder) Assignment(gateway string) ([]string, bool, error) {
	b, ok := f.Files[GatewaysDir+"/"+gateway+"/apis.json"]
	if !ok {
		return nil, false, nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, true, err
	}
	var out []string
	for _, r := range raw {
		var s string
		if json.Unmarshal(r, &s) != nil {
			var o struct {
				Name string `json:"name"`
			}
			if err := json.Unmarshal(r, &o); err != nil {
				return nil, true, err
			}
			s = o.Name
		}
		s = s[strings.LastIndexByte(s, '/')+1:] // a resource id names the API last
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out, true, nil
}

var namedValueRef = regexp.MustCompile(`\{\{\s*([^{}\s]+)\s*\}\}`)

// Snapshot cuts the gateway's snapshot out of the folder: the global
// policy, fragments, version sets, backends, products, certificates, the
// assigned APIs (every revision), product memberships and subscriptions of
// those APIs, and the named values their files reference. env supplies
// the loader's environment values (os.LookupEnv on the server); the ones
// the kept items read travel in Values. Without an assignment the
// snapshot is empty.
func (f *Folder) Snapshot(gateway string, seq uint64, env func(string) (string, bool)) (*Snapshot, error) {
	apis, assigned, err := f.Assignment(gateway)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{Format: Format, Gateway: gateway, Sequence: seq, Assigned: assigned, APIs: apis, Files: map[string][]byte{}, Values: map[string]string{}}
	if env == nil {
		env = func(string) (string, bool) { return "", false }
	}
	if assigned {
		keep := func(api string) bool {
			id, _, _ := strings.Cut(api, ";rev=")
			return slices.Contains(apis, id)
		}
		nvFiles := map[string][]string{} // named value folder → its files
		for p, data := range f.Files {
			seg := strings.Split(p, "/")
			switch {
			case seg[0] == GatewaysDir:
				continue
			case seg[0] == "apis" && len(seg) > 2 && !keep(seg[1]):
				continue
			case seg[0] == "products" && len(seg) > 4 && seg[2] == "apis" && !keep(seg[3]):
				continue
			case seg[0] == "products" && len(seg) == 3 && seg[2] == "apis.json":
				data = filterMembers(data, keep)
			case seg[0] == "subscriptions" && len(seg) == 3 && !subscriptionKept(f.Files[path.Join(seg[0], seg[1], "subscriptionInformation.json")], keep):
				continue
			case slices.Contains(namedvalues.DirNames, seg[0]) && len(seg) > 2:
				nvFiles[seg[1]] = append(nvFiles[seg[1]], p)
				continue
			}
			s.Files[p] = data
		}
		refs := map[string]bool{}
		for _, data := range s.Files {
			for _, m := range namedValueRef.FindAllSubmatch(data, -1) {
				refs[strings.ToLower(string(m[1]))] = true
			}
		}
		for folder, files := range nvFiles {
			name := folder
			for _, p := range files {
				if path.Base(p) == namedvalues.InfoFile {
					var in struct {
						Properties struct {
							DisplayName string `json:"displayName"`
						} `json:"properties"`
					}
					if json.Unmarshal(f.Files[p], &in) == nil && in.Properties.DisplayName != "" {
						name = in.Properties.DisplayName
					}
				}
			}
			if !refs[strings.ToLower(name)] && !refs[strings.ToLower(folder)] {
				continue
			}
			for _, p := range files {
				s.Files[p] = f.Files[p]
			}
			for _, n := range []string{name, folder} {
				if v, ok := env(namedvalues.EnvVar(n)); ok {
					s.Values[namedvalues.EnvVar(n)] = v
				}
			}
		}
		for p := range s.Files {
			seg := strings.Split(p, "/")
			var names []string
			switch {
			case seg[0] == "subscriptions" && len(seg) == 3:
				pv, sv := apiops.SubscriptionKeyEnv(seg[1])
				names = []string{pv, sv}
			case seg[0] == "certificates" && len(seg) >= 2:
				id := strings.TrimSuffix(seg[1], path.Ext(seg[1]))
				names = []string{apiops.CertificatePasswordEnv(id)}
			}
			for _, n := range names {
				if v, ok := env(n); ok {
					s.Values[n] = v
				}
			}
		}
	}
	s.Hash = ContentHash(s.Files, s.Values)
	for p := range s.Files {
		sum := f.sums[p] // a specification is passed on as read
		if t := f.tables[sum]; t != nil {
			if s.Operations == nil {
				s.Operations = map[string]*apiops.OperationTable{}
			}
			s.Operations[sum] = t
		}
	}
	if s.Operations != nil {
		s.OperationsSum = operationsSum(s.Operations)
	}
	return s, nil
}

// filterMembers keeps the entries of a products/<p>/apis.json whose API
// is kept; a file it cannot read is passed on for the loader to report.
func filterMembers(data []byte, keep func(string) bool) []byte {
	var raw []json.RawMessage
	if json.Unmarshal(data, &raw) != nil {
		return data
	}
	out := []json.RawMessage{}
	for _, r := range raw {
		var s string
		if json.Unmarshal(r, &s) != nil {
			var o struct {
				Name string `json:"name"`
			}
			json.Unmarshal(r, &o)
			s = o.Name
		}
		if keep(s) {
			out = append(out, r)
		}
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	return b
}

// subscriptionKept tells whether a subscription reaches a kept API (or is
// scoped to a product or to all APIs).
func subscriptionKept(info []byte, keep func(string) bool) bool {
	var in struct {
		Properties struct {
			Scope string `json:"scope"`
		} `json:"properties"`
	}
	if json.Unmarshal(info, &in) != nil {
		return true
	}
	seg := strings.Split(strings.TrimRight(in.Properties.Scope, "/"), "/")
	if n := len(seg); n >= 2 && strings.EqualFold(seg[n-2], "apis") {
		return keep(seg[n-1])
	}
	return true
}
