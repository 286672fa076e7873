package conformance

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	File     string      `xml:"file,attr,omitempty"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML: one testsuite per file, one
// testcase per case, a failure with the diffs for each failed case, and an
// error testsuite for each file that could not be loaded.
func (r *Report) WriteJUnit(w io.Writer) error {
	out := junitSuites{}
	for _, f := range r.Files {
		js := junitSuite{Name: f.Suite, File: f.Path, Time: fmt.Sprintf("%.3f", f.Duration.Seconds())}
		for _, c := range f.Cases {
			jc := junitCase{Name: c.Name, Classname: f.Suite, File: f.Path, Time: fmt.Sprintf("%.3f", c.Duration.Seconds())}
			if !c.Passed {
				text := strings.Join(c.Details(), "\n")
				if c.Err != nil {
					jc.Error = &junitFailure{Message: c.Err.Error(), Type: "error", Text: text}
					js.Errors++
				} else {
					jc.Failure = &junitFailure{Message: fmt.Sprintf("%d expectation(s) not met", len(c.Diffs)), Type: "mismatch", Text: text}
					js.Failures++
				}
			}
			js.Tests++
			js.Cases = append(js.Cases, jc)
		}
		out.Tests += js.Tests
		out.Failures += js.Failures
		out.Errors += js.Errors
		out.Suites = append(out.Suites, js)
	}
	for _, err := range r.Errors {
		name := "load"
		if fe, ok := err.(*FileError); ok {
			name = fe.File
		}
		js := junitSuite{Name: name, Tests: 1, Errors: 1, Time: "0.000",
			Cases: []junitCase{{Name: "load", Classname: name, Time: "0.000", Error: &junitFailure{Message: err.Error(), Type: "invalid"}}}}
		out.Tests++
		out.Errors++
		out.Suites = append(out.Suites, js)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
