package gateway

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/expressions/dotnet"
)

// The hardening tests send hostile requests to a gateway that runs as a
// child process (this test binary re-executed) under an address-space
// limit: a request that makes the gateway allocate without bound kills the
// child, and the test fails, instead of the test binary.

const hardeningChildEnv = "POLICYGATE_HARDENING_CHILD"

// childHeadroom is the address space the child may map beyond what it has
// when it starts serving.
const childHeadroom = 1536 << 20

// hardeningPolicies are the operations of the hostile-request API: each
// answers the value of an expression that a request can make expensive.
var hardeningPolicies = map[string]string{
	"range":  `@(Enumerable.Range(0, int.Parse(context.Request.Url.Query.GetValueOrDefault("n", "1"))).ToArray().Length.ToString())`,
	"count":  `@(Enumerable.Range(0, int.Parse(context.Request.Url.Query.GetValueOrDefault("n", "1"))).Count().ToString())`,
	"repeat": `@(Enumerable.Repeat("x", int.Parse(context.Request.Url.Query.GetValueOrDefault("n", "1"))).ToList().Count.ToString())`,
	"array": `@{
		var n = int.Parse(context.Request.Url.Query.GetValueOrDefault("n", "1"));
		var keep = new List<object[]>();
		for (var i = 0; i < 8; i++) { keep.Add(new object[n]); }
		return keep.Count.ToString();
	}`,
	"xmlbody": `@(context.Request.Body.As<XElement>(preserveContent: true).ToString().Length.ToString())`,
	"xmlbuild": `@{
		var n = int.Parse(context.Request.Url.Query.GetValueOrDefault("n", "1"));
		var root = new XElement("a");
		var cur = root;
		for (var i = 0; i < n; i++) { var k = new XElement("a"); cur.Add(k); cur = k; }
		return root.ToString().Length.ToString();
	}`,
	"slow": `@{
		var n = 0;
		for (var i = 0; i < 100000; i++) { n += "x".PadLeft(1 << 20).Length; }
		return n.ToString();
	}`,
	"ok": `@("fine")`,
}

func hardeningConfig() *engine.Config {
	api := &engine.API{
		ID: "h", Name: "H", Path: "h", ServiceURL: "http://127.0.0.1:1/", IsCurrent: true, Revision: "1",
		Policy: doc(`<policies><inbound><base/></inbound><backend><base/></backend><outbound><base/></outbound>
			<on-error><return-response><set-status code="500" reason="Budget"/><set-body>@(context.LastError.Message)</set-body></return-response></on-error></policies>`),
	}
	for name, expr := range hardeningPolicies {
		o := op(name, "*", "/"+name)
		o.Policy = doc(`<policies><inbound><base/><return-response><set-status code="200"/><set-body>` + expr + `</set-body></return-response></inbound><backend/><outbound/><on-error><base/></on-error></policies>`)
		api.Operations = append(api.Operations, o)
	}
	x2j := op("x2j", "POST", "/x2j")
	x2j.Policy = doc(`<policies><inbound><base/><xml-to-json kind="direct" apply="always" consider-accept-header="false"/>
		<return-response><set-status code="200"/><set-body>@(context.Request.Body.As<string>(preserveContent: true).Length.ToString())</set-body></return-response></inbound><backend/><outbound/><on-error><base/></on-error></policies>`)
	api.Operations = append(api.Operations, x2j)
	return &engine.Config{APIs: []*engine.API{api}}
}

// TestHardeningChild is the child: it limits its address space, serves
// hardeningConfig on loopback, prints its address and runs until its stdin
// closes. It does nothing in a normal test run.
func TestHardeningChild(t *testing.T) {
	if os.Getenv(hardeningChildEnv) == "" {
		t.Skip("runs as the child of TestHostileRequestsNeverCrashTheGateway")
	}
	vm := vmSize(t)
	lim := &syscall.Rlimit{Cur: vm + childHeadroom, Max: vm + childHeadroom}
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, lim); err != nil {
		t.Fatal(err)
	}
	g, errs := New(hardeningConfig(), WithExpressionBudget(time.Second, 0))
	if g == nil {
		t.Fatal(errs)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go http.Serve(ln, g)
	fmt.Printf("addr=%s\n", ln.Addr())
	bufio.NewReader(os.Stdin).ReadString('\n')
}

// vmSize is the process's current address space in bytes.
func vmSize(t *testing.T) uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status: ", err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "VmSize:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Skip("no VmSize")
	return 0
}

