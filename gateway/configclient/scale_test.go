package configclient

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway/apiops"

	"github.com/policygate/policygate/gateway"
	"github.com/policygate/policygate/gateway/fleet"
)

// genSnapshot generates a snapshot of n APIs, each with a policy using an
// expression and a named value and three operations, plus a global
// policy, a product and a fragment, as the configuration server sends it
// to a gateway they are assigned to; version v changes API 0's policy.
// salts makes every cold run's specifications new to the process-wide
// specification cache.
var salts atomic.Int64

func genSnapshot(n, v int) *fleet.Snapshot { return genSnapshotSalted(n, v, "") }

// genSnapshotSalted varies every specification with salt, so nothing
// parsed earlier can be reused.
func genSnapshotSalted(n, v int, salt string) *fleet.Snapshot {
	return genSnapshotFull(n, v, salt, false)
}

// genSnapshotFull gives every API its own specification (a title naming
// it) when distinct is set; otherwise all APIs share one document.
func genSnapshotFull(n, v int, salt string, distinct bool) *fleet.Snapshot {
	files := map[string][]byte{
		"policy.xml": []byte(`<policies><inbound><set-header name="x-global" exists-action="override"><value>@(context.Request.Method)</value></set-header></inbound><backend><forward-request /></backend><outbound /><on-error /></policies>`),
		"namedValues/greeting/namedValueInformation.json": []byte(`{"properties": {"displayName": "greeting", "value": "hello"}}`),
		"policy fragments/common/policy.xml":              []byte(`<fragment><set-variable name="frag" value="@(context.Request.Url.Path)" /></fragment>`),
		"products/starter/productInformation.json":        []byte(`{"properties": {"displayName": "Starter", "state": "published", "subscriptionRequired": false}}`),
		"products/starter/policy.xml":                     []byte(`<policies><inbound><base /><set-header name="x-product" exists-action="override"><value>starter</value></set-header></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`),
	}
	var members []string
	for i := range n {
		id := fmt.Sprintf("api-%04d", i)
		members = append(members, fmt.Sprintf("%q", id))
		files["apis/"+id+"/apiInformation.json"] = fmt.Appendf(nil, `{"properties": {"displayName": %q, "path": "p%d", "serviceUrl": "http://127.0.0.1:9", "protocols": ["http"], "subscriptionRequired": false}}`, id, i)
		title := "t" + salt
		if distinct {
			title += "-" + id
		}
		files["apis/"+id+"/specification.yaml"] = []byte("swagger: '2.0'\ninfo: {title: " + title + ", version: v1}\npaths:\n  /items:\n    get: {operationId: list, responses: {200: {description: ok}}}\n    post: {operationId: create, responses: {201: {description: ok}}}\n  /items/{id}:\n    get: {operationId: get, parameters: [{name: id, in: path, required: true, type: string}], responses: {200: {description: ok}}}\n")
		ver := 0
		if i == 0 {
			ver = v
		}
		files["apis/"+id+"/policy.xml"] = fmt.Appendf(nil, `<policies><inbound><base /><include-fragment fragment-id="common" /><set-header name="x-api" exists-action="override"><value>@("%s-" + context.Request.Headers.GetValueOrDefault("x-id", "none") + "-%d")</value></set-header><set-header name="x-nv" exists-action="override"><value>{{greeting}}</value></set-header><choose><when condition="@(context.Request.Method == &quot;POST&quot;)"><set-variable name="w" value="@(context.Request.Url.Query.GetValueOrDefault(&quot;q&quot;, &quot;&quot;))" /></when></choose></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`, id, ver)
		files["apis/"+id+"/operations/get/policy.xml"] = []byte(`<policies><inbound><base /><rewrite-uri template="/v2/items/{id}" /></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`)
	}
	files["products/starter/apis.json"] = []byte("[" + join(members) + "]")
	files["gateways/bench/apis.json"] = files["products/starter/apis.json"]
	// Cut as the configuration server cuts it, operation tables included.
	f := &fleet.Folder{Files: files}
	f.IndexOperations(nil)
	s, err := f.Snapshot("bench", uint64(v), nil)
	if err != nil {
		panic(err)
	}
	return s
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

func benchClient(tb testing.TB) *Client {
	set, _ := gateway.LoadSettings("", nil, map[string]string{"admin.listen": "none"})
	srv := gateway.NewServer(set, slog.New(slog.DiscardHandler))
	c, err := New(Options{Settings: gateway.ServiceSettings{Endpoint: "http://127.0.0.1:1", Auth: fleet.MintToken("bench", "k", time.Now().Add(time.Hour))},
		Server: srv, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// BenchmarkApplyCold1000 applies a generated 1,000-API snapshot on a
// fresh client, with specifications never seen before (nothing to reuse).
func BenchmarkApplyCold1000(b *testing.B) { benchApplyCold(b, false) }

// BenchmarkApplyColdDistinct1000 is BenchmarkApplyCold1000 with a
// different specification for every API, so each one is parsed.
func BenchmarkApplyColdDistinct1000(b *testing.B) { benchApplyCold(b, true) }

func benchApplyCold(b *testing.B, distinct bool) {
	var cpu time.Duration
	n := 0
	for b.Loop() {
		b.StopTimer()
		sn := genSnapshotFull(1000, 0, fmt.Sprint("a", salts.Add(1)), distinct)
		c := benchClient(b)
		runtime.GC() // the setup's garbage is not the apply's
		c0 := processCPU()
		b.StartTimer()
		if !c.apply(sn, false) {
			b.Fatal(c.LastError())
		}
		cpu += processCPU() - c0
		n++
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(n), "cpu-ms/op")
}

// BenchmarkOpenAPIOnFirstUse1000 is what a cold apply leaves for later:
// building the OpenAPI detail (examples, definitions) of 1,000 different
// specifications, one after the other. The first request to an API that
// runs a validation policy or mock-response pays its document's share.
func BenchmarkOpenAPIOnFirstUse1000(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		c := benchClient(b)
		if !c.apply(genSnapshotFull(1000, 0, fmt.Sprint("o", salts.Add(1)), true), false) {
			b.Fatal(c.LastError())
		}
		runtime.GC()
		b.StartTimer()
		for _, api := range c.cfg.APIs {
			if _, spec := api.Operations[0].OpenAPI(); spec == nil {
				b.Fatalf("%s: no definition", api.ID)
			}
		}
	}
}

// BenchmarkApplyOneChange1000 applies snapshots that differ from the
// active one in one API's policy.
func BenchmarkApplyOneChange1000(b *testing.B) {
	c := benchClient(b)
	snaps := []*fleet.Snapshot{genSnapshot(1000, 1), genSnapshot(1000, 2)}
	if !c.apply(snaps[0], false) {
		b.Fatal(c.LastError())
	}
	i := 0
	c0 := processCPU()
	for b.Loop() {
		i++
		if !c.apply(snaps[i%2], false) {
			b.Fatal(c.LastError())
		}
	}
	b.ReportMetric(float64((processCPU()-c0).Microseconds())/1000/float64(i), "cpu-ms/op")
}

// processCPU is the process's user and system CPU time: on a shared
// machine it says more than the wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLoadFolder1000 is the baseline: what `policygate run --config`
// does with the same 1,000-API configuration in a folder on disk
// (apiops.Load and engine.Compile, specifications never seen before, no
// compile cache).
func BenchmarkLoadFolder1000(b *testing.B) { benchLoadFolder(b, false) }

// BenchmarkLoadFolderDistinct1000 is BenchmarkLoadFolder1000 with a
// different specification for every API.
func BenchmarkLoadFolderDistinct1000(b *testing.B) { benchLoadFolder(b, true) }

func benchLoadFolder(b *testing.B, distinct bool) {
	var cpu time.Duration
	n := 0
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		for p, data := range genSnapshotFull(1000, 0, fmt.Sprint("f", salts.Add(1)), distinct).Files {
			full := filepath.Join(dir, filepath.FromSlash(p))
			os.MkdirAll(filepath.Dir(full), 0o755)
			os.WriteFile(full, data, 0o644)
		}
		runtime.GC()
		c0 := processCPU()
		b.StartTimer()
		cfg, errs := apiops.Load(dir)
		if cfg == nil {
			b.Fatal(errs)
		}
		if e, errs := engine.Compile(cfg, engine.Options{}); e == nil {
			b.Fatal(errs)
		}
		b.StopTimer()
		cpu += processCPU() - c0
		n++
		b.StartTimer()
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(n), "cpu-ms/op")
}
