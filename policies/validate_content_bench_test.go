package policies

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/policygate/policygate/expressions"
)

// benchSchema is a 20-property object schema: scalars with formats,
// patterns, bounds and enums, a string array and an array of objects.
func benchSchema() string {
	props := []string{
		`"id":{"type":"string","pattern":"^[a-z0-9-]+$"}`,
		`"customer":{"type":"string","minLength":1,"maxLength":64}`,
		`"email":{"type":"string","format":"email"}`,
		`"status":{"type":"string","enum":["new","paid","shipped"]}`,
		`"total":{"type":"number","minimum":0}`,
		`"currency":{"type":"string","pattern":"^[A-Z]{3}$"}`,
		`"priority":{"type":"integer","minimum":1,"maximum":5}`,
		`"gift":{"type":"boolean"}`,
		`"note":{"type":"string","maxLength":2000}`,
		`"street":{"type":"string"}`,
		`"city":{"type":"string"}`,
		`"zip":{"type":"string","pattern":"^[0-9]{5}$"}`,
		`"country":{"type":"string","minLength":2,"maxLength":2}`,
		`"phone":{"type":"string"}`,
		`"channel":{"type":"string","enum":["web","app","store"]}`,
		`"created":{"type":"string","format":"date-time"}`,
		`"discount":{"type":"number","minimum":0,"maximum":100}`,
		`"points":{"type":"integer"}`,
		`"tags":{"type":"array","items":{"type":"string","maxLength":32}}`,
		`"lines":{"type":"array","items":{"type":"object","required":["sku","qty"],"properties":{"sku":{"type":"string"},"qty":{"type":"integer","minimum":1},"price":{"type":"number"}}}}`,
	}
	return `{"openapi":"3.0.1","info":{"title":"b","version":"1"},"paths":{"/orders":{"post":{"operationId":"create-order",
"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Order"}}}},"responses":{"201":{"description":"ok"}}}}},
"components":{"schemas":{"Order":{"type":"object","additionalProperties":false,"required":["id","customer","lines"],"properties":{` + strings.Join(props, ",") + `}}}}}`
}

// benchBody is a valid order of about 10 KB.
func benchBody() []byte {
	var lines []string
	for i := 0; len(strings.Join(lines, ",")) < 9300; i++ {
		lines = append(lines, fmt.Sprintf(`{"sku":"SKU-%06d","qty":%d,"price":%d.95}`, i, i%9+1, i%50))
	}
	return []byte(`{"id":"ord-42","customer":"Jane Doe","email":"jane@example.com","status":"paid","total":1234.5,"currency":"EUR",
"priority":2,"gift":false,"note":"leave at the door","street":"1 Main St","city":"Springfield","zip":"12345","country":"US",
"phone":"+1 555 0100","channel":"web","created":"2026-01-02T03:04:05Z","discount":5,"points":120,"tags":["a","b","c"],
"lines":[` + strings.Join(lines, ",") + `]}`)
}

func benchContentRun(b *testing.B) (*Stmt, *Run, []byte) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(benchSchema()))
	if err != nil {
		b.Fatal(err)
	}
	item := doc.Paths.Value("/orders")
	spec := NewOperationSpec(doc, item, item.Post)
	s := authCompile(b, `<validate-content unspecified-content-type-action="prevent" max-size="102400" size-exceeded-action="prevent">
		<content type="application/json" validate-as="json" action="prevent" /></validate-content>`)
	body := benchBody()
	r := authRun("POST", http.Header{"Content-Type": {"application/json"}})
	r.Ctx.Request.Body = expressions.NewBody(body)
	r.Spec = spec
	if err := s.Exec(r); err != nil {
		b.Fatal(err)
	}
	return s, r, body
}

// BenchmarkValidateContent10KB validates a 10 KB JSON body against a
// 20-property schema (target: at most 50 µs per request).
func BenchmarkValidateContent10KB(b *testing.B) {
	s, r, body := benchContentRun(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if err := s.Exec(r); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// processCPU is the process's user+system CPU time: on a shared machine it
// is a steadier measure than wall time, which includes waiting for a core.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per operation since start (GC included).
func reportCPU(b *testing.B, start time.Duration) {
	if start > 0 && b.N > 0 {
		b.ReportMetric(float64(processCPU()-start)/float64(b.N)/1e3, "cpu-µs/op")
	}
}

// BenchmarkValidateContentBaselineDecode is the floor of the benchmark
// above: decoding the same body with encoding/json alone.
func BenchmarkValidateContentBaselineDecode(b *testing.B) {
	_, _, body := benchContentRun(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// TestValidateContentBenchBodyIsChecked makes sure the benchmark measures a
// real validation: the same body with one bad line fails.
func TestValidateContentBenchBodyIsChecked(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(benchSchema()))
	if err != nil {
		t.Fatal(err)
	}
	item := doc.Paths.Value("/orders")
	s := authCompile(t, `<validate-content unspecified-content-type-action="prevent" max-size="102400" size-exceeded-action="prevent">
		<content type="application/json" validate-as="json" action="prevent" /></validate-content>`)
	body := benchBody()
	if n := len(body); n < 9*1024 || n > 11*1024 {
		t.Fatalf("body is %d bytes, want about 10 KB", n)
	}
	for _, tc := range []struct {
		name string
		body []byte
		ok   bool
	}{
		{"valid", body, true},
		{"qty 0 in the last line", []byte(strings.Replace(string(body), `"qty":1,`, `"qty":0,`, 1)), false},
		{"bad zip", []byte(strings.Replace(string(body), `"12345"`, `"1234"`, 1)), false},
	} {
		r := authRun("POST", http.Header{"Content-Type": {"application/json"}})
		r.Context = context.Background()
		r.Ctx.Request.Body = expressions.NewBody(tc.body)
		r.Spec = NewOperationSpec(doc, item, item.Post)
		err := s.Exec(r)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
