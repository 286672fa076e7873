// Command oracle compares PolicyGate's expressions with real C#. With -mono
// it first evaluates the case list on Mono (mcs, mono and Newtonsoft.Json:
// Debian's mono-complete and libnewtonsoft-json-cil-dev) and rewrites the
// committed expected values; it then prints every disagreement and the
// agreement figure, and with -write rewrites the baseline.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/policygate/policygate/expressions/oracle"
)

func main() {
	dir := flag.String("dir", "expressions/oracle/testdata", "folder of cases.txt, Driver.cs, expected.txt, baseline.txt")
	mono := flag.Bool("mono", false, "regenerate expected.txt on Mono")
	write := flag.Bool("write", false, "rewrite baseline.txt from this run")
	flag.Parse()
	if err := run(*dir, *mono, *write); err != nil {
		fmt.Fprintln(os.Stderr, "oracle:", err)
		os.Exit(1)
	}
}

func run(dir string, mono, write bool) error {
	cases, err := oracle.LoadDir(dir)
	if err != nil {
		return err
	}
	expPath := filepath.Join(dir, "expected.txt")
	if mono {
		tmp, err := os.MkdirTemp("", "oracle")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		res, err := oracle.RunMono(cases, filepath.Join(dir, "Driver.cs"), tmp)
		if err != nil {
			return err
		}
		if err := oracle.WriteResults(expPath, cases, res); err != nil {
			return err
		}
	}
	f, err := os.Open(expPath)
	if err != nil {
		return err
	}
	expected, err := oracle.ParseResults(f)
	f.Close()
	if err != nil {
		return err
	}
	basePath := filepath.Join(dir, "baseline.txt")
	old, _ := oracle.LoadBaseline(basePath)
	rep := oracle.Compare(cases, expected)
	var reasons map[string]string
	if old != nil {
		reasons = old.Reasons
	}
	rep.Write(os.Stdout, reasons)
	if write {
		return rep.WriteBaseline(basePath, old)
	}
	return nil
}
