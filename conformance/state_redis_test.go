package conformance

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/policygate/policygate/policies/state"
	"github.com/policygate/policygate/policies/state/redisstate"
	"github.com/policygate/policygate/policies/state/redisstate/redistest"
)

// statefulSuites are the case folders of the policies that keep state;
// TestConformance runs them in memory, TestConformanceOnRedis again with
// their counters and external cache on a real redis-server.
var statefulSuites = []string{
	"rate-limit", "rate-limit-by-key", "quota", "quota-by-key",
	"llm-token-limit", "azure-openai-token-limit",
	"cache-lookup", "cache-store", "cache-lookup-value", "cache-store-value", "cache-remove-value",
}

func TestConformanceOnRedis(t *testing.T) {
	srv := redistest.Start(t)
	runOnRedis(t, srv.URL(), srv.DBSize)
}

// TestConformanceOnRedisCluster runs them on a three-node Redis Cluster
// (counters checked together must share a slot).
func TestConformanceOnRedisCluster(t *testing.T) {
	c := redistest.StartCluster(t, 3)
	keys := func() int {
		n := 0
		for _, s := range c.Nodes {
			n += s.DBSize()
		}
		return n
	}
	runOnRedis(t, c.URL(), keys)
}

func runOnRedis(t *testing.T, url string, dbSize func() int) {
	var n atomic.Int64
	newState := func() state.Backend {
		// a fresh key prefix per case: cases never share counters
		s, err := redisstate.New(redisstate.Options{URL: url, Prefix: fmt.Sprintf("case%d:", n.Add(1)), Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	var paths []string
	for _, d := range statefulSuites {
		paths = append(paths, filepath.Join("../testdata/conformance", d))
	}
	files, err := Expand(paths)
	if err != nil {
		t.Fatal(err)
	}
	cases := 0
	for _, path := range files {
		rel, _ := filepath.Rel("../testdata/conformance", path)
		t.Run(filepath.ToSlash(strings.TrimSuffix(rel, filepath.Ext(rel))), func(t *testing.T) {
			f, err := LoadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s, err := f.Start(Options{Trace: true, State: newState})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			before := dbSize()
			defer func() {
				if dbSize() == before {
					t.Errorf("no key written to Redis: the cases did not keep their state there")
				}
			}()
			for _, c := range f.Cases {
				cases++
				t.Run(c.Name, func(t *testing.T) {
					if cr := s.RunCase(c); !cr.Passed {
						t.Errorf("%s\n%s", cr.Line(), strings.Join(cr.Details(), "\n"))
					}
				})
			}
		})
	}
	if cases < 30 {
		t.Fatalf("only %d stateful cases ran", cases)
	}
	t.Logf("%d stateful cases on Redis", cases)
}
