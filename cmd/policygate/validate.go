package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/policygate/policygate/gateway/apiops"
	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
)

const validateUsage = `usage: policygate validate [--config DIR] [--json] [--strict] PATH...

Checks every .xml policy file under the given files and folders: documents,
fragments and snippets. One line per problem (file:line:col: severity: code:
message), then a summary. Exit 0 when every file is valid, 1 when one is
not, 2 on a usage error or an unreadable path.

flags:
`

func validateCmd(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("validate", flag.ContinueOnError)
	fl.SetOutput(stderr)
	config := fl.String("config", "", "APIOps configuration folder: validate {{named values}} against it")
	asJSON := fl.Bool("json", false, "print one JSON object instead of text")
	strict := fl.Bool("strict", false, "policies that are not implemented yet are errors")
	fl.Usage = func() { fmt.Fprint(stderr, validateUsage); fl.PrintDefaults() }
	if err := fl.Parse(args); err != nil {
		return usageExit(err)
	}
	if fl.NArg() == 0 {
		fmt.Fprintln(stderr, "policygate validate: no PATH given")
		fl.Usage()
		return 2
	}
	opts := policies.LintOptions{Strict: *strict}
	if *config != "" {
		dir, why, err := apiops.FindArtifacts(*config)
		if err != nil {
			fmt.Fprintln(stderr, "policygate validate:", err)
			return 2
		}
		if why != "" {
			fmt.Fprintf(stderr, "policygate validate: using the artifact folder %s (%s)\n", dir, why)
		}
		store, errs := namedvalues.LoadDir(dir)
		for _, err := range errs {
			fmt.Fprintln(stderr, err)
		}
		if store == nil {
			return 2
		}
		opts.NamedValues = store
	}
	files, err := policyFiles(fl.Args())
	if err != nil {
		fmt.Fprintln(stderr, "policygate:", err)
		return 2
	}
	var reports []*policies.FileReport
	prog := newProgress(stderr, len(files))
	for i, f := range files {
		prog.step(i)
		reports = append(reports, policies.LintPath(f, opts))
	}
	prog.done()
	if *asJSON {
		writeJSON(stdout, reports)
	} else {
		writeText(stdout, reports)
	}
	for _, r := range reports {
		if !r.Valid() {
			return 1
		}
	}
	return 0
}

// policyFiles expands folders into the .xml files below them, sorted.
func policyFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(strings.ToLower(d.Name()), ".xml") {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

func writeText(w io.Writer, reports []*policies.FileReport) {
	var files, valid, exprs, compiled int
	for _, r := range reports {
		files++
		if r.Valid() {
			valid++
		}
		exprs += r.Expressions
		compiled += r.Compiled
		lines := sourceLines(r.Path)
		for _, p := range r.Problems {
			fmt.Fprintf(w, "%s: %s: %s: %s\n", p.Pos, p.Severity, p.Code, p.Msg)
			writeExcerpt(w, lines, p.Pos.Line, p.Pos.Col)
		}
	}
	fmt.Fprintf(w, "%d files, %d valid, %d invalid; %d expressions, %d compiled", files, valid, files-valid, exprs, compiled)
	if n := notSupported(reports); n > 0 {
		fmt.Fprintf(w, "; %d uses of policies PolicyGate does not support", n)
	}
	fmt.Fprintln(w)
}

type jsonProblem struct {
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
}

type jsonFile struct {
	Path        string        `json:"path"`
	Valid       bool          `json:"valid"`
	Problems    []jsonProblem `json:"problems"`
	Expressions struct {
		Total    int `json:"total"`
		Compiled int `json:"compiled"`
	} `json:"expressions"`
}

type jsonReport struct {
	Files   []jsonFile `json:"files"`
	Summary struct {
		Files       int `json:"files"`
		Valid       int `json:"valid"`
		Expressions int `json:"expressions"`
		Compiled    int `json:"compiled"`
		// NotSupported counts uses of policies PolicyGate does not run.
		NotSupported int `json:"notSupported,omitempty"`
	} `json:"summary"`
}

func writeJSON(w io.Writer, reports []*policies.FileReport) {
	out := jsonReport{Files: []jsonFile{}}
	for _, r := range reports {
		f := jsonFile{Path: r.Path, Valid: r.Valid(), Problems: []jsonProblem{}}
		f.Expressions.Total, f.Expressions.Compiled = r.Expressions, r.Compiled
		for _, p := range r.Problems {
			f.Problems = append(f.Problems, jsonProblem{Line: p.Pos.Line, Col: p.Pos.Col, Severity: p.Severity.String(), Code: p.Code, Message: p.Msg})
		}
		out.Files = append(out.Files, f)
		out.Summary.Files++
		if f.Valid {
			out.Summary.Valid++
		}
		out.Summary.Expressions += r.Expressions
		out.Summary.Compiled += r.Compiled
	}
	out.Summary.NotSupported = notSupported(reports)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
}

var _ = parser.SeverityError

// notSupported counts the not_implemented problems of the reports.
func notSupported(reports []*policies.FileReport) int {
	n := 0
	for _, r := range reports {
		for _, p := range r.Problems {
			if p.Code == parser.CodeNotImplemented {
				n++
			}
		}
	}
	return n
}