func startHardeningChild(t *testing.T) (base string, exited <-chan error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHardeningChild$", "-test.v")
	cmd.Env = append(os.Environ(), hardeningChildEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "addr="); ok {
				addr <- a
			}
		}
		done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("child stderr:\n%s", stderr.String())
		}
	})
	select {
	case a := <-addr:
		return "http://" + a + "/h", done
	case err := <-done:
		t.Fatalf("child ended before serving: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("child did not start")
	}
	return "", nil
}

func send(method, url, body string) (result, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return result{}, err
	}
	req.Header.Set("Content-Type", "application/xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, string(data)}, err
}

func TestHostileRequestsNeverCrashTheGateway(t *testing.T) {
	if raceEnabled {
		t.Skip("under the race detector an address-space limit stops the detector itself; the plain test run covers this")
	}
	parent := t
	base, exited := startHardeningChild(t)
	dead := false
	deep := strings.Repeat("<a>", 100_000) + strings.Repeat("</a>", 100_000)
	var flat strings.Builder
	flat.WriteString("<r>")
	for i := 0; i < 50_000; i++ {
		flat.WriteString("<c>v</c>")
	}
	flat.WriteString("</r>")
	cases := []struct {
		name, method, path, body string
		status                   int
		want                     string // in the body
		within                   time.Duration
	}{
		{"Range(0, int.MaxValue).ToArray()", "GET", "/range?n=2147483647", "", 500, "Array dimensions exceeded", 5 * time.Second},
		{"Range(0, int.MaxValue).Count() runs out of budget", "GET", "/count?n=2147483647", "", 500, "budget of", 5 * time.Second},
		{"a slow loop runs out of time", "GET", "/slow", "", 500, "time budget of 1s", 5 * time.Second},
		{"Repeat(x, int.MaxValue).ToList()", "GET", "/repeat?n=2147483647", "", 500, "Array dimensions exceeded", 5 * time.Second},
		{"8 × new object[33000000]", "GET", "/array?n=33000000", "", 500, "Array dimensions exceeded", 5 * time.Second},
		{"8 × new object[3000000] passes the memory budget", "GET", "/array?n=3000000", "", 500, "memory budget", 5 * time.Second},
		{"100,000-deep XML body", "POST", "/xmlbody", deep, 500, "maximum depth of 64", 5 * time.Second},
		{"30,000-deep XElement.ToString()", "GET", "/xmlbuild?n=30000", "", 500, "string longer than", 5 * time.Second},
		{"xml-to-json of 50,000 children", "POST", "/x2j", flat.String(), 200, "", 3 * time.Second},
		{"modest Range", "GET", "/range?n=1000", "", 200, "1000", time.Second},
		{"still serving", "GET", "/ok", "", 200, "fine", time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if dead { // killed by an earlier case: a fresh one for this case
				base, exited = startHardeningChild(parent)
				dead = false
			}
			start := time.Now()
			r, err := send(c.method, base+c.path, c.body)
			took := time.Since(start)
			select {
			case err := <-exited:
				dead = true
				t.Fatalf("the gateway died: %v", err)
			case <-time.After(50 * time.Millisecond):
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.status != c.status || !strings.Contains(r.body, c.want) {
				t.Errorf("got %d %.300q, want %d containing %q", r.status, r.body, c.status, c.want)
			}
			if took > c.within {
				t.Errorf("took %v, want under %v", took, c.within)
			}
		})
	}
}

// The gateway-wide expression pool gets every request's share back when the
// request ends, whether it succeeded or failed.
func TestExpressionPoolIsReleasedAfterEachRequest(t *testing.T) {
	pool := &dotnet.MemoryPool{Max: 64 << 20}
	srv := newGW(t, hardeningConfig(), WithExpressionPool(pool))
	for _, path := range []string{"/h/array?n=1000", "/h/array?n=3000000", "/h/range?n=5000", "/h/nowhere"} {
		call(t, "GET", srv.URL+path, nil, "")
		if used := pool.Used(); used != 0 {
			t.Errorf("after %s the pool holds %d bytes", path, used)
		}
	}
	if r := call(t, "GET", srv.URL+"/h/array?n=3000000", nil, ""); r.status != 500 || !strings.Contains(r.body, "requests in flight") {
		t.Errorf("8 × 48 MB against a 64 MB pool: %d %s", r.status, r.body)
	}
}
