package oracle

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// usings are the namespaces APIM expressions see without qualification.
const usings = `using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
`

// csharpSource writes the Cases class: one static method per case. It
// returns the source and, per case, the range of lines it spans.
func csharpSource(cases []Case) (string, [][2]int) {
	var b strings.Builder
	b.WriteString(usings)
	b.WriteString("public static class Cases {\n")
	line := strings.Count(b.String(), "\n") + 1
	spans := make([][2]int, len(cases))
	for i, c := range cases {
		body := c.Src[2 : len(c.Src)-1]
		var m string
		if c.Src[1] == '(' {
			m = fmt.Sprintf("static object C%d() {\nreturn (%s\n);\n}\n", i, body)
		} else {
			m = fmt.Sprintf("static object C%d() {\n%s\n}\n", i, body)
		}
		spans[i] = [2]int{line, line + strings.Count(m, "\n") - 1}
		line += strings.Count(m, "\n")
		b.WriteString(m)
	}
	b.WriteString("public static readonly string[] Ids = {\n")
	for _, c := range cases {
		b.WriteString(strconv.Quote(c.ID) + ",\n")
	}
	b.WriteString("};\npublic static readonly Func<object>[] Funcs = {\n")
	for i := range cases {
		fmt.Fprintf(&b, "C%d,\n", i)
	}
	b.WriteString("};\n}\n")
	return b.String(), spans
}

var mcsError = regexp.MustCompile(`(?m)Cases\.cs\((\d+),\d+\): error (CS\d+): (.*)$`)

// RunMono compiles the cases with mcs against Newtonsoft.Json, runs them on
// mono and returns each case's result. A case C# does not compile gets the
// type "!CSnnnn" and the compiler's message; the others still run.
func RunMono(cases []Case, driver, dir string) (map[string]Result, error) {
	out := map[string]Result{}
	live := cases
	for round := 0; ; round++ {
		src, spans := csharpSource(live)
		if err := os.WriteFile(filepath.Join(dir, "Cases.cs"), []byte(src), 0o644); err != nil {
			return nil, err
		}
		cmd := exec.Command("mcs", "-nologo", "-nowarn:0162,0168,0219,0429,0659,0661,0665,1717,1718", "-pkg:newtonsoft-json",
			"-r:System.Xml.Linq.dll", "-r:System.Numerics.dll", "-out:"+filepath.Join(dir, "oracle.exe"),
			driver, filepath.Join(dir, "Cases.cs"))
		msg, err := cmd.CombinedOutput()
		if err == nil {
			break
		}
		bad := map[int]bool{}
		for _, m := range mcsError.FindAllStringSubmatch(string(msg), -1) {
			ln, _ := strconv.Atoi(m[1])
			for i, sp := range spans {
				if ln >= sp[0] && ln <= sp[1] && !bad[i] {
					bad[i] = true
					out[live[i].ID] = Result{Type: "!" + m[2], Value: m[3]}
				}
			}
		}
		if len(bad) == 0 || round == 20 {
			return nil, fmt.Errorf("mcs: %v\n%s", err, msg)
		}
		var keep []Case
		for i, c := range live {
			if !bad[i] {
				keep = append(keep, c)
			}
		}
		live = keep
	}
	cmd := exec.Command("mono", filepath.Join(dir, "oracle.exe"))
	cmd.Env = append(os.Environ(), "TZ=UTC", "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("mono: %v\n%s", err, stderr.String())
	}
	res, err := ParseResults(bytes.NewReader(stdout))
	if err != nil {
		return nil, err
	}
	for id, r := range res {
		out[id] = r
	}
	return out, nil
}

// ParseResults reads "id<TAB>type<TAB>value" lines.
func ParseResults(r interface{ Read([]byte) (int, error) }) (map[string]Result, error) {
	out := map[string]Result{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "\t", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("bad result line %q", sc.Text())
		}
		out[parts[0]] = Result{Type: parts[1], Value: parts[2]}
	}
	return out, sc.Err()
}

// WriteResults writes results in case order.
func WriteResults(path string, cases []Case, res map[string]Result) error {
	var b strings.Builder
	for _, c := range cases {
		r, ok := res[c.ID]
		if !ok {
			continue
		}
		b.WriteString(c.ID + "\t" + r.Type + "\t" + strings.ReplaceAll(r.Value, "\n", `\n`) + "\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
