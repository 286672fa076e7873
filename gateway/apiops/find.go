package apiops

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// artifactMarkers are the entries an artifact folder holds at its top.
var artifactMarkers = []string{"apis", "policy.xml", "products", "backends", "named values", "namedValues", "policy fragments", "policyFragments"}

// outputFolderVar is the pipeline variable of the APIOps extractor and
// publisher that names the artifact folder.
const outputFolderVar = "API_MANAGEMENT_SERVICE_OUTPUT_FOLDER_PATH"

// FindArtifacts returns the APIOps artifact folder for dir, which may be
// the folder itself or a repository root that holds it (APIOps keeps it in
// a folder of its own, such as SampleArtifacts/ or artifacts/). Below a
// root it takes the only folder with an apis/ folder (two levels down at
// most); when there are several, the one the repository's configuration
// files or pipelines name (configuration.*.yaml, *.yml, with
// API_MANAGEMENT_SERVICE_OUTPUT_FOLDER_PATH). why says how it chose ("" when
// dir is the artifact folder itself).
func FindArtifacts(dir string) (artifacts, why string, err error) {
	st, err := os.Stat(dir)
	if err != nil {
		return "", "", err
	}
	if !st.IsDir() {
		return "", "", fmt.Errorf("%s: not a directory", dir)
	}
	for _, m := range artifactMarkers {
		if _, err := os.Stat(filepath.Join(dir, m)); err == nil {
			return dir, "", nil
		}
	}
	var cands []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || p == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		depth := strings.Count(rel, string(filepath.Separator)) + 1
		if strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || depth > 2 {
			return filepath.SkipDir
		}
		if st, err := os.Stat(filepath.Join(p, "apis")); err == nil && st.IsDir() {
			cands = append(cands, p)
			return filepath.SkipDir
		}
		return nil
	})
	hinted := hints(dir)
	switch {
	case len(cands) == 1:
		return cands[0], fmt.Sprintf("the only folder below %s with an apis/ folder", dir), nil
	case len(cands) > 1:
		for _, h := range hinted {
			for _, c := range cands {
				if filepath.Clean(c) == filepath.Clean(filepath.Join(dir, h.value)) {
					return c, fmt.Sprintf("named by %s in %s", outputFolderVar, h.file), nil
				}
			}
		}
		rels := make([]string, len(cands))
		for i, c := range cands {
			rels[i], _ = filepath.Rel(dir, c)
		}
		return "", "", fmt.Errorf("%s holds several APIOps artifact folders (%s); pass one of them to --config", dir, strings.Join(rels, ", "))
	}
	for _, h := range hinted {
		p := filepath.Join(dir, h.value)
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p, fmt.Sprintf("named by %s in %s", outputFolderVar, h.file), nil
		}
	}
	return "", "", fmt.Errorf("%s: %w", dir, ErrNoArtifacts)
}

// ErrNoArtifacts is wrapped by FindArtifacts' error when the folder neither
// is an artifact folder nor holds one.
var ErrNoArtifacts = errors.New("not an APIOps artifact folder (no apis/, policy.xml, products/ …) and holds none below it")

type hint struct{ file, value string }

// hints reads the artifact folder names that the repository's APIOps
// configuration and pipeline files give.
func hints(root string) []hint {
	var files []string
	for _, pat := range []string{"configuration.*.yaml", "configuration.*.yml", "*.yaml", "*.yml", ".github/workflows/*.y*ml", "tools/*.y*ml", "tools/pipelines/*.y*ml", "pipelines/*.y*ml"} {
		m, _ := filepath.Glob(filepath.Join(root, pat))
		files = append(files, m...)
	}
	slices.Sort(files)
	files = slices.Compact(files)
	var out []hint
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			_, after, ok := strings.Cut(line, outputFolderVar)
			if !ok {
				continue
			}
			v := strings.TrimLeft(after, " :=\"'")
			v = strings.TrimRight(strings.TrimSpace(v), "\"'")
			if v != "" && !strings.ContainsAny(v, "${}") {
				rel, _ := filepath.Rel(root, f)
				out = append(out, hint{rel, v})
			}
		}
		fh.Close()
	}
	return out
}
