package policies

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"
)

// specPath finds shared/spec/policies.md: ../../shared from the main
// checkout, one level further up from a worktree under /work/wt.
func specPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"../../shared/spec/policies.md", "../../../shared/spec/policies.md"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("spec/policies.md not found")
	return ""
}

// TestIndexDeclared checks that every policy named in the index tables of
// spec/policies.md (§1) is declared, with matching priority.
func TestIndexDeclared(t *testing.T) {
	f, err := os.Open(specPath(t))
	if err != nil {
		t.Skipf("spec not available: %v", err)
	}
	defer f.Close()
	row := regexp.MustCompile("^\\| `([a-z0-9-]+)`")
	prio := regexp.MustCompile(`\| (P[012]) \|`)
	inIndex, seen := false, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## 1."):
			inIndex = true
			continue
		case strings.HasPrefix(line, "## "):
			inIndex = false
		}
		if !inIndex {
			continue
		}
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		seen++
		d := Lookup(m[1])
		if d == nil {
			t.Errorf("policy %q from the index is not declared", m[1])
			continue
		}
		if p := prio.FindStringSubmatch(line); p != nil && d.Priority != p[1] && !strings.Contains(line, "dapr-*") {
			t.Errorf("policy %q: priority %q, index says %q", m[1], d.Priority, p[1])
		}
	}
	if seen < 60 {
		t.Fatalf("parsed only %d index rows; table format changed?", seen)
	}
}

// TestCompactNotesDeclared checks the §3 compact-notes table: every policy
// is declared and every attribute listed is known.
func TestCompactNotesDeclared(t *testing.T) {
	data, err := os.ReadFile(specPath(t))
	if err != nil {
		t.Skipf("spec not available: %v", err)
	}
	text := string(data)
	i := strings.Index(text, "## 3.")
	if i < 0 {
		t.Fatal("no §3 in spec")
	}
	name := regexp.MustCompile("`([a-z0-9-]+)`")
	n := 0
	for _, line := range strings.Split(text[i:], "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(line, "|")
		for _, m := range name.FindAllStringSubmatch(cells[1], -1) {
			n++
			d := Lookup(m[1])
			if d == nil {
				t.Errorf("policy %q from §3 is not declared", m[1])
				continue
			}
			// attributes are listed before the first ';'
			// (a parenthesis starts prose; "as send-request without …" names
			// attributes that are absent)
			attrs, _, _ := strings.Cut(cells[2], ";")
			attrs, _, _ = strings.Cut(attrs, "(")
			if strings.HasPrefix(strings.TrimSpace(attrs), "as ") {
				continue
			}
			for _, a := range name.FindAllStringSubmatch(attrs, -1) {
				if strings.HasPrefix(attrs, " none") || strings.Contains(a[1], "darp") || strings.Contains(a[1], "<") {
					continue
				}
				if d.Attr(a[1]) == nil && a[1] != "managed" && !strings.HasPrefix(a[1], "publish-to") && !strings.HasPrefix(a[1], "invoke-") {
					t.Errorf("policy %q: attribute %q from §3 not declared", m[1], a[1])
				}
			}
		}
	}
	if n < 15 {
		t.Fatalf("parsed only %d §3 rows", n)
	}
}

func TestDeclareDuplicatePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("duplicate Declare did not panic")
		}
	}()
	Declare(&Decl{ElemDecl: ElemDecl{Name: "set-header"}, Sections: allSec})
}

func TestDeclarationsWellFormed(t *testing.T) {
	all := All()
	if len(all) < 70 {
		t.Fatalf("only %d declarations", len(all))
	}
	for i, d := range all {
		if i > 0 && all[i-1].Name >= d.Name {
			t.Errorf("All not sorted at %q", d.Name)
		}
		if d.Priority == "" || d.Category == "" {
			t.Errorf("%s: missing priority or category", d.Name)
		}
		checkElemDecl(t, d.Name, &d.ElemDecl)
	}
}

func checkElemDecl(t *testing.T, path string, e *ElemDecl) {
	t.Helper()
	seen := map[string]bool{}
	for _, a := range e.Attrs {
		if seen[a.Name] {
			t.Errorf("%s: duplicate attribute %q", path, a.Name)
		}
		seen[a.Name] = true
		if (a.Kind == KindEnum) != (len(a.Enum) > 0) {
			t.Errorf("%s/@%s: enum kind and values disagree", path, a.Name)
		}
	}
	for _, g := range e.Groups {
		for _, n := range g.Names {
			if g.Children && e.Child(n) == nil || !g.Children && e.Attr(n) == nil {
				t.Errorf("%s: group member %q not declared", path, n)
			}
		}
	}
	kids := map[string]bool{}
	for _, c := range e.Children {
		if kids[c.Name] {
			t.Errorf("%s: duplicate child %q", path, c.Name)
		}
		kids[c.Name] = true
		if c.Max != 0 && c.Min > c.Max {
			t.Errorf("%s/%s: min > max", path, c.Name)
		}
		checkElemDecl(t, path+"/"+c.Name, c)
	}
}

func TestSectionsAndScopes(t *testing.T) {
	tests := []struct {
		name    string
		section Section
		ok      bool
	}{
		{"set-body", OnError, true}, // project decision
		{"set-method", Backend, false},
		{"forward-request", Backend, true},
		{"forward-request", Inbound, false},
		{"cache-store", Outbound, true},
		{"wait", OnError, false},
		{"trace", OnError, true},
		{"jsonp", Outbound, true},
	}
	for _, tt := range tests {
		if got := Lookup(tt.name).AllowedIn(tt.section); got != tt.ok {
			t.Errorf("%s in %s: got %v want %v", tt.name, tt.section, got, tt.ok)
		}
	}
	if Lookup("quota").AllowedAt(ScopeAPI) || !Lookup("quota").AllowedAt(ScopeProduct) {
		t.Error("quota must be product scope only")
	}
	if Lookup("rate-limit").AllowedAt(ScopeGlobal) || !Lookup("rate-limit").AllowedAt(ScopeOperation) {
		t.Error("rate-limit scopes wrong")
	}
	if !Lookup("set-header").AllowedAt(ScopeGlobal) {
		t.Error("set-header must be allowed at every scope")
	}
	for _, n := range []string{"http-data-source", "publish-event", "sql-data-source", "cosmosdb-data-source"} {
		if d := Lookup(n); d == nil || !d.ResolverOnly || len(d.Sections) != 0 {
			t.Errorf("%s must be declared resolver-only", n)
		}
	}
	if c := Lookup("choose").Child("when"); c == nil || c.Attr("condition").Kind != KindBool || !c.Statements {
		t.Error("choose/when must be a statements container with a bool condition")
	}
	if Lookup("send-request").Child("set-method").TextExpr {
		t.Error("send-request/set-method must not take expressions")
	}
	if !Lookup("set-method").TextExpr {
		t.Error("asChild must not alias the policy declaration")
	}
}

func TestClosest(t *testing.T) {
	tests := map[string]string{
		"set-headers":         "set-header",
		"invoke-darp-binding": "invoke-dapr-binding",
		"publish-to-darp":     "publish-to-dapr",
		"validate-jwtt":       "validate-jwt",
		"zzzzzzzzzzzzzzzzzz":  "",
	}
	for in, want := range tests {
		if got := closest(in); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
}
