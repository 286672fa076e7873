package oracle

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Row is one case with both results.
type Row struct {
	Case       Case
	CSharp, PG Result
}

// Report is the outcome of comparing PolicyGate against the C# results.
type Report struct {
	Scored, Agree int
	Disagree      []Row
	Excluded      map[string]int // known-difference key → cases
	InvalidCS     []Row          // cases C# does not compile (not scored)
	Missing       []Case         // cases without a C# result (regenerate)
	ExcludedAgree []Row          // excluded cases that agree all the same
	Agreeing      map[string]bool
}

// Agrees reports whether two results are the same: the same type and value,
// or the same exception type.
func Agrees(cs, pg Result) bool {
	if strings.HasPrefix(cs.Type, "!") {
		return cs.Type == pg.Type
	}
	return cs == pg
}

// Compare evaluates every case through PolicyGate and compares it with the
// C# results.
func Compare(cases []Case, expected map[string]Result) *Report {
	r := &Report{Excluded: map[string]int{}, Agreeing: map[string]bool{}}
	for _, c := range cases {
		cs, ok := expected[c.ID]
		if !ok {
			r.Missing = append(r.Missing, c)
			continue
		}
		row := Row{Case: c, CSharp: cs}
		if strings.HasPrefix(cs.Type, "!CS") {
			r.InvalidCS = append(r.InvalidCS, row)
			continue
		}
		row.PG = Eval(c.Src)
		if c.Exclude != "" {
			r.Excluded[c.Exclude]++
			if Agrees(cs, row.PG) {
				r.ExcludedAgree = append(r.ExcludedAgree, row)
			}
			continue
		}
		r.Scored++
		if Agrees(cs, row.PG) {
			r.Agree++
			r.Agreeing[c.ID] = true
		} else {
			r.Disagree = append(r.Disagree, row)
		}
	}
	return r
}

// Percent is the agreement on scored cases.
func (r *Report) Percent() float64 {
	if r.Scored == 0 {
		return 0
	}
	return 100 * float64(r.Agree) / float64(r.Scored)
}

func show(x Result) string {
	if x.Value == "" {
		return x.Type
	}
	return x.Type + " " + x.Value
}

// Write prints every disagreement ("id | expr | C# | PolicyGate") and the
// closing figures.
func (r *Report) Write(w io.Writer, reasons map[string]string) {
	for _, d := range r.Disagree {
		fmt.Fprintf(w, "%s | %s | %s | %s", d.Case.ID, d.Case.Src, show(d.CSharp), show(d.PG))
		if why := reasons[d.Case.ID]; why != "" {
			fmt.Fprintf(w, " | %s", why)
		}
		fmt.Fprintln(w)
	}
	for _, d := range r.InvalidCS {
		fmt.Fprintf(w, "not C#: %s | %s | %s\n", d.Case.ID, d.Case.Src, show(d.CSharp))
	}
	for _, d := range r.ExcludedAgree {
		fmt.Fprintf(w, "excluded (%s) yet agreeing: %s | %s\n", d.Case.Exclude, d.Case.ID, d.Case.Src)
	}
	for _, c := range r.Missing {
		fmt.Fprintf(w, "no C# result (run make oracle): %s | %s\n", c.ID, c.Src)
	}
	keys := make([]string, 0, len(r.Excluded))
	for k := range r.Excluded {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var ex []string
	total := 0
	for _, k := range keys {
		ex = append(ex, fmt.Sprintf("%s %d", k, r.Excluded[k]))
		total += r.Excluded[k]
	}
	fmt.Fprintf(w, "scored %d, agree %d (%.2f%%); excluded %d (%s); not C# %d\n",
		r.Scored, r.Agree, r.Percent(), total, strings.Join(ex, ", "), len(r.InvalidCS))
}

// Baseline is the committed state: the agreeing count and each known
// disagreement with its reason.
type Baseline struct {
	Agree   int
	Reasons map[string]string // id → why PolicyGate differs
}

var baselineHead = regexp.MustCompile(`^agree (\d+)`)

// LoadBaseline reads "agree N" then "id | reason" lines.
func LoadBaseline(path string) (*Baseline, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := &Baseline{Reasons: map[string]string{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		t := strings.TrimSpace(sc.Text())
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if m := baselineHead.FindStringSubmatch(t); m != nil {
			b.Agree, _ = strconv.Atoi(m[1])
			continue
		}
		id, why, _ := strings.Cut(t, "|")
		b.Reasons[strings.TrimSpace(id)] = strings.TrimSpace(why)
	}
	return b, sc.Err()
}

// WriteBaseline writes the report as the new baseline, keeping the reasons
// already given.
func (r *Report) WriteBaseline(path string, old *Baseline) error {
	var b strings.Builder
	b.WriteString("# The oracle baseline (make oracle rewrites it): the agreeing count on scored\n")
	b.WriteString("# cases, then every scored case PolicyGate still disagrees on, with the reason.\n")
	fmt.Fprintf(&b, "agree %d of %d\n", r.Agree, r.Scored)
	for _, d := range r.Disagree {
		why := "unexplained"
		if old != nil && old.Reasons[d.Case.ID] != "" {
			why = old.Reasons[d.Case.ID]
		}
		fmt.Fprintf(&b, "%s | %s\n", d.Case.ID, why)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

var knownKey = regexp.MustCompile("^- `([a-z0-9-]+)`:")

// LoadKnownDifferences reads the keys documented in known-differences.md.
func LoadKnownDifferences(path string) (map[string]bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		if m := knownKey.FindStringSubmatch(l); m != nil {
			keys[m[1]] = true
		}
	}
	return keys, nil
}
