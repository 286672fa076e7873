package main

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
)

// notSupportedPolicy finds the policy a not-implemented warning names.
var notSupportedPolicy = regexp.MustCompile(`policy <([a-z-]+)> is not (?:supported|implemented)`)

// TestCorpusUnsupportedPolicies counts, over the corpus, the documents
// that use a policy PolicyGate does not run, per policy. A policy with an
// execution half must never be reported as not supported.
func TestCorpusUnsupportedPolicies(t *testing.T) {
	res, err := validateCorpus(corpusDir(t))
	if err != nil {
		t.Fatal(err)
	}
	registered := policies.Registered()
	docs := map[string]int{}
	for path, r := range res.Reports {
		seen := map[string]bool{}
		for _, p := range r.Problems {
			if p.Code != parser.CodeNotImplemented {
				continue
			}
			m := notSupportedPolicy.FindStringSubmatch(p.Msg)
			if m == nil {
				continue
			}
			if slices.Contains(registered, m[1]) {
				t.Errorf("%s: %s is implemented but reported: %s", path, m[1], p.Msg)
			}
			seen[m[1]] = true
		}
		for name := range seen {
			docs[name]++
		}
	}
	var lines []string
	for name, n := range docs {
		lines = append(lines, fmt.Sprintf("%s %d", name, n))
	}
	sort.Strings(lines)
	t.Logf("corpus documents using a policy PolicyGate does not run, per policy: %s", strings.Join(lines, ", "))
}
